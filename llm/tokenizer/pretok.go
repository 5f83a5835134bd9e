package tokenizer

import (
	"unicode"
	"unicode/utf8"
)

// Pre-tokenization cuts text into the pieces that BPE works on, one word with
// its leading space, one digit, one run of punctuation, … . Qwen uses a
// regular expression with a lookahead, \s+(?!\S), that Go's regexp cannot
// express, so this file implements both Qwen patterns as hand-written
// scanners that try the alternatives in order at each position, exactly as
// a backtracking regex engine does (the fuzz test FuzzScanner checks them
// against github.com/dlclark/regexp2).

// Qwen2Pattern is the pre-tokenizer regex of Qwen2 and Qwen3.
const Qwen2Pattern = `(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`

// Qwen35Pattern is the pre-tokenizer regex of Qwen3.5: combining marks
// (\p{M}) join letters and are not punctuation.
const Qwen35Pattern = `(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?[\p{L}\p{M}]+|\p{N}| ?[^\s\p{L}\p{M}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`

// Scanner splits text into pre-tokens by one of the supported patterns.
type Scanner struct {
	marks   bool // \p{M} joins letters (Qwen3.5)
	pattern string
}

// NewScanner returns the scanner for a pre-tokenizer regex; ok is false if
// the regex is not one of the patterns this package implements.
func NewScanner(pattern string) (s *Scanner, ok bool) {
	switch pattern {
	case Qwen2Pattern:
		return &Scanner{pattern: pattern}, true
	case Qwen35Pattern:
		return &Scanner{marks: true, pattern: pattern}, true
	}
	return nil, false
}

// Pattern returns the regex the scanner implements.
func (s *Scanner) Pattern() string { return s.pattern }

// Split returns the pre-tokens of text; they concatenate back to text.
func (s *Scanner) Split(text string) []string {
	var out []string
	for len(text) > 0 {
		n := s.Next(text)
		out = append(out, text[:n])
		text = text[n:]
	}
	return out
}

// Character classes, as bits.
const (
	cL    = 1 << iota // \p{L}
	cN                // \p{N}
	cM                // \p{M}
	cS                // \s (Unicode White_Space)
	cCRLF             // \r or \n
)

var asciiClass = func() (t [utf8.RuneSelf]uint8) {
	for c := 0; c < utf8.RuneSelf; c++ {
		t[c] = class(rune(c))
	}
	return t
}()

func class(r rune) uint8 {
	var c uint8
	switch {
	case unicode.IsLetter(r):
		c = cL
	case unicode.IsNumber(r):
		c = cN
	case unicode.IsMark(r):
		c = cM
	case unicode.Is(unicode.White_Space, r):
		c = cS
		if r == '\r' || r == '\n' {
			c |= cCRLF
		}
	}
	return c
}

// at decodes the rune at text[i:] and returns its class and width; at the
// end of text it returns class 0 and width 0.
func at(text string, i int) (uint8, int) {
	if i >= len(text) {
		return 0, 0
	}
	if c := text[i]; c < utf8.RuneSelf {
		return asciiClass[c], 1
	}
	r, n := utf8.DecodeRuneInString(text[i:])
	return class(r), n
}

// Next returns the length in bytes of the pre-token at the start of text
// (at least one character when text is not empty).
func (s *Scanner) Next(text string) int {
	if len(text) == 0 {
		return 0
	}
	word := uint8(cL) // what a "letter run" is made of
	if s.marks {
		word |= cM
	}
	c0, w0 := at(text, 0)

	// (?i:'s|'t|'re|'ve|'m|'ll|'d)
	if text[0] == '\'' && len(text) >= 2 {
		switch text[1] | 0x20 {
		case 's', 't', 'm', 'd':
			return 2
		case 'r', 'v':
			if len(text) >= 3 && text[2]|0x20 == 'e' {
				return 3
			}
		case 'l':
			if len(text) >= 3 && text[2]|0x20 == 'l' {
				return 3
			}
		}
	}

	// [^\r\n\p{L}\p{N}]?\p{L}+   (Qwen3.5: [\p{L}\p{M}]+)
	if c0&word != 0 {
		return w0 + s.run(text, w0, word)
	}
	if c0&(cL|cN|cCRLF) == 0 {
		if c1, w1 := at(text, w0); c1&word != 0 {
			return w0 + w1 + s.run(text, w0+w1, word)
		}
	}

	// \p{N}
	if c0&cN != 0 {
		return w0
	}

	// ' ?[^\s\p{L}\p{N}]+[\r\n]*'   (Qwen3.5: also not \p{M})
	punct := func(c uint8) bool { return c&(cS|cL|cN) == 0 && c&word == 0 }
	start := -1
	if punct(c0) {
		start = 0
	} else if text[0] == ' ' {
		if c1, _ := at(text, 1); punct(c1) {
			start = 1
		}
	}
	if start >= 0 {
		i := start
		for {
			c, w := at(text, i)
			if w == 0 || !punct(c) {
				break
			}
			i += w
		}
		for i < len(text) && (text[i] == '\r' || text[i] == '\n') {
			i++
		}
		return i
	}

	// The rest starts with white space: find its run.
	end, lastCRLF, prev := 0, -1, 0
	for {
		c, w := at(text, end)
		if w == 0 || c&cS == 0 {
			break
		}
		if c&cCRLF != 0 {
			lastCRLF = end
		}
		prev = end
		end += w
	}
	if end == 0 {
		return w0 // not reached: every character is in some class above
	}
	// \s*[\r\n]+
	if lastCRLF >= 0 {
		return lastCRLF + 1
	}
	// \s+(?!\S)
	if end == len(text) {
		return end
	}
	if prev > 0 {
		return prev
	}
	// \s+
	return end
}

// run returns the length of the run of characters of the given classes at
// text[i:].
func (s *Scanner) run(text string, i int, classes uint8) int {
	start := i
	for i < len(text) {
		c := text[i]
		if c < utf8.RuneSelf {
			if asciiClass[c]&classes == 0 {
				break
			}
			i++
			continue
		}
		cl, w := at(text, i)
		if cl&classes == 0 {
			break
		}
		i += w
	}
	return i - start
}
