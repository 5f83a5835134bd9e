package nbformat

import (
	"bytes"
	"os"
	"reflect"
	"strings"
	"testing"
)

func TestParseValid(t *testing.T) {
	data, err := os.ReadFile("testdata/valid-4.4.ipynb")
	if err != nil {
		t.Fatal(err)
	}
	nb, err := Parse(data)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	if nb.Format != 4 || nb.Minor != 4 || len(nb.Cells) != 3 {
		t.Fatalf("got nbformat %d.%d with %d cells, want 4.4 with 3", nb.Format, nb.Minor, len(nb.Cells))
	}
	if got := nb.Cells[0].Source; got != "# Title\nSome *text*." {
		t.Errorf("markdown source = %q", got)
	}
	code := nb.Cells[1]
	if code.ExecutionCount == nil || *code.ExecutionCount != 2 {
		t.Errorf("execution_count = %v, want 2", code.ExecutionCount)
	}
	if len(code.Outputs) != 4 {
		t.Fatalf("got %d outputs, want 4", len(code.Outputs))
	}
	if o := code.Outputs[0]; o.Type != Stream || o.Name != "stdout" || o.Text != "hello\nworld\n" {
		t.Errorf("stream output = %+v", o)
	}
	if got := code.Outputs[1].Data["text/html"]; got != "<b>hi</b>" {
		t.Errorf("text/html = %q", got)
	}
	if o := code.Outputs[3]; o.EName != "panic" || o.EValue != "boom" || len(o.Traceback) != 2 {
		t.Errorf("error output = %+v", o)
	}
	if err := Validate(data); err == nil || !strings.Contains(err.Error(), "nbformat_minor") {
		t.Errorf("Validate(4.4 notebook) = %v, want an nbformat_minor error", err)
	}
}

func TestMarshalRoundTrip(t *testing.T) {
	data, err := os.ReadFile("testdata/valid-4.4.ipynb")
	if err != nil {
		t.Fatal(err)
	}
	nb, err := Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	out, err := Marshal(nb)
	if err != nil {
		t.Fatal(err)
	}
	if err := Validate(out); err != nil {
		t.Fatalf("Validate(Marshal(nb)) = %v\n%s", err, out)
	}
	// Multi-line strings are stored as lists of lines, as Jupyter writes them.
	if !bytes.Contains(out, []byte(`"hello\n",`)) {
		t.Errorf("stream text not split into lines:\n%s", out)
	}
	again, err := Parse(out)
	if err != nil {
		t.Fatal(err)
	}
	for i, c := range again.Cells {
		if c.ID == "" {
			t.Errorf("cell %d has no id after Marshal", i)
		}
		c.ID = nb.Cells[i].ID
	}
	again.Minor = nb.Minor
	if !reflect.DeepEqual(nb, again) {
		t.Errorf("round trip changed the notebook")
	}
	out2, err := Marshal(again)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(out, out2) {
		t.Errorf("Marshal is not stable:\n%s\n----\n%s", out, out2)
	}
}

func TestAssignIDsKeepsValidAndFixesDuplicates(t *testing.T) {
	nb := &Notebook{Cells: []*Cell{{ID: "a", Type: "raw"}, {ID: "cell-1", Type: "raw"}, {Type: "raw"}, {ID: "bad id", Type: "raw"}}}
	nb.AssignIDs()
	got := []string{nb.Cells[0].ID, nb.Cells[1].ID, nb.Cells[2].ID, nb.Cells[3].ID}
	seen := map[string]bool{}
	for _, id := range got {
		if !validID(id) || seen[id] {
			t.Fatalf("ids %q: want valid and unique", got)
		}
		seen[id] = true
	}
	if got[0] != "a" || got[1] != "cell-1" {
		t.Errorf("valid ids changed: %q", got)
	}
}

func TestParseErrorsNameTheLocation(t *testing.T) {
	const head = `{"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [`
	cases := []struct {
		name, in, want string
	}{
		{"syntax", "{\n \"cells\": [\n  {,\n", "line 3, column 4"},
		{"truncated", "{\n \"cells\": [", "unexpected end of input at line 2"},
		{"not an object", `[1]`, "notebook: got an array, want an object"},
		{"trailing data", `{"nbformat":4} {}`, "after the notebook"},
		{"nbformat 3", `{"nbformat": 3, "nbformat_minor": 0, "metadata": {}, "cells": []}`, "nbformat: got 3, want 4"},
		{"missing minor", `{"nbformat": 4, "metadata": {}, "cells": []}`, "nbformat_minor: missing"},
		{"cells not array", `{"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": {}}`, "cells: got an object"},
		{"unknown key", `{"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [], "x": 1}`, `unexpected key "x"`},
		{"cell type", head + `{"cell_type": "python", "metadata": {}, "source": ""}]}`, `cells[0].cell_type: got "python"`},
		{"source type", head + `{"cell_type": "markdown", "metadata": {}, "source": ""}, {"cell_type": "code", "metadata": {}, "source": 7, "outputs": [], "execution_count": null}]}`, "cells[1].source: got the number 7"},
		{"source line type", head + `{"cell_type": "markdown", "metadata": {}, "source": ["a", null]}]}`, "cells[0].source[1]: got null"},
		{"missing outputs", head + `{"cell_type": "code", "metadata": {}, "source": "", "execution_count": null}]}`, "cells[0].outputs: got null"},
		{"missing count", head + `{"cell_type": "code", "metadata": {}, "source": "", "outputs": []}]}`, "cells[0].execution_count: missing"},
		{"negative count", head + `{"cell_type": "code", "metadata": {}, "source": "", "outputs": [], "execution_count": -1}]}`, "cells[0].execution_count: got -1"},
		{"output type", head + `{"cell_type": "code", "metadata": {}, "source": "", "outputs": [{"output_type": "pyout"}], "execution_count": null}]}`, `cells[0].outputs[0].output_type: got "pyout"`},
		{"stream name", head + `{"cell_type": "code", "metadata": {}, "source": "", "outputs": [{"output_type": "stream", "text": ""}], "execution_count": null}]}`, "cells[0].outputs[0].name: missing"},
		{"mime value", head + `{"cell_type": "code", "metadata": {}, "source": "", "outputs": [{"output_type": "display_data", "data": {"text/plain": 1}, "metadata": {}}], "execution_count": null}]}`, `cells[0].outputs[0].data["text/plain"]: got the number 1`},
		{"traceback", head + `{"cell_type": "code", "metadata": {}, "source": "", "outputs": [{"output_type": "error", "ename": "", "evalue": "", "traceback": [1]}], "execution_count": null}]}`, "cells[0].outputs[0].traceback[0]: got the number 1"},
		{"bad id", head + `{"id": "a b", "cell_type": "raw", "metadata": {}, "source": ""}]}`, `cells[0].id: "a b" is not a valid cell id`},
		{"duplicate id", head + `{"id": "a", "cell_type": "raw", "metadata": {}, "source": ""}, {"id": "a", "cell_type": "raw", "metadata": {}, "source": ""}]}`, `cells[1].id: "a" already used by cells[0]`},
		{"markdown outputs", head + `{"cell_type": "markdown", "metadata": {}, "source": "", "outputs": []}]}`, `cells[0].outputs: unexpected key`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(tc.in))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Parse error = %v, want it to contain %q", err, tc.want)
			}
		})
	}
}

func TestValidateRequiresIDs(t *testing.T) {
	in := `{"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [{"cell_type": "raw", "metadata": {}, "source": ""}]}`
	if err := Validate([]byte(in)); err == nil || !strings.Contains(err.Error(), "cells[0].id: missing") {
		t.Errorf("Validate = %v, want a missing id error", err)
	}
}

// FuzzParse checks that Parse never panics and that whatever it accepts survives
// Marshal as a valid nbformat 4.5 notebook that parses back to the same cells.
func FuzzParse(f *testing.F) {
	if data, err := os.ReadFile("testdata/valid-4.4.ipynb"); err == nil {
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		nb, err := Parse(data)
		if err != nil {
			return
		}
		out, err := Marshal(nb)
		if err != nil {
			t.Fatalf("Marshal of a parsed notebook failed: %v", err)
		}
		if err := Validate(out); err != nil {
			t.Fatalf("Marshal wrote an invalid notebook: %v\n%s", err, out)
		}
		again, err := Parse(out)
		if err != nil {
			t.Fatal(err)
		}
		if len(again.Cells) != len(nb.Cells) {
			t.Fatalf("cells: %d after round trip, want %d", len(again.Cells), len(nb.Cells))
		}
		for i := range nb.Cells {
			if again.Cells[i].Source != nb.Cells[i].Source || len(again.Cells[i].Outputs) != len(nb.Cells[i].Outputs) {
				t.Fatalf("cell %d changed in the round trip", i)
			}
		}
	})
}

func TestMarkdownHTML(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"# Title", "<h1>Title</h1>\n"},
		{"### A *b*", "<h3>A <em>b</em></h3>\n"},
		{"one\ntwo\n\nthree", "<p>one\ntwo</p>\n<p>three</p>\n"},
		{"**Goal.** a `x := 1` and <b>", "<p><strong>Goal.</strong> a <code>x := 1</code> and &lt;b&gt;</p>\n"},
		{"`**not bold**` snake_case_name", "<p><code>**not bold**</code> snake_case_name</p>\n"},
		{"- a\n- *b*\n  more\n\n1. x\n2. y", "<ul>\n<li>a</li>\n<li><em>b</em> more</li>\n</ul>\n<ol>\n<li>x</li>\n<li>y</li>\n</ol>\n"},
		{"| term | meaning |\n|---|:--|\n| **t** | m |", "<table>\n<tr><th>term</th><th>meaning</th></tr>\n<tr><td><strong>t</strong></td><td>m</td></tr>\n</table>\n"},
		{"```go\nx := <y>\n```", "<pre>x := &lt;y&gt;</pre>\n"},
		{"[Go](https://go.dev) [bad](javascript:alert(1))", "<p><a href=\"https://go.dev\">Go</a> [bad](javascript:alert(1))</p>\n"},
		{"> quoted **text**", "<blockquote><p>quoted <strong>text</strong></p>\n</blockquote>\n"},
	} {
		if got := MarkdownHTML(tc.in); got != tc.want {
			t.Errorf("MarkdownHTML(%q)\n got %q\nwant %q", tc.in, got, tc.want)
		}
	}
}

// FuzzMarkdownHTML checks that any Markdown renders without panicking and that raw
// HTML in the source never reaches the page as markup.
func FuzzMarkdownHTML(f *testing.F) {
	for _, s := range []string{"# T\n**b** `c`", "| a | b |\n|---|---|\n| 1 | 2 |", "- x\n  y\n1. z", "```\n<x>\n```", "[a](https://b) <script>"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		out := MarkdownHTML(src)
		if strings.Contains(out, "<script") || strings.Contains(out, "<img") {
			t.Fatalf("raw HTML passed through: %q -> %q", src, out)
		}
	})
}

// TestWriteOutput checks each kind of output's HTML and that the markdown
// hook, not MarkdownHTML, renders a markdown display when given.
func TestWriteOutput(t *testing.T) {
	for _, tc := range []struct {
		o        Output
		markdown func(string) string
		want     string
	}{
		{Output{Type: Stream, Name: "stdout", Text: "a<b\x1b[31m"}, nil, "<pre class=\"stdout\">a&lt;b</pre>\n"},
		{Output{Type: Error, EName: "E", EValue: "v", Traceback: []string{"t1", "t2"}}, nil, "<pre class=\"err\">E: v\nt1\nt2</pre>\n"},
		{Output{Type: DisplayData, Data: map[string]any{"text/html": "<i>x</i>", "text/plain": "x"}}, nil, "<i>x</i>\n"},
		{Output{Type: DisplayData, Data: map[string]any{"image/png": "aGk=\n"}}, nil, "<img alt=\"a cell's image output\" src=\"data:image/png;base64,aGk=\">\n"},
		{Output{Type: DisplayData, Data: map[string]any{"text/markdown": "**b**"}}, nil, "<p><strong>b</strong></p>\n"},
		{Output{Type: DisplayData, Data: map[string]any{"text/markdown": "**b**"}}, strings.ToUpper, "**B**"},
		{Output{Type: ExecuteResult, Data: map[string]any{"text/plain": "1 < 2"}}, nil, "<pre>1 &lt; 2</pre>\n"},
		{Output{Type: DisplayData, Data: map[string]any{"b/x": 1, "a/y": 2}}, nil, "<pre>[a/y, b/x]</pre>\n"},
	} {
		var b strings.Builder
		WriteOutput(&b, &tc.o, tc.markdown)
		if b.String() != tc.want {
			t.Errorf("WriteOutput(%+v)\n got %q\nwant %q", tc.o, b.String(), tc.want)
		}
	}
}
