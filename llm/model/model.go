package model

import (
	"fmt"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"

	"github.com/how-llms-work/course/llm/safetensors"
	"github.com/how-llms-work/course/llm/simd"
)

// Model is a loaded Qwen3.5 text model. Its large weights are views of the
// memory-mapped checkpoint (BF16 stays BF16); only the tiny tensors (norms,
// gates, conv taps) are widened to float32 at load. A Model may be shared by
// many States and goroutines: passes are serialised (the kernels use every
// thread already). A State must not be used by two passes at once.
type Model struct {
	cfg     *Config
	files   []*safetensors.File
	owned   bool // Close closes files
	tensors map[string]*safetensors.Tensor
	prefix  string // name prefix of the text tensors in the files

	embed  Linear  // [Vocab, Hidden]; also the LM head when tied
	lmHead *Linear // untied head, or nil
	norm   []float32
	layers []layer
	rope   rope

	mu   sync.Mutex // held during a pass: the kernel pool serves one caller at a time
	pool *simd.Pool

	resident *residentMem // the matrices' own copy, after MakeResident
	chunkMin int          // shortest DeltaNet pass run in the chunked form (deltaChunkMin)
}

// layer holds one decoder layer's weights.
type layer struct {
	full                bool
	inputNorm, postNorm []float32

	// full attention
	q, k, v, o   Linear
	qNorm, kNorm []float32

	// Gated DeltaNet
	qkv, z, b, a, out  Linear
	conv               []float32 // tap-major [ConvKernel][ConvDim] (the checkpoint's [ConvDim][1][ConvKernel] transposed)
	dtBias, aLog, norm []float32

	// MLP
	gate, up, down Linear
}

// Open loads the model in dir: config.json plus model.safetensors or the
// shards of model.safetensors.index.json, memory-mapped.
func Open(dir string) (*Model, error) {
	cfg, err := LoadConfig(filepath.Join(dir, "config.json"))
	if err != nil {
		return nil, err
	}
	files, err := safetensors.OpenDir(dir)
	if err != nil {
		return nil, err
	}
	m, err := New(cfg, files...)
	if err != nil {
		for _, f := range files {
			f.Close()
		}
		return nil, err
	}
	m.owned = true
	return m, nil
}

// MustOpen is Open for notebook cells: it panics on error.
func MustOpen(dir string) *Model {
	m, err := Open(dir)
	if err != nil {
		panic(err)
	}
	return m
}

// New builds a model from a config and already opened safetensors files
// (for example FromBytes over embedded data). Text tensors may be named
// model.language_model.* (the published checkpoint) or model.*; vision
// (model.visual.*) and MTP (mtp.*) tensors are ignored. Every text tensor's
// shape and dtype is checked against the config. The caller keeps ownership
// of the files: Close does not close them.
func New(cfg *Config, files ...*safetensors.File) (*Model, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	m := &Model{cfg: cfg, files: files, tensors: map[string]*safetensors.Tensor{}, rope: newRope(cfg), chunkMin: deltaChunkMin}
	m.pool = simd.NewPool(runtime.GOMAXPROCS(0))
	for _, f := range files {
		for _, t := range f.Tensors() {
			if prev, dup := m.tensors[t.Name]; dup {
				return nil, fmt.Errorf("model: tensor %q is in both %s and %s", t.Name, fileOf(files, prev), f.Name)
			}
			m.tensors[t.Name] = t
		}
	}
	m.prefix = TextPrefixOf(func(name string) bool { return m.tensors[name] != nil })

	// Look up and check every text tensor the config implies.
	byShort := map[string]*safetensors.Tensor{}
	for _, spec := range cfg.Tensors() {
		if spec.Part != PartText {
			continue
		}
		short := strings.TrimPrefix(spec.Name, TextPrefix)
		name := spec.Name
		if spec.Role != RoleLMHead {
			name = m.prefix + short
		}
		t := m.tensors[name]
		if t == nil {
			return nil, fmt.Errorf("model: %s: tensor %q: missing (config needs shape %v)", filesNames(files), name, spec.Shape)
		}
		if !slices.Equal(t.Shape, spec.Shape) {
			return nil, fmt.Errorf("model: %s: tensor %q: shape %v, config needs %v", fileOf(files, t), name, t.Shape, spec.Shape)
		}
		switch t.DType {
		case safetensors.BF16, safetensors.F16, safetensors.F32:
		default:
			return nil, fmt.Errorf("model: %s: tensor %q: dtype %s, want BF16, F16 or F32", fileOf(files, t), name, t.DType)
		}
		byShort[short] = t
	}
	// A text tensor the config does not know means config and weights do
	// not belong together (say, more layers than num_hidden_layers).
	for name, t := range m.tensors {
		short, ok := strings.CutPrefix(name, m.prefix)
		if !ok || strings.HasPrefix(name, VisionPrefix) || byShort[short] != nil {
			continue
		}
		if m.prefix == TextOnlyPrefix && strings.HasPrefix(name, TextPrefix) {
			continue
		}
		return nil, fmt.Errorf("model: %s: tensor %q: not part of the model config.json describes (%d layers, types %v)", fileOf(files, t), name, cfg.Layers, cfg.LayerTypes)
	}
	m.layers = make([]layer, cfg.Layers)
	for i := range m.layers {
		m.layers[i].full = cfg.IsFullAttention(i)
	}
	for _, spec := range cfg.Tensors() {
		if spec.Part == PartText {
			m.bind(spec, byShort[strings.TrimPrefix(spec.Name, TextPrefix)])
		}
	}
	return m, nil
}

func fileOf(files []*safetensors.File, t *safetensors.Tensor) string {
	for _, f := range files {
		if f.Lookup(t.Name) == t {
			return "safetensors " + f.Name
		}
	}
	return "safetensors"
}

func filesNames(files []*safetensors.File) string {
	var names []string
	for _, f := range files {
		names = append(names, f.Name)
	}
	return "safetensors " + strings.Join(names, ", ")
}

// Config returns the model's config.
func (m *Model) Config() *Config { return m.cfg }

// SetThreads sets how many goroutines a pass uses (< 1 means 1): the
// matrix products split their rows, the attention and DeltaNet layers their
// heads. The default is GOMAXPROCS.
func (m *Model) SetThreads(n int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	old := m.pool
	m.pool = simd.NewPool(n)
	old.Close()
}

// Threads reports how many goroutines a pass uses.
func (m *Model) Threads() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.pool.Threads()
}

// Close stops the model's helper goroutines and releases the checkpoint
// files Open mapped (files given to New stay the caller's to close). The
// model and its weights' views must not be used afterwards. Closing twice
// is harmless.
func (m *Model) Close() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.pool.Close()
	var first error
	if r := m.resident; r != nil && r.free != nil {
		m.resident = nil
		first = r.free()
	}
	if !m.owned {
		return first
	}
	for _, f := range m.files {
		if err := f.Close(); err != nil && first == nil {
			first = err
		}
	}
	m.files = nil
	m.owned = false
	return first
}

// WeightBytes is the number of weight bytes one decode step reads: every
// matrix of the text model in its stored dtype and every vector (norms,
// gates, conv taps) as the float32 it is widened to at load, the LM head
// once (when tied, the embedding is the head; the lookup of one row is not
// counted).
//
// After QuantizeQ8 it counts the 8-bit copies that decode reads instead.
func (m *Model) WeightBytes() int64 {
	var n int64
	for _, l := range m.decodeMatrices() {
		n += l.decodeBytes()
	}
	vec := func(v ...[]float32) {
		for _, x := range v {
			n += int64(len(x)) * 4
		}
	}
	vec(m.norm)
	for i := range m.layers {
		l := &m.layers[i]
		vec(l.inputNorm, l.postNorm, l.qNorm, l.kNorm, l.conv, l.dtBias, l.aLog, l.norm)
	}
	return n
}

// decodeMatrices lists the matrices a decode step reads, each once: the LM
// head (the embedding when tied) and every layer's.
func (m *Model) decodeMatrices() []*Linear {
	head := &m.embed
	if m.lmHead != nil {
		head = m.lmHead
	}
	mats := []*Linear{head}
	for i := range m.layers {
		mats = append(mats, m.layers[i].linears()...)
	}
	return mats
}

// linears lists the layer's weight matrices (those of its kind).
func (l *layer) linears() []*Linear {
	if l.full {
		return []*Linear{&l.q, &l.k, &l.v, &l.o, &l.gate, &l.up, &l.down}
	}
	return []*Linear{&l.qkv, &l.z, &l.b, &l.a, &l.out, &l.gate, &l.up, &l.down}
}

// Embed returns a copy of token id's embedding row as float32 (the input
// of the first layer).
func (m *Model) Embed(id int) ([]float32, error) {
	if id < 0 || id >= m.cfg.Vocab {
		return nil, fmt.Errorf("model: token id %d outside the vocabulary [0, %d)", id, m.cfg.Vocab)
	}
	e := make([]float32, m.cfg.Hidden)
	m.embed.row(e, id)
	return e, nil
}

// Unembed applies the final norm and the LM head to a residual-stream vector
// h (len Hidden) and returns logits over the vocabulary: the "logit lens"
// when h is taken after an intermediate layer (Capture.Layers[i].Residual).
func (m *Model) Unembed(h []float32) ([]float32, error) {
	c := m.cfg
	if len(h) != c.Hidden {
		return nil, fmt.Errorf("model: Unembed of %d values, want hidden size %d", len(h), c.Hidden)
	}
	y := make([]float32, c.Hidden)
	rmsNorm1p(y, h, m.norm, c.RMSEps)
	logits := make([]float32, c.Vocab)
	head := &m.embed
	if m.lmHead != nil {
		head = m.lmHead
	}
	m.mu.Lock()
	head.matVec(m.pool, logits, y)
	m.mu.Unlock()
	return logits, nil
}

// Weight returns a checkpoint tensor by name: the full name
// ("model.language_model.layers.3.self_attn.q_proj.weight") or the name
// without the text prefix ("layers.3.self_attn.q_proj.weight",
// "embed_tokens.weight"). Its Float32 method gives a copy as float32.
func (m *Model) Weight(name string) (*safetensors.Tensor, error) {
	if t := m.tensors[name]; t != nil {
		return t, nil
	}
	if t := m.tensors[m.prefix+name]; t != nil {
		return t, nil
	}
	return nil, fmt.Errorf("model: no tensor %q (nor %q)", name, m.prefix+name)
}

// MustWeight is Weight for notebook cells: it panics on error.
func (m *Model) MustWeight(name string) *safetensors.Tensor {
	t, err := m.Weight(name)
	if err != nil {
		panic(err)
	}
	return t
}

// WeightNames returns the names of every tensor in the checkpoint files.
func (m *Model) WeightNames() []string {
	var names []string
	for _, f := range m.files {
		names = append(names, f.Names()...)
	}
	return names
}

// Forward feeds ids to the state (a prefill of many tokens, or one decode
// step) and returns the logits of the last position, a new slice of length
// Vocab. Use ForwardTo to reuse a buffer.
func (m *Model) Forward(st *State, ids []int) ([]float32, error) {
	logits := make([]float32, m.cfg.Vocab)
	return logits, m.ForwardTo(logits, st, ids)
}

// ForwardTo is Forward writing the last position's logits into dst (length
// Vocab). A decode step through ForwardTo allocates nothing.
func (m *Model) ForwardTo(dst []float32, st *State, ids []int) error {
	if len(dst) != m.cfg.Vocab {
		return fmt.Errorf("model: logits buffer of %d, want vocab size %d", len(dst), m.cfg.Vocab)
	}
	return m.forward(st, ids, dst, false, nil)
}

// ForwardAll feeds ids to the state and returns the logits at every one of
// their positions, [len(ids), Vocab] row-major: row i predicts the token
// after ids[i].
func (m *Model) ForwardAll(st *State, ids []int) ([]float32, error) {
	if err := m.checkAll(len(ids)); err != nil {
		return nil, err
	}
	logits := make([]float32, len(ids)*m.cfg.Vocab)
	return logits, m.forward(st, ids, logits, true, nil)
}

// maxLogits bounds the logits one ForwardAll returns (4 GiB of float32).
const maxLogits = 1 << 30

func (m *Model) checkAll(n int) error {
	if n > maxLogits/m.cfg.Vocab {
		return fmt.Errorf("model: logits at all %d positions would take %d GiB: feed fewer ids per call (or use Forward for the last position only)", n, int64(n)*int64(m.cfg.Vocab)*4>>30)
	}
	return nil
}

// ForwardCapture is ForwardAll that also records the views of the pass
// described by Capture into c.
func (m *Model) ForwardCapture(st *State, ids []int, c *Capture) ([]float32, error) {
	if err := m.checkAll(len(ids)); err != nil {
		return nil, err
	}
	logits := make([]float32, len(ids)*m.cfg.Vocab)
	return logits, m.forward(st, ids, logits, true, c)
}

// forward runs the decoder over ids (spec §5) and writes the logits of every
// position (all) or of the last one into logits.
func (m *Model) forward(st *State, ids []int, logits []float32, all bool, capt *Capture) error {
	c := m.cfg
	if st == nil || st.m != m {
		return fmt.Errorf("model: state was not made by this model's NewState")
	}
	n := len(ids)
	if n == 0 {
		return fmt.Errorf("model: no token ids")
	}
	if st.pos+n > c.MaxPositions {
		return fmt.Errorf("model: %d tokens after %d exceed the context of %d positions", n, st.pos, c.MaxPositions)
	}
	for i, id := range ids {
		if id < 0 || id >= c.Vocab {
			return fmt.Errorf("model: token id %d at index %d outside the vocabulary [0, %d)", id, i, c.Vocab)
		}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	// Long inputs run in chunks, which bounds the activations' memory; the
	// state carries everything from one chunk to the next.
	for len(ids) > 0 {
		k := min(len(ids), maxChunk)
		var dst []float32 // the chunk's logits, if it has any to produce
		switch {
		case all:
			dst, logits = logits[:k*c.Vocab], logits[k*c.Vocab:]
		case k == len(ids):
			dst = logits
		}
		m.pass(st, ids[:k], dst, all, capt)
		ids = ids[k:]
	}
	return nil
}

// maxChunk is the most tokens one pass runs at once.
const maxChunk = 512

// pass runs the decoder over ids (spec §5) and, when logits is not nil,
// writes the logits of every position (all) or of the last one into it.
func (m *Model) pass(st *State, ids []int, logits []float32, all bool, capt *Capture) {
	c := m.cfg
	n := len(ids)
	H := c.Hidden
	s := &st.scratch
	s.ensure(c, n, st.pos+n)
	x, u, out := s.x[:n*H], s.u[:n*H], s.out[:n*H]

	// h = E[token]
	for t, id := range ids {
		m.embed.row(x[t*H:(t+1)*H], id)
	}
	if capt != nil {
		capt.Embedding = appendRows(capt.Embedding, x, n, H)
	}
	for i := range m.layers {
		l, ls := &m.layers[i], &st.layers[i]
		lc := capt.layer(m, i)
		if capt != nil && capt.Skip[i] {
			continue
		}

		// h = h + Mixer(RMSNorm1p(h))
		for t := range n {
			rmsNorm1p(u[t*H:(t+1)*H], x[t*H:(t+1)*H], l.inputNorm, c.RMSEps)
		}
		if capt != nil && capt.NoInputNorm[i] {
			copy(u, x) // the experiment: no input norm in this layer
		}
		if lc != nil {
			lc.InputNorm = appendRows(lc.InputNorm, u, n, H)
		}
		if l.full {
			m.attention(l, ls, st, u, out, n, lc)
		} else {
			m.deltaNet(l, ls, st, u, out, n, lc)
		}
		add(x, out)
		if lc != nil {
			lc.MixerOut = appendRows(lc.MixerOut, out, n, H)
			lc.AfterMixer = appendRows(lc.AfterMixer, x, n, H)
		}

		// h = h + MLP(RMSNorm1p(h))
		for t := range n {
			rmsNorm1p(u[t*H:(t+1)*H], x[t*H:(t+1)*H], l.postNorm, c.RMSEps)
		}
		if lc != nil {
			lc.PostNorm = appendRows(lc.PostNorm, u, n, H)
		}
		m.mlp(l, st, u, out, n, lc)
		add(x, out)
		if lc != nil {
			lc.MLPOut = appendRows(lc.MLPOut, out, n, H)
			lc.Residual = appendRows(lc.Residual, x, n, H)
		}
	}

	// y = RMSNorm1p(h, norm); logits = E·y (tied) or lm_head·y
	if logits != nil || capt != nil {
		first := 0 // the rows that need y
		if !all && capt == nil {
			first = n - 1
		}
		y := s.normed[:n*H]
		for t := first; t < n; t++ {
			rmsNorm1p(y[t*H:(t+1)*H], x[t*H:(t+1)*H], m.norm, c.RMSEps)
		}
		if capt != nil {
			capt.Tokens = append(capt.Tokens, ids...)
			capt.Hidden = appendRows(capt.Hidden, y, n, H)
		}
		head := &m.embed
		if m.lmHead != nil {
			head = m.lmHead
		}
		switch {
		case logits == nil:
		case all:
			head.matMul(m.pool, logits, y, n)
		default:
			head.matVec(m.pool, logits, y[(n-1)*H:n*H])
		}
	}
	st.pos += n
	st.tokens = append(st.tokens, ids...)
}

func add(x, y []float32) {
	y = y[:len(x)]
	for i := range x {
		x[i] += y[i]
	}
}

func appendRows(dst [][]float32, x []float32, n, w int) [][]float32 {
	for t := range n {
		dst = append(dst, clone(x[t*w:(t+1)*w]))
	}
	return dst
}

// transpose returns the [cols][rows] transpose of a row-major [rows][cols] matrix.
func transpose(x []float32, rows, cols int) []float32 {
	t := make([]float32, len(x))
	for r := range rows {
		for c := range cols {
			t[c*rows+r] = x[r*cols+c]
		}
	}
	return t
}
