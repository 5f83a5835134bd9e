package tokenizer

// Sample is a short text of one kind (prose, code, a script, emoji, …), for
// comparing how a tokenizer cuts different kinds of text.
type Sample struct {
	Kind string // e.g. "English prose", "Python code", "emoji"
	Text string
	// Qwen35 is the ids the real Qwen3.5 tokenizer gives Text, from
	// [Qwen35Recorded]; nil where none was recorded.
	Qwen35 []int
}

// Samples returns texts of many kinds: most are cases of [Qwen35Recorded],
// with the real Qwen3.5 tokenizer's ids; the numbers, the URL and the
// JavaScript line have none recorded.
func Samples() ([]Sample, error) {
	out := []Sample{}
	for _, s := range []struct{ kind, name, text string }{
		{"English prose", "ascii_basic", ""},
		{"English with contractions", "ascii_contractions", ""},
		{"accented Latin", "accent_nfc", ""},
		{"Python code", "code_python", ""},
		{"JavaScript code", "", "function fibonacci(n) { return n < 2 ? n : fibonacci(n-1) + fibonacci(n-2); }"},
		{"JSON", "json_text", ""},
		{"numbers", "", "Pi is 3.14159; 2,718,281 plus 1,000,000 is 3,718,281 in 2024."},
		{"a web address", "", "en.wikipedia.org/wiki/Byte-pair_encoding?lang=en#History"}, // no scheme: outputs carry no links
		{"Chinese and Japanese", "cjk_mixed", ""},
		{"Arabic", "arabic_marks_digits", ""},
		{"Hindi (Devanagari)", "devanagari_combining", ""},
		{"emoji", "emoji_astral", ""},
	} {
		if s.name == "" {
			out = append(out, Sample{Kind: s.kind, Text: s.text})
			continue
		}
		c, err := Qwen35Case(s.name)
		if err != nil {
			return nil, err
		}
		out = append(out, Sample{Kind: s.kind, Text: c.Text, Qwen35: c.IDs})
	}
	return out, nil
}
