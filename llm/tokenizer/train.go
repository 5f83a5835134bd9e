package tokenizer

import (
	"bytes"
	"container/heap"
	"encoding/json"
	"fmt"
	"github.com/how-llms-work/course/llm/atomicfile"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// TrainOptions configures [Train]. The zero value trains with the Qwen3.5
// pre-tokenizer and no special tokens.
type TrainOptions struct {
	// Pattern is the pre-tokenizer regex, Qwen35Pattern (the default) or
	// Qwen2Pattern.
	Pattern string
	// Special lists special tokens (e.g. "<|endoftext|>", "<|im_start|>",
	// "<|im_end|>"). They take the last ids, after the BPE vocabulary, and
	// their text in the training corpus is not learned from.
	Special []string
	// MinCount stops training early when the most frequent pair occurs
	// fewer times (default 2).
	MinCount int
}

// Merge is one step of training: the pair of tokens that was merged into a
// new token, and how often it occurred in the corpus at that point.
type Merge struct {
	Left, Right int // ids of the merged tokens
	ID          int // id of the result (a token made by an earlier merge keeps its id)
	Count       int // occurrences of the pair in the corpus when it was chosen
}

// Trained is the result of [Train]: a tokenizer and the merges it learned,
// in order (Merges[i] has rank i).
type Trained struct {
	Tokenizer *Tokenizer
	Merges    []Merge
	// Words is the number of distinct pre-tokens the corpus had, Pieces the
	// total number.
	Words, Pieces int

	pattern string
	vocab   []string // id → raw bytes of the BPE tokens
	special []string
}

// Train learns a byte-level BPE tokenizer from text: it starts from the 256
// byte tokens and repeatedly merges the most frequent adjacent pair of tokens
// within the corpus's pre-tokens (ties go to the pair of smaller ids) until the
// vocabulary, special tokens included, has vocabSize tokens. Text is cut and
// normalised (NFC) exactly as [Tokenizer.Encode] does, so the learned merges
// apply to the same pieces.
//
// Pair counts are updated incrementally: each merge only revisits the words
// that contain the pair, so training a 4096-token vocabulary on a few MB of
// text takes seconds.
func Train(text string, vocabSize int, opts TrainOptions) (*Trained, error) {
	if opts.Pattern == "" {
		opts.Pattern = Qwen35Pattern
	}
	sc, ok := NewScanner(opts.Pattern)
	if !ok {
		return nil, fmt.Errorf("tokenizer: train: pattern %q is not supported", opts.Pattern)
	}
	if opts.MinCount <= 0 {
		opts.MinCount = 2
	}
	seen := map[string]bool{}
	for _, s := range opts.Special {
		if s == "" || seen[s] || !utf8.ValidString(s) {
			return nil, fmt.Errorf("tokenizer: train: special token %q empty, repeated or not UTF-8", s)
		}
		seen[s] = true
	}
	target := vocabSize - len(opts.Special)
	if target < 256 {
		return nil, fmt.Errorf("tokenizer: train: vocabulary size %d leaves no room for the 256 byte tokens and %d special tokens", vocabSize, len(opts.Special))
	}

	tr := &Trained{pattern: opts.Pattern, special: opts.Special}

	counts := map[string]int{}
	tr.Pieces = countPieces(counts, text, sc, opts.Special)
	tr.Words = len(counts)
	wordList := make([]string, 0, len(counts))
	for w := range counts {
		wordList = append(wordList, w)
	}
	sort.Strings(wordList) // deterministic word order

	// Byte tokens take ids 0..255 in the order of their printable runes, as in
	// GPT-2 and Qwen ("!" is 0, "Ġ" is 220).
	order := make([]int, 256)
	for b := range order {
		order[b] = b
	}
	sort.Slice(order, func(i, j int) bool { return byteRune[order[i]] < byteRune[order[j]] })
	var byteID [256]int32
	for id, b := range order {
		byteID[b] = int32(id)
		tr.vocab = append(tr.vocab, string([]byte{byte(b)}))
	}
	ids := map[string]int32{}
	for id, v := range tr.vocab {
		ids[v] = int32(id)
	}

	words := make([]trainWord, len(wordList))
	pairs := map[uint64]int{}
	where := map[uint64][]int32{}
	for i, w := range wordList {
		syms := make([]int32, len(w))
		for j := 0; j < len(w); j++ {
			syms[j] = byteID[w[j]]
		}
		words[i] = trainWord{syms: syms, count: counts[w]}
		for j := 0; j+1 < len(syms); j++ {
			k := pairKey(syms[j], syms[j+1])
			pairs[k] += words[i].count
			where[k] = append(where[k], int32(i))
		}
	}
	q := &pairQueue{}
	for k, c := range pairs {
		*q = append(*q, pairCount{key: k, count: c})
	}
	heap.Init(q)

	stamp := make([]int, len(words)) // merge number that last visited each word
	changed := map[uint64]bool{}
	for len(tr.vocab) < target && q.Len() > 0 {
		top := heap.Pop(q).(pairCount)
		cur := pairs[top.key]
		if cur != top.count {
			if cur > 0 {
				heap.Push(q, pairCount{key: top.key, count: cur})
			}
			continue
		}
		if cur < opts.MinCount {
			break
		}
		a, b := int32(top.key>>32), int32(uint32(top.key))
		tokText := tr.vocab[a] + tr.vocab[b]
		id, ok := ids[tokText]
		if !ok {
			id = int32(len(tr.vocab))
			tr.vocab = append(tr.vocab, tokText)
			ids[tokText] = id
		}
		step := len(tr.Merges) + 1
		tr.Merges = append(tr.Merges, Merge{Left: int(a), Right: int(b), ID: int(id), Count: cur})

		clear(changed)
		for _, wi := range where[top.key] {
			if stamp[wi] == step {
				continue
			}
			stamp[wi] = step
			w := &words[wi]
			w.merge(a, b, id, func(k uint64, delta int) {
				pairs[k] += delta * w.count
				if delta > 0 {
					changed[k] = true
					where[k] = append(where[k], wi)
				}
			})
		}
		delete(where, top.key)
		delete(pairs, top.key)
		for k := range changed {
			if c := pairs[k]; c > 0 {
				heap.Push(q, pairCount{key: k, count: c})
			}
		}
	}

	var err error
	tr.Tokenizer, err = parse(tr.TokenizerJSON(), tr.ConfigJSON(), "trained tokenizer.json", "trained tokenizer_config.json")
	if err != nil {
		return nil, err // not expected: the files are written for this reader
	}
	return tr, nil
}

// countPieces adds to counts how often each pre-token occurs in text, cut
// and normalised as Encode does, and returns the number of pre-tokens.
func countPieces(counts map[string]int, text string, sc *Scanner, special []string) int {
	n := 0
	for _, seg := range splitSpecial(validString(text), special) {
		seg = normalizeForm(norm.NFC, seg)
		for len(seg) > 0 {
			k := sc.Next(seg)
			counts[seg[:k]]++
			seg = seg[k:]
			n++
		}
	}
	return n
}

// splitSpecial cuts text at every occurrence of a special token and returns
// the pieces between them.
func splitSpecial(text string, special []string) []string {
	if len(special) == 0 {
		return []string{text}
	}
	var out []string
	for {
		best, bestLen := -1, 0
		for _, s := range special {
			if i := strings.Index(text, s); i >= 0 && (best < 0 || i < best || (i == best && len(s) > bestLen)) {
				best, bestLen = i, len(s)
			}
		}
		if best < 0 {
			return append(out, text)
		}
		out = append(out, text[:best])
		text = text[best+bestLen:]
	}
}

type trainWord struct {
	syms  []int32
	count int
}

// merge replaces each occurrence of the pair (a, b), left to right, by id and
// reports every adjacent pair that disappears (-1) or appears (+1).
func (w *trainWord) merge(a, b, id int32, update func(k uint64, delta int)) {
	s := w.syms
	for i := 0; i+1 < len(s); i++ {
		if s[i] != a || s[i+1] != b {
			continue
		}
		if i > 0 {
			update(pairKey(s[i-1], a), -1)
			update(pairKey(s[i-1], id), +1)
		}
		update(pairKey(a, b), -1)
		if i+2 < len(s) {
			update(pairKey(b, s[i+2]), -1)
			update(pairKey(id, s[i+2]), +1)
		}
		s[i] = id
		s = append(s[:i+1], s[i+2:]...)
	}
	w.syms = s
}

type pairCount struct {
	key   uint64
	count int
}

// pairQueue is a max-heap of pair counts; ties go to the smaller pair.
type pairQueue []pairCount

func (q pairQueue) Len() int { return len(q) }
func (q pairQueue) Less(i, j int) bool {
	if q[i].count != q[j].count {
		return q[i].count > q[j].count
	}
	return q[i].key < q[j].key
}
func (q pairQueue) Swap(i, j int) { q[i], q[j] = q[j], q[i] }
func (q *pairQueue) Push(x any)   { *q = append(*q, x.(pairCount)) }
func (q *pairQueue) Pop() any {
	old := *q
	x := old[len(old)-1]
	*q = old[:len(old)-1]
	return x
}

// TokenizerJSON returns the trained tokenizer as a Hugging Face
// tokenizer.json (NFC, the Split regex and ByteLevel pre-tokenizer, ByteLevel
// decoder, BPE model with its merges in [["a", "b"], …] form).
func (tr *Trained) TokenizerJSON() []byte {
	var b bytes.Buffer
	b.WriteString("{\n  \"version\": \"1.0\",\n  \"truncation\": null,\n  \"padding\": null,\n  \"added_tokens\": [")
	for i, s := range tr.special {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, "\n    {\"id\": %d, \"content\": %s, \"single_word\": false, \"lstrip\": false, \"rstrip\": false, \"normalized\": false, \"special\": true}",
			len(tr.vocab)+i, jsonString(s))
	}
	b.WriteString("\n  ],\n  \"normalizer\": {\"type\": \"NFC\"},\n")
	fmt.Fprintf(&b, "  \"pre_tokenizer\": {\"type\": \"Sequence\", \"pretokenizers\": [{\"type\": \"Split\", \"pattern\": {\"Regex\": %s}, \"behavior\": \"Isolated\", \"invert\": false}, %s]},\n",
		jsonString(tr.pattern), byteLevelJSON)
	fmt.Fprintf(&b, "  \"post_processor\": %s,\n  \"decoder\": %s,\n", byteLevelJSON, byteLevelJSON)
	b.WriteString("  \"model\": {\n    \"type\": \"BPE\",\n    \"dropout\": null,\n    \"unk_token\": null,\n    \"continuing_subword_prefix\": \"\",\n    \"end_of_word_suffix\": \"\",\n    \"fuse_unk\": false,\n    \"byte_fallback\": false,\n    \"ignore_merges\": false,\n    \"vocab\": {")
	for id, v := range tr.vocab {
		if id > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, "\n      %s: %d", jsonString(toByteLevel(v)), id)
	}
	b.WriteString("\n    },\n    \"merges\": [")
	for i, m := range tr.Merges {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, "\n      [%s, %s]", jsonString(toByteLevel(tr.vocab[m.Left])), jsonString(toByteLevel(tr.vocab[m.Right])))
	}
	b.WriteString("\n    ]\n  }\n}\n")
	return b.Bytes()
}

const byteLevelJSON = `{"type": "ByteLevel", "add_prefix_space": false, "trim_offsets": false, "use_regex": false}`

// chatMLTemplate is a minimal Jinja ChatML template for trained tokenizers
// that have <|im_start|> and <|im_end|>.
const chatMLTemplate = "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"

// ConfigJSON returns a tokenizer_config.json for the trained tokenizer:
// eos_token is <|im_end|> if it is a special token, else <|endoftext|>;
// pad_token is <|endoftext|>.
func (tr *Trained) ConfigJSON() []byte {
	has := map[string]bool{}
	for _, s := range tr.special {
		has[s] = true
	}
	type addedDecoder struct {
		Content    string `json:"content"`
		LStrip     bool   `json:"lstrip"`
		Normalized bool   `json:"normalized"`
		RStrip     bool   `json:"rstrip"`
		SingleWord bool   `json:"single_word"`
		Special    bool   `json:"special"`
	}
	cfg := struct {
		AddBOS         bool                    `json:"add_bos_token"`
		AddPrefixSpace bool                    `json:"add_prefix_space"`
		AddedTokens    map[string]addedDecoder `json:"added_tokens_decoder"`
		BOS            *string                 `json:"bos_token"`
		ChatTemplate   string                  `json:"chat_template,omitempty"`
		EOS            *string                 `json:"eos_token"`
		Pad            *string                 `json:"pad_token"`
		Errors         string                  `json:"errors"`
		Class          string                  `json:"tokenizer_class"`
		Unk            *string                 `json:"unk_token"`
	}{AddedTokens: map[string]addedDecoder{}, Errors: "replace", Class: "Qwen2Tokenizer"}
	for i, s := range tr.special {
		cfg.AddedTokens[itoa(len(tr.vocab)+i)] = addedDecoder{Content: s, Special: true}
	}
	pick := func(names ...string) *string {
		for _, n := range names {
			if has[n] {
				return &n
			}
		}
		return nil
	}
	cfg.EOS = pick("<|im_end|>", "<|endoftext|>")
	cfg.Pad = pick("<|endoftext|>")
	if has["<|im_start|>"] && has["<|im_end|>"] {
		cfg.ChatTemplate = chatMLTemplate
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(cfg); err != nil {
		panic(err) // not reached: the struct always encodes
	}
	return b.Bytes()
}

// Save writes tokenizer.json and tokenizer_config.json into dir, creating
// it if needed.
func (tr *Trained) Save(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("tokenizer: %w", err)
	}
	if err := atomicfile.WriteFile(filepath.Join(dir, "tokenizer.json"), tr.TokenizerJSON(), 0o644); err != nil {
		return fmt.Errorf("tokenizer: %w", err)
	}
	if err := atomicfile.WriteFile(filepath.Join(dir, "tokenizer_config.json"), tr.ConfigJSON(), 0o644); err != nil {
		return fmt.Errorf("tokenizer: %w", err)
	}
	return nil
}

func jsonString(s string) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(s); err != nil {
		panic(err) // not reached: strings always encode
	}
	return strings.TrimSuffix(b.String(), "\n")
}
