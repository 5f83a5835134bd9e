package train

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/how-llms-work/course/llm/model"
	"github.com/how-llms-work/course/llm/safetensors"
)

// engineLogits runs the engine's inference forward pass.
func engineLogits(t *testing.T, dir string, ids []int) []float32 {
	t.Helper()
	em, err := model.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer em.Close()
	out, err := em.ForwardAll(em.NewState(), ids)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func maxAbsDiff[F Float](a []F, b []float32) float64 {
	var d float64
	for i := range a {
		d = math.Max(d, math.Abs(float64(a[i])-float64(b[i])))
	}
	return d
}

// TestLogitsMatchEngine checks the training forward pass against the
// engine's inference forward pass on tiny-a.
func TestLogitsMatchEngine(t *testing.T) {
	ids, _, _ := loadGradFixture(t)
	m, err := Load[float32]("testdata/tiny-a")
	if err != nil {
		t.Fatal(err)
	}
	got, err := m.Logits(ids)
	if err != nil {
		t.Fatal(err)
	}
	if d := maxAbsDiff(got, engineLogits(t, "testdata/tiny-a", ids)); d > 2e-4 {
		t.Errorf("training logits differ from the engine's by %.3g", d)
	}
}

// TestSaveLoadsInEngine saves F32 and BF16 checkpoints and loads them back
// in this package and in the engine.
func TestSaveLoadsInEngine(t *testing.T) {
	c := Micro(64)
	m := NewModel[float32](c, 7)
	ids := []int{1, 2, 3, 4, 5, 6, 7, 8}
	want, _ := m.Logits(ids)
	for _, dt := range []safetensors.DType{safetensors.F32, safetensors.BF16} {
		dir := t.TempDir()
		if err := m.Save(dir, dt, nil); err != nil {
			t.Fatal(err)
		}
		back, err := Load[float32](dir)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := back.Logits(ids)
		tol := 1e-6
		if dt == safetensors.BF16 {
			tol = 0.05
		}
		if d := maxAbsDiff(got, want); d > tol {
			t.Errorf("%s: reloaded logits differ by %.3g", dt, d)
		}
		if d := maxAbsDiff(got, engineLogits(t, dir, ids)); d > 1e-4 {
			t.Errorf("%s: engine logits differ from ours by %.3g", dt, d)
		}
		f, err := safetensors.Open(dir + "/model.safetensors")
		if err != nil {
			t.Fatal(err)
		}
		for _, ts := range m.Tensors {
			st := f.Lookup(ts.Name)
			wantDT := dt
			if strings.HasSuffix(ts.Name, ".A_log") || strings.HasSuffix(ts.Name, "linear_attn.norm.weight") {
				wantDT = safetensors.F32
			}
			if st == nil || st.DType != wantDT {
				t.Errorf("%s: tensor %s stored as %v, want %s", dt, ts.Name, st, wantDT)
			}
		}
		f.Close()
	}
}

// TestResumeIsExact checks that stopping, checkpointing and resuming gives
// the same weights as an uninterrupted run with the same seed, with and
// without dropout (whose masks must come back the same too).
func TestResumeIsExact(t *testing.T) {
	for _, p := range []float64{0, 0.2} {
		t.Run(fmt.Sprintf("dropout %v", p), func(t *testing.T) { testResumeIsExact(t, p) })
	}
}

func testResumeIsExact(t *testing.T, dropout float64) {
	data := make([]int, 500)
	for i := range data {
		data[i] = (i*i + 3*i) % 50
	}
	opts := Options{Steps: 6, Batch: 2, SeqLen: 16, LR: 3e-3, Warmup: 2, Clip: 1, WeightDecay: 0.1, Seed: 5, Dropout: dropout}
	run := func() *Trainer[float32] {
		tr, err := NewTrainer(NewModel[float32](Micro(50), 1), data, opts)
		if err != nil {
			t.Fatal(err)
		}
		return tr
	}
	a := run()
	if err := a.Run(6, nil); err != nil {
		t.Fatal(err)
	}
	b := run()
	b.Run(3, nil)
	dir := t.TempDir()
	if err := b.SaveCheckpoint(dir); err != nil {
		t.Fatal(err)
	}
	c, err := Resume[float32](dir, data, 0)
	if err != nil {
		t.Fatal(err)
	}
	c.Run(3, nil)
	for i := range a.Model.Params {
		if a.Model.Params[i] != c.Model.Params[i] {
			t.Fatalf("parameter %d: %v uninterrupted, %v resumed", i, a.Model.Params[i], c.Model.Params[i])
		}
	}
	for i := range a.History {
		if a.History[i].Loss != c.History[i].Loss {
			t.Errorf("step %d: loss %v vs %v", i+1, a.History[i].Loss, c.History[i].Loss)
		}
	}
}

// TestTextOnlyNames loads a checkpoint whose tensors are named model.*
// (no language_model) and writes gradients under those names.
func TestTextOnlyNames(t *testing.T) {
	c := Micro(40)
	m := NewModel[float32](c, 3)
	dir := t.TempDir()
	for i := range m.Tensors {
		m.Tensors[i].Name = "model." + m.Tensors[i].Name[len(model.TextPrefix):]
	}
	if err := m.Save(dir, safetensors.F32, nil); err != nil {
		t.Fatal(err)
	}
	back, err := Load[float32](dir)
	if err != nil {
		t.Fatal(err)
	}
	if back.Tensors[0].Name != "model.embed_tokens.weight" {
		t.Errorf("first tensor named %q", back.Tensors[0].Name)
	}
	for i := range m.Params {
		if m.Params[i] != back.Params[i] {
			t.Fatalf("parameter %d differs after the round trip", i)
		}
	}
}

// TestSaveCheckpointWhileMapped saves a checkpoint over one that a reader has
// open (memory-mapped), as llm train -save-every does under a notebook that
// loaded it: the reader keeps its old weights (an in-place rewrite crashed it
// with SIGBUS), and the folder holds only the checkpoint's files.
func TestSaveCheckpointWhileMapped(t *testing.T) {
	data := make([]int, 200)
	for i := range data {
		data[i] = (7 * i) % 50
	}
	tr, err := NewTrainer(NewModel[float32](Micro(50), 1), data, Options{Steps: 4, Batch: 2, SeqLen: 8, LR: 1e-2, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	tr.Run(1, nil)
	dir := t.TempDir()
	if err := tr.SaveCheckpoint(dir); err != nil {
		t.Fatal(err)
	}
	f, err := safetensors.Open(filepath.Join(dir, "model.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	name := f.Names()[0]
	before := append([]float32(nil), f.Lookup(name).Float32()...)
	tr.Run(1, nil)
	if err := tr.SaveCheckpoint(dir); err != nil {
		t.Fatal(err)
	}
	after := f.Lookup(name).Float32()
	for i := range before {
		if after[i] != before[i] {
			t.Fatalf("%s[%d] changed under the reader: %v, was %v", name, i, after[i], before[i])
		}
	}
	g, err := safetensors.Open(filepath.Join(dir, "model.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	if g.Metadata["step"] != "2" {
		t.Errorf("the new checkpoint says step %q, want 2", g.Metadata["step"])
	}
	entries, _ := os.ReadDir(dir)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if want := "config.json model.safetensors optimizer.safetensors train.json"; strings.Join(names, " ") != want {
		t.Errorf("checkpoint folder holds %q, want %q", names, want)
	}
}
