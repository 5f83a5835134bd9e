package train

import (
	_ "embed"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
)

// Chars is a character-level vocabulary: one token per distinct character
// of a text, numbered in code-point order. It is what small training demos
// use instead of a learned tokenizer: a vocabulary of a few dozen tokens
// keeps the embedding and the output layer tiny.
type Chars struct {
	runes []rune
	index map[rune]int
}

// NewChars returns the vocabulary of the distinct characters of text.
func NewChars(text string) *Chars {
	c := &Chars{index: map[rune]int{}}
	for _, r := range text {
		if _, ok := c.index[r]; !ok {
			c.index[r] = 0
			c.runes = append(c.runes, r)
		}
	}
	slices.Sort(c.runes)
	for i, r := range c.runes {
		c.index[r] = i
	}
	return c
}

// Len is the vocabulary size.
func (c *Chars) Len() int { return len(c.runes) }

// Encode returns the token id of every character of s, or an error naming
// the first character the vocabulary does not have.
func (c *Chars) Encode(s string) ([]int, error) {
	ids := make([]int, 0, len(s))
	for i, r := range s {
		id, ok := c.index[r]
		if !ok {
			return nil, fmt.Errorf("train: character %q at byte %d is not in the %d-character vocabulary", r, i, len(c.runes))
		}
		ids = append(ids, id)
	}
	return ids, nil
}

// MustEncode is Encode for notebook cells: it panics with Encode's error.
func (c *Chars) MustEncode(s string) []int {
	ids, err := c.Encode(s)
	if err != nil {
		panic(err)
	}
	return ids
}

// Decode returns the text of ids; an id outside the vocabulary becomes
// U+FFFD.
func (c *Chars) Decode(ids []int) string {
	var b strings.Builder
	for _, id := range ids {
		if id < 0 || id >= len(c.runes) {
			b.WriteRune('\uFFFD')
			continue
		}
		b.WriteRune(c.runes[id])
	}
	return b.String()
}

// Sample continues prompt by n tokens, each drawn from the softmax of the
// last position's logits at temperature (0: always the most likely token,
// lowest id on ties) with a generator seeded by seed. The context is cut
// to the last MaxPositions tokens. It reruns the whole context for every
// token: fine for the micro models it is meant for.
func (m *Model[F]) Sample(prompt []int, n int, temperature float64, seed uint64) ([]int, error) {
	if len(prompt) == 0 {
		return nil, fmt.Errorf("train: Sample needs a prompt of at least one token")
	}
	if !(temperature >= 0) || math.IsInf(temperature, 1) {
		return nil, fmt.Errorf("train: temperature %v: want a finite value ≥ 0", temperature)
	}
	rng := rand.New(rand.NewPCG(seed, 0x5a4d))
	ids := slices.Clone(prompt)
	V := m.Cfg.Vocab
	for range n {
		ctx := ids[max(0, len(ids)-m.Cfg.MaxPositions):]
		all, err := m.Logits(ctx)
		if err != nil {
			return nil, err
		}
		ids = append(ids, pick(all[len(all)-V:], temperature, rng.Float64()))
	}
	return ids[len(prompt):], nil
}

// MustSample is Sample for notebook cells: it panics with Sample's error.
func (m *Model[F]) MustSample(prompt []int, n int, temperature float64, seed uint64) []int {
	ids, err := m.Sample(prompt, n, temperature, seed)
	if err != nil {
		panic(err)
	}
	return ids
}

// pick draws an id from softmax(logits/temperature) with the uniform
// number u in [0, 1); temperature 0 takes the argmax.
func pick[F Float](logits []F, temperature, u float64) int {
	best := 0
	for i, x := range logits {
		if x > logits[best] {
			best = i
		}
	}
	if temperature == 0 {
		return best
	}
	p := make([]float64, len(logits))
	var sum float64
	for i, x := range logits {
		p[i] = math.Exp((float64(x) - float64(logits[best])) / temperature)
		sum += p[i]
	}
	u *= sum
	for i, v := range p {
		if u < v {
			return i
		}
		u -= v
	}
	return best
}

// MustGrad is Grad for notebook cells: it panics with Grad's error.
func (m *Model[F]) MustGrad(grad []F, seqs [][]int) float64 {
	l, err := m.Grad(grad, seqs)
	if err != nil {
		panic(err)
	}
	return l
}

// MustMeanLoss is MeanLoss for notebook cells: it panics with its error.
func MustMeanLoss[F Float](m *Model[F], seqs [][]int) float64 {
	l, err := MeanLoss(m, seqs)
	if err != nil {
		panic(err)
	}
	return l
}

// Preset is a small training text with a prompt to sample from after
// training.
type Preset struct {
	Name   string
	Text   string
	Prompt string
	Source string // where the text comes from
}

//go:embed text/gettysburg.txt
var gettysburg string

// Presets returns the training texts of the notebook's training cell: the
// three toy corpora of the original course's playground (a repeated
// pattern, a repeated rhyme, a counting list) and a short public-domain
// speech.
func Presets() []Preset {
	return []Preset{
		{"pattern", strings.Repeat("abc", 40), "abc", "toy: \"abc\" repeated"},
		{"rhyme", strings.Repeat("the cat sat on the mat. ", 3), "the cat ", "toy: one line repeated 3 times"},
		{"counting", strings.Repeat("0123456789 ", 6), "012", "toy: the digits, 6 times"},
		{"gettysburg", gettysburg, "Four score", "Abraham Lincoln, the Gettysburg Address, 19 November 1863, as in the \"Bliss copy\"; public domain"},
	}
}

// MustPreset returns the preset of that name, and panics naming the
// presets there are when there is none.
func MustPreset(name string) Preset {
	var names []string
	for _, p := range Presets() {
		if p.Name == name {
			return p
		}
		names = append(names, p.Name)
	}
	panic(fmt.Sprintf("train: no preset %q (there are %s)", name, strings.Join(names, ", ")))
}

// String returns the vocabulary's characters in id order.
func (c *Chars) String() string { return string(c.runes) }
