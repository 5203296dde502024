package audio

import (
	"encoding/binary"
)

// Helpers that write WAV files byte by byte, for fixtures no tool makes
// (odd chunk layouts, lying headers).

// chunk is one RIFF chunk. size, when set, replaces the real body length
// in the header; noPad leaves out the pad byte after an odd-sized body.
type chunk struct {
	id    string
	body  []byte
	size  *uint32
	noPad bool
}

func u32(v uint32) *uint32 { return &v }

// riff assembles a RIFF-style file with the given magic ("RIFF", "RF64").
func riff(magic string, chunks ...chunk) []byte {
	var body []byte
	body = append(body, "WAVE"...)
	for _, c := range chunks {
		size := uint32(len(c.body))
		if c.size != nil {
			size = *c.size
		}
		body = append(body, c.id...)
		body = binary.LittleEndian.AppendUint32(body, size)
		body = append(body, c.body...)
		if len(c.body)%2 == 1 && !c.noPad {
			body = append(body, 0)
		}
	}
	out := append([]byte(magic), 0, 0, 0, 0)
	binary.LittleEndian.PutUint32(out[4:], uint32(len(body)))
	return append(out, body...)
}

// fmtChunk is a plain 16-byte fmt chunk.
func fmtChunk(tag uint16, channels, rate, bits int) chunk {
	b := binary.LittleEndian.AppendUint16(nil, tag)
	b = binary.LittleEndian.AppendUint16(b, uint16(channels))
	b = binary.LittleEndian.AppendUint32(b, uint32(rate))
	align := channels * ((bits + 7) / 8)
	b = binary.LittleEndian.AppendUint32(b, uint32(rate*align))
	b = binary.LittleEndian.AppendUint16(b, uint16(align))
	b = binary.LittleEndian.AppendUint16(b, uint16(bits))
	return chunk{id: "fmt ", body: b}
}

// fmtExtensible is a 40-byte WAVE_FORMAT_EXTENSIBLE fmt chunk.
func fmtExtensible(sub uint16, channels, rate, bits, validBits int, mask uint32) chunk {
	c := fmtChunk(waveExtensible, channels, rate, bits)
	b := binary.LittleEndian.AppendUint16(c.body, 22)
	b = binary.LittleEndian.AppendUint16(b, uint16(validBits))
	b = binary.LittleEndian.AppendUint32(b, mask)
	b = binary.LittleEndian.AppendUint16(b, sub)
	b = append(b, "\x00\x00\x00\x00\x10\x00\x80\x00\x00\xaa\x00\x38\x9b\x71"...)
	return chunk{id: "fmt ", body: b}
}

// pcm16 encodes samples in [-1, 1] as 16-bit little-endian PCM.
func pcm16(x []float32) []byte {
	b := make([]byte, 0, 2*len(x))
	for _, v := range x {
		b = binary.LittleEndian.AppendUint16(b, uint16(int16(max(-32768, min(32767, v*32768)))))
	}
	return b
}
