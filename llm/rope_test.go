package llm

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

// TestRopeOfQwen35 checks the spectrum of the real model's config against
// 2π·θ^(2j/R) computed here and the periods the course quotes.
func TestRopeOfQwen35(t *testing.T) {
	r := RopeOf(Qwen35Config())
	if r.Theta != 1e7 || r.HeadDim != 256 || r.Dim != 64 || r.Pairs() != 32 {
		t.Fatalf("Qwen3.5 rope: θ %g, head %d, dim %d, pairs %d", r.Theta, r.HeadDim, r.Dim, r.Pairs())
	}
	for j := range 32 {
		want := 2 * math.Pi * math.Pow(1e7, float64(2*j)/64)
		if got := r.Period(j); math.Abs(got-want) > 1e-6*want {
			t.Errorf("pair %d: period %g, want %g", j, got, want)
		}
	}
	// chapter guide: pair 0 → 6.28, 4 → 47, 8 → 353, 16 → 19,869, 28 → ≈8.4M, 31 → ≈38M tokens
	for j, want := range map[int]float64{0: 6.28, 4: 47, 8: 353, 16: 19869, 28: 8.4e6, 31: 3.8e7} {
		if got := r.Period(j); math.Abs(got-want) > 0.02*want {
			t.Errorf("pair %d: period %.4g tokens, the course says %.4g", j, got, want)
		}
	}
	old := r.MustWithTheta(1e4)
	if old.Dim != 64 || math.Abs(old.Period(31)/(2*math.Pi*math.Pow(1e4, 62.0/64))-1) > 1e-6 {
		t.Errorf("θ = 1e4: dim %d, slowest period %g", old.Dim, old.Period(31))
	}
	for _, bad := range []float64{0, 1, -5, math.NaN(), math.Inf(1)} {
		if _, err := r.WithTheta(bad); err == nil {
			t.Errorf("θ = %v: no error", bad)
		}
	}
}

// TestMRopeReducesToRope checks the interleaved mRoPE layout of Qwen3.5
// ([11, 11, 10]) and that three equal positions give plain RoPE's angles.
func TestMRopeReducesToRope(t *testing.T) {
	r := RopeOf(Qwen35Config())
	s, err := r.Streams()
	if err != nil {
		t.Fatal(err)
	}
	count := [3]int{}
	for _, x := range s {
		count[x]++
	}
	if count != [3]int{11, 11, 10} || !strings.HasPrefix(StreamLetters(s), "THWTHWTHW") || StreamLetters(s)[30:] != "TH" {
		t.Errorf("streams %s: counts %v, want [11 11 10]", StreamLetters(s), count)
	}
	for _, pos := range []int{0, 1, 7, 1000} {
		a := r.MustMRopeAngles(pos, pos, pos)
		for j := range a {
			if a[j] != r.Angle(j, pos) || a[j] != float64(float32(pos)*r.InvFreq[j]) {
				t.Fatalf("pos %d pair %d: mRoPE angle %g, RoPE %g", pos, j, a[j], r.Angle(j, pos))
			}
		}
	}
	// An image patch (different h, w) does not reduce: the H pairs move.
	if a := r.MustMRopeAngles(5, 2, 3); a[1] != r.Angle(1, 2) || a[2] != r.Angle(2, 3) || a[0] != r.Angle(0, 5) {
		t.Errorf("patch angles %v", a[:3])
	}
	for _, bad := range [][]int{{11, 11}, {11, 11, 11}, {-1, 23, 10}} {
		r.Sections = bad
		if _, err := r.Streams(); err == nil {
			t.Errorf("sections %v: no error", bad)
		}
	}
	r.Sections = nil
	if s, _ := r.Streams(); StreamLetters(s) != strings.Repeat("T", 32) {
		t.Errorf("no sections: %s", StreamLetters(s))
	}
}

// rotateRef is the rotation written here in float64 from the spec.
func rotateRef(x []float32, pos int, theta float64, R int) []float64 {
	y := make([]float64, len(x))
	for i, v := range x {
		y[i] = float64(v)
	}
	for j := range R / 2 {
		phi := float64(pos) * math.Pow(theta, -2*float64(j)/float64(R))
		a, b := float64(x[j]), float64(x[j+R/2])
		y[j], y[j+R/2] = a*math.Cos(phi)-b*math.Sin(phi), b*math.Cos(phi)+a*math.Sin(phi)
	}
	return y
}

// TestRopeOnThePass checks Rope against a real pass: Check finds the
// captured rotation reproduced exactly, lengths kept and the other dims
// untouched; Attend recomputes the captured attention weights; and the
// rotation agrees with the float64 reference.
func TestRopeOnThePass(t *testing.T) {
	m := tinyA(t)
	c := m.Config()
	r := m.Rope()
	p := m.MustRun("the cat sat on the mat and the dog")
	n := len(p.IDs)
	for _, l := range c.FullAttentionLayers() {
		lc := p.Capture.Layers[l]
		for _, qk := range []struct {
			before, after [][]float32
			heads         int
		}{{lc.QueryNoRope, lc.Query, c.Heads}, {lc.KeyNoRope, lc.Key, c.KVHeads}} {
			got := r.MustCheck(qk.before, qk.after, qk.heads)
			if got.Vectors != n*qk.heads || got.EngineDiff != 0 || got.UntouchedDiff != 0 || got.PairNormChange > 1e-5 || got.Moved == 0 {
				t.Errorf("layer %d: %+v", l, got)
			}
		}
		// Attend reproduces the engine's attention weights for every head of the last query.
		kPos := make([]int, n)
		for i := range kPos {
			kPos[i] = i
		}
		for h := range c.Heads {
			g := h / (c.Heads / c.KVHeads)
			keys := make([][]float32, n)
			for i := range keys {
				keys[i] = r.Head(lc.KeyNoRope[i], g)
			}
			w := r.MustAttend(r.Head(lc.QueryNoRope[n-1], h), n-1, keys, kPos)
			for i, want := range lc.Attention[h][n-1] {
				if math.Abs(w[i]-float64(want)) > 1e-5 {
					t.Errorf("layer %d head %d key %d: Attend %g, the pass %g", l, h, i, w[i], want)
				}
			}
		}
		// The float64 reference, position by position.
		for pos := range n {
			want := rotateRef(r.Head(lc.QueryNoRope[pos], 0), pos, c.RopeTheta, c.RotaryDim)
			for i, v := range r.Head(lc.Query[pos], 0) {
				if math.Abs(float64(v)-want[i]) > 1e-5 {
					t.Fatalf("layer %d pos %d dim %d: %g, reference %g", l, pos, i, v, want[i])
				}
			}
		}
	}
	if _, err := r.Check(p.Capture.Layers[3].Query, p.Capture.Layers[3].Key, c.Heads); err == nil {
		t.Error("Check of rows with different head counts: no error")
	}
}

// TestRopeRelative checks that the score depends on the offset only, that
// it peaks at offset 0 for q = k, and that Attend with every position 0 is
// the plain softmax of q·k/√D.
func TestRopeRelative(t *testing.T) {
	r := RopeOf(Qwen35Config())
	rng := rand.New(rand.NewPCG(3, 4))
	vec := func() []float32 {
		v := make([]float32, 256)
		for i := range v {
			v[i] = float32(rng.NormFloat64())
		}
		return v
	}
	q, k := vec(), vec()
	for _, mn := range [][2]int{{9, 3}, {50, 0}, {3, 9}} {
		want := r.MustScore(q, mn[0], k, mn[1])
		ref := 0.0
		qr, kr := rotateRef(q, mn[0], 1e7, 64), rotateRef(k, mn[1], 1e7, 64)
		for i := range qr {
			ref += qr[i] * kr[i]
		}
		if math.Abs(want-ref) > 1e-3 {
			t.Errorf("score at (%d, %d) = %g, reference %g", mn[0], mn[1], want, ref)
		}
		for _, s := range []int{1, 100, 5000} {
			if got := r.MustScore(q, mn[0]+s, k, mn[1]+s); math.Abs(got-want) > 2e-3 {
				t.Errorf("(%d, %d) shifted by %d: %g, want %g", mn[0], mn[1], s, got, want)
			}
		}
	}
	ones := make([]float32, 64)
	for i := range ones {
		ones[i] = 1
	}
	peak := r.MustScore(ones, 50, ones, 50)
	if math.Abs(peak-64) > 1e-5 {
		t.Errorf("ones·ones at offset 0 = %g, want 64", peak)
	}
	for n := range 200 {
		if n != 50 && r.MustScore(ones, 50, ones, n) >= peak {
			t.Errorf("offset %d scores as high as offset 0", 50-n)
		}
	}
	keys := [][]float32{q, k, vec()}
	w := r.MustAttend(q, 0, keys, []int{0, 0, 0})
	plain := make([]float64, 3)
	for i, key := range keys {
		plain[i] = Dot(q, key) / 16
	}
	for i, p := range Softmax(plain, 1) {
		if math.Abs(w[i]-p) > 1e-12 {
			t.Errorf("no rotation: weight %d = %g, softmax %g", i, w[i], p)
		}
	}
	if _, err := r.Attend(q, 0, keys, []int{0}); err == nil {
		t.Error("Attend with fewer positions than keys: no error")
	}
	if _, err := r.Score(q, 0, k[:10], 0); err == nil {
		t.Error("Score of vectors of different lengths: no error")
	}
	if _, err := r.Rotate(q, -1); err == nil {
		t.Error("Rotate to position -1: no error")
	}
}

// TestOffsetCosines checks the offset curve against the closed form for
// q = k = ones (mean of cos(Δ·ω_j)) and against Score for a real pair.
func TestOffsetCosines(t *testing.T) {
	r := RopeOf(Qwen35Config())
	ones := make([]float32, 256)
	for i := range ones {
		ones[i] = 1
	}
	got := r.MustOffsetCosines(ones, ones, 200)
	for d, v := range got {
		want := 0.0
		for j := range 32 {
			want += math.Cos(float64(d)*math.Pow(1e7, -float64(j)/32)) / 32
		}
		if math.Abs(v-want) > 1e-5 {
			t.Fatalf("offset %d: %g, closed form %g", d, v, want)
		}
	}
	if got[0] < 0.99999 || got[200] > got[0] {
		t.Errorf("offset 0: %g, offset 200: %g", got[0], got[200])
	}
	rng := rand.New(rand.NewPCG(8, 9))
	q, k := make([]float32, 256), make([]float32, 256)
	for i := range q {
		q[i], k[i] = float32(rng.NormFloat64()), float32(rng.NormFloat64())
	}
	cs := r.MustOffsetCosines(q, k, 50)
	qr, kr := q[:64:64], k[:64:64]
	for _, d := range []int{0, 7, 50} {
		want := r.MustScore(qr, 1000+d, kr, 1000) / (Norm(qr) * Norm(kr))
		if math.Abs(cs[d]-want) > 1e-4 {
			t.Errorf("offset %d: %g, Score at (1000+%d, 1000) gives %g", d, cs[d], d, want)
		}
	}
	if _, err := r.OffsetCosines(q[:10], k, 5); err == nil {
		t.Error("short q: no error")
	}
	if _, err := r.OffsetCosines(make([]float32, 64), k, 5); err == nil {
		t.Error("zero q: no error")
	}
	if _, err := r.OffsetCosines(q, k, -1); err == nil {
		t.Error("negative offset: no error")
	}
	heads := r.Heads([][]float32{make([]float32, 512)}, 1)
	if len(heads) != 1 || len(heads[0]) != 256 {
		t.Errorf("Heads: %d rows of %d", len(heads), len(heads[0]))
	}
}
