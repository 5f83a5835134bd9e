package widgets_test

import (
	"math"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/how-llms-work/course/llm"
	"github.com/how-llms-work/course/widgets"
)

// captureNorms recomputes a pass's norms at the seven capture points, mean
// over positions, straight from the captured rows: [layer][point].
func captureNorms(p *llm.Pass) [][]float64 {
	c := p.Capture
	out := make([][]float64, len(c.Layers))
	for i, l := range c.Layers {
		in := c.Embedding
		if i > 0 {
			in = c.Layers[i-1].Residual
		}
		for _, rows := range [][][]float32{in, l.InputNorm, l.MixerOut, l.AfterMixer, l.PostNorm, l.MLPOut, l.Residual} {
			var s float64
			for _, r := range rows {
				var ss float64
				for _, v := range r {
					ss += float64(v) * float64(v)
				}
				s += math.Sqrt(ss)
			}
			out[i] = append(out[i], s/float64(len(rows)))
		}
	}
	return out
}

// TestLayerMapHTML checks that every cell of the static heatmap shows the
// mean norm recomputed from the capture, and that the rows carry the kinds.
func TestLayerMapHTML(t *testing.T) {
	p := tinyPass(t)
	lm, err := widgets.FromBlockNorms(p)
	if err != nil {
		t.Fatal(err)
	}
	doc := checkSelfContained(t, mustHTML(t, lm))
	want := captureNorms(p)
	rows := all(doc, func(n *html.Node) bool { _, ok := attr(n, "data-l"); return ok && n.Data == "tr" })
	if len(rows) != len(p.Capture.Layers) {
		t.Fatalf("%d rows for %d layers", len(rows), len(p.Capture.Layers))
	}
	for i, r := range rows {
		cells := all(r, tag("td"))
		if len(cells) != 7 {
			t.Fatalf("row %d: %d cells", i, len(cells))
		}
		for j, c := range cells {
			if got := text(c); got != strconv.FormatFloat(want[i][j], 'f', 2, 64) {
				t.Errorf("layer %d point %d shows %s, want %.2f", i, j, got, want[i][j])
			}
		}
		full := p.Capture.Layers[i].Type == llm.FullAttention
		if label := text(all(r, tag("th"))[0]); strings.Contains(label, "◆") != full {
			t.Errorf("row %d label %q, full attention %v", i, label, full)
		}
	}
	txt, err := lm.Text()
	if err != nil || !strings.Contains(txt, "layer 3 · full attention") || !strings.Contains(txt, strconv.FormatFloat(want[3][6], 'f', 2, 64)) {
		t.Errorf("Text: %v\n%s", err, txt)
	}
	if got := sanitizedText(t, mustHTML(t, lm)); !strings.Contains(got, "◆ layer 3 "+strconv.FormatFloat(want[3][0], 'f', 2, 64)) {
		t.Errorf("sanitized view lacks layer 3's row:\n%s", got)
	}
}

func TestLayerMapErrors(t *testing.T) {
	good := func() widgets.LayerMap {
		return widgets.LayerMap{Points: []string{"a", "b"}, Layers: []widgets.MapLayer{{Label: "0"}}, Tokens: []string{"x"}, Norms: [][][]float64{{{1}, {2}}}}
	}
	if _, err := good().HTML(); err != nil {
		t.Fatal(err)
	}
	for name, f := range map[string]func(*widgets.LayerMap){
		"no layers":    func(m *widgets.LayerMap) { m.Layers = nil },
		"short norms":  func(m *widgets.LayerMap) { m.Norms[0] = m.Norms[0][:1] },
		"negative":     func(m *widgets.LayerMap) { m.Norms[0][1][0] = -1 },
		"NaN":          func(m *widgets.LayerMap) { m.Norms[0][0][0] = math.NaN() },
		"positions":    func(m *widgets.LayerMap) { m.Tokens = append(m.Tokens, "y") },
		"many tokens":  func(m *widgets.LayerMap) { m.Tokens = make([]string, 65) },
		"layers/norms": func(m *widgets.LayerMap) { m.Layers = append(m.Layers, widgets.MapLayer{}) },
	} {
		m := good()
		f(&m)
		if _, err := m.HTML(); err == nil {
			t.Errorf("%s: no error", name)
		}
		if _, err := m.Text(); err == nil {
			t.Errorf("%s: Text: no error", name)
		}
	}
}

// TestLayerStripFromSkips checks the strip against the ablation it draws.
func TestLayerStripFromSkips(t *testing.T) {
	m, err := llm.LoadTiny()
	if err != nil {
		t.Fatal(err)
	}
	s := m.MustSkipLayers("The cat sat on the")
	st := widgets.FromSkips(s)
	doc := checkSelfContained(t, mustHTML(t, st))
	rows := all(doc, class("pick"))
	if len(rows) != len(s.Layers) {
		t.Fatalf("%d table rows for %d layers", len(rows), len(s.Layers))
	}
	for i, r := range rows {
		cells := all(r, tag("td"))
		if got, want := text(cells[2]), strconv.FormatFloat(s.Layers[i].KL, 'f', 4, 64); got != want && !near(got, s.Layers[i].KL) {
			t.Errorf("layer %d shows KL %s, want %s", i, got, want)
		}
		if kind := text(cells[1]); (kind == "full attention") != (s.Layers[i].Type == llm.FullAttention) {
			t.Errorf("layer %d kind %q", i, kind)
		}
		if !strings.Contains(text(cells[3]), strconv.Quote(s.Layers[i].Top.Piece)) {
			t.Errorf("layer %d detail %q lacks the top token %q", i, text(cells[3]), s.Layers[i].Top.Piece)
		}
	}
	if len(all(doc, class("cell"))) != len(s.Layers) {
		t.Error("one strip cell per layer expected")
	}
	if txt, err := st.Text(); err != nil || !strings.Contains(txt, "layer 0") || !strings.Contains(txt, "nats") {
		t.Errorf("Text: %v\n%s", err, txt)
	}
	for name, bad := range map[string]widgets.LayerStrip{
		"empty":    {},
		"values":   {Layers: []widgets.MapLayer{{}}, Values: nil},
		"details":  {Layers: []widgets.MapLayer{{}}, Values: []float64{1}, Details: []string{"a", "b"}},
		"negative": {Layers: []widgets.MapLayer{{}}, Values: []float64{-1}},
		"inf":      {Layers: []widgets.MapLayer{{}}, Values: []float64{math.Inf(1)}},
	} {
		if _, err := bad.HTML(); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	// Linear shading, all zero: still draws.
	if _, err := (widgets.LayerStrip{Layers: []widgets.MapLayer{{}, {Full: true}}, Values: []float64{0, 0}}).HTML(); err != nil {
		t.Error(err)
	}
}

func TestConfigStrip(t *testing.T) {
	c := llm.Qwen35Config()
	vals := make([]float64, c.Layers)
	s := widgets.ConfigStrip(c, vals)
	if len(s.Layers) != 24 || !s.Layers[3].Full || s.Layers[4].Full || s.Layers[23].Label != "layer 23" {
		t.Errorf("strip of the published config: %+v", s.Layers)
	}
	if _, err := s.HTML(); err != nil {
		t.Error(err)
	}
}
