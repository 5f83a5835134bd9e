// Package nbformat reads, validates and writes Jupyter notebooks (.ipynb files) in
// nbformat 4, the format every Jupyter frontend saves.
//
// Parse accepts any nbformat 4.x notebook and reports malformed input with the JSON
// location of the problem (line:column for syntax errors, a path such as
// cells[3].source for structural ones). Marshal always writes nbformat 4.5 (cell ids
// included) in the layout Jupyter itself uses: sorted keys, one-space indentation,
// multi-line strings as lists of lines. HTML renders a notebook as one
// self-contained page for reading.
package nbformat

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// Notebook is a parsed .ipynb document.
type Notebook struct {
	Cells         []*Cell
	Metadata      map[string]any // notebook metadata, kept as decoded JSON
	Format, Minor int            // nbformat and nbformat_minor
}

// Cell is one notebook cell.
type Cell struct {
	ID       string
	Type     string // "code", "markdown" or "raw"
	Source   string
	Metadata map[string]any
	// Attachments of markdown and raw cells, kept as decoded JSON (nil when absent).
	Attachments map[string]any
	// ExecutionCount of a code cell; nil means never executed.
	ExecutionCount *int
	// Outputs of a code cell.
	Outputs []*Output
}

// Output types.
const (
	Stream         = "stream"
	DisplayData    = "display_data"
	ExecuteResult  = "execute_result"
	Error          = "error"
	maxCellIDBytes = 64
)

// Output is one output of a code cell.
type Output struct {
	Type string // Stream, DisplayData, ExecuteResult or Error

	Name string // stream: "stdout" or "stderr"
	Text string // stream text

	// Data is the MIME bundle of display_data and execute_result outputs: text
	// types hold a string, JSON types (application/json, *+json) any JSON value.
	Data     map[string]any
	Metadata map[string]any
	// ExecutionCount of an execute_result.
	ExecutionCount *int

	EName, EValue string // error
	Traceback     []string
}

// Parse decodes and validates a notebook. Errors name the JSON location of the problem.
func Parse(data []byte) (*Notebook, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var doc any
	if err := dec.Decode(&doc); err != nil {
		return nil, locate(data, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("line %d: unexpected data after the notebook's top-level object", lineCol(data, dec.InputOffset())[0])
	}
	if !utf8.Valid(data) {
		return nil, errors.New("notebook is not valid UTF-8")
	}
	return decodeNotebook(doc)
}

// locate rewrites a JSON decoding error to name its line and column.
func locate(data []byte, err error) error {
	var syn *json.SyntaxError
	if errors.As(err, &syn) {
		lc := lineCol(data, syn.Offset-1) // Offset is just past the bad byte
		return fmt.Errorf("invalid JSON at line %d, column %d: %v", lc[0], lc[1], err)
	}
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		lc := lineCol(data, int64(len(data)))
		return fmt.Errorf("invalid JSON: unexpected end of input at line %d, column %d", lc[0], lc[1])
	}
	return fmt.Errorf("invalid JSON: %v", err)
}

// lineCol converts a byte offset into a 1-based line and column.
func lineCol(data []byte, off int64) [2]int {
	if off > int64(len(data)) {
		off = int64(len(data))
	}
	if off < 0 {
		off = 0
	}
	before := data[:off]
	line := bytes.Count(before, []byte("\n")) + 1
	col := int(off) - bytes.LastIndexByte(before, '\n')
	return [2]int{line, col}
}

// Marshal encodes nb as nbformat 4.5 JSON. Cells without an id get a fresh unique one.
func Marshal(nb *Notebook) ([]byte, error) {
	nb.AssignIDs()
	cells := make([]any, len(nb.Cells))
	for i, c := range nb.Cells {
		cells[i] = c.toJSON()
	}
	doc := map[string]any{
		"cells":          cells,
		"metadata":       orEmpty(nb.Metadata),
		"nbformat":       4,
		"nbformat_minor": 5,
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", " ")
	if err := enc.Encode(doc); err != nil {
		return nil, fmt.Errorf("encoding notebook: %w", err)
	}
	return buf.Bytes(), nil
}

// AssignIDs gives every cell without a valid, unique id a new one, as nbformat 4.5 requires.
func (nb *Notebook) AssignIDs() {
	seen := make(map[string]bool)
	for _, c := range nb.Cells {
		if validID(c.ID) && !seen[c.ID] {
			seen[c.ID] = true
		}
	}
	used := make(map[string]bool)
	next := 0
	for i, c := range nb.Cells {
		if validID(c.ID) && !used[c.ID] {
			used[c.ID] = true
			continue
		}
		for {
			id := fmt.Sprintf("cell-%d", i+next)
			next++
			if !seen[id] && !used[id] {
				c.ID = id
				used[id] = true
				break
			}
		}
	}
}

func validID(id string) bool {
	if id == "" || len(id) > maxCellIDBytes {
		return false
	}
	for _, r := range id {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}

func (c *Cell) toJSON() map[string]any {
	m := map[string]any{
		"id":        c.ID,
		"cell_type": c.Type,
		"metadata":  orEmpty(c.Metadata),
		"source":    lines(c.Source),
	}
	switch c.Type {
	case "code":
		m["execution_count"] = c.ExecutionCount
		outs := make([]any, len(c.Outputs))
		for i, o := range c.Outputs {
			outs[i] = o.toJSON()
		}
		m["outputs"] = outs
	default:
		if c.Attachments != nil {
			m["attachments"] = c.Attachments
		}
	}
	return m
}

func (o *Output) toJSON() map[string]any {
	m := map[string]any{"output_type": o.Type}
	switch o.Type {
	case Stream:
		m["name"] = o.Name
		m["text"] = lines(o.Text)
	case DisplayData, ExecuteResult:
		data := make(map[string]any, len(o.Data))
		for k, v := range o.Data {
			if s, ok := v.(string); ok && !isJSONMime(k) {
				data[k] = lines(s)
			} else {
				data[k] = v
			}
		}
		m["data"] = data
		m["metadata"] = orEmpty(o.Metadata)
		if o.Type == ExecuteResult {
			m["execution_count"] = o.ExecutionCount
		}
	case Error:
		m["ename"] = o.EName
		m["evalue"] = o.EValue
		tb := o.Traceback
		if tb == nil {
			tb = []string{}
		}
		m["traceback"] = tb
	}
	return m
}

// isJSONMime reports whether a MIME type's value is JSON rather than text.
func isJSONMime(mime string) bool {
	return mime == "application/json" || strings.HasSuffix(mime, "+json")
}

// lines splits s into lines that keep their "\n", the way Jupyter stores multi-line strings.
func lines(s string) []string {
	out := []string{}
	for s != "" {
		i := strings.IndexByte(s, '\n')
		if i < 0 {
			out = append(out, s)
			break
		}
		out = append(out, s[:i+1])
		s = s[i+1:]
	}
	return out
}

func orEmpty(m map[string]any) map[string]any {
	if m == nil {
		return map[string]any{}
	}
	return m
}
