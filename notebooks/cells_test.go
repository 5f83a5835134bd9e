package notebooks

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

// Cell sizes: a code cell reads like the prose beside it, so it is short.
// What is longer belongs in a package, with a test and an Example.
const (
	maxCellLines    = 15 // non-blank lines in any one code cell
	medianCellLines = 8  // the median over a chapter's code cells
)

// pendingCellSizes lists the chapters written before the limits above,
// with why they may still exceed them. The test logs their sizes instead of
// failing, and fails once one meets the limits, so it leaves the list.
var pendingCellSizes = map[string]string{}

// cellLines counts the non-blank lines of a cell's source (comments, the
// %% line and imports count: the reader reads them too).
func cellLines(src string) int {
	n := 0
	for _, l := range strings.Split(src, "\n") {
		if strings.TrimSpace(l) != "" {
			n++
		}
	}
	return n
}

// median returns the middle value of n, or the mean of the two middle
// values for an even count.
func median(n []int) float64 {
	s := slices.Sorted(slices.Values(n))
	return float64(s[(len(s)-1)/2]+s[len(s)/2]) / 2
}

// TestCellSizes checks that every chapter's code cells are short: none
// above maxCellLines non-blank lines, and a median of at most
// medianCellLines.
func TestCellSizes(t *testing.T) {
	for _, path := range chapters(t) {
		var sizes []int
		var long []string
		for i, c := range parse(t, path).Cells {
			if c.Type != "code" {
				continue
			}
			n := cellLines(c.Source)
			sizes = append(sizes, n)
			if n > maxCellLines {
				long = append(long, fmt.Sprintf("cell %d (%s) has %d non-blank lines", i, c.ID, n))
			}
		}
		if len(sizes) == 0 {
			continue // TestStoredClean reports a chapter without code
		}
		var problems []string
		for _, l := range long {
			problems = append(problems, fmt.Sprintf("%s, want at most %d: move the logic into a package function with a test", l, maxCellLines))
		}
		if m := median(sizes); m > medianCellLines {
			problems = append(problems, fmt.Sprintf("the median code cell has %g non-blank lines, want at most %d (sizes %v)", m, medianCellLines, sizes))
		}
		why, pending := pendingCellSizes[path]
		switch {
		case pending && len(problems) == 0:
			t.Errorf("%s meets the cell-size limits now: remove it from pendingCellSizes", path)
		case pending:
			t.Logf("%s (pending: %s):\n\t%s", path, why, strings.Join(problems, "\n\t"))
		default:
			for _, p := range problems {
				t.Errorf("%s: %s", path, p)
			}
		}
	}
}

func TestCellLines(t *testing.T) {
	for src, want := range map[string]int{
		"":                         0,
		"%%\nfmt.Println(1)":       2,
		"a\n\n  \n\tb\n// c\n":     3,
		"x := 1\r\n\r\ny := 2\r\n": 2,
	} {
		if got := cellLines(src); got != want {
			t.Errorf("cellLines(%q) = %d, want %d", src, got, want)
		}
	}
	for _, tc := range []struct {
		n    []int
		want float64
	}{{[]int{5}, 5}, {[]int{9, 1, 5}, 5}, {[]int{1, 2, 30, 40}, 16}, {[]int{3, 3, 8, 8, 8}, 8}, {[]int{8, 9}, 8.5}} {
		if got := median(tc.n); got != tc.want {
			t.Errorf("median(%v) = %g, want %g", tc.n, got, tc.want)
		}
	}
}
