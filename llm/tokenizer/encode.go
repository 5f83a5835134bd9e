package tokenizer

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

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
