package main

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/how-llms-work/course/ci/jupyter"
	"github.com/how-llms-work/course/ci/nbformat"
)

// defaultMaxOutput is the default cap on the output a cell may store (-max-output).
const defaultMaxOutput = 4 << 20

// stderrTail is how much of the stderr text dropped by the cap is kept after the
// truncation note: where a failing program says why.
const stderrTail = 4 << 10

// collector turns a cell's iopub messages into nbformat outputs, the way Jupyter
// frontends do: consecutive stream text of the same name is merged, update_display_data
// rewrites every output shown with that display_id, clear_output (wait or not) clears.
//
// Stored output is capped at limit bytes (0: no cap): beyond it, text and displays
// are counted but not kept, and outputs() ends with a note saying how much was
// dropped, followed by the end of the dropped stderr text.
type collector struct {
	limit      int // bytes of output kept; 0 means no limit
	kept       int // bytes kept so far
	dropped    int // bytes dropped by the cap
	tail       string
	lastStream string // text of the last stream message (stdout or stderr), untruncated

	list       []*nbformat.Output
	displays   map[string][]int // display_id -> output indexes
	clearNext  bool             // a clear_output with wait=true is pending
	unexpected []string         // message types we did not understand
}

// room reports whether n more bytes fit under the cap, and counts them as
// kept or dropped.
func (c *collector) room(n int) bool {
	if c.limit <= 0 || c.kept+n <= c.limit {
		c.kept += n
		return true
	}
	c.dropped += n
	return false
}

// outputs returns the cell's outputs, ending with a truncation note when the
// cap dropped some.
func (c *collector) outputs() []*nbformat.Output {
	if c.dropped == 0 {
		return c.list
	}
	note := fmt.Sprintf("\n[ci: output truncated: %s more were not stored, over the limit of %s per cell (-max-output)]\n",
		byteSize(c.dropped), byteSize(c.limit))
	if c.tail != "" {
		note += "[ci: the last lines of the dropped stderr:]\n" + c.tail
	}
	return append(c.list[:len(c.list):len(c.list)], &nbformat.Output{Type: nbformat.Stream, Name: "stderr", Text: note})
}

func byteSize(n int) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}

func (c *collector) add(m *jupyter.Message) {
	switch m.Type() {
	case "stream", "display_data", "execute_result", "error":
		if c.clearNext {
			c.clear()
		}
	}
	switch m.Type() {
	case "stream":
		name, text := m.String("name"), m.String("text")
		c.lastStream = text
		if c.limit > 0 && c.kept+len(text) > c.limit {
			// Keep what still fits, cut at a character boundary.
			fit := max(c.limit-c.kept, 0)
			for fit > 0 && !utf8.RuneStart(text[fit]) {
				fit--
			}
			c.dropped += len(text) - fit
			if name == "stderr" {
				c.tail = lastBytes(c.tail+text[fit:], stderrTail)
			}
			text = text[:fit]
			if text == "" {
				return
			}
		}
		c.kept += len(text)
		if n := len(c.list); n > 0 && c.list[n-1].Type == nbformat.Stream && c.list[n-1].Name == name {
			c.list[n-1].Text += text
			return
		}
		c.list = append(c.list, &nbformat.Output{Type: nbformat.Stream, Name: name, Text: text})
	case "display_data", "execute_result":
		if !c.room(bundleSize(m.Content["data"])) {
			return
		}
		o := &nbformat.Output{Type: m.Type(), Data: mimeBundle(m.Content["data"]), Metadata: object(m.Content["metadata"])}
		if m.Type() == "execute_result" {
			o.ExecutionCount = count(m.Content["execution_count"])
		}
		c.list = append(c.list, o)
		if id := displayID(m); id != "" {
			if c.displays == nil {
				c.displays = make(map[string][]int)
			}
			c.displays[id] = append(c.displays[id], len(c.list)-1)
		}
	case "update_display_data":
		n := bundleSize(m.Content["data"])
		for _, i := range c.displays[displayID(m)] {
			old := bundleSize(c.list[i].Data)
			c.kept -= old
			if !c.room(n) {
				c.kept += old
				continue
			}
			c.list[i].Data = mimeBundle(m.Content["data"])
			c.list[i].Metadata = object(m.Content["metadata"])
		}
	case "error":
		o := &nbformat.Output{Type: nbformat.Error, EName: m.String("ename"), EValue: m.String("evalue")}
		if tb, ok := m.Content["traceback"].([]any); ok {
			for _, line := range tb {
				o.Traceback = append(o.Traceback, fmt.Sprint(line))
			}
		}
		c.list = append(c.list, o)
	case "clear_output":
		if wait, _ := m.Content["wait"].(bool); wait {
			c.clearNext = true
		} else {
			c.clear()
		}
	case "execute_input", "status", "comm_open", "comm_msg", "comm_close":
	default:
		c.unexpected = append(c.unexpected, m.Type())
	}
}

func (c *collector) clear() {
	c.list = nil
	c.displays = nil
	c.clearNext = false
	c.kept, c.dropped, c.tail = 0, 0, ""
}

// bundleSize is about how many bytes a MIME bundle takes in the notebook.
func bundleSize(v any) int {
	n := 0
	switch v := v.(type) {
	case string:
		return len(v)
	case map[string]any:
		for k, x := range v {
			n += len(k) + bundleSize(x)
		}
	case []any:
		for _, x := range v {
			n += bundleSize(x)
		}
	default:
		if b, err := json.Marshal(v); err == nil {
			n = len(b)
		}
	}
	return n
}

func lastBytes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	s = s[len(s)-n:]
	for len(s) > 0 && !utf8.RuneStart(s[0]) {
		s = s[1:]
	}
	if i := strings.IndexByte(s, '\n'); i >= 0 && i < len(s)-1 {
		s = s[i+1:]
	}
	return s
}

func displayID(m *jupyter.Message) string {
	t, _ := m.Content["transient"].(map[string]any)
	id, _ := t["display_id"].(string)
	return id
}

// mimeBundle keeps text values as strings and JSON values as decoded JSON.
func mimeBundle(v any) map[string]any {
	out := map[string]any{}
	m, _ := v.(map[string]any)
	for k, v := range m {
		out[k] = v
	}
	return out
}

func object(v any) map[string]any {
	m, _ := v.(map[string]any)
	if m == nil {
		m = map[string]any{}
	}
	return m
}

func count(v any) *int {
	f, ok := v.(float64)
	if !ok {
		return nil
	}
	n := int(f)
	return &n
}

// GoNB reports a cell whose program panicked, called os.Exit(n), was killed or ran a
// failing !command with status "ok", saying so only in a stream message of its own
// ("exit status N", "signal: NAME", after "^C" when interrupted), which a program can
// print too. The course kernel therefore records its programs' exit statuses out of
// band (see exitLog and kernel/cellwrap), and failure judges from those. exitReport
// is the fallback for a kernel without that record: the text is taken as GoNB's only
// when it is the cell's last stream message, alone.
var exitReport = regexp.MustCompile(`^(\^C\n)?(exit status [0-9]+|signal: [a-z ]+)\n$`)

// panicLine finds where a Go program's own account of its failure starts.
var panicLine = regexp.MustCompile(`(?m)^(panic: |fatal error: )`)

// exits is how the cell's programs ended: from the kernel's exit log when the kernel
// keeps one and it recorded a program of this cell (recorded), else from GoNB's report
// in lastStream, the text of the cell's last stream message (older kernels, and cells
// whose program the wrapper does not see, such as %%script ones).
type exits struct {
	recorded   bool
	failures   []string // from the exit log: "exit status 3", "signal: killed", …
	lastStream string
}

// failure says why a cell failed, or "" when it did not.
func failure(reply *jupyter.Message, outputs []*nbformat.Output, ex exits) string {
	for _, o := range outputs {
		if o.Type == nbformat.Error {
			msg := strings.TrimSpace(o.EName + ": " + o.EValue)
			if len(o.Traceback) > 0 && o.EValue == "" {
				msg = nbformat.StripANSI(strings.Join(o.Traceback, "\n"))
			}
			return firstLines(msg, 6)
		}
	}
	if reply != nil {
		switch status := reply.String("status"); status {
		case "ok":
		case "error":
			return firstLines(reply.String("ename")+": "+reply.String("evalue"), 6)
		default:
			return fmt.Sprintf("execute_reply status %q", status)
		}
	}
	why := ""
	switch {
	case ex.recorded && len(ex.failures) > 0:
		why = ex.failures[0]
	case !ex.recorded && exitReport.MatchString(ex.lastStream):
		why = strings.TrimPrefix(strings.TrimSpace(ex.lastStream), "^C\n")
	default:
		return ""
	}
	// Name the panic when the program printed one, else the exit status.
	for _, o := range outputs {
		if o.Type == nbformat.Stream && o.Name == "stderr" {
			text := nbformat.StripANSI(o.Text)
			if loc := panicLine.FindStringIndex(text); loc != nil {
				return firstLines(text[loc[0]:], 6) + "\n(" + why + ")"
			}
		}
	}
	return why
}

func firstLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = append(lines[:n], "…")
	}
	return strings.Join(lines, "\n")
}
