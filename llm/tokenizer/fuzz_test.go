package tokenizer

import (
	"os"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// FuzzRoundTrip checks that decoding an encoding gives back the NFC text for
// any valid UTF-8, that ill-formed input never panics, and that the stream
// decoder agrees with Decode.
func FuzzRoundTrip(f *testing.F) {
	for _, s := range scannerSeeds {
		f.Add(s)
	}
	f.Add("<|im_start|>user\nHi<|im_end|>\n")
	f.Add("a\xffb\xe2\x82")
	tok := tinyA(f)
	f.Fuzz(func(t *testing.T, s string) {
		ids := tok.Encode(s)
		lit := tok.EncodeLiteral(s)
		if !utf8.ValidString(s) {
			return
		}
		want := norm.NFC.String(s)
		if got := tok.Decode(lit); got != want {
			t.Fatalf("Decode(EncodeLiteral(%q)) = %q, want %q", s, got, want)
		}
		if !strings.Contains(s, "<|") {
			if got := tok.Decode(ids); got != want {
				t.Fatalf("Decode(Encode(%q)) = %q, want %q", s, got, want)
			}
		}
		d := tok.NewStreamDecoder()
		var b strings.Builder
		for _, id := range lit {
			b.WriteString(d.Add(id))
		}
		b.WriteString(d.Flush())
		if b.String() != want {
			t.Fatalf("stream decode of %q = %q, want %q", s, b.String(), want)
		}
	})
}

// FuzzDecode feeds arbitrary ids (as bytes) to Decode, Pieces and the stream
// decoder, which must agree and never panic.
func FuzzDecode(f *testing.F) {
	f.Add([]byte{0xE2 - 0x21 + 0, 1, 2, 200, 255})
	f.Add([]byte("hello"))
	tok := tinyA(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		ids := make([]int, len(b))
		for i, c := range b {
			ids[i] = int(c) + 100 // covers ids 100..355: bytes, merges, specials, unused and out of range
		}
		want := tok.Decode(ids)
		if !utf8.ValidString(want) {
			t.Fatalf("Decode gave ill-formed UTF-8 %q", want)
		}
		_ = tok.Pieces(ids)
		d := tok.NewStreamDecoder()
		var got strings.Builder
		for _, id := range ids {
			got.WriteString(d.Add(id))
		}
		got.WriteString(d.Flush())
		if got.String() != want {
			t.Fatalf("stream %q, Decode %q", got.String(), want)
		}
	})
}

// FuzzParse feeds hostile tokenizer.json and tokenizer_config.json to Parse:
// it must return an error or a tokenizer that encodes without panicking.
func FuzzParse(f *testing.F) {
	tj, err := os.ReadFile("testdata/tiny-a/tokenizer.json")
	if err != nil {
		f.Fatal(err)
	}
	cj, err := os.ReadFile("testdata/tiny-a/tokenizer_config.json")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(tj, cj)
	f.Add(tj, []byte(nil))
	f.Add([]byte(`{"model":{"vocab":{"a":0},"merges":["a a"]}}`), []byte(`{"eos_token":{"content":"a"}}`))
	f.Fuzz(func(t *testing.T, tokJSON, cfgJSON []byte) {
		tok, err := Parse(tokJSON, cfgJSON)
		if err != nil {
			return
		}
		ids := tok.Encode("Hello <|im_start|>wörld 123 🎉\n\n")
		_ = tok.Decode(ids)
		_ = tok.Pieces(ids)
		_ = tok.Trace(" hello")
	})
}
