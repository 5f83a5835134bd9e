package tokenizer

import (
	"math/rand/v2"
	"reflect"
	"testing"

	"golang.org/x/text/unicode/norm"
)

// naiveBPE is BPE as doc §12.5 states it: repeatedly find the adjacent pair
// with the lowest merge rank and replace all its occurrences, left to right,
// until no pair has a rank.
func naiveBPE(t *Tokenizer, piece string) []int {
	syms := make([]int32, len(piece))
	for i := 0; i < len(piece); i++ {
		syms[i] = t.byteID[piece[i]]
	}
	for {
		best, bestRank := merge{}, int32(-1)
		var a, b int32
		for i := 0; i+1 < len(syms); i++ {
			if m, ok := t.merges.get(syms[i], syms[i+1]); ok && (bestRank < 0 || m.rank < bestRank) {
				best, bestRank, a, b = m, m.rank, syms[i], syms[i+1]
			}
		}
		if bestRank < 0 {
			break
		}
		out := syms[:0:0]
		for i := 0; i < len(syms); i++ {
			if i+1 < len(syms) && syms[i] == a && syms[i+1] == b {
				out = append(out, best.id)
				i++
			} else {
				out = append(out, syms[i])
			}
		}
		syms = out
	}
	ids := make([]int, len(syms))
	for i, s := range syms {
		ids[i] = int(s)
	}
	return ids
}

// TestBPEMatchesSpec checks the heap-based BPE against the textbook
// algorithm on every pre-token of the reference texts and of random text,
// with the real Qwen3 merges.
func TestBPEMatchesSpec(t *testing.T) {
	tok, _ := qwen3(t)
	cases, _ := readCases(t, "qwen3-encodings.json")
	var texts []string
	for _, c := range cases {
		texts = append(texts, c.Text)
	}
	alphabet := []rune("etaoinshrdlu ETAOIN.,'\n0123 ééàç漢字🎉\u0301")
	rng := rand.New(rand.NewPCG(7, 8))
	for i := 0; i < 300; i++ {
		r := make([]rune, 1+rng.IntN(30))
		for j := range r {
			r[j] = alphabet[rng.IntN(len(alphabet))]
		}
		texts = append(texts, string(r))
	}
	e := encoder{t: tok}
	for _, text := range texts {
		for _, p := range tok.PreTokens(text) {
			if _, added := tok.addedIDs[p]; added {
				continue
			}
			if got, want := e.bpe(nil, p), naiveBPE(tok, p); !reflect.DeepEqual(got, want) {
				t.Errorf("BPE(%q) = %v, spec algorithm %v", p, got, want)
			}
		}
	}
}

// FuzzBPE compares the heap-based BPE with the textbook algorithm on
// arbitrary pieces, with the tiny-a merges.
func FuzzBPE(f *testing.F) {
	f.Add("the model reads")
	f.Add("aaaaaaa  \n\nthethe")
	tok := tinyA(f)
	f.Fuzz(func(t *testing.T, p string) {
		if p == "" || len(p) > 256 {
			return
		}
		e := encoder{t: tok}
		if got, want := e.bpe(nil, p), naiveBPE(tok, p); !reflect.DeepEqual(got, want) {
			t.Fatalf("BPE(%q) = %v, spec algorithm %v", p, got, want)
		}
	})
}

// TestQwen3RoundTrip decodes the encoding of random text with the real
// Qwen3 tokenizer: it must give back the NFC text.
func TestQwen3RoundTrip(t *testing.T) {
	tok, _ := qwen3(t)
	alphabet := []rune("aZ sS'\t\n\r\u00a0\u2028\u3000" + "09٣½" + "\u0301\u0e31\u094d" + "é漢กक" + ".,!?<>|" + "🎉👍🏽\u200d")
	rng := rand.New(rand.NewPCG(9, 10))
	for i := 0; i < 1000; i++ {
		r := make([]rune, 1+rng.IntN(40))
		for j := range r {
			r[j] = alphabet[rng.IntN(len(alphabet))]
		}
		text := string(r)
		if got, want := tok.Decode(tok.Encode(text)), norm.NFC.String(text); got != want {
			t.Fatalf("Decode(Encode(%q)) = %q, want %q", text, got, want)
		}
	}
}
