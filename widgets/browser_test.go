package widgets_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/how-llms-work/course/ci/browser"
	"github.com/how-llms-work/course/widgets"
)

// startBrowser starts headless Chromium with a fresh profile and returns
// a tab context, closed when the test ends.
func startBrowser(t *testing.T, bin string) context.Context {
	return browser.Start(t, context.Background(), bin, 900, 1200, 60*time.Second)
}

// widgetPage wraps widget HTML in a page titled title whose first script
// records every uncaught error of the widgets' scripts in window.errs.
func widgetPage(title, body string) string {
	return "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>" + title + "</title>" +
		"<script>window.errs=[];addEventListener(\"error\",e=>errs.push(e.message));</script></head><body>" + body + "</body></html>"
}

// serve serves page over HTTP until the test ends and returns its URL.
func serve(t *testing.T, page string) string {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, page)
	}))
	t.Cleanup(srv.Close)
	return srv.URL + "/"
}

// browserPage is a page open in a headless Chromium tab.
type browserPage struct {
	t   *testing.T
	ctx context.Context
}

// openPage serves page, opens it in headless Chromium and waits until the
// element waitSel is ready. With scripts false, JavaScript is disabled, as
// in an untrusted notebook.
func openPage(t *testing.T, bin, page, waitSel string, scripts bool) *browserPage {
	t.Helper()
	ctx := startBrowser(t, bin)
	var actions []chromedp.Action[chromedp.Void]
	if !scripts {
		actions = append(actions, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			_, err := cdp.Call(ctx, tg, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true})
			return err
		}))
	}
	actions = append(actions, chromedp.Navigate(serve(t, page)), chromedp.WaitReady(chromedp.CSS(waitSel)))
	if err := chromedp.Do(ctx, actions...); err != nil {
		t.Fatalf("open page in %s: %v", bin, err)
	}
	return &browserPage{t: t, ctx: ctx}
}

// eval evaluates js, an expression of string type, in the page.
func (p *browserPage) eval(js string) string {
	p.t.Helper()
	v, err := chromedp.Run(p.ctx, chromedp.Evaluate[string](js))
	if err != nil {
		p.t.Fatalf("evaluate %s: %v", js, err)
	}
	return v
}

// screenshot saves a full-page screenshot as the test artifact name.
func (p *browserPage) screenshot(name string) {
	p.t.Helper()
	png, err := chromedp.Run(p.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		p.t.Fatalf("screenshot: %v", err)
	}
	browser.SaveArtifact(p.t, name, png)
}

// set sets the value of the input element id as a drag would, firing its
// input event.
func (p *browserPage) set(id, v string) {
	p.t.Helper()
	p.eval(`(()=>{const s=document.getElementById("` + id + `");s.value="` + v + `";s.dispatchEvent(new Event("input"));return ""})()`)
}

// TestBrowserNoScript opens the page with JavaScript disabled, as an
// untrusted notebook shows it: every number is already in the static HTML
// and every stage of the steppers is visible.
func TestBrowserNoScript(t *testing.T) {
	bin := browser.Need(t)
	j := demoJourney()
	page, err := widgets.Page("widgets without JavaScript", toy(), demoBars(), demoTrace(), demoQuiz(), demoFit(t), j, demoWVA())
	if err != nil {
		t.Fatal(err)
	}
	// JupyterLab's output stylesheet sets svg { max-width: 100%; height: auto }
	// and centers tables; the page carries those rules.
	page = strings.Replace(page, "</head>", "<style>.jp-RenderedHTMLCommon svg{max-width:100%;height:auto}.jp-RenderedHTMLCommon table{table-layout:fixed;margin-left:auto;margin-right:auto}</style></head>", 1)
	page = strings.Replace(page, "<body>", `<body class="jp-RenderedHTMLCommon">`, 1)
	pg := openPage(t, bin, page, "body", false)
	body := pg.eval(`document.querySelectorAll(".llmw.js").length+"|"+document.body.innerText`)
	if !strings.HasPrefix(body, "0|") {
		t.Fatalf("scripts ran although disabled: %.40q", body)
	}
	for _, want := range []string{"0.578", "19.064", "0.017", "p sampled", "tokens := tokenize(prompt)", "·floor", "What are logits?", "loss (MSE)",
		"Stage 1 / 6", "Stage 6 / 6", "[760, 7993, 7338, 383, 279]", "852,985,920"} {
		if !strings.Contains(body, want) {
			t.Errorf("static page lacks %q", want)
		}
	}
	// Every chart keeps its height under JupyterLab's svg rule. (Chromium
	// takes an outer <svg>'s height attribute as its intrinsic size; engines
	// that treat it as a presentation attribute use the viewBox's aspect
	// ratio instead, which is why every chart's viewBox matches its size.)
	sizes := pg.eval(`Array.from(document.querySelectorAll(".llmw svg")).map(e=>e.getAttribute("height")+"/"+e.getBoundingClientRect().height.toFixed(0)).join(" ")`)
	if strings.Count(sizes, "/") < 20 {
		t.Errorf("only %d charts measured: %s", strings.Count(sizes, "/"), sizes)
	}
	for _, hw := range strings.Fields(sizes) {
		if a, b, _ := strings.Cut(hw, "/"); a != b {
			t.Errorf("chart of height %s drawn %s px high under svg { height: auto }", a, b)
		}
	}
	pg.screenshot("widgets-static.png")
}

// TestBrowser renders a page of widgets, opens it in headless Chromium and
// drives it like a learner: moves the temperature slider with the keyboard,
// steps the generation loop, answers a quiz question, and saves a
// screenshot.
func TestBrowser(t *testing.T) {
	bin := browser.Need(t)
	soft := toy()
	trace := demoTrace()
	quiz := demoQuiz()
	bars := demoBars()
	items := []widgets.Widget{soft, soft, bars, trace, quiz}
	items = append(items, extraWidgets(t)...)
	htmls := make([]string, len(items))
	var page string
	for i, w := range items {
		htmls[i] = mustHTML(t, w)
		page += htmls[i] + "\n"
	}
	// The first script records every uncaught error of the widgets' scripts.
	page = widgetPage("widgets", page)
	softID, soft2ID, barsID, traceID, quizID := rootID(t, htmls[0]), rootID(t, htmls[1]), rootID(t, htmls[2]), rootID(t, htmls[3]), rootID(t, htmls[4])

	var (
		mu       sync.Mutex
		requests []string
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		requests = append(requests, r.URL.Path)
		mu.Unlock()
		if r.URL.Path != "/" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, page)
	}))
	defer srv.Close()

	ctx := startBrowser(t, bin)
	if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/"), chromedp.WaitReady(chromedp.CSS("#"+quizID))); err != nil {
		t.Fatalf("open page in %s: %v", bin, err)
	}
	pg := &browserPage{t: t, ctx: ctx}
	eval := pg.eval
	probs := func(id string) string {
		return eval(`Array.from(document.querySelectorAll("#` + id + ` tbody tr[data-i] .p")).map(e=>e.textContent).join(" ")`)
	}
	want := func(k float64) string {
		s := ""
		for i, p := range softmax64(soft.Logits, k) {
			if i > 0 {
				s += " "
			}
			s += f3(p)
		}
		return s
	}
	// Every script ran: each widget root got the "js" class.
	if got := eval(`document.querySelectorAll(".llmw.js").length+"/"+Array.from(document.querySelectorAll(".llmw")).filter(e=>e.querySelector("script")).length`); got != "7/7" {
		t.Errorf("live widgets / widgets with a script = %s, want 7/7", got)
	}
	if got := probs(softID); got != want(1) {
		t.Errorf("initial probabilities %q, want %q", got, want(1))
	}

	// Move the sharpen ↔ flatten slider with the keyboard: 20 steps of 0.05.
	if err := chromedp.Do(ctx, chromedp.Focus(chromedp.CSS("#"+softID+"-k"))); err != nil {
		t.Fatal(err)
	}
	for range 20 {
		if err := chromedp.Do(ctx, chromedp.KeyEvent(kb.ArrowRight)); err != nil {
			t.Fatal(err)
		}
	}
	k, err := strconv.ParseFloat(eval(`document.getElementById("`+softID+`-k").value`), 64)
	if err != nil || k != 2 {
		t.Fatalf("slider value %v (%v), want 2 after 20 ArrowRight presses", k, err)
	}
	if got := probs(softID); got != want(2) {
		t.Errorf("after the slider moved to ×2: probabilities %q, want %q", got, want(2))
	}
	if got := eval(`document.querySelector("#` + softID + ` output").textContent`); got != "×2.00 (temperature T = 0.50)" {
		t.Errorf("slider readout %q", got)
	}
	if got := probs(soft2ID); got != want(1) {
		t.Errorf("second table changed with the first one's slider: %q", got)
	}
	// And down to a flatter distribution by setting the value like a drag.
	pg.set(softID+"-k", "0.5")
	if got := probs(softID); got != want(0.5) {
		t.Errorf("at ×0.5: probabilities %q, want %q", got, want(0.5))
	}

	// ProbBars: temperature 0.5, top-k 2; the JS must agree with ProbBars.Probs.
	eval(`(()=>{const r=document.getElementById("` + barsID + `");for(const [s,v] of [["-t","0.5"],["-k","2"]]){const i=document.getElementById("` + barsID + `"+s);i.value=v;i.dispatchEvent(new Event("input"));}return ""})()`)
	before, after, _, _ := bars.Probs(0.5, 2, 1)
	wantBars := ""
	for i := range before {
		wantBars += f3(before[i]) + "/" + f3(after[i]) + " "
	}
	gotBars := eval(`Array.from(document.querySelectorAll("#` + barsID + ` tbody tr")).map(e=>e.querySelector(".b").textContent+"/"+e.querySelector(".a").textContent+" ").join("")`)
	if gotBars != wantBars {
		t.Errorf("ProbBars at T=0.5, top-k 2: %q, want %q", gotBars, wantBars)
	}

	// Temperature 0 is greedy: everything on the top token.
	pg.set(barsID+"-t", "0")
	if got := eval(`Array.from(document.querySelectorAll("#` + barsID + ` tbody tr .a")).map(e=>e.textContent).join(" ")+"|"+document.getElementById("` + barsID + `-tv").textContent`); got != "1.000 0.000 0.000 0.000 0.000|T = 0.00 (greedy)" {
		t.Errorf("ProbBars at T = 0: %q", got)
	}

	// TraceView: before stepping, line 0 (tokenize) is active.
	active := func() string {
		return eval(`(()=>{const a=document.querySelectorAll("#` + traceID + ` pre span.active");return a.length+":"+(a.length?a[0].getAttribute("data-line"):"")})()`)
	}
	visibleTokens := func() string {
		return eval(`String(Array.from(document.querySelectorAll("#` + traceID + ` .strip .tok")).filter(e=>getComputedStyle(e).display!=="none").length)`)
	}
	if got := active(); got != "1:0" {
		t.Errorf("trace before stepping: active %q, want 1:0", got)
	}
	// Step three times (the third with the keyboard): forward, sample, append.
	for i, wantLine := range []int{2, 3, 4} {
		var err error
		if i < 2 {
			err = chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#"+traceID+"-step")))
		} else {
			err = chromedp.Do(ctx, chromedp.Focus(chromedp.CSS("#"+traceID+"-step")), chromedp.KeyEvent(kb.Enter))
		}
		if err != nil {
			t.Fatal(err)
		}
		if got := active(); got != "1:"+strconv.Itoa(wantLine) {
			t.Errorf("after %d steps: active line %q, want %d (%s)", i+1, got, wantLine, widgets.TraceCode()[wantLine])
		}
		wantTokens := len(trace.Prompt)
		if wantLine == 4 {
			wantTokens++ // the token joins the strip on the append line
		}
		said := eval(`getComputedStyle(document.querySelector("#` + traceID + ` .stage.on .said")).display`)
		if (said == "none") != (wantLine == 2) {
			t.Errorf("after %d steps: the sampled token's caption has display %q (hidden only during the forward pass)", i+1, said)
		}
		if got := visibleTokens(); got != strconv.Itoa(wantTokens) {
			t.Errorf("after %d steps: %s tokens in the strip, want %d", i+1, got, wantTokens)
		}
	}
	// The sampled candidate of step 1 is marked once the sample line ran.
	if got := eval(`(()=>{const p=document.querySelector("#` + traceID + ` .stage.on tr.pick");return p.classList.contains("active")+"|"+getComputedStyle(p.querySelector(".mark")).visibility})()`); got != "true|visible" {
		t.Errorf("sampled row after the sample step: %q, want marked and visible", got)
	}
	if got, _ := widgets.TraceLine(3, len(trace.Steps)); got != 4 {
		t.Errorf("TraceLine(3) = %d, want 4", got)
	}
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#"+traceID+"-step"))); err != nil {
		t.Fatal(err)
	}
	if got := active(); got != "1:2" {
		t.Errorf("step 2 forward pass: active %q, want 1:2", got)
	}

	// Quiz: a wrong answer, then the right one.
	right, err := quiz.Answer(0)
	if err != nil {
		t.Fatal(err)
	}
	wrong := (right + 1) % len(quiz.Questions[0].Choices)
	feedback := func() string {
		return eval(`(()=>{const f=document.getElementById("` + quizID + `-q0-fb");return f.className+"|"+f.textContent})()`)
	}
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(fmt.Sprintf("#%s-q0-%d", quizID, wrong)))); err != nil {
		t.Fatal(err)
	}
	if got, w := feedback(), "fb bad|✗ Not quite — "+quiz.Questions[0].Choices[wrong].Why; got != w {
		t.Errorf("wrong answer feedback %q, want %q", got, w)
	}
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(fmt.Sprintf("#%s-q0-%d", quizID, right)))); err != nil {
		t.Fatal(err)
	}
	if got, w := feedback(), "fb ok|✓ Correct — "+quiz.Questions[0].Choices[right].Why; got != w {
		t.Errorf("right answer feedback %q, want %q", got, w)
	}

	browserExtraChecks(t, ctx, eval, htmls[5:])

	// Play advances the loop by itself; Pause stops it.
	line := active()
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#"+traceID+"-play"))); err != nil {
		t.Fatal(err)
	}
	advanced := false
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline) && !advanced; {
		time.Sleep(100 * time.Millisecond)
		advanced = active() != line
	}
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#"+traceID+"-play"))); err != nil {
		t.Fatal(err)
	}
	if !advanced {
		t.Errorf("Play did not advance the loop within 10 s (still %s)", line)
	}
	if got := eval(`document.getElementById("` + traceID + `-play").textContent+"|"+document.getElementById("` + traceID + `-play").getAttribute("aria-pressed")`); got != "Play|false" {
		t.Errorf("after Pause the button reads %q, want Play|false", got)
	}
	if got := eval(`errs.join("; ")`); got != "" {
		t.Errorf("script errors on the page: %s", got)
	}

	pg.screenshot("widgets-browser.png")

	// Dark theme: the widgets take the page's text color (as in JupyterLab's
	// dark theme, whose variables they read when present).
	if got := eval(`(()=>{document.body.style.background="#111";document.body.style.color="rgb(221, 221, 221)";
		return getComputedStyle(document.querySelector("#` + softID + ` td")).color+"|"+getComputedStyle(document.querySelector("#` + traceID + ` pre")).color})()`); got != "rgb(221, 221, 221)|rgb(221, 221, 221)" {
		t.Errorf("in a dark page the widget text is %q, want the page's rgb(221, 221, 221)", got)
	}
	pg.screenshot("widgets-dark.png")

	mu.Lock()
	defer mu.Unlock()
	for _, p := range requests {
		if p != "/" && p != "/favicon.ico" { // the browser asks for a favicon by itself
			t.Errorf("the page requested %q: widgets must load nothing", p)
		}
	}
}
