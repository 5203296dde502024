package vad

import "sort"

// Plan records where each region of a recording sits in the joined audio
// that Join returns, to map times back.
type Plan struct {
	regions []Region
	// at[i] is the sample where regions[i] begins in the joined audio.
	at   []int
	n    int // samples in all
	rate int
}

// Join returns the regions of pcm laid end to end, gap samples of silence
// between two, and the plan that maps the joined audio's times back to
// pcm's. The silence lets the transcriber end a segment where a region
// ends.
func Join(pcm []float32, regions []Region, gap, rate int) ([]float32, *Plan) {
	return JoinParts(regions, gap, rate, func(i int) []float32 { return pcm[regions[i].Start:regions[i].End] })
}

// JoinParts is Join for a recording that is not held whole: audio(i)
// returns region i's samples, End-Start of them.
func JoinParts(regions []Region, gap, rate int, audio func(i int) []float32) ([]float32, *Plan) {
	p := NewPlan(regions, gap, rate)
	out := make([]float32, p.Len())
	for i := range regions {
		copy(out[p.at[i]:], audio(i))
	}
	return out, p
}

// NewPlan lays regions end to end, gap samples apart, as Join does,
// without joining any audio: the caller fills a buffer of Len samples,
// region i's from At(i) on.
func NewPlan(regions []Region, gap, rate int) *Plan {
	p := &Plan{regions: regions, at: make([]int, len(regions)), rate: rate}
	for i, r := range regions {
		if i > 0 {
			p.n += gap
		}
		p.at[i] = p.n
		p.n += r.End - r.Start
	}
	return p
}

// Len is the length of the joined audio, in samples.
func (p *Plan) Len() int { return p.n }

// At is where region i begins in the joined audio.
func (p *Plan) At(i int) int { return p.at[i] }

// Regions returns the regions the plan joined.
func (p *Plan) Regions() []Region { return p.regions }

// Span maps a stretch [start, end) of the joined audio, in seconds, to the
// recording. A start in the padding before a region's speech, or in the
// silence between two regions, moves to where that speech begins; an end
// in the padding after it, in the silence, or less than 250 ms into the
// next region's speech, moves back to where the speech ended. A stretch
// that lies less than a third in the region where it starts starts with
// the next region's speech: the transcriber's start times drift ahead.
func (p *Plan) Span(start, end float64) (float64, float64) {
	if len(p.regions) == 0 {
		return start, end
	}
	rate := float64(p.rate)
	s, e := int(start*rate+0.5), int(end*rate+0.5)

	i := p.find(s)
	r := p.regions[i]
	off := s - p.at[i]
	if off >= r.End-r.Start { // in the silence after region i: the next one's speech
		if i+1 < len(p.regions) {
			i++
			r = p.regions[i]
		}
		off = 0
	}
	j := p.find(max(e-1, 0))
	if left := p.at[i] + r.End - r.Start - s; j > i && 3*left < e-s {
		// Mostly in later regions: the transcriber's start time ran
		// ahead of the speech, which begins in the next region.
		i++
		r, off = p.regions[i], 0
	}
	os := min(r.Start+off, r.End)
	if os < r.SpeechStart {
		os = r.SpeechStart
	}

	rj := p.regions[j]
	if j > i && e-p.at[j] <= rj.SpeechStart-rj.Start+p.rate/4 {
		// Ends before (or barely into) the next region's speech: the
		// transcriber's coarse end time overshot the silence.
		j--
		rj = p.regions[j]
		e = p.at[j] + rj.End - rj.Start
	}
	offE := min(e-p.at[j], rj.End-rj.Start)
	oe := rj.Start + offE
	if oe > rj.SpeechEnd {
		oe = rj.SpeechEnd
	}
	if oe < os {
		oe = os
	}
	return float64(os) / rate, float64(oe) / rate
}

// Missed returns the regions the transcriber skipped: those where no span
// begins (after Span's mapping) and that no span covers for at least half
// their speech while ending within a second after it. A span that runs on
// further does not count: when Whisper jumps over speech, the last
// segment before the jump ends where the jump does. spans are stretches
// of the joined audio, in seconds.
func (p *Plan) Missed(spans [][2]float64) []Region {
	rate := float64(p.rate)
	var out []Region
	for i, r := range p.regions {
		lo := float64(p.at[i]+r.SpeechStart-r.Start) / rate
		hi := float64(p.at[i]+r.SpeechEnd-r.Start) / rate
		hit := false
		for _, s := range spans {
			start, _ := p.Span(s[0], s[1])
			startsIn := start >= float64(r.Start)/rate && start < float64(r.SpeechEnd)/rate
			covers := min(s[1], hi)-max(s[0], lo) >= (hi-lo)/2 && s[1] <= hi+1
			if startsIn || covers {
				hit = true
				break
			}
		}
		if !hit {
			out = append(out, r)
		}
	}
	return out
}

// find returns the last region that begins at or before sample s of the
// joined audio.
func (p *Plan) find(s int) int {
	i := sort.Search(len(p.at), func(i int) bool { return p.at[i] > s }) - 1
	return max(i, 0)
}
