package widgets_test

import (
	"strings"
	"testing"

	"github.com/how-llms-work/course/llm"
	"github.com/how-llms-work/course/widgets"
)

func TestRecordedView(t *testing.T) {
	m, err := llm.LoadTiny()
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	r := m.MustVsRecorded("The cat sat on the")
	v := widgets.FromRecorded(r)
	doc := checkSelfContained(t, mustHTML(t, v))
	heads := all(doc, tag("th"))
	var cols []string
	for _, h := range heads[:3] {
		cols = append(cols, text(h))
	}
	if got := strings.Join(cols, "|"); got != "|tiny (this run)|recorded with Qwen3.5-0.8B (not this run)" {
		t.Errorf("columns %q", got)
	}
	live, rec := all(doc, class("live")), all(doc, class("rec"))
	if len(live) != len(r.Rows) || len(rec) != len(r.Rows) {
		t.Fatalf("%d/%d cells for %d rows", len(live), len(rec), len(r.Rows))
	}
	for i, row := range r.Rows {
		if text(live[i]) != row.Live || text(rec[i]) != row.Recorded {
			t.Errorf("row %d shows %q / %q, want %q / %q", i, text(live[i]), text(rec[i]), row.Live, row.Recorded)
		}
	}
	if len(all(doc, class("ok")))+len(all(doc, class("bad"))) != 0 {
		t.Error("agreement marks on another model's comparison")
	}
	txt, err := v.Text()
	if err != nil || txt != r.String() {
		t.Errorf("Text: %v\n%s", err, txt)
	}

	// On the real model, each row is marked.
	real := &llm.Recorded{Prompt: "p", Model: "Qwen/Qwen3.5-0.8B", Real: true, Rows: []llm.RecordedValue{
		{What: "a", Live: "1", Recorded: "1", Agree: true}, {What: "b", Live: "2", Recorded: "3"}}}
	doc = checkSelfContained(t, mustHTML(t, widgets.FromRecorded(real)))
	if ok, bad := all(doc, class("ok")), all(doc, class("bad")); len(ok) != 1 || len(bad) != 1 {
		t.Errorf("real model: %d ✓ and %d ✗, want 1 and 1", len(ok), len(bad))
	}

	if _, err := (widgets.RecordedView{}).HTML(); err == nil {
		t.Error("an empty comparison renders")
	}
}
