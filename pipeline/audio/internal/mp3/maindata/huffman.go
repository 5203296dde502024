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

package maindata

import (
	"fmt"

	"github.com/openchs/openchs-ai/pipeline/audio/internal/mp3/bits"
	"github.com/openchs/openchs-ai/pipeline/audio/internal/mp3/consts"
	"github.com/openchs/openchs-ai/pipeline/audio/internal/mp3/frameheader"
	"github.com/openchs/openchs-ai/pipeline/audio/internal/mp3/huffman"
	"github.com/openchs/openchs-ai/pipeline/audio/internal/mp3/sideinfo"
)

func readHuffman(m *bits.Bits, header frameheader.FrameHeader, sideInfo *sideinfo.SideInfo, mainData *MainData, part_2_start, gr, ch int) error {
	// Check that there is any data to decode. If not, zero the array.
	if sideInfo.Part2_3Length[gr][ch] == 0 {
		clear(mainData.Is[gr][ch][:])
		return nil
	}

	// Calculate bit_pos_end which is the index of the last bit for this part.
	bit_pos_end := part_2_start + sideInfo.Part2_3Length[gr][ch] - 1
	// Determine region boundaries
	region_1_start := 0
	region_2_start := 0
	if (sideInfo.WinSwitchFlag[gr][ch] == 1) && (sideInfo.BlockType[gr][ch] == 2) {
		// Region 1 starts at the fourth short scale factor band: 36 lines
		// at every rate but MPEG-2.5's 8 kHz, where it is 72.
		sfreq := header.SamplingFrequency()
		region_1_start = consts.SfBandIndices[header.SfBandRow()][sfreq][consts.SfBandIndicesShort][3] * 3
		region_2_start = consts.SamplesPerGr // No Region2 for short block case.
	} else {
		sfreq := header.SamplingFrequency()
		l := consts.SfBandIndices[header.SfBandRow()][sfreq][consts.SfBandIndicesLong]
		i := sideInfo.Region0Count[gr][ch] + 1
		if i < 0 || len(l) <= i {
			// TODO: Better error messages (#3)
			return fmt.Errorf("mp3: readHuffman failed: invalid index i: %d", i)
		}
		region_1_start = l[i]
		j := sideInfo.Region0Count[gr][ch] + sideInfo.Region1Count[gr][ch] + 2
		if j < 0 || len(l) <= j {
			// TODO: Better error messages (#3)
			return fmt.Errorf("mp3: readHuffman failed: invalid index j: %d", j)
		}
		region_2_start = l[j]
	}
	// Read big_values using tables according to region_x_start: two
	// lines per code word, the table chosen by the region of the first.
	bigEnd := sideInfo.BigValues[gr][ch] * 2
	if bigEnd > consts.SamplesPerGr {
		return fmt.Errorf("mp3: big_values reach line %d", bigEnd)
	}
	is := &mainData.Is[gr][ch]
	is_pos := 0
	for r, end := range [3]int{min(region_1_start, bigEnd), min(region_2_start, bigEnd), bigEnd} {
		table_num := sideInfo.TableSelect[gr][ch][r]
		for ; is_pos < end; is_pos += 2 {
			x, y, err := huffman.Pair(m, table_num)
			if err != nil {
				return err
			}
			is[is_pos] = float32(x)
			is[is_pos+1] = float32(y)
		}
	}
	// Read small values, four lines per code word, until is_pos = 576 or
	// the part's bits run out.
	table_num := sideInfo.Count1TableSelect[gr][ch] + 32
	is_pos = bigEnd
	for is_pos <= 572 && m.BitPos() <= bit_pos_end {
		q, err := huffman.Quad(m, table_num)
		if err != nil {
			return err
		}
		is[is_pos] = float32(q[0])
		is[is_pos+1] = float32(q[1])
		is[is_pos+2] = float32(q[2])
		is[is_pos+3] = float32(q[3])
		is_pos += 4
	}
	// Check that we didn't read past the end of this section
	if m.BitPos() > (bit_pos_end + 1) {
		// Remove last words read
		is_pos -= 4
	}
	if is_pos < 0 {
		is_pos = 0
	}

	// Setup count1 which is the index of the first sample in the rzero reg.
	sideInfo.Count1[gr][ch] = is_pos

	// Zero out the last part if necessary
	clear(is[is_pos:])
	// Set the bitpos to point to the next part to read
	m.SetPos(bit_pos_end + 1)
	return nil
}
