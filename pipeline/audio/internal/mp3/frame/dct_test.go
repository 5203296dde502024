package frame

import (
	"math"
	"math/rand/v2"
	"testing"
)

// The fast DCT must match the matrix the synthesis filter bank is defined
// with, or every decoded sample is wrong.
func TestDCTMatchesDefinition(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for range 20 {
		var x, tmp [32]float32
		for i := range x {
			x[i] = float32(rng.NormFloat64())
		}
		in := x
		dctII(&x, &tmp)
		for k := range x {
			var want float64
			for i, v := range in {
				want += float64(v) * math.Cos(math.Pi*(float64(i)+0.5)*float64(k)/32)
			}
			if math.Abs(float64(x[k])-want) > 1e-4 {
				t.Fatalf("X[%d] = %v, want %v", k, x[k], want)
			}
		}
	}
}

func TestDCTParityMatchesWhole(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for range 20 {
		var in [32]float32
		for i := range in {
			in[i] = float32(rng.NormFloat64())
		}
		var tmp [32]float32
		whole := in
		dctII(&whole, &tmp)
		for p := range 2 {
			x := in
			dctIIParity(&x, &tmp, p)
			for k := p; k < 32; k += 2 {
				if math.Abs(float64(x[k]-whole[k])) > 1e-4 {
					t.Fatalf("parity %d: X[%d] = %v, want %v", p, k, x[k], whole[k])
				}
			}
		}
	}
}
