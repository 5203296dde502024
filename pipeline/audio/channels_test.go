package audio

import (
	"bytes"
	"context"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/openchs/openchs-ai/pipeline/internal/memtest"
)

// jfkPCM is the speech sample decoded at SampleRate.
func jfkPCM(t *testing.T) []float32 {
	t.Helper()
	sig, err := DecodeFile(jfkWAV(t), Config{})
	if err != nil {
		t.Fatal(err)
	}
	return sig.Channels[0]
}

func scaled(x []float32, g float32) []float32 {
	out := make([]float32, len(x))
	for i, v := range x {
		out[i] = v * g
	}
	return out
}

func mixed(a []float32, b []float32, gb float32) []float32 {
	out := slices.Clone(a)
	for i := range out {
		out[i] += gb * b[i]
	}
	return out
}

// TestSameSignal: copies of one signal (at another gain, with noise 30 dB
// down, rounded to 8 bits) are one signal; two speakers are two, even with
// crosstalk of each into the other's channel at -14 dB or a quiet second
// speaker; a silent channel next to speech is not a copy of it.
func TestSameSignal(t *testing.T) {
	speech := jfkPCM(t)
	other := slices.Clone(speech)
	slices.Reverse(other) // same voice and level, different words at each moment
	rng := rand.New(rand.NewPCG(1, 2))
	noise := make([]float32, len(speech))
	var rms float64
	for _, v := range speech {
		rms += float64(v) * float64(v)
	}
	level := float32(0.03 * math.Sqrt(rms/float64(len(speech))) * 1.732) // uniform noise, 30 dB under the speech
	for i := range noise {
		noise[i] = level * (2*rng.Float32() - 1)
	}
	rounded := make([]float32, len(speech))
	for i, v := range speech {
		rounded[i] = float32(int(v*127)) / 127
	}
	silence := make([]float32, len(speech))
	for _, tc := range []struct {
		name string
		a, b []float32
		want bool
	}{
		{"identical", speech, slices.Clone(speech), true},
		{"half gain", speech, scaled(speech, 0.5), true},
		{"noise 30 dB down", speech, mixed(speech, noise, 1), true},
		{"8-bit copy", speech, rounded, true},
		{"both silent", silence, slices.Clone(silence), true},
		{"two speakers", speech, other, false},
		{"two speakers, crosstalk -14 dB", mixed(speech, other, 0.2), mixed(other, speech, 0.2), false},
		{"quiet second speaker", speech, scaled(other, 0.1), false},
		{"one side silent", speech, silence, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := SameSignal(tc.a, tc.b); got != tc.want {
				t.Errorf("SameSignal = %v, want %v", got, tc.want)
			}
		})
	}
}

// TestDecodeChannels: WAV and MP3 stereo calls come back as two channels,
// left first; a "stereo" file that copies one signal to both sides comes
// back as one channel that equals the file's mono decode; mono as one.
func TestDecodeChannels(t *testing.T) {
	k := &kit{t: t, dir: t.TempDir(), sources: map[string]string{}}
	mono := k.source(16000, 1)
	twoVoices := k.source(16000, 2) // right: the speech reversed
	dual := k.ffmpeg(mono, "wav", "-ac", "2", "-c:a", "pcm_s16le")
	for _, tc := range []struct {
		name  string
		path  string
		chans int
	}{
		{"wav two voices", k.ffmpeg(twoVoices, "wav", "-c:a", "pcm_s16le"), 2},
		{"mp3 two voices", k.lame(twoVoices, "-m", "s", "-b", "64"), 2},
		{"wav same signal twice", dual, 1},
		{"mp3 same signal twice", k.lame(dual, "-m", "j", "-b", "64"), 1},
		{"wav mono", k.ffmpeg(mono, "wav", "-c:a", "pcm_s16le"), 1},
		{"mp3 mono", k.lame(mono, "-m", "m", "-b", "32"), 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			k.t = t
			data, err := os.ReadFile(tc.path)
			if err != nil {
				t.Fatal(err)
			}
			chans, err := Decoder{}.DecodeChannels(context.Background(), data)
			if err != nil {
				t.Fatal(err)
			}
			if len(chans) != tc.chans {
				t.Fatalf("%d channels, want %d", len(chans), tc.chans)
			}
			left := ffmpegDecode(t, tc.path, "pan=mono|c0=c0")
			if c := correlation(chans[0], left); c < 0.99 {
				t.Errorf("channel 0 correlates %.3f with the file's left channel", c)
			}
			if tc.chans == 2 {
				right := ffmpegDecode(t, tc.path, "pan=mono|c0=c1")
				if c := correlation(chans[1], right); c < 0.99 {
					t.Errorf("channel 1 correlates %.3f with the file's right channel", c)
				}
				if c := correlation(chans[0], right); c > 0.5 {
					t.Errorf("channel 0 correlates %.3f with the right channel: channels swapped or mixed", c)
				}
				return
			}
			pcm, err := Decoder{}.Decode(context.Background(), data)
			if err != nil {
				t.Fatal(err)
			}
			var worst float64
			for i := range pcm {
				worst = max(worst, math.Abs(float64(chans[0][i]-pcm[i])))
			}
			if len(chans[0]) != len(pcm) || worst > 1e-6 {
				t.Errorf("the one channel (%d samples) differs from the mono decode (%d) by up to %g", len(chans[0]), len(pcm), worst)
			}
		})
	}
}

// TestDecodeChannelsMonoMemory: asking for channels of a mono call costs
// no more memory than decoding it to mono (no second copy of the signal).
func TestDecodeChannelsMonoMemory(t *testing.T) {
	var buf bytes.Buffer
	if _, err := io.Copy(&buf, newCallReader(10*time.Minute)); err != nil {
		t.Fatal(err)
	}
	data := buf.Bytes()
	pcm := uint64(10*60*SampleRate) * 4
	var err error
	mono := memtest.PeakHeap(t, func() { _, err = Decoder{}.Decode(context.Background(), data) })
	if err != nil {
		t.Fatal(err)
	}
	var chans [][]float32
	split := memtest.PeakHeap(t, func() { chans, err = Decoder{}.DecodeChannels(context.Background(), data) })
	if err != nil {
		t.Fatal(err)
	}
	if len(chans) != 1 {
		t.Fatalf("%d channels from a mono call", len(chans))
	}
	t.Logf("peak heap: mono decode %d MB, channels %d MB, for %d MB of PCM", mono>>20, split>>20, pcm>>20)
	if float64(split) > 1.25*float64(pcm) {
		t.Errorf("channels of a mono call peaked at %.2f× its PCM, want ≤ 1.25×", float64(split)/float64(pcm))
	}
}
