package tiny_test

import (
	"os"
	"testing"

	"github.com/how-llms-work/course/llm"
	"github.com/how-llms-work/course/llm/tiny/bpb"
)

// heldOutBPB is the embedded model's bits per byte on testdata/heldout.txt,
// measured when its weights were committed (stage 4 of llm/tiny/README.md;
// the 8-layer model before it measured 1.6448).
const heldOutBPB = 1.4599

// TestHeldOutBitsPerByte guards the embedded model's quality: its bits per
// byte on English written for this test (in no training source) must stay
// within 0.005 of the value measured when it was committed.
func TestHeldOutBitsPerByte(t *testing.T) {
	text, err := os.ReadFile("testdata/heldout.txt")
	if err != nil {
		t.Fatal(err)
	}
	m, err := llm.LoadTiny()
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	r, err := bpb.Measure(m, string(text))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%.4f bits per byte (%.4f nats per token) on %d bytes, %d tokens", r.PerByte(), r.PerToken(), r.Bytes, r.Tokens)
	if r.PerByte() > heldOutBPB+0.005 {
		t.Errorf("%.4f bits per byte on the held-out text, above the %.4f measured when the model was committed", r.PerByte(), heldOutBPB)
	}
}
