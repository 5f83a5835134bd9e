package widgets_test

import (
	"slices"
	"testing"

	"github.com/how-llms-work/course/widgets"
)

func TestStepLabels(t *testing.T) {
	if got := widgets.StepLabels(3); !slices.Equal(got, []string{"1", "2", "3"}) {
		t.Errorf("StepLabels(3) = %q", got)
	}
	if got := widgets.StepLabels(0); len(got) != 0 {
		t.Errorf("StepLabels(0) = %q", got)
	}
	if got := widgets.StepLabels(-1); len(got) != 0 {
		t.Errorf("StepLabels(-1) = %q", got)
	}
}
