package pipeline

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/openchs/openchs-ai/models"
)

// ChannelDecoder is a Decoder that can also return each channel of a
// recording separately. It returns one slice for a mono recording, and for
// a multi-channel one whose channels carry the same signal.
type ChannelDecoder interface {
	DecodeChannels(ctx context.Context, data []byte) ([][]float32, error)
}

// Voice is one channel of a recording transcribed on its own, and who
// speaks on it.
type Voice struct {
	PCM     []float32
	Channel int
	Speaker string
}

// Voices names the channels of a split recording: the agent on channel
// agent, the caller on every other. A single channel (mono, or channels
// found identical) is no dialogue: it yields nil.
func Voices(chans [][]float32, agent int) []Voice {
	if len(chans) < 2 {
		return nil
	}
	vs := make([]Voice, len(chans))
	for c, pcm := range chans {
		vs[c] = Voice{PCM: pcm, Channel: c, Speaker: models.SpeakerCaller}
		if c == agent {
			vs[c].Speaker = models.SpeakerAgent
		}
	}
	return vs
}

// TranscribeVoices transcribes each voice separately and merges the
// segments by start time, each carrying its channel and speaker, so that
// the transcript reads as a dialogue. Progress runs once from 0 to 100
// over all voices; segments reach OnSegment channel by channel, labelled.
// The language is the caller's (the first caller voice that has speech),
// else the first voice's that was transcribed. A silent voice is not
// transcribed: it has no segments.
func TranscribeVoices(ctx context.Context, t Transcriber, voices []Voice, opts TranscribeOptions) (*models.Transcript, error) {
	if len(voices) == 0 {
		return nil, errors.New("no voices to transcribe")
	}
	parts := make([]*models.Transcript, len(voices))
	for i, v := range voices {
		o := opts
		if opts.OnProgress != nil {
			o.OnProgress = func(p int) { opts.OnProgress((i*100 + min(max(p, 0), 100)) / len(voices)) }
		}
		if opts.OnSegment != nil {
			o.OnSegment = func(s models.Segment) { opts.OnSegment(label(s, v)) }
		}
		if silent(v.PCM) {
			// A dead line (a recorder that keeps one leg only): nothing
			// was said on it, and the model must not be asked to invent it.
			parts[i] = &models.Transcript{Segments: []models.Segment{}}
			continue
		}
		tr, err := t.Transcribe(ctx, v.PCM, o)
		if err != nil {
			return nil, fmt.Errorf("channel %d (%s): %w", v.Channel, v.Speaker, err)
		}
		if tr == nil {
			return nil, fmt.Errorf("channel %d (%s): transcriber returned no transcript", v.Channel, v.Speaker)
		}
		parts[i] = tr
	}
	return mergeVoices(voices, parts), nil
}

// mergeVoices joins the transcripts of voices into one, ordered by time.
func mergeVoices(voices []Voice, parts []*models.Transcript) *models.Transcript {
	out := &models.Transcript{Segments: []models.Segment{}}
	lang := slices.IndexFunc(parts, func(p *models.Transcript) bool { return p.Language != "" })
	for i := len(parts) - 1; i >= 0; i-- {
		if voices[i].Speaker == models.SpeakerCaller && len(parts[i].Segments) > 0 {
			lang = i
		}
	}
	lang = max(lang, 0)
	for i, p := range parts {
		for _, s := range p.Segments {
			out.Segments = append(out.Segments, label(s, voices[i]))
		}
		out.Duration = max(out.Duration, p.Duration)
		if out.Model == "" {
			out.Model = p.Model
		}
		out.Translated = out.Translated || p.Translated
	}
	out.Language, out.LanguageProb = parts[lang].Language, parts[lang].LanguageProb
	// Stable: at the same start time the lower channel comes first.
	slices.SortStableFunc(out.Segments, func(a, b models.Segment) int { return cmp.Compare(a.Start, b.Start) })
	out.Text = models.JoinSegments(out.Segments)
	return out
}

// label marks s with its voice's channel and speaker, and moves its start
// to where that voice starts speaking in it (see speechStart).
func label(s models.Segment, v Voice) models.Segment {
	c := v.Channel
	s.Channel, s.Speaker = &c, v.Speaker
	s.Start = speechStart(v.PCM, s.Start, s.End)
	return s
}

// Tuning of speechStart and silent.
const (
	// silentRMS is the level under which a channel holds nothing
	// (-80 dBFS, under any microphone's noise floor).
	silentRMS    = 1e-4
	frameSamples = SampleRate / 100 // 10 ms
	// speechLevel is the level, against the segment's loudest frame,
	// above which a frame is speech (-26 dB).
	speechLevel = 0.05
	// leadIn is kept before the first speech frame.
	leadIn = 0.1 // seconds
)

// speechStart returns where speech begins within [start, end) of pcm:
// the first 10 ms frame within 26 dB of the span's loudest, less a 0.1 s
// lead-in. Whisper dates a segment from the end of the previous one, so a
// turn after a long silence on its channel (the other speaker's turn)
// would otherwise start with that silence and sort before the words it
// answers. A span with no sound keeps its start.
func speechStart(pcm []float32, start, end models.Seconds) models.Seconds {
	from := max(int(float64(start)*SampleRate), 0)
	to := min(int(float64(end)*SampleRate), len(pcm))
	if to-from < 2*frameSamples {
		return start
	}
	energy := func(i int) float64 {
		var e float64
		for _, v := range pcm[i : i+frameSamples] {
			e += float64(v) * float64(v)
		}
		return e
	}
	var loudest float64
	for i := from; i+frameSamples <= to; i += frameSamples {
		loudest = max(loudest, energy(i))
	}
	if loudest == 0 {
		return start
	}
	for i := from; i+frameSamples <= to; i += frameSamples {
		if energy(i) >= speechLevel*speechLevel*loudest {
			return max(start, models.Seconds(float64(i)/SampleRate-leadIn))
		}
	}
	return start
}

// decode decodes job's recording: one mono signal, or, when the job's
// channels are split and the recording has distinct channels, one voice
// per channel (pcm is then nil).
func (r *Runner) decode(ctx context.Context, job Job) (pcm []float32, voices []Voice, err error) {
	if job.Audio == nil && job.Source != nil {
		// Recordings not read in passes (split by channel, or a decoder
		// that cannot stream) are decoded whole, from their bytes.
		if job.Audio, err = readSource(ctx, job.Source); err != nil {
			return nil, nil, err
		}
	}
	mode, agent := r.channelMode(job.Options)
	cd, ok := r.Decoder.(ChannelDecoder)
	if mode != models.ChannelsSplit || !ok {
		pcm, err = r.Decoder.Decode(ctx, job.Audio)
		return pcm, nil, err
	}
	chans, err := cd.DecodeChannels(ctx, job.Audio)
	if err != nil {
		return nil, nil, err
	}
	if voices = Voices(chans, agent); voices == nil && len(chans) > 0 {
		pcm = chans[0]
	}
	return pcm, voices, nil
}

// channelMode returns the channel mode and the agent's channel for opts:
// the task's own choice, else the runner's default.
func (r *Runner) channelMode(opts models.TaskOptions) (mode string, agent int) {
	mode, agent = r.Channels, r.AgentChannel
	if opts.Channels != "" {
		mode = opts.Channels
	}
	if c, ok := models.ChannelIndex(opts.AgentChannel); ok {
		agent = c
	}
	return mode, agent
}

// samples is the length of the decoded recording, in samples.
func samples(pcm []float32, voices []Voice) int {
	if len(voices) > 0 {
		return len(voices[0].PCM)
	}
	return len(pcm)
}

// transcribeVoices transcribes voices as a dialogue when there are any,
// else pcm.
func (r *Runner) transcribeVoices(ctx context.Context, pcm PCM, voices []Voice, opts TranscribeOptions) (*models.Transcript, error) {
	if len(voices) > 0 {
		return TranscribeVoices(ctx, r.Transcriber, voices, opts)
	}
	return Transcribe(ctx, r.Transcriber, pcm, opts)
}

// silent reports whether pcm is silence throughout.
func silent(pcm []float32) bool {
	var e float64
	for _, v := range pcm {
		e += float64(v) * float64(v)
	}
	return e <= silentRMS*silentRMS*float64(len(pcm))
}
