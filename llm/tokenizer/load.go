package tokenizer

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
)

type addedJSON struct {
	ID         *int   `json:"id"`
	Content    string `json:"content"`
	SingleWord bool   `json:"single_word"`
	LStrip     bool   `json:"lstrip"`
	RStrip     bool   `json:"rstrip"`
	Normalized bool   `json:"normalized"`
	Special    bool   `json:"special"`
}

// modelJSON holds the settings of the BPE model; vocab and merges are read
// by jsonScanner.
type modelJSON struct {
	Type                    string   `json:"type"`
	Dropout                 *float64 `json:"dropout"`
	UnkToken                *string  `json:"unk_token"`
	ContinuingSubwordPrefix *string  `json:"continuing_subword_prefix"`
	EndOfWordSuffix         *string  `json:"end_of_word_suffix"`
	ByteFallback            bool     `json:"byte_fallback"`
	IgnoreMerges            bool     `json:"ignore_merges"`

	vocab, merges []byte
}

// component is the "type"-tagged shape of normalizers, pre-tokenizers,
// post-processors and decoders.
type component struct {
	Type           string            `json:"type"`
	Normalizers    []json.RawMessage `json:"normalizers"`
	Pretokenizers  []json.RawMessage `json:"pretokenizers"`
	Processors     []json.RawMessage `json:"processors"`
	Decoders       []json.RawMessage `json:"decoders"`
	Pattern        map[string]string `json:"pattern"`
	Behavior       string            `json:"behavior"`
	Invert         bool              `json:"invert"`
	AddPrefixSpace bool              `json:"add_prefix_space"`
	UseRegex       *bool             `json:"use_regex"`
}

func isNull(raw json.RawMessage) bool {
	raw = bytes.TrimSpace(raw)
	return len(raw) == 0 || string(raw) == "null"
}

// maxID bounds token ids so that a hostile file cannot make Parse allocate
// gigabytes.
const maxID = 1 << 24

// Load reads a Hugging Face tokenizer.json and, if present, the
// tokenizer_config.json (and chat_template.jinja) in the same directory.
// path may also name the directory, such as a downloaded model's.
func Load(path string) (*Tokenizer, error) {
	if info, err := os.Stat(path); err == nil && info.IsDir() {
		path = filepath.Join(path, "tokenizer.json")
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("tokenizer: %w", err)
	}
	cfgPath := filepath.Join(filepath.Dir(path), "tokenizer_config.json")
	cfg, err := os.ReadFile(cfgPath)
	if err != nil && !os.IsNotExist(err) {
		return nil, fmt.Errorf("tokenizer: %w", err)
	}
	t, err := parse(data, cfg, path, cfgPath)
	if err != nil {
		return nil, err
	}
	// Newer checkpoints keep the chat template in a file of its own.
	if t.chatTemplate == "" {
		if b, err := os.ReadFile(filepath.Join(filepath.Dir(path), "chat_template.jinja")); err == nil {
			t.chatTemplate = string(b)
		}
	}
	return t, nil
}

// MustLoad is [Load] for notebook cells: it panics on error.
func MustLoad(path string) *Tokenizer {
	t, err := Load(path)
	if err != nil {
		panic(err)
	}
	return t
}

// MustParse is [Parse] for notebook cells: it panics on error.
func MustParse(tokenizerJSON, configJSON []byte) *Tokenizer {
	t, err := Parse(tokenizerJSON, configJSON)
	if err != nil {
		panic(err)
	}
	return t
}

// Parse builds a tokenizer from the contents of tokenizer.json and
// tokenizer_config.json (configJSON may be nil). Any component this package
// does not implement exactly is an error naming it, never a tokenizer that
// silently gives different ids.
func Parse(tokenizerJSON, configJSON []byte) (*Tokenizer, error) {
	return parse(tokenizerJSON, configJSON, "tokenizer.json", "tokenizer_config.json")
}

// parse is Parse with the names of the two files for error messages.
func parse(tokenizerJSON, configJSON []byte, name, configName string) (*Tokenizer, error) {
	t, err := parseCached(tokenizerJSON)
	if err != nil {
		return nil, fmt.Errorf("tokenizer: %s: %w", name, err)
	}
	if len(configJSON) > 0 {
		if err := t.parseConfig(configJSON); err != nil {
			return nil, fmt.Errorf("tokenizer: %s: %w", configName, err)
		}
	}
	t.finishEOS()
	return t, nil
}

// parseJSON reads tokenizer.json.
func parseJSON(tokenizerJSON []byte) (*Tokenizer, error) {
	// encoding/json would spend most of the load time on the vocabulary and
	// merges, so the file is split into its parts first and those two are
	// read by jsonScanner.
	top, err := objectFields(tokenizerJSON)
	if err != nil {
		return nil, err
	}
	t := &Tokenizer{}
	if err := t.parseNormalizer(top["normalizer"]); err != nil {
		return nil, fmt.Errorf("normalizer: %w", err)
	}
	if err := t.parsePreTokenizer(top["pre_tokenizer"]); err != nil {
		return nil, fmt.Errorf("pre_tokenizer: %w", err)
	}
	if err := checkPostProcessor(top["post_processor"]); err != nil {
		return nil, fmt.Errorf("post_processor: %w", err)
	}
	if err := checkDecoder(top["decoder"]); err != nil {
		return nil, fmt.Errorf("decoder: %w", err)
	}
	var m modelJSON
	if raw := top["model"]; isNull(raw) {
		return nil, fmt.Errorf("model missing")
	} else {
		parts, err := objectFields(raw)
		if err != nil {
			return nil, fmt.Errorf("model: %w", err)
		}
		m.vocab, m.merges = parts["vocab"], parts["merges"]
		settingsRaw := map[string]json.RawMessage{}
		for k, v := range parts {
			if k != "vocab" && k != "merges" {
				settingsRaw[k] = v
			}
		}
		settings, err := json.Marshal(settingsRaw)
		if err == nil {
			err = json.Unmarshal(settings, &m)
		}
		if err != nil {
			return nil, fmt.Errorf("model: %w", err)
		}
	}
	if err := t.parseModel(&m); err != nil {
		return nil, fmt.Errorf("model: %w", err)
	}
	var added []addedJSON
	if raw := top["added_tokens"]; !isNull(raw) {
		if err := json.Unmarshal(raw, &added); err != nil {
			return nil, fmt.Errorf("added_tokens: %w", err)
		}
	}
	if err := t.parseAdded(added); err != nil {
		return nil, fmt.Errorf("added_tokens: %w", err)
	}
	return t, nil
}

func (t *Tokenizer) parseNormalizer(raw json.RawMessage) error {
	if isNull(raw) {
		return nil
	}
	var c component
	if err := json.Unmarshal(raw, &c); err != nil {
		return err
	}
	switch c.Type {
	case "NFC", "NFD", "NFKC", "NFKD":
		t.normalizers = append(t.normalizers, c.Type)
		return nil
	case "Sequence":
		for i, n := range c.Normalizers {
			if err := t.parseNormalizer(n); err != nil {
				return fmt.Errorf("Sequence[%d]: %w", i, err)
			}
		}
		return nil
	}
	return fmt.Errorf("type %q is not supported (supported: NFC, NFD, NFKC, NFKD, Sequence)", c.Type)
}

func (t *Tokenizer) parsePreTokenizer(raw json.RawMessage) error {
	if isNull(raw) {
		return fmt.Errorf("null is not supported: byte-level BPE needs a ByteLevel pre-tokenizer")
	}
	var c component
	if err := json.Unmarshal(raw, &c); err != nil {
		return err
	}
	var parts []component
	if c.Type == "Sequence" {
		for i, p := range c.Pretokenizers {
			var pc component
			if err := json.Unmarshal(p, &pc); err != nil {
				return fmt.Errorf("Sequence[%d]: %w", i, err)
			}
			parts = append(parts, pc)
		}
	} else {
		parts = []component{c}
	}
	byteLevel := false
	for i, p := range parts {
		switch {
		case p.Type == "Split" && i == 0 && !byteLevel:
			re, ok := p.Pattern["Regex"]
			if !ok || len(p.Pattern) != 1 {
				return fmt.Errorf("Split: pattern %v is not supported (want a Qwen Regex)", p.Pattern)
			}
			s, ok := NewScanner(re)
			if !ok {
				return fmt.Errorf("Split: regex %q is not supported (supported: the Qwen2/Qwen3 and Qwen3.5 patterns)", re)
			}
			if p.Behavior != "Isolated" || p.Invert {
				return fmt.Errorf("Split: behavior %q invert %v is not supported (want Isolated, false)", p.Behavior, p.Invert)
			}
			t.scanner = s
		case p.Type == "ByteLevel" && !byteLevel:
			if p.AddPrefixSpace {
				return fmt.Errorf("ByteLevel: add_prefix_space true is not supported")
			}
			if p.UseRegex == nil || *p.UseRegex {
				return fmt.Errorf("ByteLevel: use_regex true (the GPT-2 regex) is not supported")
			}
			byteLevel = true
		default:
			return fmt.Errorf("pre-tokenizer %d of type %q is not supported here (supported: Split with a Qwen regex, then ByteLevel)", i, p.Type)
		}
	}
	if !byteLevel || t.scanner == nil {
		return fmt.Errorf("want Split (Qwen regex) followed by ByteLevel")
	}
	return nil
}

// checkDecoder accepts a ByteLevel decoder (or a Sequence of them).
func checkDecoder(raw json.RawMessage) error {
	if isNull(raw) {
		return fmt.Errorf("null is not supported: byte-level BPE needs a ByteLevel decoder")
	}
	var c component
	if err := json.Unmarshal(raw, &c); err != nil {
		return err
	}
	switch c.Type {
	case "ByteLevel":
		return nil
	case "Sequence":
		if len(c.Decoders) == 0 {
			return fmt.Errorf("empty Sequence is not supported")
		}
		for i, d := range c.Decoders {
			if err := checkDecoder(d); err != nil {
				return fmt.Errorf("Sequence[%d]: %w", i, err)
			}
		}
		return nil
	}
	return fmt.Errorf("type %q is not supported (supported: ByteLevel)", c.Type)
}

// checkPostProcessor accepts post-processors that add no tokens to a single
// text: none, ByteLevel (it only adjusts offsets), a TemplateProcessing whose
// single template is just the text, or a Sequence of these. Encode never adds
// tokens, so any other would make its ids differ from Hugging Face's.
func checkPostProcessor(raw json.RawMessage) error {
	if isNull(raw) {
		return nil
	}
	var c component
	if err := json.Unmarshal(raw, &c); err != nil {
		return err
	}
	switch c.Type {
	case "ByteLevel":
		return nil
	case "TemplateProcessing":
		var tp struct {
			Single []struct {
				Sequence *struct {
					ID string `json:"id"`
				} `json:"Sequence"`
			} `json:"single"`
		}
		if err := json.Unmarshal(raw, &tp); err != nil {
			return fmt.Errorf("TemplateProcessing: %w", err)
		}
		if len(tp.Single) != 1 || tp.Single[0].Sequence == nil || tp.Single[0].Sequence.ID != "A" {
			return fmt.Errorf("TemplateProcessing that adds tokens (such as a BOS) is not supported")
		}
		return nil
	case "Sequence":
		for i, p := range c.Processors {
			if err := checkPostProcessor(p); err != nil {
				return fmt.Errorf("Sequence[%d]: %w", i, err)
			}
		}
		return nil
	}
	return fmt.Errorf("type %q is not supported (supported: ByteLevel, a TemplateProcessing adding nothing)", c.Type)
}

func (t *Tokenizer) parseModel(m *modelJSON) error {
	if m.Type != "" && m.Type != "BPE" {
		return fmt.Errorf("type %q is not supported (supported: BPE)", m.Type)
	}
	if m.Dropout != nil && *m.Dropout != 0 {
		return fmt.Errorf("BPE: dropout %v is not supported", *m.Dropout)
	}
	if m.ContinuingSubwordPrefix != nil && *m.ContinuingSubwordPrefix != "" {
		return fmt.Errorf("BPE: continuing_subword_prefix %q is not supported", *m.ContinuingSubwordPrefix)
	}
	if m.EndOfWordSuffix != nil && *m.EndOfWordSuffix != "" {
		return fmt.Errorf("BPE: end_of_word_suffix %q is not supported", *m.EndOfWordSuffix)
	}
	if m.ByteFallback {
		return fmt.Errorf("BPE: byte_fallback true is not supported")
	}
	t.ignoreMerges = m.IgnoreMerges
	if isNull(m.vocab) {
		return fmt.Errorf("BPE: vocab missing")
	}
	s := &jsonScanner{b: m.vocab}
	t.vocab = make(map[string]int, len(m.vocab)/12)
	maxSeen := -1
	err := s.vocab(func(tok string, id int) error {
		if id >= maxID {
			return fmt.Errorf("token %q: id %d too large", tok, id)
		}
		n := len(t.vocab)
		if t.vocab[tok] = id; len(t.vocab) == n {
			return fmt.Errorf("token %q twice", tok)
		}
		maxSeen = max(maxSeen, id)
		return nil
	})
	if err != nil {
		return fmt.Errorf("BPE: vocab: %w", err)
	}
	if maxSeen > 2*len(t.vocab)+1024 {
		return fmt.Errorf("BPE: vocab: id %d leaves most ids below it unused", maxSeen)
	}
	t.grow(maxSeen + 1)
	for tok, id := range t.vocab {
		if t.kind[id] != 0 {
			return fmt.Errorf("BPE: vocab: id %d used by %q and %q", id, t.tokens[id], tok)
		}
		raw, ok := fromByteLevel(tok)
		if !ok {
			return fmt.Errorf("BPE: vocab: token %q (id %d) is not byte-level: it has a rune that stands for no byte", tok, id)
		}
		t.tokens[id], t.raw[id], t.kind[id] = tok, raw, kindBPE
	}
	for b := 0; b < 256; b++ {
		id, ok := t.vocab[string(byteRune[b])]
		if !ok {
			return fmt.Errorf("BPE: vocab: byte-level BPE needs all 256 byte tokens, %q (byte 0x%02X) is missing", string(byteRune[b]), b)
		}
		t.byteID[b] = int32(id)
	}
	t.merges = newMergeTable(len(t.vocab))
	if isNull(m.merges) {
		return nil
	}
	s = &jsonScanner{b: m.merges}
	rank := int32(0)
	err = s.merges(func(a, b []byte) error {
		ia, oka := t.vocab[string(a)]
		ib, okb := t.vocab[string(b)]
		if !oka || !okb {
			return fmt.Errorf("merge %d %q %q: token not in vocab", rank, a, b)
		}
		// In files made like GPT-2's, the token of merge r has id 256+r:
		// check that before looking the concatenation up.
		ic := 256 + int(rank)
		if ic >= len(t.tokens) || !isConcat(t.tokens[ic], a, b) {
			var ok bool
			if ic, ok = t.vocab[string(a)+string(b)]; !ok {
				return fmt.Errorf("merge %d %q %q: %q not in vocab", rank, a, b, string(a)+string(b))
			}
		}
		t.merges.add(int32(ia), int32(ib), merge{rank: rank, id: int32(ic)})
		rank++
		return nil
	})
	if err != nil {
		return fmt.Errorf("BPE: merges: %w", err)
	}
	return nil
}

// isConcat reports whether tok is a followed by b.
func isConcat(tok string, a, b []byte) bool {
	return len(tok) == len(a)+len(b) && tok[:len(a)] == string(a) && tok[len(a):] == string(b)
}

// grow makes room for ids below n.
func (t *Tokenizer) grow(n int) {
	if n <= len(t.tokens) {
		return
	}
	t.tokens = append(t.tokens, make([]string, n-len(t.tokens))...)
	t.raw = append(t.raw, make([]string, n-len(t.raw))...)
	t.kind = append(t.kind, make([]uint8, n-len(t.kind))...)
}

func (t *Tokenizer) parseAdded(list []addedJSON) error {
	t.addedIDs = map[string]int{}
	for i, a := range list {
		if a.ID == nil {
			return fmt.Errorf("token %d %q: no id", i, a.Content)
		}
		id := *a.ID
		if id < 0 || id >= maxID || id > len(t.tokens)+2*len(list)+1024 {
			return fmt.Errorf("token %q: id %d out of range", a.Content, id)
		}
		if a.Content == "" {
			return fmt.Errorf("token id %d: empty content", id)
		}
		if a.SingleWord {
			return fmt.Errorf("token %q: single_word true is not supported", a.Content)
		}
		if id >= len(t.tokens) {
			t.grow(id + 1)
		}
		switch t.kind[id] {
		case 0:
		case kindBPE:
			if t.raw[id] != a.Content && t.tokens[id] != a.Content {
				return fmt.Errorf("token %q: id %d is already the vocab token %q", a.Content, id, t.tokens[id])
			}
		default:
			return fmt.Errorf("token %q: id %d is already the added token %q", a.Content, id, t.tokens[id])
		}
		if _, dup := t.addedIDs[a.Content]; dup {
			return fmt.Errorf("token %q twice", a.Content)
		}
		k := uint8(kindAdded)
		if a.Special {
			k = kindSpecial
		}
		t.tokens[id], t.raw[id], t.kind[id] = a.Content, a.Content, k
		t.addedIDs[a.Content] = id
		t.added = append(t.added, added{text: a.Content, id: id, special: a.Special, lstrip: a.LStrip, rstrip: a.RStrip, normalized: a.Normalized})
	}
	t.finishAdded()
	return nil
}

// finishAdded orders the added tokens longest first, so that matching tries
// longer tokens before their prefixes, and notes their first bytes.
func (t *Tokenizer) finishAdded() {
	sort.SliceStable(t.added, func(i, j int) bool { return len(t.added[i].text) > len(t.added[j].text) })
	for _, a := range t.added {
		t.addedFirst[a.text[0]] = true
		t.anyNormalized = t.anyNormalized || a.normalized
	}
}

type configJSON struct {
	EOS          json.RawMessage `json:"eos_token"`
	BOS          json.RawMessage `json:"bos_token"`
	Pad          json.RawMessage `json:"pad_token"`
	AddBOS       bool            `json:"add_bos_token"`
	ChatTemplate json.RawMessage `json:"chat_template"`
}

// tokenName reads a special token given as "text" or {"content": "text"}.
func tokenName(raw json.RawMessage) (string, error) {
	if isNull(raw) {
		return "", nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		return s, nil
	}
	var o struct {
		Content string `json:"content"`
	}
	if err := json.Unmarshal(raw, &o); err != nil {
		return "", fmt.Errorf("want a token string or {\"content\": ...}, got %s", raw)
	}
	return o.Content, nil
}

func (t *Tokenizer) parseConfig(data []byte) error {
	var c configJSON
	if err := json.Unmarshal(data, &c); err != nil {
		return err
	}
	for _, f := range []struct {
		name string
		raw  json.RawMessage
		dst  *int
	}{{"eos_token", c.EOS, &t.eos}, {"bos_token", c.BOS, &t.bos}, {"pad_token", c.Pad, &t.pad}} {
		*f.dst = -1
		name, err := tokenName(f.raw)
		if err != nil {
			return fmt.Errorf("%s: %w", f.name, err)
		}
		if name == "" {
			continue
		}
		id, ok := t.ID(name)
		if !ok {
			return fmt.Errorf("%s %q is not a token", f.name, name)
		}
		*f.dst = id
	}
	if c.AddBOS && t.bos >= 0 {
		return fmt.Errorf("add_bos_token true is not supported (Encode adds no tokens)")
	}
	if !isNull(c.ChatTemplate) {
		var s string
		if err := json.Unmarshal(c.ChatTemplate, &s); err == nil {
			t.chatTemplate = s
		} else {
			var named []struct{ Name, Template string }
			if err := json.Unmarshal(c.ChatTemplate, &named); err != nil {
				return fmt.Errorf("chat_template: want a string or a list of {name, template}")
			}
			for _, n := range named {
				if n.Name == "default" || t.chatTemplate == "" {
					t.chatTemplate = n.Template
				}
			}
		}
	}
	t.hasConfig = true
	return nil
}

// finishEOS collects the ids that end generation.
func (t *Tokenizer) finishEOS() {
	if !t.hasConfig {
		t.eos, t.bos, t.pad = -1, -1, -1
	}
	seen := map[int]bool{}
	add := func(id int) {
		if id >= 0 && !seen[id] {
			seen[id] = true
			t.eosIDs = append(t.eosIDs, id)
		}
	}
	add(t.eos)
	for _, s := range []string{"<|im_end|>", "<|endoftext|>"} {
		if id, ok := t.addedIDs[s]; ok {
			add(id)
		}
	}
}
