package model

import (
	"math"
	"math/rand/v2"
	"testing"
)

// rotate64 is the rotary embedding written from the spec (§6.3) in
// float64, independently of rope.apply: inv_freq[j] = θ^(−2j/R), pairs
// (j, j+R/2) turned by pos·inv_freq[j].
func rotate64(x []float32, pos int, theta float64, R int) []float64 {
	y := make([]float64, len(x))
	for i, v := range x {
		y[i] = float64(v)
	}
	for j := range R / 2 {
		phi := float64(pos) * math.Pow(theta, -2*float64(j)/float64(R))
		a, b := float64(x[j]), float64(x[j+R/2])
		y[j] = a*math.Cos(phi) - b*math.Sin(phi)
		y[j+R/2] = b*math.Cos(phi) + a*math.Sin(phi)
	}
	return y
}

func randVec(rng *rand.Rand, n int) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(rng.NormFloat64())
	}
	return v
}

func dot64(a, b []float64) float64 {
	var s float64
	for i := range a {
		s += a[i] * b[i]
	}
	return s
}

// TestRopeMatchesSpec checks Rope.Apply against the float64 reference for
// Qwen3.5-0.8B's sizes (θ = 1e7, 64 of 256 dims) at positions up to 10,000.
func TestRopeMatchesSpec(t *testing.T) {
	c := MustLoadConfig("testdata/qwen35-0.8b-config.json")
	r := NewRope(c)
	if r.Dim() != 64 || len(r.InvFreq()) != 32 || r.InvFreq()[0] != 1 {
		t.Fatalf("Qwen3.5 rope: dim %d, %d frequencies, first %g", r.Dim(), len(r.InvFreq()), r.InvFreq()[0])
	}
	rng := rand.New(rand.NewPCG(6, 6))
	for _, pos := range []int{0, 1, 2, 17, 255, 4096, 10000} {
		x := randVec(rng, c.HeadDim)
		want := rotate64(x, pos, 1e7, 64)
		got := append([]float32(nil), x...)
		if err := r.Apply(got, pos); err != nil {
			t.Fatal(err)
		}
		for i := range got {
			// float32 angles: |error| ≲ pos·2⁻²⁴ rad on a value of size ~3.
			if d := math.Abs(float64(got[i]) - want[i]); d > 1e-5+float64(pos)*4e-7 {
				t.Fatalf("pos %d dim %d: %g, want %g", pos, i, got[i], want[i])
			}
			if i >= 64 && got[i] != x[i] {
				t.Fatalf("pos %d: dim %d changed (%g → %g): only the first 64 rotate", pos, i, x[i], got[i])
			}
		}
	}
	if err := r.Apply(make([]float32, 63), 1); err == nil {
		t.Error("no error for a vector shorter than the rotated dims")
	}
	if err := r.Apply(make([]float32, 64), -1); err == nil {
		t.Error("no error for a negative position")
	}
}

// TestRopeProperties checks, on the engine's code, the two facts chapter 6
// rests on: each pair keeps its norm, and the dot product of a rotated q
// and k depends only on the offset between their positions.
func TestRopeProperties(t *testing.T) {
	c := MustLoadConfig("testdata/qwen35-0.8b-config.json")
	r := NewRope(c)
	rng := rand.New(rand.NewPCG(1, 2))
	q, k := randVec(rng, c.HeadDim), randVec(rng, c.HeadDim)
	rot := func(x []float32, pos int) []float64 {
		y := append([]float32(nil), x...)
		if err := r.Apply(y, pos); err != nil {
			t.Fatal(err)
		}
		out := make([]float64, len(y))
		for i, v := range y {
			out[i] = float64(v)
		}
		return out
	}
	for _, pos := range []int{1, 5, 300} {
		y := rot(q, pos)
		for j := range 32 {
			before := math.Hypot(float64(q[j]), float64(q[j+32]))
			after := math.Hypot(y[j], y[j+32])
			if math.Abs(after-before) > 1e-5*max(before, 1) {
				t.Errorf("pos %d pair %d: norm %g → %g", pos, j, before, after)
			}
		}
	}
	for _, mn := range [][2]int{{5, 2}, {40, 0}, {7, 7}, {100, 37}} {
		want := dot64(rot(q, mn[0]), rot(k, mn[1]))
		for _, s := range []int{1, 13, 500} {
			got := dot64(rot(q, mn[0]+s), rot(k, mn[1]+s))
			if math.Abs(got-want) > 1e-3 {
				t.Errorf("q at %d, k at %d: q·k = %.6f; both shifted by %d: %.6f", mn[0], mn[1], want, s, got)
			}
		}
		// and it does depend on the offset: another offset gives another score
		if other := dot64(rot(q, mn[0]+1), rot(k, mn[1])); math.Abs(other-want) < 1e-3 {
			t.Errorf("q·k at offsets %d and %d agree (%g): the rotation does nothing", mn[0]-mn[1], mn[0]-mn[1]+1, want)
		}
	}
}

// TestRopeIsTheForwardPass checks that Model.Rope rotates a captured
// pre-RoPE query or key into exactly (bit for bit) what the pass used.
func TestRopeIsTheForwardPass(t *testing.T) {
	m := openTiny(t, "tiny-c")
	c := m.Config()
	var capt Capture
	if _, err := m.ForwardCapture(m.NewState(), seq[:9], &capt); err != nil {
		t.Fatal(err)
	}
	r, D := m.Rope(), c.HeadDim
	if r.Dim() != c.RotaryDim {
		t.Fatalf("rope dim %d, config %d", r.Dim(), c.RotaryDim)
	}
	for _, l := range c.FullAttentionLayers() {
		lc := capt.Layers[l]
		for pos := range 9 {
			for h := range c.Heads {
				x := append([]float32(nil), lc.QueryNoRope[pos][h*D:(h+1)*D]...)
				if err := r.Apply(x, pos); err != nil {
					t.Fatal(err)
				}
				if d := maxDiff(x, lc.Query[pos][h*D:(h+1)*D]); d != 0 {
					t.Errorf("layer %d pos %d head %d: Rope.Apply differs from the pass by %g", l, pos, h, d)
				}
			}
			for g := range c.KVHeads {
				x := append([]float32(nil), lc.KeyNoRope[pos][g*D:(g+1)*D]...)
				if err := r.Apply(x, pos); err != nil {
					t.Fatal(err)
				}
				if d := maxDiff(x, lc.Key[pos][g*D:(g+1)*D]); d != 0 {
					t.Errorf("layer %d pos %d kv head %d: Rope.Apply differs from the pass by %g", l, pos, g, d)
				}
			}
		}
	}
}
