package llm

import (
	"fmt"
	"math"
	"slices"
	"testing"
)

func TestGroupMembers(t *testing.T) {
	for _, c := range []struct {
		heads, kv, g int
		want         []int
	}{
		{8, 2, 0, []int{0, 1, 2, 3}},
		{8, 2, 1, []int{4, 5, 6, 7}},
		{4, 1, 0, []int{0, 1, 2, 3}},
		{6, 3, 2, []int{4, 5}},
		{4, 4, 3, []int{3}},
		{8, 2, 2, nil},
		{8, 2, -1, nil},
	} {
		cfg := &Config{Heads: c.heads, KVHeads: c.kv}
		if got := GroupMembers(cfg, c.g); !slices.Equal(got, c.want) {
			t.Errorf("%d heads, %d KV heads, group %d: %v, want %v", c.heads, c.kv, c.g, got, c.want)
		}
	}
}

func TestStrongestInGroup(t *testing.T) {
	cfg := &Config{Heads: 8, KVHeads: 2}
	a := &Ablation{Layers: []int{3, 7}, Heads: [][]float64{
		{0.1, 0.4, 0.2, 0.3, 0.9, 0.05, 0.6, 0.7},
		{0.5, 0.5, 0.1, 0.2, 0.01, 0.02, 0.03, 0.04},
	}}
	// The answers worked out by hand: the largest of heads 0–3 and of 4–7.
	for _, c := range []struct {
		i, g, head int
		kl         float64
	}{{0, 0, 1, 0.4}, {0, 1, 4, 0.9}, {1, 0, 0, 0.5}, {1, 1, 7, 0.04}} {
		h, kl := a.StrongestInGroup(cfg, c.i, c.g)
		if h != c.head || kl != c.kl {
			t.Errorf("layer %d group %d: head %d KL %v, want head %d KL %v", a.Layers[c.i], c.g, h, kl, c.head, c.kl)
		}
	}
	// The groups cover every head: the strongest of their strongest is the
	// layer's strongest.
	for i := range a.Heads {
		best := math.Inf(-1)
		for g := range cfg.KVHeads {
			_, kl := a.StrongestInGroup(cfg, i, g)
			best = max(best, kl)
		}
		if best != slices.Max(a.Heads[i]) {
			t.Errorf("layer %d: the groups' strongest %v, the layer's %v", i, best, slices.Max(a.Heads[i]))
		}
	}
	for _, c := range [][2]int{{2, 0}, {-1, 0}, {0, 2}, {0, -1}} {
		if h, kl := a.StrongestInGroup(cfg, c[0], c[1]); h != -1 || !math.IsNaN(kl) {
			t.Errorf("StrongestInGroup(%d, %d) = %d, %v: want -1, NaN", c[0], c[1], h, kl)
		}
	}
}

func ExampleGroupMembers() {
	cfg := Qwen35Config()
	for g := range cfg.KVHeads {
		fmt.Println("KV head", g, "is read by query heads", GroupMembers(cfg, g))
	}
	// Output:
	// KV head 0 is read by query heads [0 1 2 3]
	// KV head 1 is read by query heads [4 5 6 7]
}
