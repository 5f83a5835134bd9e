package llm

import (
	"fmt"
	"html"
	"io"
	"os"
	"strings"
	"time"

	"github.com/janpfeifer/gonb/gonbui"

	"github.com/how-llms-work/course/llm/hub"
)

// newProgressBar returns a download progress callback: an HTML bar that
// updates in place in a GoNB notebook, a bar redrawn with \r on a terminal,
// and one line per file otherwise (logs, CI).
func newProgressBar(w io.Writer) func(hub.Progress) {
	term := isTerminal(w)
	var id string
	var last time.Time
	return func(p hub.Progress) {
		switch {
		case gonbui.IsNotebook:
			if id == "" {
				id = gonbui.UniqueId()
			}
			gonbui.UpdateHTML(id, progressHTML(p))
			if p.Finished {
				id = ""
			}
		case term:
			fmt.Fprintf(w, "\r%s", progressLine(p))
			if p.Finished {
				fmt.Fprintln(w)
			}
		default:
			if p.Finished || time.Since(last) > 10*time.Second {
				last = time.Now()
				fmt.Fprintln(w, progressLine(p))
			}
		}
	}
}

func progressLine(p hub.Progress) string {
	const width = 30
	if p.Total <= 0 {
		return fmt.Sprintf("downloading %s: %s", p.File, bytesString(p.Done))
	}
	n := int(width * p.Done / p.Total)
	return fmt.Sprintf("downloading %-28s [%s%s] %3d%% %s / %s", p.File,
		strings.Repeat("█", n), strings.Repeat("·", width-n), 100*p.Done/p.Total, bytesString(p.Done), bytesString(p.Total))
}

func progressHTML(p hub.Progress) string {
	pct := 0.0
	if p.Total > 0 {
		pct = 100 * float64(p.Done) / float64(p.Total)
	}
	label := fmt.Sprintf("%s / %s", bytesString(p.Done), bytesString(p.Total))
	if p.Finished {
		label = bytesString(p.Done) + " ✓"
	}
	return fmt.Sprintf(`<div>downloading <code>%s</code> <progress value="%.1f" max="100" style="width:20em"></progress> %s</div>`,
		html.EscapeString(p.File), pct, html.EscapeString(label))
}

func bytesString(n int64) string {
	switch {
	case n < 0:
		return "?"
	case n >= 1<<30:
		return fmt.Sprintf("%.2f GB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f kB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
