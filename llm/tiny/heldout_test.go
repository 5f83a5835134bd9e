package tiny_test

import (
	"os"
	"testing"

	"github.com/how-llms-work/course/llm"
	"github.com/how-llms-work/course/llm/tiny/bpb"
)

// TestHeldOutBitsPerByte guards the embedded model's quality: its bits per
// byte on each held-out text must stay within 0.005 of the value measured
// when it was committed.
func TestHeldOutBitsPerByte(t *testing.T) {
	// The embedded model's bits per byte on the English written for these
	// tests (in no training source), measured when its weights were
	// committed (stage 8 of llm/tiny/README.md, the mean of five dropout
	// runs; stage 5c measured 1.4277 and 1.5164, stage 4 1.4599 and
	// 1.5438, stage 1's 8-layer model 1.6448 and 1.7378).
	heldOut := []struct {
		file string
		bpb  float64
	}{
		{"testdata/heldout.txt", 1.3984},
		{"testdata/heldout2.txt", 1.4980},
	}
	m, err := llm.LoadTiny()
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	for _, h := range heldOut {
		text, err := os.ReadFile(h.file)
		if err != nil {
			t.Fatal(err)
		}
		r, err := bpb.Measure(m, string(text))
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: %.4f bits per byte (%.4f nats per token) on %d bytes, %d tokens", h.file, r.PerByte(), r.PerToken(), r.Bytes, r.Tokens)
		if r.PerByte() > h.bpb+0.005 {
			t.Errorf("%s: %.4f bits per byte, above the %.4f measured when the model was committed", h.file, r.PerByte(), h.bpb)
		}
	}
}
