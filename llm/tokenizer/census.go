package tokenizer

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Census counts what a tokenizer's vocabulary is made of. Every count is
// over the BPE tokens (ids of added tokens are counted apart in Added and
// Special; unused ids in neither).
type Census struct {
	IDs     int // every id, used or not: VocabSize
	BPE     int // tokens of the BPE vocabulary (the 256 bytes and the merged tokens)
	Added   int // added tokens, special or not (e.g. <think>)
	Special int // special added tokens (e.g. <|im_end|>), a subset of Added

	// ByLength[n] is the number of BPE tokens of n bytes (ByLength[0] is 0).
	ByLength []int
	// LeadingSpace counts tokens that start with a space: a word together
	// with the space before it.
	LeadingSpace int
	// Digits counts tokens that are digits only (after an optional leading space).
	Digits int
	// Partial counts tokens that are not whole UTF-8 characters: single bytes
	// from 0x80 up and other fragments of a character's encoding.
	Partial int
	// Whitespace counts tokens that are only spaces, tabs and newlines.
	Whitespace int
	// Code counts code-like tokens: those with a bracket, brace, ;, =, <, >,
	// _, \, |, &, ^, ~, ` or #, and runs of indentation (two or more spaces
	// or a tab followed by more white space or nothing).
	Code int
	// Scripts counts tokens by the script of their first letter: "Latin",
	// "Han", "Cyrillic", "Arabic", …, or "other" for a letter of a script not
	// listed in [CensusScripts]. Tokens without a letter are not counted.
	Scripts map[string]int
}

// CensusScripts are the scripts [Census] names; letters of any other go to
// "other".
var CensusScripts = []string{"Latin", "Han", "Hiragana", "Katakana", "Hangul", "Cyrillic", "Greek", "Arabic", "Hebrew", "Devanagari", "Thai"}

// Census goes through the whole vocabulary and counts its tokens by length
// in bytes, leading space, digits, white space, code-likeness, script, and
// whether they are whole characters.
func (t *Tokenizer) Census() Census {
	c := Census{IDs: len(t.tokens), Scripts: map[string]int{}}
	for id, k := range t.kind {
		switch k {
		case kindNone:
			continue
		case kindAdded, kindSpecial:
			c.Added++
			if k == kindSpecial {
				c.Special++
			}
			continue
		}
		c.BPE++
		s := t.raw[id]
		for len(c.ByLength) <= len(s) {
			c.ByLength = append(c.ByLength, 0)
		}
		c.ByLength[len(s)]++
		if strings.HasPrefix(s, " ") {
			c.LeadingSpace++
		}
		if !utf8.ValidString(s) {
			c.Partial++
			continue
		}
		if d := strings.TrimPrefix(s, " "); d != "" && strings.TrimFunc(d, unicode.IsDigit) == "" {
			c.Digits++
		}
		if strings.TrimLeft(s, " \t\r\n") == "" {
			c.Whitespace++
		}
		if codeLike(s) {
			c.Code++
		}
		if sc := scriptOf(s); sc != "" {
			c.Scripts[sc]++
		}
	}
	return c
}

// codeLike reports whether s looks like a piece of program text (see
// [Census.Code]).
func codeLike(s string) bool {
	if strings.ContainsAny(s, "{}[]();=<>_\\|&^~`#") {
		return true
	}
	return strings.HasPrefix(s, "\t") || strings.HasPrefix(s, "  ") && strings.TrimLeft(s, " \t") == ""
}

// scriptOf returns the script of the first letter of s, "other" for a
// script not in CensusScripts, or "" when s has no letter.
func scriptOf(s string) string {
	for _, r := range s {
		if !unicode.IsLetter(r) {
			continue
		}
		for _, name := range CensusScripts {
			if unicode.Is(unicode.Scripts[name], r) {
				return name
			}
		}
		return "other"
	}
	return ""
}
