package train

import "math"

// AdamWConfig holds the optimiser's hyperparameters.
type AdamWConfig struct {
	Beta1, Beta2 float64 // moment decay rates (0.9, 0.95 if zero)
	Eps          float64 // denominator guard (1e-8 if zero)
	WeightDecay  float64 // decoupled weight decay λ; applied to matrices and embeddings only
}

// AdamW is Adam with decoupled weight decay (Loshchilov & Hutter). Its
// moments M and V have the model's flat layout; Step counts updates taken.
type AdamW[F Float] struct {
	AdamWConfig
	M, V  []F
	Steps int
	decay []bool // per parameter tensor: weight decay applies
	ts    []Tensor
}

// NewAdamW returns an optimiser for m with zero moments.
func NewAdamW[F Float](m *Model[F], cfg AdamWConfig) *AdamW[F] {
	if cfg.Beta1 == 0 {
		cfg.Beta1 = 0.9
	}
	if cfg.Beta2 == 0 {
		cfg.Beta2 = 0.95
	}
	if cfg.Eps == 0 {
		cfg.Eps = 1e-8
	}
	return &AdamW[F]{AdamWConfig: cfg, M: make([]F, len(m.Params)), V: make([]F, len(m.Params)), ts: m.Tensors}
}

// Step applies one update with learning rate lr to params using grad:
//
//	m ← β1·m + (1−β1)·g,  v ← β2·v + (1−β2)·g²
//	p ← p − lr·( m̂ / (sqrt(v̂) + ε) + λ·p )   (λ only where Tensor.Decay)
//
// with the bias-corrected m̂ = m/(1−β1ᵗ) and v̂ = v/(1−β2ᵗ).
func (o *AdamW[F]) Step(params, grad []F, lr float64) {
	o.Steps++
	b1, b2 := o.Beta1, o.Beta2
	c1 := 1 - math.Pow(b1, float64(o.Steps))
	c2 := 1 - math.Pow(b2, float64(o.Steps))
	for _, t := range o.ts {
		wd := 0.0
		if t.Decay {
			wd = o.WeightDecay
		}
		p, g := params[t.Off:t.Off+t.Size], grad[t.Off:t.Off+t.Size]
		m, v := o.M[t.Off:t.Off+t.Size], o.V[t.Off:t.Off+t.Size]
		for i := range p {
			gi := float64(g[i])
			mi := b1*float64(m[i]) + (1-b1)*gi
			vi := b2*float64(v[i]) + (1-b2)*gi*gi
			m[i], v[i] = F(mi), F(vi)
			upd := (mi/c1)/(math.Sqrt(vi/c2)+o.Eps) + wd*float64(p[i])
			p[i] = F(float64(p[i]) - lr*upd)
		}
	}
}

// GlobalNorm is the L2 norm of a gradient over all tensors, accumulated in
// float64 in a fixed order.
func GlobalNorm[F Float](grad []F) float64 {
	var s float64
	for _, g := range grad {
		s += float64(g) * float64(g)
	}
	return math.Sqrt(s)
}

// ClipGlobalNorm scales grad so that its global norm is at most maxNorm and
// returns the norm before clipping (log that one). maxNorm ≤ 0 disables
// clipping.
func ClipGlobalNorm[F Float](grad []F, maxNorm float64) float64 {
	n := GlobalNorm(grad)
	if maxNorm > 0 && n > maxNorm {
		s := F(maxNorm / n)
		for i := range grad {
			grad[i] *= s
		}
	}
	return n
}

// Schedule is a learning-rate schedule: linear warmup from 0 to Peak over
// Warmup steps, then cosine decay to Min at step Total.
type Schedule struct {
	Peak, Min     float64
	Warmup, Total int
}

// LR returns the learning rate for step (0-based).
func (s Schedule) LR(step int) float64 {
	if step < s.Warmup {
		return s.Peak * float64(step+1) / float64(s.Warmup)
	}
	if s.Total <= s.Warmup || step >= s.Total {
		if step >= s.Total && s.Total > s.Warmup {
			return s.Min
		}
		return s.Peak
	}
	p := float64(step-s.Warmup) / float64(s.Total-s.Warmup)
	return s.Min + (s.Peak-s.Min)*0.5*(1+math.Cos(math.Pi*p))
}
