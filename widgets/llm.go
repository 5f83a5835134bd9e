package widgets

import (
	"fmt"
	"os"

	"github.com/how-llms-work/course/llm"
)

// This file adapts the values of package llm (models loading, traces,
// passes, fits, parameter counts) to the widgets, so a notebook cell is one
// line: widgets.MustShow(widgets.FromTrace(tr)). Data flows one way:
// widgets reads llm's results, llm never imports widgets.

// Load is llm.Load with a progress bar for downloads (a DownloadBar on
// stderr): in a notebook the bar is redrawn in place under the cell, on a
// terminal on one line. Loading the real model for the first time
// downloads about 1.7 GB; afterwards it comes from the cache, with no bar.
func Load(ref string) (*llm.Model, error) {
	l := llm.NewLoader()
	l.Progress = DownloadBar(os.Stderr)
	return l.Load(ref)
}

// MustLoad is Load for notebook cells: it panics with Load's error.
//
//	var m = widgets.MustLoad("") // $LLM_MODEL, else Qwen3.5-0.8B, else tiny
func MustLoad(ref string) *llm.Model {
	m, err := Load(ref)
	if err != nil {
		panic(err)
	}
	return m
}

// FromTrace shows a generation trace: the prompt's pieces, and for every
// step the candidates with their probabilities (temperature 1, the model's
// own belief, and under the sampler's settings) and the token the loop
// appended.
func FromTrace(tr *llm.Trace) TraceView {
	tv := TraceView{Title: fmt.Sprintf("Generation loop · %s · %s", tr.Model, tr.Settings.Sampler), Prompt: tr.PromptPieces}
	for _, st := range tr.Steps {
		tv.Steps = append(tv.Steps, TraceStep{
			Candidates: st.Candidates,
			Chosen:     Candidate{ID: st.ID, Piece: st.Piece, Prob: st.Prob, PSamp: st.PSamp},
			Forced:     st.Forced,
		})
	}
	return tv
}

// FromFit shows a line fit: the points and the gradient-descent trajectory
// of llm.FitLine.
func FromFit(points []llm.Point, steps []llm.FitStep) FitPlot {
	return FitPlot{Title: "Two knobs: fitting y = a·x + b by gradient descent", Points: points, Steps: steps}
}

// FromPass shows one forward pass as the six-stage journey of its last
// token, choosing the most likely next token (greedy). name says which
// model computed it.
func FromPass(p *llm.Pass, name string) Journey {
	j := Journey{
		Title:     "Follow one token's journey · " + name,
		Prompt:    p.Prompt,
		Tokens:    p.Pieces,
		IDs:       p.IDs,
		Embedding: p.Embedding,
		VocabSize: len(p.Logits),
		Top:       p.Top,
	}
	norms := p.LayerNorms()
	for i, l := range p.Capture.Layers {
		kind := "deltanet"
		if l.Type == llm.FullAttention {
			kind = "full attention"
		}
		j.Layers = append(j.Layers, Layer{Kind: kind, Norm: norms[i]})
	}
	if len(j.Top) > 0 {
		j.Chosen = j.Top[0]
	}
	return j
}

// WeightsAndActivations puts a model's parameter counts by component next
// to the activations of one forward pass.
func WeightsAndActivations(params llm.Params, p *llm.Pass) WeightsVsActivations {
	w := WeightsVsActivations{Title: "Weights vs activations", Tokens: len(p.IDs)}
	for _, c := range []Count{
		{Name: "embedding (also the LM head when tied)", N: params.Embedding},
		{Name: "separate LM head", N: params.LMHead},
		{Name: "Gated DeltaNet mixers", N: params.DeltaNet},
		{Name: "full-attention mixers", N: params.Attention},
		{Name: "MLPs", N: params.MLP},
		{Name: "norms", N: params.Norms},
	} {
		if c.N > 0 {
			w.Weights = append(w.Weights, c)
		}
	}
	for _, a := range p.Activations() {
		w.Activations = append(w.Activations, Count{Name: a.Name, Shape: a.Shape})
	}
	return w
}
