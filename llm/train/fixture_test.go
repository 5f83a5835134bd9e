package train

import (
	"encoding/binary"
	"encoding/json"
	"math"
	"os"
	"testing"
)

type gradIndex struct {
	Sequences []struct {
		ID       string    `json:"id"`
		TokenIDs []int     `json:"token_ids"`
		Loss     float64   `json:"loss"`
		PerPos   []float64 `json:"per_position_nll"`
	} `json:"sequences"`
}

func loadGradFixture(t *testing.T) (ids []int, loss float64, perPos []float64) {
	t.Helper()
	data, err := os.ReadFile("testdata/grad-tiny-a/index.json")
	if err != nil {
		t.Fatal(err)
	}
	var idx gradIndex
	if err := json.Unmarshal(data, &idx); err != nil {
		t.Fatal(err)
	}
	for _, s := range idx.Sequences {
		if s.ID == "prefill_len45" {
			return s.TokenIDs, s.Loss, s.PerPos
		}
	}
	t.Fatal("prefill_len45 not in index.json")
	return nil, 0, nil
}

// readGrads reads a gradient fixture into a flat vector laid out like m.
func readGrads[F Float](t *testing.T, m *Model[F], path string) []F {
	t.Helper()
	g := make([]F, len(m.Params))
	if _, err := m.readFlat(path, g, ""); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return g
}

func checkGrads[F Float](t *testing.T, m *Model[F], got []F, want []F, tol float64) {
	t.Helper()
	for _, ts := range m.Tensors {
		g, w := got[ts.Off:ts.Off+ts.Size], want[ts.Off:ts.Off+ts.Size]
		var maxRef, maxErr float64
		for i := range w {
			maxRef = math.Max(maxRef, math.Abs(float64(w[i])))
			maxErr = math.Max(maxErr, math.Abs(float64(g[i])-float64(w[i])))
		}
		if maxErr > tol*maxRef {
			t.Errorf("%s: max |g - ref| = %.3g, %.3g of max |ref| %.3g (tolerance %g)", ts.Name, maxErr, maxErr/maxRef, maxRef, tol)
		}
	}
}

func TestFixtureGradF64(t *testing.T) {
	m, err := Load[float64]("testdata/tiny-a")
	if err != nil {
		t.Fatal(err)
	}
	ids, wantLoss, perPos := loadGradFixture(t)
	g := make([]float64, len(m.Params))
	loss, err := m.Grad(g, [][]int{ids})
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(loss-wantLoss) > 1e-9*wantLoss {
		t.Errorf("loss = %.12f, want %.12f", loss, wantLoss)
	}
	ls, _ := m.Losses([][]int{ids})
	for i, l := range ls[0] {
		if math.Abs(l-perPos[i]) > 1e-9 {
			t.Errorf("position %d: loss %.12f, want %.12f", i, l, perPos[i])
			break
		}
	}
	checkGrads(t, m, g, readGrads(t, m, "testdata/grad-tiny-a/grads_len45.f64.safetensors"), 1e-9)
}

func TestFixtureGradF32(t *testing.T) {
	m, err := Load[float32]("testdata/tiny-a")
	if err != nil {
		t.Fatal(err)
	}
	ids, wantLoss, _ := loadGradFixture(t)
	g := make([]float32, len(m.Params))
	loss, err := m.Grad(g, [][]int{ids})
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(loss-wantLoss) > 2e-5*wantLoss {
		t.Errorf("loss = %.8f, want %.8f", loss, wantLoss)
	}
	checkGrads(t, m, g, readGrads(t, m, "testdata/grad-tiny-a/grads_len45.safetensors"), 1e-3)
}

// TestFixtureLogits checks the training forward pass against the fixture's
// float64 reference logits.
func TestFixtureLogits(t *testing.T) {
	m, err := Load[float64]("testdata/tiny-a")
	if err != nil {
		t.Fatal(err)
	}
	ids, _, _ := loadGradFixture(t)
	got, err := m.Logits(ids)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile("testdata/tiny-a/ref_logits_prefill_len45.bin")
	if err != nil {
		t.Fatal(err)
	}
	if len(raw) != 4*len(got) {
		t.Fatalf("reference has %d values, model gives %d", len(raw)/4, len(got))
	}
	var worst float64
	for i := range got {
		want := float64(math.Float32frombits(binary.LittleEndian.Uint32(raw[4*i:])))
		worst = math.Max(worst, math.Abs(got[i]-want))
	}
	if worst > 1e-5 {
		t.Errorf("max |logit - reference| = %.3g, want ≤ 1e-5", worst)
	}
}
