package tokenizer

import "strings"

// Message is one turn of a conversation.
type Message struct {
	Role    string // "system", "user" or "assistant"
	Content string
}

// ChatOptions configures [Tokenizer.Chat].
type ChatOptions struct {
	// GenerationPrompt ends the text with "<|im_start|>assistant\n", the
	// start of the reply the model is to write.
	GenerationPrompt bool
	// Thinking, with GenerationPrompt and a tokenizer that has <think>,
	// opens a thinking block ("<think>\n") for the model to reason in; when
	// false the block is given empty ("<think>\n\n</think>\n\n") so that the
	// model answers directly (Qwen's enable_thinking=false).
	Thinking bool
}

// Chat renders messages in ChatML, the chat format of Qwen (doc §12.7):
//
//	<|im_start|>system\n{system}<|im_end|>\n
//	<|im_start|>user\n{text}<|im_end|>\n
//	<|im_start|>assistant\n
//
// This covers the basics of Qwen's chat template (roles and the generation
// prompt with thinking on or off), not tools or images.
func (t *Tokenizer) Chat(msgs []Message, opts ChatOptions) string {
	var b strings.Builder
	for _, m := range msgs {
		b.WriteString("<|im_start|>")
		b.WriteString(m.Role)
		b.WriteString("\n")
		b.WriteString(m.Content)
		b.WriteString("<|im_end|>\n")
	}
	if opts.GenerationPrompt {
		b.WriteString("<|im_start|>assistant\n")
		if _, ok := t.addedIDs["<think>"]; ok {
			if opts.Thinking {
				b.WriteString("<think>\n")
			} else {
				b.WriteString("<think>\n\n</think>\n\n")
			}
		}
	}
	return b.String()
}

// EncodeChat returns the ids of [Tokenizer.Chat]. As in Hugging Face's
// apply_chat_template, the whole text is encoded with added tokens
// recognised, so special-token text inside a message becomes that token.
func (t *Tokenizer) EncodeChat(msgs []Message, opts ChatOptions) []int {
	return t.Encode(t.Chat(msgs, opts))
}
