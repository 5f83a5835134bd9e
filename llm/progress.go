package llm

import (
	"fmt"
	"io"
	"time"

	"github.com/how-llms-work/course/llm/hub"
)

// Progress reports how far the download of one model file has come: Done
// of Total bytes (Total is -1 when the server did not say), and Finished
// once the file is complete and verified. A Loader's Progress callback
// receives one as bytes arrive (at most every 100 ms).
type Progress = hub.Progress

// LogProgress returns the plain-text progress callback Load uses by
// default: one line to w when a file starts, one every logEvery while it
// downloads, and one when it is done. It draws nothing, so it reads the
// same on a terminal, in a log and in CI; notebooks show a progress bar
// instead (widgets.Load).
func LogProgress(w io.Writer) func(Progress) {
	var file string
	var last time.Time
	return func(p Progress) {
		now := time.Now()
		switch {
		case p.Finished:
			fmt.Fprintf(w, "downloaded %s (%s)\n", p.File, bytesString(p.Done))
			file = ""
		case p.File != file:
			file, last = p.File, now
			fmt.Fprintf(w, "downloading %s (%s)…\n", p.File, bytesString(p.Total))
		case now.Sub(last) >= logEvery:
			last = now
			fmt.Fprintf(w, "downloading %s: %s of %s\n", p.File, bytesString(p.Done), bytesString(p.Total))
		}
	}
}

// logEvery is how often LogProgress reports a download in flight.
const logEvery = 10 * time.Second

// bytesString formats a byte count: "512.0 MB", "1.00 GB"; "?" when
// negative (unknown).
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
