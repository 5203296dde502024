package vec

import "golang.org/x/sys/cpu"

var useAVX2 = cpu.X86.HasAVX2 && cpu.X86.HasFMA

//go:noescape
func dotAVX2(a, b *float32, n int) float32

//go:noescape
func mulAddAVX2(acc, a, b *float32, n int)

//go:noescape
func addScaledAVX2(acc *float32, s float32, a *float32, n int)

//go:noescape
func matVecAVX2(out, mat, x *float32, n, m int)
