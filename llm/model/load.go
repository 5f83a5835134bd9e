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

// Loading a model (doc §4): Open maps a checkpoint folder, New checks every
// text tensor against the config and builds the layers' weights as views
// of the files, Close releases them.

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

	resident *residentMem  // the matrices' own copy, after MakeResident
	huge     []hugeMapping // what Open did about huge pages, per mapped file
	chunkMin int           // shortest DeltaNet pass run in the chunked form (deltaChunkMin)
	attnMin  int           // shortest attention pass run blocked (attnBlockMin)
}

// Open loads the model in dir: config.json plus model.safetensors or the
// shards of model.safetensors.index.json, memory-mapped (on Linux in 2 MiB
// pages where the file system allows; see mapping_linux.go and HugeMapped).
func Open(dir string) (*Model, error) {
	cfg, err := LoadConfig(filepath.Join(dir, "config.json"))
	if err != nil {
		return nil, err
	}
	files, err := safetensors.OpenDir(dir)
	if err != nil {
		return nil, err
	}
	// Huge pages before New reads the small tensors: a page New faults in
	// through a plain mapping would keep its 2 MiB stretch in small folios.
	var huge []hugeMapping
	for _, f := range files {
		huge = append(huge, adviseHuge(f))
	}
	m, err := New(cfg, files...)
	if err != nil {
		for _, f := range files {
			f.Close()
		}
		return nil, err
	}
	m.owned = true
	m.huge = huge
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
	m := &Model{cfg: cfg, files: files, tensors: map[string]*safetensors.Tensor{}, rope: newRope(cfg), chunkMin: deltaChunkMin, attnMin: attnBlockMin}
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
	m.huge = nil
	m.owned = false
	return first
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
