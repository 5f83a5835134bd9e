package tokenizer

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// The vocabulary and merges of a large tokenizer.json (hundreds of thousands
// of entries) are parsed by this small scanner rather than by encoding/json,
// which would build a map of interfaces and take most of the load time. It
// reads only the two shapes it needs: an object of string → integer and an
// array of merges.

type jsonScanner struct {
	b   []byte
	i   int
	buf []byte
}

func (s *jsonScanner) errorf(format string, args ...any) error {
	return fmt.Errorf("offset %d: %s", s.i, fmt.Sprintf(format, args...))
}

func (s *jsonScanner) ws() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

// peek returns the next non-space byte, or 0 at the end.
func (s *jsonScanner) peek() byte {
	s.ws()
	if s.i >= len(s.b) {
		return 0
	}
	return s.b[s.i]
}

func (s *jsonScanner) expect(c byte) error {
	if s.peek() != c {
		if s.i >= len(s.b) {
			return s.errorf("unexpected end, want %q", c)
		}
		return s.errorf("found %q, want %q", s.b[s.i], c)
	}
	s.i++
	return nil
}

// str reads a JSON string. The result is valid until the next call.
func (s *jsonScanner) str() ([]byte, error) {
	if err := s.expect('"'); err != nil {
		return nil, err
	}
	start := s.i
	for s.i < len(s.b) {
		c := s.b[s.i]
		if c == '"' {
			out := s.b[start:s.i]
			s.i++
			return out, nil
		}
		if c == '\\' {
			break
		}
		if c < 0x20 {
			return nil, s.errorf("control character in string")
		}
		s.i++
	}
	// Slow path: escapes.
	s.buf = append(s.buf[:0], s.b[start:s.i]...)
	for s.i < len(s.b) {
		c := s.b[s.i]
		switch {
		case c == '"':
			s.i++
			return s.buf, nil
		case c < 0x20:
			return nil, s.errorf("control character in string")
		case c != '\\':
			s.buf = append(s.buf, c)
			s.i++
			continue
		}
		if s.i+1 >= len(s.b) {
			break
		}
		e := s.b[s.i+1]
		s.i += 2
		switch e {
		case '"', '\\', '/':
			s.buf = append(s.buf, e)
		case 'b':
			s.buf = append(s.buf, '\b')
		case 'f':
			s.buf = append(s.buf, '\f')
		case 'n':
			s.buf = append(s.buf, '\n')
		case 'r':
			s.buf = append(s.buf, '\r')
		case 't':
			s.buf = append(s.buf, '\t')
		case 'u':
			r, err := s.hex4()
			if err != nil {
				return nil, err
			}
			if utf16.IsSurrogate(r) {
				r2 := rune(-1)
				if s.i+1 < len(s.b) && s.b[s.i] == '\\' && s.b[s.i+1] == 'u' {
					save := s.i
					s.i += 2
					if r2, err = s.hex4(); err != nil {
						return nil, err
					}
					if d := utf16.DecodeRune(r, r2); d != utf8.RuneError {
						r = d
					} else {
						r = utf8.RuneError
						s.i = save
					}
				} else {
					r = utf8.RuneError
				}
			}
			s.buf = utf8.AppendRune(s.buf, r)
		default:
			return nil, s.errorf("bad escape \\%c", e)
		}
	}
	return nil, s.errorf("unterminated string")
}

func (s *jsonScanner) hex4() (rune, error) {
	if s.i+4 > len(s.b) {
		return 0, s.errorf("short \\u escape")
	}
	v, err := strconv.ParseUint(string(s.b[s.i:s.i+4]), 16, 32)
	if err != nil {
		return 0, s.errorf("bad \\u escape")
	}
	s.i += 4
	return rune(v), nil
}

// integer reads a non-negative JSON integer that fits an int32.
func (s *jsonScanner) integer() (int, error) {
	s.ws()
	start := s.i
	v := 0
	for s.i < len(s.b) && s.b[s.i] >= '0' && s.b[s.i] <= '9' {
		v = v*10 + int(s.b[s.i]-'0')
		if v > 1<<31-1 {
			return 0, s.errorf("id too large")
		}
		s.i++
	}
	if s.i == start {
		return 0, s.errorf("want a non-negative integer id")
	}
	if s.i < len(s.b) && (s.b[s.i] == '.' || s.b[s.i] == 'e' || s.b[s.i] == 'E') {
		return 0, s.errorf("want an integer id")
	}
	return v, nil
}

// vocab parses {"token": id, ...}, calling add for each entry.
func (s *jsonScanner) vocab(add func(tok string, id int) error) error {
	if err := s.expect('{'); err != nil {
		return err
	}
	if s.peek() == '}' {
		s.i++
		return nil
	}
	for {
		k, err := s.str()
		if err != nil {
			return err
		}
		tok := string(k)
		if err := s.expect(':'); err != nil {
			return err
		}
		id, err := s.integer()
		if err != nil {
			return err
		}
		if err := add(tok, id); err != nil {
			return err
		}
		switch s.peek() {
		case ',':
			s.i++
		case '}':
			s.i++
			return nil
		default:
			return s.errorf("want ',' or '}'")
		}
	}
}

var errMergeForm = errors.New(`a merge must be "a b" or ["a", "b"]`)

// merges parses ["a b", ...] or [["a", "b"], ...], calling add for each; a
// and b are valid only during the call.
func (s *jsonScanner) merges(add func(a, b []byte) error) error {
	if err := s.expect('['); err != nil {
		return err
	}
	if s.peek() == ']' {
		s.i++
		return nil
	}
	var first []byte
	for n := 0; ; n++ {
		var a, b []byte
		switch s.peek() {
		case '"':
			m, err := s.str()
			if err != nil {
				return err
			}
			sp := bytes.IndexByte(m, ' ')
			if sp < 0 || bytes.IndexByte(m[sp+1:], ' ') >= 0 {
				return fmt.Errorf("merge %d %q: %w", n, m, errMergeForm)
			}
			a, b = m[:sp], m[sp+1:]
		case '[':
			s.i++
			x, err := s.str()
			if err != nil {
				return err
			}
			first = append(first[:0], x...) // x is overwritten by the next str
			if err := s.expect(','); err != nil {
				return err
			}
			y, err := s.str()
			if err != nil {
				return err
			}
			a, b = first, y
			if err := s.expect(']'); err != nil {
				return fmt.Errorf("merge %d: %w", n, errMergeForm)
			}
		default:
			return fmt.Errorf("merge %d: %w", n, errMergeForm)
		}
		if err := add(a, b); err != nil {
			return err
		}
		switch s.peek() {
		case ',':
			s.i++
		case ']':
			s.i++
			return nil
		default:
			return s.errorf("want ',' or ']'")
		}
	}
}

// maxDepth bounds the nesting of skipped values.
const maxDepth = 512

// skip passes over one JSON value of any kind, checking its syntax.
func (s *jsonScanner) skip(depth int) error {
	if depth > maxDepth {
		return s.errorf("nested too deeply")
	}
	switch c := s.peek(); c {
	case '"':
		_, err := s.str()
		return err
	case '{', '[':
		end := byte('}')
		if c == '[' {
			end = ']'
		}
		s.i++
		if s.peek() == end {
			s.i++
			return nil
		}
		for {
			if c == '{' {
				if _, err := s.str(); err != nil {
					return err
				}
				if err := s.expect(':'); err != nil {
					return err
				}
			}
			if err := s.skip(depth + 1); err != nil {
				return err
			}
			switch s.peek() {
			case ',':
				s.i++
			case end:
				s.i++
				return nil
			default:
				return s.errorf("want ',' or %q", end)
			}
		}
	case 't', 'f', 'n':
		for _, lit := range []string{"true", "false", "null"} {
			if len(s.b)-s.i >= len(lit) && string(s.b[s.i:s.i+len(lit)]) == lit {
				s.i += len(lit)
				return nil
			}
		}
		return s.errorf("bad literal")
	case 0:
		return s.errorf("unexpected end")
	default:
		start := s.i
		for s.i < len(s.b) && strings.IndexByte("+-0123456789.eE", s.b[s.i]) >= 0 {
			s.i++
		}
		if s.i == start {
			return s.errorf("unexpected %q", c)
		}
		return nil
	}
}

// fields splits a JSON object into its members' raw values (the last of
// repeated keys wins). Values are checked for syntax only.
func (s *jsonScanner) fields() (map[string][]byte, error) {
	out := map[string][]byte{}
	if err := s.expect('{'); err != nil {
		return nil, err
	}
	if s.peek() == '}' {
		s.i++
		return out, nil
	}
	for {
		k, err := s.str()
		if err != nil {
			return nil, err
		}
		key := string(k)
		if err := s.expect(':'); err != nil {
			return nil, err
		}
		s.ws()
		start := s.i
		if err := s.skip(1); err != nil {
			return nil, fmt.Errorf("%q: %w", key, err)
		}
		out[key] = s.b[start:s.i]
		switch s.peek() {
		case ',':
			s.i++
		case '}':
			s.i++
			return out, nil
		default:
			return nil, s.errorf("want ',' or '}'")
		}
	}
}

// objectFields splits the JSON object data into its members and checks that
// nothing follows it.
func objectFields(data []byte) (map[string][]byte, error) {
	s := &jsonScanner{b: data}
	f, err := s.fields()
	if err != nil {
		return nil, err
	}
	if s.peek() != 0 {
		return nil, s.errorf("data after the object")
	}
	return f, nil
}
