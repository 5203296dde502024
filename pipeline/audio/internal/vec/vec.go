// Package vec holds the float32 vector kernels that decoding and
// resampling spend their time in. On amd64 with AVX2 and FMA they run as
// assembly, eight lanes at a time; elsewhere as plain Go. The two can
// differ in the last bits, because a fused multiply-add rounds once.
package vec

// Dot returns the inner product of a and b[:len(a)]. It panics if b is
// shorter than a.
func Dot(a, b []float32) float32 {
	b = b[:len(a)]
	if len(a) == 0 {
		return 0
	}
	if useAVX2 {
		return dotAVX2(&a[0], &b[0], len(a))
	}
	return dotGo(a, b)
}

// MulAdd adds a[i]·b[i] to acc[i] for every i < len(acc). It panics if a
// or b is shorter than acc.
func MulAdd(acc, a, b []float32) {
	a, b = a[:len(acc)], b[:len(acc)]
	if len(acc) == 0 {
		return
	}
	if useAVX2 {
		mulAddAVX2(&acc[0], &a[0], &b[0], len(acc))
		return
	}
	mulAddGo(acc, a, b)
}

// AddScaled adds s·a[i] to acc[i] for every i < len(acc). It panics if a
// is shorter than acc.
func AddScaled(acc []float32, s float32, a []float32) {
	a = a[:len(acc)]
	if len(acc) == 0 {
		return
	}
	if useAVX2 {
		addScaledAVX2(&acc[0], s, &a[0], len(acc))
		return
	}
	addScaledGo(acc, s, a)
}

// MatVec sets out[i] to Σ x[j]·mat[j·len(out)+i]: the product of x with
// the matrix whose rows of len(out) values follow each other in mat. The
// kernel runs when len(out) is a multiple of 8; pad the rows to use it.
// It panics if mat holds fewer than len(x) rows.
func MatVec(out, mat, x []float32) {
	n := len(out)
	mat = mat[:len(x)*n]
	if n == 0 {
		return
	}
	if len(x) == 0 {
		clear(out)
		return
	}
	if useAVX2 && n%8 == 0 {
		matVecAVX2(&out[0], &mat[0], &x[0], n, len(x))
		return
	}
	matVecGo(out, mat, x)
}

// dotGo keeps four running sums to hide the latency of the adds.
func dotGo(a, b []float32) float32 {
	b = b[:len(a)]
	var s0, s1, s2, s3 float32
	for len(a) >= 4 && len(b) >= 4 {
		s0 += a[0] * b[0]
		s1 += a[1] * b[1]
		s2 += a[2] * b[2]
		s3 += a[3] * b[3]
		a, b = a[4:], b[4:]
	}
	for i := range a {
		s0 += a[i] * b[i]
	}
	return (s0 + s1) + (s2 + s3)
}

func mulAddGo(acc, a, b []float32) {
	a, b = a[:len(acc)], b[:len(acc)]
	for i := range acc {
		acc[i] += a[i] * b[i]
	}
}

func addScaledGo(acc []float32, s float32, a []float32) {
	a = a[:len(acc)]
	for i := range acc {
		acc[i] += s * a[i]
	}
}

func matVecGo(out, mat, x []float32) {
	n := len(out)
	clear(out)
	for j, xj := range x {
		row := mat[j*n : (j+1)*n]
		for i := range out {
			out[i] += xj * row[i]
		}
	}
}
