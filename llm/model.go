package llm

import (
	"fmt"

	"github.com/how-llms-work/course/llm/model"
	"github.com/how-llms-work/course/llm/safetensors"
	"github.com/how-llms-work/course/llm/tokenizer"
)

// Config is a model's architecture, read from its config.json: sizes, the
// kind of each layer (Gated DeltaNet or full attention), vocabulary, RoPE.
type Config = model.Config

// Params is a parameter count with its breakdown by component (embedding,
// DeltaNet and attention mixers, MLPs, norms; text, vision, stored).
type Params = model.Params

// LayerType names a layer's token mixer: LinearAttention (Gated DeltaNet)
// or FullAttention.
type LayerType = model.LayerType

// The two kinds of layer of a Qwen3.5 model.
const (
	LinearAttention = model.LinearAttention // Gated DeltaNet: a fixed-size state
	FullAttention   = model.FullAttention   // softmax attention with a KV cache
)

// Capture holds the activations of every layer of one forward pass (see
// Pass.Capture).
type Capture = model.Capture

// Model is a loaded language model: the network, its tokenizer, and where
// it came from. Make one with Load or MustLoad.
type Model struct {
	Name   string // what was asked for: "tiny", "Qwen/Qwen3.5-0.8B", a folder
	Source string // where it came from: "embedded", "cache", "download", "folder"
	Dir    string // the folder holding its files ("" for the embedded model)

	// Untrained is true for random-weight models, whose output is noise.
	Untrained bool

	Net *model.Model         // the network (engine)
	Tok *tokenizer.Tokenizer // its tokenizer

	files []*safetensors.File // memory-mapped weights, closed by Close
}

// String says which model this is, in one line, e.g.
// "Qwen/Qwen3.5-0.8B: 752,393,024 parameters in the text model (852,985,920
// with the vision tower), 24 layers, vocabulary 248,320, from …".
func (m *Model) String() string {
	if m == nil || m.Net == nil {
		return "no model"
	}
	cfg := m.Net.Config()
	p := cfg.Params()
	s := fmt.Sprintf("%s: %s parameters", m.Name, commas(p.Text))
	if p.Vision > 0 {
		s += fmt.Sprintf(" in the text model (%s with the vision tower)", commas(p.TextVision))
	}
	s += fmt.Sprintf(", %d layers, vocabulary %s", cfg.Layers, commas(int64(m.Vocab())))
	switch m.Source {
	case "embedded":
		s += ", embedded in the course code"
	case "cache":
		s += ", from the Hugging Face cache " + m.Dir
	case "download":
		s += ", downloaded to " + m.Dir
	case "folder":
		s += ", from " + m.Dir
	}
	if m.Untrained {
		s += " — untrained tiny model: random weights, its text is gibberish"
	}
	return s
}

// Config returns the model's configuration (sizes, layer kinds, …).
func (m *Model) Config() *Config { return m.Net.Config() }

// Params returns the parameter count with its breakdown by component.
func (m *Model) Params() Params { return m.Net.Config().Params() }

// WeightBytes is the number of bytes of weights one forward step reads.
func (m *Model) WeightBytes() int64 { return m.Net.WeightBytes() }

// Encode returns the token ids of text. Special tokens written in the
// text, such as <|im_start|>, become their ids.
func (m *Model) Encode(text string) []int { return m.Tok.Encode(text) }

// Decode returns the text of token ids.
func (m *Model) Decode(ids []int) string { return m.Tok.Decode(ids) }

// Piece returns one token as readable text, e.g. " cat".
func (m *Model) Piece(id int) string { return m.Tok.Piece(id) }

// Pieces returns the readable text of each id.
func (m *Model) Pieces(ids []int) []string { return m.Tok.Pieces(ids) }

// Vocab returns the number of logits the model produces per position.
func (m *Model) Vocab() int { return m.Net.Config().Vocab }

// Forward runs the model over ids from an empty context and returns the
// logits predicting the token after the last one: one score per vocabulary
// entry. The error says what is wrong with ids (empty, out of range, longer
// than the context).
func (m *Model) Forward(ids []int) ([]float32, error) {
	if len(ids) == 0 {
		return nil, fmt.Errorf("llm: no token ids: encode some text first, e.g. m.Encode(\"The cat sat on the\")")
	}
	return m.Net.Forward(m.Net.NewState(), ids)
}

// Logits is Forward for notebook cells: it panics with Forward's error.
func (m *Model) Logits(ids []int) []float32 {
	l, err := m.Forward(ids)
	if err != nil {
		panic(err)
	}
	return l
}

// Top returns the k most likely next tokens after logits, best first, with
// their pieces, logits and probabilities (see TopCandidates).
func (m *Model) Top(logits []float32, k int) []Candidate {
	return TopCandidates(logits, k, m.Piece)
}

// LogitsAll runs the model over ids and returns the logits at every
// position, one row of Vocab() scores per id: row i predicts the token
// after ids[i].
func (m *Model) LogitsAll(ids []int) ([][]float32, error) {
	if len(ids) == 0 {
		return nil, fmt.Errorf("llm: no token ids: encode some text first")
	}
	flat, err := m.Net.ForwardAll(m.Net.NewState(), ids)
	if err != nil {
		return nil, err
	}
	v := m.Vocab()
	rows := make([][]float32, len(ids))
	for i := range rows {
		rows[i] = flat[i*v : (i+1)*v : (i+1)*v]
	}
	return rows, nil
}

// Close releases the memory-mapped weights. The model must not be used
// afterwards.
func (m *Model) Close() error {
	err := m.Net.Close()
	for _, f := range m.files {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}
	m.files = nil
	return err
}

// commas formats n with thousands separators: 852985920 → "852,985,920".
func commas(n int64) string {
	s := fmt.Sprint(n)
	neg := s[0] == '-'
	if neg {
		s = s[1:]
	}
	var out []byte
	for i := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			out = append(out, ',')
		}
		out = append(out, s[i])
	}
	if neg {
		return "-" + string(out)
	}
	return string(out)
}
