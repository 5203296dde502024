package vec

import (
	"math"
	"math/rand/v2"
	"testing"
)

func randomSlice(r *rand.Rand, n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = float32(r.NormFloat64())
	}
	return s
}

// Every length, so that each of the kernels' loops and tails runs, and
// offsets that leave the vectors unaligned.
func TestDotMatchesPlainGo(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for n := 0; n <= 200; n++ {
		for _, off := range []int{0, 1, 3} {
			a := randomSlice(r, n+off)[off:]
			b := randomSlice(r, n+off+5)[off:]
			var want, scale float64
			for i := range a {
				want += float64(a[i]) * float64(b[i])
				scale += math.Abs(float64(a[i]) * float64(b[i]))
			}
			got := Dot(a, b)
			if math.Abs(float64(got)-want) > 1e-5*(scale+1) {
				t.Fatalf("n=%d off=%d: Dot = %v, want %v", n, off, got, want)
			}
			if g := dotGo(a, b); math.Abs(float64(g)-want) > 1e-5*(scale+1) {
				t.Fatalf("n=%d off=%d: dotGo = %v, want %v", n, off, g, want)
			}
		}
	}
}

// The element-wise kernels, with b scaled by s or multiplied in.
var elementwise = []struct {
	name         string
	kernel, want func(acc, a, b []float32, s float32)
}{
	{"MulAdd", func(acc, a, b []float32, _ float32) { MulAdd(acc, a, b) }, func(acc, a, b []float32, _ float32) { mulAddGo(acc, a, b) }},
	{"AddScaled", func(acc, a, _ []float32, s float32) { AddScaled(acc, s, a) }, func(acc, a, _ []float32, s float32) { addScaledGo(acc, s, a) }},
}

// The kernels change acc[:n] as plain Go would and nothing after it.
func TestElementwiseMatchPlainGo(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, k := range elementwise {
		for n := 0; n <= 100; n++ {
			for _, off := range []int{0, 1, 2} {
				acc := randomSlice(r, n+off+4)[off:]
				a := randomSlice(r, n+off)[off:]
				b := randomSlice(r, n+off+7)[off:]
				s := float32(r.NormFloat64())
				after := append([]float32(nil), acc[n:]...)
				want := append([]float32(nil), acc[:n]...)
				k.want(want, a, b, s)
				k.kernel(acc[:n], a, b, s)
				for i := range want {
					if math.Abs(float64(acc[i]-want[i])) > 1e-5*(1+math.Abs(float64(want[i]))) {
						t.Fatalf("%s n=%d off=%d: acc[%d] = %v, want %v", k.name, n, off, i, acc[i], want[i])
					}
				}
				for i, v := range after {
					if acc[n+i] != v {
						t.Fatalf("%s n=%d: wrote past the end at %d", k.name, n, n+i)
					}
				}
			}
		}
	}
}

func TestMatVecMatchesPlainGo(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	for _, n := range []int{0, 3, 8, 12, 16, 24, 32, 40, 48, 56} {
		for m := 0; m <= 20; m++ {
			mat := randomSlice(r, n*m+5)
			x := randomSlice(r, m)
			out := randomSlice(r, n+3)
			after := append([]float32(nil), out[n:]...)
			want := make([]float32, n)
			for i := range want {
				var s float64
				for j := range x {
					s += float64(x[j]) * float64(mat[j*n+i])
				}
				want[i] = float32(s)
			}
			MatVec(out[:n], mat, x)
			for i := range want {
				if math.Abs(float64(out[i]-want[i])) > 1e-5*(1+math.Abs(float64(want[i]))) {
					t.Fatalf("n=%d m=%d: out[%d] = %v, want %v", n, m, i, out[i], want[i])
				}
			}
			for i, v := range after {
				if out[n+i] != v {
					t.Fatalf("n=%d m=%d: wrote past the end at %d", n, m, n+i)
				}
			}
		}
	}
}

func TestShortOperandsPanic(t *testing.T) {
	for name, f := range map[string]func(){
		"Dot":       func() { Dot(make([]float32, 9), make([]float32, 8)) },
		"MulAdd":    func() { MulAdd(make([]float32, 9), make([]float32, 9), make([]float32, 8)) },
		"AddScaled": func() { AddScaled(make([]float32, 9), 1, make([]float32, 8)) },
		"MatVec":    func() { MatVec(make([]float32, 8), make([]float32, 8*3-1), make([]float32, 3)) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s with a short operand did not panic", name)
				}
			}()
			f()
		}()
	}
}

func BenchmarkDot88(b *testing.B) {
	r := rand.New(rand.NewPCG(5, 6))
	x, y := randomSlice(r, 88), randomSlice(r, 88)
	b.Run("kernel", func(b *testing.B) {
		for b.Loop() {
			Dot(x, y)
		}
	})
	b.Run("go", func(b *testing.B) {
		for b.Loop() {
			dotGo(x, y)
		}
	})
}
