package whisper

import (
	"encoding/json"
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
