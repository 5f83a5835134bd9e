package main

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/how-llms-work/course/ci/jupyter"
	"github.com/how-llms-work/course/ci/nbformat"
)

// collector turns a cell's iopub messages into nbformat outputs, the way Jupyter
// frontends do: consecutive stream text of the same name is merged, update_display_data
// rewrites every output shown with that display_id, clear_output (wait or not) clears.
type collector struct {
	outputs    []*nbformat.Output
	displays   map[string][]int // display_id -> output indexes
	clearNext  bool             // a clear_output with wait=true is pending
	unexpected []string         // message types we did not understand
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
		if n := len(c.outputs); n > 0 && c.outputs[n-1].Type == nbformat.Stream && c.outputs[n-1].Name == name {
			c.outputs[n-1].Text += text
			return
		}
		c.outputs = append(c.outputs, &nbformat.Output{Type: nbformat.Stream, Name: name, Text: text})
	case "display_data", "execute_result":
		o := &nbformat.Output{Type: m.Type(), Data: mimeBundle(m.Content["data"]), Metadata: object(m.Content["metadata"])}
		if m.Type() == "execute_result" {
			o.ExecutionCount = count(m.Content["execution_count"])
		}
		c.outputs = append(c.outputs, o)
		if id := displayID(m); id != "" {
			if c.displays == nil {
				c.displays = make(map[string][]int)
			}
			c.displays[id] = append(c.displays[id], len(c.outputs)-1)
		}
	case "update_display_data":
		for _, i := range c.displays[displayID(m)] {
			c.outputs[i].Data = mimeBundle(m.Content["data"])
			c.outputs[i].Metadata = object(m.Content["metadata"])
		}
	case "error":
		o := &nbformat.Output{Type: nbformat.Error, EName: m.String("ename"), EValue: m.String("evalue")}
		if tb, ok := m.Content["traceback"].([]any); ok {
			for _, line := range tb {
				o.Traceback = append(o.Traceback, fmt.Sprint(line))
			}
		}
		c.outputs = append(c.outputs, o)
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
	c.outputs = nil
	c.displays = nil
	c.clearNext = false
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

// GoNB reports a cell whose program panicked, called os.Exit(n) or ran a failing
// !command with status "ok"; what gives it away is this text on stderr.
var silentFailure = regexp.MustCompile(`(?m)^(panic: .*|exit status [0-9]+|fatal error: .*)$`)

// failure says why a cell failed, or "" when it did not.
func failure(reply *jupyter.Message, outputs []*nbformat.Output) string {
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
	for _, o := range outputs {
		if o.Type == nbformat.Stream && o.Name == "stderr" {
			if loc := silentFailure.FindStringIndex(nbformat.StripANSI(o.Text)); loc != nil {
				text := nbformat.StripANSI(o.Text)
				return firstLines(text[loc[0]:], 6)
			}
		}
	}
	return ""
}

func firstLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = append(lines[:n], "…")
	}
	return strings.Join(lines, "\n")
}
