package tokenizer

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/how-llms-work/course/llm/corpus"
)

const trainText = "the cat sat on the mat. the cat ate the rat! that hat, that cat.\n" +
	"the the the theme thesis; 2026 cats sat.\n"

func TestTrainSmall(t *testing.T) {
	special := []string{"<|endoftext|>", "<|im_start|>", "<|im_end|>"}
	tr, err := Train(strings.Repeat(trainText+"<|endoftext|>", 3), 256+12+3, TrainOptions{Special: special})
	if err != nil {
		t.Fatal(err)
	}
	tok := tr.Tokenizer
	if got := tok.VocabSize(); got != 271 {
		t.Errorf("VocabSize = %d, want 271", got)
	}
	if len(tr.Merges) != 12 {
		t.Errorf("%d merges, want 12", len(tr.Merges))
	}
	// The first merge is the most frequent pair: "a"+"t" occurs in cat, sat,
	// mat, ate, rat, that, hat: 12 times per copy of the text, 36 in all
	// ("t"+"h" only 11 times per copy).
	m := tr.Merges[0]
	if got := tok.Piece(m.Left) + "|" + tok.Piece(m.Right); got != "a|t" || m.Count != 36 || m.ID != 256 {
		t.Errorf("first merge %s count %d id %d, want a|t count 36 id 256", got, m.Count, m.ID)
	}
	// Counts never increase from one merge to the next.
	for i := 1; i < len(tr.Merges); i++ {
		if tr.Merges[i].Count > tr.Merges[i-1].Count {
			t.Errorf("merge %d count %d > merge %d count %d", i, tr.Merges[i].Count, i-1, tr.Merges[i-1].Count)
		}
	}
	// Byte tokens are in GPT-2 order, specials come last.
	for tokText, want := range map[string]int{"!": 0, "Ġ": 220, "Ċ": 198, "<|endoftext|>": 268, "<|im_end|>": 270} {
		if id, ok := tok.ID(tokText); !ok || id != want {
			t.Errorf("ID(%q) = %d, %v; want %d", tokText, id, ok, want)
		}
	}
	if got := tok.EOS(); !reflect.DeepEqual(got, []int{270, 268}) {
		t.Errorf("EOS = %v, want [270 268]", got)
	}
	ids := tok.Encode("the cat<|im_end|>")
	if got := tok.Pieces(ids); !reflect.DeepEqual(got, []string{"the", " cat", "<|im_end|>"}) {
		t.Errorf("pieces %q, want [the  cat <|im_end|>]", got)
	}

	// Saved files load back to the same tokenizer.
	dir := t.TempDir()
	if err := tr.Save(dir); err != nil {
		t.Fatal(err)
	}
	back, err := Load(filepath.Join(dir, "tokenizer.json"))
	if err != nil {
		t.Fatal(err)
	}
	text := trainText + "<|im_start|>user\nzebra!<|im_end|>"
	if a, b := tok.Encode(text), back.Encode(text); !reflect.DeepEqual(a, b) {
		t.Errorf("reloaded tokenizer encodes differently:\n%v\n%v", a, b)
	}
	if _, err := os.Stat(filepath.Join(dir, "tokenizer_config.json")); err != nil {
		t.Error(err)
	}
}

// TestTrainReplaysWords checks the defining property of BPE: encoding a word
// of the training corpus with the learned merges (by rank) gives the same
// tokens as the trainer's own incremental merging did.
func TestTrainReplaysWords(t *testing.T) {
	text := strings.Repeat("low lower lowest newer newest wider widest ", 5) + "aaaa aaa aa a abab ababab"
	tr, err := Train(text, 256+40, TrainOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(tr.Merges) < 10 {
		t.Fatalf("only %d merges", len(tr.Merges))
	}
	sc, _ := NewScanner(Qwen35Pattern)
	for _, w := range sc.Split(text) {
		ids := tr.Tokenizer.Encode(w)
		if got := tr.Tokenizer.Decode(ids); got != w {
			t.Errorf("Decode(Encode(%q)) = %q", w, got)
		}
		replay := replay(tr, w)
		if !reflect.DeepEqual(ids, replay) {
			t.Errorf("%q: Encode %v, replaying the merges in order %v", w, ids, replay)
		}
	}
}

// replay applies the merges of tr, in order, to the bytes of word.
func replay(tr *Trained, word string) []int {
	var syms []int
	for i := 0; i < len(word); i++ {
		syms = append(syms, int(tr.Tokenizer.byteID[word[i]]))
	}
	for _, m := range tr.Merges {
		for i := 0; i+1 < len(syms); i++ {
			if syms[i] == m.Left && syms[i+1] == m.Right {
				syms = append(syms[:i+1], syms[i+2:]...)
				syms[i] = m.ID
			}
		}
	}
	return syms
}

func TestTrainErrors(t *testing.T) {
	for _, tt := range []struct {
		size int
		opts TrainOptions
	}{
		{100, TrainOptions{}},
		{258, TrainOptions{Special: []string{"a", "b", "c"}}},
		{300, TrainOptions{Special: []string{"a", "a"}}},
		{300, TrainOptions{Pattern: `\w+`}},
	} {
		if _, err := Train("some text", tt.size, tt.opts); err == nil {
			t.Errorf("Train(%d, %+v) succeeded, want an error", tt.size, tt.opts)
		}
	}
}

// TestTrainedTransformersJS checks that a trained tokenizer.json is a real
// Hugging Face tokenizer: transformers.js loads it and gives our ids.
func TestTrainedTransformersJS(t *testing.T) {
	_, qwen3Path := qwen3(t) // transformers.js is installed beside it
	if testing.Short() {
		t.Skip("skipping the transformers.js comparison in -short mode")
	}
	dir, err := corpus.Find()
	if err != nil {
		t.Skip(err)
	}
	docs, err := corpus.Read(dir)
	if err != nil {
		t.Fatal(err)
	}
	train, valid := corpus.Split(docs)
	tr, err := Train(corpus.Text(train[:60]), 1024, TrainOptions{Special: []string{"<|endoftext|>", "<|im_start|>", "<|im_end|>"}})
	if err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	if err := tr.Save(out); err != nil {
		t.Fatal(err)
	}
	texts := []string{corpus.Text(valid[:3]), "<|im_start|>user\nHello, wörld! 123<|im_end|>\n", "naïve café 🎉 \t\n\n  x"}
	want := transformersJS(t, qwen3Path, out, texts)
	for i, text := range texts {
		if got := tr.Tokenizer.Encode(text); !reflect.DeepEqual(got, want[i]) {
			t.Errorf("Encode(%.60q): %d ids, transformers.js %d ids\n got %v\nwant %v", text, len(got), len(want[i]), got[:min(len(got), 30)], want[i][:min(len(want[i]), 30)])
		}
	}
}

// TestTrainDeterministic checks that training twice gives identical files.
func TestTrainDeterministic(t *testing.T) {
	text := strings.Repeat(trainText, 3) + "zebra zebras zebu, quiet quietly quieter"
	a, err := Train(text, 300, TrainOptions{Special: []string{"<|endoftext|>"}})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		b, err := Train(text, 300, TrainOptions{Special: []string{"<|endoftext|>"}})
		if err != nil {
			t.Fatal(err)
		}
		if string(a.TokenizerJSON()) != string(b.TokenizerJSON()) || string(a.ConfigJSON()) != string(b.ConfigJSON()) {
			t.Fatal("two trainings on the same text wrote different files")
		}
	}
}
