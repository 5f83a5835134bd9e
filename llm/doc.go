// Package llm is the notebook-facing API of the course: load a model, turn
// text into token ids, compute logits, turn them into probabilities, sample,
// and record generations step by step.
//
//	m := llm.MustLoad("")                  // $LLM_MODEL, else Qwen3.5-0.8B (cache or Hub), else tiny
//	ids := m.Encode("The cat sat on the")
//	logits := m.Logits(ids)                // one score per vocabulary entry
//	p := llm.Softmax(logits, 1.0)          // probabilities
//	top := m.Top(logits, 5)                // the five most likely next tokens, with pieces and probabilities
//	tr := m.MustGenerate("The cat sat on the", llm.Greedy(), llm.MaxTokens(8))
//
// Models come from the Hugging Face Hub and its shared cache (package hub),
// from a folder, or embedded in the code (package tiny). Data flows one way:
// text → tokenizer → ids → model → logits → Softmax/Sampler → token →
// Trace; packages that draw (widgets) take these plain values, and this
// package imports none of them: downloads are reported through a callback
// (Loader.Progress; plain-text lines by default, a bar with widgets.Load).
//
// Every call a notebook cell makes has a form that cannot fail or a Must
// form (MustLoad, Logits, MustRun, MustGenerate, Trace.MustBranch,
// MustFitLine). The softmax family (Softmax, LogSoftmax, Entropy, Argmax,
// Sum) takes float32 logits as the model computes them and float64 values
// typed by hand alike.
//
// Chapter 1's "two knobs" example is FitLine with NoisyLine.
package llm
