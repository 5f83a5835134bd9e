// Package llm is the notebook-facing API of the course: load a model, turn
// text into token ids, compute logits, turn them into probabilities, sample,
// and record generations step by step.
//
//	m := llm.MustLoad("")                  // $LLM_MODEL, else Qwen3.5-0.8B (cache or Hub), else tiny
//	ids := m.Encode("The cat sat on the")
//	logits := m.Logits(ids)                // one score per vocabulary entry
//	p := llm.Softmax(logits, 1.0)          // probabilities
//	top := llm.TopK(p, 5)                  // the five most likely next tokens
//	tr := m.MustGenerate("The cat sat on the", llm.Greedy(), llm.MaxTokens(8))
//
// Models come from the Hugging Face Hub and its shared cache (package hub),
// from a folder, or embedded in the code (package tiny). Data flows one way:
// text → tokenizer → ids → model → logits → Softmax/Sampler → token →
// Trace; packages that draw (widgets) take these plain values, and this
// package imports none of them.
//
// Chapter 1's "two knobs" example is FitLine with NoisyLine.
package llm
