package llm

import "github.com/how-llms-work/course/llm/tokenizer"

// The tokenizer's types that cells and widgets take, under the llm name, so
// that widgets depend on package llm alone (chapter 2's views).
type (
	// Tokenizer is a loaded byte-level BPE tokenizer (Model.Tok).
	Tokenizer = tokenizer.Tokenizer
	// TrainedTokenizer is a tokenizer trained from text, with its merge counts.
	TrainedTokenizer = tokenizer.Trained
	// VocabCensus counts a vocabulary's entries by length and script.
	VocabCensus = tokenizer.Census
	// TextSample is a named piece of text of one kind (prose, code, …).
	TextSample = tokenizer.Sample
)
