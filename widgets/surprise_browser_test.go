package widgets_test

import (
	"testing"

	"github.com/how-llms-work/course/ci/browser"
	"github.com/how-llms-work/course/widgets"
)

// TestBrowserSurprise drives the surprise map in headless Chromium:
// clicking a token and hovering another show each one's loss and the
// model's guess in the readout, and mark that token.
func TestBrowserSurprise(t *testing.T) {
	bin := browser.Need(t)
	s := widgets.SurpriseMap{Pieces: []string{"The", " cat", " sat"}, Loss: []float64{4.5, 0.7},
		Guess: []string{" first", " sat"}, GuessProb: []float64{0.2, 0.5}}
	h := mustHTML(t, s)
	id := rootID(t, h)
	eval := openPage(t, bin, widgetPage("surprise", h), "#"+id, true).eval
	out := `document.querySelector("#` + id + ` output").textContent`
	eval(`(()=>{document.querySelector("#` + id + ` span.s[data-i='0']").click();return ""})()`)
	if got, want := eval(out), "·cat: loss 4.50 nats, p = 0.011 · the model's first guess: ·first (p = 0.200)"; got != want {
		t.Errorf("after clicking ' cat': %q, want %q", got, want)
	}
	eval(`(()=>{document.querySelector("#` + id + ` span.s[data-i='1']").dispatchEvent(new MouseEvent("mouseenter"));return ""})()`)
	if got, want := eval(out), "·sat: loss 0.70 nats, p = 0.497 · the model's first guess: ·sat (p = 0.500)"; got != want {
		t.Errorf("after hovering ' sat': %q, want %q", got, want)
	}
	if got := eval(`document.querySelectorAll("#` + id + ` span.on").length+":"+document.querySelector("#` + id + ` span.on").dataset.i`); got != "1:1" {
		t.Errorf("marked tokens %q, want only token 1", got)
	}
	if got := eval(`errs.join("; ")`); got != "" {
		t.Errorf("script errors: %s", got)
	}
}
