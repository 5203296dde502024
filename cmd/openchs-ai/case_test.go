package main

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/openchs/openchs-ai/models"
	"github.com/openchs/openchs-ai/pipeline/caseapi/caseapitest"
)

// taskCase reads a task's case write-back through the API.
func taskCase(t *testing.T, url, id string) *models.CaseRef {
	t.Helper()
	req, _ := http.NewRequest("GET", url+"/audio/task/"+id, nil)
	req.Header.Set("X-API-Key", serviceKey)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var task models.Task
	if err := json.NewDecoder(resp.Body).Decode(&task); err != nil {
		t.Fatal(err)
	}
	if task.Result == nil {
		return nil
	}
	return task.Result.Case
}

// A worker killed outright while it waits for the helpline to answer a
// case loses nothing and doubles nothing: once its lease has expired,
// another worker finds the case the first one created (by its external
// reference) and records it; the helpline holds one case.
func TestKilledDeliveryMakesOneCase(t *testing.T) {
	redisURL := serviceRedis(t)
	model := modelArg(t)
	const key = "helpline-key-0123456789"
	hl := caseapitest.New(t, key)
	hl.Faults = func(ref string, n int) caseapitest.Fault {
		if n == 1 { // the case is made, the answer never comes in time
			return caseapitest.Fault{Delay: 10 * time.Minute}
		}
		return caseapitest.Fault{}
	}
	worker := func() *service {
		return start(t, "worker", "--redis="+redisURL, "--model="+model, "--openchs-url="+hl.URL,
			"--openchs-api-key="+key, "--case-timeout=2m")
	}
	api := start(t, "api", "--addr=127.0.0.1:0", "--redis="+redisURL, "--api-keys="+serviceKey, "--builtin-helpline=false")
	first := worker()
	id := post(t, api.url, jfkWAV(t))
	if err := hl.WaitCases(1, 3*time.Minute); err != nil {
		t.Fatal(err)
	}
	first.cmd.Process.Kill()
	<-first.done
	killed := time.Now()
	if c := taskCase(t, api.url, id); c == nil || c.Status != models.DeliveryPending || c.Attempts != 1 {
		t.Fatalf("case while its delivery hangs: %+v", c)
	}

	worker()
	var c *models.CaseRef
	for deadline := time.Now().Add(4 * time.Minute); time.Now().Before(deadline); time.Sleep(time.Second) {
		if c = taskCase(t, api.url, id); c != nil && c.Status.Final() {
			break
		}
	}
	t.Logf("case recorded %v after the kill", time.Since(killed).Round(time.Second))
	cases := hl.Cases()
	if c == nil || c.Status != models.DeliveryCreated || len(cases) != 1 || c.ID != cases[0].ID || c.Attempts != 2 {
		t.Fatalf("case %+v; helpline holds %d cases", c, len(cases))
	}
}
