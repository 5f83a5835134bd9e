package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/how-llms-work/course/llm"
	"github.com/how-llms-work/course/llm/safetensors"
	"github.com/how-llms-work/course/llm/train"
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

// TestTrainCommand trains a micro model for a few steps on a text file,
// then checks the checkpoint, the export, the report and a resume.
func TestTrainCommand(t *testing.T) {
	dir := t.TempDir()
	cfg, err := train.Micro(328).MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	cfgPath := filepath.Join(dir, "config.json")
	textPath := filepath.Join(dir, "text.txt")
	os.WriteFile(cfgPath, cfg, 0o644)
	os.WriteFile(textPath, []byte(strings.Repeat("The cat sat on the mat. The dog sat on the log. ", 80)), 0o644)
	out, export := filepath.Join(dir, "run"), filepath.Join(dir, "export")
	args := []string{"-config", cfgPath, "-tokenizer", "../../train/testdata/tiny-a/tokenizer.json", "-text", textPath,
		"-out", out, "-export", export, "-steps", "4", "-batch", "2", "-seq", "32", "-warmup", "1", "-log-every", "2", "-save-every", "2"}
	var stdout bytes.Buffer
	if err := runTrain(args, &stdout); err != nil {
		t.Fatalf("%v\n%s", err, stdout.String())
	}
	if !strings.Contains(stdout.String(), "step     4") || !strings.Contains(stdout.String(), "validation (") {
		t.Errorf("output lacks the step log or the validation line:\n%s", stdout.String())
	}
	var rep report
	b, err := os.ReadFile(filepath.Join(out, "report.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Steps != 4 || !(rep.ValidLoss > 0) || math.Abs(rep.ValidLoss-rep.ValidLossBF16) > 0.05 || len(rep.Samples) == 0 {
		t.Errorf("report: steps %d, valid %v (bf16 %v), %d samples", rep.Steps, rep.ValidLoss, rep.ValidLossBF16, len(rep.Samples))
	}
	f, err := safetensors.Open(filepath.Join(export, "model.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	if f.Metadata["trained"] != "true" || f.Lookup("model.language_model.embed_tokens.weight").DType != safetensors.BF16 {
		t.Errorf("export metadata %v", f.Metadata)
	}
	f.Close()
	// The run's BF16 export is a whole model folder: the tokenizer files came with it.
	for _, name := range []string{"tokenizer.json", "tokenizer_config.json"} {
		want, _ := os.ReadFile(filepath.Join("../../train/testdata/tiny-a", name))
		if got, err := os.ReadFile(filepath.Join(out, "bf16", name)); err != nil || len(want) == 0 || !bytes.Equal(got, want) {
			t.Errorf("%s/bf16/%s: %d bytes (%v), want the %d of the -tokenizer folder", out, name, len(got), err, len(want))
		}
	}
	if m, err := llm.Load(filepath.Join(out, "bf16")); err != nil {
		t.Errorf("llm.Load of the BF16 export: %v", err)
	} else {
		m.Close()
	}
	// The same command with more steps resumes from the checkpoint.
	for i, a := range args {
		if a == "-steps" {
			args[i+1] = "6"
		}
	}
	stdout.Reset()
	if err := runTrain(args, &stdout); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stdout.String(), "resumed") || !strings.Contains(stdout.String(), "step     6") {
		t.Errorf("second run did not resume to step 6:\n%s", stdout.String())
	}
	// Resuming with other shapes is refused, not silently ignored.
	for i, a := range args {
		switch a {
		case "-batch":
			args[i+1] = "4"
		case "-seq":
			args[i+1] = "16"
		case "-steps":
			args[i+1] = "8"
		}
	}
	before, _ := os.ReadFile(filepath.Join(out, "train.json"))
	err = runTrain(args, new(bytes.Buffer))
	if err == nil || !strings.Contains(err.Error(), "-batch 4 (the checkpoint has 2)") || !strings.Contains(err.Error(), "-seq 16 (the checkpoint has 32)") {
		t.Errorf("resume with a new -batch and -seq: %v", err)
	}
	if after, _ := os.ReadFile(filepath.Join(out, "train.json")); !bytes.Equal(before, after) {
		t.Error("the refused resume changed the checkpoint")
	}
	// Files are replaced by renaming: no temporary file is left beside them.
	for _, d := range []string{out, export, filepath.Join(out, "bf16")} {
		entries, _ := os.ReadDir(d)
		for _, e := range entries {
			if strings.Contains(e.Name(), ".tmp") {
				t.Errorf("temporary file %s left in %s", e.Name(), d)
			}
		}
	}
}

// TestTrainRejectsNonFiniteFlags: -clip NaN, -wd NaN and friends are refused
// at once, not after a whole run.
func TestTrainRejectsNonFiniteFlags(t *testing.T) {
	for _, flagValue := range [][2]string{{"-clip", "NaN"}, {"-wd", "NaN"}, {"-lr", "+Inf"}, {"-min-lr", "-1"}, {"-dropout", "NaN"}, {"-dropout", "-0.1"}} {
		args := []string{"-config", "x.json", "-tokenizer", "x.json", "-out", t.TempDir(), flagValue[0], flagValue[1]}
		err := runTrain(args, new(bytes.Buffer))
		if err == nil || !strings.Contains(err.Error(), flagValue[0]+" ") || !strings.Contains(err.Error(), "finite") {
			t.Errorf("llm train %s %s: %v, want it refused", flagValue[0], flagValue[1], err)
		}
	}
	err := runTrain([]string{"-config", "x.json", "-tokenizer", "x.json", "-out", t.TempDir(), "-dropout", "1"}, new(bytes.Buffer))
	if err == nil || !strings.Contains(err.Error(), "-dropout 1: want a probability below 1") {
		t.Errorf("llm train -dropout 1: %v, want it refused", err)
	}
}

// TestTrainInitAndValid starts a run from an exported checkpoint (-init)
// and validates on a separate file (-valid): step 1's loss is the loss of
// the starting weights, well below that of fresh random ones, and the
// validation count is the validation file's.
func TestTrainInitAndValid(t *testing.T) {
	dir := t.TempDir()
	cfg, err := train.Micro(328).MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	cfgPath := filepath.Join(dir, "config.json")
	// -valid names a folder: its one .txt file.
	textPath, validPath := filepath.Join(dir, "text.txt"), filepath.Join(dir, "valid")
	os.Mkdir(validPath, 0o755)
	os.WriteFile(filepath.Join(validPath, "valid.txt"), []byte(strings.Repeat("The dog sat on the mat. ", 12)), 0o644)
	os.WriteFile(cfgPath, cfg, 0o644)
	os.WriteFile(textPath, []byte(strings.Repeat("The cat sat on the mat. The dog sat on the log. ", 80)), 0o644)
	tok := "../../train/testdata/tiny-a/tokenizer.json"
	first := func(out string, extra ...string) (float64, string) {
		args := append([]string{"-config", cfgPath, "-tokenizer", tok, "-text", textPath, "-valid", validPath,
			"-out", out, "-steps", "40", "-batch", "2", "-seq", "32", "-lr", "1e-2", "-warmup", "1", "-log-every", "40", "-eval-seqs", "1"}, extra...)
		var stdout bytes.Buffer
		if err := runTrain(args, &stdout); err != nil {
			t.Fatalf("%v\n%s", err, stdout.String())
		}
		var loss float64
		for _, line := range strings.Split(stdout.String(), "\n") {
			if strings.HasPrefix(line, "step     1 ") {
				fmt.Sscanf(strings.Fields(line)[3], "%g", &loss)
			}
		}
		return loss, stdout.String()
	}
	random, log := first(filepath.Join(dir, "a"), "-export", filepath.Join(dir, "exp"))
	if !strings.Contains(log, "1 training files, 1 validation files") {
		t.Errorf("-valid not used:\n%s", log)
	}
	warm, log := first(filepath.Join(dir, "b"), "-init", filepath.Join(dir, "exp"))
	if !strings.Contains(log, "initial weights:") || !(warm < random-1) {
		t.Errorf("step 1 loss %.3f from -init, %.3f from random weights:\n%s", warm, random, log)
	}
	other, _ := train.Micro(320).MarshalJSON()
	os.WriteFile(cfgPath, other, 0o644)
	var stdout bytes.Buffer
	err = runTrain([]string{"-config", cfgPath, "-tokenizer", tok, "-text", textPath, "-out", filepath.Join(dir, "c"), "-init", filepath.Join(dir, "exp"), "-steps", "1", "-seq", "32"}, &stdout)
	if err == nil || !strings.Contains(err.Error(), "differs from -config") {
		t.Errorf("-init with another config: %v", err)
	}
}

// cancelAfter is an io.Writer that cancels a context once the text written
// to it contains mark.
type cancelAfter struct {
	bytes.Buffer
	mark   string
	cancel context.CancelFunc
}

func (w *cancelAfter) Write(p []byte) (int, error) {
	n, err := w.Buffer.Write(p)
	if strings.Contains(w.String(), w.mark) {
		w.cancel()
	}
	return n, err
}

// TestTrainInterrupted stops a run after its second step (as SIGTERM does):
// it must leave a checkpoint of exactly 2 steps and no report, and the same
// command must resume it to the end.
func TestTrainInterrupted(t *testing.T) {
	dir := t.TempDir()
	cfg, err := train.Micro(328).MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	cfgPath, textPath := filepath.Join(dir, "config.json"), filepath.Join(dir, "text.txt")
	os.WriteFile(cfgPath, cfg, 0o644)
	os.WriteFile(textPath, []byte(strings.Repeat("The cat sat on the mat. The dog sat on the log. ", 80)), 0o644)
	out := filepath.Join(dir, "run")
	args := []string{"-config", cfgPath, "-tokenizer", "../../train/testdata/tiny-a/tokenizer.json", "-text", textPath,
		"-out", out, "-steps", "4", "-batch", "2", "-seq", "32", "-warmup", "1", "-log-every", "1", "-save-every", "100", "-eval-seqs", "1"}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	w := &cancelAfter{mark: "step     2 ", cancel: cancel}
	if err := trainUntil(ctx, args, w); err != nil {
		t.Fatalf("%v\n%s", err, w.String())
	}
	if !strings.Contains(w.String(), "interrupted: checkpoint of step 2 of 4") || strings.Contains(w.String(), "step     3") {
		t.Errorf("the run did not stop after step 2:\n%s", w.String())
	}
	if _, err := os.Stat(filepath.Join(out, "report.json")); err == nil {
		t.Error("an interrupted run wrote report.json")
	}
	csv, err := os.ReadFile(filepath.Join(out, "loss.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(strings.TrimSpace(string(csv)), "\n"); n != 2 {
		t.Errorf("loss.csv after the interruption has %d steps, want 2:\n%s", n, csv)
	}
	var stdout bytes.Buffer
	if err := trainUntil(context.Background(), args, &stdout); err != nil {
		t.Fatalf("%v\n%s", err, stdout.String())
	}
	if !strings.Contains(stdout.String(), "resumed "+out+" at step 2 of 4") || !strings.Contains(stdout.String(), "step     4") {
		t.Errorf("the same command did not resume the run:\n%s", stdout.String())
	}
	if _, err := os.Stat(filepath.Join(out, "report.json")); err != nil {
		t.Errorf("the resumed run wrote no report: %v", err)
	}
}

// TestTextFiles checks that a folder in a -text list stands for its .txt
// files in name order, beside plain files, and that a missing path or a
// folder without .txt files is an error naming the flag and the path.
func TestTextFiles(t *testing.T) {
	dir := t.TempDir()
	corpus := filepath.Join(dir, "corpus")
	os.Mkdir(corpus, 0o755)
	for _, name := range []string{"b.txt", "a.txt", "notes.md", "c-10.txt", "c-9.txt"} {
		os.WriteFile(filepath.Join(corpus, name), []byte(name), 0o644)
	}
	extra := filepath.Join(dir, "extra.txt")
	os.WriteFile(extra, []byte("extra"), 0o644)
	got, err := textFiles("-text", extra+","+corpus)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{extra}
	for _, name := range []string{"a.txt", "b.txt", "c-10.txt", "c-9.txt"} {
		want = append(want, filepath.Join(corpus, name))
	}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("textFiles = %q, want %q", got, want)
	}

	empty := filepath.Join(dir, "empty")
	os.Mkdir(empty, 0o755)
	for list, msg := range map[string]string{
		empty:                          "-valid: folder " + empty + " has no .txt files",
		filepath.Join(dir, "none.txt"): "-valid: stat " + filepath.Join(dir, "none.txt"),
	} {
		if _, err := textFiles("-valid", list); err == nil || !strings.Contains(err.Error(), msg) {
			t.Errorf("textFiles(%q): %v, want an error containing %q", list, err, msg)
		}
	}
}
