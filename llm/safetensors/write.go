package safetensors

import (
	"bufio"
	"cmp"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"github.com/how-llms-work/course/llm/atomicfile"
	"io"
	"slices"
	"unsafe"

	"github.com/how-llms-work/course/llm/half"
)

// NewF32 returns a tensor holding a copy of v as F32, for Write.
func NewF32(name string, shape []int, v []float32) *Tensor {
	b := make([]byte, 4*len(v))
	copy(b, unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(v))), 4*len(v)))
	return &Tensor{Name: name, DType: F32, Shape: slices.Clone(shape), Data: b}
}

// NewBF16 returns a tensor holding a copy of the BF16 words v, for Write.
func NewBF16(name string, shape []int, v []uint16) *Tensor {
	b := make([]byte, 2*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint16(b[2*i:], x)
	}
	return &Tensor{Name: name, DType: BF16, Shape: slices.Clone(shape), Data: b}
}

// FromFloat32 returns a tensor holding v stored as dtype F32 or BF16
// (rounded to nearest even), for Write.
func FromFloat32(name string, dtype DType, shape []int, v []float32) (*Tensor, error) {
	switch dtype {
	case F32:
		return NewF32(name, shape, v), nil
	case BF16:
		w := make([]uint16, len(v))
		for i, x := range v {
			w[i] = half.F32ToBF16(x)
		}
		return NewBF16(name, shape, w), nil
	}
	return nil, fmt.Errorf("safetensors: tensor %q: cannot store float32 values as %s (want F32 or BF16)", name, dtype)
}

// Spec describes a tensor to be written by WriteFunc: its bytes are produced
// when its turn comes.
type Spec struct {
	Name  string
	DType DType
	Shape []int
}

// Write writes tensors and metadata as a safetensors file. Tensors are laid
// out by decreasing element size, then name, so every tensor is aligned for
// in-place views when the file is read back.
func Write(w io.Writer, tensors []*Tensor, metadata map[string]string) error {
	specs := make([]Spec, len(tensors))
	byName := make(map[string]*Tensor, len(tensors))
	for i, t := range tensors {
		specs[i] = Spec{t.Name, t.DType, t.Shape}
		byName[t.Name] = t
	}
	return WriteFunc(w, specs, metadata, func(s Spec, dst []byte) error {
		t := byName[s.Name]
		if len(t.Data) != len(dst) {
			return fmt.Errorf("safetensors: tensor %q: %d bytes of data, shape %v of %s needs %d", s.Name, len(t.Data), s.Shape, s.DType, len(dst))
		}
		copy(dst, t.Data)
		return nil
	})
}

// WriteFunc writes a safetensors file whose tensor bytes are produced one
// tensor at a time by fill (dst has exactly the tensor's size), so a
// checkpoint of several gigabytes never has to sit in memory.
func WriteFunc(w io.Writer, specs []Spec, metadata map[string]string, fill func(s Spec, dst []byte) error) error {
	order := slices.Clone(specs)
	slices.SortStableFunc(order, func(a, b Spec) int {
		if c := cmp.Compare(b.DType.Size(), a.DType.Size()); c != 0 {
			return c
		}
		return cmp.Compare(a.Name, b.Name)
	})
	header := make(map[string]any, len(order)+1)
	if len(metadata) > 0 {
		header["__metadata__"] = metadata
	}
	var off int64
	for i, s := range order {
		if s.Name == "" || s.Name == "__metadata__" {
			return fmt.Errorf("safetensors: tensor name %q not allowed", s.Name)
		}
		if _, dup := header[s.Name]; dup {
			return fmt.Errorf("safetensors: tensor %q: written twice", s.Name)
		}
		if s.DType.Size() == 0 {
			return fmt.Errorf("safetensors: tensor %q: unknown dtype %q", s.Name, s.DType)
		}
		n := int64(s.DType.Size())
		for _, d := range s.Shape {
			if d < 0 {
				return fmt.Errorf("safetensors: tensor %q: negative dimension in shape %v", s.Name, s.Shape)
			}
			n *= int64(d)
		}
		shape := s.Shape
		if shape == nil {
			shape = []int{}
		}
		header[s.Name] = map[string]any{"dtype": s.DType, "shape": shape, "data_offsets": []int64{off, off + n}}
		order[i].Shape = shape
		off += n
	}
	js, err := json.Marshal(header)
	if err != nil {
		return fmt.Errorf("safetensors: header: %w", err)
	}
	for (8+len(js))%8 != 0 { // pad with spaces so the data section is 8-aligned
		js = append(js, ' ')
	}
	bw := bufio.NewWriterSize(w, 1<<20)
	var n [8]byte
	binary.LittleEndian.PutUint64(n[:], uint64(len(js)))
	bw.Write(n[:])
	bw.Write(js)
	var buf []byte
	for _, s := range order {
		size := s.DType.Size()
		for _, d := range s.Shape {
			size *= d
		}
		if cap(buf) < size {
			buf = make([]byte, size)
		}
		dst := buf[:size]
		clear(dst)
		if err := fill(s, dst); err != nil {
			return err
		}
		if _, err := bw.Write(dst); err != nil {
			return fmt.Errorf("safetensors: tensor %q: %w", s.Name, err)
		}
	}
	return bw.Flush()
}

// WriteFile writes tensors and metadata as a safetensors file at path,
// atomically (see WriteAtomic).
func WriteFile(path string, tensors []*Tensor, metadata map[string]string) error {
	return WriteAtomic(path, func(w io.Writer) error { return Write(w, tensors, metadata) })
}

// WriteFileFunc is WriteFunc into the file at path, atomically (see WriteAtomic).
func WriteFileFunc(path string, specs []Spec, metadata map[string]string, fill func(s Spec, dst []byte) error) error {
	return WriteAtomic(path, func(w io.Writer) error { return WriteFunc(w, specs, metadata, fill) })
}

// WriteAtomic creates the file at path with what write writes, never
// exposing a partial file (see package atomicfile): a process that has the
// old file mapped (Open) keeps reading the old contents safely; rewriting a
// mapped file in place instead would crash it (SIGBUS) or change its weights
// under it. On error the temporary file is removed and path is left as it was.
func WriteAtomic(path string, write func(w io.Writer) error) error {
	if err := atomicfile.Write(path, 0o644, write); err != nil {
		return fmt.Errorf("safetensors: %w", err)
	}
	return nil
}
