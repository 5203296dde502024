package mp3

import (
	"math/rand/v2"
	"testing"
)

// isBand is a scale factor band of the right channel in the intensity
// coded region: long (win < 0) or window win of a short band.
type isBand struct{ sfb, win int }

// fillIntensityRight fills the right channel of an intensity stereo
// granule: random values below a random intensity bound (per window for
// short blocks), with a non-zero value in the band just below it, and
// for the bands from the bound up intensity positions from pos (top is
// whether the band is the highest one with a scale factor). It returns
// the bands in the intensity region.
func fillIntensityRight(rng *rand.Rand, s *l3Stream, g *l3Granule, pos func(sfb, win int, top bool) int) []isBand {
	long, short := s.bands()
	var region []isBand
	clear(g.q[:])
	fillLong := func(bound, end int) {
		for sfb := 0; sfb < end; sfb++ {
			if sfb < bound {
				g.sfL[sfb] = rng.IntN(4)
				for i := long[sfb]; i < long[sfb+1]; i++ {
					g.q[i] = randomValue(rng)
				}
				continue
			}
			g.sfL[sfb] = pos(sfb, -1, sfb == 20)
			region = append(region, isBand{sfb, -1})
		}
		if bound > 0 {
			g.q[long[bound-1]+rng.IntN(long[bound]-long[bound-1])] = nonZero(rng)
		}
	}
	fillShort := func(first int, bound [3]int) {
		for w := range 3 {
			for sfb := first; sfb < 12; sfb++ {
				if sfb < bound[w] {
					g.sfS[sfb][w] = rng.IntN(4)
					for j := 0; j < short[sfb+1]-short[sfb]; j++ {
						g.q[shortLine(short, sfb, w, j)] = randomValue(rng)
					}
					continue
				}
				g.sfS[sfb][w] = pos(sfb, w, sfb == 11)
				region = append(region, isBand{sfb, w})
			}
			if b := bound[w]; b > first {
				g.q[shortLine(short, b-1, w, rng.IntN(short[b]-short[b-1]))] = nonZero(rng)
			}
		}
	}
	randomBounds := func(first int) (b [3]int) {
		for w := range b {
			b[w] = first + rng.IntN(12-first)
		}
		return b
	}
	switch {
	case !g.short():
		fillLong(rng.IntN(21), 21)
	case !g.mixed:
		fillShort(0, randomBounds(0))
	case rng.IntN(2) == 0: // bound in the long part
		n := s.mixedLongBands()
		fillLong(rng.IntN(n+1), n)
		fillShort(3, [3]int{3, 3, 3})
	default:
		n := s.mixedLongBands()
		fillLong(n, n)
		fillShort(3, randomBounds(3))
	}
	// Trailing zeros coded in big_values do not move the bound.
	last := -1
	for i, v := range g.q {
		if v != 0 {
			last = i
		}
	}
	g.bigPairs = min(288, (last+2)/2+rng.IntN(40))
	return region
}

// intensityStream makes a joint stereo stream whose right channel is
// intensity coded above random bounds. It returns the stream and, per
// granule, the right channel's bands in the intensity region.
func intensityStream(seed uint64, s l3Stream, layouts []blockLayout, frames int, pos func(rng *rand.Rand, sfb, win int, top bool) int) (l3Stream, [][]isBand) {
	rng := rand.New(rand.NewPCG(seed, 1))
	n := frames
	if !s.lsf() {
		n *= 2
	}
	var regions [][]isBand
	for _, l := range granuleSequence(rng, n, layouts) {
		r := l
		fillAll(rng, &l)
		r.subblockGain = [3]int{rng.IntN(3), rng.IntN(3), rng.IntN(3)}
		l.globalGain, r.globalGain = 178+rng.IntN(4), 176+rng.IntN(4)
		r.isSlen = [3]int{4, 4, 4}
		r.intensityScale = rng.IntN(2)
		regions = append(regions, fillIntensityRight(rng, &s, &r, func(sfb, win int, top bool) int { return pos(rng, sfb, win, top) }))
		s.granules = append(s.granules, [2]l3Granule{l, r})
	}
	return s, regions
}

// mpeg1Positions are intensity positions 0 to 6 with an illegal 7 now
// and then.
func mpeg1Positions(rng *rand.Rand, sfb, win int, top bool) int {
	if rng.IntN(7) == 0 {
		return 7
	}
	return rng.IntN(7)
}

// lsfPositions are legal MPEG-2 intensity positions for 4-bit scale
// factors.
func lsfPositions(rng *rand.Rand, sfb, win int, top bool) int { return rng.IntN(15) }

func TestIntensityStereoMatchesFFmpeg(t *testing.T) {
	all := []blockLayout{longBlocks, shortBlocks, mixedBlocks}
	mpeg1 := l3Stream{version: idMPEG1, rate: 0, bitrate: 14, mode: 1, modeExt: 1}
	mpeg1MS := mpeg1
	mpeg1MS.modeExt = 3
	mpeg2 := l3Stream{version: idMPEG2, rate: 0, bitrate: 14, mode: 1, modeExt: 1}
	mpeg2MS := mpeg2
	mpeg2MS.modeExt = 3
	mpeg2at24 := mpeg2
	mpeg2at24.rate = 1
	mpeg25 := l3Stream{version: idMPEG25, rate: 0, bitrate: 14, mode: 1, modeExt: 1}
	for _, c := range []struct {
		name    string
		stream  l3Stream
		layouts []blockLayout
		pos     func(*rand.Rand, int, int, bool) int
	}{
		{"MPEG-1 long blocks", mpeg1, []blockLayout{longBlocks}, mpeg1Positions},
		{"MPEG-1 short blocks", mpeg1, []blockLayout{shortBlocks}, mpeg1Positions},
		{"MPEG-1 mixed blocks", mpeg1, []blockLayout{mixedBlocks}, mpeg1Positions},
		{"MPEG-1 mid/side and intensity", mpeg1MS, all, mpeg1Positions},
		{"MPEG-2 22.05 kHz long blocks", mpeg2, []blockLayout{longBlocks}, lsfPositions},
		{"MPEG-2 22.05 kHz short blocks", mpeg2, []blockLayout{shortBlocks}, lsfPositions},
		// Mixed blocks only at 24 kHz: long bands 17 and 18 differ in ffmpeg.
		{"MPEG-2 24 kHz mixed blocks", mpeg2at24, []blockLayout{mixedBlocks}, lsfPositions},
		{"MPEG-2 mid/side and intensity", mpeg2MS, all, lsfPositions},
		{"MPEG-2.5 11.025 kHz", mpeg25, all, lsfPositions},
	} {
		t.Run(c.name, func(t *testing.T) {
			s, _ := intensityStream(7, c.stream, c.layouts, 12, c.pos)
			compareWithFFmpeg(t, mustBytes(t, &s), mustBytes(t, &s))
		})
	}
}

// An MPEG-2 intensity position at the largest value its scale factor
// length allows is illegal: the band is decoded as if intensity stereo
// were off for it. ffmpeg does not treat any position as illegal, so the
// reference is a stream that codes the same sound without them.
func TestIllegalIntensityPositionsMPEG2(t *testing.T) {
	slen := [3]int{3, 4, 2}
	maxPos := func(s *l3Stream, g *l3Granule, sfb, win int) int {
		// Partitions of table 3: 7, 7, 7 long bands; 4, 4, 4 short bands;
		// 6 long and 5, 4 short bands mixed.
		p := 0
		switch {
		case win < 0:
			p = sfb / 7
		case g.mixed:
			p = 1 + b2i(sfb >= 8)
		default:
			p = sfb / 4
		}
		return 1<<slen[p] - 1
	}
	base := l3Stream{version: idMPEG2, rate: 0, bitrate: 14, mode: 1}
	all := []blockLayout{longBlocks, shortBlocks, mixedBlocks}

	t.Run("mid/side", func(t *testing.T) {
		// Mid/side applies to an illegal band: with the side zero there,
		// both channels get mid/√2. The reference codes position 0 (both
		// channels get the mid) with a left scale factor one larger.
		s := base
		s.modeExt = 3
		var illegal int
		a, regions := intensityStream(11, s, all, 16, func(rng *rand.Rand, sfb, win int, top bool) int {
			return rng.IntN(3) // replaced below
		})
		rng := rand.New(rand.NewPCG(12, 1))
		b := a
		b.granules = append([][2]l3Granule(nil), a.granules...)
		for gr, region := range regions {
			ga, gb := &a.granules[gr], &b.granules[gr]
			ga[1].isSlen, gb[1].isSlen = slen, slen
			for _, band := range region {
				m := maxPos(&a, &ga[1], band.sfb, band.win)
				pos := rng.IntN(m)
				isIllegal := m > 0 && !(band.win < 0 && band.sfb == 20) && !(band.win >= 0 && band.sfb == 11) && rng.IntN(3) == 0
				if isIllegal {
					pos = m
					illegal++
				}
				if band.win < 0 {
					ga[1].sfL[band.sfb] = pos
					gb[1].sfL[band.sfb] = pos
					if isIllegal {
						gb[1].sfL[band.sfb] = 0
						gb[0].sfL[band.sfb]++
					}
				} else {
					ga[1].sfS[band.sfb][band.win] = pos
					gb[1].sfS[band.sfb][band.win] = pos
					if isIllegal {
						gb[1].sfS[band.sfb][band.win] = 0
						gb[0].sfS[band.sfb][band.win]++
					}
				}
			}
		}
		if illegal < 20 {
			t.Fatalf("only %d illegal bands", illegal)
		}
		compareWithFFmpeg(t, mustBytes(t, &a), mustBytes(t, &b))
	})

	t.Run("plain stereo", func(t *testing.T) {
		// Without mid/side, a stream whose intensity positions are all
		// illegal sounds as if it had no intensity stereo.
		s := base
		s.modeExt = 1
		a, regions := intensityStream(13, s, all, 16, func(*rand.Rand, int, int, bool) int { return 0 })
		b := a
		b.modeExt = 0
		b.granules = append([][2]l3Granule(nil), a.granules...)
		for gr, region := range regions {
			ga, gb := &a.granules[gr], &b.granules[gr]
			ga[1].isSlen = slen
			for _, band := range region {
				m := maxPos(&a, &ga[1], band.sfb, band.win)
				if band.win < 0 {
					ga[1].sfL[band.sfb], gb[1].sfL[band.sfb] = m, 0
				} else {
					ga[1].sfS[band.sfb][band.win], gb[1].sfS[band.sfb][band.win] = m, 0
				}
			}
		}
		compareWithFFmpeg(t, mustBytes(t, &a), mustBytes(t, &b))
	})
}
