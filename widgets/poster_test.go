package widgets

import (
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/how-llms-work/course/llm"
)

// TestPoster checks the published config's poster: one box per part, one
// row per layer with the right kind, every tensor's parameters counted once
// (the boxes' counts sum to Params().Stored, computed independently), and
// the text form's lines.
func TestPoster(t *testing.T) {
	c := llm.Qwen35Config()
	h, err := Poster{Cfg: c}.HTML()
	if err != nil {
		t.Fatal(err)
	}
	var sum int64
	for _, m := range regexp.MustCompile(`data-params="(\d+)"`).FindAllStringSubmatch(h, -1) {
		n, _ := strconv.ParseInt(m[1], 10, 64)
		sum += n
	}
	if sum != c.Params().Stored {
		t.Errorf("boxes hold %d parameters, the config %d", sum, c.Params().Stored)
	}
	if n := strings.Count(h, `<div class="row" data-kind="attention">`); n != 6 {
		t.Errorf("%d attention rows, want 6", n)
	}
	if n := strings.Count(h, `<div class="row" data-kind="deltanet">`); n != 18 {
		t.Errorf("%d DeltaNet rows, want 18", n)
	}
	if strings.Count(h, "<details") != len(llm.Anatomy(c))+1 { // + the tied LM head
		t.Errorf("%d boxes", strings.Count(h, "<details"))
	}
	for _, want := range []string{`self_attn.q_proj.weight</td><td>[4,096 × 1,024]`, `linear_attn.conv1d.weight</td><td>[6,144 × 1 × 4]`, "tied: the embedding matrix [248,320 × 1,024]", "… and ", `class="vision"`, `class="mtp"`} {
		if !strings.Contains(h, want) {
			t.Errorf("poster lacks %q", want)
		}
	}
	if strings.Count(h, "<div") != strings.Count(h, "</div>") || strings.Count(h, "<details") != strings.Count(h, "</details>") {
		t.Error("unbalanced tags")
	}
	txt, err := Poster{Cfg: c}.Text()
	if err != nil || !strings.Contains(txt, "layer 4 · attention") || strings.Count(txt, "\n") != len(llm.Anatomy(c)) {
		t.Errorf("text (%v):\n%s", err, txt)
	}
	if _, err := (Poster{}).HTML(); err == nil {
		t.Error("no error without a config")
	}
}
