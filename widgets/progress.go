package widgets

import (
	"fmt"
	"io"
	"math"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/janpfeifer/gonb/gonbui"

	"github.com/how-llms-work/course/llm"
)

// Progress is an updating progress bar for downloads and long generations:
// amount done, percentage, and after the first half second the rate and
// the time left.
// In a GoNB notebook it redraws one output block in place (through
// gonbui.UpdateHTML with a display id); elsewhere it redraws one terminal
// line on Out. It is an io.Writer, so io.Copy(io.MultiWriter(f, p), r)
// reports a download as it goes. Safe for concurrent use.
type Progress struct {
	Title string
	Total int64     // expected amount; 0 when unknown
	Bytes bool      // format amounts as bytes (KB, MB, GB)
	Out   io.Writer // terminal output; nil means os.Stderr

	mu        sync.Mutex
	done      int64
	finished  bool
	displayID string
	last      time.Time
	lastPct   int
	started   time.Time
}

// NewProgress returns a progress bar for an amount of total (0 if unknown).
func NewProgress(title string, total int64) *Progress {
	return &Progress{Title: title, Total: total}
}

// progressEvery is the least time between two redraws.
const progressEvery = 150 * time.Millisecond

// Add advances the bar by n.
func (p *Progress) Add(n int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.setLocked(p.done + n)
}

// Set moves the bar to n.
func (p *Progress) Set(n int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.setLocked(n)
}

// Write counts len(b) bytes, so a Progress can sit in an io.MultiWriter.
func (p *Progress) Write(b []byte) (int, error) {
	p.Add(int64(len(b)))
	return len(b), nil
}

// Finish draws the final state (and ends the terminal line).
func (p *Progress) Finish() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.finished {
		return
	}
	p.finished = true
	p.drawLocked()
	if gonbui.IsNotebook {
		flush()
	} else {
		fmt.Fprintln(p.out())
	}
}

func (p *Progress) out() io.Writer {
	if p.Out == nil {
		return os.Stderr
	}
	return p.Out
}

func (p *Progress) setLocked(n int64) {
	if p.started.IsZero() {
		p.started = time.Now()
	}
	p.done = max(0, n)
	pct := int(p.fraction() * 100)
	if time.Since(p.last) < progressEvery && pct == p.lastPct {
		return
	}
	p.lastPct = pct
	p.drawLocked()
}

func (p *Progress) drawLocked() {
	p.last = time.Now()
	if gonbui.IsNotebook {
		if p.displayID == "" {
			p.displayID = "llmw-progress-" + gonbui.UniqueId()
		}
		h, _ := p.htmlLocked()
		gonbui.UpdateHTML(p.displayID, h)
		return
	}
	fmt.Fprint(p.out(), "\r"+p.textLocked())
}

// fraction is done/total in [0, 1], or 0 when the total is unknown.
func (p *Progress) fraction() float64 {
	if p.Total <= 0 {
		return 0
	}
	return math.Min(1, float64(p.done)/float64(p.Total))
}

func (p *Progress) amount(n int64) string {
	if !p.Bytes {
		return commas(n)
	}
	v, units := float64(n), []string{"B", "KB", "MB", "GB", "TB"}
	u := 0
	for v >= 1000 && u < len(units)-1 {
		v /= 1000
		u++
	}
	if u == 0 {
		return fmt.Sprintf("%d B", n)
	}
	return fmt.Sprintf("%.1f %s", v, units[u])
}

func (p *Progress) label() string {
	s := p.amount(p.done)
	if p.Total > 0 {
		s = fmt.Sprintf("%3d%% %s / %s", int(p.fraction()*100), s, p.amount(p.Total))
	}
	// Rate and time left, once there is half a second of history to go on.
	if el := time.Since(p.started); !p.started.IsZero() && el >= time.Second/2 && p.done > 0 {
		rate := float64(p.done) / el.Seconds()
		s += " · " + p.amount(int64(rate)) + "/s"
		if p.Total > p.done && !p.finished {
			left := time.Duration(float64(p.Total-p.done) / rate * float64(time.Second)).Round(time.Second)
			s += fmt.Sprintf(" · %s left", left)
		}
	}
	return s
}

func (p *Progress) textLocked() string {
	const w = 30
	n := int(p.fraction() * w)
	parts := []string{p.Title}
	if p.Total > 0 {
		parts = append(parts, strings.Repeat("█", n)+strings.Repeat("░", w-n))
	}
	return strings.TrimSpace(strings.Join(append(parts, p.label()), " "))
}

func (p *Progress) htmlLocked() (string, error) {
	id := newID()
	val := ""
	if p.Total > 0 {
		val = fmt.Sprintf(` max="%d" value="%d"`, p.Total, min(p.done, p.Total))
	}
	return idf(id, `<div class="llmw llmw-progress" id="{id}">%s<label for="{id}-bar">%s</label> <progress id="{id}-bar"%s>%s</progress> <span>%s</span></div>`,
		style, esc(p.Title), val, esc(p.label()), esc(p.label())), nil
}

// HTML renders the bar in its current state.
func (p *Progress) HTML() (string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.htmlLocked()
}

// Text renders the bar as one line.
func (p *Progress) Text() (string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.textLocked(), nil
}

// DownloadBar returns a download progress callback for llm.Loader (Load
// uses it): one Progress bar per file, in bytes, drawn on out outside a
// notebook (nil means os.Stderr) and in place under the cell inside one.
func DownloadBar(out io.Writer) func(llm.Progress) {
	var bar *Progress
	var file string
	return func(p llm.Progress) {
		if bar == nil || p.File != file {
			if bar != nil {
				bar.Finish()
			}
			bar, file = NewProgress("downloading "+p.File, max(p.Total, 0)), p.File
			bar.Bytes, bar.Out = true, out
		}
		bar.Set(p.Done)
		if p.Finished {
			bar.Finish()
			bar = nil
		}
	}
}
