// Command benchcall writes the long call scripts/bench-memory.sh measures: a
// 16 kHz mono 16-bit WAV of real speech (vadtest's English clip) taking
// turns with stretches of quiet room noise 4 to 20 s long, to the given
// length. The same arguments always give the same file.
//
//	go run ./scripts/benchcall -minutes 60 -o call.wav
package main

import (
	"bufio"
	"encoding/binary"
	"flag"
	"fmt"
	"math"
	"os"

	"github.com/openchs/openchs-ai/pipeline/vad/vadtest"
)

func main() {
	minutes := flag.Float64("minutes", 60, "length of the call")
	out := flag.String("o", "", "the WAV file to write")
	flag.Parse()
	if *out == "" || *minutes <= 0 {
		fmt.Fprintln(os.Stderr, "usage: benchcall -minutes N -o FILE")
		os.Exit(2)
	}
	if err := write(*out, int(*minutes*60*vadtest.Rate)); err != nil {
		fmt.Fprintln(os.Stderr, "benchcall:", err)
		os.Exit(1)
	}
}

// write streams the call to path, n samples long, without holding it whole.
func write(path string, n int) error {
	clip, err := vadtest.Load(vadtest.ClipEnglish)
	if err != nil {
		return err
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	h := vadtest.WAV(nil)
	binary.LittleEndian.PutUint32(h[4:], uint32(36+2*n))
	binary.LittleEndian.PutUint32(h[40:], uint32(2*n))
	if _, err := w.Write(h); err != nil {
		return err
	}
	left := n
	put := func(pcm []float32) error {
		pcm = pcm[:min(len(pcm), left)]
		b := make([]byte, 2*len(pcm))
		for i, x := range pcm {
			v := math.Round(float64(max(min(x, 1), -1)) * 32767)
			binary.LittleEndian.PutUint16(b[2*i:], uint16(int16(v)))
		}
		left -= len(pcm)
		_, err := w.Write(b)
		return err
	}
	for turn := uint64(0); left > 0; turn++ {
		gap := int(4+turn*7%17) * vadtest.Rate
		noise := vadtest.RoomNoise(gap+len(clip), turn+1, -62)
		for i, x := range clip {
			noise[gap/2+i] += x
		}
		if err := put(noise); err != nil {
			return err
		}
	}
	if err := w.Flush(); err != nil {
		return err
	}
	return f.Close()
}
