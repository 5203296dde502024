package audio

import "bytes"

// format is a container recognised from the first bytes of the input.
// Formats other than formatWAV and formatMP3 are recognised only to name
// them in the error.
type format string

const (
	formatWAV     format = "wav"
	formatMP3     format = "mp3"
	formatUnknown format = "unrecognised content (not WAV or MP3)"
)

// sniff recognises the container from up to its first 12 bytes.
func sniff(b []byte) format {
	has := func(off int, magic string) bool {
		return len(b) >= off+len(magic) && string(b[off:off+len(magic)]) == magic
	}
	switch {
	case has(0, "RIFF") || has(0, "RF64") || has(0, "BW64"):
		if len(b) < 12 || has(8, "WAVE") {
			return formatWAV // a short header is reported by the WAV decoder
		}
		if has(8, "AVI ") {
			return "AVI video"
		}
		return format("RIFF " + printable(b[8:12]) + " (not WAVE)")
	case has(0, "RIFX"):
		return "big-endian WAV (RIFX)"
	case has(0, "ID3"):
		return formatMP3
	case len(b) >= 4 && parseFrameHeader(b).sync():
		return formatMP3
	case has(0, "OggS"):
		return "Ogg"
	case has(0, "fLaC"):
		return "FLAC"
	case has(4, "ftyp"):
		return "MP4/M4A"
	case has(0, "FORM"):
		return "AIFF"
	case has(0, "#!AMR"):
		return "AMR"
	case has(0, ".snd"):
		return "Sun AU"
	case has(0, "caff"):
		return "CAF"
	case has(0, "\x1a\x45\xdf\xa3"):
		return "WebM/Matroska"
	case has(0, "\x89PNG"):
		return "PNG image"
	case has(0, "\xff\xd8\xff"):
		return "JPEG image"
	case has(0, "%PDF"):
		return "PDF document"
	case has(0, "PK\x03\x04"):
		return "ZIP archive"
	case len(b) >= 2 && b[0] == 0xff && b[1]&0xf6 == 0xf0:
		return "AAC (ADTS)"
	}
	return formatUnknown
}

// printable renders a magic number for an error message.
func printable(b []byte) string {
	out := bytes.Map(func(r rune) rune {
		if r < 0x20 || r > 0x7e {
			return '.'
		}
		return r
	}, b)
	return string(out)
}
