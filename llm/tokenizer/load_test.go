package tokenizer

import (
	"bytes"
	"encoding/json"
	"os"
	"reflect"
	"strings"
	"testing"
)

// TestParseErrors checks that every unsupported component is an error that
// names it, never a tokenizer with silently different ids.
func TestParseErrors(t *testing.T) {
	base := compactTinyA(t)
	// Each case replaces one fragment of the tiny-a tokenizer.json.
	tests := []struct{ old, new, want string }{
		{`"normalizer":{"type":"NFC"}`, `"normalizer":{"type":"Replace"}`, `normalizer: type "Replace" is not supported`},
		{`"normalizer":{"type":"NFC"}`, `"normalizer":{"type":"Sequence","normalizers":[{"type":"NFC"},{"type":"Lowercase"}]}`, `normalizer: Sequence[1]: type "Lowercase"`},
		{`"Regex":"(?i:`, `"Regex":"(?:`, `pre_tokenizer: Split: regex`},
		{`"behavior":"Isolated"`, `"behavior":"Removed"`, `Split: behavior "Removed"`},
		{`"use_regex":false}]}`, `"use_regex":true}]}`, `ByteLevel: use_regex true`},
		{`{"type":"Sequence","pretokenizers"`, `{"type":"Whitespace","x"`, `pre-tokenizer 0 of type "Whitespace"`},
		{`"decoder":{"type":"ByteLevel"`, `"decoder":{"type":"WordPiece"`, `decoder: type "WordPiece"`},
		{`"post_processor":{"type":"ByteLevel"`, `"post_processor":{"type":"BertProcessing"`, `post_processor: type "BertProcessing"`},
		{`"post_processor":{"type":"ByteLevel","add_prefix_space":false,"trim_offsets":false,"use_regex":false}`,
			`"post_processor":{"type":"TemplateProcessing","single":[{"SpecialToken":{"id":"<|im_start|>","type_id":0}},{"Sequence":{"id":"A","type_id":0}}]}`,
			`post_processor: TemplateProcessing that adds tokens`},
		{`"type":"BPE"`, `"type":"Unigram"`, `model: type "Unigram"`},
		{`"byte_fallback":false`, `"byte_fallback":true`, `byte_fallback true`},
		{`"dropout":null`, `"dropout":0.1`, `dropout 0.1`},
		{`"continuing_subword_prefix":""`, `"continuing_subword_prefix":"##"`, `continuing_subword_prefix "##"`},
		{`"single_word":false`, `"single_word":true`, `single_word true`},
		{`"!":0,`, ``, `"!" (byte 0x21) is missing`},
		{`"!":0,`, `"!":0,"x\u0000":400,`, `is not byte-level`},
		{`"!":0,`, `"!":0,"ĠĠĠĠĠ":0,`, `id 0 used by`},
		{`["Ġ","t"]`, `["Ġ","zz"]`, `merges: merge 0 "Ġ" "zz": token not in vocab`},
		{`["Ġ","t"]`, `"Ġ t x"`, `must be "a b"`},
	}
	for _, tt := range tests {
		src := string(base)
		if !strings.Contains(src, tt.old) {
			t.Fatalf("fragment %q not in tokenizer.json", tt.old)
		}
		_, err := Parse([]byte(strings.Replace(src, tt.old, tt.new, 1)), nil)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("replacing %q by %q: error %v, want one containing %q", tt.old, tt.new, err, tt.want)
		}
	}
	// A TemplateProcessing that adds nothing is accepted.
	noop := strings.Replace(string(base), `"post_processor":{"type":"ByteLevel","add_prefix_space":false,"trim_offsets":false,"use_regex":false}`,
		`"post_processor":{"type":"TemplateProcessing","single":[{"Sequence":{"id":"A","type_id":0}}],"pair":[]}`, 1)
	if noop == string(base) {
		t.Fatal("post_processor fragment not found")
	}
	if _, err := Parse([]byte(noop), nil); err != nil {
		t.Errorf("TemplateProcessing adding nothing: %v", err)
	}
	cfg := []struct{ cfg, want string }{
		{`{"eos_token": "<|nope|>"}`, `eos_token "<|nope|>" is not a token`},
		{`{"add_bos_token": true, "bos_token": "<|im_start|>"}`, `add_bos_token true`},
		{`{"pad_token": 3}`, `pad_token: want a token string`},
	}
	for _, c := range cfg {
		_, err := Parse(base, []byte(c.cfg))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("config %s: error %v, want one containing %q", c.cfg, err, c.want)
		}
	}
}

// compactTinyA returns the tiny-a tokenizer.json without white space.
func compactTinyA(t *testing.T) []byte {
	t.Helper()
	data, err := os.ReadFile("testdata/tiny-a/tokenizer.json")
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := json.Compact(&b, data); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestMergeForms checks both spellings of merges, "a b" and ["a", "b"].
func TestMergeForms(t *testing.T) {
	base := compactTinyA(t)
	var f map[string]any
	if err := json.Unmarshal(base, &f); err != nil {
		t.Fatal(err)
	}
	model := f["model"].(map[string]any)
	var merges []any
	for _, m := range model["merges"].([]any) {
		ab := m.([]any)
		merges = append(merges, ab[0].(string)+" "+ab[1].(string))
	}
	model["merges"] = merges
	stringForm, err := json.Marshal(f)
	if err != nil {
		t.Fatal(err)
	}
	a, err := Parse(base, nil)
	if err != nil {
		t.Fatal(err)
	}
	b, err := Parse(stringForm, nil)
	if err != nil {
		t.Fatalf("string-form merges: %v", err)
	}
	if a.merges.len() != 57 || b.merges.len() != 57 {
		t.Fatalf("merges: %d and %d, want 57", a.merges.len(), b.merges.len())
	}
	text := "The model reads a sequence of tokens."
	if x, y := a.Encode(text), b.Encode(text); len(x) != 23 || !reflect.DeepEqual(x, y) {
		t.Errorf("encodings differ: %v vs %v", x, y)
	}
}

// TestAddedTokenFlags checks lstrip, rstrip and normalized added tokens,
// which Qwen does not use but Hugging Face supports.
func TestAddedTokenFlags(t *testing.T) {
	var f map[string]any
	if err := json.Unmarshal(compactTinyA(t), &f); err != nil {
		t.Fatal(err)
	}
	f["added_tokens"] = append(f["added_tokens"].([]any),
		map[string]any{"id": 320, "content": "<L>", "lstrip": true, "special": true},
		map[string]any{"id": 321, "content": "<R>", "rstrip": true, "special": false},
		map[string]any{"id": 322, "content": "é!", "normalized": true, "special": false},
	)
	data, err := json.Marshal(f)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := Parse(data, nil)
	if err != nil {
		t.Fatal(err)
	}
	a, b := tok.Encode("a")[0], tok.Encode("b")[0]
	sp := tok.Encode(" ")[0]
	tests := []struct {
		text string
		want []int
	}{
		{"a  <L>b", []int{a, 320, b}},   // lstrip eats the spaces before
		{"a<R> \n b", []int{a, 321, b}}, // rstrip eats the white space after
		{"a <R>", []int{a, sp, 321}},    // but not before
		{"ae\u0301!", []int{a, 322}},    // matched after NFC (é)
	}
	for _, tt := range tests {
		if got := tok.Encode(tt.text); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Encode(%q) = %v, want %v", tt.text, got, tt.want)
		}
	}
	// EncodeLiteral spells out special tokens but still matches the others.
	if got := tok.EncodeLiteral("<L><R>"); len(got) < 2 || got[len(got)-1] != 321 || got[0] == 320 {
		t.Errorf("EncodeLiteral(<L><R>) = %v, want <L> spelled out then 321", got)
	}
}

// TestNoMerges checks a vocabulary of bytes only, with merges null or absent.
func TestNoMerges(t *testing.T) {
	var f map[string]any
	if err := json.Unmarshal(compactTinyA(t), &f); err != nil {
		t.Fatal(err)
	}
	model := f["model"].(map[string]any)
	for _, merges := range []any{nil, []any{}} {
		model["merges"] = merges
		data, err := json.Marshal(f)
		if err != nil {
			t.Fatal(err)
		}
		tok, err := Parse(data, nil)
		if err != nil {
			t.Fatalf("merges %v: %v", merges, err)
		}
		if got := tok.Encode("hi!"); !reflect.DeepEqual(got, []int{71, 72, 0}) {
			t.Errorf("merges %v: Encode(hi!) = %v, want one token per byte [71 72 0]", merges, got)
		}
	}
}
