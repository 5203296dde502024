//go:build cgo

package server_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/openchs/openchs-ai/models"
	"github.com/openchs/openchs-ai/pipeline/subtitle"
	"github.com/openchs/openchs-ai/server"
)

// The OpenAI-compatible API over the real pipeline: each response format,
// a streamed transcription and a translation, each an urgent task of the
// same queue as /audio/process.
func TestOpenAIEndToEnd(t *testing.T) {
	eng := realEngine(t)
	model, _, _ := strings.Cut(eng.Model(), "@")
	s := productStack(t, "redis", stackConfig{server: server.Config{Model: model}})
	wav := jfk(t)
	bearer := map[string]string{"X-API-Key": "", "Authorization": "Bearer " + testKey}

	post := func(t *testing.T, path string, audio []byte, fields ...[2]string) (int, http.Header, []byte) {
		t.Helper()
		ct, body := openAIForm(t, audio, fields)
		return s.request(t, "POST", path, ct, body, bearer)
	}
	// task checks that a reply's task ran in the urgent queue, without the
	// classification and the case of /audio/process, and returns its result.
	task := func(t *testing.T, hdr http.Header) *models.Result {
		t.Helper()
		got := s.waitStatus(t, hdr.Get("X-Task-ID"))
		if got.Status != models.StatusCompleted || got.Queue != "urgent" || got.Result == nil ||
			got.Result.Classification != nil || got.Result.Case == nil || got.Result.Case.Status != models.DeliverySkipped {
			t.Fatalf("task %+v", got)
		}
		return got.Result
	}

	var res *models.Result
	t.Run("json", func(t *testing.T) {
		code, hdr, body := post(t, "/v1/audio/transcriptions", wav, [2]string{"model", "whisper-1"}, [2]string{"language", "en"})
		var got struct {
			Text  string
			Usage struct {
				Type    string
				Seconds int
			}
		}
		if code != 200 || json.Unmarshal(body, &got) != nil {
			t.Fatalf("%d %s", code, body)
		}
		if normalize(got.Text) != jfkText || got.Usage.Type != "duration" || got.Usage.Seconds != 11 {
			t.Errorf("reply %+v", got)
		}
		res = task(t, hdr)
		if got.Text != res.Transcript {
			t.Errorf("text %q, the task's transcript %q", got.Text, res.Transcript)
		}
	})
	if res == nil {
		t.FailNow()
	}

	// The other formats, by the model's own name; the language detected.
	for _, tt := range []struct{ format, want string }{
		{"text", res.Transcript + "\n"},
		{"srt", srt(t, res.Segments)},
		{"vtt", vtt(t, res.Segments)},
	} {
		t.Run(tt.format, func(t *testing.T) {
			code, hdr, body := post(t, "/v1/audio/transcriptions", wav, [2]string{"model", model}, [2]string{"response_format", tt.format})
			if code != 200 || hdr.Get("Content-Type") != "text/plain; charset=utf-8" || string(body) != tt.want {
				t.Errorf("%d %s:\n%s\nwant\n%s", code, hdr.Get("Content-Type"), body, tt.want)
			}
		})
	}

	t.Run("verbose_json", func(t *testing.T) {
		code, _, body := post(t, "/v1/audio/transcriptions", wav, [2]string{"model", "whisper-1"}, [2]string{"response_format", "verbose_json"},
			[2]string{"timestamp_granularities[]", "segment"}, [2]string{"prompt", lowerPrompt},
			[2]string{"temperature", "0.2"})
		var got struct {
			Task, Language, Text string
			Duration             float64
			Segments             []struct {
				ID          int
				Start, End  float64
				Text        string
				Temperature float64
			}
		}
		if code != 200 || json.Unmarshal(body, &got) != nil {
			t.Fatalf("%d %s", code, body)
		}
		if got.Task != "transcribe" || got.Language != "english" || got.Duration != 11 || normalize(got.Text) != jfkText || len(got.Segments) == 0 {
			t.Errorf("reply %s", body)
		}
		// The prompt reached whisper, which wrote on in its style.
		if got.Text != strings.ToLower(got.Text) || strings.Contains(got.Text, ",") || res.Transcript == strings.ToLower(res.Transcript) {
			t.Errorf("after a prompt in lower case without commas, the text is %q (without prompt %q)", got.Text, res.Transcript)
		}
		var texts []string
		for i, sg := range got.Segments {
			texts = append(texts, sg.Text)
			if sg.ID != i || sg.End < sg.Start || sg.End > got.Duration || sg.Temperature != 0.2 {
				t.Errorf("segment %d: %+v", i, sg)
			}
		}
		if normalize(strings.Join(texts, " ")) != jfkText {
			t.Errorf("segments read %q", strings.Join(texts, " "))
		}
	})

	t.Run("verbose_json words", func(t *testing.T) {
		code, _, body := post(t, "/v1/audio/transcriptions", wav, [2]string{"model", "whisper-1"}, [2]string{"language", "en"},
			[2]string{"response_format", "verbose_json"}, [2]string{"timestamp_granularities[]", "word"})
		var got struct {
			Text     string
			Segments []json.RawMessage
			Words    []models.Word
		}
		if code != 200 || json.Unmarshal(body, &got) != nil {
			t.Fatalf("%d %s", code, body)
		}
		var words []string
		for i, w := range got.Words {
			words = append(words, w.Word)
			if w.End < w.Start || (i > 0 && w.Start < got.Words[i-1].Start) || w.End > 11 {
				t.Errorf("word %d %+v", i, w)
			}
		}
		// Words alone were asked for: no segments.
		if normalize(strings.Join(words, " ")) != jfkText || got.Segments != nil {
			t.Errorf("words %q, %d segments", strings.Join(words, " "), len(got.Segments))
		}
	})

	t.Run("stream", func(t *testing.T) {
		ct, body := openAIForm(t, repeatWAV(t, wav, 2), [][2]string{{"model", "whisper-1"}, {"language", "en"}, {"stream", "true"}})
		req, _ := http.NewRequest("POST", s.url+"/v1/audio/transcriptions", bytes.NewReader(body))
		req.Header.Set("Content-Type", ct)
		req.Header.Set("Authorization", "Bearer "+testKey)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/event-stream" {
			t.Fatalf("%d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		var events []struct{ Type, Delta, Text string }
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			data, ok := strings.CutPrefix(sc.Text(), "data: ")
			if !ok {
				continue
			}
			var ev struct{ Type, Delta, Text string }
			if err := json.Unmarshal([]byte(data), &ev); err != nil {
				t.Fatalf("event %q: %v", data, err)
			}
			events = append(events, ev)
		}
		if len(events) < 3 || events[len(events)-1].Type != "transcript.text.done" {
			t.Fatalf("events %+v, want a delta per segment then done", events)
		}
		var deltas string
		for _, ev := range events[:len(events)-1] {
			if ev.Type != "transcript.text.delta" {
				t.Errorf("event %+v", ev)
			}
			deltas += ev.Delta
		}
		done := events[len(events)-1].Text
		if deltas != done || normalize(done) != jfkText+" "+jfkText {
			t.Errorf("deltas %q, done %q", deltas, done)
		}
		task(t, resp.Header)
	})

	t.Run("translation", func(t *testing.T) {
		code, hdr, body := post(t, "/v1/audio/translations", wav, [2]string{"model", "whisper-1"}, [2]string{"response_format", "verbose_json"})
		var got struct {
			Task, Language, Text string
			Segments             []struct{ Text string }
		}
		if code != 200 || json.Unmarshal(body, &got) != nil {
			t.Fatalf("%d %s", code, body)
		}
		if got.Task != "translate" || got.Language != "english" || normalize(got.Text) != jfkText || len(got.Segments) == 0 {
			t.Errorf("reply %s", body)
		}
		if r := task(t, hdr); r.Translation == nil || *r.Translation != got.Text {
			t.Errorf("the task's translation %v, the reply's %q", r.Translation, got.Text)
		}
	})

	t.Run("audio too short", func(t *testing.T) {
		code, _, body := post(t, "/v1/audio/transcriptions", toneWAV(50*time.Millisecond), [2]string{"model", "whisper-1"})
		if e := openAIError(t, body); code != 422 || e.Code != "audio_too_short" {
			t.Errorf("%d %+v", code, e)
		}
	})
}

// lowerPrompt leads whisper into writing in lower case without
// commas, which it does not do unprompted.
const lowerPrompt = "and so my fellow americans ask not what your country can do for you ask what you can do for your country"

func srt(t *testing.T, segs []models.Segment) string {
	var b bytes.Buffer
	if err := subtitle.WriteSRT(&b, segs); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func vtt(t *testing.T, segs []models.Segment) string {
	var b bytes.Buffer
	if err := subtitle.WriteVTT(&b, segs); err != nil {
		t.Fatal(err)
	}
	return b.String()
}
