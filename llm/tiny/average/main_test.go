package main

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/how-llms-work/course/llm/half"
	"github.com/how-llms-work/course/llm/safetensors"
)

// embedded is the embedded model's folder.
var embedded = filepath.Join("..", "model")

// variant writes a copy of the embedded model to a new folder with every
// weight changed by f (given the tensor's name and the index of the
// element) and stored as dtype, and returns the folder.
func variant(t *testing.T, dtype safetensors.DType, f func(name string, i int, x float32) float32) string {
	t.Helper()
	src, err := safetensors.Open(filepath.Join(embedded, "model.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	var tensors []*safetensors.Tensor
	for _, s := range src.Tensors() {
		v := s.Float32()
		for i := range v {
			v[i] = f(s.Name, i, v[i])
		}
		c, err := safetensors.FromFloat32(s.Name, dtype, s.Shape, v)
		if err != nil {
			t.Fatal(err)
		}
		tensors = append(tensors, c)
	}
	dir := t.TempDir()
	if err := safetensors.WriteFile(filepath.Join(dir, "model.safetensors"), tensors, nil); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"config.json", "tokenizer.json", "tokenizer_config.json"} {
		b, err := os.ReadFile(filepath.Join(embedded, name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// open opens the model.safetensors in dir, closed when the test ends.
func open(t *testing.T, dir string) *safetensors.File {
	t.Helper()
	f, err := safetensors.Open(filepath.Join(dir, "model.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

// TestAverageOfOneModel checks that the mean of a checkpoint with itself is
// the same checkpoint, byte for byte, tokenizer files included.
func TestAverageOfOneModel(t *testing.T) {
	out := t.TempDir()
	if err := average(out, []string{embedded, embedded, embedded}); err != nil {
		t.Fatal(err)
	}
	a, b := open(t, embedded), open(t, out)
	if len(b.Names()) != len(a.Names()) {
		t.Fatalf("%d tensors, want %d", len(b.Names()), len(a.Names()))
	}
	for _, ta := range a.Tensors() {
		tb := b.Lookup(ta.Name)
		if tb == nil || tb.DType != ta.DType || !bytes.Equal(tb.Data, ta.Data) {
			t.Errorf("tensor %q changed", ta.Name)
		}
	}
	for _, name := range []string{"tokenizer.json", "tokenizer_config.json"} {
		want, _ := os.ReadFile(filepath.Join(embedded, name))
		got, err := os.ReadFile(filepath.Join(out, name))
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("%s not copied unchanged (%v)", name, err)
		}
	}
}

// TestAverageValues averages the embedded model (BF16) with two changed
// copies stored as F32, and checks every element against the mean
// computed here, rounded to the embedded tensor's dtype (BF16 or F32).
func TestAverageValues(t *testing.T) {
	shift := func(name string, i int) float32 { return float32(i%7-3) / 64 }
	b := variant(t, safetensors.F32, func(name string, i int, x float32) float32 { return x + shift(name, i) })
	c := variant(t, safetensors.F32, func(name string, i int, x float32) float32 { return -x })
	out := t.TempDir()
	if err := average(out, []string{embedded, b, c}); err != nil {
		t.Fatal(err)
	}
	a, m := open(t, embedded), open(t, out)
	checked := 0
	for _, ta := range a.Tensors() {
		tm := m.Lookup(ta.Name)
		if tm == nil || tm.DType != ta.DType {
			t.Fatalf("tensor %q missing or not %s in the mean", ta.Name, ta.DType)
		}
		got := tm.Float32()
		for i, x := range ta.Float32() {
			// x, x + shift (in float32) and −x: the mean is (x + shift)/3.
			want := float32(float64(x+shift(ta.Name, i)) / 3)
			if ta.DType == safetensors.BF16 {
				want = half.BF16ToF32(half.F32ToBF16(want))
			}
			if math.Abs(float64(got[i]-want)) > 0 {
				t.Fatalf("%s[%d] = %g, want %g (the mean of %g, %g and %g)", ta.Name, i, got[i], want, x, x+shift(ta.Name, i), -x)
			}
			checked++
		}
	}
	if checked < 1_000_000 {
		t.Errorf("only %d elements checked", checked)
	}
}

// TestAverageErrors checks that checkpoints that cannot be averaged are
// refused with an error naming what differs.
func TestAverageErrors(t *testing.T) {
	same := func(string, int, float32) float32 { return 0 }
	other := variant(t, safetensors.BF16, same)
	cfg, err := os.ReadFile(filepath.Join(other, "config.json"))
	if err != nil {
		t.Fatal(err)
	}
	otherCfg := variant(t, safetensors.BF16, same)
	if err := os.WriteFile(filepath.Join(otherCfg, "config.json"), bytes.Replace(cfg, []byte(`"rms_norm_eps"`), []byte(`"rms_norm_eps": 0.5, "x"`), 1), 0o644); err != nil {
		t.Fatal(err)
	}
	otherTok := variant(t, safetensors.BF16, same)
	if err := os.WriteFile(filepath.Join(otherTok, "tokenizer.json"), []byte(`{}`), 0o644); err != nil {
		t.Fatal(err)
	}
	missing := t.TempDir()
	src, err := safetensors.Open(filepath.Join(other, "model.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	tensors := src.Tensors()
	dropped := tensors[len(tensors)-1].Name
	if err := safetensors.WriteFile(filepath.Join(missing, "model.safetensors"), tensors[:len(tensors)-1], nil); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(missing, "config.json"), cfg, 0o644); err != nil {
		t.Fatal(err)
	}
	reshaped := t.TempDir()
	r := *tensors[0]
	r.Shape = []int{r.Shape[0] * r.Shape[1]}
	if len(tensors[0].Shape) != 2 {
		t.Fatalf("tensor %q: shape %v, want a matrix", r.Name, tensors[0].Shape)
	}
	if err := safetensors.WriteFile(filepath.Join(reshaped, "model.safetensors"), append([]*safetensors.Tensor{&r}, tensors[1:]...), nil); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(reshaped, "config.json"), cfg, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		dirs []string
		want string
	}{
		{[]string{embedded}, "want at least 2"},
		{[]string{embedded, otherCfg}, "config.json describes another model"},
		{[]string{embedded, otherTok}, "tokenizer.json differs"},
		{[]string{embedded, missing}, dropped},
		{[]string{missing, embedded}, dropped},
		{[]string{embedded, reshaped}, r.Name},
		{[]string{embedded, t.TempDir()}, "config.json"},
	} {
		err := average(t.TempDir(), c.dirs)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("average(%v): %v; want an error containing %q", c.dirs, err, c.want)
		}
	}
}
