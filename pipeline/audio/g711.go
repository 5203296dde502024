package audio

// G.711 expansion tables (ITU-T G.711), scaled so that the 16-bit linear
// range maps to [-1, 1).
var (
	mulawTable [256]float32
	alawTable  [256]float32
)

func init() {
	for i := range 256 {
		mulawTable[i] = float32(mulawToLinear(byte(i))) / 32768
		alawTable[i] = float32(alawToLinear(byte(i))) / 32768
	}
}

// mulawToLinear expands one μ-law byte to a 16-bit linear sample
// (range ±32124).
func mulawToLinear(u byte) int16 {
	u = ^u
	t := (int(u&0x0f) << 3) + 0x84
	t <<= (u & 0x70) >> 4
	if u&0x80 != 0 {
		return int16(0x84 - t)
	}
	return int16(t - 0x84)
}

// alawToLinear expands one A-law byte to a 16-bit linear sample
// (range ±32256).
func alawToLinear(a byte) int16 {
	a ^= 0x55
	t := int(a&0x0f) << 4
	seg := (a & 0x70) >> 4
	switch seg {
	case 0:
		t += 8
	case 1:
		t += 0x108
	default:
		t += 0x108
		t <<= seg - 1
	}
	if a&0x80 != 0 {
		return int16(t)
	}
	return int16(-t)
}
