package mp3

import (
	"fmt"

	"github.com/openchs/openchs-ai/pipeline/audio/internal/mp3/consts"
)

// This file writes layer III streams from chosen side information, scale
// factors and quantised spectra, so that tests can exercise coding tools
// that common encoders never use (intensity stereo, mixed blocks). The
// spectral values are limited to -1, 0 and 1 and coded with Huffman
// table 1 in the big_values region; the count1 region stays empty.

// Header version IDs.
const (
	idMPEG1  = 3
	idMPEG2  = 2
	idMPEG25 = 0
)

// l3Stream describes a layer III stream of stereo frames.
type l3Stream struct {
	version int // idMPEG1, idMPEG2 or idMPEG25
	rate    int // sampling frequency index, 0 to 2
	bitrate int // bitrate index, 1 to 14
	mode    int // 0 stereo, 1 joint stereo
	modeExt int // joint stereo: bit 1 mid/side, bit 0 intensity
	// granules in stream order, two per frame for MPEG-1 and one for
	// MPEG-2 and 2.5, each with its left and right channel.
	granules [][2]l3Granule
}

// l3Granule is one channel of one granule.
type l3Granule struct {
	blockType     int // 0 without window switching; 1, 2 or 3 with it
	mixed         bool
	globalGain    int
	subblockGain  [3]int
	scalefacScale int
	preflag       bool       // MPEG-1 only
	sfL           [22]int    // scale factors of long bands 0 to 20
	sfS           [13][3]int // scale factors of short bands 0 to 11, per window
	// isSlen and intensityScale code the right channel of an MPEG-2
	// intensity stereo granule: the scale factor lengths of the first
	// three partitions of the intensity variant of scalefac_compress
	// (int_scalefac_compress below 180) and its lowest bit.
	isSlen         [3]int
	intensityScale int
	// q holds the quantised values in bitstream order: for short blocks
	// band by band, each band window by window.
	q [576]int
	// bigPairs is the number of value pairs coded; fewer than needed for
	// the last non-zero value are raised to that.
	bigPairs int
}

func (s *l3Stream) lsf() bool { return s.version != idMPEG1 }

func (s *l3Stream) sampleRate() int {
	r := [3]int{44100, 48000, 32000}[s.rate]
	switch s.version {
	case idMPEG2:
		r /= 2
	case idMPEG25:
		r /= 4
	}
	return r
}

func (s *l3Stream) bitrateBPS() int {
	if s.lsf() {
		return [15]int{0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160}[s.bitrate] * 1000
	}
	return [15]int{0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320}[s.bitrate] * 1000
}

// frameBytes is the size of an unpadded frame.
func (s *l3Stream) frameBytes() int {
	if s.lsf() {
		return 72 * s.bitrateBPS() / s.sampleRate()
	}
	return 144 * s.bitrateBPS() / s.sampleRate()
}

func (s *l3Stream) row() int {
	switch s.version {
	case idMPEG1:
		return 0
	case idMPEG2:
		return 1
	}
	return 2
}

// bands returns the long and short scale factor band boundaries.
func (s *l3Stream) bands() (long, short []int) {
	t := consts.SfBandIndices[s.row()][s.rate]
	return t[consts.SfBandIndicesLong], t[consts.SfBandIndicesShort]
}

// mixedLongBands is the number of long bands a mixed block starts with.
func (s *l3Stream) mixedLongBands() int {
	if s.lsf() {
		return 6
	}
	return 8
}

// shortLine is the bitstream position of line j of window win of short
// band sfb.
func shortLine(short []int, sfb, win, j int) int {
	w := short[sfb+1] - short[sfb]
	return 3*short[sfb] + win*w + j
}

type bitWriter struct {
	buf  []byte
	nbit int
}

func (w *bitWriter) put(v, n int) {
	for i := n - 1; i >= 0; i-- {
		if w.nbit%8 == 0 {
			w.buf = append(w.buf, 0)
		}
		if v>>i&1 != 0 {
			w.buf[len(w.buf)-1] |= 0x80 >> (w.nbit % 8)
		}
		w.nbit++
	}
}

func (w *bitWriter) putBits(b *bitWriter) {
	for i := 0; i < b.nbit; i++ {
		w.put(int(b.buf[i/8]>>(7-i%8))&1, 1)
	}
}

// bitsFor is the number of bits an unsigned value needs.
func bitsFor(v int) int {
	n := 0
	for v>>n != 0 {
		n++
	}
	return n
}

// slenMPEG1 holds slen1 and slen2 for each MPEG-1 scalefac_compress.
var slenMPEG1 = [16][2]int{
	{0, 0}, {0, 1}, {0, 2}, {0, 3}, {3, 0}, {1, 1}, {1, 2}, {1, 3},
	{2, 1}, {2, 2}, {2, 3}, {3, 1}, {3, 2}, {3, 3}, {4, 2}, {4, 3},
}

// nrOfSfb holds the number of scale factors in each of the four
// partitions of an MPEG-2 granule for table 0 (scalefac_compress below
// 400) and table 3 (intensity stereo, int_scalefac_compress below 180),
// for long, short and mixed blocks (ISO 13818-3 table B.2).
var nrOfSfb = map[int][3][4]int{
	0: {{6, 5, 5, 5}, {9, 9, 9, 9}, {6, 9, 9, 9}},
	3: {{7, 7, 7, 0}, {12, 12, 12, 0}, {6, 15, 12, 0}},
}

func (g *l3Granule) short() bool { return g.blockType == 2 }

// scalefactorOrder lists the scale factors of an MPEG-2 granule in the
// order they are coded.
func (g *l3Granule) scalefactorOrder() []int {
	var v []int
	switch {
	case !g.short():
		v = append(v, g.sfL[:21]...)
	case g.mixed:
		v = append(v, g.sfL[:6]...)
		for sfb := 3; sfb < 12; sfb++ {
			v = append(v, g.sfS[sfb][:]...)
		}
	default:
		for sfb := 0; sfb < 12; sfb++ {
			v = append(v, g.sfS[sfb][:]...)
		}
	}
	return v
}

// writeScalefactors writes the scale factors (part 2) of one channel and
// returns the scalefac_compress that codes their lengths.
func (s *l3Stream) writeScalefactors(w *bitWriter, g *l3Granule, ch int) (int, error) {
	if !s.lsf() {
		var groups [2][]int // values coded with slen1 and slen2
		switch {
		case !g.short():
			groups[0], groups[1] = g.sfL[:11], g.sfL[11:21]
		case g.mixed:
			groups[0] = append(groups[0], g.sfL[:8]...)
			for sfb := 3; sfb < 12; sfb++ {
				groups[sfb/6] = append(groups[sfb/6], g.sfS[sfb][:]...)
			}
		default:
			for sfb := 0; sfb < 12; sfb++ {
				groups[sfb/6] = append(groups[sfb/6], g.sfS[sfb][:]...)
			}
		}
		var need [2]int
		for i, grp := range groups {
			for _, v := range grp {
				need[i] = max(need[i], bitsFor(v))
			}
		}
		best := -1
		for c, sl := range slenMPEG1 {
			if sl[0] >= need[0] && sl[1] >= need[1] && (best < 0 || sl[0]+sl[1] < slenMPEG1[best][0]+slenMPEG1[best][1]) {
				best = c
			}
		}
		if best < 0 {
			return 0, fmt.Errorf("scale factors need %v bits", need)
		}
		for i, grp := range groups {
			for _, v := range grp {
				w.put(v, slenMPEG1[best][i])
			}
		}
		return best, nil
	}

	layout := 0
	if g.short() {
		layout = 1
		if g.mixed {
			layout = 2
		}
	}
	intensity := ch == 1 && s.modeExt&1 != 0
	table := 0
	if intensity {
		table = 3
	}
	counts := nrOfSfb[table][layout]
	values := g.scalefactorOrder()
	var slen [4]int
	if intensity {
		copy(slen[:], g.isSlen[:])
	} else {
		k := 0
		for p, n := range counts {
			for _, v := range values[k : k+n] {
				slen[p] = max(slen[p], bitsFor(v))
			}
			k += n
		}
	}
	k := 0
	for p, n := range counts {
		for _, v := range values[k : k+n] {
			if bitsFor(v) > slen[p] {
				return 0, fmt.Errorf("scale factor %d does not fit %d bits", v, slen[p])
			}
			w.put(v, slen[p])
		}
		k += n
	}
	if intensity {
		if slen[0] > 4 || slen[1] > 5 || slen[2] > 5 {
			return 0, fmt.Errorf("intensity scale factor lengths %v", slen)
		}
		return (slen[0]*36+slen[1]*6+slen[2])<<1 | g.intensityScale&1, nil
	}
	if slen[0] > 4 || slen[1] > 4 || slen[2] > 3 || slen[3] > 3 {
		return 0, fmt.Errorf("scale factor lengths %v", slen)
	}
	return (slen[0]*5+slen[1])<<4 | slen[2]<<2 | slen[3], nil
}

// writeSpectrum codes the quantised values with Huffman table 1 and
// returns big_values.
func writeSpectrum(w *bitWriter, g *l3Granule) (int, error) {
	last := -1
	for i, v := range g.q {
		if v < -1 || v > 1 {
			return 0, fmt.Errorf("value %d at %d", v, i)
		}
		if v != 0 {
			last = i
		}
	}
	pairs := max(g.bigPairs, (last+2)/2)
	if pairs > 288 {
		return 0, fmt.Errorf("%d pairs", pairs)
	}
	for p := 0; p < pairs; p++ {
		x, y := g.q[2*p], g.q[2*p+1]
		switch {
		case x == 0 && y == 0:
			w.put(1, 1)
		case x == 0:
			w.put(1, 3)
		case y == 0:
			w.put(1, 2)
		default:
			w.put(0, 3)
		}
		if x != 0 {
			w.put(b2i(x < 0), 1)
		}
		if y != 0 {
			w.put(b2i(y < 0), 1)
		}
	}
	return pairs, nil
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// bytes returns the coded stream.
func (s *l3Stream) bytes() ([]byte, error) {
	perFrame := 1
	if !s.lsf() {
		perFrame = 2
	}
	if len(s.granules)%perFrame != 0 {
		return nil, fmt.Errorf("%d granules", len(s.granules))
	}
	sideBytes := 17
	if !s.lsf() {
		sideBytes = 32
	}
	size := s.frameBytes()
	var out []byte
	for f := 0; f < len(s.granules); f += perFrame {
		var main bitWriter
		var part23, bigValues, sfc [2][2]int
		for gr := 0; gr < perFrame; gr++ {
			for ch := 0; ch < 2; ch++ {
				g := &s.granules[f+gr][ch]
				var p bitWriter
				c, err := s.writeScalefactors(&p, g, ch)
				if err != nil {
					return nil, fmt.Errorf("granule %d channel %d: %v", f+gr, ch, err)
				}
				bv, err := writeSpectrum(&p, g)
				if err != nil {
					return nil, fmt.Errorf("granule %d channel %d: %v", f+gr, ch, err)
				}
				sfc[gr][ch], bigValues[gr][ch], part23[gr][ch] = c, bv, p.nbit
				main.putBits(&p)
			}
		}
		if len(main.buf) > size-4-sideBytes {
			return nil, fmt.Errorf("frame %d: %d bytes of main data do not fit %d", f/perFrame, len(main.buf), size-4-sideBytes)
		}

		var h bitWriter
		h.put(0x7ff, 11)
		h.put(s.version, 2)
		h.put(1, 2) // layer III
		h.put(1, 1) // no CRC
		h.put(s.bitrate, 4)
		h.put(s.rate, 2)
		h.put(0, 1) // padding
		h.put(0, 1) // private
		h.put(s.mode, 2)
		h.put(s.modeExt, 2)
		h.put(0, 4) // copyright, original, emphasis

		// Side information.
		if s.lsf() {
			h.put(0, 8) // main_data_begin
			h.put(0, 2) // private bits
		} else {
			h.put(0, 9)
			h.put(0, 3)
			h.put(0, 8) // scfsi
		}
		for gr := 0; gr < perFrame; gr++ {
			for ch := 0; ch < 2; ch++ {
				g := &s.granules[f+gr][ch]
				h.put(part23[gr][ch], 12)
				h.put(bigValues[gr][ch], 9)
				h.put(g.globalGain, 8)
				if s.lsf() {
					h.put(sfc[gr][ch], 9)
				} else {
					h.put(sfc[gr][ch], 4)
				}
				if g.blockType != 0 {
					h.put(1, 1)
					h.put(g.blockType, 2)
					h.put(b2i(g.mixed), 1)
					h.put(1, 5) // table_select: table 1 everywhere
					h.put(1, 5)
					for _, sg := range g.subblockGain {
						h.put(sg, 3)
					}
				} else {
					h.put(0, 1)
					h.put(1, 5)
					h.put(1, 5)
					h.put(1, 5)
					h.put(7, 4) // region0_count
					h.put(7, 3) // region1_count
				}
				if !s.lsf() {
					h.put(b2i(g.preflag), 1)
				}
				h.put(g.scalefacScale, 1)
				h.put(0, 1) // count1table_select
			}
		}
		if len(h.buf) != 4+sideBytes || h.nbit%8 != 0 {
			return nil, fmt.Errorf("header and side information of %d bits", h.nbit)
		}
		frame := append(h.buf, main.buf...)
		frame = append(frame, make([]byte, size-len(frame))...)
		out = append(out, frame...)
	}
	return out, nil
}
