// Package vadtest builds the recordings that voice activity detection and
// the hallucination guards are tested and measured on: real speech placed
// at known times in synthesised room noise, silence and music, and a word
// error rate to score transcripts with.
package vadtest

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"path/filepath"
	"runtime"
	"strings"
	"unicode"

	"github.com/openchs/openchs-ai/pipeline/audio"
)

// Rate is the sample rate of everything here: the pipeline's.
const Rate = 16000

// Speech clips in testdata: spoken Wikipedia articles that Debian ships
// with whisper.cpp's tools (CC BY-SA), 16 kHz mono, as 32 kbit/s MP3.
const (
	// English, "Ignore all rules", 53 s.
	ClipEnglish = "speech-en.mp3"
	// Arabic, "Five Pillars of Islam", 51 s.
	ClipArabic = "speech-ar.mp3"
)

// Load decodes a clip from testdata to 16 kHz mono PCM.
func Load(name string) ([]float32, error) {
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		return nil, fmt.Errorf("vadtest: cannot locate testdata")
	}
	sig, err := audio.DecodeFile(filepath.Join(filepath.Dir(file), "testdata", name), audio.Config{})
	if err != nil {
		return nil, err
	}
	return sig.Mono(), nil
}

// dB converts a level in dB full scale to an amplitude.
func dB(level float64) float64 { return math.Pow(10, level/20) }

// RoomNoise returns n samples of an office's background: brown noise
// (ventilation), mains hum at 50 Hz with harmonics, and a little hiss, at
// an RMS level of about level dBFS.
func RoomNoise(n int, seed uint64, level float64) []float32 {
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	out := make([]float64, n)
	var brown float64
	for i := range out {
		brown = 0.995*brown + rng.NormFloat64()*0.1
		t := float64(i) / Rate
		hum := math.Sin(2*math.Pi*50*t) + 0.5*math.Sin(2*math.Pi*100*t+1) + 0.25*math.Sin(2*math.Pi*150*t+2)
		out[i] = brown + 0.3*hum + 0.05*rng.NormFloat64()
	}
	return scaleTo(out, level)
}

// Music returns n samples of hold music at about level dBFS: a chord
// progression of four triads, one chord per bar at 120 beats a minute,
// each beat struck (a piano-like decay on harmonics) over a kick drum.
func Music(n int, level float64) []float32 {
	chords := [][3]float64{{261.63, 329.63, 392.00}, {220.00, 261.63, 329.63}, {174.61, 220.00, 261.63}, {196.00, 246.94, 293.66}}
	beat := Rate / 2
	out := make([]float64, n)
	for i := range out {
		b := i / beat
		since := float64(i%beat) / Rate
		chord := chords[(b/4)%len(chords)]
		env := math.Exp(-since * 4)
		t := float64(i) / Rate
		var v float64
		for k, f := range chord {
			for h := 1; h <= 4; h++ {
				v += math.Sin(2*math.Pi*f*float64(h)*t+float64(k)) / float64(h*h)
			}
		}
		v *= env
		if b%2 == 0 { // kick on beats one and three
			v += 2 * math.Sin(2*math.Pi*(60+80*math.Exp(-since*30))*since) * math.Exp(-since*12)
		}
		out[i] = v
	}
	return scaleTo(out, level)
}

// scaleTo returns xs scaled to an RMS level of level dBFS.
func scaleTo(xs []float64, level float64) []float32 {
	var sum float64
	for _, x := range xs {
		sum += x * x
	}
	g := 0.0
	if rms := math.Sqrt(sum / float64(max(len(xs), 1))); rms > 0 {
		g = dB(level) / rms
	}
	out := make([]float32, len(xs))
	for i, x := range xs {
		out[i] = float32(x * g)
	}
	return out
}

// Sound returns the 10 ms frames of a clip that hold sound, as sample
// offsets: those whose RMS is at most 30 dB below the clip's loudest
// 10 ms. It is a plain threshold, independent of the detector under test,
// for clips recorded clean.
func Sound(pcm []float32) []int { return SoundAbove(pcm, math.Inf(-1)) }

// SoundAbove is Sound without the frames quieter than level dBFS: the ones
// that noise at that level drowns.
func SoundAbove(pcm []float32, level float64) []int {
	const w = Rate / 100
	rms := make([]float64, len(pcm)/w)
	var peak float64
	for f := range rms {
		var s float64
		for _, x := range pcm[f*w : (f+1)*w] {
			s += float64(x) * float64(x)
		}
		rms[f] = math.Sqrt(s / w)
		peak = max(peak, rms[f])
	}
	var out []int
	for f, r := range rms {
		if r > 0 && r >= peak*dB(-30) && r >= dB(level) {
			out = append(out, f*w)
		}
	}
	return out
}

// Extent returns where the sound in a clip (see Sound) begins and ends, in
// samples.
func Extent(pcm []float32) (start, end int) {
	s := Sound(pcm)
	if len(s) == 0 {
		return 0, 0
	}
	return s[0], s[len(s)-1] + Rate/100
}

// Placement is a clip put into a recording: its samples span
// [At, At+len(clip)), its sound [Start, End), and Frames are the 10 ms
// frames of sound (see Sound), as samples of the recording.
type Placement struct {
	At, Start, End int
	Frames         []int
}

// Mix adds clip into rec at sample at and returns where its sound lies.
func Mix(rec, clip []float32, at int) Placement {
	for i, x := range clip {
		if at+i < len(rec) {
			rec[at+i] += x
		}
	}
	p := Placement{At: at}
	for _, f := range Sound(clip) {
		p.Frames = append(p.Frames, at+f)
	}
	if n := len(p.Frames); n > 0 {
		p.Start, p.End = p.Frames[0], p.Frames[n-1]+Rate/100
	}
	return p
}

// Words returns text lower-cased, without punctuation, split into words.
func Words(text string) []string {
	return strings.FieldsFunc(strings.ToLower(text), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '\''
	})
}

// WER is the word error rate of hyp against ref, in percent: the word-level
// edit distance (substitutions, insertions, deletions) over the number of
// reference words.
func WER(ref, hyp string) float64 {
	r, h := Words(ref), Words(hyp)
	if len(r) == 0 {
		if len(h) == 0 {
			return 0
		}
		return 100
	}
	prev := make([]int, len(h)+1)
	cur := make([]int, len(h)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(r); i++ {
		cur[0] = i
		for j := 1; j <= len(h); j++ {
			sub := prev[j-1]
			if r[i-1] != h[j-1] {
				sub++
			}
			cur[j] = min(sub, prev[j]+1, cur[j-1]+1)
		}
		prev, cur = cur, prev
	}
	return 100 * float64(prev[len(h)]) / float64(len(r))
}

// WAV encodes pcm as a 16 kHz mono 16-bit WAV file.
func WAV(pcm []float32) []byte {
	b := make([]byte, 44+2*len(pcm))
	put32 := func(at int, v uint32) { binary.LittleEndian.PutUint32(b[at:], v) }
	put16 := func(at int, v uint16) { binary.LittleEndian.PutUint16(b[at:], v) }
	copy(b[0:], "RIFF")
	put32(4, uint32(36+2*len(pcm)))
	copy(b[8:], "WAVEfmt ")
	put32(16, 16)
	put16(20, 1)
	put16(22, 1)
	put32(24, Rate)
	put32(28, 2*Rate)
	put16(32, 2)
	put16(34, 16)
	copy(b[36:], "data")
	put32(40, uint32(2*len(pcm)))
	for i, x := range pcm {
		v := math.Round(float64(max(min(x, 1), -1)) * 32767)
		put16(44+2*i, uint16(int16(v)))
	}
	return b
}
