//go:build cgo

package server_test

import (
	"context"
	"encoding/json"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/openchs/openchs-ai/models"
	"github.com/openchs/openchs-ai/pipeline/audio"
	"github.com/openchs/openchs-ai/pipeline/vad/vadtest"
)

// The tests in this file upload stereo calls, the helpline's agent on one
// channel and the caller on the other, through the whole product with the
// real model, and read them back as a dialogue.

// voice is speech of text by espeak-ng in the given voice, at 16 kHz.
func voice(t *testing.T, name, text string) []float32 {
	t.Helper()
	if _, err := exec.LookPath("espeak-ng"); err != nil {
		need(t, "espeak-ng: %v", err)
	}
	path := filepath.Join(t.TempDir(), "voice.wav")
	if out, err := exec.Command("espeak-ng", "-v", name, "-s", "150", "-w", path, text).CombinedOutput(); err != nil {
		t.Fatalf("espeak-ng: %v\n%s", err, out)
	}
	sig, err := audio.DecodeFile(path, audio.Config{})
	if err != nil {
		t.Fatal(err)
	}
	return sig.Channels[0]
}

// jfkSpeech is the real speech of jfk.wav at 16 kHz.
func jfkSpeech(t *testing.T) []float32 {
	t.Helper()
	pcm, err := audio.Decoder{}.Decode(context.Background(), jfk(t))
	if err != nil {
		t.Fatal(err)
	}
	return pcm
}

// turn is one utterance of a call: its speech and where it starts, in
// seconds.
type turn struct {
	at     float64
	speech []float32
}

// channel lays turns out on a silent channel of the given length.
func channel(seconds float64, turns ...turn) []float32 {
	out := make([]float32, int(seconds*16000))
	for _, tr := range turns {
		copy(out[int(tr.at*16000):], tr.speech)
	}
	return out
}

// end is the time, in seconds, at which tr's speech ends.
func (tr turn) end() float64 { return tr.at + float64(len(tr.speech))/16000 }

// process uploads wav with fields and returns the completed result.
func (s *stack) process(t *testing.T, wav []byte, fields map[string]string) models.Result {
	t.Helper()
	code, _, body := s.upload(t, "/audio/process", wav, fields, nil)
	var res models.Result
	if code != 200 || json.Unmarshal(body, &res) != nil {
		t.Fatalf("POST /audio/process %v: %d %s", fields, code, body)
	}
	return res
}

// wer is the word error rate of hyp against ref, as a fraction.
func wer(ref, hyp string) float64 { return vadtest.WER(ref, hyp) / 100 }

// words joins the text of the segments spoken by speaker.
func words(segs []models.Segment, speaker string) string {
	var b []string
	for _, s := range segs {
		if s.Speaker == speaker {
			b = append(b, s.Text)
		}
	}
	return strings.Join(b, " ")
}

// A stereo call, a synthesised agent on the left and real speech (jfk.wav)
// from the caller on the right, uploaded with channels=split: every segment
// carries its channel and the right speaker, at the right time, and the
// caller's words are read as well as the caller's channel alone.
func TestStereoCallAsTwoSpeakers(t *testing.T) {
	s := productStack(t, "redis", stackConfig{})
	const (
		helloText = "Hello, you have reached the child helpline. How can I help you today?"
		byeText   = "Thank you for calling. Please call again whenever you need to talk."
	)
	hello := turn{at: 0.5, speech: voice(t, "en-us", helloText)}
	caller := turn{at: hello.end() + 0.8, speech: jfkSpeech(t)}
	bye := turn{at: caller.end() + 0.8, speech: voice(t, "en-us", byeText)}
	length := bye.end() + 0.5
	left, right := channel(length, hello, bye), channel(length, caller)

	res := s.process(t, pcmWAV(left, right), map[string]string{"language": "en", "channels": "split"})
	if len(res.Segments) == 0 {
		t.Fatal("no segments")
	}
	var order []string
	for i, seg := range res.Segments {
		if seg.Channel == nil {
			t.Fatalf("segment %d %q has no channel", i, seg.Text)
		}
		want, lo, hi := models.SpeakerAgent, hello.at, bye.end()
		if *seg.Channel == 1 {
			want, lo, hi = models.SpeakerCaller, caller.at, caller.end()
		}
		if seg.Speaker != want {
			t.Errorf("segment %d on channel %d %q: speaker %q, want %q", i, *seg.Channel, seg.Text, seg.Speaker, want)
		}
		if float64(seg.Start) < lo-0.5 || float64(seg.Start) > hi {
			t.Errorf("segment %d (%s) starts at %.2f s, outside the %s's speech (%.2f–%.2f s)", i, seg.Speaker, seg.Start, want, lo, hi)
		}
		if i > 0 && seg.Start < res.Segments[i-1].Start {
			t.Errorf("segment %d starts at %.2f s, before the one before it (%.2f s)", i, seg.Start, res.Segments[i-1].Start)
		}
		if len(order) == 0 || order[len(order)-1] != seg.Speaker {
			order = append(order, seg.Speaker)
		}
	}
	if diff := cmp.Diff([]string{models.SpeakerAgent, models.SpeakerCaller, models.SpeakerAgent}, order); diff != "" {
		t.Errorf("turns (-want +got):\n%s", diff)
	}

	agentWords, callerWords := words(res.Segments, models.SpeakerAgent), words(res.Segments, models.SpeakerCaller)
	agentWER := wer(helloText+" "+byeText, agentWords)
	alone := s.process(t, pcmWAV(right), map[string]string{"language": "en"})
	splitWER, aloneWER := wer(jfkText, callerWords), wer(jfkText, alone.Transcript)
	t.Logf("caller WER: %.3f in the split call, %.3f on the caller's channel alone; agent WER %.3f", splitWER, aloneWER, agentWER)
	t.Logf("caller: %q", callerWords)
	t.Logf("agent:  %q", agentWords)
	if splitWER > aloneWER {
		t.Errorf("caller WER %.3f in the split call, worse than %.3f on the caller's channel alone", splitWER, aloneWER)
	}
	if agentWER > 0.35 {
		t.Errorf("agent WER %.3f: the agent's words were not read", agentWER)
	}
	if strings.Contains(normalize(callerWords), "calling") || strings.Contains(normalize(agentWords), "country") {
		t.Errorf("words landed on the wrong speaker: caller %q, agent %q", callerWords, agentWords)
	}

	// The same call mixed to one voice (the default) names no speakers.
	mixed := s.process(t, pcmWAV(left, right), map[string]string{"language": "en"})
	for _, seg := range mixed.Segments {
		if seg.Channel != nil || seg.Speaker != "" {
			t.Fatalf("mixed call: segment %q carries channel %v speaker %q", seg.Text, seg.Channel, seg.Speaker)
		}
	}
}

// Triage weighs the caller's words: the agent asking "are you going to
// kill yourself tonight?" does not raise the call (it does when the two
// channels are mixed into one voice), the caller saying "I am going to kill
// myself tonight" does, and the evidence says it was the caller. The
// second call has the agent on the right (agent_channel=right).
func TestStereoTriageWeighsTheCaller(t *testing.T) {
	s := productStack(t, "redis", stackConfig{})
	agentVoice, callerVoice := "en-us", "en+f3"

	question := turn{at: 0.5, speech: voice(t, agentVoice, "Are you going to kill yourself tonight?")}
	answer := turn{at: question.end() + 0.8, speech: voice(t, callerVoice, "No. I want to ask about my school fees.")}
	length := answer.end() + 0.5
	asked := pcmWAV(channel(length, question), channel(length, answer))

	split := s.process(t, asked, map[string]string{"language": "en", "channels": "split"})
	mixed := s.process(t, asked, map[string]string{"language": "en", "channels": "mix"})
	t.Logf("agent asks: %q", split.Transcript)
	t.Logf("agent asks: split %s (review %v %q), mixed %s", split.Classification.Priority, split.Classification.Review,
		split.Classification.ReviewReasons, mixed.Classification.Priority)
	if p := mixed.Classification.Priority; p.Rank() < models.PriorityHigh.Rank() {
		t.Fatalf("mixed into one voice the agent's question gives %s: the call shows nothing", p)
	}
	if p := split.Classification.Priority; p != models.PriorityLow {
		t.Errorf("the agent's question raised the call to %s (evidence %+v)", p, split.Classification.Evidence)
	}
	for _, e := range split.Classification.Evidence {
		if e.Speaker != models.SpeakerAgent {
			t.Errorf("evidence %q is labelled %q, but only the agent said anything risky", e.Text, e.Speaker)
		}
	}

	greeting := turn{at: 0.5, speech: voice(t, agentVoice, "Hello, this is the child helpline. How can I help you?")}
	disclosure := turn{at: greeting.end() + 0.8, speech: voice(t, callerVoice, "I am going to kill myself tonight.")}
	length = disclosure.end() + 0.5
	told := pcmWAV(channel(length, disclosure), channel(length, greeting)) // the agent on the right

	res := s.process(t, told, map[string]string{"language": "en", "channels": "split", "agent_channel": "right"})
	c := res.Classification
	t.Logf("caller discloses: %q: %s %s", res.Transcript, c.Priority, c.Category)
	if c.Priority.Rank() < models.PriorityHigh.Rank() {
		t.Errorf("the caller's disclosure gives %s, want high or critical (evidence %+v)", c.Priority, c.Evidence)
	}
	for _, seg := range res.Segments {
		if want := map[int]string{0: models.SpeakerCaller, 1: models.SpeakerAgent}[*seg.Channel]; seg.Speaker != want {
			t.Errorf("agent_channel=right: segment on channel %d is %q, want %q", *seg.Channel, seg.Speaker, want)
		}
	}
	if len(c.Evidence) == 0 || c.Evidence[0].Speaker != models.SpeakerCaller || c.Evidence[0].Start < models.Seconds(disclosure.at-1) {
		t.Errorf("evidence %+v: want the caller's words first, from %.1f s", c.Evidence, disclosure.at)
	}
}

// A "stereo" file that carries one signal on both channels is a mono call:
// split, it gives exactly the mono file's result, with no speakers.
func TestIdenticalChannelsAreMono(t *testing.T) {
	s := productStack(t, "redis", stackConfig{})
	speech := jfkSpeech(t)
	mono := s.process(t, pcmWAV(speech), map[string]string{"language": "en"})
	dual := s.process(t, pcmWAV(speech, speech), map[string]string{"language": "en", "channels": "split"})
	// The engine's no-speech probability differs from run to run of the
	// same audio; everything else must agree.
	if diff := cmp.Diff(mono.Segments, dual.Segments, cmpopts.IgnoreFields(models.Segment{}, "NoSpeechProb")); diff != "" {
		t.Errorf("segments (-mono +identical stereo, split):\n%s", diff)
	}
	if mono.Transcript != dual.Transcript || normalize(dual.Transcript) != jfkText {
		t.Errorf("transcripts: mono %q, identical stereo %q", mono.Transcript, dual.Transcript)
	}
}

// A recorder that keeps one leg only: the speech is on the left, the right
// is a dead line. Split, the words are the agent's and the dead line says
// nothing (it is not transcribed, so nothing is invented on it).
func TestDeadChannelSaysNothing(t *testing.T) {
	s := productStack(t, "redis", stackConfig{})
	speech := jfkSpeech(t)
	res := s.process(t, pcmWAV(speech, make([]float32, len(speech))), map[string]string{"language": "en", "channels": "split"})
	for _, seg := range res.Segments {
		if seg.Channel == nil || *seg.Channel != 0 || seg.Speaker != models.SpeakerAgent {
			t.Errorf("segment %q from speaker %q: want only the left channel's agent", seg.Text, seg.Speaker)
		}
	}
	if normalize(res.Transcript) != jfkText || res.Language != "en" {
		t.Errorf("transcript %q (%s), want the jfk sentence in en", res.Transcript, res.Language)
	}
}
