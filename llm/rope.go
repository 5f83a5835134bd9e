package llm

import (
	"fmt"
	"math"
	"strings"

	"github.com/how-llms-work/course/llm/model"
)

// Rope is a model's rotary position embedding (RoPE), read from its config:
// the first Dim values of every query and key head are taken as Dim/2 pairs
// (j, j+Dim/2), "rotate-half" layout, and pair j is turned by pos·InvFreq[j]
// radians at position pos. The other HeadDim−Dim values are not rotated.
// Rotate and Apply use the engine's own code, so they give bit for bit the
// vectors the forward pass uses.
type Rope struct {
	Theta   float64   // rope_theta, the base: InvFreq[j] = Theta^(−2j/Dim)
	HeadDim int       // values per query/key head
	Dim     int       // values rotated per head: HeadDim × partial_rotary_factor
	InvFreq []float32 // each pair's angle per token in radians, as the engine computes it
	// Sections is the config's mrope_section: how many pairs take the
	// temporal, height and width position (nil: plain RoPE).
	Sections []int

	engine model.Rope
}

// Rope returns the rotary embedding m's full-attention layers apply.
func (m *Model) Rope() Rope { return RopeOf(m.Config()) }

// RopeOf returns the rotary embedding of a model with config c (for
// example Qwen35Config(), the real model's).
func RopeOf(c *Config) Rope {
	e := model.NewRope(c)
	return Rope{Theta: c.RopeTheta, HeadDim: c.HeadDim, Dim: e.Dim(), InvFreq: e.InvFreq(),
		Sections: append([]int(nil), c.MRopeSection...), engine: e}
}

// WithTheta returns the same embedding with another base θ (to compare
// Qwen3.5's 1e7 with the original transformer's 1e4, say).
func (r Rope) WithTheta(theta float64) (Rope, error) {
	if !(theta > 1) || math.IsInf(theta, 0) {
		return Rope{}, fmt.Errorf("llm: rope θ = %v: want a finite base > 1", theta)
	}
	c := &Config{HeadDim: r.HeadDim, RotaryDim: r.Dim, RopeTheta: theta, MRopeSection: r.Sections}
	return RopeOf(c), nil
}

// MustWithTheta is WithTheta for notebook cells: it panics on error.
func (r Rope) MustWithTheta(theta float64) Rope { return must(r.WithTheta(theta)) }

// Pairs returns the number of rotated pairs, Dim/2.
func (r Rope) Pairs() int { return len(r.InvFreq) }

// Period returns how many tokens pair j takes to turn once: 2π / InvFreq[j].
func (r Rope) Period(j int) float64 { return 2 * math.Pi / float64(r.InvFreq[j]) }

// Angle returns the angle in radians pair j is turned by at position pos,
// as the engine computes it (pos·InvFreq[j] in float32).
func (r Rope) Angle(j, pos int) float64 { return float64(float32(pos) * r.InvFreq[j]) }

// Rotate returns a copy of one head x (HeadDim values, or at least Dim)
// rotated to position pos, exactly as the forward pass rotates it.
func (r Rope) Rotate(x []float32, pos int) ([]float32, error) {
	y := append([]float32(nil), x...)
	if err := r.engine.Apply(y, pos); err != nil {
		return nil, fmt.Errorf("llm: %w", err)
	}
	return y, nil
}

// MustRotate is Rotate for notebook cells: it panics on error.
func (r Rope) MustRotate(x []float32, pos int) []float32 { return must(r.Rotate(x, pos)) }

// PairNorms returns the length of each rotated pair of x, √(x_j² + x_{j+Dim/2}²).
func (r Rope) PairNorms(x []float32) []float64 {
	h := r.Pairs()
	out := make([]float64, h)
	for j := range out {
		out[j] = math.Hypot(float64(x[j]), float64(x[j+h]))
	}
	return out
}

// Score returns q·k after rotating q to position qPos and k to kPos: the
// raw attention score of a full-attention head before the 1/√HeadDim scale.
func (r Rope) Score(q []float32, qPos int, k []float32, kPos int) (float64, error) {
	if len(q) != len(k) {
		return 0, fmt.Errorf("llm: rope score: q has %d values, k %d", len(q), len(k))
	}
	qr, err := r.Rotate(q, qPos)
	if err != nil {
		return 0, err
	}
	kr, err := r.Rotate(k, kPos)
	if err != nil {
		return 0, err
	}
	return Dot(qr, kr), nil
}

// MustScore is Score for notebook cells: it panics on error.
func (r Rope) MustScore(q []float32, qPos int, k []float32, kPos int) float64 {
	return must(r.Score(q, qPos, k, kPos))
}

// Attend returns the attention weights of a query at position qPos over
// keys at positions kPos: softmax(q·k/√len(q)) after rotating each to its
// position, the way a full-attention head weighs them. With every position
// 0 nothing is rotated: attention without position information.
func (r Rope) Attend(q []float32, qPos int, keys [][]float32, kPos []int) ([]float64, error) {
	if len(keys) != len(kPos) || len(keys) == 0 {
		return nil, fmt.Errorf("llm: rope attend: %d keys and %d positions: want one position per key, at least one key", len(keys), len(kPos))
	}
	scores := make([]float64, len(keys))
	for i, k := range keys {
		s, err := r.Score(q, qPos, k, kPos[i])
		if err != nil {
			return nil, fmt.Errorf("llm: rope attend: key %d: %w", i, err)
		}
		scores[i] = s / math.Sqrt(float64(len(q)))
	}
	return Softmax(scores, 1), nil
}

// MustAttend is Attend for notebook cells: it panics on error.
func (r Rope) MustAttend(q []float32, qPos int, keys [][]float32, kPos []int) []float64 {
	return must(r.Attend(q, qPos, keys, kPos))
}

// RopeCheck is what Check measured, comparing vectors captured before and
// after the rotation.
type RopeCheck struct {
	Vectors int // heads × positions compared
	// EngineDiff is the largest |Rotate(before, t) − after|: 0 when Rotate
	// reproduces the forward pass exactly.
	EngineDiff float64
	// PairNormChange is the largest relative change of a rotated pair's
	// length (rotation keeps lengths: float32 rounding only).
	PairNormChange float64
	// UntouchedDiff is the largest change of a value past Dim (0: those
	// values are not rotated at all).
	UntouchedDiff float64
	// Moved counts the rotated values that changed: 0 at position 0.
	Moved int
}

// Check compares rows captured before (before[t]) and after (after[t]) the
// rotation, each [heads·HeadDim] head-major as LayerCapture keeps them, row
// t at position t (a capture that started on an empty state).
func (r Rope) Check(before, after [][]float32, heads int) (RopeCheck, error) {
	var c RopeCheck
	if len(before) != len(after) {
		return c, fmt.Errorf("llm: rope check: %d rows before, %d after", len(before), len(after))
	}
	D, h := r.HeadDim, r.Pairs()
	for t := range before {
		if len(before[t]) != heads*D || len(after[t]) != heads*D {
			return c, fmt.Errorf("llm: rope check: row %d has %d and %d values: want %d heads × %d", t, len(before[t]), len(after[t]), heads, D)
		}
		for hd := range heads {
			b, a := before[t][hd*D:(hd+1)*D], after[t][hd*D:(hd+1)*D]
			rot, err := r.Rotate(b, t)
			if err != nil {
				return c, err
			}
			c.Vectors++
			for i := range a {
				d := math.Abs(float64(rot[i] - a[i]))
				c.EngineDiff = max(c.EngineDiff, d)
				if i >= r.Dim {
					c.UntouchedDiff = max(c.UntouchedDiff, math.Abs(float64(a[i]-b[i])))
				} else if a[i] != b[i] {
					c.Moved++
				}
			}
			nb, na := r.PairNorms(b), r.PairNorms(a)
			for j := range h {
				if nb[j] > 0 {
					c.PairNormChange = max(c.PairNormChange, math.Abs(na[j]-nb[j])/nb[j])
				}
			}
		}
	}
	return c, nil
}

// MustCheck is Check for notebook cells: it panics on error.
func (r Rope) MustCheck(before, after [][]float32, heads int) RopeCheck {
	return must(r.Check(before, after, heads))
}

// The three position streams of multimodal RoPE (mRoPE).
const (
	StreamT = 0 // temporal: the token's index in the text
	StreamH = 1 // height, for image patches
	StreamW = 2 // width, for image patches
)

// Streams says which position stream each pair reads under Qwen3.5's
// interleaved mRoPE: pair j takes the height position when j ≡ 1 (mod 3)
// and j < 3·Sections[1], the width when j ≡ 2 (mod 3) and j < 3·Sections[2],
// and the temporal position otherwise, so that stream s serves Sections[s]
// pairs. Without Sections every pair reads the temporal position.
func (r Rope) Streams() ([]int, error) {
	out := make([]int, r.Pairs())
	if len(r.Sections) == 0 {
		return out, nil
	}
	if len(r.Sections) != 3 || min(r.Sections[0], r.Sections[1], r.Sections[2]) < 0 || r.Sections[0]+r.Sections[1]+r.Sections[2] != r.Pairs() {
		return nil, fmt.Errorf("llm: mrope_section %v: want three counts summing to the %d rotated pairs", r.Sections, r.Pairs())
	}
	for j := range out {
		switch {
		case j%3 == 1 && j < 3*r.Sections[1]:
			out[j] = StreamH
		case j%3 == 2 && j < 3*r.Sections[2]:
			out[j] = StreamW
		}
	}
	return out, nil
}

// MustStreams is Streams for notebook cells: it panics on error.
func (r Rope) MustStreams() []int { return must(r.Streams()) }

// StreamLetters writes Streams as one letter per pair, "THWTHW…".
func StreamLetters(streams []int) string {
	var b strings.Builder
	for _, s := range streams {
		b.WriteByte("THW"[s])
	}
	return b.String()
}

// MRopeAngles returns each pair's angle for a token whose three positions
// are (t, h, w): pair j turns by pos[stream j]·InvFreq[j]. A text token has
// t = h = w = its index, and then these are exactly the angles of plain
// RoPE at that index.
func (r Rope) MRopeAngles(t, h, w int) ([]float64, error) {
	streams, err := r.Streams()
	if err != nil {
		return nil, err
	}
	pos := [3]int{t, h, w}
	out := make([]float64, len(streams))
	for j, s := range streams {
		out[j] = r.Angle(j, pos[s])
	}
	return out, nil
}

// MustMRopeAngles is MRopeAngles for notebook cells: it panics on error.
func (r Rope) MustMRopeAngles(t, h, w int) []float64 { return must(r.MRopeAngles(t, h, w)) }

// Head returns head h of a captured row [heads·HeadDim] (a view, not a copy).
func (r Rope) Head(row []float32, h int) []float32 { return row[h*r.HeadDim : (h+1)*r.HeadDim] }

// Heads returns head h of every captured row (rows [token][heads·HeadDim],
// as LayerCapture keeps queries and keys): one vector per token, views
// into the rows.
func (r Rope) Heads(rows [][]float32, h int) [][]float32 {
	out := make([][]float32, len(rows))
	for t, row := range rows {
		out[t] = r.Head(row, h)
	}
	return out
}

// OffsetCosines returns, for each offset Δ = 0 … maxOffset, the cosine
// between the rotated parts of q and k (their first Dim values) when q
// sits Δ positions after k: q[:Dim] rotated by Δ, against k[:Dim]. That
// is the rotary part of the attention score, scaled to [−1, 1], and by the
// relative-position property it is the same wherever the pair sits.
func (r Rope) OffsetCosines(q, k []float32, maxOffset int) ([]float64, error) {
	if len(q) < r.Dim || len(k) < r.Dim {
		return nil, fmt.Errorf("llm: rope offset cosines: q has %d values, k %d: want at least %d", len(q), len(k), r.Dim)
	}
	if maxOffset < 0 {
		return nil, fmt.Errorf("llm: rope offset cosines: max offset %d: want ≥ 0", maxOffset)
	}
	qr, kr := q[:r.Dim], k[:r.Dim]
	norm := Norm(qr) * Norm(kr)
	if norm == 0 {
		return nil, fmt.Errorf("llm: rope offset cosines: the rotated part of q or k is zero")
	}
	out := make([]float64, maxOffset+1)
	for d := range out {
		y, err := r.Rotate(qr, d)
		if err != nil {
			return nil, err
		}
		out[d] = Dot(y, kr) / norm
	}
	return out, nil
}

// MustOffsetCosines is OffsetCosines for notebook cells: it panics on error.
func (r Rope) MustOffsetCosines(q, k []float32, maxOffset int) []float64 {
	return must(r.OffsetCosines(q, k, maxOffset))
}

// must returns v, or panics with err: the body of a Must… form for notebook cells.
func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
