package notebooks

import (
	"context"
	"fmt"
	"math"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/how-llms-work/course/ci/browser"
	"github.com/how-llms-work/course/ci/reap"
	"github.com/how-llms-work/course/kernel/kernelspec"
)

// TestChapter1InClassicNotebook opens chapter 1 the way a learner does, in
// Jupyter's classic Notebook (Debian's jupyter-notebook) in headless
// Chromium, runs every cell through the course kernel, and checks that the
// widgets render and respond: the softmax slider recomputes, the generation
// loop steps, the quiz answers; and that no process it started outlives it
// (reap.NoLeaks). Screenshots go to out/artifacts (or
// $NOTEBOOK_ARTIFACTS). It skips without Notebook, Chromium or the kernel,
// and fails without them when CI is set.
func TestChapter1InClassicNotebook(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a notebook server, a browser and the kernel (about a minute)")
	}
	jupyter, chromium := need(t)
	// Fails the test if anything it starts (the server, the kernel, gopls and its
	// telemetry, the cells' programs, Chromium) outlives it: called first, its
	// check runs after every other cleanup.
	reap.NoLeaks(t)
	const name = "01-what-is-an-llm.ipynb"
	dir := t.TempDir()
	src, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name), src, 0o644); err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	base := startNotebookServer(t, ctx, jupyter, dir)

	bctx := browser.Start(t, ctx, chromium, 1200, 900, 8*time.Minute)

	if err := chromedp.Do(bctx, chromedp.Navigate(base+"/notebooks/"+name), chromedp.WaitReady(chromedp.CSS("#notebook-container"))); err != nil {
		t.Fatalf("open %s: %v", name, err)
	}
	eval := func(js string) string {
		t.Helper()
		v, err := chromedp.Run(bctx, chromedp.Evaluate[string](js))
		if err != nil {
			t.Fatalf("evaluate %.80s: %v", js, err)
		}
		return v
	}
	waitFor := func(what, js string, limit time.Duration) string {
		t.Helper()
		deadline := time.Now().Add(limit)
		var last string
		for {
			last = eval(js)
			if strings.HasPrefix(last, "ok") {
				return last
			}
			if time.Now().After(deadline) {
				t.Fatalf("waiting for %s: %s", what, last)
			}
			time.Sleep(500 * time.Millisecond)
		}
	}
	waitFor("the kernel", `(()=>{const nb=window.Jupyter&&Jupyter.notebook;return nb&&nb.kernel&&nb.kernel.is_connected()?"ok":"not connected"})()`, time.Minute)
	eval(`(()=>{Jupyter.notebook.execute_all_cells();return ""})()`)
	progress := `(()=>{const cells=Jupyter.notebook.get_cells().filter(c=>c.cell_type==="code");` +
		`const done=cells.filter(c=>typeof c.input_prompt_number==="number").length;` +
		`const busy=document.querySelector("#kernel_indicator_icon.kernel_busy_icon")!==null;` +
		`return (done===cells.length&&!busy?"ok ":"running ")+done+"/"+cells.length})()`
	waitFor("every cell to run", progress, 6*time.Minute)

	// No cell failed, and GoNB's silent failures (reported as success) are absent.
	if got := eval(`String(document.querySelectorAll(".output_error").length)+"|"+Array.from(document.querySelectorAll(".output_stderr")).map(e=>e.textContent).join(" ")`); !strings.HasPrefix(got, "0|") || strings.Contains(got, "panic:") || strings.Contains(got, "exit status") {
		t.Errorf("errors in the outputs: %.500s", got)
	}
	// Every widget rendered, and the script of each interactive one ran (its
	// root gets class "js"; WeightsVsActivations has no script).
	for _, w := range widgetsOfChapter1 {
		sel := ".llmw." + w + ".js"
		if w == "llmw-wva" {
			sel = ".llmw." + w
		}
		if got := eval(`String(document.querySelectorAll("` + sel + `").length)`); got == "0" {
			t.Errorf("no live %s widget in the page", w)
		}
	}

	// The toy softmax table: move the slider to ×2 and read the recomputed p column.
	toy := eval(`document.querySelector(".llmw-softmax").id`)
	eval(`(()=>{const s=document.getElementById("` + toy + `-k");s.value="2";s.dispatchEvent(new Event("input"));return ""})()`)
	got := eval(`Array.from(document.querySelectorAll("#` + toy + ` tbody tr[data-i] .p")).map(e=>e.textContent).join(" ")`)
	if want := softmaxText([]float64{2.40, 1.60, 0.70, -0.30, -1.10}, 2); got != want {
		t.Errorf("toy table at ×2 shows p = %q, want %q", got, want)
	}

	// The generation loop: one step makes the forward-pass line active.
	trace := eval(`document.querySelector(".llmw-trace").id`)
	before := eval(`(()=>{const a=document.querySelector("#` + trace + ` pre span.active");return a?a.getAttribute("data-line"):"none"})()`)
	if err := chromedp.Do(bctx, chromedp.Click(chromedp.CSS("#"+trace+"-step"))); err != nil {
		t.Fatal(err)
	}
	after := eval(`(()=>{const a=document.querySelector("#` + trace + ` pre span.active");return a?a.getAttribute("data-line"):"none"})()`)
	if before == after || after == "none" {
		t.Errorf("stepping the generation loop moved the highlighted line from %s to %s", before, after)
	}

	// The quiz: the right answer to question 1 (choice 1) is acknowledged.
	quiz := eval(`document.querySelector(".llmw-quiz").id`)
	if err := chromedp.Do(bctx, chromedp.Click(chromedp.CSS("#"+quiz+"-q0-1"))); err != nil {
		t.Fatal(err)
	}
	if fb := eval(`document.getElementById("` + quiz + `-q0-fb").textContent`); !strings.HasPrefix(fb, "✓") {
		t.Errorf("quiz feedback for the right answer: %q", fb)
	}

	png, err := chromedp.Run(bctx, chromedp.FullScreenshot(80))
	if err != nil {
		t.Fatal(err)
	}
	browser.SaveArtifact(t, "chapter1-classic-notebook.png", png)
	eval(`(()=>{document.querySelector(".llmw-softmax").scrollIntoView();return ""})()`)
	shot, err := chromedp.Run(bctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatal(err)
	}
	browser.SaveArtifact(t, "chapter1-softmax.png", shot)
}

// need returns classic Notebook's and Chromium's paths, and checks that the
// course kernel is installed.
func need(t *testing.T) (jupyter, chromium string) {
	t.Helper()
	var missing []string
	jupyter = "/usr/bin/jupyter-notebook"
	if _, err := os.Stat(jupyter); err != nil {
		missing = append(missing, "classic Notebook (apt-get install jupyter-notebook)")
	}
	chromium = browser.Find()
	if chromium == "" {
		missing = append(missing, "Chromium (apt-get install chromium)")
	}
	if _, err := kernelspec.Find(kernelName); err != nil {
		missing = append(missing, "the course kernel (go run ./kernel install)")
	}
	if len(missing) > 0 {
		if os.Getenv("CI") != "" {
			t.Fatalf("CI is set but these are missing: %s (.ci/run installs them)", strings.Join(missing, ", "))
		}
		t.Skipf("missing: %s", strings.Join(missing, ", "))
	}
	return jupyter, chromium
}

// startNotebookServer runs classic Notebook on a free loopback port, serving
// dir with the embedded model, and returns its base URL.
func startNotebookServer(t *testing.T, ctx context.Context, jupyter, dir string) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	server := exec.CommandContext(ctx, jupyter, "--no-browser", "--allow-root", "--ip=127.0.0.1",
		fmt.Sprintf("--port=%d", port), "--NotebookApp.token=", "--NotebookApp.password=", "--notebook-dir="+dir)
	// Every process the server starts (kernels, GoNB's gopls and its
	// telemetry) carries the tag, so the cleanup finds them all.
	tag := reap.NewTag()
	server.Env = append(os.Environ(), "LLM_MODEL=tiny", "JUPYTER_RUNTIME_DIR="+filepath.Join(dir, "runtime"), tag.Env())
	server.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	// The log is a file, not a pipe: kernels the server starts inherit it, and
	// Wait would otherwise wait for them too.
	logPath := filepath.Join(dir, "server.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	server.Stdout, server.Stderr = logFile, logFile
	if err := server.Start(); err != nil {
		t.Fatal(err)
	}
	serverLog := func() string { b, _ := os.ReadFile(logPath); return string(b) }
	t.Cleanup(func() {
		// On SIGTERM the server shuts its kernels down, then exits.
		syscall.Kill(-server.Process.Pid, syscall.SIGTERM)
		done := make(chan error, 1)
		go func() { done <- server.Wait() }()
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			syscall.Kill(-server.Process.Pid, syscall.SIGKILL)
			<-done
		}
		// The server stops its kernels, but not what they started in
		// groups of their own (gopls): no test leaves a process running.
		if n := tag.Kill(); n > 0 {
			t.Logf("killed %d processes the notebook server left behind", n)
		}
		logFile.Close()
		if t.Failed() {
			t.Logf("notebook server log:\n%s", serverLog())
		}
	})
	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	for i := 0; ; i++ {
		if resp, err := http.Get(base + "/api"); err == nil {
			resp.Body.Close()
			return base
		}
		if i == 300 {
			t.Fatalf("the notebook server did not start:\n%s", serverLog())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// softmaxText is the p column a SoftmaxTable shows at slider value k.
func softmaxText(z []float64, k float64) string {
	var sum float64
	for _, v := range z {
		sum += math.Exp(k * v)
	}
	parts := make([]string, len(z))
	for i, v := range z {
		parts[i] = fmt.Sprintf("%.3f", math.Exp(k*v)/sum)
	}
	return strings.Join(parts, " ")
}
