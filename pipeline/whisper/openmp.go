package whisper

import (
	"os"
	"syscall"
)

// openMPSettings are the libgomp settings the engine runs at full speed
// with. ggml's CPU backend computes with an OpenMP team that belongs to
// the calling thread (see slot), and each slot calls from a thread of its
// own. Once more libgomp threads are alive than there are CPUs (two
// slots that have both run 2-thread windows on 2 CPUs), libgomp shortens
// the spin at its barriers to 100 turns, ggml's thousands of barriers a
// window end in sleeps, and every later transcription, a lone one too,
// ran 1.6 times slower (2.5 s a 37-second call against 1.55 s). With
// the active policy that spin is 1,000 turns, which ggml's barriers
// outlast no more; the spin count keeps the unthrottled spin at libgomp's
// default (300,000 turns, well under a millisecond) instead of the active
// policy's minutes of spinning when idle.
var openMPSettings = []struct{ name, value string }{
	{"OMP_WAIT_POLICY", "active"},
	{"GOMP_SPINCOUNT", "300000"},
}

// ExecWithOpenMPSettings runs the program again, the same arguments and
// environment, with openMPSettings added, when the environment sets
// neither: libgomp reads them once, when it is loaded, before main runs.
// It returns nil without doing anything when either is set (a user's
// choice, or the program run again), and the exec's error when it fails,
// after which the program may go on with libgomp's defaults.
func ExecWithOpenMPSettings() error {
	for _, s := range openMPSettings {
		if _, ok := os.LookupEnv(s.name); ok {
			return nil
		}
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	env := os.Environ()
	for _, s := range openMPSettings {
		env = append(env, s.name+"="+s.value)
	}
	return syscall.Exec(self, os.Args, env)
}
