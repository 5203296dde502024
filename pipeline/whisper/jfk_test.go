package whisper

import (
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

var (
	jfkOnce sync.Once
	jfkPath string
	jfkErr  error
)

// JFKPath returns samples/jfk.wav from the bindings module in the module
// cache, downloading the module when needed.
func JFKPath(t testing.TB) string {
	t.Helper()
	jfkOnce.Do(func() {
		out, err := exec.Command("go", "mod", "download", "-json", "github.com/ggerganov/whisper.cpp/bindings/go").Output()
		if err != nil {
			jfkErr = err
			return
		}
		var m struct{ Dir string }
		if jfkErr = json.Unmarshal(out, &m); jfkErr == nil {
			jfkPath = filepath.Join(m.Dir, "samples", "jfk.wav")
		}
	})
	if jfkErr != nil {
		need(t, "jfk.wav from the whisper.cpp bindings module: %v", jfkErr)
	}
	return jfkPath
}

// need fails the test in CI and skips it elsewhere: a missing dependency
// must never pass silently in CI.
func need(t testing.TB, format string, args ...any) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf("missing test dependency: "+format, args...)
	}
	t.Skipf("missing test dependency: "+format, args...)
}

func testModel(t testing.TB) Model {
	t.Helper()
	cache := os.Getenv("OPENCHS_AI_CACHE")
	if cache == "" {
		home, _ := os.UserHomeDir()
		cache = filepath.Join(home, ".cache", "openchs-ai")
	}
	m, err := Resolve("tiny-q8_0", cache, "")
	if errors.Is(err, ErrModelMissing) {
		need(t, "%v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	return m
}
