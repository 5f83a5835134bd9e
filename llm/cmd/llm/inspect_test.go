package main

import (
	"bytes"
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParamsCommand(t *testing.T) {
	var out bytes.Buffer
	if err := runParams([]string{"-config", "../../model/testdata/qwen35-0.8b-config.json"}, &out); err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		f := strings.Fields(line)
		got[f[0]] = f[1]
	}
	for k, v := range map[string]string{
		"text": "752393024", "vision": "100592896", "mtp": "20452864",
		"text+vision": "852985920", "stored": "873438784", "embedding": "254279680",
	} {
		if got[k] != v {
			t.Errorf("%s = %q, want %s\n%s", k, got[k], v, out.String())
		}
	}
	if err := runParams(nil, &out); err == nil {
		t.Error("no -config accepted")
	}
}

func readF32(t *testing.T, path string) []float32 {
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	v := make([]float32, len(data)/4)
	for i := range v {
		v[i] = math.Float32frombits(binary.LittleEndian.Uint32(data[4*i:]))
	}
	return v
}

func TestLogitsCommand(t *testing.T) {
	dir := "../../model/testdata/tiny-a"
	want := readF32(t, filepath.Join(dir, "logits_prefill_len7.bin"))
	for _, decode := range []bool{false, true} {
		out := filepath.Join(t.TempDir(), "l.bin")
		args := []string{"-model", dir, "-ids", "111,52,151,254,172,68,28", "-out", out}
		if decode {
			args = append(args, "-decode")
		}
		if err := runLogits(args, new(bytes.Buffer)); err != nil {
			t.Fatal(err)
		}
		got := readF32(t, out)
		if len(got) != len(want) {
			t.Fatalf("%d logits, want %d", len(got), len(want))
		}
		for i := range want {
			if math.Abs(float64(got[i]-want[i])) > 2e-3 {
				t.Fatalf("decode=%v: logit %d = %g, want %g", decode, i, got[i], want[i])
			}
		}
	}
	if err := runLogits([]string{"-model", dir, "-ids", "1,x", "-out", "/dev/null"}, new(bytes.Buffer)); err == nil || !strings.Contains(err.Error(), `"x"`) {
		t.Errorf("bad ids: %v", err)
	}
	if err := runLogits([]string{"-model", dir, "-ids", "1,9999", "-out", "/dev/null"}, new(bytes.Buffer)); err == nil || !strings.Contains(err.Error(), "9999") {
		t.Errorf("out-of-range id: %v", err)
	}
}

func TestSynthCommand(t *testing.T) {
	out := t.TempDir()
	var msg bytes.Buffer
	if err := runSynth([]string{"-config", "../../model/testdata/tiny-c/config.json", "-out", out, "-seed", "3"}, &msg); err != nil {
		t.Fatal(err)
	}
	// The synthetic checkpoint runs through logits.
	lf := filepath.Join(t.TempDir(), "l.bin")
	if err := runLogits([]string{"-model", out, "-ids", "1,2,3", "-out", lf}, new(bytes.Buffer)); err != nil {
		t.Fatal(err)
	}
	for i, v := range readF32(t, lf) {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			t.Fatalf("logit %d = %g", i, v)
		}
	}
}
