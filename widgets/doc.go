// Package widgets draws the course's interactive views as notebook
// outputs: a softmax table with a sharpen ↔ flatten slider, next-token
// probability bars with sampling knobs, a two-knob line fit with its
// gradient-descent trajectory, the generation loop with highlighted
// pseudocode, the six-stage journey of one token, weights next to
// activations, a quiz and a progress bar.
//
// Every widget is one self-contained HTML fragment: inline SVG, one small
// stylesheet and a little inline JavaScript working on data embedded in the
// output. Nothing is loaded from the network and nothing waits for the
// kernel, so the same output works in JupyterLab, classic Notebook, exported
// HTML and headless runs. The static HTML already shows every number (the
// script only adds interactivity), so an untrusted or sanitized output still
// reads correctly. Element ids are random per rendering, so any number of
// widgets share a page.
//
// Widgets take plain data (slices and small structs), never a model, so
// they are testable anywhere:
//
//	t := widgets.SoftmaxTable{Tokens: []string{" cat", " dog"}, Logits: []float64{2.4, 1.6}}
//	widgets.MustShow(t) // HTML in GoNB, a plain table elsewhere
//	h, err := t.HTML()  // the fragment itself
//
// The widgets:
//
//   - [SoftmaxTable]: z, exp(k·z), ÷Σ, p and bars with a slider; [TopSoftmax]
//     for the top-k of a real distribution with the rest of the mass.
//   - [ProbBars]: candidate bars with temperature, top-k and top-p.
//   - [FitPlot]: points, the line y = a·x + b with two sliders, the descent
//     trajectory to step through and the loss curve.
//   - [TraceView]: the generation loop, token strip, candidates and the
//     active pseudocode line.
//   - [Journey]: text → tokens → embeddings → layer stack → logits → token.
//   - [WeightsVsActivations]: parameter counts next to activation sizes.
//   - [Quiz]: multiple choice with feedback; [Quiz.Check] verifies answers.
//   - [Progress]: a bar redrawn in place (notebook or terminal).
//   - [ForwardRibbon]: the forward-pass strip that opens every chapter, the
//     chapter's stages lit ([Ribbon]).
//
// [Show] displays any [Widget]; [Page] joins several into one HTML file.
package widgets
