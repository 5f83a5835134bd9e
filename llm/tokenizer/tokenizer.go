// Package tokenizer turns text into the token ids a language model reads and
// back: an exact reimplementation of Hugging Face's byte-level BPE as used by
// the Qwen family (spec §12), plus a BPE trainer.
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
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
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

type merge struct{ rank, id int32 }

func pairKey(a, b int32) uint64 { return uint64(uint32(a))<<32 | uint64(uint32(b)) }

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

// Encode returns the token ids of text. Added tokens written in the text,
// such as <|im_start|>, become their ids; use [Tokenizer.EncodeLiteral] for
// text from users. Ill-formed UTF-8 is first replaced by U+FFFD.
func (t *Tokenizer) Encode(text string) []int {
	return t.encode(text, true)
}

// EncodeLiteral is [Tokenizer.Encode] with the text of special tokens taken
// literally: "<|im_start|>" becomes the ids of '<', '|', 'im', …, as in
// Hugging Face's split_special_tokens. Non-special added tokens (such as
// <think>) are still recognised, as Hugging Face and llama.cpp do.
func (t *Tokenizer) EncodeLiteral(text string) []int {
	return t.encode(text, false)
}

func (t *Tokenizer) encode(text string, specials bool) []int {
	text = validString(text)
	e := encoder{t: t, specials: specials}
	if len(text) > 1<<12 {
		e.cache = make(map[string][]int32)
	}
	ids := make([]int, 0, len(text)/3+1)
	// As in Hugging Face's AddedVocabulary: first the added tokens marked
	// normalized=false are found in the raw text, then each remaining
	// segment is normalised and searched for those marked normalized=true.
	for len(text) > 0 {
		start, end, id := t.findAdded(text, specials, false)
		if start < 0 {
			ids = e.segment(ids, text)
			break
		}
		ids = e.segment(ids, text[:start])
		ids = append(ids, id)
		text = text[end:]
	}
	return ids
}

// findAdded finds the leftmost added token in text, the longest one at that
// position, among those with the given normalized flag, and returns the span
// it covers (with the white space it strips).
func (t *Tokenizer) findAdded(text string, specials, normalized bool) (start, end, id int) {
	if len(t.added) == 0 {
		return -1, -1, -1
	}
	for i := 0; i < len(text); i++ {
		if !t.addedFirst[text[i]] {
			continue
		}
		for _, a := range t.added {
			if (a.special && !specials) || a.normalized != normalized || !strings.HasPrefix(text[i:], a.text) {
				continue
			}
			start, end = i, i+len(a.text)
			if a.lstrip {
				start = len(strings.TrimRightFunc(text[:start], unicode.IsSpace))
			}
			if a.rstrip {
				end = len(text) - len(strings.TrimLeftFunc(text[end:], unicode.IsSpace))
			}
			return start, end, a.id
		}
	}
	return -1, -1, -1
}

// normalize applies the normalizers to one segment of text.
func (t *Tokenizer) normalize(s string) string {
	for _, n := range t.normalizers {
		switch n {
		case "NFC":
			s = normalizeForm(norm.NFC, s)
		case "NFD":
			s = normalizeForm(norm.NFD, s)
		case "NFKC":
			s = normalizeForm(norm.NFKC, s)
		case "NFKD":
			s = normalizeForm(norm.NFKD, s)
		}
	}
	return s
}

func normalizeForm(f norm.Form, s string) string {
	if f.IsNormalString(s) {
		return s
	}
	return f.String(s)
}

// encoder holds the scratch state of one Encode call.
type encoder struct {
	t        *Tokenizer
	specials bool               // match special added tokens
	cache    map[string][]int32 // piece → ids, for long texts
	syms     []symbol
	queue    mergeQueue
}

// segment appends the ids of a text without raw-matched added tokens.
func (e *encoder) segment(ids []int, text string) []int {
	if text == "" {
		return ids
	}
	text = e.t.normalize(text)
	if e.t.anyNormalized {
		for {
			start, end, id := e.t.findAdded(text, e.specials, true)
			if start < 0 {
				break
			}
			ids = e.pieces(ids, text[:start])
			ids = append(ids, id)
			text = text[end:]
		}
	}
	return e.pieces(ids, text)
}

// pieces appends the ids of normalised text without added tokens.
func (e *encoder) pieces(ids []int, text string) []int {
	for len(text) > 0 {
		n := e.t.scanner.Next(text)
		ids = e.piece(ids, text[:n])
		text = text[n:]
	}
	return ids
}

// piece appends the ids of one pre-token.
func (e *encoder) piece(ids []int, p string) []int {
	t := e.t
	if len(p) == 1 {
		return append(ids, int(t.byteID[p[0]]))
	}
	if e.cache != nil {
		if c, ok := e.cache[p]; ok {
			for _, id := range c {
				ids = append(ids, int(id))
			}
			return ids
		}
	}
	if t.ignoreMerges {
		if id, ok := t.vocabulary()[toByteLevel(p)]; ok {
			return append(ids, id)
		}
	}
	n0 := len(ids)
	ids = e.bpe(ids, p)
	if e.cache != nil && len(e.cache) < 1<<18 {
		c := make([]int32, len(ids)-n0)
		for i, id := range ids[n0:] {
			c[i] = int32(id)
		}
		e.cache[p] = c
	}
	return ids
}

// symbol is one node of the doubly linked list of symbols of a piece.
type symbol struct {
	id         int32
	prev, next int32 // indexes, -1 at the ends
	gone       bool  // merged into its left neighbour
}

// candidate is a possible merge of the symbol at pos with its right
// neighbour.
type candidate struct {
	rank, pos, id int32
}

// mergeQueue is a binary min-heap of candidates by (rank, pos), written out
// rather than through container/heap to avoid boxing every candidate.
type mergeQueue []candidate

func (c candidate) less(d candidate) bool {
	return c.rank < d.rank || (c.rank == d.rank && c.pos < d.pos)
}

func (q *mergeQueue) init() {
	for i := len(*q)/2 - 1; i >= 0; i-- {
		q.down(i)
	}
}

func (q *mergeQueue) push(c candidate) {
	*q = append(*q, c)
	h := *q
	for i := len(h) - 1; i > 0; {
		parent := (i - 1) / 2
		if !h[i].less(h[parent]) {
			break
		}
		h[i], h[parent] = h[parent], h[i]
		i = parent
	}
}

func (q *mergeQueue) pop() candidate {
	h := *q
	top := h[0]
	last := len(h) - 1
	h[0] = h[last]
	*q = h[:last]
	q.down(0)
	return top
}

func (q *mergeQueue) down(i int) {
	h := *q
	for {
		l := 2*i + 1
		if l >= len(h) {
			return
		}
		m := l
		if r := l + 1; r < len(h) && h[r].less(h[l]) {
			m = r
		}
		if !h[m].less(h[i]) {
			return
		}
		h[i], h[m] = h[m], h[i]
		i = m
	}
}

// bpe appends the ids of one piece: starting from one symbol per byte, it
// repeatedly applies the merge of lowest rank (leftmost first among equal
// ranks) until none applies — the algorithm of Hugging Face's Word::merge_all.
func (e *encoder) bpe(ids []int, p string) []int {
	return e.bpeTrace(ids, p, nil)
}

// bpeTrace is bpe calling onMerge after each merge with the rank applied
// and the position, in the piece's current symbols, of the merged symbol.
func (e *encoder) bpeTrace(ids []int, p string, onMerge func(rank int32, syms []symbol, at int32)) []int {
	t := e.t
	syms := e.syms[:0]
	for i := 0; i < len(p); i++ {
		syms = append(syms, symbol{id: t.byteID[p[i]], prev: int32(i - 1), next: int32(i + 1)})
	}
	syms[len(syms)-1].next = -1
	q := e.queue[:0]
	for i := 0; i+1 < len(syms); i++ {
		if m, ok := t.merges.get(syms[i].id, syms[i+1].id); ok {
			q = append(q, candidate{rank: m.rank, pos: int32(i), id: m.id})
		}
	}
	q.init()
	for len(q) > 0 {
		c := q.pop()
		s := &syms[c.pos]
		if s.gone || s.next < 0 {
			continue
		}
		right := &syms[s.next]
		if m, ok := t.merges.get(s.id, right.id); !ok || m.id != c.id {
			continue // stale: a neighbour changed since this was queued
		}
		s.id = c.id
		right.gone = true
		s.next = right.next
		if s.next >= 0 {
			syms[s.next].prev = c.pos
		}
		if s.prev >= 0 {
			if m, ok := t.merges.get(syms[s.prev].id, s.id); ok {
				q.push(candidate{rank: m.rank, pos: s.prev, id: m.id})
			}
		}
		if s.next >= 0 {
			if m, ok := t.merges.get(s.id, syms[s.next].id); ok {
				q.push(candidate{rank: m.rank, pos: c.pos, id: m.id})
			}
		}
		if onMerge != nil {
			onMerge(c.rank, syms, c.pos)
		}
	}
	for i := int32(0); i >= 0; i = syms[i].next {
		ids = append(ids, int(syms[i].id))
	}
	e.syms, e.queue = syms, q
	return ids
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
