package model

import (
	"fmt"
	"slices"
	"testing"
)

// Silencing no head changes nothing, bit for bit; silencing heads changes
// nothing before their layer, and zeroes exactly their columns of o_proj.
func TestWithoutHeads(t *testing.T) {
	m := MustOpen("testdata/tiny-a")
	defer m.Close()
	cfg := m.Config()
	ids := []int{5, 17, 3, 99, 42, 8}
	base, err := m.ForwardCapture(m.NewState(), ids, &Capture{})
	if err != nil {
		t.Fatal(err)
	}
	full := cfg.FullAttentionLayers()
	last := full[len(full)-1]

	same, err := m.WithoutHeads(last)
	if err != nil {
		t.Fatal(err)
	}
	got, err := same.ForwardCapture(same.NewState(), ids, &Capture{})
	same.Close()
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, base) {
		t.Error("WithoutHeads with no head: logits differ")
	}

	ab, err := m.WithoutHeads(last, 0, 2)
	if err != nil {
		t.Fatal(err)
	}
	defer ab.Close()
	var bc, ac Capture
	if _, err := m.ForwardCapture(m.NewState(), ids, &bc); err != nil {
		t.Fatal(err)
	}
	logits, err := ab.ForwardCapture(ab.NewState(), ids, &ac)
	if err != nil {
		t.Fatal(err)
	}
	for i := range last {
		for tok := range ids {
			if !slices.Equal(bc.Layers[i].Residual[tok], ac.Layers[i].Residual[tok]) {
				t.Fatalf("layer %d (before the silenced layer %d) changed", i, last)
			}
		}
	}
	if slices.Equal(logits, base) {
		t.Error("silencing heads 0 and 2 changed no logit")
	}
	oName := fmt.Sprintf("layers.%d.self_attn.o_proj.weight", last)
	wo := ab.MustWeight(oName).Float32()
	orig := m.MustWeight(oName).Float32()
	D, cols := cfg.HeadDim, cfg.Heads*cfg.HeadDim
	for r := range cfg.Hidden {
		for c := range cols {
			h := c / D
			want := orig[r*cols+c]
			if h == 0 || h == 2 {
				want = 0
			}
			if wo[r*cols+c] != want {
				t.Fatalf("o_proj[%d][%d] (head %d) = %v, want %v", r, c, h, wo[r*cols+c], want)
			}
		}
	}
	if orig2 := m.MustWeight(oName).Float32(); !slices.Equal(orig, orig2) || orig[0] == 0 {
		t.Error("the original model's o_proj changed")
	}

	for _, bad := range []struct {
		layer int
		heads []int
	}{{-1, nil}, {cfg.Layers, nil}, {0, []int{0}}, {last, []int{cfg.Heads}}, {last, []int{-1}}} {
		if _, err := m.WithoutHeads(bad.layer, bad.heads...); err == nil {
			t.Errorf("WithoutHeads(%d, %v): no error", bad.layer, bad.heads)
		}
	}
}
