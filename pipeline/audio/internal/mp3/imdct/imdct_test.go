package imdct

import (
	"math"
	"math/rand/v2"
	"testing"
)

// reference is the IMDCT and windowing straight from the definition, in
// float64: y[p] = Σ X[m]·cos(π/2N·(2p+1+N/2)(2m+1)) over N = 36 points for
// long blocks and over each of the three interleaved N = 12 windows,
// placed at 6·i+6, for short ones.
func reference(in []float32, blockType int) [36]float64 {
	var out [36]float64
	if blockType == 2 {
		const n = 12
		for i := 0; i < 3; i++ {
			for p := 0; p < n; p++ {
				var s float64
				for m := 0; m < n/2; m++ {
					s += float64(in[i+3*m]) * math.Cos(math.Pi/(2*n)*(2*float64(p)+1+n/2)*(2*float64(m)+1))
				}
				out[6*i+p+6] += s * float64(imdctWinData[2][p])
			}
		}
		return out
	}
	const n = 36
	for p := 0; p < n; p++ {
		var s float64
		for m := 0; m < n/2; m++ {
			s += float64(in[m]) * math.Cos(math.Pi/(2*n)*(2*float64(p)+1+n/2)*(2*float64(m)+1))
		}
		out[p] = s * float64(imdctWinData[blockType][p])
	}
	return out
}

func TestWinMatchesDefinition(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 1))
	for trial := 0; trial < 200; trial++ {
		in := make([]float32, 18)
		for i := range in {
			if r.IntN(3) > 0 {
				in[i] = float32(r.NormFloat64())
			}
		}
		for bt := 0; bt < 4; bt++ {
			var got [36]float32
			Win(in, bt, &got)
			want := reference(in, bt)
			for i := range want {
				if math.Abs(float64(got[i])-want[i]) > 1e-5 {
					t.Fatalf("block type %d, output %d: %v, want %v", bt, i, got[i], want[i])
				}
			}
		}
	}
}

func BenchmarkWin(b *testing.B) {
	in := make([]float32, 18)
	for i := range in {
		in[i] = float32(i%5) - 2
	}
	var out [36]float32
	for b.Loop() {
		Win(in, 0, &out)
	}
}
