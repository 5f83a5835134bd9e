package safetensors

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// build returns a safetensors file with the given JSON header and data bytes.
func build(header string, data int) []byte {
	for len(header)%8 != 0 {
		header += " "
	}
	var b bytes.Buffer
	binary.Write(&b, binary.LittleEndian, uint64(len(header)))
	b.WriteString(header)
	b.Write(make([]byte, data))
	return b.Bytes()
}

func TestWriteRead(t *testing.T) {
	var buf bytes.Buffer
	w := []*Tensor{
		NewBF16("b", []int{2, 3}, []uint16{0x3f80, 0x4000, 0xbf80, 0, 0x4040, 0x3f00}), // 1 2 -1 0 3 0.5
		NewF32("a", []int{3}, []float32{1.5, -2, 1e-3}),
		NewF32("scalar", nil, []float32{7}),
	}
	if err := Write(&buf, w, map[string]string{"format": "pt"}); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "m.safetensors")
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, open := range []func() (*File, error){
		func() (*File, error) { return Open(path) },
		func() (*File, error) { return FromBytes("mem", buf.Bytes()) },
		func() (*File, error) { return FromBytes("unaligned", append([]byte{0}, buf.Bytes()...)[1:]) },
	} {
		f, err := open()
		if err != nil {
			t.Fatal(err)
		}
		if got := f.Names(); !reflect.DeepEqual(got, []string{"a", "b", "scalar"}) {
			t.Errorf("names %v", got)
		}
		if f.Metadata["format"] != "pt" {
			t.Errorf("metadata %v", f.Metadata)
		}
		a, err := f.Tensor("a")
		if err != nil {
			t.Fatal(err)
		}
		v, err := a.F32()
		if err != nil || !reflect.DeepEqual(v, []float32{1.5, -2, 1e-3}) {
			t.Errorf("a = %v, %v", v, err)
		}
		b := f.Lookup("b")
		if b.DType != BF16 || !reflect.DeepEqual(b.Shape, []int{2, 3}) {
			t.Errorf("b: %s %v", b.DType, b.Shape)
		}
		if got := b.Float32(); !reflect.DeepEqual(got, []float32{1, 2, -1, 0, 3, 0.5}) {
			t.Errorf("b = %v", got)
		}
		if u, err := b.U16(); err != nil || u[1] != 0x4000 {
			t.Errorf("b.U16 = %v, %v", u, err)
		}
		if _, err := b.F32(); err == nil || !strings.Contains(err.Error(), `"b"`) {
			t.Errorf("F32 of a BF16 tensor: %v", err)
		}
		if s := f.Lookup("scalar"); s.Len() != 1 || s.Float32()[0] != 7 {
			t.Errorf("scalar %v", s.Float32())
		}
		if _, err := f.Tensor("missing"); err == nil || !strings.Contains(err.Error(), `"missing"`) {
			t.Errorf("missing tensor error %v", err)
		}
		if err := f.Close(); err != nil {
			t.Error(err)
		}
	}
}

func TestF16(t *testing.T) {
	data := build(`{"h":{"dtype":"F16","shape":[4],"data_offsets":[0,8]}}`, 8)
	words := []uint16{0x3c00, 0xc000, 0x0001, 0x7c00} // 1, -2, smallest subnormal, +Inf
	for i, w := range words {
		binary.LittleEndian.PutUint16(data[len(data)-8+2*i:], w)
	}
	f, err := FromBytes("h.safetensors", data)
	if err != nil {
		t.Fatal(err)
	}
	got := f.Lookup("h").Float32()
	if got[0] != 1 || got[1] != -2 || got[2] != 5.9604645e-08 || got[3] <= 3e38 {
		t.Errorf("F16 values %v", got)
	}
}

func TestHostile(t *testing.T) {
	huge := make([]byte, 16)
	binary.LittleEndian.PutUint64(huge, 1<<62)
	for _, tc := range []struct {
		name string
		data []byte
		want string
	}{
		{"empty", nil, "too short"},
		{"absurd header length", huge, "exceeds"},
		{"truncated header", build(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}`, 4)[:20], "truncated"},
		{"truncated data", build(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}`, 4), `tensor "a": data_offsets [0, 8] outside`},
		{"bad json", build(`{"a":`, 0), "header JSON"},
		{"not an object", build(`[1]    `, 0), "header JSON"},
		{"unknown dtype", build(`{"w":{"dtype":"F4","shape":[1],"data_offsets":[0,1]}}`, 8), `tensor "w": unknown dtype "F4"`},
		{"shape mismatch", build(`{"w":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}`, 8), `tensor "w": data_offsets [0, 8] hold 8 bytes`},
		{"negative dim", build(`{"w":{"dtype":"F32","shape":[-1],"data_offsets":[0,0]}}`, 8), "negative"},
		{"overflowing shape", build(`{"w":{"dtype":"F32","shape":[4294967296,4294967296,4294967296],"data_offsets":[0,8]}}`, 8), "overflows"},
		{"reversed offsets", build(`{"w":{"dtype":"U8","shape":[0],"data_offsets":[4,2]}}`, 8), "outside"},
		{"negative offset", build(`{"w":{"dtype":"U8","shape":[1],"data_offsets":[-1,0]}}`, 8), "outside"},
		{"one offset", build(`{"w":{"dtype":"U8","shape":[1],"data_offsets":[0]}}`, 8), "want [begin, end]"},
		{"overlap", build(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}`, 8), `overlap tensor "a"`},
		{"misaligned", build(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[2,6]}}   `, 8), `tensor "a": offset 74 is not aligned`},
		{"bad metadata", build(`{"__metadata__":{"x":1}}`, 0), "__metadata__"},
		{"bad entry", build(`{"w":{"dtype":"F32","shape":"x","data_offsets":[0,4]}}`, 4), `tensor "w": header entry`},
	} {
		_, err := FromBytes("bad.safetensors", tc.data)
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "bad.safetensors") {
			t.Errorf("%s: error %v, want one naming the file and containing %q", tc.name, err, tc.want)
		}
	}
}

func TestOpenTruncatedFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cut.safetensors")
	os.WriteFile(path, build(`{"a":{"dtype":"F32","shape":[100],"data_offsets":[0,400]}}`, 400)[:300], 0o644)
	_, err := Open(path)
	if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), `"a"`) {
		t.Errorf("truncated file: %v", err)
	}
	if _, err := Open(filepath.Join(t.TempDir(), "none")); err == nil {
		t.Error("missing file opened")
	}
}

func TestOpenIndex(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, ts ...*Tensor) {
		var b bytes.Buffer
		if err := Write(&b, ts, nil); err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(dir, name), b.Bytes(), 0o644)
	}
	write("s1.safetensors", NewF32("x", []int{1}, []float32{1}))
	write("s2.safetensors", NewF32("y", []int{1}, []float32{2}))
	os.WriteFile(filepath.Join(dir, IndexName), []byte(`{"metadata":{},"weight_map":{"x":"s1.safetensors","y":"s2.safetensors"}}`), 0o644)
	files, err := OpenDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 2 || files[1].Lookup("y").Float32()[0] != 2 {
		t.Errorf("shards %v", files)
	}
	for _, f := range files {
		f.Close()
	}
	for _, tc := range []struct{ index, want string }{
		{`{"weight_map":{"x":"s2.safetensors"}}`, `tensor "x": the index places it in s2.safetensors`},
		{`{"weight_map":{"x":"../s1.safetensors"}}`, "not a plain file name"},
		{`{"weight_map":{}}`, "empty"},
		{`{"weight_map":{"x":"nope.safetensors"}}`, "nope.safetensors"},
	} {
		os.WriteFile(filepath.Join(dir, IndexName), []byte(tc.index), 0o644)
		if _, err := OpenDir(dir); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("index %s: error %v, want %q", tc.index, err, tc.want)
		}
	}
}

func TestWriteErrors(t *testing.T) {
	var b bytes.Buffer
	dup := []*Tensor{NewF32("a", []int{1}, []float32{1}), NewF32("a", []int{1}, []float32{1})}
	if err := Write(&b, dup, nil); err == nil {
		t.Error("duplicate names written")
	}
	short := &Tensor{Name: "s", DType: F32, Shape: []int{2}, Data: make([]byte, 4)}
	if err := Write(&b, []*Tensor{short}, nil); err == nil {
		t.Error("short data written")
	}
}

func ExampleFromBytes() {
	var buf bytes.Buffer
	Write(&buf, []*Tensor{NewF32("norm.weight", []int{3}, []float32{1, 2, 3})}, nil)
	f, err := FromBytes("example", buf.Bytes())
	if err != nil {
		panic(err)
	}
	t := f.Lookup("norm.weight")
	fmt.Println(t.DType, t.Shape, t.Float32())
	// Output: F32 [3] [1 2 3]
}

func TestFromFloat32(t *testing.T) {
	b, err := FromFloat32("w", BF16, []int{3}, []float32{1, 1.00390625, -3.3})
	if err != nil {
		t.Fatal(err)
	}
	// 1 + 2⁻⁸ is a tie between 1 and 1 + 2⁻⁷: it rounds to even (1).
	if got := b.Float32(); got[0] != 1 || got[1] != 1 || got[2] != -3.296875 {
		t.Errorf("BF16 round trip %v", got)
	}
	if _, err := FromFloat32("w", F16, []int{1}, []float32{1}); err == nil {
		t.Error("F16 accepted")
	}
}
