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
// # Taking llm's values
//
// Of the engine, this package imports only package llm, and it takes llm's
// values as llm produces them, never copies of them in other types:
//
//   - where a widget's input is a value llm computes, its type is llm's,
//     through a type alias: [Candidate] = llm.Candidate, [Point] =
//     llm.Point, [FitStep] = llm.FitStep; a widget built from a whole llm
//     result takes it as is: [FromTrace] (*llm.Trace), [FromPass]
//     (*llm.Pass), [FromFit], [WeightsAndActivations] (llm.Params);
//   - model numbers keep llm's float32: logits ([TopSoftmax],
//     [TopProbBars], [TopCandidates]), probabilities, an embedding row
//     ([Journey].Embedding); inputs a person types (a toy
//     [SoftmaxTable]'s Logits, knob positions, norms) are float64, which
//     llm.Softmax also accepts;
//   - the candidates a widget lists come from llm.TopCandidates, the one
//     place the course ranks next tokens.
//
// So a cell never converts: widgets.MustShow(widgets.TopSoftmax(logits, 10,
// m.Piece)) takes the logits m.Logits returned.
//
// # Calls that cannot fail
//
// A cell makes no call that returns an error. Constructors from llm values
// (FromTrace, FromPass, FromFit, WeightsAndActivations, TopSoftmax,
// TopProbBars) return the widget alone: a widget checks its data when it is
// rendered, so a problem (a NaN logit, too many rows) comes back from HTML
// and Text, and [MustShow] panics with it in the cell that showed it.
// Everything else has a Must form ([MustShow], [MustLoad], [MustParseQuiz])
// or, like [Quiz.Grade], answers in a sentence.
//
// # Loading with a progress bar
//
// Package llm draws nothing: its loader reports downloads through a
// callback (llm.Loader.Progress, plain-text lines by default). A
// notebook's first cell loads the model with [MustLoad], which is
// llm.MustLoad with a [DownloadBar]: the first download of the real model
// (about 1.7 GB) shows a bar under the cell, redrawn in place.
//
//	var m = widgets.MustLoad("") // $LLM_MODEL, else Qwen3.5-0.8B, else tiny
//
// The widgets:
//
//   - [SoftmaxTable]: z, exp(k·z), ÷Σ, p and bars with a slider; [TopSoftmax]
//     for the top-k of a real distribution with the rest of the mass.
//   - [ProbBars]: candidate bars with temperature, top-k and top-p;
//     [TopProbBars] for a real distribution.
//   - [FitPlot]: points, the line y = a·x + b with two sliders, the descent
//     trajectory to step through and the loss curve.
//   - [TraceView]: the generation loop, token strip, candidates and the
//     active pseudocode line.
//   - [Journey]: text → tokens → embeddings → layer stack → logits → token.
//   - [WeightsVsActivations]: parameter counts next to activation sizes.
//   - [Quiz]: multiple choice with feedback, written in a few lines with
//     [ParseQuiz]; [Quiz.Grade] and [Quiz.Check] score answers.
//   - [Progress]: a bar redrawn in place (notebook or terminal); the only
//     progress bar of the course ([DownloadBar] puts it on llm's downloads).
//   - [ForwardRibbon]: the forward-pass strip that opens every chapter, the
//     chapter's stages lit ([Ribbon]).
//
// [Show] displays any [Widget]; [Page] joins several into one HTML file.
package widgets
