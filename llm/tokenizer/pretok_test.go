package tokenizer

import (
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/dlclark/regexp2"
)

// regexSplit is the reference: all matches of pattern in text by a real
// backtracking regex engine with lookahead.
func regexSplit(t testing.TB, re *regexp2.Regexp, text string) []string {
	t.Helper()
	var out []string
	m, err := re.FindStringMatch(text)
	for ; m != nil && err == nil; m, err = re.FindNextMatch(m) {
		out = append(out, m.String())
	}
	if err != nil {
		t.Fatalf("regexp2: %v", err)
	}
	return out
}

func TestScannerExamples(t *testing.T) {
	tests := []struct {
		pattern string
		text    string
		want    []string
	}{
		{Qwen35Pattern, "The cat sat on the", []string{"The", " cat", " sat", " on", " the"}},
		{Qwen35Pattern, "Hello  world", []string{"Hello", " ", " world"}},
		{Qwen35Pattern, " 2026", []string{" ", "2", "0", "2", "6"}},
		{Qwen35Pattern, "a\n\nb", []string{"a", "\n\n", "b"}},
		{Qwen35Pattern, "I'LL don't", []string{"I", "'LL", " don", "'t"}},
		{Qwen35Pattern, "สวัสดีครับ", []string{"สวัสดีครับ"}},
		{Qwen2Pattern, "สวัสดีครับ", []string{"สว", "ัสด", "ีคร", "ับ"}},
		{Qwen35Pattern, "नमस्ते", []string{"नमस्ते"}},
		{Qwen2Pattern, "नमस्ते", []string{"नमस", "्त", "े"}},
		{Qwen2Pattern, "tabs\tand  x \n\n y ", []string{"tabs", "\tand", " ", " x", " \n\n", " y", " "}},
		{Qwen2Pattern, "a, b!!\r\n", []string{"a", ",", " b", "!!\r\n"}},
	}
	for _, tt := range tests {
		s, ok := NewScanner(tt.pattern)
		if !ok {
			t.Fatal("pattern not supported")
		}
		if got := s.Split(tt.text); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Split(%q) = %q, want %q", tt.text, got, tt.want)
		}
		re := regexp2.MustCompile(tt.pattern, regexp2.None)
		if got := regexSplit(t, re, tt.text); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("regexp2 split of %q = %q, want %q (test table wrong?)", tt.text, got, tt.want)
		}
	}
}

// scannerSeeds mixes every character class the patterns distinguish.
var scannerSeeds = []string{
	"The cat sat on the mat.", "I'm sure you'll see they've done it, isn't it? WE'LL SEE. She'S",
	"  two\t\tspaces  \n\n\n  end  ", "Windows\r\nline endings\r\n\r\n", "x = a+b; // ok?!\n",
	"Café résumé naïve", "नमस्ते दुनिया", "สวัสดีครับ ผมชื่ออเล็กซ์", "á̧ Z͑ e⃝ ́leading",
	"你好，世界！今天是2026年8月13日 🎉", "٣٤ ½ Ⅻ ²", "\u00a0\u2003\u3000x\u2028y\u0085z\u200b",
	"'s'S'T're'RE've'Ve'm'M'll'LL'd'D'x' '", "$42.50, 3.14159 and 1,000,000", "\v\f\r \n",
	"👨\u200d👩\u200d👧 🇫🇷 👍🏽", "a\u0301\u0302 \u0301\u0302 1\u0301 .\u0301 \n\u0301",
}

// FuzzScanner proves the hand-written scanners equal to the regexes they
// implement, run by github.com/dlclark/regexp2 (a backtracking engine with
// lookahead).
func FuzzScanner(f *testing.F) {
	for _, s := range scannerSeeds {
		f.Add(s)
	}
	res := map[string]*regexp2.Regexp{}
	for _, p := range []string{Qwen2Pattern, Qwen35Pattern} {
		res[p] = regexp2.MustCompile(p, regexp2.None)
	}
	f.Fuzz(func(t *testing.T, text string) {
		if !utf8.ValidString(text) {
			return // the tokenizer replaces ill-formed UTF-8 before scanning
		}
		for p, re := range res {
			s, _ := NewScanner(p)
			got := s.Split(text)
			if strings.Join(got, "") != text {
				t.Fatalf("pieces %q do not concatenate to %q", got, text)
			}
			want := regexSplit(t, re, text)
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("pattern %s\ntext %q\nscanner %q\nregexp2 %q", p, text, got, want)
			}
		}
	})
}

// TestScannerRandom compares the scanners with regexp2 on random strings
// drawn from characters of every class the patterns distinguish, so that the
// proof runs in every `go test`, not only under -fuzz.
func TestScannerRandom(t *testing.T) {
	alphabet := []rune("aZsStTrReEvVmMlLdD'' \t\n\r\v\f\u00a0\u0085\u2028\u3000\u200b\ufeff" +
		"09٣½Ⅻ²" + "\u0301\u0302\u0e31\u094d\u20dd" + "é漢กนะ" + ".,!?-_\"()<>|$" + "🎉👍🏽")
	rng := rand.New(rand.NewPCG(1, 2))
	res := map[string]*regexp2.Regexp{}
	for _, p := range []string{Qwen2Pattern, Qwen35Pattern} {
		res[p] = regexp2.MustCompile(p, regexp2.None)
	}
	n := 5000
	if testing.Short() {
		n = 500
	}
	for i := 0; i < n; i++ {
		r := make([]rune, 1+rng.IntN(24))
		for j := range r {
			r[j] = alphabet[rng.IntN(len(alphabet))]
		}
		text := string(r)
		for p, re := range res {
			s, _ := NewScanner(p)
			if got, want := s.Split(text), regexSplit(t, re, text); !reflect.DeepEqual(got, want) {
				t.Fatalf("pattern %s\ntext %q\nscanner %q\nregexp2 %q", p, text, got, want)
			}
		}
	}
}
