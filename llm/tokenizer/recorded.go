package tokenizer

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

//go:embed testdata/qwen35-reference-ids.json
var qwen35Reference []byte

// Recorded is a text and the ids the real Qwen3.5 tokenizer gives it, as
// recorded by Hugging Face tokenizers (testdata/qwen35-reference-ids.json,
// which says where each case comes from).
type Recorded struct {
	Name   string // the case's name, e.g. "ascii_basic", "cjk_mixed"
	Text   string
	IDs    []int
	Source string
}

// Qwen35Recorded returns the recorded encodings of the Qwen3.5 tokenizer:
// varied text (English, code, JSON, CJK, Arabic, emoji, white space, chat
// markup) and every added token. They let a notebook show the real
// tokenizer's numbers next to those of the model it loaded.
func Qwen35Recorded() ([]Recorded, error) {
	var f struct {
		Cases []struct {
			Name   string `json:"name"`
			Text   string `json:"text"`
			IDs    []int  `json:"ids"`
			Source string `json:"source"`
		} `json:"cases"`
	}
	if err := json.Unmarshal(qwen35Reference, &f); err != nil {
		return nil, fmt.Errorf("tokenizer: qwen35-reference-ids.json: %w", err)
	}
	out := make([]Recorded, len(f.Cases))
	for i, c := range f.Cases {
		out[i] = Recorded{Name: c.Name, Text: c.Text, IDs: c.IDs, Source: c.Source}
	}
	return out, nil
}

// Qwen35Case returns the recorded case of that name.
func Qwen35Case(name string) (Recorded, error) {
	cases, err := Qwen35Recorded()
	if err != nil {
		return Recorded{}, err
	}
	for _, c := range cases {
		if c.Name == name {
			return c, nil
		}
	}
	return Recorded{}, fmt.Errorf("tokenizer: no recorded Qwen3.5 case %q", name)
}

// IsQwen35 reports whether t is the real Qwen3.5 tokenizer: it must encode
// every case recorded by Hugging Face tokenizers (text of every kind and all
// 33 added tokens; the two cases of lower confidence are left out) to the
// recorded ids. A tokenizer of another model, or one trained to the same
// vocabulary size, fails on the first case or so.
func (t *Tokenizer) IsQwen35() bool {
	cases, err := Qwen35Recorded()
	if err != nil || len(t.tokens) < 248077 {
		return false
	}
	for _, c := range cases {
		if !strings.Contains(c.Source, "golden file") {
			continue
		}
		if !slices.Equal(t.Encode(c.Text), c.IDs) {
			return false
		}
	}
	return true
}
