package audio_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"

	"github.com/openchs/openchs-ai/pipeline/audio"
)

// wav8k is half a second of silence as an 8 kHz stereo μ-law WAV, the way
// many PBXs record calls.
func wav8k() []byte {
	data := make([]byte, 8000) // 4000 frames of 2 bytes
	for i := range data {
		data[i] = 0xff // μ-law zero
	}
	b := []byte("RIFF\x00\x00\x00\x00WAVEfmt \x10\x00\x00\x00")
	b = binary.LittleEndian.AppendUint16(b, 7) // μ-law
	b = binary.LittleEndian.AppendUint16(b, 2) // channels
	b = binary.LittleEndian.AppendUint32(b, 8000)
	b = binary.LittleEndian.AppendUint32(b, 16000)
	b = binary.LittleEndian.AppendUint16(b, 2)
	b = binary.LittleEndian.AppendUint16(b, 8)
	b = append(b, "data"...)
	b = binary.LittleEndian.AppendUint32(b, uint32(len(data)))
	return append(b, data...)
}

func ExampleDecode() {
	sig, err := audio.Decode(bytes.NewReader(wav8k()), audio.Config{})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(sig.Format, sig.SourceRate, sig.SourceChannels, len(sig.Channels), len(sig.Mono()), sig.Duration())

	split, _ := audio.Decode(bytes.NewReader(wav8k()), audio.Config{Channels: audio.Split})
	fmt.Println(len(split.Channels), "channels of", len(split.Channels[1]), "samples")
	// Output:
	// wav/mulaw 8000 2 1 8000 500ms
	// 2 channels of 8000 samples
}

func ExampleDecode_errors() {
	_, err := audio.Decode(strings.NewReader("\x89PNG\r\n\x1a\n...."), audio.Config{})
	fmt.Println(err)
	fmt.Println(errors.Is(err, audio.ErrUnsupportedFormat))
	// Output:
	// audio: PNG image: unsupported audio format
	// true
}
