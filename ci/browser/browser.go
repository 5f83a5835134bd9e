// Package browser runs headless Chromium for the course's real-browser tests
// (the widgets on a page, chapter 1 in Jupyter's classic Notebook) and keeps
// what they leave behind: screenshots, under out/artifacts.
package browser

import (
	"context"
	"github.com/how-llms-work/course/llm/atomicfile"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// Find returns the Chromium binary: $CHROMIUM, else the first of chromium,
// chromium-browser and google-chrome on the PATH, else "".
func Find() string {
	if p := os.Getenv("CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// Need returns the Chromium binary, skipping the test when there is none,
// or failing it when $CI is set (CI must install it).
func Need(t testing.TB) string {
	t.Helper()
	bin := Find()
	if bin == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("chromium not found and CI is set: .ci/run must install it (apt-get install -y chromium)")
		}
		t.Skip("chromium not found (apt-get install -y chromium, or set CHROMIUM): skipping the real-browser test")
	}
	return bin
}

// Start launches headless Chromium bin with a fresh profile and a window of
// width × height pixels, and returns a tab. The browser lives until ctx ends
// or the test finishes, at most timeout.
func Start(t testing.TB, ctx context.Context, bin string, width, height int, timeout time.Duration) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(bin),
		chromedp.Flag("headless", true),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("no-first-run", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(width, height),
	)
	ctx, cancel := context.WithTimeout(ctx, timeout)
	t.Cleanup(cancel)
	ctx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	t.Cleanup(cancelAlloc)
	ctx, cancelTab := chromedp.NewContext(ctx)
	t.Cleanup(cancelTab)
	return ctx
}

// ArtifactsEnv names the directory that SaveArtifact writes to; without it,
// out/artifacts at the repository root.
const ArtifactsEnv = "LLM_ARTIFACTS"

// SaveArtifact writes data (a screenshot) as name in the artifacts
// directory. Tests run in their package's directory, one level below the
// repository root.
func SaveArtifact(t testing.TB, name string, data []byte) {
	t.Helper()
	dir := os.Getenv(ArtifactsEnv)
	if dir == "" {
		dir = filepath.Join("..", "out", "artifacts")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, name)
	if err := atomicfile.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("artifact: %s (%d bytes)", path, len(data))
}
