package train

import (
	"math"
	"testing"
)

// TestInitDecays checks that the DeltaNet decays start spread over short
// and long memories: exp(−exp(A_log)·softplus(dt_bias)) within (0.2, 1).
func TestInitDecays(t *testing.T) {
	c := tinyShapes()
	m := NewModel[float64](c, 1)
	var lo, hi = 1.0, 0.0
	for l := 0; l < c.Layers; l++ {
		w := m.w.layers[l]
		for h := range w.dtBias {
			d := math.Exp(-math.Exp(w.aLog[h]) * softplus(w.dtBias[h]))
			lo, hi = math.Min(lo, d), math.Max(hi, d)
		}
	}
	if lo < 0.15 || hi > 0.99999 || hi < 0.9 {
		t.Errorf("initial decays span [%.3f, %.5f], want within (0.15, 1) and reaching 0.9", lo, hi)
	}
}
