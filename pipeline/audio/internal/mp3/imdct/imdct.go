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

var cosN12 = [6][12]float32{}

func init() {
	const N = 12
	for i := 0; i < 6; i++ {
		for j := 0; j < 12; j++ {
			cosN12[i][j] = float32(math.Cos(math.Pi / (2 * N) * (2*float64(j) + 1 + N/2) * (2*float64(i) + 1)))
		}
	}
}

var cosN36 = [18][36]float32{}

func init() {
	const N = 36
	for i := 0; i < 18; i++ {
		for j := 0; j < 36; j++ {
			cosN36[i][j] = float32(math.Cos(math.Pi / (2 * N) * (2*float64(j) + 1 + N/2) * (2*float64(i) + 1)))
		}
	}
}

// longRows holds cosN36 as the matrix of the IMDCT's 18 distinct outputs
// (y[0..8] and y[18..26], see Win) by row of input line, each row padded
// to 24 values for the vector kernel; shortRows holds cosN12 by row of
// input line, padded to 16 values. They are filled after the cosine
// tables, by the init function below theirs.
var (
	longRows  [18 * 24]float32
	shortRows [6 * 16]float32
)

func init() {
	for m := 0; m < 18; m++ {
		for q := 0; q < 18; q++ {
			p := q
			if q >= 9 {
				p = q + 9
			}
			longRows[24*m+q] = cosN36[m][p]
		}
	}
	for m := 0; m < 6; m++ {
		copy(shortRows[16*m:], cosN12[m][:])
	}
}

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
