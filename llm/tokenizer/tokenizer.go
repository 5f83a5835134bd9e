// Package tokenizer turns text into the token ids a language model reads and
// back: an exact reimplementation of Hugging Face's byte-level BPE as used by
// the Qwen family (doc §12), plus a BPE trainer.
//
// The pipeline of [Tokenizer.Encode]:
//
//  1. added tokens such as <|im_start|> are cut out of the text first (longest
//     match first) and become their ids directly;
//  2. each remaining segment is normalised to Unicode NFC;
//  3. a pre-tokenizer regex cuts it into words, digits, punctuation runs and
//     white space ([Scanner]);
//  4. each piece is spelled as UTF-8 bytes, and BPE merges adjacent symbols in
//     the order of the merge list until no merge applies; the final symbols
//     are the tokens.
//
// [Tokenizer.Decode] concatenates the tokens' bytes and reads them as UTF-8;
// [Tokenizer.Piece] shows one token, with bytes of an unfinished character as
// <0xF0>; a [StreamDecoder] turns tokens into text as they are generated;
// [Tokenizer.Trace] shows BPE merging one word step by step; [Tokenizer.Chat]
// renders a conversation in ChatML.
//
// [Load] reads a Hugging Face tokenizer.json (and tokenizer_config.json beside
// it). Components it does not implement exactly are errors naming them. A
// large file is parsed once and kept as a compact binary copy in the user's
// cache directory, named by the SHA-256 of its contents, so that later loads
// (every notebook cell is a fresh process) take tens of milliseconds.
//
// [Train] learns a tokenizer of this kind from a text corpus and records its
// merges with their counts.
package tokenizer

import (
	"fmt"
	"strings"
	"sync"
	"unicode/utf8"
)

// Token kinds.
const (
	kindNone    = iota // an id that no token uses
	kindBPE            // a token of the BPE vocabulary
	kindAdded          // an added token that is not special (e.g. <think>)
	kindSpecial        // a special added token (e.g. <|im_end|>)
)

// Tokenizer is a byte-level BPE tokenizer loaded from a Hugging Face
// tokenizer.json. It is safe for concurrent use.
type Tokenizer struct {
	tokens []string // id → spelling in tokenizer.json (byte-level runes; added tokens as text)
	raw    []string // id → the bytes the token stands for
	kind   []uint8  // id → kind

	vocab        map[string]int // BPE vocabulary, byte-level spelling → id; see vocabulary
	vocabOnce    sync.Once
	merges       *mergeTable // (left id, right id) → rank and merged id
	byteID       [256]int32  // id of each single-byte token
	ignoreMerges bool        // a piece that is a whole vocab token skips BPE

	added         []added // longest first
	addedIDs      map[string]int
	addedFirst    [256]bool // first bytes of added tokens
	anyNormalized bool      // some added token is matched in normalised text

	normalizers []string // "NFC", ...
	scanner     *Scanner

	hasConfig     bool
	eos, bos, pad int
	eosIDs        []int
	chatTemplate  string
}

type added struct {
	text           string
	id             int
	special        bool
	lstrip, rstrip bool
	normalized     bool // matched in normalised text rather than raw text
}

// vocabulary returns the BPE vocabulary map. A tokenizer read from the cache
// builds it on first use: encoding does not need it.
func (t *Tokenizer) vocabulary() map[string]int {
	t.vocabOnce.Do(func() {
		if t.vocab != nil {
			return
		}
		t.vocab = make(map[string]int, len(t.tokens))
		for id, tok := range t.tokens {
			if t.kind[id] == kindBPE {
				t.vocab[tok] = id
			}
		}
	})
	return t.vocab
}

// VocabSize returns the number of ids: one more than the largest token id.
// (A model's embedding table may have more rows than this.)
func (t *Tokenizer) VocabSize() int { return len(t.tokens) }

// ID returns the id of a token, given as an added token's text (e.g.
// "<|im_end|>"), as a vocabulary token spelled as in tokenizer.json (e.g.
// "Ġcat"), or else as the text it stands for (e.g. " cat").
func (t *Tokenizer) ID(token string) (int, bool) {
	if id, ok := t.addedIDs[token]; ok {
		return id, true
	}
	vocab := t.vocabulary()
	if id, ok := vocab[token]; ok {
		return id, true
	}
	id, ok := vocab[toByteLevel(token)]
	return id, ok
}

// Token returns the spelling of id in tokenizer.json: byte-level runes for
// vocabulary tokens ("Ġcat"), the text for added tokens ("<|im_end|>"). It
// returns "" for an id that no token uses.
func (t *Tokenizer) Token(id int) string {
	if id < 0 || id >= len(t.tokens) {
		return ""
	}
	return t.tokens[id]
}

// Tokens returns [Tokenizer.Token] of each id.
func (t *Tokenizer) Tokens(ids []int) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = t.Token(id)
	}
	return out
}

// Bytes returns the bytes that id stands for (nil for an unused id).
func (t *Tokenizer) Bytes(id int) []byte {
	if id < 0 || id >= len(t.raw) || t.kind[id] == kindNone {
		return nil
	}
	return []byte(t.raw[id])
}

// Piece returns id as text for display: its bytes as UTF-8, with every byte
// that is not part of a complete character shown as <0xF0>. Unused ids show as
// <unused:ID>, ids out of range as <invalid:ID>.
func (t *Tokenizer) Piece(id int) string {
	if id < 0 || id >= len(t.raw) {
		return "<invalid:" + itoa(id) + ">"
	}
	if t.kind[id] == kindNone {
		return "<unused:" + itoa(id) + ">"
	}
	return displayBytes(t.raw[id])
}

// Pieces returns [Tokenizer.Piece] of each id.
func (t *Tokenizer) Pieces(ids []int) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = t.Piece(id)
	}
	return out
}

// IsSpecial reports whether id is a special added token such as <|im_end|>.
func (t *Tokenizer) IsSpecial(id int) bool {
	return id >= 0 && id < len(t.kind) && t.kind[id] == kindSpecial
}

// IsAdded reports whether id is an added token, special or not.
func (t *Tokenizer) IsAdded(id int) bool {
	return id >= 0 && id < len(t.kind) && t.kind[id] >= kindAdded
}

// EOS returns the ids that end generation: the eos_token of
// tokenizer_config.json, then <|im_end|> and <|endoftext|> where they exist.
func (t *Tokenizer) EOS() []int { return append([]int(nil), t.eosIDs...) }

// Pad returns the pad_token id of tokenizer_config.json, or -1.
func (t *Tokenizer) Pad() int { return t.pad }

// ChatTemplate returns the Jinja chat template of tokenizer_config.json ("" if
// none). This package does not run it; see [Tokenizer.Chat].
func (t *Tokenizer) ChatTemplate() string { return t.chatTemplate }

// Pattern returns the pre-tokenizer regex.
func (t *Tokenizer) Pattern() string { return t.scanner.Pattern() }

func displayBytes(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 {
			b.WriteString("<0x")
			b.WriteByte("0123456789ABCDEF"[s[i]>>4])
			b.WriteByte("0123456789ABCDEF"[s[i]&15])
			b.WriteByte('>')
		} else {
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}

func itoa(n int) string {
	if n < 0 {
		return "-" + itoa(-n)
	}
	var buf [20]byte
	i := len(buf)
	for {
		i--
		buf[i] = byte('0' + n%10)
		n /= 10
		if n == 0 {
			break
		}
	}
	return string(buf[i:])
}

// Decode returns the text of ids: the tokens' bytes read as UTF-8, with
// ill-formed sequences replaced by U+FFFD. Added tokens decode to their text;
// ids that no token uses decode to nothing.
func (t *Tokenizer) Decode(ids []int) string {
	var buf []byte
	for _, id := range ids {
		if id >= 0 && id < len(t.raw) {
			buf = append(buf, t.raw[id]...)
		}
	}
	return string(appendValid(nil, buf))
}

// DecodeSkipSpecial is [Tokenizer.Decode] without the special tokens.
func (t *Tokenizer) DecodeSkipSpecial(ids []int) string {
	var buf []byte
	for _, id := range ids {
		if id >= 0 && id < len(t.raw) && t.kind[id] != kindSpecial {
			buf = append(buf, t.raw[id]...)
		}
	}
	return string(appendValid(nil, buf))
}

// String summarises the tokenizer, e.g. "byte-level BPE: 151669 ids (151643
// BPE tokens, 26 added), 151387 merges, NFC, Qwen2/Qwen3 pre-tokenizer".
func (t *Tokenizer) String() string {
	nBPE, nAdded := 0, 0
	for _, k := range t.kind {
		switch k {
		case kindBPE:
			nBPE++
		case kindAdded, kindSpecial:
			nAdded++
		}
	}
	pattern := "Qwen2/Qwen3"
	if t.scanner.marks {
		pattern = "Qwen3.5"
	}
	norms := strings.Join(t.normalizers, "+")
	if norms == "" {
		norms = "no normalizer"
	}
	return fmt.Sprintf("byte-level BPE: %d ids (%d BPE tokens, %d added), %d merges, %s, %s pre-tokenizer",
		len(t.tokens), nBPE, nAdded, t.merges.len(), norms, pattern)
}
