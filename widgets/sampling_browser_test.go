package widgets_test

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/how-llms-work/course/ci/browser"
	"github.com/how-llms-work/course/llm"
	"github.com/how-llms-work/course/widgets"
)

// TestBrowserSampling drives the sampling explorer in headless Chromium:
// after the four sliders move, the kept count and each row's sampled
// probability are those of llm.Sampler.Kept over the whole vocabulary.
func TestBrowserSampling(t *testing.T) {
	bin := browser.Need(t)
	r := rand.New(rand.NewPCG(11, 12))
	logits := make([]float32, 5000)
	for i := range logits {
		logits[i] = float32(r.NormFloat64())
	}
	s := widgets.Sampling{Logits: logits, Rows: 8, Temperature: 1}
	h := mustHTML(t, s)
	id := rootID(t, h)
	pg := openPage(t, bin, widgetPage("sampling", h), "#"+id, true)
	eval := pg.eval
	// Grid positions: T index 7 (0.7), top-k off, top-p index 8 (0.9), min-p index 2 (0.05).
	for _, sv := range [][2]string{{"-t", "7"}, {"-k", "0"}, {"-p", "8"}, {"-m", "2"}} {
		pg.set(id+sv[0], sv[1])
	}
	kept := llm.Sampler{Temperature: 0.7, TopP: 0.9, MinP: 0.05}.Kept(logits)
	if got, want := eval(`document.querySelector("#`+id+` .foot").textContent`), fmt.Sprintf("kept %d of 5,000 tokens", len(kept)); !strings.HasPrefix(got, want) {
		t.Errorf("footer %q, want %q…", got, want)
	}
	var want []string
	for i := range 8 {
		p := 0.0
		if i < len(kept) {
			p = float64(kept[i].Value)
		}
		want = append(want, fmt.Sprintf("%.3f", p))
	}
	if got := eval(`Array.from(document.querySelectorAll("#` + id + ` tbody tr .a")).map(e=>e.textContent).join(" ")`); got != strings.Join(want, " ") {
		t.Errorf("p sampled %q, want %q", got, strings.Join(want, " "))
	}
	if got := eval(`errs.join("; ")`); got != "" {
		t.Errorf("script errors: %s", got)
	}
}
