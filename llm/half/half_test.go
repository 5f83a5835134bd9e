package half

import (
	"math"
	"testing"
)

// refBF16 is F32ToBF16 by its definition: of the two BF16 values around f
// (its truncation and the next one away from zero), the nearer one in exact
// float64 arithmetic, the one with an even last bit on a tie. The value
// past the largest finite BF16 is 2¹²⁸ (IEEE rounding with an unbounded
// exponent), whose bits are those of Inf.
func refBF16(f float32) uint16 {
	u := math.Float32bits(f)
	lo := uint16(u >> 16)
	if uint32(lo)<<16 == u {
		return lo
	}
	hi := lo + 1
	val := func(b uint16) float64 {
		if b&0x7fff == 0x7f80 {
			return math.Copysign(0x1p128, float64(f))
		}
		return float64(BF16ToF32(b))
	}
	dlo, dhi := math.Abs(float64(f)-val(lo)), math.Abs(val(hi)-float64(f))
	switch {
	case dlo < dhi:
		return lo
	case dhi < dlo:
		return hi
	case lo&1 == 0:
		return lo
	}
	return hi
}

// refF16 is the value of a binary16 by its definition, in float64.
func refF16(h uint16) float64 {
	s := 1.0
	if h&0x8000 != 0 {
		s = -1
	}
	e, m := int(h>>10)&0x1f, float64(h&0x3ff)
	switch e {
	case 0:
		return s * math.Ldexp(m, -24)
	case 0x1f:
		if m != 0 {
			return math.NaN()
		}
		return math.Inf(int(s))
	}
	return s * math.Ldexp(1+m/1024, e-15)
}

func TestBF16(t *testing.T) {
	for _, c := range []struct {
		f    float32
		bf16 uint16
	}{
		{1, 0x3f80}, {-2, 0xc000}, {0, 0}, {float32(math.Copysign(0, -1)), 0x8000},
		{float32(math.Inf(1)), 0x7f80}, {float32(math.Inf(-1)), 0xff80},
		{1 + 0x1p-8, 0x3f80},              // tie between 1 and 1+2⁻⁷: to even (1)
		{1 + 3*0x1p-8, 0x3f82},            // tie between 1+2⁻⁷ and 1+2⁻⁶: to even
		{1 + 0x1p-8 + 0x1p-20, 0x3f81},    // just above the tie: up
		{math.MaxFloat32, 0x7f80},         // beyond the largest BF16: Inf
		{0x1p-149, 0x0000},                // smallest float32 subnormal: below half a BF16 ulp
		{0x1p-133, 0x0001},                // smallest BF16 subnormal
		{0x1p-126 * (1 - 0x1p-8), 0x0080}, // rounds up into the normals
	} {
		if got := F32ToBF16(c.f); got != c.bf16 {
			t.Errorf("F32ToBF16(%g) = %#04x, want %#04x", c.f, got, c.bf16)
		}
		if got := BF16ToF32(c.bf16); c.f == BF16ToF32(F32ToBF16(c.f)) && got != c.f {
			t.Errorf("BF16ToF32(%#04x) = %g, want %g", c.bf16, got, c.f)
		}
	}
	for _, nan := range []uint32{0x7fc00000, 0x7f800001, 0xff800001, 0x7fffffff} {
		b := F32ToBF16(math.Float32frombits(nan))
		if !math.IsNaN(float64(BF16ToF32(b))) || b>>15 != uint16(nan>>31) {
			t.Errorf("F32ToBF16(NaN %#08x) = %#04x, not a NaN of the same sign", nan, b)
		}
	}
}

// TestBF16Exhaustive widens every BF16 value and narrows it back.
func TestBF16Exhaustive(t *testing.T) {
	for b := range 1 << 16 {
		f := BF16ToF32(uint16(b))
		if math.Float32bits(f) != uint32(b)<<16 {
			t.Fatalf("BF16ToF32(%#04x) = %#08x", b, math.Float32bits(f))
		}
		if got := F32ToBF16(f); got != uint16(b) && !math.IsNaN(float64(f)) {
			t.Fatalf("F32ToBF16(BF16ToF32(%#04x)) = %#04x", b, got)
		}
	}
}

// TestF16Exhaustive checks every binary16 value, subnormals, infinities
// and NaNs included, against its definition.
func TestF16Exhaustive(t *testing.T) {
	for h := range 1 << 16 {
		got, want := F16ToF32(uint16(h)), refF16(uint16(h))
		if math.IsNaN(want) {
			if !math.IsNaN(float64(got)) || math.Float32bits(got)>>31 != uint32(h>>15) {
				t.Fatalf("F16ToF32(%#04x) = %g, want a NaN of the same sign", h, got)
			}
			continue
		}
		if float64(got) != want || math.Signbit(float64(got)) != (h&0x8000 != 0) {
			t.Fatalf("F16ToF32(%#04x) = %g, want %g", h, got, want)
		}
	}
	for _, c := range []struct {
		f16 uint16
		f32 float32
	}{{0x3c00, 1}, {0xc000, -2}, {0x0001, 0x1p-24}, {0x03ff, 0x3ffp-24}, {0x0400, 0x1p-14}, {0x7bff, 65504}} {
		if got := F16ToF32(c.f16); got != c.f32 {
			t.Errorf("F16ToF32(%#04x) = %g, want %g", c.f16, got, c.f32)
		}
	}
}

// FuzzF32ToBF16 compares the rounding with its definition on any float32.
func FuzzF32ToBF16(f *testing.F) {
	for _, u := range []uint32{0, 0x3f808000, 0x3f818000, 0x7f7fffff, 0x7f7f8000, 0x00008000, 0x80018000, 0x7fc00001} {
		f.Add(u)
	}
	f.Fuzz(func(t *testing.T, u uint32) {
		x := math.Float32frombits(u)
		got := F32ToBF16(x)
		if math.IsNaN(float64(x)) {
			if !math.IsNaN(float64(BF16ToF32(got))) {
				t.Fatalf("F32ToBF16(NaN %#08x) = %#04x", u, got)
			}
			return
		}
		if want := refBF16(x); got != want {
			t.Fatalf("F32ToBF16(%g = %#08x) = %#04x, want %#04x", x, u, got, want)
		}
	})
}
