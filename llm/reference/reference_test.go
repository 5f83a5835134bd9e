package reference

import (
	"strings"
	"testing"
)

// TestEmbedded checks the embedded recording against the values the
// course's chapter guide (§2) quotes for the real model.
func TestEmbedded(t *testing.T) {
	s, err := Qwen35()
	if err != nil {
		t.Fatal(err)
	}
	cat := s.For("The cat sat on the")
	if cat.Tokenization == nil || cat.Next == nil {
		t.Fatalf("nothing recorded for the chapter 1 prompt: %+v", cat)
	}
	if got := cat.Tokenization.IDs; len(got) != 5 || got[0] != 760 || got[4] != 279 {
		t.Errorf("ids of %q: %v, want [760 7993 7338 383 279]", "The cat sat on the", got)
	}
	if cat.Next.Next != " floor" || cat.Next.NextID != 6220 || strings.Join(cat.Next.ContinuationStarts, "|") != " floor|.| It" {
		t.Errorf("greedy next token: %+v", cat.Next)
	}
	if fox := s.For("The quick brown fox jumps over the lazy dog").Tokenization; fox == nil || fox.Count() != 9 || fox.IDs != nil || *fox.FirstID != 760 {
		t.Errorf("the quick-brown-fox tokenization: %+v", fox)
	}
	if c := s.For("Once upon a time, there was a").Continuation; c == nil || c.MaxNewTokens != 70 || !strings.HasPrefix(c.Text, " very special kind of animal") {
		t.Errorf("greedy continuation: %+v", c)
	}
	if l := s.For("They had a picnic on the river bank").Top5; l == nil || len(l.Top) != 5 || l.Top[0] != (Scored{".", 0.468}) {
		t.Errorf("river bank top 5: %+v", l)
	}
	if q := s.Embeddings.Lists["king - man + woman"]; len(q) == 0 || q[0] != (Scored{" queen", 0.578}) {
		t.Errorf("king - man + woman: %v", q)
	}
	if v := s.Embeddings.Values["cos(woman - man, queen - king)"]; v != 0.292 {
		t.Errorf("cos(woman - man, queen - king) = %v, want 0.292", v)
	}
	if got := len(s.Prompts()); got != 7 {
		t.Errorf("%d prompts recorded, want 7: %q", got, s.Prompts())
	}
	if !s.For("not recorded").Empty() {
		t.Error("an unknown prompt has a recording")
	}
	if err := s.NotRecorded("x"); err == nil || !strings.Contains(err.Error(), `"The cat sat on the"`) {
		t.Errorf("NotRecorded: %v", err)
	}
}

func TestParseErrors(t *testing.T) {
	for _, tc := range []struct{ json, want string }{
		{`{"tokenization":[{"text":"a","ids":[1]}],"extra":1}`, `unknown field "extra"`},
		{`{"tokenization":[{"text":"a"}]}`, `tokenization 0 ("a")`},
		{`{"tokenization":[{"text":"a","ids":[1,2],"token_count":3}]}`, `token_count 3 but 2 ids`},
		{`{"greedy_next_token":[{"prompt":"p","next":" a","next_id":1,"continuation_starts":[" b"]}]}`, `starts with " b"`},
		{`{"top5_renormalised_over_top12":[{"prompt":"p","top":[["a",0.2],["b",0.3]]}]}`, `"b" has probability 0.3`},
		{`{"top5_renormalised_over_top12":[{"prompt":"p","top":[["a",1.2]]}]}`, `"a" has probability 1.2`},
		{`{"top5_renormalised_over_top12":[{"prompt":"p","top":[["a"]]}]}`, `[piece, number] pair`},
		{`{"embedding_cosines":{"x":[["a",1.5]]}}`, `"x": "a" has cosine 1.5`},
		{`{"embedding_cosines":{"x":2}}`, `"x": cosine 2`},
		{`{} {}`, `data after the JSON object`},
	} {
		_, err := Parse([]byte(tc.json))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Parse(%s): %v, want an error containing %q", tc.json, err, tc.want)
		}
	}
}

func FuzzParse(f *testing.F) {
	f.Add(recorded)
	f.Add([]byte(`{"top5_renormalised_over_top12":[{"prompt":"p","top":[["a",0.5]]}]}`))
	f.Add([]byte(`{"embedding_cosines":{"note":"n","x":[["a",0.5]],"y":0.1}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := Parse(data)
		if err != nil {
			return
		}
		// What parses keeps the invariants Parse promises.
		if err := s.check(); err != nil {
			t.Fatalf("Parse accepted a set that fails its checks: %v", err)
		}
		for _, p := range s.Prompts() {
			if s.For(p).Empty() {
				t.Fatalf("prompt %q listed but nothing recorded", p)
			}
		}
	})
}
