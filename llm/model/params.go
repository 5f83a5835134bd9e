package model

// Params is the parameter accounting of a config, computed tensor by tensor
// from Tensors.
type Params struct {
	Text       int64 // the text model (tied LM head counted once)
	Vision     int64 // the vision tower
	MTP        int64 // the multi-token-prediction head
	TextVision int64 // text + vision: what transformers' model.parameters() counts
	Stored     int64 // everything stored in the checkpoint (text + vision + MTP)

	StoredBytes int64 // bytes of all stored tensors in their published dtypes

	// Per-component breakdown of the text model. They sum to Text.
	Embedding int64 // token embedding (= LM head when tied)
	LMHead    int64 // an untied LM head (0 when tied)
	DeltaNet  int64 // all Gated DeltaNet mixers
	Attention int64 // all gated full-attention mixers
	MLP       int64 // all SwiGLU MLPs
	Norms     int64 // the per-layer norms and the final norm

	// Per-layer parameters of the text model (mixer + MLP + the layer's two norms).
	PerLayer []int64
}

// Params counts the parameters of the model described by c.
func (c *Config) Params() Params {
	p := Params{PerLayer: make([]int64, c.Layers)}
	for _, t := range c.Tensors() {
		n := t.Len()
		p.Stored += n
		p.StoredBytes += n * int64(t.DType.Size())
		switch t.Part {
		case PartVision:
			p.Vision += n
			continue
		case PartMTP:
			p.MTP += n
			continue
		}
		p.Text += n
		switch t.Component {
		case CompEmbedding:
			p.Embedding += n
		case CompLMHead:
			p.LMHead += n
		case CompDeltaNet:
			p.DeltaNet += n
		case CompAttention:
			p.Attention += n
		case CompMLP:
			p.MLP += n
		case CompNorm:
			p.Norms += n
		}
		if t.Layer >= 0 {
			p.PerLayer[t.Layer] += n
		}
	}
	p.TextVision = p.Text + p.Vision
	return p
}

// ParamRow is one line of the accounting table.
type ParamRow struct {
	Name  string
	Count int64
}

// Rows returns the accounting as named rows, components first, then the
// totals, in the order a notebook or the command line prints them.
func (p Params) Rows() []ParamRow {
	return []ParamRow{
		{"embedding", p.Embedding},
		{"lm_head", p.LMHead},
		{"deltanet", p.DeltaNet},
		{"attention", p.Attention},
		{"mlp", p.MLP},
		{"norms", p.Norms},
		{"text", p.Text},
		{"vision", p.Vision},
		{"mtp", p.MTP},
		{"text+vision", p.TextVision},
		{"stored", p.Stored},
	}
}
