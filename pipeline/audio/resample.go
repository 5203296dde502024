package audio

import (
	"math"

	"github.com/openchs/openchs-ai/pipeline/audio/internal/vec"
)

// Resampler design. The pass band is flat up to passEdge and the stop band
// starts at stopEdge, both as fractions of the lower of the two rates, so
// that when downsampling to 16 kHz everything at or above 8 kHz (which
// would alias) is rejected, and when upsampling every image above the
// source's Nyquist frequency is removed.
const (
	passEdge    = 0.4375 // 7 kHz of 16 kHz
	stopEdge    = 0.5
	attenuation = 65.0 // stop-band rejection the Kaiser window is designed for, in dB

	// halfbandAttenuation is higher: half-band stages are cheap, and their
	// ripple and leakage add to the polyphase filter's.
	halfbandAttenuation = 85.0

	// exactPhases is the largest number of polyphase branches kept as a
	// table; ratios that need more interpolate between tablePhases
	// branches instead.
	exactPhases = 2048
	tablePhases = 1024
	maxTable    = 1 << 20
)

// filter is a Kaiser-windowed sinc low-pass filter in polyphase form for
// one rate ratio. It is read-only once built and shared by the resamplers
// of all channels.
type filter struct {
	up, down int // output and input rate divided by their gcd
	half     int // filter half-width in input samples
	width    int // taps per branch, 2·half
	exact    bool
	phases   int       // branches in table
	table    []float32 // (phases+1) branches of width taps each
}

// resampler converts a stream of samples from one rate to another. Output
// sample k sits at input time k·down/up; it is the dot product of the
// filter branch for the fractional part of that time with the 2·half input
// samples around it.
type resampler struct {
	*filter

	buf   []float32 // input history; buf[0] is input sample start
	start int64
	pos   int64 // integer part of the input time of the next output
	frac  int   // fractional part of that time, in units of 1/up
	nin   int64 // input samples received
	nout  int64 // output samples produced
}

// resampler returns a new stream through f.
func (f *filter) resampler() *resampler {
	r := &resampler{filter: f}
	r.buf = make([]float32, r.half, r.half+8192)
	r.start = -int64(r.half)
	return r
}

func newFilter(inRate, outRate int) *filter {
	g := gcd(inRate, outRate)
	r := &filter{up: outRate / g, down: inRate / g}
	low := float64(min(inRate, outRate))
	// Kaiser's estimate of the filter length for the attenuation and the
	// transition width, in input samples.
	transition := 2 * math.Pi * (stopEdge - passEdge) * low / float64(inRate)
	n := (attenuation - 7.95) / (2.285 * transition)
	r.half = int(math.Ceil(n / 2))
	r.width = 2 * r.half
	// Keep the table within maxTable coefficients: ratios with many
	// branches, or very long filters, interpolate between fewer branches.
	r.exact = r.up <= exactPhases && (r.up+1)*r.width <= maxTable
	r.phases = r.up
	if !r.exact {
		r.phases = max(64, min(tablePhases, maxTable/r.width-1))
	}
	cutoff := (passEdge + stopEdge) / 2 * low / float64(inRate) // cycles per input sample
	beta := 0.1102 * (attenuation - 8.7)
	i0beta := besselI0(beta)
	r.table = make([]float32, (r.phases+1)*r.width)
	taps := make([]float64, r.width)
	for p := 0; p <= r.phases; p++ {
		branch := r.table[p*r.width : (p+1)*r.width]
		frac := float64(p) / float64(r.phases)
		var sum float64
		for j := range taps {
			taps[j] = 0
			t := frac + float64(r.half-1-j) // time from tap to output, in input samples
			x := t / float64(r.half)
			if x <= -1 || x >= 1 {
				continue
			}
			w := besselI0(beta*math.Sqrt(1-x*x)) / i0beta
			taps[j] = 2 * cutoff * sinc(2*cutoff*t) * w
			sum += taps[j]
		}
		for j, v := range taps {
			branch[j] = float32(v / sum) // unit gain at DC in every branch
		}
	}
	return r
}

// process appends the output for the next input samples to out.
func (r *resampler) process(in []float32, out []float32) []float32 {
	r.buf = append(r.buf, in...)
	r.nin += int64(len(in))
	return r.run(out, -1)
}

// flush appends the remaining output, as if the input were followed by
// silence, to out. The total output is ceil(input·up/down) samples.
func (r *resampler) flush(out []float32) []float32 {
	want := (r.nin*int64(r.up) + int64(r.down) - 1) / int64(r.down)
	r.buf = append(r.buf, make([]float32, r.half+1)...)
	return r.run(out, want)
}

// run computes outputs while their input window is available, stopping
// after output number limit when limit is not -1.
func (r *resampler) run(out []float32, limit int64) []float32 {
	end := r.start + int64(len(r.buf))
	h := int64(r.half)
	for r.pos+h < end && (limit < 0 || r.nout < limit) {
		off := int(r.pos - h + 1 - r.start)
		x := r.buf[off : off+r.width]
		var y float32
		if r.exact {
			y = vec.Dot(r.table[r.frac*r.width:(r.frac+1)*r.width], x)
		} else {
			q := r.frac * r.phases / r.up
			w := float32(r.frac*r.phases-q*r.up) / float32(r.up)
			a := vec.Dot(r.table[q*r.width:(q+1)*r.width], x)
			b := vec.Dot(r.table[(q+1)*r.width:(q+2)*r.width], x)
			y = a + w*(b-a)
		}
		out = append(out, y)
		r.nout++
		r.frac += r.down
		if r.frac >= r.up {
			r.pos += int64(r.frac / r.up)
			r.frac %= r.up
		}
	}
	// Drop history that no later output needs.
	if drop := int(r.pos - h + 1 - r.start); drop > 0 && drop >= len(r.buf)/2 {
		drop = min(drop, len(r.buf))
		n := copy(r.buf, r.buf[drop:])
		r.buf = r.buf[:n]
		r.start += int64(drop)
	}
	return out
}

func sinc(x float64) float64 {
	if x == 0 {
		return 1
	}
	return math.Sin(math.Pi*x) / (math.Pi * x)
}

// besselI0 is the zeroth-order modified Bessel function of the first kind.
func besselI0(x float64) float64 {
	sum, term := 1.0, 1.0
	for k := 1; k < 200; k++ {
		term *= (x / (2 * float64(k))) * (x / (2 * float64(k)))
		sum += term
		if term < sum*1e-17 {
			break
		}
	}
	return sum
}

func gcd(a, b int) int {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

// halfband halves the sample rate with a Kaiser-windowed half-band filter:
// every other coefficient is zero and the rest are symmetric, so one
// output costs about a quarter of the filter's length. It runs ahead of
// the polyphase filter for high input rates, which then has half as many
// taps to compute.
type halfband struct {
	// sym weighs the odd-offset inputs in order, from -reach to +reach:
	// sym[k-1-j] = sym[k+j] is the weight of the inputs at ±(2j+1)
	// from the centre.
	sym   []float32
	reach int       // len(sym)-1: inputs needed on each side
	odd   []float32 // scratch: the odd-offset inputs of a block

	buf   []float32 // input history; buf[0] is input sample start
	start int64
	next  int64 // input index of the centre of the next output
	nin   int64
	nout  int64
}

// newHalfband designs a half-band decimator for input at rate whose output
// must keep 0–keep Hz and not let anything fold back into it.
func newHalfband(rate, keep int) *halfband {
	transition := 2 * math.Pi * float64(rate/2-2*keep) / float64(rate)
	n := (halfbandAttenuation - 7.95) / (2.285 * transition)
	k := max(1, int(math.Ceil((n+1)/4)))
	h := &halfband{sym: make([]float32, 2*k), reach: 2*k - 1}
	beta := 0.1102 * (halfbandAttenuation - 8.7)
	i0beta := besselI0(beta)
	var sum float64
	c := make([]float64, k)
	for j := range c {
		t := float64(2*j + 1)
		x := t / float64(2*k)
		c[j] = 0.5 * sinc(t/2) * besselI0(beta*math.Sqrt(1-x*x)) / i0beta
		sum += 2 * c[j]
	}
	for j, v := range c {
		w := float32(v * 0.5 / sum) // the taps besides the centre sum to ½
		h.sym[k-1-j], h.sym[k+j] = w, w
	}
	h.buf = make([]float32, h.reach, h.reach+8192)
	h.start = -int64(h.reach)
	return h
}

func (h *halfband) process(in, out []float32) []float32 {
	h.buf = append(h.buf, in...)
	h.nin += int64(len(in))
	return h.run(out, -1)
}

// flush emits the rest of the output, ceil(input/2) samples in all.
func (h *halfband) flush(out []float32) []float32 {
	h.buf = append(h.buf, make([]float32, h.reach+1)...)
	return h.run(out, (h.nin+1)/2)
}

// halfbandBlock is the number of outputs computed together: small enough
// that the block's inputs and outputs stay in the L1 cache.
const halfbandBlock = 1024

// run computes the outputs whose inputs are all in buf. Output n, centred
// on input c = 2n, is ½·x[c] plus Σ w_j·(x[c-1-2j] + x[c+1+2j]). The
// odd-offset inputs around consecutive outputs form one run of every
// other input, o[i] = x[c0-reach+2i], so a block of outputs is
// ½·x[c] plus Σ sym[i]·o[m+i]: one scaled vector add per tap.
func (h *halfband) run(out []float32, limit int64) []float32 {
	end := h.start + int64(len(h.buf))
	r := int64(h.reach)
	avail := max(0, (end-r-h.next+1)/2) // outputs with all their inputs present
	if limit >= 0 {
		avail = min(avail, limit-h.nout)
	}
	for avail > 0 {
		m := int(min(avail, halfbandBlock))
		c0 := int(h.next - h.start)
		x := h.buf[c0-h.reach : c0+2*(m-1)+h.reach+1]
		odd := h.odd[:0]
		for i := 0; i < len(x); i += 2 {
			odd = append(odd, x[i])
		}
		h.odd = odd
		n := len(out)
		out = append(out, make([]float32, m)...)
		y := out[n:]
		centre := x[h.reach:]
		for i := range y {
			y[i] = 0.5 * centre[2*i]
		}
		for i, w := range h.sym {
			vec.AddScaled(y, w, odd[i:])
		}
		h.nout += int64(m)
		h.next += 2 * int64(m)
		avail -= int64(m)
	}
	if drop := int(h.next - r - h.start); drop > 0 && drop >= len(h.buf)/2 {
		drop = min(drop, len(h.buf))
		n := copy(h.buf, h.buf[drop:])
		h.buf = h.buf[:n]
		h.start += int64(drop)
	}
	return out
}

// converter takes one channel from a source rate to SampleRate: zero or
// more half-band stages while the rate stays high enough for them, then
// the polyphase filter (skipped when the rate already matches).
type converter struct {
	halves []*halfband
	poly   *resampler
	tmp    [2][]float32
}

// minHalfbandRate is the lowest rate a half-band stage is used at: from
// there, between the 8 kHz it keeps and the band that would fold back
// into it (above rate/2 - 8 kHz), the filter has at least 2 kHz of
// transition.
const minHalfbandRate = 36000

// converterPlan returns the number of half-band stages for a source rate
// and the rate after them.
func converterPlan(rate int) (stages, after int) {
	for rate >= minHalfbandRate && rate%2 == 0 {
		rate /= 2
		stages++
	}
	return stages, rate
}

func newConverter(rate int, f *filter) *converter {
	c := &converter{}
	stages, _ := converterPlan(rate)
	for range stages {
		c.halves = append(c.halves, newHalfband(rate, SampleRate/2))
		rate /= 2
	}
	if f != nil {
		c.poly = f.resampler()
	}
	return c
}

// newConverterFilter builds the polyphase filter shared by the converters
// of all channels at rate, or nil when none is needed.
func newConverterFilter(rate int) *filter {
	_, after := converterPlan(rate)
	if after == SampleRate {
		return nil
	}
	return newFilter(after, SampleRate)
}

func (c *converter) process(in, out []float32) []float32 {
	return c.run(in, out, false)
}

func (c *converter) flush(out []float32) []float32 {
	return c.run(nil, out, true)
}

func (c *converter) run(x, out []float32, flush bool) []float32 {
	for i, h := range c.halves {
		buf := c.tmp[i%2][:0]
		buf = h.process(x, buf)
		if flush {
			buf = h.flush(buf)
		}
		c.tmp[i%2] = buf
		x = buf
	}
	if c.poly == nil {
		return append(out, x...)
	}
	out = c.poly.process(x, out)
	if flush {
		out = c.poly.flush(out)
	}
	return out
}
