// Package safetensors reads and writes the safetensors checkpoint format of
// Hugging Face: an 8-byte little-endian header length, a JSON header mapping
// tensor names to dtype, shape and byte offsets, then the raw tensor bytes.
//
// Open memory-maps a file, so tensors are used in place: BF16, F16 and F32
// tensors are exposed as zero-copy []uint16 / []float32 views of the mapping
// and opening a multi-gigabyte checkpoint costs almost nothing. Every offset
// is checked before use: a truncated, hostile or inconsistent file gives an
// error naming the file and tensor, never a panic.
//
//	f, err := safetensors.Open("model.safetensors")
//	...
//	defer f.Close()
//	t, err := f.Tensor("model.language_model.norm.weight")
//	fmt.Println(t.DType, t.Shape, t.Float32()[:4])
package safetensors

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"sort"
	"unsafe"

	"github.com/how-llms-work/course/llm/half"
)

// DType is a tensor element type as spelled in the header ("BF16", "F32", …).
type DType string

// The element types of the format. The engine computes with BF16, F16 and
// F32; the others can be listed and read as bytes.
const (
	BF16 DType = "BF16"
	F16  DType = "F16"
	F32  DType = "F32"
	F64  DType = "F64"
	I64  DType = "I64"
	I32  DType = "I32"
	I16  DType = "I16"
	I8   DType = "I8"
	U64  DType = "U64"
	U32  DType = "U32"
	U16  DType = "U16"
	U8   DType = "U8"
	Bool DType = "BOOL"
	F8E4 DType = "F8_E4M3"
	F8E5 DType = "F8_E5M2"
)

// Size returns the bytes per element, or 0 for an unknown dtype.
func (d DType) Size() int {
	switch d {
	case F64, I64, U64:
		return 8
	case F32, I32, U32:
		return 4
	case BF16, F16, I16, U16:
		return 2
	case I8, U8, Bool, F8E4, F8E5:
		return 1
	}
	return 0
}

// IsFloat16 reports whether d is stored as 16-bit words (BF16 or F16).
func (d DType) IsFloat16() bool { return d == BF16 || d == F16 }

// maxHeader bounds the JSON header: real checkpoints have headers of a few
// hundred KiB; the reference implementation refuses more than 100 MB.
const maxHeader = 100 << 20

// maxDims bounds a tensor's rank.
const maxDims = 16

// Tensor is one named tensor. For a tensor read from a File, Data is a view
// of the file's bytes (valid until the File is closed).
type Tensor struct {
	Name  string
	DType DType
	Shape []int
	Data  []byte // raw little-endian bytes, len = Len()·DType.Size()

	file   string // file name, for errors
	offset int    // byte offset of Data within the data section
}

// Len returns the number of elements (the product of the shape).
func (t *Tensor) Len() int {
	n := 1
	for _, d := range t.Shape {
		n *= d
	}
	return n
}

// Bytes returns the number of bytes of the tensor's data.
func (t *Tensor) Bytes() int { return t.Len() * t.DType.Size() }

func (t *Tensor) errorf(format string, args ...any) error {
	return fmt.Errorf("safetensors %s: tensor %q: %s", t.file, t.Name, fmt.Sprintf(format, args...))
}

// U16 returns the tensor's 16-bit words (BF16 or F16) as a zero-copy view.
func (t *Tensor) U16() ([]uint16, error) {
	if !t.DType.IsFloat16() && t.DType != U16 && t.DType != I16 {
		return nil, t.errorf("dtype %s, want a 16-bit type", t.DType)
	}
	return viewU16(t.Data), nil
}

// F32 returns an F32 tensor's values as a zero-copy view.
func (t *Tensor) F32() ([]float32, error) {
	if t.DType != F32 {
		return nil, t.errorf("dtype %s, want F32", t.DType)
	}
	return viewF32(t.Data), nil
}

// Float32 returns a new float32 copy of a BF16, F16 or F32 tensor (nil for
// other dtypes). Use it for small tensors and in notebook cells; the
// engine reads large weights in place with U16 and F32.
func (t *Tensor) Float32() []float32 {
	n := t.Len()
	out := make([]float32, n)
	switch t.DType {
	case F32:
		copy(out, viewF32(t.Data))
	case BF16:
		for i, b := range viewU16(t.Data) {
			out[i] = half.BF16ToF32(b)
		}
	case F16:
		for i, h := range viewU16(t.Data) {
			out[i] = half.F16ToF32(h)
		}
	default:
		return nil
	}
	return out
}

// viewU16 reinterprets b as little-endian uint16s without copying. The
// caller guarantees alignment and length (checked at parse time).
func viewU16(b []byte) []uint16 {
	if len(b) < 2 {
		return []uint16{}
	}
	return unsafe.Slice((*uint16)(unsafe.Pointer(&b[0])), len(b)/2)
}

func viewF32(b []byte) []float32 {
	if len(b) < 4 {
		return []float32{}
	}
	return unsafe.Slice((*float32)(unsafe.Pointer(&b[0])), len(b)/4)
}

// File is an open safetensors file.
type File struct {
	Name     string            // the path or name it was opened with
	Metadata map[string]string // the header's __metadata__, if any

	tensors []*Tensor
	byName  map[string]*Tensor
	data    []byte // the whole file
	unmap   func() error
}

// Tensors returns the file's tensors in the order of their offsets.
func (f *File) Tensors() []*Tensor { return f.tensors }

// Names returns the tensor names, sorted.
func (f *File) Names() []string {
	names := make([]string, 0, len(f.tensors))
	for _, t := range f.tensors {
		names = append(names, t.Name)
	}
	sort.Strings(names)
	return names
}

// Lookup returns the tensor called name, or nil if there is none.
func (f *File) Lookup(name string) *Tensor { return f.byName[name] }

// Tensor returns the tensor called name, or an error naming the file.
func (f *File) Tensor(name string) (*Tensor, error) {
	t := f.byName[name]
	if t == nil {
		return nil, fmt.Errorf("safetensors %s: tensor %q: not in the file", f.Name, name)
	}
	return t, nil
}

// Close releases the file's memory mapping. Tensor views obtained from it
// must not be used afterwards.
func (f *File) Close() error {
	if f == nil || f.unmap == nil {
		return nil
	}
	err := f.unmap()
	f.unmap = nil
	f.data = nil
	return err
}

// FromBytes parses a safetensors file held in memory (for example go:embed
// data) without copying it; name is used in errors. If data is not aligned
// for F32 views it is copied once into an aligned buffer.
func FromBytes(name string, data []byte) (*File, error) {
	if len(data) > 0 && uintptr(unsafe.Pointer(&data[0]))%8 != 0 {
		aligned := make([]uint64, (len(data)+7)/8)
		buf := unsafe.Slice((*byte)(unsafe.Pointer(&aligned[0])), len(aligned)*8)[:len(data)]
		copy(buf, data)
		data = buf
	}
	return parse(name, data)
}

// headerEntry is one tensor in the JSON header.
type headerEntry struct {
	DType       DType   `json:"dtype"`
	Shape       []int64 `json:"shape"`
	DataOffsets []int64 `json:"data_offsets"`
}

// ParseHeader parses and checks the header of a safetensors file whose
// first bytes are head and whose total size is size. It returns the tensors
// (without data) in offset order, the metadata and the offset of the data
// section. It is the part of the format that untrusted input reaches first.
func ParseHeader(name string, head []byte, size int64) ([]*Tensor, map[string]string, int, error) {
	if len(head) < 8 || size < 8 {
		return nil, nil, 0, fmt.Errorf("safetensors %s: %d bytes: too short for the 8-byte header length", name, size)
	}
	n := binary.LittleEndian.Uint64(head[:8])
	if n > maxHeader {
		return nil, nil, 0, fmt.Errorf("safetensors %s: header length %d exceeds the %d-byte limit", name, n, maxHeader)
	}
	if int64(n) > size-8 {
		return nil, nil, 0, fmt.Errorf("safetensors %s: header length %d but only %d bytes follow (truncated file?)", name, n, size-8)
	}
	if int64(len(head)) < 8+int64(n) {
		return nil, nil, 0, fmt.Errorf("safetensors %s: header of %d bytes not fully read", name, n)
	}
	js := head[8 : 8+n]
	start := 8 + int(n)
	dataLen := size - int64(start)

	keys, raw, err := headerObject(js)
	if err != nil {
		return nil, nil, 0, fmt.Errorf("safetensors %s: header JSON: %w", name, err)
	}
	var meta map[string]string
	tensors := make([]*Tensor, 0, len(raw))
	for _, key := range keys {
		msg := raw[key]
		if key == "__metadata__" {
			if err := json.Unmarshal(msg, &meta); err != nil {
				return nil, nil, 0, fmt.Errorf("safetensors %s: __metadata__: want an object of strings: %w", name, err)
			}
			continue
		}
		var e headerEntry
		if err := json.Unmarshal(msg, &e); err != nil {
			return nil, nil, 0, fmt.Errorf("safetensors %s: tensor %q: header entry: %w", name, key, err)
		}
		t := &Tensor{Name: key, DType: e.DType, file: name}
		fail := func(format string, args ...any) ([]*Tensor, map[string]string, int, error) {
			return nil, nil, 0, t.errorf(format, args...)
		}
		size := e.DType.Size()
		if size == 0 {
			return fail("unknown dtype %q", e.DType)
		}
		if len(e.Shape) > maxDims {
			return fail("%d dimensions, at most %d supported", len(e.Shape), maxDims)
		}
		elems := int64(1)
		for _, d := range e.Shape {
			if d < 0 {
				return fail("negative dimension in shape %v", e.Shape)
			}
			if d > 0 && elems > math.MaxInt64/8/d {
				return fail("shape %v overflows", e.Shape)
			}
			elems *= d
			t.Shape = append(t.Shape, int(d))
		}
		if t.Shape == nil {
			t.Shape = []int{}
		}
		if len(e.DataOffsets) != 2 {
			return fail("data_offsets %v, want [begin, end]", e.DataOffsets)
		}
		begin, end := e.DataOffsets[0], e.DataOffsets[1]
		if begin < 0 || end < begin || end > dataLen {
			return fail("data_offsets [%d, %d] outside the %d-byte data section", begin, end, dataLen)
		}
		if end-begin != elems*int64(size) {
			return fail("data_offsets [%d, %d] hold %d bytes, shape %v of %s needs %d", begin, end, end-begin, e.Shape, e.DType, elems*int64(size))
		}
		if (int64(start)+begin)%int64(size) != 0 {
			return fail("offset %d is not aligned to its %d-byte elements", int64(start)+begin, size)
		}
		t.offset = int(begin)
		tensors = append(tensors, t)
	}
	slices.SortFunc(tensors, func(a, b *Tensor) int {
		if a.offset != b.offset {
			return a.offset - b.offset
		}
		return int(a.Bytes()) - int(b.Bytes())
	})
	for i := 1; i < len(tensors); i++ {
		prev, t := tensors[i-1], tensors[i]
		if t.offset < prev.offset+prev.Bytes() {
			return nil, nil, 0, t.errorf("bytes [%d, %d] overlap tensor %q [%d, %d]", t.offset, t.offset+t.Bytes(), prev.Name, prev.offset, prev.offset+prev.Bytes())
		}
	}
	return tensors, meta, start, nil
}

// headerObject reads the header's JSON object, keeping its keys in order
// and refusing a key given twice (a plain map would keep the last silently).
func headerObject(js []byte) ([]string, map[string]json.RawMessage, error) {
	dec := json.NewDecoder(bytes.NewReader(js))
	tok, err := dec.Token()
	if err != nil {
		return nil, nil, err
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, nil, errors.New("the header is not a JSON object")
	}
	var keys []string
	raw := map[string]json.RawMessage{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, nil, err
		}
		key, ok := tok.(string)
		if !ok {
			return nil, nil, fmt.Errorf("object key %v is not a string", tok)
		}
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, nil, fmt.Errorf("entry %q: %w", key, err)
		}
		if _, dup := raw[key]; dup {
			return nil, nil, fmt.Errorf("%q appears twice in the header: which one holds the tensor is ambiguous", key)
		}
		keys = append(keys, key)
		raw[key] = v
	}
	if _, err := dec.Token(); err != nil { // the closing brace
		return nil, nil, err
	}
	return keys, raw, nil
}

// parse checks a whole file held in data and builds views into it.
func parse(name string, data []byte) (*File, error) {
	tensors, meta, start, err := ParseHeader(name, data, int64(len(data)))
	if err != nil {
		return nil, err
	}
	f := &File{Name: name, Metadata: meta, tensors: tensors, byName: make(map[string]*Tensor, len(tensors)), data: data}
	for _, t := range tensors {
		t.Data = data[start+t.offset : start+t.offset+t.Bytes() : start+t.offset+t.Bytes()]
		f.byName[t.Name] = t
	}
	return f, nil
}
