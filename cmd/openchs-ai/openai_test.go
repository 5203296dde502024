package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// The official OpenAI Node.js client (npm "openai", pinned by
// scripts/node/package-lock.json), unmodified, against a running serve: what
// it reads in every response format is what `openchs-ai transcribe` prints
// for the same recording.
func TestOpenAIClient(t *testing.T) {
	tool(t, "node")
	tool(t, "sox")
	cache := os.Getenv("OPENCHS_AI_CACHE")
	if cache == "" {
		cache = filepath.Join(os.Getenv("HOME"), ".cache", "openchs-ai")
	}
	modules := filepath.Join(cache, "node", "node_modules")
	if _, err := os.Stat(filepath.Join(modules, "openai", "package.json")); err != nil {
		need(t, "openai under %s (run scripts/deps.sh test)", modules)
	}
	model := modelArg(t)
	jfk := jfkWAV(t)
	long := filepath.Join(t.TempDir(), "jfk-twice.wav")
	if out, err := exec.Command("sox", jfk, jfk, long).CombinedOutput(); err != nil {
		t.Fatalf("sox: %v\n%s", err, out)
	}
	s := start(t, "serve", "--addr=127.0.0.1:0", "--redis="+serviceRedis(t), "--api-keys="+serviceKey,
		"--model="+model, "--threads=1")

	out := script(t, []string{"NODE_PATH=" + modules}, "node", "testdata/openai/client.js", s.url, serviceKey, jfk, long)
	var got struct {
		Formats struct {
			JSON        struct{ Text string }
			Text        string
			SRT         string
			VTT         string
			VerboseJSON struct {
				Task, Language, Text string
				Duration             float64
				Segments             []struct {
					Start, End float64
					Text       string
				}
				Words []struct {
					Word       string
					Start, End float64
				}
			} `json:"verbose_json"`
		}
		Stream []struct {
			Type, Delta, Text string
		}
		Translation            struct{ Text string }
		Models                 []string
		UnknownModel, WrongKey struct {
			Thrown, IsAPIError           bool
			Status                       int
			Type, Code, Param, ClassName string
		}
	}
	if err := json.Unmarshal([]byte(out[strings.LastIndex(strings.TrimSpace(out), "\n")+1:]), &got); err != nil {
		t.Fatalf("the client's output: %v\n%s", err, out)
	}

	transcribe := func(args ...string) string {
		r := runBin(t, nil, append([]string{"transcribe", "--model=" + model, "--threads=1"}, args...)...)
		if r.code != 0 {
			t.Fatalf("transcribe %v: exit %d: %s", args, r.code, r.stderr)
		}
		return r.stdout
	}
	want := words(transcribe("--language=en", jfk))
	if !strings.Contains(want, jfkSentence) {
		t.Fatalf("transcribe read %q", want)
	}
	f := got.Formats
	for name, text := range map[string]string{
		"json": f.JSON.Text, "text": f.Text, "verbose_json": f.VerboseJSON.Text, "translation": got.Translation.Text,
	} {
		if words(text) != want {
			t.Errorf("%s: the client read %q, transcribe %q", name, words(text), want)
		}
	}
	// Subtitles: the same cues and times as transcribe's.
	if w := transcribe("--language=en", "--format=srt", jfk); f.SRT != w {
		t.Errorf("srt:\n%s\ntranscribe --format srt:\n%s", f.SRT, w)
	}
	if w := transcribe("--language=en", "--format=vtt", jfk); f.VTT != w {
		t.Errorf("vtt:\n%s\ntranscribe --format vtt:\n%s", f.VTT, w)
	}
	v := f.VerboseJSON
	if v.Task != "transcribe" || v.Language != "english" || v.Duration < 10.9 || v.Duration > 11.1 || len(v.Segments) == 0 {
		t.Errorf("verbose_json: task %q, language %q, duration %v, %d segments", v.Task, v.Language, v.Duration, len(v.Segments))
	}
	var joined []string
	for _, sg := range v.Segments {
		joined = append(joined, sg.Text)
		if sg.End < sg.Start || sg.End > v.Duration {
			t.Errorf("verbose_json segment %+v outside the recording", sg)
		}
	}
	if words(strings.Join(joined, " ")) != want {
		t.Errorf("verbose_json segments read %q", strings.Join(joined, " "))
	}
	var ws []string
	for i, w := range v.Words {
		ws = append(ws, w.Word)
		if w.End < w.Start || (i > 0 && w.Start < v.Words[i-1].Start) || w.End > v.Duration {
			t.Errorf("verbose_json word %d %+v", i, w)
		}
	}
	if words(strings.Join(ws, " ")) != want {
		t.Errorf("verbose_json words read %q", strings.Join(ws, " "))
	}

	// The stream: deltas as segments are decoded, adding up to the done
	// event's text, which is the recording read twice.
	if len(got.Stream) < 2 || got.Stream[len(got.Stream)-1].Type != "transcript.text.done" {
		t.Fatalf("stream events %+v", got.Stream)
	}
	var deltas strings.Builder
	for _, ev := range got.Stream[:len(got.Stream)-1] {
		if ev.Type != "transcript.text.delta" {
			t.Errorf("stream event %+v before the end", ev)
		}
		deltas.WriteString(ev.Delta)
	}
	done := got.Stream[len(got.Stream)-1].Text
	if deltas.String() != done {
		t.Errorf("deltas add up to %q, done says %q", deltas.String(), done)
	}
	if n := strings.Count(words(done), jfkSentence); n != 2 {
		t.Errorf("the stream read the sentence %d times, want 2: %q", n, done)
	}

	if strings.Join(got.Models, " ") != "whisper-1 tiny-q8_0" {
		t.Errorf("models %v", got.Models)
	}
	if u := got.UnknownModel; !u.Thrown || !u.IsAPIError || u.ClassName != "BadRequestError" || u.Status != 400 ||
		u.Type != "invalid_request_error" || u.Param != "model" || u.Code != "model_not_found" {
		t.Errorf("unknown model: %+v", u)
	}
	if k := got.WrongKey; !k.IsAPIError || k.ClassName != "AuthenticationError" || k.Status != 401 || k.Code != "invalid_api_key" {
		t.Errorf("wrong key: %+v", k)
	}
}
