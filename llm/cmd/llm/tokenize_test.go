package main

import (
	"bytes"
	"strings"
	"testing"
)

const tinyTokenizer = "../../tokenizer/testdata/tiny-a/tokenizer.json"

func TestTokenize(t *testing.T) {
	tests := []struct {
		args  []string
		stdin string
		want  string
	}{
		{[]string{"-tokenizer", tinyTokenizer, "Hello world!"}, "", "[39,285,75,78,276,78,81,75,67,0]\n"},
		{[]string{"-tokenizer", tinyTokenizer}, "Hello world!", "[39,285,75,78,276,78,81,75,67,0]\n"},
		{[]string{"-tokenizer", tinyTokenizer, "-special", "<|im_end|>"}, "", "[315]\n"},
		{[]string{"-tokenizer", tinyTokenizer, "<|im_end|>"}, "", "[27,91,72,76,62,259,67,91,29]\n"},
		{[]string{"-tokenizer", tinyTokenizer, "-pieces", "-special", "the <|im_end|>"}, "",
			`{"ids":[83,258,220,315],"pieces":["t","he"," ","<|im_end|>"],"tokens":["t","he","Ġ","<|im_end|>"]}` + "\n"},
		{[]string{"-tokenizer", tinyTokenizer, ""}, "", "[]\n"},
	}
	for _, tt := range tests {
		var out bytes.Buffer
		if err := tokenize(tt.args, strings.NewReader(tt.stdin), &out); err != nil {
			t.Errorf("tokenize %q: %v", tt.args, err)
			continue
		}
		if out.String() != tt.want {
			t.Errorf("tokenize %q = %q, want %q", tt.args, out.String(), tt.want)
		}
	}
	for _, args := range [][]string{{"x"}, {"-tokenizer", "no/such/tokenizer.json", "x"}, {"-bogus"}} {
		if err := tokenize(args, strings.NewReader(""), &bytes.Buffer{}); err == nil {
			t.Errorf("tokenize %q: no error", args)
		}
	}
}
