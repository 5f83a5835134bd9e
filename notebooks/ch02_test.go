package notebooks

import (
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/how-llms-work/course/llm/tiny"
	"github.com/how-llms-work/course/llm/tokenizer"
	"github.com/how-llms-work/course/widgets"
)

// widgetsOfChapter2 are the widget kinds chapter 2 must show.
var widgetsOfChapter2 = []string{"llmw-chips", "llmw-bars", "llmw-merges", "llmw-quiz"}

// TestChapter2 checks the executed chapter 2: no errors, every widget shown,
// and, when it ran on the embedded model, its chips, merge steps, round
// trips, census and trained tokenizer against values computed here.
func TestChapter2(t *testing.T) {
	nb := executed(t, "02-tokenization.ipynb")
	texts, _ := checkOutputs(t, nb, 2, widgetsOfChapter2, 400<<10)
	samples, err := tokenizer.Samples()
	if err != nil {
		t.Fatal(err)
	}
	if want := fmt.Sprintf("decode(encode(x)) == x for all %d samples", len(samples)); !strings.Contains(texts["bytes"], want) {
		t.Errorf("the byte-fallback cell does not say %q:\n%s", want, texts["bytes"])
	}
	if !strings.Contains(texts["three-ways"], "tiny's tokenizer (byte-level BPE: 4096 ids") {
		t.Logf("chapter 2 ran on another model; only the embedded model's values are checked:\n%s", texts["three-ways"])
		return
	}
	tok, err := tokenizer.Parse(tiny.Tokenizer(), tiny.TokenizerConfig())
	if err != nil {
		t.Fatal(err)
	}
	// The chips: the demo sentence's tokens, ids and footer.
	chips := widgets.Tokens(tok, "The quick brown fox jumps over the lazy dog. Antidisestablishmentarianism. 你好")
	want, _ := chips.Text()
	if !strings.Contains(texts["chips"], want) {
		t.Errorf("chips cell:\n%s\nwant:\n%s", texts["chips"], want)
	}
	// Special tokens: their literal strings in the text encode to the added
	// ids (the chat is encoded from plain text), each as one chip.
	for _, special := range []string{"<|im_start|>", "<|im_end|>"} {
		id, ok := tok.ID(special)
		if !ok || !slices.Equal(tok.Encode(special), []int{id}) {
			t.Errorf("%s: id %d (%v), encodes to %v", special, id, ok, tok.Encode(special))
		}
		if chip := fmt.Sprintf("[[%s|%d]]", special, id); !strings.Contains(texts["special"], chip) {
			t.Errorf("the chat strip has no chip %s:\n%s", chip, texts["special"])
		}
	}
	// "cat", " cat", …: the ids Encode gives.
	for _, w := range []string{"cat", " cat", "Cat", " Cat", "CAT"} {
		ids := tok.Encode(w)
		if line := fmt.Sprintf("%-6q → %-16s %q", w, fmt.Sprint(ids), tok.Pieces(ids)); !strings.Contains(texts["cat"], line) {
			t.Errorf("cat cell has no line %q:\n%s", line, texts["cat"])
		}
	}
	// The merge steppers: every step as replayed here.
	for cell, word := range map[string]string{"merges-unbelievable": " unbelievable", "merges-antidis": " Antidisestablishmentarianism"} {
		want, _ := widgets.Merges(tok, word).Text()
		if !strings.Contains(texts[cell], want) {
			t.Errorf("%s:\n%s\nwant:\n%s", cell, texts[cell], want)
		}
	}
	if want := fmt.Sprintf("Encode gives %q", tok.Pieces(tok.Encode(" unbelievable"))); !strings.Contains(texts["merges-unbelievable"], want) {
		t.Errorf("merges-unbelievable does not say %s", want)
	}
	// The census.
	c := tok.Census()
	if want := fmt.Sprintf("start with a space %d (%.1f%%)", c.LeadingSpace, 100*float64(c.LeadingSpace)/float64(c.BPE)); !strings.Contains(texts["census"], want) {
		t.Errorf("census cell does not say %q:\n%s", want, texts["census"])
	}
	// Training on Brown: the sweep's 4,096-id value is the embedded
	// tokenizer's chars per token on the held-out samples.
	if strings.Contains(texts["train"]+texts["sweep"], "skipped:") {
		if os.Getenv("CI") != "" {
			t.Errorf("the training cells were skipped:\n%s", texts["train"])
		}
		return
	}
	tr, held, err := tokenizer.TrainBrown(300)
	if err != nil {
		t.Logf("Brown corpus not installed here: the training cells' values are not checked (%v)", err)
		return
	}
	ratio := float64(utf8.RuneCountInString(held)) / float64(len(tok.Encode(held)))
	if !strings.Contains(texts["sweep"], fmt.Sprintf("4096 ids      %.2f", ratio)) {
		t.Errorf("sweep cell does not show %.2f chars/token at 4096 ids:\n%s", ratio, texts["sweep"])
	}
	// The first merges and their counts (the same at any vocabulary size),
	// which the prose after the cell quotes.
	merges, _ := widgets.LearnedMerges(tr, 20).Text()
	if !strings.Contains(texts["train"], merges) {
		t.Errorf("train cell:\n%s\nwant:\n%s", texts["train"], merges)
	}
	m := tr.Merges
	if m[0].Count != 132917 || tr.Tokenizer.Piece(m[0].ID) != " t" || tr.Tokenizer.Piece(m[4].ID) != " the" || tr.Tokenizer.Piece(m[19].ID) != " of" {
		t.Errorf("the prose quotes merge 0 \" t\" (132,917), merge 4 \" the\", merge 19 \" of\"; training gives %q (%d), %q, %q",
			tr.Tokenizer.Piece(m[0].ID), m[0].Count, tr.Tokenizer.Piece(m[4].ID), tr.Tokenizer.Piece(m[19].ID))
	}
}
