package train

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
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
	path := filepath.Join(dir, "model.safetensors")
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	m := newModel[F](c)
	if _, err := m.setFrom(data, m.Params); err != nil {
		return nil, fmt.Errorf("safetensors %s: %w", path, err)
	}
	return m, nil
}

// setFrom fills flat (laid out like m.Params) from a safetensors file and
// returns its metadata.
func (m *Model[F]) setFrom(data []byte, flat []F) (map[string]string, error) {
	ts, meta, err := parseSafetensors(data)
	if err != nil {
		return nil, err
	}
	for _, t := range m.Tensors {
		st, ok := ts[t.Name]
		if !ok {
			return nil, fmt.Errorf("tensor %q missing", t.Name)
		}
		if !sameShape(st.Shape, t.Shape) {
			return nil, fmt.Errorf("tensor %q: shape %v, want %v", t.Name, st.Shape, t.Shape)
		}
		decode(flat[t.Off:t.Off+t.Size], st)
	}
	return meta, nil
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

// writeFlat writes a flat vector laid out like m.Params as safetensors
// with the checkpoint's tensor names. dtype is "F32", "F64" or "BF16"; with
// "BF16" the tensors the real checkpoint keeps in F32 stay F32.
func (m *Model[F]) writeFlat(path string, flat []F, dtype string, meta map[string]string) error {
	out := make([]outTensor, 0, len(m.Tensors))
	for _, t := range m.Tensors {
		d := flat[t.Off : t.Off+t.Size]
		dt := dtype
		if dt == "BF16" && t.F32 {
			dt = "F32"
		}
		out = append(out, outTensor{Name: t.Name, DType: dt, Shape: t.Shape, N: t.Size, Data: func(i int) float64 { return float64(d[i]) }})
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := writeSafetensors(f, out, meta); err != nil {
		f.Close()
		return fmt.Errorf("safetensors %s: %w", path, err)
	}
	return f.Close()
}

// WriteGrad writes a gradient (laid out like Params) as float32
// safetensors under the checkpoint's tensor names, with the loss in the
// metadata.
func (m *Model[F]) WriteGrad(path string, grad []F, loss float64) error {
	return m.writeFlat(path, grad, "F32", map[string]string{"loss": strconv.FormatFloat(loss, 'g', 17, 64)})
}
