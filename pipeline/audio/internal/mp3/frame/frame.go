// Copyright 2017 Hajime Hoshi
//
// Licensed under the Apache License, Version 2.0 (the "License");
// you may not use this file except in compliance with the License.
// You may obtain a copy of the License at
//
//     http://www.apache.org/licenses/LICENSE-2.0
//
// Unless required by applicable law or agreed to in writing, software
// distributed under the License is distributed on an "AS IS" BASIS,
// WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
// See the License for the specific language governing permissions and
// limitations under the License.

package frame

import (
	"fmt"
	"io"
	"math"

	"github.com/openchs/openchs-ai/pipeline/audio/internal/mp3/bits"
	"github.com/openchs/openchs-ai/pipeline/audio/internal/mp3/consts"
	"github.com/openchs/openchs-ai/pipeline/audio/internal/mp3/frameheader"
	"github.com/openchs/openchs-ai/pipeline/audio/internal/mp3/imdct"
	"github.com/openchs/openchs-ai/pipeline/audio/internal/mp3/maindata"
	"github.com/openchs/openchs-ai/pipeline/audio/internal/mp3/sideinfo"
	"github.com/openchs/openchs-ai/pipeline/audio/internal/vec"
)

var (
	powtab34 = make([]float64, 8207)
	pretab   = []float64{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 3, 3, 3, 2, 0}
)

func init() {
	for i := range powtab34 {
		powtab34[i] = math.Pow(float64(i), 4.0/3.0)
	}
}

type Frame struct {
	header   frameheader.FrameHeader
	sideInfo *sideinfo.SideInfo
	mainData *maindata.MainData

	mainDataBits *bits.Bits
	*history
}

// history is what decoding a frame leaves for the next: the IMDCT overlap
// and the synthesis filter bank's past. Consecutive frames share one.
type history struct {
	store [2][32][18]float32
	v_vec [2][2][512]float32 // synthesis history per channel: rings of its even and odd entries
	vOff  [2]int             // start of the newest 64 values in the 1024-entry history
}

type FullReader interface {
	ReadFull([]byte) (int, error)
}

func readCRC(source FullReader) error {
	buf := make([]byte, 2)
	if n, err := source.ReadFull(buf); n < 2 {
		if err == io.EOF {
			return &consts.UnexpectedEOF{At: "readCRC"}
		}
		return fmt.Errorf("mp3: error at readCRC: %v", err)
	}
	return nil
}

func Read(source FullReader, position int64, prev *Frame) (frame *Frame, startPosition int64, err error) {
	h, pos, err := frameheader.Read(source, position)
	if err != nil {
		return nil, 0, err
	}

	if h.ProtectionBit() == 0 {
		if err := readCRC(source); err != nil {
			return nil, 0, err
		}
	}

	if h.Layer() != consts.Layer3 {
		return nil, 0, fmt.Errorf("mp3: only layer3 (want %d; got %d) is supported", consts.Layer3, h.Layer())
	}

	si, err := sideinfo.Read(source, h)
	if err != nil {
		return nil, 0, err
	}

	// If there's not enough main data in the bit reservoir,
	// signal to calling function so that decoding isn't done!
	// Get main data (scalefactors and Huffman coded frequency data)
	var prevM *bits.Bits
	if prev != nil {
		prevM = prev.mainDataBits
	}
	md, mdb, err := maindata.Read(source, prevM, h, si)
	if err != nil {
		return nil, 0, err
	}
	nf := &Frame{
		header:       h,
		sideInfo:     si,
		mainData:     md,
		mainDataBits: mdb,
	}
	if prev != nil {
		nf.history = prev.history
	} else {
		nf.history = new(history)
	}
	return nf, pos, nil
}

func (f *Frame) SamplingFrequency() (int, error) {
	return f.header.SamplingFrequencyValue()
}

// Size is the length of the frame in the stream, in bytes.
func (f *Frame) Size() int {
	n, _ := f.header.FrameSize()
	return n
}

// Channels is the number of channels in the frame.
func (f *Frame) Channels() int {
	return f.header.NumberOfChannels()
}

// Decode writes the frame's samples, in [-1, 1], to out[ch] for each of
// its channels and returns the number of samples per channel. With mix,
// the channels are averaged into out[0] before the synthesis filter bank
// (which is linear), at half its cost. With half, only the lower 16
// subbands are synthesised and every other sample is computed: the output
// is at half the sample rate and holds the lower half of the spectrum,
// the upper half being dropped rather than folded down; phase (0 or 1)
// picks the even or the odd samples. In any case only the lowest bands
// of the 32 subbands are synthesised (half caps them at 16).
func (f *Frame) Decode(out *[2][1152]float32, mix, half bool, phase, bands int) int {
	nch := f.header.NumberOfChannels()
	sbLimit, perGranule := 32, consts.SamplesPerGr
	if half {
		sbLimit, perGranule = 16, consts.SamplesPerGr/2
	}
	sbLimit = max(1, min(sbLimit, bands))
	for gr := 0; gr < f.header.Granules(); gr++ {
		for ch := 0; ch < nch; ch++ {
			f.requantize(gr, ch)
			f.reorder(gr, ch)
		}
		f.stereo(gr)
		for ch := 0; ch < nch; ch++ {
			f.antialias(gr, ch, sbLimit+1)
			f.hybridSynthesis(gr, ch, sbLimit)
			f.frequencyInversion(gr, ch)
		}
		if mix && nch == 2 {
			l, r := &f.mainData.Is[gr][0], &f.mainData.Is[gr][1]
			for i := range l {
				l[i] = (l[i] + r[i]) * 0.5
			}
			f.subbandSynthesis(gr, 0, out[0][perGranule*gr:], half, phase)
			continue
		}
		for ch := 0; ch < nch; ch++ {
			f.subbandSynthesis(gr, ch, out[ch][perGranule*gr:], half, phase)
		}
	}
	return perGranule * f.header.Granules()
}

func (f *Frame) requantizeProcessShort(gr, ch, is_pos, sfb, win int) {
	m := 2
	if f.sideInfo.ScalefacScale[gr][ch] != 0 {
		m = 4
	}
	tmp1 := pow2Quarter(-m*f.mainData.ScalefacS[gr][ch][sfb][win] + f.sideInfo.GlobalGain[gr][ch] - 210 -
		8*f.sideInfo.SubblockGain[gr][ch][win])
	tmp2 := 0.0
	if f.mainData.Is[gr][ch][is_pos] < 0 {
		tmp2 = -powtab34[int(-f.mainData.Is[gr][ch][is_pos])]
	} else {
		tmp2 = powtab34[int(f.mainData.Is[gr][ch][is_pos])]
	}
	f.mainData.Is[gr][ch][is_pos] = float32(tmp1 * tmp2)
}

// pow2QuarterTable holds 2^(k/4) for k in [-pow2QuarterMin, pow2QuarterMax).
const (
	pow2QuarterMin = 1024
	pow2QuarterMax = 256
)

var pow2QuarterTable = func() (t [pow2QuarterMin + pow2QuarterMax]float64) {
	for i := range t {
		t[i] = math.Exp2(float64(i-pow2QuarterMin) / 4)
	}
	return t
}()

// pow2Quarter is 2^(k/4).
func pow2Quarter(k int) float64 {
	if k >= -pow2QuarterMin && k < pow2QuarterMax {
		return pow2QuarterTable[k+pow2QuarterMin]
	}
	return math.Exp2(float64(k) / 4)
}

func getSfBandIndicesArray(header *frameheader.FrameHeader) ([]int, []int) {
	sfreq := header.SamplingFrequency() // Setup sampling frequency index
	row := header.SfBandRow()
	sfBandIndicesShort := consts.SfBandIndices[row][sfreq][consts.SfBandIndicesShort]
	sfBandIndicesLong := consts.SfBandIndices[row][sfreq][consts.SfBandIndicesLong]
	return sfBandIndicesLong, sfBandIndicesShort
}

// mixedLongEnd is the line where the short blocks of a mixed block
// start: the third short scale factor band. That is after the two
// lowest subbands (36 lines), except at MPEG-2.5's 8 kHz, where no short
// band boundary falls there and the six long bands that the scale
// factors of a mixed block cover reach line 72.
func mixedLongEnd(sfBandIndicesShort []int) int {
	return 3 * sfBandIndicesShort[3]
}

func (f *Frame) requantize(gr int, ch int) {
	sfBandIndicesLong, sfBandIndicesShort := getSfBandIndicesArray(&f.header)
	// Determine type of block to process
	if f.sideInfo.WinSwitchFlag[gr][ch] == 1 && f.sideInfo.BlockType[gr][ch] == 2 { // Short blocks
		// Check if the first two subbands
		// (=2*18 samples = 8 long or 3 short sfb's) uses long blocks
		if f.sideInfo.MixedBlockFlag[gr][ch] != 0 { // 2 longbl. sb  first
			// First process the long block bands at the start
			longEnd := mixedLongEnd(sfBandIndicesShort)
			f.requantizeLong(gr, ch, longEnd, sfBandIndicesLong)
			// And next the remaining,non-zero,bands which uses short blocks
			sfb := 3
			next_sfb := sfBandIndicesShort[sfb+1] * 3
			win_len := sfBandIndicesShort[sfb+1] -
				sfBandIndicesShort[sfb]

			for i := longEnd; i < int(f.sideInfo.Count1[gr][ch]); /* i++ done below! */ {
				// Check if we're into the next scalefac band
				if i == next_sfb {
					sfb++
					next_sfb = sfBandIndicesShort[sfb+1] * 3
					win_len = sfBandIndicesShort[sfb+1] -
						sfBandIndicesShort[sfb]
				}
				for win := 0; win < 3; win++ {
					for j := 0; j < win_len; j++ {
						f.requantizeProcessShort(gr, ch, i, sfb, win)
						i++
					}
				}

			}
		} else { // Only short blocks
			sfb := 0
			next_sfb := sfBandIndicesShort[sfb+1] * 3
			win_len := sfBandIndicesShort[sfb+1] -
				sfBandIndicesShort[sfb]
			for i := 0; i < int(f.sideInfo.Count1[gr][ch]); /* i++ done below! */ {
				// Check if we're into the next scalefac band
				if i == next_sfb {
					sfb++
					next_sfb = sfBandIndicesShort[sfb+1] * 3
					win_len = sfBandIndicesShort[sfb+1] -
						sfBandIndicesShort[sfb]
				}
				for win := 0; win < 3; win++ {
					for j := 0; j < win_len; j++ {
						f.requantizeProcessShort(gr, ch, i, sfb, win)
						i++
					}
				}
			}
		}
	} else { // Only long blocks
		f.requantizeLong(gr, ch, int(f.sideInfo.Count1[gr][ch]), sfBandIndicesLong)
	}
}

// requantizeLong requantises the first n lines of a granule (or of its
// long part) band by band: each band's gain is computed once, and zero
// lines stay zero.
func (f *Frame) requantizeLong(gr, ch, n int, bands []int) {
	m := 2
	if f.sideInfo.ScalefacScale[gr][ch] != 0 {
		m = 4
	}
	is := &f.mainData.Is[gr][ch]
	for sfb := 0; sfb+1 < len(bands) && bands[sfb] < n; sfb++ {
		pf := f.sideInfo.Preflag[gr][ch] * int(pretab[sfb])
		gain := pow2Quarter(-m*(f.mainData.ScalefacL[gr][ch][sfb]+pf) + f.sideInfo.GlobalGain[gr][ch] - 210)
		for i := bands[sfb]; i < min(bands[sfb+1], n); i++ {
			switch v := is[i]; {
			case v > 0:
				is[i] = float32(gain * powtab34[int(v)])
			case v < 0:
				is[i] = float32(gain * -powtab34[int(-v)])
			}
		}
	}
}

func (f *Frame) reorder(gr int, ch int) {
	var reBuf [consts.SamplesPerGr]float32
	re := reBuf[:]

	_, sfBandIndicesShort := getSfBandIndicesArray(&f.header)

	// Only reorder short blocks
	if (f.sideInfo.WinSwitchFlag[gr][ch] == 1) && (f.sideInfo.BlockType[gr][ch] == 2) { // Short blocks
		// Check if the first two subbands
		// (=2*18 samples = 8 long or 3 short sfb's) uses long blocks
		sfb := 0
		// 2 longbl. sb  first
		if f.sideInfo.MixedBlockFlag[gr][ch] != 0 {
			sfb = 3
		}
		next_sfb := sfBandIndicesShort[sfb+1] * 3
		win_len := sfBandIndicesShort[sfb+1] - sfBandIndicesShort[sfb]
		i := 3 * sfBandIndicesShort[sfb]
		for i < consts.SamplesPerGr {
			// Check if we're into the next scalefac band
			if i == next_sfb {
				// Copy reordered data back to the original vector
				j := 3 * sfBandIndicesShort[sfb]
				copy(f.mainData.Is[gr][ch][j:j+3*win_len], re[0:3*win_len])
				// Check if this band is above the rzero region,if so we're done
				if i >= f.sideInfo.Count1[gr][ch] {
					return
				}
				sfb++
				next_sfb = sfBandIndicesShort[sfb+1] * 3
				win_len = sfBandIndicesShort[sfb+1] - sfBandIndicesShort[sfb]
			}
			for win := 0; win < 3; win++ { // Do the actual reordering
				for j := 0; j < win_len; j++ {
					re[j*3+win] = f.mainData.Is[gr][ch][i]
					i++
				}
			}
		}
		// Copy reordered data of last band back to original vector
		j := 3 * sfBandIndicesShort[12]
		copy(f.mainData.Is[gr][ch][j:j+3*win_len], re[0:3*win_len])
	}
}

var (
	isRatios = []float32{0.000000, 0.267949, 0.577350, 1.000000, 1.732051, 3.732051}
)

// intensityRatios returns the factors that split the left channel's
// values between the channels for intensity position pos of a scale
// factor band whose largest possible position is maxPos, and false for an
// illegal position. MPEG-1 positions 0 to 6 divide by tan(pos·π/12) and
// 7 is illegal (ISO 11172-3 2.4.3.4.9.3); an MPEG-2 position scales one
// channel by a power of io, 2^-1/4 or 2^-1/2 as intensity_scale says, and
// maxPos is illegal (ISO 13818-3 2.4.3.2).
func (f *Frame) intensityRatios(gr, pos, maxPos int) (left, right float32, ok bool) {
	if f.header.LowSamplingFrequency() == 0 {
		switch {
		case pos < 0 || pos >= 7:
			return 0, 0, false
		case pos == 6: // tan(π/2)
			return 1, 0, true
		}
		return isRatios[pos] / (1 + isRatios[pos]), 1 / (1 + isRatios[pos]), true
	}
	if pos < 0 || pos >= maxPos {
		return 0, 0, false
	}
	quarters := 1 // io = 2^(-quarters/4)
	if f.sideInfo.ScalefacCompress[gr][1]&1 != 0 {
		quarters = 2
	}
	if pos%2 == 1 {
		return float32(pow2Quarter(-quarters * (pos + 1) / 2)), 1, true
	}
	return 1, float32(pow2Quarter(-quarters * pos / 2)), true
}

// intensityStereo decodes a granule coded with intensity stereo, after
// reorder, in the scale factor bands of the right channel's blocks. The
// bands above the highest non-zero value of the right channel (for short
// blocks, of each window) carry in the left channel the values of both
// and in the right channel's scale factor an intensity position that
// splits them. Bands below, and bands with an illegal position, are
// mid/side coded if the frame says so and left as they are otherwise.
// The bands with no scale factor, long band 21 and short band 12, take
// the position of the band below.
func (f *Frame) intensityStereo(gr int) {
	ms := f.header.UseMSStereo()
	long, short := getSfBandIndicesArray(&f.header)
	l, r := &f.mainData.Is[gr][0], &f.mainData.Is[gr][1]
	// band processes the n lines start, start+stride, ... and reports
	// whether the right channel has a non-zero value among them.
	band := func(start, stride, n int, inIntensity bool, pos, maxPos int) bool {
		nonZero := false
		for i := start; i < start+stride*n; i += stride {
			if r[i] != 0 {
				nonZero = true
				break
			}
		}
		kl, kr, legal := f.intensityRatios(gr, pos, maxPos)
		switch {
		case inIntensity && !nonZero && legal:
			for i := start; i < start+stride*n; i += stride {
				v := l[i]
				l[i], r[i] = v*kl, v*kr
			}
		case ms:
			for i := start; i < start+stride*n; i += stride {
				l[i], r[i] = midSide(l[i], r[i])
			}
		}
		return nonZero
	}

	longEnd, shortStart := 22, 13
	if f.sideInfo.WinSwitchFlag[gr][1] == 1 && f.sideInfo.BlockType[gr][1] == 2 {
		longEnd, shortStart = 0, 0
		if f.sideInfo.MixedBlockFlag[gr][1] != 0 {
			end := mixedLongEnd(short)
			for longEnd = 0; long[longEnd] < end; longEnd++ {
			}
			shortStart = 3
		}
	}
	// From the top band down, each window on its own: the intensity
	// region ends at the first band with a non-zero right value.
	var below [3]bool
	for sfb := 12; sfb >= shortStart; sfb-- {
		start, width := 3*short[sfb], short[sfb+1]-short[sfb]
		s := min(sfb, 11)
		for win := 0; win < 3; win++ {
			if band(start+win, 3, width, !below[win], f.mainData.ScalefacS[gr][1][s][win], f.mainData.IsMaxS[1][s]) {
				below[win] = true
			}
		}
	}
	found := below[0] || below[1] || below[2]
	for sfb := longEnd - 1; sfb >= 0; sfb-- {
		s := min(sfb, 20)
		if band(long[sfb], 1, long[sfb+1]-long[sfb], !found, f.mainData.ScalefacL[gr][1][s], f.mainData.IsMaxL[1][s]) {
			found = true
		}
	}
}

// midSide turns a mid/side pair into left and right.
func midSide(m, s float32) (l, r float32) {
	const invSqrt2 = math.Sqrt2 / 2
	return (m + s) * invSqrt2, (m - s) * invSqrt2
}

func (f *Frame) stereo(gr int) {
	if f.header.UseIntensityStereo() {
		f.intensityStereo(gr)
		return
	}
	if f.header.UseMSStereo() {
		// Determine how many frequency lines to transform
		i := 1
		if f.sideInfo.Count1[gr][0] > f.sideInfo.Count1[gr][1] {
			i = 0
		}
		max_pos := int(f.sideInfo.Count1[gr][i])
		l, r := &f.mainData.Is[gr][0], &f.mainData.Is[gr][1]
		for i := 0; i < max_pos; i++ {
			l[i], r[i] = midSide(l[i], r[i])
		}
	}
}

var (
	cs = []float32{0.857493, 0.881742, 0.949629, 0.983315, 0.995518, 0.999161, 0.999899, 0.999993}
	ca = []float32{-0.514496, -0.471732, -0.313377, -0.181913, -0.094574, -0.040966, -0.014199, -0.003700}
)

// antialias runs the alias-reduction butterflies between neighbouring
// subbands, up to the boundary below subband bands: those above it only
// touch subbands that are not synthesised.
func (f *Frame) antialias(gr, ch, bands int) {
	// No antialiasing is done for short blocks
	if (f.sideInfo.WinSwitchFlag[gr][ch] == 1) &&
		(f.sideInfo.BlockType[gr][ch] == 2) &&
		(f.sideInfo.MixedBlockFlag[gr][ch]) == 0 {
		return
	}
	// Setup the limit for how many subbands to transform
	sblim := 32
	if (f.sideInfo.WinSwitchFlag[gr][ch] == 1) &&
		(f.sideInfo.BlockType[gr][ch] == 2) &&
		(f.sideInfo.MixedBlockFlag[gr][ch] == 1) {
		sblim = 2
	}
	sblim = min(sblim, bands)
	is := &f.mainData.Is[gr][ch]
	for sb := 1; sb < sblim; sb++ {
		lo, up := (*[8]float32)(is[18*sb-8:18*sb]), (*[8]float32)(is[18*sb:18*sb+8])
		for i := 0; i < 8; i++ {
			l, u := lo[7-i], up[i]
			lo[7-i] = l*cs[i] - u*ca[i]
			up[i] = u*cs[i] + l*ca[i]
		}
	}
}

// hybridSynthesis runs the IMDCT of the first sbLimit subbands and
// silences the others.
func (f *Frame) hybridSynthesis(gr int, ch int, sbLimit int) {
	clear(f.mainData.Is[gr][ch][sbLimit*18:])
	for sb := 0; sb < sbLimit; sb++ {
		// Determine blocktype for this subband
		bt := int(f.sideInfo.BlockType[gr][ch])
		if (f.sideInfo.WinSwitchFlag[gr][ch] == 1) &&
			(f.sideInfo.MixedBlockFlag[gr][ch] == 1) && (sb < 2) {
			bt = 0
		}
		// Do the inverse modified DCT and windowing
		var rawout [36]float32
		imdct.Win(f.mainData.Is[gr][ch][sb*18:sb*18+18], bt, &rawout)
		// Overlapp add with stored vector into main_data vector
		for i := 0; i < 18; i++ {
			f.mainData.Is[gr][ch][sb*18+i] = rawout[i] + f.store[ch][sb][i]
			f.store[ch][sb][i] = rawout[i+18]
		}
	}
}

func (f *Frame) frequencyInversion(gr int, ch int) {
	for sb := 1; sb < 32; sb += 2 {
		for i := 1; i < 18; i += 2 {
			f.mainData.Is[gr][ch][sb*18+i] = -f.mainData.Is[gr][ch][sb*18+i]
		}
	}
}

// dctScale holds, for each size n of the recursive DCT, the factors
// 1/(2·cos((i+½)π/n)) of Lee's algorithm.
var dctScale = func() (t [33][]float32) {
	for n := 2; n <= 32; n *= 2 {
		t[n] = make([]float32, n/2)
		for i := range t[n] {
			t[n][i] = float32(1 / (2 * math.Cos((float64(i)+0.5)*math.Pi/float64(n))))
		}
	}
	return t
}()

// dctII computes X[k] = Σ x[i]·cos(π(i+½)k/32) in place with Lee's fast
// algorithm: each size splits into two DCTs of half the size. The sizes
// are written out as separate functions on arrays so that the compiler
// drops the bounds checks.
func dctII(x, tmp *[32]float32) { dct32(x, tmp) }

func dct32(x, tmp *[32]float32) {
	c := (*[16]float32)(dctScale[32])
	for i := 0; i < 16; i++ {
		a, b := x[i], x[32-1-i]
		tmp[i] = a + b
		tmp[i+16] = (a - b) * c[i]
	}
	dct16((*[16]float32)(tmp[:16]), (*[16]float32)(x[:16]))
	dct16((*[16]float32)(tmp[16:]), (*[16]float32)(x[16:]))
	for i := 0; i < 16-1; i++ {
		x[2*i] = tmp[i]
		x[2*i+1] = tmp[i+16] + tmp[i+16+1]
	}
	x[32-2] = tmp[16-1]
	x[32-1] = tmp[32-1]
}

// dctIIParity computes only the outputs of dctII whose index has parity
// p, into x[p], x[p+2], ...; the other entries are left undefined. That
// takes one 16-point DCT, half the work of the whole transform: the even
// outputs are the DCT of x[i] + x[31-i], the odd ones sums of neighbours
// in the DCT of the scaled differences.
func dctIIParity(x, tmp *[32]float32, p int) {
	h, scratch := (*[16]float32)(tmp[:16]), (*[16]float32)(tmp[16:])
	if p == 0 {
		for i := 0; i < 16; i++ {
			h[i] = x[i] + x[31-i]
		}
		dct16(h, scratch)
		for i := 0; i < 16; i++ {
			x[2*i] = h[i]
		}
		return
	}
	c := (*[16]float32)(dctScale[32])
	for i := 0; i < 16; i++ {
		h[i] = (x[i] - x[31-i]) * c[i]
	}
	dct16(h, scratch)
	for i := 0; i < 15; i++ {
		x[2*i+1] = h[i] + h[i+1]
	}
	x[31] = h[15]
}

func dct16(x, tmp *[16]float32) {
	c := (*[8]float32)(dctScale[16])
	for i := 0; i < 8; i++ {
		a, b := x[i], x[16-1-i]
		tmp[i] = a + b
		tmp[i+8] = (a - b) * c[i]
	}
	dct8((*[8]float32)(tmp[:8]), (*[8]float32)(x[:8]))
	dct8((*[8]float32)(tmp[8:]), (*[8]float32)(x[8:]))
	for i := 0; i < 8-1; i++ {
		x[2*i] = tmp[i]
		x[2*i+1] = tmp[i+8] + tmp[i+8+1]
	}
	x[16-2] = tmp[8-1]
	x[16-1] = tmp[16-1]
}

func dct8(x, tmp *[8]float32) {
	c := (*[4]float32)(dctScale[8])
	for i := 0; i < 4; i++ {
		a, b := x[i], x[8-1-i]
		tmp[i] = a + b
		tmp[i+4] = (a - b) * c[i]
	}
	dct4((*[4]float32)(tmp[:4]), (*[4]float32)(x[:4]))
	dct4((*[4]float32)(tmp[4:]), (*[4]float32)(x[4:]))
	for i := 0; i < 4-1; i++ {
		x[2*i] = tmp[i]
		x[2*i+1] = tmp[i+4] + tmp[i+4+1]
	}
	x[8-2] = tmp[4-1]
	x[8-1] = tmp[8-1]
}

func dct4(x, tmp *[4]float32) {
	c := (*[2]float32)(dctScale[4])
	for i := 0; i < 2; i++ {
		a, b := x[i], x[4-1-i]
		tmp[i] = a + b
		tmp[i+2] = (a - b) * c[i]
	}
	dct2((*[2]float32)(tmp[:2]), (*[2]float32)(x[:2]))
	dct2((*[2]float32)(tmp[2:]), (*[2]float32)(x[2:]))
	for i := 0; i < 2-1; i++ {
		x[2*i] = tmp[i]
		x[2*i+1] = tmp[i+2] + tmp[i+2+1]
	}
	x[4-2] = tmp[2-1]
	x[4-1] = tmp[4-1]
}

func dct2(x, tmp *[2]float32) {
	a, b := x[0], x[1]
	x[0] = a + b
	x[1] = (a - b) * dctScale[2][0]
}

var synthDtbl = [512]float32{
	0.000000000, -0.000015259, -0.000015259, -0.000015259,
	-0.000015259, -0.000015259, -0.000015259, -0.000030518,
	-0.000030518, -0.000030518, -0.000030518, -0.000045776,
	-0.000045776, -0.000061035, -0.000061035, -0.000076294,
	-0.000076294, -0.000091553, -0.000106812, -0.000106812,
	-0.000122070, -0.000137329, -0.000152588, -0.000167847,
	-0.000198364, -0.000213623, -0.000244141, -0.000259399,
	-0.000289917, -0.000320435, -0.000366211, -0.000396729,
	-0.000442505, -0.000473022, -0.000534058, -0.000579834,
	-0.000625610, -0.000686646, -0.000747681, -0.000808716,
	-0.000885010, -0.000961304, -0.001037598, -0.001113892,
	-0.001205444, -0.001296997, -0.001388550, -0.001480103,
	-0.001586914, -0.001693726, -0.001785278, -0.001907349,
	-0.002014160, -0.002120972, -0.002243042, -0.002349854,
	-0.002456665, -0.002578735, -0.002685547, -0.002792358,
	-0.002899170, -0.002990723, -0.003082275, -0.003173828,
	0.003250122, 0.003326416, 0.003387451, 0.003433228,
	0.003463745, 0.003479004, 0.003479004, 0.003463745,
	0.003417969, 0.003372192, 0.003280640, 0.003173828,
	0.003051758, 0.002883911, 0.002700806, 0.002487183,
	0.002227783, 0.001937866, 0.001617432, 0.001266479,
	0.000869751, 0.000442505, -0.000030518, -0.000549316,
	-0.001098633, -0.001693726, -0.002334595, -0.003005981,
	-0.003723145, -0.004486084, -0.005294800, -0.006118774,
	-0.007003784, -0.007919312, -0.008865356, -0.009841919,
	-0.010848999, -0.011886597, -0.012939453, -0.014022827,
	-0.015121460, -0.016235352, -0.017349243, -0.018463135,
	-0.019577026, -0.020690918, -0.021789551, -0.022857666,
	-0.023910522, -0.024932861, -0.025909424, -0.026840210,
	-0.027725220, -0.028533936, -0.029281616, -0.029937744,
	-0.030532837, -0.031005859, -0.031387329, -0.031661987,
	-0.031814575, -0.031845093, -0.031738281, -0.031478882,
	0.031082153, 0.030517578, 0.029785156, 0.028884888,
	0.027801514, 0.026535034, 0.025085449, 0.023422241,
	0.021575928, 0.019531250, 0.017257690, 0.014801025,
	0.012115479, 0.009231567, 0.006134033, 0.002822876,
	-0.000686646, -0.004394531, -0.008316040, -0.012420654,
	-0.016708374, -0.021179199, -0.025817871, -0.030609131,
	-0.035552979, -0.040634155, -0.045837402, -0.051132202,
	-0.056533813, -0.061996460, -0.067520142, -0.073059082,
	-0.078628540, -0.084182739, -0.089706421, -0.095169067,
	-0.100540161, -0.105819702, -0.110946655, -0.115921021,
	-0.120697021, -0.125259399, -0.129562378, -0.133590698,
	-0.137298584, -0.140670776, -0.143676758, -0.146255493,
	-0.148422241, -0.150115967, -0.151306152, -0.151962280,
	-0.152069092, -0.151596069, -0.150497437, -0.148773193,
	-0.146362305, -0.143264771, -0.139450073, -0.134887695,
	-0.129577637, -0.123474121, -0.116577148, -0.108856201,
	0.100311279, 0.090927124, 0.080688477, 0.069595337,
	0.057617188, 0.044784546, 0.031082153, 0.016510010,
	0.001068115, -0.015228271, -0.032379150, -0.050354004,
	-0.069168091, -0.088775635, -0.109161377, -0.130310059,
	-0.152206421, -0.174789429, -0.198059082, -0.221984863,
	-0.246505737, -0.271591187, -0.297210693, -0.323318481,
	-0.349868774, -0.376800537, -0.404083252, -0.431655884,
	-0.459472656, -0.487472534, -0.515609741, -0.543823242,
	-0.572036743, -0.600219727, -0.628295898, -0.656219482,
	-0.683914185, -0.711318970, -0.738372803, -0.765029907,
	-0.791213989, -0.816864014, -0.841949463, -0.866363525,
	-0.890090942, -0.913055420, -0.935195923, -0.956481934,
	-0.976852417, -0.996246338, -1.014617920, -1.031936646,
	-1.048156738, -1.063217163, -1.077117920, -1.089782715,
	-1.101211548, -1.111373901, -1.120223999, -1.127746582,
	-1.133926392, -1.138763428, -1.142211914, -1.144287109,
	1.144989014, 1.144287109, 1.142211914, 1.138763428,
	1.133926392, 1.127746582, 1.120223999, 1.111373901,
	1.101211548, 1.089782715, 1.077117920, 1.063217163,
	1.048156738, 1.031936646, 1.014617920, 0.996246338,
	0.976852417, 0.956481934, 0.935195923, 0.913055420,
	0.890090942, 0.866363525, 0.841949463, 0.816864014,
	0.791213989, 0.765029907, 0.738372803, 0.711318970,
	0.683914185, 0.656219482, 0.628295898, 0.600219727,
	0.572036743, 0.543823242, 0.515609741, 0.487472534,
	0.459472656, 0.431655884, 0.404083252, 0.376800537,
	0.349868774, 0.323318481, 0.297210693, 0.271591187,
	0.246505737, 0.221984863, 0.198059082, 0.174789429,
	0.152206421, 0.130310059, 0.109161377, 0.088775635,
	0.069168091, 0.050354004, 0.032379150, 0.015228271,
	-0.001068115, -0.016510010, -0.031082153, -0.044784546,
	-0.057617188, -0.069595337, -0.080688477, -0.090927124,
	0.100311279, 0.108856201, 0.116577148, 0.123474121,
	0.129577637, 0.134887695, 0.139450073, 0.143264771,
	0.146362305, 0.148773193, 0.150497437, 0.151596069,
	0.152069092, 0.151962280, 0.151306152, 0.150115967,
	0.148422241, 0.146255493, 0.143676758, 0.140670776,
	0.137298584, 0.133590698, 0.129562378, 0.125259399,
	0.120697021, 0.115921021, 0.110946655, 0.105819702,
	0.100540161, 0.095169067, 0.089706421, 0.084182739,
	0.078628540, 0.073059082, 0.067520142, 0.061996460,
	0.056533813, 0.051132202, 0.045837402, 0.040634155,
	0.035552979, 0.030609131, 0.025817871, 0.021179199,
	0.016708374, 0.012420654, 0.008316040, 0.004394531,
	0.000686646, -0.002822876, -0.006134033, -0.009231567,
	-0.012115479, -0.014801025, -0.017257690, -0.019531250,
	-0.021575928, -0.023422241, -0.025085449, -0.026535034,
	-0.027801514, -0.028884888, -0.029785156, -0.030517578,
	0.031082153, 0.031478882, 0.031738281, 0.031845093,
	0.031814575, 0.031661987, 0.031387329, 0.031005859,
	0.030532837, 0.029937744, 0.029281616, 0.028533936,
	0.027725220, 0.026840210, 0.025909424, 0.024932861,
	0.023910522, 0.022857666, 0.021789551, 0.020690918,
	0.019577026, 0.018463135, 0.017349243, 0.016235352,
	0.015121460, 0.014022827, 0.012939453, 0.011886597,
	0.010848999, 0.009841919, 0.008865356, 0.007919312,
	0.007003784, 0.006118774, 0.005294800, 0.004486084,
	0.003723145, 0.003005981, 0.002334595, 0.001693726,
	0.001098633, 0.000549316, 0.000030518, -0.000442505,
	-0.000869751, -0.001266479, -0.001617432, -0.001937866,
	-0.002227783, -0.002487183, -0.002700806, -0.002883911,
	-0.003051758, -0.003173828, -0.003280640, -0.003372192,
	-0.003417969, -0.003463745, -0.003479004, -0.003479004,
	-0.003463745, -0.003433228, -0.003387451, -0.003326416,
	0.003250122, 0.003173828, 0.003082275, 0.002990723,
	0.002899170, 0.002792358, 0.002685547, 0.002578735,
	0.002456665, 0.002349854, 0.002243042, 0.002120972,
	0.002014160, 0.001907349, 0.001785278, 0.001693726,
	0.001586914, 0.001480103, 0.001388550, 0.001296997,
	0.001205444, 0.001113892, 0.001037598, 0.000961304,
	0.000885010, 0.000808716, 0.000747681, 0.000686646,
	0.000625610, 0.000579834, 0.000534058, 0.000473022,
	0.000442505, 0.000396729, 0.000366211, 0.000320435,
	0.000289917, 0.000259399, 0.000244141, 0.000213623,
	0.000198364, 0.000167847, 0.000152588, 0.000137329,
	0.000122070, 0.000106812, 0.000106812, 0.000091553,
	0.000076294, 0.000076294, 0.000061035, 0.000061035,
	0.000045776, 0.000045776, 0.000030518, 0.000030518,
	0.000030518, 0.000030518, 0.000015259, 0.000015259,
	0.000015259, 0.000015259, 0.000015259, 0.000015259,
}

// synthWindow holds synthDtbl split by parity: synthWindow[p][k][j] is
// synthDtbl[32k+2j+p], the weight of run k for output 2j+p.
var synthWindow = func() (w [2][16][16]float32) {
	for p := range w {
		for k := range w[p] {
			for j := range w[p][k] {
				w[p][k][j] = synthDtbl[32*k+2*j+p]
			}
		}
	}
	return w
}()

// matrixed is V[i] of the DCT output x. Entries of one parity of V only
// read entries of x of that parity.
func matrixed(x *[32]float32, i int) float32 {
	switch {
	case i < 16:
		return x[16+i]
	case i == 16:
		return 0
	case i <= 48:
		return -x[48-i]
	default:
		return -x[i-48]
	}
}

// subbandSynthesis runs the polyphase synthesis filter bank over the 18
// time slots of a granule. The matrixing V[i] = Σ cos((16+i)(2j+1)π/64)·S[j]
// is a 32-point DCT-II X of S: V[i] = X[16+i] for i < 16, V[16] = 0,
// V[i] = -X[48-i] for 17 ≤ i ≤ 48 and V[i] = -X[i-48] above.
//
// The 1024 most recent V values form a ring, kept as two rings of its even
// and odd entries. Output i of a slot sums 16 ring entries spaced by 32 or
// 96 from an even start; outputs of one parity therefore read 16
// consecutive entries of one of the two rings, and are computed together
// as 16 vector multiply-adds.
func (f *Frame) subbandSynthesis(gr int, ch int, out []float32, half bool, phase int) {
	var s, tmp [32]float32
	d := &f.mainData.Is[gr][ch]
	v := &f.v_vec[ch]
	step, first := 1, 0
	if half {
		step, first = 2, phase&1
	}
	out = out[:18*32/step]
	for ss := 0; ss < 18; ss++ {
		for i := range s {
			s[i] = d[i*18+ss]
		}
		if half {
			dctIIParity(&s, &tmp, first)
		} else {
			dctII(&s, &tmp)
		}
		o := (f.vOff[ch] - 64) & 1023
		f.vOff[ch] = o
		for p := first; p < 2; p += step {
			ring := v[p][o/2 : o/2+32]
			for i := range ring {
				ring[i] = matrixed(&s, 2*i+p)
			}
		}
		// The U vector is 16 runs of 32 values from the ring: run 2m at
		// V[128m], run 2m+1 at V[128m+96].
		for p := first; p < 2; p += step {
			var acc [16]float32
			ring, win := &v[p], &synthWindow[p]
			for m := 0; m < 8; m++ {
				b0 := ((o + 128*m) & 1023) / 2
				b1 := ((o + 128*m + 96) & 1023) / 2
				vec.MulAdd(acc[:], ring[b0:b0+16], win[2*m][:])
				vec.MulAdd(acc[:], ring[b1:b1+16], win[2*m+1][:])
			}
			for j, sum := range acc {
				switch {
				case sum > 1:
					sum = 1
				case sum < -1:
					sum = -1
				}
				if half {
					out[16*ss+j] = sum
				} else {
					out[32*ss+2*j+p] = sum
				}
			}
		}
	}
}
