package audio

import (
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// kit builds fixtures from the jfk speech sample in a temporary directory.
type kit struct {
	t       *testing.T
	dir     string
	sources map[string]string
	n       int
}

// source returns a float32 WAV of the speech sample at rate with the given
// number of channels, each channel different (reversed or delayed), so that
// a swapped or mixed-up channel shows.
func (k *kit) source(rate, channels int) string {
	key := fmt.Sprintf("src-%d-%d.wav", rate, channels)
	if p, ok := k.sources[key]; ok {
		return p
	}
	p := filepath.Join(k.dir, key)
	var graph strings.Builder
	fmt.Fprintf(&graph, "[0:a]aresample=%d,aformat=sample_fmts=flt:channel_layouts=mono,asplit=%d", rate, channels)
	for c := range channels {
		fmt.Fprintf(&graph, "[s%d]", c)
	}
	graph.WriteString(";")
	for c := 1; c < channels; c++ {
		if c == 1 {
			fmt.Fprintf(&graph, "[s%d]areverse,volume=0.8:precision=float[d%d];", c, c)
		} else {
			fmt.Fprintf(&graph, "[s%d]adelay=%d,volume=%.2f:precision=float[d%d];", c, 150*c, 1-0.07*float64(c), c)
		}
	}
	graph.WriteString("[s0]")
	for c := 1; c < channels; c++ {
		fmt.Fprintf(&graph, "[d%d]", c)
	}
	if channels > 1 {
		layouts := map[int]string{2: "stereo", 3: "3.0", 4: "quad", 5: "5.0", 6: "5.1", 7: "6.1", 8: "7.1"}
		fmt.Fprintf(&graph, "join=inputs=%d:channel_layout=%s", channels, layouts[channels])
	} else {
		graph.WriteString("anull")
	}
	graph.WriteString("[out]")
	runTool(k.t, "ffmpeg", "-y", "-v", "error", "-nostdin", "-i", jfkWAV(k.t), "-filter_complex", graph.String(),
		"-map", "[out]", "-c:a", "pcm_f32le", p)
	k.sources[key] = p
	return p
}

func (k *kit) path(ext string) string {
	k.n++
	return filepath.Join(k.dir, fmt.Sprintf("f%02d.%s", k.n, ext))
}

// ffmpeg converts a source to out with the given output options.
func (k *kit) ffmpeg(src string, ext string, opts ...string) string {
	out := k.path(ext)
	args := append([]string{"-v", "error", "-nostdin", "-i", src}, opts...)
	runTool(k.t, "ffmpeg", append(args, out)...)
	return out
}

func (k *kit) sox(src string, ext string, opts ...string) string {
	out := k.path(ext)
	runTool(k.t, "sox", append(append([]string{src}, opts...), out)...)
	return out
}

func (k *kit) lame(src string, opts ...string) string {
	wav := k.ffmpeg(src, "wav", "-c:a", "pcm_s16le")
	out := k.path("mp3")
	runTool(k.t, "lame", append(append([]string{"--quiet"}, opts...), wav, out)...)
	return out
}

// raw16 is the source as interleaved 16-bit PCM.
func (k *kit) raw16(src string) []byte {
	return runTool(k.t, "ffmpeg", "-v", "error", "-nostdin", "-i", src, "-f", "s16le", "-")
}

func (k *kit) write(ext string, b []byte) string {
	p := k.path(ext)
	if err := os.WriteFile(p, b, 0o644); err != nil {
		k.t.Fatal(err)
	}
	return p
}

// handmade writes a WAV of 16-bit PCM from src laid out by chunks (data
// is the PCM), and a plain equivalent for ffmpeg to decode as reference.
func (k *kit) handmade(magic string, rate, channels int, src string, layout func(fmt, data chunk) []chunk) (string, string) {
	pcm := k.raw16(src)
	f, d := fmtChunk(wavePCM, channels, rate, 16), chunk{id: "data", body: pcm}
	ref := k.write("wav", riff("RIFF", f, d))
	return k.write("wav", riff(magic, layout(f, d)...)), ref
}

type fixture struct {
	name      string
	build     func(k *kit) (path, ref string)
	format    string
	rate      int
	channels  int
	wavTag    uint16 // format tag expected in the fixture's header, 0 to skip the check
	tolerance time.Duration
}

func one(p string) (string, string) { return p, p }

func fixtures() []fixture {
	return []fixture{
		{name: "wav u8 8k mono", format: "wav/pcm8", rate: 8000, channels: 1, wavTag: wavePCM,
			build: func(k *kit) (string, string) { return one(k.ffmpeg(k.source(8000, 1), "wav", "-c:a", "pcm_u8")) }},
		{name: "wav s16 8k mono", format: "wav/pcm16", rate: 8000, channels: 1, wavTag: wavePCM,
			build: func(k *kit) (string, string) { return one(k.ffmpeg(k.source(8000, 1), "wav", "-c:a", "pcm_s16le")) }},
		{name: "wav s16 11.025k mono", format: "wav/pcm16", rate: 11025, channels: 1,
			build: func(k *kit) (string, string) { return one(k.ffmpeg(k.source(11025, 1), "wav", "-c:a", "pcm_s16le")) }},
		{name: "wav s16 44.1k stereo", format: "wav/pcm16", rate: 44100, channels: 2, wavTag: wavePCM,
			build: func(k *kit) (string, string) { return one(k.ffmpeg(k.source(44100, 2), "wav", "-c:a", "pcm_s16le")) }},
		{name: "wav s24 48k stereo extensible", format: "wav/pcm24", rate: 48000, channels: 2, wavTag: waveExtensible,
			build: func(k *kit) (string, string) { return one(k.ffmpeg(k.source(48000, 2), "wav", "-c:a", "pcm_s24le")) }},
		{name: "wav s32 96k mono extensible", format: "wav/pcm32", rate: 96000, channels: 1, wavTag: waveExtensible,
			build: func(k *kit) (string, string) { return one(k.ffmpeg(k.source(96000, 1), "wav", "-c:a", "pcm_s32le")) }},
		{name: "wav s24 192k mono", format: "wav/pcm24", rate: 192000, channels: 1,
			build: func(k *kit) (string, string) { return one(k.ffmpeg(k.source(192000, 1), "wav", "-c:a", "pcm_s24le")) }},
		{name: "wav float32 22.05k mono (sox, fact chunk)", format: "wav/float32", rate: 22050, channels: 1, wavTag: waveFloat,
			build: func(k *kit) (string, string) {
				return one(k.sox(k.source(22050, 1), "wav", "-e", "floating-point", "-b", "32"))
			}},
		{name: "wav float64 32k stereo", format: "wav/float64", rate: 32000, channels: 2,
			build: func(k *kit) (string, string) { return one(k.ffmpeg(k.source(32000, 2), "wav", "-c:a", "pcm_f64le")) }},
		{name: "wav float32 extensible 3ch", format: "wav/float32", rate: 24000, channels: 3, wavTag: waveExtensible,
			build: func(k *kit) (string, string) { return one(k.ffmpeg(k.source(24000, 3), "wav", "-c:a", "pcm_f32le")) }},
		{name: "wav mulaw 8k mono (ffmpeg)", format: "wav/mulaw", rate: 8000, channels: 1, wavTag: waveMuLaw,
			build: func(k *kit) (string, string) { return one(k.ffmpeg(k.source(8000, 1), "wav", "-c:a", "pcm_mulaw")) }},
		{name: "wav mulaw 8k stereo (sox, fact chunk)", format: "wav/mulaw", rate: 8000, channels: 2, wavTag: waveMuLaw,
			build: func(k *kit) (string, string) { return one(k.sox(k.source(8000, 2), "wav", "-e", "mu-law", "-b", "8")) }},
		{name: "wav alaw 8k mono (sox)", format: "wav/alaw", rate: 8000, channels: 1, wavTag: waveALaw,
			build: func(k *kit) (string, string) { return one(k.sox(k.source(8000, 1), "wav", "-e", "a-law", "-b", "8")) }},
		{name: "wav alaw 8k stereo (ffmpeg)", format: "wav/alaw", rate: 8000, channels: 2, wavTag: waveALaw,
			build: func(k *kit) (string, string) { return one(k.ffmpeg(k.source(8000, 2), "wav", "-c:a", "pcm_alaw")) }},
		{name: "wav s16 6ch 48k extensible", format: "wav/pcm16", rate: 48000, channels: 6, wavTag: waveExtensible,
			build: func(k *kit) (string, string) { return one(k.ffmpeg(k.source(48000, 6), "wav", "-c:a", "pcm_s16le")) }},
		{name: "wav s24 8ch 16k", format: "wav/pcm24", rate: 16000, channels: 8, wavTag: waveExtensible,
			build: func(k *kit) (string, string) { return one(k.ffmpeg(k.source(16000, 8), "wav", "-c:a", "pcm_s24le")) }},
		{name: "wav streamed by ffmpeg (sizes 0xFFFFFFFF)", format: "wav/pcm16", rate: 44100, channels: 2,
			build: func(k *kit) (string, string) {
				b := runTool(k.t, "ffmpeg", "-v", "error", "-nostdin", "-i", k.source(44100, 2), "-c:a", "pcm_s16le", "-f", "wav", "-")
				return one(k.write("wav", b))
			}},
		{name: "wav RF64 (ffmpeg)", format: "wav/pcm16", rate: 48000, channels: 2,
			build: func(k *kit) (string, string) {
				return one(k.ffmpeg(k.source(48000, 2), "wav", "-c:a", "pcm_s16le", "-rf64", "always"))
			}},
		{name: "wav LIST, fact, JUNK, odd chunks, trailing chunk", format: "wav/pcm16", rate: 44100, channels: 2,
			build: func(k *kit) (string, string) {
				return k.handmade("RIFF", 44100, 2, k.source(44100, 2), func(f, d chunk) []chunk {
					return []chunk{
						{id: "JUNK", body: make([]byte, 27)},
						f,
						{id: "LIST", body: []byte("INFOISFT\x05\x00\x00\x00call\x00")},
						{id: "fact", body: []byte{1, 2, 3, 4}},
						{id: "bext", body: make([]byte, 603)},
						d,
						{id: "LIST", body: []byte("INFOICMT\x03\x00\x00\x00hi\x00")},
					}
				})
			}},
		{name: "wav odd chunk without pad byte", format: "wav/pcm16", rate: 8000, channels: 1,
			build: func(k *kit) (string, string) {
				return k.handmade("RIFF", 8000, 1, k.source(8000, 1), func(f, d chunk) []chunk {
					return []chunk{f, {id: "LIST", body: []byte("INFOINAM\x01\x00\x00\x00x"), noPad: true}, d}
				})
			}},
		{name: "wav data size 0 (recorder never finalised)", format: "wav/pcm16", rate: 8000, channels: 1,
			build: func(k *kit) (string, string) {
				return k.handmade("RIFF", 8000, 1, k.source(8000, 1), func(f, d chunk) []chunk {
					d.size = u32(0)
					return []chunk{f, d}
				})
			}},
		{name: "wav data size 0xFFFFFFFF", format: "wav/pcm16", rate: 44100, channels: 2,
			build: func(k *kit) (string, string) {
				return k.handmade("RIFF", 44100, 2, k.source(44100, 2), func(f, d chunk) []chunk {
					d.size = u32(0xffffffff)
					return []chunk{f, d}
				})
			}},
		{name: "wav RF64 with ds64 chunk", format: "wav/pcm16", rate: 44100, channels: 2,
			build: func(k *kit) (string, string) {
				return k.handmade("RF64", 44100, 2, k.source(44100, 2), func(f, d chunk) []chunk {
					ds := make([]byte, 28)
					binary.LittleEndian.PutUint64(ds[8:], uint64(len(d.body)))
					d.size = u32(0xffffffff)
					return []chunk{{id: "ds64", body: ds}, f, d}
				})
			}},
		{name: "wav extensible pcm16 stereo with channel mask", format: "wav/pcm16", rate: 44100, channels: 2,
			build: func(k *kit) (string, string) {
				return k.handmade("RIFF", 44100, 2, k.source(44100, 2), func(f, d chunk) []chunk {
					return []chunk{fmtExtensible(wavePCM, 2, 44100, 16, 16, 3), d}
				})
			}},
		{name: "wav data not a whole number of frames", format: "wav/pcm16", rate: 44100, channels: 2,
			build: func(k *kit) (string, string) {
				return k.handmade("RIFF", 44100, 2, k.source(44100, 2), func(f, d chunk) []chunk {
					d.body = append(d.body[:len(d.body):len(d.body)], 0x7f)
					return []chunk{f, d}
				})
			}},

		{name: "mp3 cbr 128k 44.1k stereo, id3v1+v2", format: "mp3", rate: 44100, channels: 2,
			build: func(k *kit) (string, string) {
				return one(k.lame(k.source(44100, 2), "-b", "128", "--tt", "call 42", "--add-id3v2", "--pad-id3v2-size", "4000"))
			}},
		{name: "mp3 vbr 48k stereo", format: "mp3", rate: 48000, channels: 2,
			build: func(k *kit) (string, string) { return one(k.lame(k.source(48000, 2), "-V", "2")) }},
		{name: "mp3 vbr 32k mono", format: "mp3", rate: 32000, channels: 1,
			build: func(k *kit) (string, string) { return one(k.lame(k.source(32000, 1), "-V", "5", "-m", "m")) }},
		{name: "mp3 mpeg-2 24k stereo", format: "mp3", rate: 24000, channels: 2,
			build: func(k *kit) (string, string) { return one(k.lame(k.source(24000, 2), "-b", "64")) }},
		{name: "mp3 mpeg-2 22.05k mono", format: "mp3", rate: 22050, channels: 1,
			build: func(k *kit) (string, string) { return one(k.lame(k.source(22050, 1), "-V", "5", "-m", "m")) }},
		{name: "mp3 mpeg-2 22.05k mono 32 kb/s (padded frames)", format: "mp3", rate: 22050, channels: 1,
			build: func(k *kit) (string, string) { return one(k.lame(k.source(22050, 1), "-b", "32", "-m", "m")) }},
		{name: "mp3 mpeg-2.5 8k mono", format: "mp3", rate: 8000, channels: 1,
			build: func(k *kit) (string, string) { return one(k.lame(k.source(8000, 1), "-b", "16", "-m", "m")) }},
		{name: "mp3 mpeg-2.5 11.025k stereo", format: "mp3", rate: 11025, channels: 2,
			build: func(k *kit) (string, string) { return one(k.lame(k.source(11025, 2), "-b", "32")) }},
		{name: "mp3 mpeg-2.5 12k mono vbr", format: "mp3", rate: 12000, channels: 1,
			build: func(k *kit) (string, string) { return one(k.lame(k.source(12000, 1), "-V", "6", "-m", "m")) }},
		{name: "mp3 mpeg-2 16k mono", format: "mp3", rate: 16000, channels: 1,
			build: func(k *kit) (string, string) { return one(k.lame(k.source(16000, 1), "-V", "6", "-m", "m")) }},
		{name: "mp3 without xing/lame tag", format: "mp3", rate: 44100, channels: 2,
			build: func(k *kit) (string, string) {
				return one(k.lame(k.source(44100, 2), "-b", "96", "--resample", "44.1", "-t"))
			}},
		{name: "mp3 by ffmpeg (id3v2.4, Lavc tag)", format: "mp3", rate: 44100, channels: 2,
			build: func(k *kit) (string, string) {
				return one(k.ffmpeg(k.source(44100, 2), "mp3", "-c:a", "libmp3lame", "-q:a", "4", "-metadata", "title=call"))
			}},
		{name: "mp3 with 200 kB id3v2.4 tag, footer, APE and id3v1 tags at the end", format: "mp3", rate: 44100, channels: 1,
			build: func(k *kit) (string, string) {
				mp3, err := os.ReadFile(k.lame(k.source(44100, 1), "-b", "64", "-m", "m"))
				if err != nil {
					k.t.Fatal(err)
				}
				const size = 200 << 10
				tag := []byte{'I', 'D', '3', 4, 0, 0x10, size >> 21 & 0x7f, size >> 14 & 0x7f, size >> 7 & 0x7f, size & 0x7f}
				tag = append(tag, make([]byte, size)...)
				tag = append(tag, '3', 'D', 'I', 4, 0, 0x10, size>>21&0x7f, size>>14&0x7f, size>>7&0x7f, size&0x7f)
				b := append(tag, mp3...)
				b = append(b, "APETAGEX\xd0\x07\x00\x00\x20\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"...)
				b = append(b, "TAG"+strings.Repeat("\x00", 125)...)
				return one(k.write("mp3", b))
			}},
	}
}

// TestDecodeFormats decodes every kind of recording the call recorders
// produce and compares it with ffmpeg's decode of the same file: same
// duration within 10 ms and a correlation of at least 0.99, both
// downmixed and per channel.
func TestDecodeFormats(t *testing.T) {
	k := &kit{t: t, dir: t.TempDir(), sources: map[string]string{}}
	for _, fx := range fixtures() {
		t.Run(fx.name, func(t *testing.T) {
			k.t = t
			path, ref := fx.build(k)
			if fx.wavTag != 0 {
				b, err := os.ReadFile(path)
				if err != nil {
					t.Fatal(err)
				}
				if tag := binary.LittleEndian.Uint16(b[20:]); tag != fx.wavTag {
					t.Fatalf("fixture has format tag 0x%04x, want 0x%04x", tag, fx.wavTag)
				}
			}
			sig, err := DecodeFile(path, Config{})
			if err != nil {
				t.Fatal(err)
			}
			type source struct {
				Format         string
				Rate, Channels int
			}
			want, got := source{fx.format, fx.rate, fx.channels}, source{sig.Format, sig.SourceRate, sig.SourceChannels}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("source (-want +got):\n%s", diff)
			}
			ref16 := ffmpegDecode(t, ref, downmixFilter(fx.channels))
			compareSignal(t, "downmix", sig.Mono(), ref16)

			if fx.channels == 1 {
				return
			}
			split, err := DecodeFile(path, Config{Channels: Split})
			if err != nil {
				t.Fatal(err)
			}
			if len(split.Channels) != fx.channels {
				t.Fatalf("split gave %d channels, want %d", len(split.Channels), fx.channels)
			}
			for c, got := range split.Channels {
				want := ffmpegDecode(t, ref, fmt.Sprintf("pan=mono|c0=c%d", c))
				compareSignal(t, fmt.Sprintf("channel %d", c), got, want)
			}
		})
	}
}

// downmixFilter averages all channels with equal weights, as Decode does.
func downmixFilter(channels int) string {
	if channels == 1 {
		return "anull"
	}
	terms := make([]string, channels)
	for c := range terms {
		terms[c] = fmt.Sprintf("%.6f*c%d", 1/float64(channels), c)
	}
	return "pan=mono|c0=" + strings.Join(terms, "+")
}

func compareSignal(t *testing.T, what string, got, want []float32) {
	t.Helper()
	gotDur := time.Duration(len(got)) * time.Second / SampleRate
	wantDur := time.Duration(len(want)) * time.Second / SampleRate
	if d := absDur(gotDur - wantDur); d > 10*time.Millisecond {
		t.Errorf("%s: duration %v, ffmpeg says %v", what, gotDur, wantDur)
	}
	if c := correlation(got, want); c < 0.99 {
		t.Errorf("%s: correlation with ffmpeg %.4f, want ≥ 0.99", what, c)
	} else if testing.Verbose() {
		t.Logf("%s: duration %v (ffmpeg %v), correlation %.5f", what, gotDur, wantDur, c)
	}
}
