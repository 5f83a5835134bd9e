package widgets_test

import (
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/how-llms-work/course/llm"
	"github.com/how-llms-work/course/widgets"
)

var (
	lensOnce sync.Once
	lensData *llm.Lens
)

// tinyLens is the logit lens of the embedded model on a short prompt, with
// two pinned tokens.
func tinyLens(t testing.TB) *llm.Lens {
	t.Helper()
	lensOnce.Do(func() {
		m, err := llm.LoadTiny()
		if err != nil {
			t.Fatal(err)
		}
		p := m.MustRun("The cat sat on the")
		lensData = m.MustLogitLens(p, 5, p.IDs[1], p.Top[0].ID)
	})
	if lensData == nil {
		t.Fatal("the tiny model did not run")
	}
	return lensData
}

// TestLensGridHTML checks the static grid: one cell per boundary and
// position naming the lens's top token with its probability, the answer
// marked, the output cell's details and the pinned ranks.
func TestLensGridHTML(t *testing.T) {
	l := tinyLens(t)
	h := mustHTML(t, widgets.FromLens(l))
	doc := checkSelfContained(t, h)
	cells := all(doc, class("c"))
	if len(cells) != (l.Layers+1)*len(l.Pieces) {
		t.Fatalf("%d cells, want %d", len(cells), (l.Layers+1)*len(l.Pieces))
	}
	for _, c := range cells {
		b, _ := attr(c, "data-b")
		tt, _ := attr(c, "data-t")
		bi, _ := strconv.Atoi(b)
		ti, _ := strconv.Atoi(tt)
		top := l.Cells[bi][ti].Top[0]
		title, _ := attr(c, "title")
		if !strings.Contains(title, strconv.FormatFloat(float64(top.Prob), 'f', 3, 64)) {
			t.Errorf("cell %s,%s title %q, want p %.3f", b, tt, title, top.Prob)
		}
		if hasClass(c, "ans") != (top.ID == l.Answer.ID) {
			t.Errorf("cell %s,%s: answer mark %v, top %q, answer %q", b, tt, hasClass(c, "ans"), top.Piece, l.Answer.Piece)
		}
		if tab, _ := attr(c, "tabindex"); tab != "0" {
			t.Errorf("cell %s,%s not focusable", b, tt)
		}
	}
	det := all(doc, class("detail"))
	if len(det) != 1 || !strings.Contains(text(det[0]), "position "+strconv.Itoa(len(l.Pieces)-1)) {
		t.Fatalf("detail panel: %d", len(det))
	}
	pins := all(doc, class("pins"))
	if len(pins) != 1 {
		t.Fatal("no pinned table")
	}
	rows := all(pins[0], tag("tr"))
	if len(rows) != 1+len(l.Pinned) {
		t.Fatalf("pinned table has %d rows", len(rows))
	}
	last := len(l.Pieces) - 1
	for i := range l.Pinned {
		tds := all(rows[i+1], tag("td"))
		for b := range l.Cells {
			if got, want := strings.TrimSpace(text(tds[b+1])), strconv.Itoa(l.Cells[b][last].Pinned[i].Rank); got != want {
				t.Errorf("pin %d boundary %d: rank %s, want %s", i, b, got, want)
			}
		}
	}
	s, err := widgets.FromLens(l).Text()
	if err != nil || !strings.Contains(s, "embedding") || !strings.Contains(s, "final answer") || strings.Count(s, "\n") < l.Layers+3 {
		t.Errorf("Text: %v\n%s", err, s)
	}
}

func TestLensGridErrors(t *testing.T) {
	l := tinyLens(t)
	bad := *l
	bad.Cells = bad.Cells[:2]
	cut := *l
	cut.Cells = append([][]llm.LensCell(nil), l.Cells...)
	cut.Cells[1] = cut.Cells[1][:1]
	for name, w := range map[string]widgets.LensGrid{"nil": {}, "rows": widgets.FromLens(&bad), "cells": widgets.FromLens(&cut)} {
		if _, err := w.HTML(); err == nil {
			t.Errorf("%s: HTML succeeded", name)
		}
		if _, err := w.Text(); err == nil {
			t.Errorf("%s: Text succeeded", name)
		}
	}
}
