package widgets_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/how-llms-work/course/ci/browser"
	"github.com/how-llms-work/course/llm/tokenizer"
	"github.com/how-llms-work/course/widgets"
)

// tokenPage renders chapter 2's widgets on one page.
func tokenPage(t *testing.T) (page string, chips, bars, stepper string, ms widgets.MergeStepper) {
	t.Helper()
	tok := tinyTok(t)
	samples, err := tokenizer.Samples()
	if err != nil {
		t.Fatal(err)
	}
	ct := widgets.Tokens(tok, "The cat sat.\n\tOK <|im_end|>")
	bs := widgets.CharsPerToken(tok, "tiny", samples)
	ms = widgets.Merges(tok, " unbelievable")
	chips, bars, stepper = mustHTML(t, ct), mustHTML(t, bs), mustHTML(t, ms)
	return widgetPage("tokens", chips+bars+stepper), chips, bars, stepper, ms
}

// TestTokenWidgetsBrowser drives chapter 2's widgets in headless Chromium:
// the ids toggle of the chips, the sort of the bars, and the merge
// stepper's Step / Back / Reset.
func TestTokenWidgetsBrowser(t *testing.T) {
	bin := browser.Need(t)
	page, chips, bars, stepper, ms := tokenPage(t)
	eval := openPage(t, bin, page, "body", true).eval
	click := func(root string, n int) {
		t.Helper()
		if got := eval(fmt.Sprintf(`(document.querySelectorAll("#%s button")[%d].click(),"ok")`, root, n)); got != "ok" {
			t.Fatal(got)
		}
	}
	// Chips: the ids button hides the ids.
	c := rootID(t, chips)
	click(c, 0)
	if got := eval(`getComputedStyle(document.querySelector("#` + c + ` .chip .id")).display`); got != "none" {
		t.Errorf("after the ids button, an id's display is %q", got)
	}
	// Bars: sorting puts the highest first series value first.
	b := rootID(t, bars)
	click(b, 0)
	first := eval(`document.querySelector("#` + b + ` tbody tr td").textContent`)
	if !strings.HasPrefix(first, "English with contractions") {
		t.Errorf("after sorting, the first row is %q", first)
	}
	// Stepper: starts at step 0; two steps show three rows, the last active.
	s := rootID(t, stepper)
	visible := func() string {
		return eval(`Array.prototype.filter.call(document.querySelectorAll("#` + s + ` tbody tr"),function(r){return !r.hidden;}).length+"|"+document.querySelector("#` + s + ` tr.active").getAttribute("data-s")+"|"+document.querySelector("#` + s + ` output").textContent`)
	}
	n := len(ms.Steps)
	if got, want := visible(), fmt.Sprintf("1|0|step 0 of %d", n); got != want {
		t.Errorf("stepper at start: %q, want %q", got, want)
	}
	click(s, 1)
	click(s, 1)
	if got, want := visible(), fmt.Sprintf("3|2|step 2 of %d", n); got != want {
		t.Errorf("after two steps: %q, want %q", got, want)
	}
	if got := eval(`document.querySelector("#` + s + ` tr.active .new").textContent`); got != strings.ReplaceAll(ms.Steps[1].Result, " ", "·") {
		t.Errorf("step 2 highlights %q, want %q", got, ms.Steps[1].Result)
	}
	click(s, 0)
	if got, want := visible(), fmt.Sprintf("2|1|step 1 of %d", n); got != want {
		t.Errorf("after Back: %q, want %q", got, want)
	}
	click(s, 3)
	if got, want := visible(), fmt.Sprintf("1|0|step 0 of %d", n); got != want {
		t.Errorf("after Reset: %q, want %q", got, want)
	}
}

// TestTokenWidgetsNoScript opens the same page with JavaScript off: the
// chips' footer, every bar value and every merge step are readable.
func TestTokenWidgetsNoScript(t *testing.T) {
	bin := browser.Need(t)
	page, _, _, _, ms := tokenPage(t)
	body := openPage(t, bin, page, "body", false).eval(`document.body.innerText`)
	for _, want := range []string{"chars/token", "3.67", "step", ms.Steps[len(ms.Steps)-1].Result, "<|im_end|>"} {
		if !strings.Contains(body, want) {
			t.Errorf("without JavaScript the page does not show %q", want)
		}
	}
	if strings.Count(body, "rank") < 1 || strings.Count(body, "\n") < len(ms.Steps) {
		t.Errorf("without JavaScript not every merge step shows:\n%s", body)
	}
}
