package main

import (
	"bytes"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/how-llms-work/course/llm/simd"
)

// tinyModel is the tiny-a checkpoint that package model's fixture tests use.
const tinyModel = "../../model/testdata/tiny-a"

func TestBenchJSON(t *testing.T) {
	var out bytes.Buffer
	err := runBench([]string{"-model", tinyModel, "-json", "-threads", "2", "-prefill", "9", "-decode", "3", "-reps", "1", "-bw-mib", "8"}, &out)
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(out.Bytes(), &got); err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, out.String())
	}
	for _, key := range []string{"decode_tok_s", "prefill_tok_s", "weights_gb_s", "bandwidth_gb_s", "ratio", "weight_bytes"} {
		v, ok := got[key].(float64)
		if !ok || !(v > 0) || math.IsInf(v, 0) {
			t.Errorf("%s = %v, want a positive number", key, got[key])
		}
	}
	if r, w, b := got["ratio"].(float64), got["weights_gb_s"].(float64), got["bandwidth_gb_s"].(float64); math.Abs(r-w/b) > 1e-9*r {
		t.Errorf("ratio %g != weights_gb_s/bandwidth_gb_s = %g", r, w/b)
	}
	if d, w := got["decode_tok_s"].(float64), got["weights_gb_s"].(float64); math.Abs(w-d*got["weight_bytes"].(float64)/1e9) > 1e-9*w {
		t.Errorf("weights_gb_s %g != decode_tok_s × weight_bytes", w)
	}
	cpu, _ := got["cpu"].(map[string]any)
	if m, _ := cpu["model"].(string); m == "" || cpu["arch"] == nil || cpu["features"] == nil {
		t.Errorf("cpu = %v, want the model name, arch and features", got["cpu"])
	}
	if got["prefill_tokens"].(float64) != 9 || got["decode_tokens"].(float64) != 3 || got["threads"].(float64) != 2 {
		t.Errorf("flags not reflected in output: %s", out.String())
	}
}

func TestBenchText(t *testing.T) {
	var out bytes.Buffer
	if err := runBench([]string{"-model", tinyModel, "-prefill", "4", "-decode", "2", "-reps", "1", "-bw-mib", "4"}, &out); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"bandwidth ", "decode ", "prefill ", "× bandwidth", "cpu "} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}

func TestBenchKernels(t *testing.T) {
	t.Setenv("LLM_KERNELS", "") // restored after the test; -kernels sets it
	var out bytes.Buffer
	if err := runBench([]string{"-model", tinyModel, "-kernels", "go", "-json", "-prefill", "3", "-decode", "2", "-reps", "1", "-bw-mib", "4"}, &out); err != nil {
		t.Fatal(err)
	}
	var got struct {
		Kernels   string
		Bandwidth float64            `json:"bandwidth_gb_s"`
		ByPath    map[string]float64 `json:"bandwidth_by_path_gb_s"`
	}
	if err := json.Unmarshal(out.Bytes(), &got); err != nil || got.Kernels != "go" {
		t.Errorf("-kernels go: kernels %q (%v), want go", got.Kernels, err)
	}
	// The reference read is the better of the forced path's loop and the
	// fastest exact path's, so a forced path is measured against the
	// machine, not against its own loads.
	want := []string{"go"}
	if best := simd.BestPath(); best != simd.PathGo {
		want = append(want, best.String())
	}
	if len(got.ByPath) != len(want) {
		t.Errorf("bandwidth by path %v, want reads through %v", got.ByPath, want)
	}
	top := 0.0
	for _, name := range want {
		if got.ByPath[name] <= 0 {
			t.Errorf("no read bandwidth through %s's loop: %v", name, got.ByPath)
		}
		top = max(top, got.ByPath[name])
	}
	if got.Bandwidth != top {
		t.Errorf("bandwidth_gb_s %g, want the best read by path, %g (%v)", got.Bandwidth, top, got.ByPath)
	}
}

func TestBenchErrors(t *testing.T) {
	for _, args := range [][]string{
		{},
		{"-model", "no/such/dir"},
		{"-model", tinyModel, "-threads", "0"},
		{"-model", tinyModel, "-prefill", "100000"},
		{"-model", tinyModel, "extra"},
		{"-bogus"},
		{"-model", tinyModel, "-kernels", "sse"},
	} {
		if err := runBench(args, new(bytes.Buffer)); err == nil {
			t.Errorf("runBench(%q): no error", args)
		}
	}
}

func TestBenchQ8Resident(t *testing.T) {
	run := func(extra ...string) (res benchResult) {
		var out bytes.Buffer
		args := append([]string{"-model", tinyModel, "-json", "-prefill", "3", "-decode", "2", "-reps", "1", "-bw-mib", "4"}, extra...)
		if err := runBench(args, &out); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(out.Bytes(), &res); err != nil {
			t.Fatal(err)
		}
		return res
	}
	bf16, q8 := run(), run("-q8")
	if res := run("-resident"); !res.Resident || res.WeightBytes != bf16.WeightBytes || !(res.DecodeTokS > 0) {
		t.Errorf("-resident: resident %v, %d bytes per token (want %d), %g tok/s", res.Resident, res.WeightBytes, bf16.WeightBytes, res.DecodeTokS)
	}
	// Q8 stores 32 weights in 32 bytes plus a 4-byte scale: 1.125 bytes a
	// weight instead of 2 (the small float32 vectors stay as they are).
	if bf16.Weights != "" || q8.Weights != "q8" {
		t.Errorf("weights %q / %q, want \"\" / q8", bf16.Weights, q8.Weights)
	}
	if r := float64(q8.WeightBytes) / float64(bf16.WeightBytes); r < 0.55 || r > 0.6 {
		t.Errorf("-q8 reads %d bytes per token, BF16 %d: ratio %.3f, want ≈ 1.125/2", q8.WeightBytes, bf16.WeightBytes, r)
	}
}

// TestBenchCalibrate checks that -calibrate times every exact path but go,
// fastest first, measures on the fastest, and that the CPU-model choice is
// reported.
func TestBenchCalibrate(t *testing.T) {
	t.Setenv("LLM_KERNELS", "")
	var out bytes.Buffer
	if err := runBench([]string{"-model", tinyModel, "-calibrate", "-json", "-prefill", "3", "-decode", "2", "-reps", "1", "-bw-mib", "4"}, &out); err != nil {
		t.Fatal(err)
	}
	var raw struct {
		Kernels string
		Choice  struct{ Path, Reason string }
		Calib   []calibration `json:"calibration"`
	}
	if err := json.Unmarshal(out.Bytes(), &raw); err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, out.String())
	}
	var want []string
	for _, p := range simd.Paths() {
		if p.Exact() && p != simd.PathGo {
			want = append(want, p.String())
		}
	}
	if len(raw.Calib) != len(want) {
		t.Fatalf("calibration has %d paths, want %v:\n%s", len(raw.Calib), want, out.String())
	}
	for i, c := range raw.Calib {
		if !slices.Contains(want, c.Path) || !(c.Seconds > 0) || !(c.PrefillTokS > 0) || !(c.DecodeTokS > 0) {
			t.Errorf("calibration[%d] = %+v", i, c)
		}
		if i > 0 && c.Seconds < raw.Calib[i-1].Seconds {
			t.Errorf("calibration not fastest first: %+v", raw.Calib)
		}
	}
	if len(raw.Calib) > 0 && raw.Kernels != raw.Calib[0].Path {
		t.Errorf("measured on %s, calibration's fastest is %s", raw.Kernels, raw.Calib[0].Path)
	}
	if h := simd.HostChoice(); raw.Choice.Path != h.Path.String() || raw.Choice.Reason != h.Reason {
		t.Errorf("choice = %+v, want %+v", raw.Choice, h)
	}
}

// TestBenchCPUProfile: -cpuprofile leaves a complete profile (gzip-compressed
// protobuf) and no temporary file beside it.
func TestBenchCPUProfile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "cpu.pprof")
	if err := runBench([]string{"-model", tinyModel, "-prefill", "4", "-decode", "2", "-reps", "1", "-bw-mib", "4", "-cpuprofile", path}, new(bytes.Buffer)); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(data) < 2 || data[0] != 0x1f || data[1] != 0x8b {
		t.Errorf("%s is not a gzip-compressed profile (%d bytes)", path, len(data))
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("%d entries in the folder, want only the profile", len(entries))
	}
}
