// Tests of the views of a tokenizer that chapter 2 shows: the merge list,
// merge-by-merge replays, the vocabulary census, smaller vocabularies of a
// trained tokenizer, and the recorded Qwen3.5 encodings.

package tokenizer

import (
	"encoding/json"
	"os"
	"slices"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/how-llms-work/course/llm/corpus"
	"github.com/how-llms-work/course/llm/tiny"
)

func tinyModel(t testing.TB) *Tokenizer {
	t.Helper()
	tok, err := Parse(tiny.Tokenizer(), tiny.TokenizerConfig())
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// TestRulesMatchFile reads the merge list of tokenizer.json with
// encoding/json and checks Rules against it line by line.
func TestRulesMatchFile(t *testing.T) {
	for _, tc := range []struct {
		name string
		json []byte
		tok  *Tokenizer
	}{
		{"tiny-a", mustRead(t, "testdata/tiny-a/tokenizer.json"), tinyA(t)},
		{"embedded tiny", tiny.Tokenizer(), tinyModel(t)},
	} {
		var f struct {
			Model struct {
				Vocab  map[string]int `json:"vocab"`
				Merges [][2]string    `json:"merges"`
			} `json:"model"`
		}
		if err := json.Unmarshal(tc.json, &f); err != nil {
			t.Fatal(err)
		}
		rules := tc.tok.Rules()
		if len(rules) != len(f.Model.Merges) || len(rules) == 0 {
			t.Fatalf("%s: %d rules, the file has %d merges", tc.name, len(rules), len(f.Model.Merges))
		}
		for i, m := range f.Model.Merges {
			want := Rule{Rank: i, Left: f.Model.Vocab[m[0]], Right: f.Model.Vocab[m[1]], ID: f.Model.Vocab[m[0]+m[1]]}
			if rules[i] != want {
				t.Fatalf("%s: rule %d = %+v, the file says %+v (%q + %q)", tc.name, i, rules[i], want, m[0], m[1])
			}
		}
	}
}

// replayRules is BPE written the slow, obvious way from the merge list: find
// the adjacent pair with the lowest rank (leftmost on a tie), join it,
// repeat. It returns every state after the first. rank maps each pair of
// the merge list to its rule.
func replayRules(rank map[[2]int]Rule, piece string, byteID func(byte) int) [][]int {
	var ids []int
	for i := 0; i < len(piece); i++ {
		ids = append(ids, byteID(piece[i]))
	}
	var states [][]int
	for {
		best, at := Rule{Rank: -1}, -1
		for i := 0; i+1 < len(ids); i++ {
			if r, ok := rank[[2]int{ids[i], ids[i+1]}]; ok && (at < 0 || r.Rank < best.Rank) {
				best, at = r, i
			}
		}
		if at < 0 {
			return states
		}
		ids = slices.Concat(ids[:at], []int{best.ID}, ids[at+2:])
		states = append(states, ids)
	}
}

// testWords are words of every kind; the Brown corpus adds thousands more
// when it is installed.
var testWords = []string{" unbelievable", "unbelievable", " Antidisestablishmentarianism", " tokenization", " the", "The",
	" internationalization", " cat", " Cat", " CAT", " 你好", " здравствуйте", " 🦙", " naïve", "ing", " x"}

func words(t *testing.T) []string {
	ws := slices.Clone(testWords)
	train, _, err := corpus.Load()
	if err != nil {
		t.Logf("Brown corpus not installed: %d words only (%v)", len(ws), err)
		return ws
	}
	seen := map[string]bool{}
	for _, w := range strings.Fields(corpus.Text(train[:20])) {
		if !seen[w] {
			seen[w] = true
			ws = append(ws, " "+w)
		}
	}
	return ws
}

// TestMergesReplay checks Merges against a naive BPE over the merge list
// and its last step against Encode, for many words, on three tokenizers.
func TestMergesReplay(t *testing.T) {
	toks := map[string]*Tokenizer{"tiny-a": tinyA(t), "embedded tiny": tinyModel(t)}
	if q, _ := qwen3OrNil(t); q != nil {
		toks["Qwen3"] = q
	}
	ws := words(t)
	for name, tok := range toks {
		rules := tok.Rules()
		rank := map[[2]int]Rule{}
		for _, r := range rules {
			rank[[2]int{r.Left, r.Right}] = r
		}
		if len(rank) != len(rules) {
			t.Fatalf("%s: %d rules for %d pairs", name, len(rules), len(rank))
		}
		byteID := func(b byte) int { return int(tok.byteID[b]) }
		checked := 0
		for _, w := range ws {
			bytes, steps := tok.Merges(w)
			if len(bytes) != len(w) {
				t.Fatalf("%s %q: %d starting tokens for %d bytes", name, w, len(bytes), len(w))
			}
			want := replayRules(rank, w, byteID)
			if len(steps) != len(want) {
				t.Fatalf("%s %q: %d steps, naive BPE takes %d", name, w, len(steps), len(want))
			}
			prev := bytes
			for i, st := range steps {
				if !slices.Equal(st.IDs, want[i]) {
					t.Fatalf("%s %q step %d: %v, naive BPE %v", name, w, i, st.IDs, want[i])
				}
				if prev[st.At] != st.Left || prev[st.At+1] != st.Right || st.IDs[st.At] != st.ID || rank[[2]int{st.Left, st.Right}] != st.Rule {
					t.Fatalf("%s %q step %d: rule %+v at %d does not match the states or the merge list", name, w, i, st.Rule, st.At)
				}
				prev = st.IDs
			}
			if tok.Decode(prev) != w && utf8.ValidString(w) {
				t.Fatalf("%s %q: the last step decodes to %q", name, w, tok.Decode(prev))
			}
			if len(tok.PreTokens(w)) == 1 {
				if enc := tok.Encode(w); !slices.Equal(prev, enc) {
					t.Fatalf("%s %q: replay ends in %v, Encode gives %v", name, w, prev, enc)
				}
				checked++
			}
		}
		if checked < len(testWords)-4 {
			t.Errorf("%s: only %d words compared with Encode", name, checked)
		}
		t.Logf("%s: %d words replayed, %d compared with Encode", name, len(ws), checked)
	}
}

// qwen3OrNil returns the real Qwen3 tokenizer where the npm test data is
// installed, and an error elsewhere.
func qwen3OrNil(t *testing.T) (*Tokenizer, error) {
	t.Helper()
	return qwen3Once()
}

// TestCensus checks the census of the embedded tiny tokenizer against
// counts made here from each token's bytes.
func TestCensus(t *testing.T) {
	tok := tinyModel(t)
	c := tok.Census()
	if c.IDs != 4096 || c.BPE != 4093 || c.Added != 3 || c.Special != 3 {
		t.Fatalf("census %d ids, %d BPE, %d added, %d special: want 4096, 4093, 3, 3", c.IDs, c.BPE, c.Added, c.Special)
	}
	var byLen [64]int
	space, digits, partial, scripts := 0, 0, 0, map[string]int{}
	for id := range tok.VocabSize() {
		if tok.IsAdded(id) {
			continue
		}
		b := tok.Bytes(id)
		byLen[len(b)]++
		if b[0] == ' ' {
			space++
		}
		if !utf8.Valid(b) {
			partial++
			continue
		}
		if d := strings.TrimSpace(string(b)); d != "" && b[len(b)-1] != ' ' && strings.IndexFunc(d, func(r rune) bool { return r < '0' || r > '9' }) < 0 && !strings.ContainsAny(string(b), "\t\n") {
			digits++
		}
		for _, r := range string(b) {
			if unicode.IsLetter(r) {
				switch {
				case r < 0x250:
					scripts["Latin"]++
				default:
					scripts["not Latin"]++
				}
				break
			}
		}
	}
	if c.ByLength[1] != 256 {
		t.Errorf("%d tokens of one byte, want the 256 bytes", c.ByLength[1])
	}
	for n, k := range c.ByLength {
		if byLen[n] != k {
			t.Errorf("%d tokens of %d bytes, counted %d", k, n, byLen[n])
		}
	}
	if c.LeadingSpace != space || c.Partial != partial || c.Digits != digits {
		t.Errorf("leading space %d, partial %d, digits %d; counted %d, %d, %d", c.LeadingSpace, c.Partial, c.Digits, space, partial, digits)
	}
	// Brown is English: Latin letters, and the only other letters are in the
	// byte tokens (which are partial) or a few accented loan words.
	if c.Scripts["Latin"] != scripts["Latin"] || c.Partial != 128 || c.Digits < 10 {
		t.Errorf("scripts %v (counted %v), %d partial (want the 128 bytes ≥ 0x80), %d digit tokens", c.Scripts, scripts, c.Partial, c.Digits)
	}
	if c.LeadingSpace < c.BPE/2 {
		t.Errorf("only %d of %d tokens start with a space: English words mostly do", c.LeadingSpace, c.BPE)
	}
}

func TestCensusClasses(t *testing.T) {
	for s, want := range map[string]bool{"{": true, " ==": true, "    ": true, "\t": true, "_init": true, " the": false, "  x": false, " ": false} {
		if codeLike(s) != want {
			t.Errorf("codeLike(%q) = %v", s, !want)
		}
	}
	for s, want := range map[string]string{" cat": "Latin", "你": "Han", " здрав": "Cyrillic", "١٢٣": "", " 2x": "Latin", "ก": "Thai", "ሰ": "other"} {
		if got := scriptOf(s); got != want {
			t.Errorf("scriptOf(%q) = %q, want %q", s, got, want)
		}
	}
}

// TestSmaller checks that a smaller vocabulary cut from a trained tokenizer
// encodes held-out text exactly as a tokenizer trained to that size.
func TestSmaller(t *testing.T) {
	text := strings.Repeat("the cat sat on the mat; the dog sat on the log. ", 20) +
		"Antidisestablishmentarianism is an unbelievably long word, tokenization of it is fun. 你好 🦙\n"
	held := "The mat and the log: unbelievable cats sat down. 你好!"
	opts := TrainOptions{Special: []string{"<|endoftext|>", "<|im_start|>", "<|im_end|>"}}
	full, err := Train(text, 400, opts)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []int{259, 260, 270, full.Tokenizer.VocabSize() - 1, full.Tokenizer.VocabSize()} {
		small, err := full.Smaller(n)
		if err != nil {
			t.Fatal(err)
		}
		direct, err := Train(text, n, opts)
		if err != nil {
			t.Fatal(err)
		}
		if small.VocabSize() != direct.Tokenizer.VocabSize() || small.VocabSize() != n {
			t.Errorf("size %d: smaller has %d ids, trained %d", n, small.VocabSize(), direct.Tokenizer.VocabSize())
		}
		if a, b := small.Encode(held), direct.Tokenizer.Encode(held); !slices.Equal(a, b) {
			t.Errorf("size %d: smaller encodes %v, trained %v", n, a, b)
		}
		if small.Decode(small.Encode(held)) != held {
			t.Errorf("size %d: no round trip", n)
		}
		if id, ok := small.ID("<|im_end|>"); !ok || id != n-1 {
			t.Errorf("size %d: <|im_end|> is %d, %v", n, id, ok)
		}
	}
	for _, n := range []int{0, 258, full.Tokenizer.VocabSize() + 1} {
		if _, err := full.Smaller(n); err == nil {
			t.Errorf("Smaller(%d): no error", n)
		}
	}
}

func TestQwen35Recorded(t *testing.T) {
	cases, err := Qwen35Recorded()
	if err != nil || len(cases) != 61 {
		t.Fatalf("%d cases, %v", len(cases), err)
	}
	c, err := Qwen35Case("course_prompt")
	if err != nil || c.Text != "The cat sat on the" || !slices.Equal(c.IDs, []int{760, 7993, 7338, 383, 279}) {
		t.Errorf("course_prompt = %+v, %v", c, err)
	}
	if _, err := Qwen35Case("nope"); err == nil {
		t.Error("no error for an unknown case")
	}
	if tinyA(t).IsQwen35() || tinyModel(t).IsQwen35() {
		t.Error("a small tokenizer taken for Qwen3.5")
	}
	if q, err := qwen3OrNil(t); err == nil && q.IsQwen35() {
		t.Error("the Qwen3 tokenizer taken for Qwen3.5")
	}
	if dir := os.Getenv("LLM_QWEN35_DIR"); dir != "" {
		if tok, err := Load(dir + "/tokenizer.json"); err != nil || !tok.IsQwen35() {
			t.Errorf("the tokenizer in LLM_QWEN35_DIR is not recognised as Qwen3.5 (%v)", err)
		}
	}
}

// TestTrainBrown checks that training on Brown reproduces the embedded
// model's tokenizer, and that its first 4,096 ids of a larger vocabulary
// are that tokenizer too.
func TestTrainBrown(t *testing.T) {
	if _, _, err := corpus.Load(); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal(err)
		}
		t.Skip(err)
	}
	tr, held, err := TrainBrown(8192)
	if err != nil {
		t.Fatal(err)
	}
	small, err := tr.Smaller(4096)
	if err != nil {
		t.Fatal(err)
	}
	tok := tinyModel(t)
	if !slices.Equal(small.Rules(), tok.Rules()) {
		t.Error("the first 4,096 ids trained on Brown are not the embedded tokenizer")
	}
	if held == "" || !slices.Equal(small.Encode(held[:5000]), tok.Encode(held[:5000])) {
		t.Error("the held-out text is missing or encodes differently")
	}
}
