package widgets

import (
	"fmt"

	"github.com/how-llms-work/course/llm"
	"github.com/how-llms-work/course/llm/model"
)

// This file adapts the plain data of package llm (traces, passes, fits,
// parameter counts) to the widgets' own input types, so a notebook cell is
// one line: widgets.MustShow(widgets.FromTrace(tr)). Data flows one way:
// widgets reads llm's results, llm never imports widgets.

// FromTrace shows a generation trace: the prompt's pieces, and for every
// step the candidates with their probabilities (temperature 1, the model's
// own belief) and the token the loop appended.
func FromTrace(tr *llm.Trace) TraceView {
	tv := TraceView{Title: fmt.Sprintf("Generation loop · %s · %s", tr.Model, tr.Settings.Sampler), Prompt: tr.PromptPieces}
	for _, st := range tr.Steps {
		ws := TraceStep{Chosen: Candidate{ID: st.ID, Piece: st.Piece, Prob: float64(st.Prob)}}
		for _, c := range st.Candidates {
			ws.Candidates = append(ws.Candidates, fromCandidate(c))
		}
		tv.Steps = append(tv.Steps, ws)
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
		Embedding: Float64s(p.Embedding),
		VocabSize: len(p.Logits),
	}
	norms := p.LayerNorms()
	for i, l := range p.Capture.Layers {
		kind := "deltanet"
		if l.Type == model.FullAttention {
			kind = "full attention"
		}
		j.Layers = append(j.Layers, Layer{Kind: kind, Norm: norms[i]})
	}
	for _, c := range p.Top {
		j.Top = append(j.Top, fromCandidate(c))
	}
	if len(j.Top) > 0 {
		j.Chosen = j.Top[0]
	}
	return j
}

// WeightsAndActivations puts a model's parameter counts by component next
// to the activations of one forward pass.
func WeightsAndActivations(params model.Params, p *llm.Pass) WeightsVsActivations {
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

func fromCandidate(c llm.Candidate) Candidate {
	return Candidate{ID: c.ID, Piece: c.Piece, Logit: float64(c.Logit), Prob: float64(c.Prob)}
}
