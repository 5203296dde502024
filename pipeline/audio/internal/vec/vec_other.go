//go:build !amd64

package vec

const useAVX2 = false

func dotAVX2(a, b *float32, n int) float32 { panic("vec: no AVX2") }

func mulAddAVX2(acc, a, b *float32, n int) { panic("vec: no AVX2") }

func addScaledAVX2(acc *float32, s float32, a *float32, n int) { panic("vec: no AVX2") }

func matVecAVX2(out, mat, x *float32, n, m int) { panic("vec: no AVX2") }
