package main

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/openchs/openchs-ai/models"
	"github.com/openchs/openchs-ai/pipeline/caseapi/caseapitest"
)

// readerKey may read every task and the queue, nothing more.
const readerKey = "cmd-test-reader-0123456789"

// spoken writes English speech of text, spoken by espeak-ng at wpm words a
// minute, to a WAV in dir.
func spoken(t *testing.T, dir, name string, wpm int, text string) string {
	t.Helper()
	tool(t, "espeak-ng")
	p := filepath.Join(dir, name)
	if out, err := exec.Command("espeak-ng", "-v", "en", "-s", strconv.Itoa(wpm), "-w", p, text).CombinedOutput(); err != nil {
		t.Fatalf("espeak-ng: %v\n%s", err, out)
	}
	return p
}

// nodeModules returns the directory holding the tests' Node packages
// (scripts/deps.sh test installs them), failing in CI when pkg is missing.
func nodeModules(t *testing.T, pkg string) string {
	t.Helper()
	dir := os.Getenv("OPENCHS_AI_NODE_MODULES")
	if dir == "" {
		cache := os.Getenv("OPENCHS_AI_CACHE")
		if cache == "" {
			cache = filepath.Join(os.Getenv("HOME"), ".cache", "openchs-ai")
		}
		dir = filepath.Join(cache, "node", "node_modules")
	}
	if _, err := os.Stat(filepath.Join(dir, pkg, "package.json")); err != nil {
		need(t, "%s under %s (run scripts/deps.sh test)", pkg, dir)
	}
	return dir
}

// artefacts is where the browser test's screenshots go:
// $OPENCHS_AI_TEST_ARTEFACTS, else a new directory under the system's
// temporary directory, kept after the test so the pictures can be looked at.
func artefacts(t *testing.T) string {
	t.Helper()
	if d := os.Getenv("OPENCHS_AI_TEST_ARTEFACTS"); d != "" {
		d = filepath.Join(d, "dashboard")
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		return d
	}
	d, err := os.MkdirTemp("", "openchs-ai-dashboard-")
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// TestDashboard drives the dashboard in headless Chromium against a real
// serve (real Redis, the real model) writing cases to an OpenCHS stand-in:
// sign-in, an upload through the page's file input and one by drag and
// drop, the progress bars, a critical call pinned with its evidence and
// case until acknowledged, a refused case delivery retried from the page,
// and a read-only key that sees no upload or cancel control
// (testdata/dashboard.js). It logs the screenshots' paths, the page's
// weight and its time to first render.
func TestDashboard(t *testing.T) {
	tool(t, "node")
	chromium, err := exec.LookPath("chromium")
	if err != nil {
		need(t, "chromium (Debian package chromium; scripts/deps.sh test installs it)")
	}
	modules := nodeModules(t, "playwright-core")
	dir := t.TempDir()
	// Over 30 s, so that Whisper reports progress between its two windows.
	critical := spoken(t, dir, "critical.wav", 110, "My stepfather is beating my brother right now with a metal rod. "+
		"He is bleeding and we are locked in the house. Please send help now. I am eleven years old and I live with "+
		"my mother, my stepfather and my two brothers. We go to the primary school near the church. My teacher told us "+
		"about this number last week, and I kept it in my school bag. Our house is the blue one behind the shop on the main road.")
	low := spoken(t, dir, "low.wav", 150, "I want to know how to report bullying at school.")
	// Cases go to a stand-in OpenCHS that refuses the first case of the
	// second call once (422, which is not retried by itself), so that the
	// page's Retry delivery has a failed case to write again.
	const helplineKey = "dashboard-helpline-0123456789"
	hl := caseapitest.New(t, helplineKey)
	var mu sync.Mutex
	var refs []string
	hl.Faults = func(ref string, n int) caseapitest.Fault {
		mu.Lock()
		defer mu.Unlock()
		if !slices.Contains(refs, ref) {
			refs = append(refs, ref)
		}
		if len(refs) == 2 && refs[1] == ref && n == 1 {
			return caseapitest.Fault{Status: http.StatusUnprocessableEntity, Message: "The reporter's details were refused."}
		}
		return caseapitest.Fault{}
	}
	s := start(t, "serve", "--addr=127.0.0.1:0", "--redis="+serviceRedis(t), "--model="+modelArg(t),
		"--api-keys="+serviceKey+","+readerKey+":read-all+metrics", "--openchs-url="+hl.URL, "--openchs-api-key="+helplineKey)
	shots := artefacts(t)

	ctx, cancel := context.WithTimeout(context.Background(), 6*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", "testdata/dashboard.js", s.url, serviceKey, readerKey, critical, low, shots)
	cmd.Env = append(os.Environ(), "NODE_PATH="+modules, "CHROMIUM="+chromium)
	b, err := cmd.CombinedOutput()
	out := string(b)
	t.Logf("dashboard.js:\n%s", out)
	if err != nil {
		t.Fatalf("the browser test failed: %v", err)
	}
	for _, m := range regexp.MustCompile(`(?m)^screenshot: (.+)$`).FindAllStringSubmatch(out, -1) {
		if fi, err := os.Stat(m[1]); err != nil || fi.Size() < 5000 {
			t.Errorf("screenshot %s missing or empty: %v", m[1], err)
		}
		t.Logf("artefact: %s", m[1])
	}
	m := regexp.MustCompile(`(?m)^metrics: (.+)$`).FindStringSubmatch(out)
	if m == nil {
		t.Fatal("the browser script reported no page metrics")
	}
	var metrics struct {
		Transferred int      `json:"transferred_bytes"`
		FCP         *float64 `json:"first_contentful_paint_ms"`
	}
	if err := json.Unmarshal([]byte(m[1]), &metrics); err != nil || metrics.Transferred == 0 || metrics.FCP == nil {
		t.Errorf("page metrics %s: %v", m[1], err)
	}

	// What the page sent reached the helpline: the case fields typed into
	// the form are on the pinned call's case, and the retried delivery made
	// one case.
	id := regexp.MustCompile(`(?m)^task: ([0-9a-f]{32})$`).FindStringSubmatch(out)
	if id == nil {
		t.Fatal("the browser script named no task")
	}
	byRef := map[string]models.Case{}
	for _, c := range hl.Cases() {
		byRef[c.ExternalRef] = c
	}
	if c := byRef[id[1]]; c.Priority != models.PriorityCritical || c.ReporterPhone != "+254700999888" || c.Title != "Dashboard test call" {
		t.Errorf("the page's upload became case %+v", c)
	}
	if n := hl.CasesByRef(); len(n) != 2 || n[refs[1]] != 1 {
		t.Errorf("the helpline holds cases %v, want one per call", n)
	}
}
