package train

import "fmt"

// Sampled is a sample the playground drew after some steps.
type Sampled struct {
	Step int     // optimiser steps taken when it was drawn (0: untrained)
	Loss float64 // training loss of the last step (0 before training)
	Text string  // the prompt's continuation
}

// Play is one run of the training playground: a fresh micro model trained
// on the characters of a preset, with samples drawn from the preset's
// prompt before training and every few steps.
type Play struct {
	Preset  Preset
	Chars   *Chars
	Trainer *Trainer[float32]
	Samples []Sampled
}

// Playground settings: sample length and temperature, as in the original
// course's playground (24 characters at temperature 0.5).
const (
	PlaySampleLen   = 24
	PlayTemperature = 0.5
)

// NewPlay trains a fresh micro model (train.Micro over the preset's
// characters, initial weights seeded by o.Seed) for o.Steps steps on the
// preset's text. It samples PlaySampleLen characters from the prompt at
// PlayTemperature before training and every `every` steps (every ≤ 0:
// before and after only), and calls log (if not nil) after every step.
func NewPlay(p Preset, o Options, every int, log func(Record)) (*Play, error) {
	chars := NewChars(p.Text)
	data, err := chars.Encode(p.Text)
	if err != nil {
		return nil, err
	}
	prompt, err := chars.Encode(p.Prompt)
	if err != nil {
		return nil, fmt.Errorf("train: preset %s: prompt: %w", p.Name, err)
	}
	tr, err := NewMicro(data, chars.Len(), o)
	if err != nil {
		return nil, fmt.Errorf("train: preset %s: %w", p.Name, err)
	}
	play := &Play{Preset: p, Chars: chars, Trainer: tr}
	sample := func() error {
		ids, err := tr.Model.Sample(prompt, PlaySampleLen, PlayTemperature, o.Seed)
		if err != nil {
			return err
		}
		s := Sampled{Step: len(tr.History), Text: chars.Decode(ids)}
		if s.Step > 0 {
			s.Loss = tr.History[s.Step-1].Loss
		}
		play.Samples = append(play.Samples, s)
		return nil
	}
	if err := sample(); err != nil {
		return nil, err
	}
	for len(tr.History) < o.Steps {
		r, err := tr.Step()
		if err != nil {
			return nil, err
		}
		if log != nil {
			log(r)
		}
		if (every > 0 && r.Step%every == 0) || r.Step == o.Steps {
			if err := sample(); err != nil {
				return nil, err
			}
		}
	}
	return play, nil
}

// MustPlay is NewPlay for notebook cells: it panics with NewPlay's error.
func MustPlay(p Preset, o Options, every int, log func(Record)) *Play {
	play, err := NewPlay(p, o, every, log)
	if err != nil {
		panic(err)
	}
	return play
}

// Curve is the training loss of every step.
func (p *Play) Curve() []float64 { return p.Trainer.Curve() }

// String says when the sample was drawn: "after 50 steps (loss 2.65)", or
// "untrained".
func (s Sampled) String() string {
	if s.Step == 0 {
		return "untrained"
	}
	return fmt.Sprintf("after %d steps (loss %.2f)", s.Step, s.Loss)
}
