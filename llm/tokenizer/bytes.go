package tokenizer

import "unicode/utf8"

// Byte-level BPE does not work on characters but on UTF-8 bytes. To keep
// tokens printable in tokenizer.json, GPT-2 maps each of the 256 byte values
// to a visible rune (doc §12.4): bytes 0x21–0x7E, 0xA1–0xAC and 0xAE–0xFF
// keep their own code point; the 68 others (control characters, space, 0x7F–
// 0xA0, 0xAD) map, in increasing order, to U+0100, U+0101, …. So a space
// becomes 'Ġ' (U+0120) and a newline 'Ċ' (U+010A).

// byteRune maps a byte to its printable rune.
var byteRune = func() (m [256]rune) {
	next := rune(0x100)
	for b := 0; b < 256; b++ {
		if (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF) {
			m[b] = rune(b)
		} else {
			m[b] = next
			next++
		}
	}
	return m
}()

// runeByte inverts byteRune: runeByte[r] is the byte for rune r < 0x144, or
// -1 when r is not one of the 256 printable runes.
var runeByte = func() (m [0x144]int16) {
	for i := range m {
		m[i] = -1
	}
	for b, r := range byteRune {
		m[r] = int16(b)
	}
	return m
}()

// ByteToRune returns the printable rune that byte-level BPE uses for byte b
// (for example 'Ġ' for a space).
func ByteToRune(b byte) rune { return byteRune[b] }

// RuneToByte inverts [ByteToRune]; ok is false for a rune that stands for no
// byte.
func RuneToByte(r rune) (b byte, ok bool) {
	if r < 0 || int(r) >= len(runeByte) || runeByte[r] < 0 {
		return 0, false
	}
	return byte(runeByte[r]), true
}

// toByteLevel maps raw bytes to their printable form, as tokens are spelled
// in tokenizer.json.
func toByteLevel(s string) string {
	buf := make([]byte, 0, 2*len(s))
	for i := 0; i < len(s); i++ {
		buf = utf8.AppendRune(buf, byteRune[s[i]])
	}
	return string(buf)
}

// fromByteLevel maps a token spelled in printable runes back to its bytes.
// ok is false if some rune stands for no byte.
func fromByteLevel(tok string) (raw string, ok bool) {
	buf := make([]byte, 0, len(tok))
	for _, r := range tok {
		b, ok := RuneToByte(r)
		if !ok {
			return "", false
		}
		buf = append(buf, b)
	}
	return string(buf), true
}

// appendValid appends s to dst with every ill-formed UTF-8 sequence replaced
// by U+FFFD, one replacement per maximal ill-formed subpart as in Python's
// and Rust's lossy decoding (so "\xE2\x82A" gives "\uFFFDA", not two).
func appendValid(dst []byte, s []byte) []byte {
	for i := 0; i < len(s); {
		if s[i] < utf8.RuneSelf {
			dst = append(dst, s[i])
			i++
			continue
		}
		r, n := utf8.DecodeRune(s[i:])
		if r != utf8.RuneError || n != 1 {
			dst = append(dst, s[i:i+n]...)
			i += n
			continue
		}
		dst = append(dst, "\uFFFD"...)
		i += invalidLen(s[i:])
	}
	return dst
}

// invalidLen returns the length of the maximal ill-formed subpart at the
// start of s, which does not start a valid sequence: the lead byte and the
// continuation bytes that could still have completed it.
func invalidLen(s []byte) int {
	n, lo, hi := seqInfo(s[0])
	if n == 0 {
		return 1
	}
	i := 1
	for ; i < n && i < len(s); i++ {
		c := s[i]
		if i == 1 {
			if c < lo || c > hi {
				break
			}
		} else if c < 0x80 || c > 0xBF {
			break
		}
	}
	return i
}

// seqInfo returns for lead byte b the length of the UTF-8 sequence it starts
// and the allowed range of the second byte; n is 0 for a byte that cannot
// start a sequence.
func seqInfo(b byte) (n int, lo, hi byte) {
	switch {
	case b >= 0xC2 && b <= 0xDF:
		return 2, 0x80, 0xBF
	case b == 0xE0:
		return 3, 0xA0, 0xBF
	case b == 0xED:
		return 3, 0x80, 0x9F
	case b >= 0xE1 && b <= 0xEF:
		return 3, 0x80, 0xBF
	case b == 0xF0:
		return 4, 0x90, 0xBF
	case b >= 0xF1 && b <= 0xF3:
		return 4, 0x80, 0xBF
	case b == 0xF4:
		return 4, 0x80, 0x8F
	}
	return 0, 0, 0
}

// incompleteTail returns how many bytes at the end of s are the valid start
// of a UTF-8 sequence that is not finished yet (0 when s ends cleanly).
func incompleteTail(s []byte) int {
	for k := 1; k <= 3 && k <= len(s); k++ {
		start := len(s) - k
		b := s[start]
		if b >= 0x80 && b <= 0xBF {
			continue // continuation byte: look further back
		}
		n, _, _ := seqInfo(b)
		if n <= k {
			return 0 // ASCII, invalid lead, or a complete sequence
		}
		if invalidLen(s[start:]) == k {
			return k
		}
		return 0
	}
	return 0
}

// validString returns s with ill-formed UTF-8 replaced as by appendValid.
func validString(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	return string(appendValid(nil, []byte(s)))
}
