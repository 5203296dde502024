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

package imdct

import (
	"math"

	"github.com/openchs/openchs-ai/pipeline/audio/internal/vec"
)

var imdctWinData = [4][36]float32{}

func init() {
	for i := 0; i < 36; i++ {
		imdctWinData[0][i] = float32(math.Sin(math.Pi / 36 * (float64(i) + 0.5)))
	}
	for i := 0; i < 18; i++ {
		imdctWinData[1][i] = float32(math.Sin(math.Pi / 36 * (float64(i) + 0.5)))
	}
	for i := 18; i < 24; i++ {
		imdctWinData[1][i] = 1.0
	}
	for i := 24; i < 30; i++ {
		imdctWinData[1][i] = float32(math.Sin(math.Pi / 12 * (float64(i) + 0.5 - 18.0)))
	}
	for i := 30; i < 36; i++ {
		imdctWinData[1][i] = 0.0
	}
	for i := 0; i < 12; i++ {
		imdctWinData[2][i] = float32(math.Sin(math.Pi / 12 * (float64(i) + 0.5)))
	}
	for i := 12; i < 36; i++ {
		imdctWinData[2][i] = 0.0
	}
	for i := 0; i < 6; i++ {
		imdctWinData[3][i] = 0.0
	}
	for i := 6; i < 12; i++ {
		imdctWinData[3][i] = float32(math.Sin(math.Pi / 12 * (float64(i) + 0.5 - 6.0)))
	}
	for i := 12; i < 18; i++ {
		imdctWinData[3][i] = 1.0
	}
	for i := 18; i < 36; i++ {
		imdctWinData[3][i] = float32(math.Sin(math.Pi / 36 * (float64(i) + 0.5)))
	}
}

// imdctCos is the IMDCT kernel cos(π/2N·(2p+1+N/2)(2m+1)) of output p
// and input line m over N points.
func imdctCos(n, p, m int) float32 {
	return float32(math.Cos(math.Pi / float64(2*n) * float64(2*p+1+n/2) * float64(2*m+1)))
}

// longRows is the 36-point kernel as the matrix of the IMDCT's 18 distinct
// outputs (y[0..8] and y[18..26], see Win) by row of input line, each row
// padded to 24 values for the vector kernel; shortRows is the 12-point
// kernel by row of input line, padded to 16 values.
var longRows, shortRows = func() (long [18 * 24]float32, short [6 * 16]float32) {
	for m := 0; m < 18; m++ {
		for q := 0; q < 18; q++ {
			p := q
			if q >= 9 {
				p = q + 9
			}
			long[24*m+q] = imdctCos(36, p, m)
		}
	}
	for m := 0; m < 6; m++ {
		for p := 0; p < 12; p++ {
			short[16*m+p] = imdctCos(12, p, m)
		}
	}
	return long, short
}()

// Win computes the inverse MDCT of the 18 lines in and windows it for the
// block type into out.
func Win(in []float32, blockType int, out *[36]float32) {
	in = in[:18]
	*out = [36]float32{}
	zero := true
	for _, v := range in {
		if v != 0 {
			zero = false
			break
		}
	}
	if zero {
		return
	}
	if blockType == 2 {
		iwd := &imdctWinData[blockType]
		for i := 0; i < 3; i++ {
			var x [6]float32
			for m := range x {
				x[m] = in[i+3*m]
			}
			var y [16]float32
			vec.MatVec(y[:], shortRows[:], x[:])
			for p := 0; p < 12; p++ {
				out[6*i+p+6] += y[p] * iwd[p]
			}
		}
		return
	}
	// The 36 outputs come in mirrored pairs: y[17-p] = -y[p] and
	// y[53-p] = y[p], so only p in 0..8 and 18..26 are computed.
	iwd := &imdctWinData[blockType&3]
	var y [24]float32
	vec.MatVec(y[:], longRows[:], in)
	for p := 0; p < 9; p++ {
		out[p] = y[p] * iwd[p]
		out[17-p] = -y[p] * iwd[17-p]
	}
	for p := 18; p < 27; p++ {
		out[p] = y[p-9] * iwd[p]
		out[53-p] = y[p-9] * iwd[53-p]
	}
}
