package train

import (
	"fmt"
	"github.com/how-llms-work/course/llm/atomicfile"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/how-llms-work/course/llm/model"
	"github.com/how-llms-work/course/llm/safetensors"
)

// Load reads a checkpoint directory (config.json and model.safetensors, the
// layout the engine loads) into a model. BF16, F32 and F64 tensors are
// widened exactly. Tensors outside the text model (mtp.*, visual) are
// ignored; a missing or misshapen text tensor is an error.
func Load[F Float](dir string) (*Model[F], error) {
	c, err := LoadConfig(filepath.Join(dir, "config.json"))
	if err != nil {
		return nil, err
	}
	m := newModel[F](c)
	path := filepath.Join(dir, "model.safetensors")
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	m.adoptNames(data)
	if _, err := m.readFlatBytes(path, data, m.Params, ""); err != nil {
		return nil, err
	}
	return m, nil
}

// adoptNames switches the tensor names to the text-only layout
// (model.embed_tokens.weight, …) when a checkpoint uses it instead of the
// published model.language_model.* names, so gradients and saved weights
// keep the checkpoint's own names.
func (m *Model[F]) adoptNames(data []byte) {
	f, err := safetensors.FromBytes("", data)
	if err != nil {
		return
	}
	p := model.TextPrefixOf(func(name string) bool { return f.Lookup(name) != nil })
	for i := range m.Tensors {
		m.Tensors[i].Name = p + strings.TrimPrefix(m.Tensors[i].Name, model.TextPrefix)
	}
}

// readFlat fills flat (laid out like m.Params) from the tensors of a
// safetensors file named prefix+name, and returns the file's metadata.
func (m *Model[F]) readFlat(path string, flat []F, prefix string) (map[string]string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return m.readFlatBytes(path, data, flat, prefix)
}

// readFlatBytes is readFlat on the bytes of a file (name is for errors).
func (m *Model[F]) readFlatBytes(path string, data []byte, flat []F, prefix string) (map[string]string, error) {
	f, err := safetensors.FromBytes(path, data)
	if err != nil {
		return nil, err
	}
	for _, t := range m.Tensors {
		st := f.Lookup(prefix + t.Name)
		if st == nil {
			return nil, fmt.Errorf("safetensors %s: tensor %q missing", path, prefix+t.Name)
		}
		if !sameShape(st.Shape, t.Shape) {
			return nil, fmt.Errorf("safetensors %s: tensor %q: shape %v, want %v", path, st.Name, st.Shape, t.Shape)
		}
		if err := decode(flat[t.Off:t.Off+t.Size], st); err != nil {
			return nil, fmt.Errorf("safetensors %s: %w", path, err)
		}
	}
	return f.Metadata, nil
}

func sameShape(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// writeFlat writes flat vectors laid out like m.Params as one safetensors
// file: each vector under its prefix + the checkpoint's tensor names.
// dtype is F32, F64 or BF16; with BF16 the tensors the real checkpoint
// keeps in F32 (A_log, linear_attn.norm.weight) stay F32.
func (m *Model[F]) writeFlat(path string, prefixes []string, flats [][]F, dtype safetensors.DType, meta map[string]string) error {
	var specs []safetensors.Spec
	data := map[string][]F{}
	for k, flat := range flats {
		for _, t := range m.Tensors {
			dt := dtype
			if dt == safetensors.BF16 && t.DType == safetensors.F32 {
				dt = safetensors.F32
			}
			name := prefixes[k] + t.Name
			specs = append(specs, safetensors.Spec{Name: name, DType: dt, Shape: t.Shape})
			data[name] = flat[t.Off : t.Off+t.Size]
		}
	}
	// Atomically: a crash never leaves a half-written checkpoint, and a reader
	// that has the old one mapped keeps its old weights.
	return safetensors.WriteAtomic(path, func(w io.Writer) error { return writeTensors(w, specs, data, meta) })
}

// WriteGrad writes a gradient (laid out like Params) as float32
// safetensors under the checkpoint's tensor names, with the loss in the
// metadata.
func (m *Model[F]) WriteGrad(path string, grad []F, loss float64) error {
	return m.writeFlat(path, []string{""}, [][]F{grad}, safetensors.F32,
		map[string]string{"loss": strconv.FormatFloat(loss, 'g', 17, 64)})
}

// Save writes the model as an engine-loadable checkpoint directory:
// config.json and model.safetensors in dtype (F32 for master weights, BF16
// for export with the real checkpoint's F32 exceptions).
func (m *Model[F]) Save(dir string, dtype safetensors.DType, meta map[string]string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	cj, err := m.Cfg.MarshalJSON()
	if err != nil {
		return err
	}
	if err := atomicfile.WriteFile(filepath.Join(dir, "config.json"), append(cj, '\n'), 0o644); err != nil {
		return err
	}
	return m.writeFlat(filepath.Join(dir, "model.safetensors"), []string{""}, [][]F{m.Params}, dtype, meta)
}
