package bits

import (
	"math/rand/v2"
	"testing"
)

func TestPeek32(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for n := 0; n < 12; n++ {
		buf := make([]byte, n)
		for i := range buf {
			buf[i] = byte(r.Uint32())
		}
		for pos := 0; pos <= 8*n+8; pos++ {
			b := New(buf)
			b.SetPos(pos)
			var want uint32
			for i := 0; i < 32; i++ {
				bit := uint32(0)
				if p := pos + i; p/8 < len(buf) {
					bit = uint32(buf[p/8]>>(7-p%8)) & 1
				}
				want = want<<1 | bit
			}
			if got := b.Peek32(); got != want {
				t.Fatalf("%d bytes, bit %d: Peek32 = %032b, want %032b", n, pos, got, want)
			}
		}
	}
}
