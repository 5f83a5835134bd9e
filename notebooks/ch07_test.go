package notebooks

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/how-llms-work/course/llm"
	"github.com/how-llms-work/course/widgets"
)

// widgetsOfChapter7 are the widget kinds chapter 7 must show.
var widgetsOfChapter7 = []string{"llmw-ribbon", "llmw-lines", "llmw-hist", "llmw-quiz"}

// TestChapter7 checks the executed chapter 7: every cell ran, every widget
// is there, and, when it ran on the embedded model, what it printed against
// values recomputed here: the drift chart, RMSNorm by hand against the
// engine, the outliers by brute force, the gain count from the config, and
// the KL of every removed norm from a pass of the engine's own.
func TestChapter7(t *testing.T) {
	nb := executed(t, "07-rmsnorm.ipynb")
	texts, _ := checkOutputs(t, nb, 7, widgetsOfChapter7, 0)
	// Properties that hold on any model.
	for cell, want := range map[string][]string{
		"worked":   {"mean of squares 3.50, RMS 1.871", "RMSNorm(x) = [1.069 -0.535 1.604 0.000], RMS after 1.000, L2 after 2.000"},
		"engine":   {"input norm by hand == engine, bit for bit: true", "post-attention norm by hand == engine:    true"},
		"identity": {": true"},
		"layernorm": {
			"LayerNorm ignores the shift: 1.000000",
		},
	} {
		for _, w := range want {
			if !strings.Contains(texts[cell], w) {
				t.Errorf("cell %s does not say %q:\n%s", cell, w, texts[cell])
			}
		}
	}
	for _, c := range []string{"0.1", "0.5", "2", "10"} {
		if !regexp.MustCompile(`×` + regexp.QuoteMeta(c) + ` +input L2 +[\d.]+ → output L2 1[56]\.99\d\d|×` + regexp.QuoteMeta(c) + ` +input L2 +[\d.]+ → output L2 16\.0000`).MatchString(texts["scale"]) {
			t.Errorf("scale cell: ×%s does not give output L2 16:\n%s", c, texts["scale"])
		}
	}
	if strings.Count(texts["scale-real"], "InputNorm 1.000000") != 3 {
		t.Errorf("scale-real cell: the scaled real input does not give the engine's output:\n%s", texts["scale-real"])
	}
	// The ablation's summary names the layer with the largest printed KL.
	if kls := regexp.MustCompile(`layer +(\d+) without its input norm: KL +([\d.]+) nats`).FindAllStringSubmatch(texts["ablate"], -1); len(kls) > 0 {
		best, bestKL := "", -1.0
		for _, k := range kls {
			if v, _ := strconv.ParseFloat(k[2], 64); v > bestKL {
				best, bestKL = k[1], v
			}
		}
		if want := "largest KL: layer " + best + ","; !strings.Contains(texts["ablate"], want) {
			t.Errorf("ablate cell does not say %q:\n%s", want, texts["ablate"])
		}
	}
	if strings.Contains(texts["eps"], "99999") || strings.Contains(texts["eps"], "00000") {
		t.Errorf("eps cell prints raw floats:\n%s", texts["eps"])
	}
	if !strings.Contains(texts["load"], "tiny: ") {
		t.Logf("chapter 7 ran on another model; only the embedded model's values are checked:\n%s", texts["load"])
		return
	}
	m, err := llm.LoadTiny()
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	const prompt = "The river flows softly through the valley."
	p := m.MustRun(prompt)
	cfg := m.Config()

	// The drift chart, as the cell titles it.
	chart := widgets.Drift(p.MustNormStats())
	chart.Title = fmt.Sprintf("Per-token L2 across the layers · %q · %s", prompt, m.Name)
	want, err := chart.Text()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(texts["drift"], want) {
		t.Errorf("drift cell:\n%s\nwant:\n%s", texts["drift"], want)
	}
	// Its first value, by hand: the per-token L2 of the embedding rows.
	var sq float64
	for _, id := range p.IDs {
		row, _ := m.Net.Embed(id)
		n := llm.Norm(row)
		sq += n * n
	}
	if w := fmt.Sprintf("stream entering layer 0: %.2f;", math.Sqrt(sq/float64(len(p.IDs)))); !strings.Contains(texts["drift"], w) {
		t.Errorf("drift cell does not say %q", w)
	}

	// Every norm: 2 per layer, q/k per full layer, one per DeltaNet layer, the final one.
	full := len(cfg.FullAttentionLayers())
	if w := fmt.Sprintf("%d norms in tiny", 2*cfg.Layers+2*full+cfg.Layers-full+1); !strings.Contains(texts["gains"], w) {
		t.Errorf("gains cell does not say %q:\n%s", w, texts["gains"])
	}

	// The outliers, by brute force over each layer's output.
	for i, l := range p.Capture.Layers {
		var best float64
		tok, ch := 0, 0
		for ti, r := range l.Residual {
			for c, v := range r {
				if a := math.Abs(float64(v)); a > best {
					best, tok, ch = a, ti, c
				}
			}
		}
		w := fmt.Sprintf("after layer %2d: |max| %8.2f at token %2d %-12q channel %4d:", i, best, tok, p.Pieces[tok], ch)
		if !strings.Contains(texts["massive"], w) {
			t.Errorf("massive cell has no line %q:\n%s", w, texts["massive"])
		}
	}

	// The channel that is the largest most often, and how many of each
	// kind of pre-norm give it a gain above their median, by sorting.
	count, most, top := map[int]int{}, 0, 0
	for _, l := range p.Capture.Layers {
		var best float64
		ch := 0
		for _, r := range l.Residual {
			for c, v := range r {
				if a := math.Abs(float64(v)); a > best {
					best, ch = a, c
				}
			}
		}
		if count[ch]++; count[ch] > top {
			most, top = ch, count[ch]
		}
	}
	above := map[string]int{}
	for l := range cfg.Layers {
		for _, kind := range []string{"input_layernorm", "post_attention_layernorm"} {
			w := m.Net.MustWeight(fmt.Sprintf("layers.%d.%s.weight", l, kind)).Float32()
			e := make([]float64, len(w))
			for i, v := range w {
				e[i] = float64(1 + v)
			}
			sorted := slices.Sorted(slices.Values(e))
			if med := (sorted[(len(e)-1)/2] + sorted[len(e)/2]) / 2; e[most] > med {
				above[kind]++
			}
		}
	}
	if w := fmt.Sprintf("channel %d's gain is above the median in %d of %d input_layernorms and in %d of %d post_attention_layernorms", most, above["input_layernorm"], cfg.Layers, above["post_attention_layernorm"], cfg.Layers); !strings.Contains(texts["massive-gain-ranks"], w) {
		t.Errorf("massive-gain-ranks cell does not say %q:\n%s", w, texts["massive-gain-ranks"])
	}

	// The KL of each removed input norm, from the engine's hook and a
	// float64 softmax here.
	re := regexp.MustCompile(`layer +(\d+) without its input norm: KL +([\d.]+) nats`)
	got := re.FindAllStringSubmatch(texts["ablate"], -1)
	if len(got) != cfg.Layers {
		t.Fatalf("ablate cell lists %d layers, want %d:\n%s", len(got), cfg.Layers, texts["ablate"])
	}
	base := softmax64(p.Logits)
	for _, g := range got {
		i, _ := strconv.Atoi(g[1])
		kl, _ := strconv.ParseFloat(g[2], 64)
		c := &llm.Capture{NoInputNorm: map[int]bool{i: true}}
		all, err := m.Net.ForwardCapture(m.Net.NewState(), p.IDs, c)
		if err != nil {
			t.Fatal(err)
		}
		q := softmax64(all[len(all)-cfg.Vocab:])
		var want float64
		for j := range base {
			if base[j] > 0 {
				want += base[j] * math.Log(base[j]/q[j])
			}
		}
		if math.Abs(kl-want) > 1e-4+1e-3*want {
			t.Errorf("layer %d: the notebook prints KL %.4f, recomputed %.4f", i, kl, want)
		}
	}
	if !slices.Contains(strings.Fields(texts["ablate-stream"]), "removed") {
		t.Errorf("ablate-stream cell shows no comparison:\n%s", texts["ablate-stream"])
	}
}

// softmax64 is a float64 softmax of logits.
func softmax64(logits []float32) []float64 {
	mx := float64(slices.Max(logits))
	p := make([]float64, len(logits))
	var s float64
	for i, l := range logits {
		p[i] = math.Exp(float64(l) - mx)
		s += p[i]
	}
	for i := range p {
		p[i] /= s
	}
	return p
}
