package widgets_test

import (
	"testing"

	"github.com/how-llms-work/course/widgets"
)

// BenchmarkTopSoftmax measures a top-10 table of a full 248,320-logit
// distribution: selection, the rest histogram and the HTML.
func BenchmarkTopSoftmax(b *testing.B) {
	z := realistic(248320)
	for b.Loop() {
		if _, err := widgets.TopSoftmax(z, 10, nil).HTML(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkJourneyHTML measures the largest chapter-1 widget.
func BenchmarkJourneyHTML(b *testing.B) {
	j := demoJourney()
	for b.Loop() {
		if _, err := j.HTML(); err != nil {
			b.Fatal(err)
		}
	}
}
