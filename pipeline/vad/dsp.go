package vad

import "math"

// biquad is a second-order IIR section (RBJ cookbook), direct form I.
type biquad struct {
	b0, b1, b2, a1, a2 float64
	x1, x2, y1, y2     float64
}

func (q *biquad) step(x float64) float64 {
	y := q.b0*x + q.b1*q.x1 + q.b2*q.x2 - q.a1*q.y1 - q.a2*q.y2
	q.x2, q.x1, q.y2, q.y1 = q.x1, x, q.y1, y
	return y
}

// newBiquad returns a Butterworth (Q = 1/√2) high-pass or low-pass at f Hz.
func newBiquad(highPass bool, f float64, rate int) *biquad {
	w := 2 * math.Pi * f / float64(rate)
	cos, alpha := math.Cos(w), math.Sin(w)/math.Sqrt2 // sin(w) / 2Q
	a0 := 1 + alpha
	q := &biquad{a1: -2 * cos / a0, a2: (1 - alpha) / a0}
	if highPass {
		q.b0, q.b1, q.b2 = (1+cos)/2/a0, -(1+cos)/a0, (1+cos)/2/a0
	} else {
		q.b0, q.b1, q.b2 = (1-cos)/2/a0, (1-cos)/a0, (1-cos)/2/a0
	}
	return q
}

// Speech band edges, in Hz.
const (
	bandLow  = 200
	bandHigh = 4000
)

// smooth returns the moving average of xs over a centred window of w
// values.
func smooth(xs []float64, w int) []float64 {
	out := make([]float64, len(xs))
	h := w / 2
	var sum float64
	lo, hi := 0, 0 // the window is xs[lo:hi]
	for i := range xs {
		for hi < len(xs) && hi <= i+h {
			sum += xs[hi]
			hi++
		}
		for lo < i-h {
			sum -= xs[lo]
			lo++
		}
		out[i] = sum / float64(hi-lo)
	}
	return out
}

// slidingMin returns, for each i, the minimum of xs within w values on
// either side (a monotonic deque: linear time).
func slidingMin(xs []float64, w int) []float64 {
	out := make([]float64, len(xs))
	dq := make([]int, 0, 2*w+1) // indices whose values increase
	next := 0
	for i := range xs {
		for ; next < len(xs) && next <= i+w; next++ {
			for len(dq) > 0 && xs[dq[len(dq)-1]] >= xs[next] {
				dq = dq[:len(dq)-1]
			}
			dq = append(dq, next)
		}
		for dq[0] < i-w {
			dq = dq[1:]
		}
		out[i] = xs[dq[0]]
	}
	return out
}
