package whisper

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// TestExecWithOpenMPSettings runs this test binary as a program that
// calls ExecWithOpenMPSettings first, as openchs-ai serve does, and reads
// the settings the program went on with.
func TestExecWithOpenMPSettings(t *testing.T) {
	if os.Getenv("OPENCHS_AI_OPENMP_HELPER") != "" {
		if err := ExecWithOpenMPSettings(); err != nil {
			fmt.Println("exec failed:", err)
		}
		v, set := os.LookupEnv("OMP_WAIT_POLICY")
		n, nset := os.LookupEnv("GOMP_SPINCOUNT")
		fmt.Printf("policy=%q/%v spin=%q/%v\n", v, set, n, nset)
		return
	}
	cases := []struct {
		env  []string
		want string
	}{
		{nil, `policy="active"/true spin="300000"/true`},
		{[]string{"OMP_WAIT_POLICY=passive"}, `policy="passive"/true spin=""/false`},
		{[]string{"GOMP_SPINCOUNT=10"}, `policy=""/false spin="10"/true`},
	}
	for _, tc := range cases {
		cmd := exec.Command(os.Args[0], "-test.run", "^TestExecWithOpenMPSettings$", "-test.v")
		for _, kv := range os.Environ() {
			if !strings.HasPrefix(kv, "OMP_WAIT_POLICY=") && !strings.HasPrefix(kv, "GOMP_SPINCOUNT=") {
				cmd.Env = append(cmd.Env, kv)
			}
		}
		cmd.Env = append(append(cmd.Env, "OPENCHS_AI_OPENMP_HELPER=1"), tc.env...)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%v: %v\n%s", tc.env, err, out)
		}
		if !strings.Contains(string(out), tc.want) {
			t.Errorf("with %v the program went on with\n%s\nwant %s", tc.env, out, tc.want)
		}
	}
}
