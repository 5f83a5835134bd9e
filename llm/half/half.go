// Package half converts between float32 and the two 16-bit floating-point
// formats checkpoints store: bfloat16 (BF16: float32's sign and 8-bit
// exponent with 7 fraction bits, so a BF16 value is the top half of a
// float32) and IEEE 754 binary16 (F16: 5-bit exponent, 10 fraction bits).
//
// Widening is exact. Narrowing to BF16 rounds to the nearest value, ties to
// even, as PyTorch's .to(torch.bfloat16) does. It is a leaf package so that
// both the file reader (llm/safetensors) and the numeric kernels (llm/simd)
// can use it.
package half

import "math"

// BF16ToF32 widens a bfloat16 value to float32 exactly.
func BF16ToF32(b uint16) float32 { return math.Float32frombits(uint32(b) << 16) }

// F32ToBF16 rounds a float32 to the nearest bfloat16, ties to even. A NaN
// stays a NaN (quiet, with the top of its payload); values beyond the
// largest BF16 become ±Inf.
func F32ToBF16(f float32) uint16 {
	u := math.Float32bits(f)
	if u&0x7fffffff > 0x7f800000 { // NaN: truncating could leave an all-zero fraction (Inf)
		return uint16(u>>16) | 0x40
	}
	// Adding 0x7fff rounds halves down and anything above up; the low bit
	// of the kept half turns a tie into rounding to the even neighbour.
	u += 0x7fff + (u>>16)&1
	return uint16(u >> 16)
}

// F16ToF32 widens an IEEE half-precision value to float32 exactly,
// subnormals, infinities and NaNs included.
func F16ToF32(h uint16) float32 {
	sign := uint32(h>>15) << 31
	exp := uint32(h>>10) & 0x1f
	man := uint32(h) & 0x3ff
	switch {
	case exp == 0 && man == 0:
		return math.Float32frombits(sign)
	case exp == 0: // subnormal: m·2⁻²⁴, normal in float32
		e := uint32(127 - 15 + 1)
		for man&0x400 == 0 {
			man <<= 1
			e--
		}
		man &= 0x3ff
		return math.Float32frombits(sign | e<<23 | man<<13)
	case exp == 0x1f: // Inf or NaN (payload kept)
		return math.Float32frombits(sign | 0xff<<23 | man<<13)
	}
	return math.Float32frombits(sign | (exp+127-15)<<23 | man<<13)
}
