package audio

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

// needTool returns the path of an external program the test needs. A
// missing tool skips the test locally and fails it in CI.
func needTool(t testing.TB, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is required in CI: %v", name, err)
		}
		t.Skipf("%s not installed: %v", name, err)
	}
	return p
}

// runTool runs a program and fails the test with its output if it fails.
func runTool(t testing.TB, name string, args ...string) []byte {
	t.Helper()
	needTool(t, name)
	cmd := exec.Command(name, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s %q: %v\n%s", name, args, err, stderr.Bytes())
	}
	return out
}

const whisperModule = "github.com/ggerganov/whisper.cpp/bindings/go@v0.0.0-20260227185758-9453b4b9be9b"

var jfkOnce struct {
	sync.Once
	path string
	err  error
}

// jfkWAV returns the path of the 11 s speech sample that ships with the
// whisper.cpp Go bindings module.
func jfkWAV(t testing.TB) string {
	t.Helper()
	jfkOnce.Do(func() {
		out, err := exec.Command("go", "mod", "download", "-json", whisperModule).Output()
		if err != nil {
			jfkOnce.err = err
			return
		}
		var m struct{ Dir string }
		if err := json.Unmarshal(out, &m); err != nil {
			jfkOnce.err = err
			return
		}
		jfkOnce.path = filepath.Join(m.Dir, "samples", "jfk.wav")
		_, jfkOnce.err = os.Stat(jfkOnce.path)
	})
	if jfkOnce.err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("jfk.wav from %s: %v", whisperModule, jfkOnce.err)
		}
		t.Skipf("jfk.wav from %s: %v", whisperModule, jfkOnce.err)
	}
	return jfkOnce.path
}

// ffmpegDecode is ffmpeg's own decode of path to 16 kHz float32, mono
// unless filter picks channels.
func ffmpegDecode(t testing.TB, path string, filter ...string) []float32 {
	t.Helper()
	args := []string{"-v", "error", "-nostdin", "-i", path}
	if len(filter) > 0 {
		args = append(args, "-af", filter[0])
	}
	args = append(args, "-ar", "16000", "-ac", "1", "-f", "f32le", "-")
	raw := runTool(t, "ffmpeg", args...)
	out := make([]float32, len(raw)/4)
	for i := range out {
		out[i] = math.Float32frombits(binary.LittleEndian.Uint32(raw[4*i:]))
	}
	return out
}

// correlation is the Pearson correlation of a and b over their common
// length.
func correlation(a, b []float32) float64 {
	n := min(len(a), len(b))
	var sa, sb float64
	for i := range n {
		sa += float64(a[i])
		sb += float64(b[i])
	}
	ma, mb := sa/float64(n), sb/float64(n)
	var cov, va, vb float64
	for i := range n {
		x, y := float64(a[i])-ma, float64(b[i])-mb
		cov += x * y
		va += x * x
		vb += y * y
	}
	if va == 0 || vb == 0 {
		return 0
	}
	return cov / math.Sqrt(va*vb)
}
