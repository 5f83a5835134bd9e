package widgets_test

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

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
	page := "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>sampling</title>" +
		"<script>window.errs=[];addEventListener(\"error\",e=>errs.push(e.message));</script></head><body>" + h + "</body></html>"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, page)
	}))
	defer srv.Close()
	ctx := startBrowser(t, bin)
	if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/"), chromedp.WaitReady(chromedp.CSS("#"+id))); err != nil {
		t.Fatal(err)
	}
	eval := func(js string) string {
		t.Helper()
		v, err := chromedp.Run(ctx, chromedp.Evaluate[string](js))
		if err != nil {
			t.Fatalf("evaluate %s: %v", js, err)
		}
		return v
	}
	// Grid positions: T index 7 (0.7), top-k off, top-p index 8 (0.9), min-p index 2 (0.05).
	for _, sv := range [][2]string{{"-t", "7"}, {"-k", "0"}, {"-p", "8"}, {"-m", "2"}} {
		eval(`(()=>{const s=document.getElementById("` + id + sv[0] + `");s.value="` + sv[1] + `";s.dispatchEvent(new Event("input"));return ""})()`)
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
