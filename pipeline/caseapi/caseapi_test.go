package caseapi_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"

	"github.com/openchs/openchs-ai/models"
	"github.com/openchs/openchs-ai/pipeline/caseapi"
	"github.com/openchs/openchs-ai/pipeline/caseapi/caseapitest"
)

const key = "helpline-key-0123456789"

func result() *models.Result {
	tr := "I am on the bridge and I have decided to jump tonight."
	return &models.Result{
		TaskID: "0123456789abcdef", Language: "sw", Duration: 75.2,
		Transcript:  "Niko juu ya daraja na nimeamua kuruka leo usiku.",
		Translation: &tr,
		Classification: &models.Classification{Priority: "critical", RiskLevel: "critical", Category: "suicide_self_harm",
			SubCategory: "Suicide plan", Confidence: 0.91, Intervention: "Keep the caller on the line.",
			Evidence: []models.Evidence{{Text: "nimeamua kuruka", Start: 62, End: 64.5, Rule: "suicide_plan", Source: "transcript"}}},
		Models: map[string]string{"transcriber": "tiny-q8_0@c2085835"},
	}
}

func builder(t *testing.T) caseapi.Builder {
	t.Helper()
	cats, err := caseapi.LoadCategories("")
	if err != nil {
		t.Fatal(err)
	}
	return caseapi.Builder{Categories: cats}
}

func TestBuildCase(t *testing.T) {
	c, err := builder(t).Build(result(), models.TaskOptions{CreateCase: true, ReporterPhone: "+254700123456"})
	if err != nil {
		t.Fatal(err)
	}
	d := 75.2
	want := models.Case{Title: "Suicide / self-harm — critical (AI triage)", Category: "mental_health", SubCategory: "Suicide plan",
		Priority: "critical", ReporterPhone: "+254700123456", ExternalRef: "0123456789abcdef", Source: "ai", Language: "sw",
		DurationS: &d, AIModels: map[string]string{"transcriber": "tiny-q8_0@c2085835"}}
	desc := c.Description
	c.Description = ""
	if diff := cmp.Diff(want, c); diff != "" {
		t.Errorf("case (-want +got):\n%s", diff)
	}
	// A counsellor reads priority, evidence with its time, translation,
	// then transcript, in that order.
	order := []string{"Priority: CRITICAL", "Keep the caller on the line.", `[1:02–1:05] "nimeamua kuruka" (suicide_plan, transcript)`,
		"English translation:\nI am on the bridge", "Transcript:\nNiko juu ya daraja"}
	at := 0
	for _, s := range order {
		i := strings.Index(desc[at:], s)
		if i < 0 {
			t.Fatalf("description lacks %q after position %d:\n%s", s, at, desc)
		}
		at += i
	}

	titled, _ := builder(t).Build(result(), models.TaskOptions{Title: "Call from Kisumu"})
	if titled.Title != "Call from Kisumu" {
		t.Errorf("uploaded title not used: %q", titled.Title)
	}
}

// A call transcribed as two speakers reads as a dialogue in its case, and
// its evidence says who said it.
func TestBuildCaseDialogue(t *testing.T) {
	res := result()
	res.Transcript = "Unasemaje? Niko juu ya daraja na nimeamua kuruka leo usiku."
	res.Segments = []models.Segment{
		{Start: 60, End: 61, Text: "Unasemaje?", Speaker: models.SpeakerAgent},
		{Start: 62, End: 64.5, Text: "Niko juu ya daraja na nimeamua kuruka leo usiku.", Speaker: models.SpeakerCaller},
	}
	res.Classification.Evidence[0].Speaker = models.SpeakerCaller
	c, err := builder(t).Build(res, models.TaskOptions{CreateCase: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{
		`"nimeamua kuruka" (suicide_plan, transcript, said by the caller)`,
		"Transcript:\nAgent: Unasemaje?\nCaller: Niko juu ya daraja",
	} {
		if !strings.Contains(c.Description, s) {
			t.Errorf("description lacks %q:\n%s", s, c.Description)
		}
	}
}

func TestDescriptionIsClipped(t *testing.T) {
	r := result()
	r.Transcript = strings.Repeat("mtoto anateseka ", 4000) + "ñ"
	b := builder(t)
	b.MaxDescription = 2001
	c, err := b.Build(r, models.TaskOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Description) > 2001 || !utf8.ValidString(c.Description) {
		t.Fatalf("description is %d bytes (valid UTF-8: %v), limit 2001", len(c.Description), utf8.ValidString(c.Description))
	}
	for _, s := range []string{"nimeamua kuruka", "I am on the bridge", "[clipped: the whole text is at /audio/task/0123456789abcdef"} {
		if !strings.Contains(c.Description, s) {
			t.Errorf("clipped description lost %q", s)
		}
	}
}

func TestCategoriesFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cats.json")
	os.WriteFile(path, []byte(`{"default_category":"general","categories":{"suicide_self_harm":{"category":"SUICIDE","title":"Suicide"}}}`), 0o644)
	cats, err := caseapi.LoadCategories(path)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := caseapi.Builder{Categories: cats}.Build(result(), models.TaskOptions{})
	if c.Category != "SUICIDE" || c.Title != "Suicide — critical (AI triage)" {
		t.Errorf("mapped case: category %q title %q", c.Category, c.Title)
	}
	r := result()
	r.Classification.Category = "bullying"
	c, _ = caseapi.Builder{Categories: cats}.Build(r, models.TaskOptions{})
	if c.Category != "general" {
		t.Errorf("unmapped category became %q, want the default", c.Category)
	}
	os.WriteFile(path, []byte(`{"categories":{}}`), 0o644)
	if _, err := caseapi.LoadCategories(path); err == nil || !strings.Contains(err.Error(), "default_category") {
		t.Errorf("a file without default_category was accepted: %v", err)
	}
}

func client(t *testing.T, url string, timeout time.Duration) *caseapi.Client {
	t.Helper()
	c, err := caseapi.New(caseapi.Config{BaseURL: url, APIKey: key, Timeout: timeout})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestClientCreatesOnceAndFindsByReference(t *testing.T) {
	hl := caseapitest.New(t, key)
	cl := client(t, hl.URL, 5*time.Second)
	c, _ := builder(t).Build(result(), models.TaskOptions{})
	ctx := context.Background()
	got, err := cl.Create(ctx, c, c.ExternalRef)
	if err != nil {
		t.Fatal(err)
	}
	again, err := cl.Create(ctx, c, c.ExternalRef)
	if err != nil || again.ID != got.ID {
		t.Fatalf("second create with the same key: %v, id %v want %v", err, again, got.ID)
	}
	if n := len(hl.Cases()); n != 1 {
		t.Fatalf("helpline holds %d cases, want 1", n)
	}
	r := hl.Requests()[0]
	for h, want := range map[string]string{"X-API-Key": key, "Content-Type": "application/json", "Idempotency-Key": c.ExternalRef} {
		if got := r.Header.Get(h); got != want {
			t.Errorf("header %s = %q, want %q", h, got, want)
		}
	}
	found, err := cl.FindByExternalRef(ctx, c.ExternalRef)
	if err != nil || found == nil || found.ID != got.ID {
		t.Fatalf("lookup: %v %v", found, err)
	}
	if none, err := cl.FindByExternalRef(ctx, "other"); none != nil || err != nil {
		t.Errorf("lookup of an unknown reference: %v %v", none, err)
	}
	hl.NoLookup = true
	if _, err := cl.FindByExternalRef(ctx, "other"); !errors.Is(err, caseapi.ErrLookupUnsupported) {
		t.Errorf("a helpline ignoring the filter: %v, want ErrLookupUnsupported", err)
	}
	if err := cl.Health(ctx); err != nil {
		t.Errorf("health: %v", err)
	}
	bad, _ := caseapi.New(caseapi.Config{BaseURL: hl.URL, APIKey: "wrong"})
	if err := bad.Health(ctx); !caseapi.Permanent(err) || !strings.Contains(err.Error(), "401") {
		t.Errorf("health with a wrong key: %v", err)
	}
}

func TestClientErrors(t *testing.T) {
	date := time.Now().Add(30 * time.Second).UTC().Format(http.TimeFormat)
	cases := []struct {
		name        string
		status      int
		retryAfter  string
		body        string
		permanent   bool
		wantMessage string
		wantWait    time.Duration
	}{
		{"400 with the service's error shape", 400, "", `{"error":{"code":"missing_field","message":"title is required"}}`, true, "title is required", 0},
		{"422 with a plain message", 422, "", `{"message":"category unknown"}`, true, "category unknown", 0},
		{"403", 403, "", `forbidden`, true, "forbidden", 0},
		{"429 with seconds", 429, "2", `{}`, false, "", 2 * time.Second},
		{"503 with a date", 503, date, ``, false, "", 30 * time.Second},
		{"500", 500, "", `boom`, false, "boom", 0},
		{"Retry-After capped", 429, "86400", ``, false, "", time.Hour},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if tc.retryAfter != "" {
					w.Header().Set("Retry-After", tc.retryAfter)
				}
				w.WriteHeader(tc.status)
				w.Write([]byte(tc.body))
			}))
			defer ts.Close()
			_, err := client(t, ts.URL, time.Second).Create(context.Background(), models.Case{Title: "t", Category: "c", Priority: "low"}, "k")
			if err == nil {
				t.Fatal("no error")
			}
			if caseapi.Permanent(err) != tc.permanent {
				t.Errorf("permanent = %v, want %v (%v)", !tc.permanent, tc.permanent, err)
			}
			if !strings.Contains(err.Error(), tc.wantMessage) {
				t.Errorf("error %q lacks the helpline's message %q", err, tc.wantMessage)
			}
			if got := caseapi.RetryAfterOf(err); got < tc.wantWait-2*time.Second || got > tc.wantWait {
				t.Errorf("Retry-After read as %v, want about %v", got, tc.wantWait)
			}
		})
	}
}

func TestClientReadsNumericIDs(t *testing.T) {
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(201)
		w.Write([]byte(`{"id": 4711, "case_number": 2026000123, "status": "open"}`))
	}))
	defer ts.Close()
	got, err := client(t, ts.URL, time.Second).Create(context.Background(), models.Case{Title: "t", Category: "c", Priority: "low"}, "k")
	if err != nil || got.ID != "4711" || got.CaseNumber != "2026000123" {
		t.Fatalf("got %+v, %v", got, err)
	}
}

func TestClientTimeoutIsTransient(t *testing.T) {
	hl := caseapitest.New(t, key)
	hl.Faults = func(string, int) caseapitest.Fault { return caseapitest.Fault{Delay: 500 * time.Millisecond} }
	_, err := client(t, hl.URL, 100*time.Millisecond).Create(context.Background(), models.Case{Title: "t", Category: "c", Priority: "low", ExternalRef: "x"}, "x")
	if err == nil || caseapi.Permanent(err) {
		t.Fatalf("a reply slower than the timeout: %v, want a transient error", err)
	}
	hl.Stop()
	_, err = client(t, hl.URL, time.Second).Create(context.Background(), models.Case{Title: "t", Category: "c", Priority: "low"}, "y")
	if err == nil || caseapi.Permanent(err) {
		t.Fatalf("connection refused: %v, want a transient error", err)
	}
}

// TestGuideClientAgreesWithTheTestHelpline runs the integration guide's
// own RobustOpenCHSClient.create_case (the copy the command's guide tests
// run against serve) against the test helpline, with the case this package
// sends: the body we send passes the guide's validation and is the body it
// documents.
func TestGuideClientAgreesWithTheTestHelpline(t *testing.T) {
	if err := exec.Command("python3", "-c", "import requests").Run(); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("python3 with requests is required in CI: %v", err)
		}
		t.Skip("python3 with requests is missing")
	}
	hl := caseapitest.New(t, key)
	c, _ := builder(t).Build(result(), models.TaskOptions{ReporterEmail: "reporter@example.com"})
	ours, _ := json.Marshal(c)
	out, err := exec.Command("python3", "../../cmd/openchs-ai/testdata/guide/robust.py", hl.URL, key, string(ours)).CombinedOutput()
	if err != nil {
		t.Fatalf("guide client: %v\n%s", err, out)
	}
	for _, want := range []string{"created 1 TEST-000001 open high", "created 2 TEST-000002 open critical", "ValueError before any request: Invalid priority: urgent"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("guide client output lacks %q:\n%s", want, out)
		}
	}
	cases := hl.Cases()
	if len(cases) != 2 || cases[1].Priority != "critical" || cases[1].ExternalRef != c.ExternalRef {
		t.Errorf("helpline holds %+v", cases)
	}
}

// TestGuidePattern1AgreesWithTheTestHelpline runs the guide's Node
// OpenCHSIntegration (Pattern 1, axios; the command's guide script) against
// the test helpline: the test helpline takes the guide's shape as it takes
// ours.
func TestGuidePattern1AgreesWithTheTestHelpline(t *testing.T) {
	missing := func(format string, args ...any) {
		if os.Getenv("CI") == "true" {
			t.Fatalf(format, args...)
		}
		t.Skipf(format, args...)
	}
	if _, err := exec.LookPath("node"); err != nil {
		missing("node is required: %v", err)
	}
	cache := os.Getenv("OPENCHS_AI_CACHE")
	if cache == "" {
		cache = filepath.Join(os.Getenv("HOME"), ".cache", "openchs-ai")
	}
	modules := filepath.Join(cache, "node", "node_modules")
	if _, err := os.Stat(filepath.Join(modules, "axios", "package.json")); err != nil {
		missing("axios under %s (scripts/deps.sh test installs it): %v", modules, err)
	}
	hl := caseapitest.New(t, key)
	cmd := exec.Command("node", "../../cmd/openchs-ai/testdata/guide/integration.js", hl.URL, key)
	cmd.Env = append(os.Environ(), "NODE_PATH="+modules)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("guide's Node client: %v\n%s", err, out)
	}
	for _, want := range []string{"Created case: TEST-000001", "Status: open high +254700123456 reporter@example.com",
		"Updated: in_progress", "Refused: false Request failed with status code 400"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if cases := hl.Cases(); len(cases) != 1 || cases[0].ReporterEmail != "reporter@example.com" {
		t.Errorf("helpline holds %+v", cases)
	}
}
