package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

const jfkSentence = "ask not what your country can do for you"

// need fails the test in CI and skips it elsewhere.
func need(t testing.TB, format string, args ...any) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf("missing test dependency: "+format, args...)
	}
	t.Skipf("missing test dependency: "+format, args...)
}

var binPath string

// TestMain builds the command once, as users run it.
func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "openchs-ai-cmd")
	if err != nil {
		panic(err)
	}
	binPath = filepath.Join(dir, "openchs-ai")
	out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput()
	if err != nil {
		os.Stderr.Write(out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

type result struct {
	stdout, stderr string
	code           int
}

func runBin(t *testing.T, env []string, args ...string) result {
	t.Helper()
	cmd := exec.Command(binPath, args...)
	cmd.Env = append(os.Environ(), env...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	var ee *exec.ExitError
	code := 0
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return result{out.String(), errb.String(), code}
}

func tool(t *testing.T, name string) {
	t.Helper()
	if _, err := exec.LookPath(name); err != nil {
		need(t, "%s is not installed", name)
	}
}

func jfkWAV(t *testing.T) string {
	t.Helper()
	out, err := exec.Command("go", "mod", "download", "-json", "github.com/ggerganov/whisper.cpp/bindings/go").Output()
	if err != nil {
		need(t, "the whisper.cpp bindings module: %v", err)
	}
	var m struct{ Dir string }
	if err := json.Unmarshal(out, &m); err != nil {
		t.Fatal(err)
	}
	return filepath.Join(m.Dir, "samples", "jfk.wav")
}

func modelPresent(t *testing.T) {
	t.Helper()
	p := filepath.Join(cacheDir(os.Getenv), "models", "ggml-tiny-q8_0.bin")
	if _, err := os.Stat(p); err != nil {
		need(t, "the tiny-q8_0 model (run scripts/fetch-model.sh tiny-q8_0): %v", err)
	}
}

func words(s string) string {
	return strings.Join(strings.Fields(regexp.MustCompile(`[^a-z ]+`).ReplaceAllString(strings.ToLower(s), " ")), " ")
}

func TestTranscribeFormats(t *testing.T) {
	modelPresent(t)
	tool(t, "sox")
	tool(t, "lame")
	jfk := jfkWAV(t)
	dir := t.TempDir()
	// The recording as call recorders and PBXs store it.
	files := []string{jfk}
	for _, v := range []struct {
		name string
		args []string
	}{
		{"jfk-44k-stereo.wav", []string{"-r", "44100", "-c", "2"}},
		{"jfk-8k-mulaw.wav", []string{"-r", "8000", "-e", "u-law", "-b", "8"}},
		{"jfk-8k-alaw.wav", []string{"-r", "8000", "-e", "a-law", "-b", "8"}},
		{"jfk-48k-24bit.wav", []string{"-r", "48000", "-b", "24"}},
		{"jfk-44k-float-stereo.wav", []string{"-r", "44100", "-c", "2", "-e", "floating-point", "-b", "32"}},
	} {
		out := filepath.Join(dir, v.name)
		args := append(append([]string{jfk}, v.args...), out)
		if msg, err := exec.Command("sox", args...).CombinedOutput(); err != nil {
			t.Fatalf("sox: %v\n%s", err, msg)
		}
		files = append(files, out)
	}
	mp3 := filepath.Join(dir, "jfk.mp3")
	if out, err := exec.Command("lame", "--quiet", "-b", "64", jfk, mp3).CombinedOutput(); err != nil {
		t.Fatalf("lame: %v\n%s", err, out)
	}
	for _, f := range append(files, mp3) {
		t.Run(filepath.Base(f), func(t *testing.T) {
			res := runBin(t, nil, "transcribe", "--language", "en", f)
			if res.code != 0 || !strings.Contains(words(res.stdout), jfkSentence) {
				t.Fatalf("exit %d, stdout %q, stderr %q; want the jfk sentence", res.code, res.stdout, res.stderr)
			}
			if res.stderr != "" {
				t.Errorf("stderr is not a terminal but got %q", res.stderr)
			}
		})
	}

	t.Run("srt", func(t *testing.T) {
		res := runBin(t, nil, "transcribe", "--language", "en", "--format", "srt", jfk)
		if res.code != 0 {
			t.Fatalf("exit %d: %s", res.code, res.stderr)
		}
		checkSRT(t, res.stdout)
		if !strings.Contains(words(res.stdout), jfkSentence) {
			t.Errorf("SRT lacks the sentence:\n%s", res.stdout)
		}
	})
	t.Run("json", func(t *testing.T) {
		res := runBin(t, nil, "transcribe", "--format", "json", jfk)
		var tr struct {
			Text     string  `json:"text"`
			Language string  `json:"language"`
			Prob     float64 `json:"language_prob"`
			Model    string  `json:"model"`
			Segments []struct {
				Start, End float64
				Text       string
			} `json:"segments"`
		}
		if err := json.Unmarshal([]byte(res.stdout), &tr); err != nil {
			t.Fatalf("exit %d, not JSON: %v\n%s", res.code, err, res.stdout)
		}
		if tr.Language != "en" || tr.Prob < 0.5 || !strings.HasPrefix(tr.Model, "tiny-q8_0@c2085835") || len(tr.Segments) == 0 {
			t.Errorf("language %q (p=%.2f), model %q, %d segments", tr.Language, tr.Prob, tr.Model, len(tr.Segments))
		}
	})
}

var srtTime = regexp.MustCompile(`^(\d{2}):(\d{2}):(\d{2}),(\d{3}) --> (\d{2}):(\d{2}):(\d{2}),(\d{3})$`)

// checkSRT validates SubRip structure: numbered cues from 1, a timing
// line with end ≥ start, text, a blank line.
func checkSRT(t *testing.T, s string) {
	t.Helper()
	blocks := strings.Split(strings.TrimSuffix(s, "\n\n"), "\n\n")
	var prevEnd time.Duration
	for i, b := range blocks {
		lines := strings.Split(b, "\n")
		if len(lines) < 3 || lines[0] != strconv.Itoa(i+1) {
			t.Fatalf("cue %d is malformed: %q", i+1, b)
		}
		m := srtTime.FindStringSubmatch(lines[1])
		if m == nil {
			t.Fatalf("cue %d timing %q", i+1, lines[1])
		}
		at := func(k int) time.Duration {
			n := func(j int) time.Duration { v, _ := strconv.Atoi(m[k+j]); return time.Duration(v) }
			return n(0)*time.Hour + n(1)*time.Minute + n(2)*time.Second + n(3)*time.Millisecond
		}
		start, end := at(1), at(5)
		if end < start || start < prevEnd-time.Second {
			t.Errorf("cue %d runs %v → %v after a cue ending %v", i+1, start, end, prevEnd)
		}
		prevEnd = end
	}
}

func TestTranscribeErrors(t *testing.T) {
	modelPresent(t)
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	emptyWAV := write("empty.wav", []byte("RIFF\x24\x00\x00\x00WAVEfmt \x10\x00\x00\x00\x01\x00\x01\x00\x80\x3e\x00\x00\x00\x7d\x00\x00\x02\x00\x10\x00data\x00\x00\x00\x00"))
	notAudio := write("notes.wav", []byte("Caller asked about school fees.\n"))
	png := write("photo.wav", append([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), make([]byte, 64)...))

	badCache := t.TempDir()
	if err := os.MkdirAll(filepath.Join(badCache, "models"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(badCache, "models", "ggml-tiny-q8_0.bin"), bytes.Repeat([]byte("x"), 4096), 0o644); err != nil {
		t.Fatal(err)
	}
	jfk := jfkWAV(t)
	tool(t, "lame")
	fullMP3 := filepath.Join(dir, "full.mp3")
	if out, err := exec.Command("lame", "--quiet", "-b", "64", jfk, fullMP3).CombinedOutput(); err != nil {
		t.Fatalf("lame: %v\n%s", err, out)
	}
	b, err := os.ReadFile(fullMP3)
	if err != nil {
		t.Fatal(err)
	}
	truncMP3 := write("cut-off.mp3", b[:2000])

	tests := []struct {
		name string
		env  []string
		args []string
		code int
		want string // in the one-line message
	}{
		{"missing file", nil, []string{"transcribe", filepath.Join(dir, "nope.wav")}, 1, "no such file"},
		{"not audio", nil, []string{"transcribe", notAudio}, 1, "unsupported audio format"},
		{"png named .wav", nil, []string{"transcribe", png}, 1, "unsupported audio format"},
		{"empty wav", nil, []string{"transcribe", emptyWAV}, 1, "no audio samples"},
		{"truncated mp3", nil, []string{"transcribe", truncMP3}, 1, "mp3 is truncated"},
		{"wrong model checksum", []string{"OPENCHS_AI_CACHE=" + badCache}, []string{"transcribe", jfk}, 1, "checksum mismatch"},
		{"wrong checksum for a model path", nil, []string{"transcribe", "--model", filepath.Join(badCache, "models", "ggml-tiny-q8_0.bin"), "--model-sha256", strings.Repeat("ab", 32), jfk}, 1, "checksum mismatch"},
		{"unknown model", nil, []string{"transcribe", "--model", "huge", jfk}, 1, "unknown model"},
		{"unknown language", nil, []string{"transcribe", "--language", "klingon", jfk}, 1, "unknown language"},
		{"unknown format", nil, []string{"transcribe", "--format", "doc", jfk}, 2, "unknown --format"},
		{"unknown command", nil, []string{"transcode"}, 2, "unknown command"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := runBin(t, tt.env, tt.args...)
			line := strings.TrimSuffix(res.stderr, "\n")
			if res.code != tt.code || strings.Contains(line, "\n") || !strings.Contains(line, tt.want) ||
				!strings.HasPrefix(line, "openchs-ai: ") {
				t.Errorf("exit %d, stderr %q; want exit %d and one line containing %q", res.code, res.stderr, tt.code, tt.want)
			}
			if strings.Contains(res.stderr, "goroutine") || res.stdout != "" {
				t.Errorf("stdout %q, stderr %q", res.stdout, res.stderr)
			}
		})
	}
}

// TestTranscribeVAD: a call with twenty seconds of silence each side of
// the speech: by default only the speech is read and the segments carry
// the call's times; --vad=off reads it all; a bad value is a usage error.
func TestTranscribeVAD(t *testing.T) {
	modelPresent(t)
	tool(t, "sox")
	padded := filepath.Join(t.TempDir(), "padded.wav")
	if out, err := exec.Command("sox", jfkWAV(t), padded, "pad", "20", "20").CombinedOutput(); err != nil {
		t.Fatalf("sox: %v\n%s", err, out)
	}
	type transcript struct {
		Text     string  `json:"text"`
		Duration float64 `json:"duration_s"`
		Speech   float64 `json:"speech_s"`
		Segments []struct {
			Start, End float64
		} `json:"segments"`
	}
	read := func(args ...string) transcript {
		t.Helper()
		res := runBin(t, nil, append([]string{"transcribe", "--format", "json", "--language", "en"}, append(args, padded)...)...)
		var tr transcript
		if err := json.Unmarshal([]byte(res.stdout), &tr); err != nil {
			t.Fatalf("exit %d, not JSON: %v\n%s%s", res.code, err, res.stdout, res.stderr)
		}
		if !strings.Contains(words(tr.Text), jfkSentence) || len(tr.Segments) == 0 {
			t.Fatalf("%v: %q lacks the sentence", args, tr.Text)
		}
		return tr
	}
	on := read()
	if on.Speech < 10 || on.Speech > 13 || on.Segments[0].Start < 19.5 || on.Segments[0].Start > 20.6 {
		t.Errorf("default: read %.1f of %.1f s, first segment at %.2f s; want about 11 s read and 20 s", on.Speech, on.Duration, on.Segments[0].Start)
	}
	off := read("--vad=off")
	if off.Speech != off.Duration || off.Duration < 50 {
		t.Errorf("--vad=off: read %.1f of %.1f s; want all", off.Speech, off.Duration)
	}
	if res := runBin(t, nil, "transcribe", "--vad=maybe", padded); res.code != 2 {
		t.Errorf("--vad=maybe: exit %d, want 2 (%s)", res.code, res.stderr)
	}
}
