package main

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// A stereo MP3 call, the agent (espeak-ng) on the left and the caller
// (jfk.wav) on the right, transcribed with --channels split reads as a
// dialogue; --agent-channel right swaps the names; the environment sets
// the mode; a bad mode is a usage error.
func TestTranscribeSplitChannels(t *testing.T) {
	modelPresent(t)
	tool(t, "sox")
	tool(t, "lame")
	tool(t, "espeak-ng")
	dir := t.TempDir()
	agent := filepath.Join(dir, "agent.wav")
	if out, err := exec.Command("espeak-ng", "-v", "en-us", "-w", agent, "Hello, this is the child helpline. How can I help you today?").CombinedOutput(); err != nil {
		t.Fatalf("espeak-ng: %v\n%s", err, out)
	}
	stereo, mp3 := filepath.Join(dir, "call.wav"), filepath.Join(dir, "call.mp3")
	// Left: the agent, then silence; right: silence while the agent
	// speaks, then the caller.
	for _, args := range [][]string{
		{agent, "-r", "16000", filepath.Join(dir, "left.wav"), "pad", "0", "12"},
		{jfkWAV(t), "-r", "16000", filepath.Join(dir, "right.wav"), "pad", "4.5", "0"},
		{"-M", filepath.Join(dir, "left.wav"), filepath.Join(dir, "right.wav"), stereo, "trim", "0", "15"},
	} {
		if out, err := exec.Command("sox", args...).CombinedOutput(); err != nil {
			t.Fatalf("sox %q: %v\n%s", args, err, out)
		}
	}
	if out, err := exec.Command("lame", "--quiet", "-m", "s", "-b", "96", stereo, mp3).CombinedOutput(); err != nil {
		t.Fatalf("lame: %v\n%s", err, out)
	}

	res := runBin(t, nil, "transcribe", "--language", "en", "--channels", "split", mp3)
	lines := strings.Split(strings.TrimSpace(res.stdout), "\n")
	if res.code != 0 || len(lines) != 2 || !strings.HasPrefix(lines[0], "Agent: ") || !strings.Contains(lines[0], "help") ||
		!strings.HasPrefix(lines[1], "Caller: ") || !strings.Contains(words(lines[1]), jfkSentence) {
		t.Fatalf("exit %d, stdout %q, stderr %q; want an Agent: line then the caller's jfk sentence", res.code, res.stdout, res.stderr)
	}

	res = runBin(t, []string{"OPENCHS_AI_CHANNELS=split"}, "transcribe", "--language", "en", "--agent-channel", "right", "--format", "vtt", mp3)
	if res.code != 0 || !strings.Contains(res.stdout, "<v Caller>Hello") || !strings.Contains(res.stdout, "<v Agent>And so") {
		t.Errorf("agent on the right, from the environment: exit %d, stdout %q, stderr %q", res.code, res.stdout, res.stderr)
	}

	res = runBin(t, nil, "transcribe", "--language", "en", mp3)
	if res.code != 0 || strings.Contains(res.stdout, "Agent:") || strings.Count(strings.TrimSpace(res.stdout), "\n") != 0 {
		t.Errorf("mixed (the default): exit %d, stdout %q; want one line, no speakers", res.code, res.stdout)
	}

	res = runBin(t, nil, "transcribe", "--channels", "both", mp3)
	if res.code != 2 || !strings.Contains(res.stderr, "--channels") {
		t.Errorf("--channels both: exit %d, stderr %q; want 2 and a reason", res.code, res.stderr)
	}
}
