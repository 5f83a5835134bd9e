package main

import (
	"bytes"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/how-llms-work/course/llm/safetensors"
)

// TestGradCommand runs `llm grad` on the tiny-a fixture and compares the
// written gradients with the PyTorch float64 reference.
func TestGradCommand(t *testing.T) {
	const fix = "../../train/testdata"
	var idx struct {
		Sequences []struct {
			ID       string  `json:"id"`
			TokenIDs []int   `json:"token_ids"`
			Loss     float64 `json:"loss"`
		} `json:"sequences"`
	}
	b, err := os.ReadFile(filepath.Join(fix, "grad-tiny-a/index.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &idx); err != nil {
		t.Fatal(err)
	}
	seq := idx.Sequences[0]
	var ids []string
	for _, id := range seq.TokenIDs {
		ids = append(ids, strconv.Itoa(id))
	}
	out := filepath.Join(t.TempDir(), "g.safetensors")
	var stdout bytes.Buffer
	if err := runGrad([]string{"-model", filepath.Join(fix, "tiny-a"), "-ids", strings.Join(ids, ","), "-out", out}, &stdout); err != nil {
		t.Fatal(err)
	}
	var loss float64
	if _, err := parseLoss(stdout.String(), &loss); err != nil {
		t.Fatalf("output %q: %v", stdout.String(), err)
	}
	if math.Abs(loss-seq.Loss) > 2e-5*seq.Loss {
		t.Errorf("printed loss %v, want %v", loss, seq.Loss)
	}
	got, err := safetensors.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer got.Close()
	want, err := safetensors.Open(filepath.Join(fix, "grad-tiny-a/grads_len45.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	defer want.Close()
	if len(got.Names()) != len(want.Names()) {
		t.Errorf("%d tensors, want %d", len(got.Names()), len(want.Names()))
	}
	for _, name := range want.Names() {
		g := got.Lookup(name)
		if g == nil || g.DType != safetensors.F32 {
			t.Errorf("tensor %s missing or not F32", name)
			continue
		}
		gv, wv := g.Float32(), want.Lookup(name).Float32()
		var maxRef, maxErr float64
		for i := range wv {
			maxRef = math.Max(maxRef, math.Abs(float64(wv[i])))
			maxErr = math.Max(maxErr, math.Abs(float64(gv[i]-wv[i])))
		}
		if maxErr > 1e-3*maxRef {
			t.Errorf("%s: max error %.3g of max |ref| %.3g", name, maxErr, maxRef)
		}
	}
}

func TestGradCommandErrors(t *testing.T) {
	dir := "../../train/testdata/tiny-a"
	for _, args := range [][]string{
		{},
		{"-model", dir, "-ids", "1", "-out", "x"},
		{"-model", dir, "-ids", "1,x", "-out", "x"},
		{"-model", dir, "-ids", "1,100000", "-out", filepath.Join(t.TempDir(), "g")},
		{"-model", t.TempDir(), "-ids", "1,2", "-out", "x"},
	} {
		if err := runGrad(args, new(bytes.Buffer)); err == nil {
			t.Errorf("llm grad %v: no error", args)
		}
	}
}

// parseLoss reads the loss from "loss 10.37... nats ...".
func parseLoss(s string, loss *float64) (int, error) {
	f := strings.Fields(s)
	if len(f) < 2 {
		return 0, os.ErrInvalid
	}
	v, err := strconv.ParseFloat(f[1], 64)
	*loss = v
	return 1, err
}
