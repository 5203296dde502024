package huffman

import (
	"math/rand/v2"
	"testing"

	"github.com/openchs/openchs-ai/pipeline/audio/internal/mp3/bits"
)

// Pair and Quad read the same values and the same number of bits as the
// bit-by-bit tree walk of Decode, for every table and random streams
// (which also hold long codes and linbits escapes).
func TestFastPathsMatchTreeWalk(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for table := range huffmanMain {
		if huffmanMain[table].treelen == 0 {
			continue
		}
		for trial := 0; trial < 2000; trial++ {
			buf := make([]byte, 1+r.IntN(12))
			for i := range buf {
				buf[i] = byte(r.Uint32())
			}
			if trial%3 == 0 { // mostly short codes: leading zero bits
				buf[0] &= 0x0f
			}
			start := r.IntN(8)
			slow, fast := bits.New(buf), bits.New(buf)
			slow.SetPos(start)
			fast.SetPos(start)
			x, y, v, w, errSlow := Decode(slow, table)
			var got [4]int
			var errFast error
			if table >= 32 {
				got, errFast = Quad(fast, table)
			} else {
				got[2], got[3], errFast = Pair(fast, table)
			}
			want := [4]int{v, w, x, y}
			// Past the end both read zeros, but the tree walk stops
			// counting bits there.
			samePos := slow.BitPos() == fast.BitPos() || fast.BitPos() > 8*len(buf)
			if (errSlow == nil) != (errFast == nil) || errSlow == nil && (got != want || !samePos) {
				t.Fatalf("table %d, bytes %x from bit %d: fast %v after %d bits (%v), tree walk %v after %d bits (%v)",
					table, buf, start, got, fast.BitPos(), errFast, want, slow.BitPos(), errSlow)
			}
		}
	}
}
