// Tests of the Tokenizer API beyond encoding: chat, streaming, literal
// encoding, traces, display, concurrency.

package tokenizer

import (
	"reflect"
	"strings"
	"testing"
)

func tinyA(t testing.TB) *Tokenizer {
	t.Helper()
	tok, err := Load("testdata/tiny-a/tokenizer.json")
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// Expected ids in this file come from transformers.js (@lenml/tokenizers
// 3.7.2) with the same Qwen3 tokenizer.json.

func TestQwen3Chat(t *testing.T) {
	tok, _ := qwen3(t)
	msgs := []Message{{"system", "You are helpful."}, {"user", "Hi there"}}
	text := tok.Chat(msgs, ChatOptions{GenerationPrompt: true})
	want := "<|im_start|>system\nYou are helpful.<|im_end|>\n<|im_start|>user\nHi there<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n"
	if text != want {
		t.Errorf("Chat = %q, want %q", text, want)
	}
	wantIDs := []int{151644, 8948, 198, 2610, 525, 10950, 13, 151645, 198, 151644, 872, 198, 13048, 1052, 151645, 198, 151644, 77091, 198, 151667, 271, 151668, 271}
	if ids := tok.EncodeChat(msgs, ChatOptions{GenerationPrompt: true}); !reflect.DeepEqual(ids, wantIDs) {
		t.Errorf("EncodeChat = %v, want %v", ids, wantIDs)
	}
	ids := tok.EncodeChat([]Message{{"user", "Hi"}}, ChatOptions{GenerationPrompt: true, Thinking: true})
	if want := []int{151644, 872, 198, 13048, 151645, 198, 151644, 77091, 198, 151667, 198}; !reflect.DeepEqual(ids, want) {
		t.Errorf("EncodeChat thinking = %v, want %v", ids, want)
	}
}

func TestChatWithoutThink(t *testing.T) {
	tok := tinyA(t)
	got := tok.Chat([]Message{{"user", "Hi"}}, ChatOptions{GenerationPrompt: true})
	if want := "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n"; got != want {
		t.Errorf("Chat = %q, want %q (tiny-a has no <think> token)", got, want)
	}
}

func TestQwen3Stream(t *testing.T) {
	tok, _ := qwen3(t)
	ids := tok.Encode("I love 🎉 party")
	if want := []int{40, 2948, 11162, 236, 231, 4614}; !reflect.DeepEqual(ids, want) {
		t.Fatalf("Encode = %v, want %v", ids, want)
	}
	if got := tok.Pieces(ids); !reflect.DeepEqual(got, []string{"I", " love", " <0xF0><0x9F>", "<0x8E>", "<0x89>", " party"}) {
		t.Errorf("Pieces = %q", got)
	}
	d := tok.NewStreamDecoder()
	var got []string
	for _, id := range ids {
		got = append(got, d.Add(id))
	}
	want := []string{"I", " love", " ", "", "🎉", " party"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("stream = %q, want %q", got, want)
	}
	// An unfinished character is flushed as U+FFFD.
	d.Add(11162)
	if d.Pending() != 2 {
		t.Errorf("Pending = %d, want 2", d.Pending())
	}
	if got := d.Flush(); got != "\uFFFD" {
		t.Errorf("Flush = %q, want U+FFFD", got)
	}
}

func TestQwen3Literal(t *testing.T) {
	tok, _ := qwen3(t)
	ids := tok.EncodeLiteral("<|im_start|><think>")
	if len(ids) < 3 || ids[len(ids)-1] != 151667 {
		t.Errorf("EncodeLiteral = %v: want <|im_start|> spelled out and <think> (151667, not special) as one token", ids)
	}
	for _, id := range ids {
		if tok.IsSpecial(id) {
			t.Errorf("EncodeLiteral gave special token %d", id)
		}
	}
	if got := tok.Decode(ids); got != "<|im_start|><think>" {
		t.Errorf("Decode = %q", got)
	}
}

func TestQwen3Trace(t *testing.T) {
	tok, _ := qwen3(t)
	steps := tok.Trace(" tokenization")
	if len(steps) != 12 {
		t.Fatalf("%d steps, want 12 (13 bytes, 2 tokens)", len(steps))
	}
	if first := steps[0]; len(first.IDs) != 13 || first.Rank != -1 {
		t.Errorf("first step %+v, want 13 byte tokens", first)
	}
	last := steps[len(steps)-1]
	if !reflect.DeepEqual(last.IDs, []int{3950, 2022}) {
		t.Errorf("last step %v, want [3950 2022]", last.IDs)
	}
	for i := 1; i < len(steps); i++ {
		s := steps[i]
		if len(s.IDs) != len(steps[i-1].IDs)-1 || s.At < 0 || s.At >= len(s.IDs) {
			t.Errorf("step %d %+v does not merge exactly one pair", i, s)
		}
		if got := strings.Join(tok.Pieces(s.IDs), ""); got != " tokenization" {
			t.Errorf("step %d spells %q", i, got)
		}
	}
}

func TestDecodeReplacement(t *testing.T) {
	tok := tinyA(t)
	// Bytes E2 82 (an unfinished 3-byte character) then 'A': one U+FFFD for
	// the maximal ill-formed subpart, as Python and Rust decode.
	ids := []int{int(tok.byteID[0xE2]), int(tok.byteID[0x82]), int(tok.byteID['A'])}
	if got := tok.Decode(ids); got != "\uFFFDA" {
		t.Errorf("Decode = %q, want \"\\uFFFDA\"", got)
	}
	if got := tok.Piece(ids[0]); got != "<0xE2>" {
		t.Errorf("Piece = %q, want <0xE2>", got)
	}
	if got := tok.Piece(100000); got != "<invalid:100000>" {
		t.Errorf("Piece(100000) = %q", got)
	}
	// Encode replaces ill-formed input first.
	if got := tok.Decode(tok.Encode("a\xffb")); got != "a\uFFFDb" {
		t.Errorf("round trip of ill-formed input = %q", got)
	}
}

// TestConcurrent encodes from several goroutines (run with -race).
func TestConcurrent(t *testing.T) {
	tok := tinyA(t)
	want := tok.Encode("The model reads a sequence of tokens.")
	done := make(chan []int)
	for i := 0; i < 4; i++ {
		go func() {
			_, _ = tok.ID("Ġm")
			done <- tok.Encode("The model reads a sequence of tokens.")
		}()
	}
	for i := 0; i < 4; i++ {
		if got := <-done; !reflect.DeepEqual(got, want) {
			t.Errorf("concurrent Encode = %v, want %v", got, want)
		}
	}
}

func TestPreTokens(t *testing.T) {
	tok := tinyA(t)
	got := tok.PreTokens("<|im_start|>user\nI'LL pay $42  now!<|im_end|>")
	want := []string{"<|im_start|>", "user", "\n", "I", "'LL", " pay", " $", "4", "2", " ", " now", "!", "<|im_end|>"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("PreTokens = %q, want %q", got, want)
	}
}

func TestID(t *testing.T) {
	tok := tinyA(t)
	for _, tt := range []struct {
		token string
		want  int
		ok    bool
	}{
		{"<|im_end|>", 315, true}, {"Ġm", 278, true}, {" m", 278, true}, {"he", 258, true}, {"\n", 198, true}, {"zebra", 0, false},
	} {
		if id, ok := tok.ID(tt.token); id != tt.want || ok != tt.ok {
			t.Errorf("ID(%q) = %d, %v; want %d, %v", tt.token, id, ok, tt.want, tt.ok)
		}
	}
}

func TestLoadDirectory(t *testing.T) {
	tok, err := Load("testdata/tiny-a")
	if err != nil {
		t.Fatal(err)
	}
	if got := tok.EOS(); !reflect.DeepEqual(got, []int{315, 313}) {
		t.Errorf("EOS = %v: tokenizer_config.json not read", got)
	}
	if _, err := Load("testdata"); err == nil || !strings.Contains(err.Error(), "testdata/tokenizer.json") {
		t.Errorf("Load of a directory without tokenizer.json: %v", err)
	}
}
