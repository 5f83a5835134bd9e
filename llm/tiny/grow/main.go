// Command grow deepens or widens a trained checkpoint of the Qwen3.5 layout
// without changing what it computes.
//
// Deepening adds whole blocks of the layer pattern: each new
// block is a copy of the last one with its output projections
// (self_attn.o_proj, linear_attn.out_proj, mlp.down_proj) set to zero, so
// every new layer adds nothing to the residual stream until training moves
// those weights. The tiny model was grown this way from (linear ×3, full) × 2
// to × 3 before its second training run (see llm/tiny/README.md):
//
//	go run ./llm/tiny/grow -from llm/tiny/model -out /tmp/tiny-grown -blocks 1
//
// Widening multiplies the hidden size by a whole factor (see widen.go for
// how each tensor changes) and writes F32 weights, a starting point for
// `llm train -init`:
//
//	go run ./llm/tiny/grow -from llm/tiny/model -out /tmp/tiny-wide -blocks 0 -widen 2
//
// A wider MLP (-mlp N, see mlp.go) gives every layer's MLP N units, the
// new ones adding zero until trained, and also writes F32 weights:
//
//	go run ./llm/tiny/grow -from llm/tiny/model -out /tmp/tiny-mlp512 -blocks 0 -mlp 512
//
// A new vocabulary (-tokenizer, see vocab.go) keeps the layers and rebuilds
// the embedding for another tokenizer from the rows of the old one, the
// checkpoint's tokenizer.json:
//
//	go run ./llm/tiny/grow -from llm/tiny/model -out /tmp/tiny-5c8k -blocks 0 -tokenizer /tmp/tok8k/tokenizer.json
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/how-llms-work/course/llm/atomicfile"
	"github.com/how-llms-work/course/llm/model"
	"github.com/how-llms-work/course/llm/safetensors"
	"github.com/how-llms-work/course/llm/tokenizer"
)

func main() {
	from := flag.String("from", filepath.Join("llm", "tiny", "model"), "checkpoint folder to read (config.json, model.safetensors)")
	out := flag.String("out", "", "folder to write the grown config.json and model.safetensors")
	var o options
	flag.IntVar(&o.blocks, "blocks", 1, "blocks of the layer pattern to add")
	flag.IntVar(&o.widen, "widen", 1, "multiply the hidden size by this whole factor")
	flag.Float64Var(&o.noise, "noise", 0.5, "with -widen: standard deviation of the terms that tell the copies apart, relative to each matrix's root mean square")
	flag.Uint64Var(&o.seed, "seed", 1, "with -widen or -mlp: seed of the random terms or rows")
	flag.IntVar(&o.mlp, "mlp", 0, "give every layer's MLP this many units (0: unchanged); the new ones add zero until trained")
	flag.StringVar(&o.tokenizer, "tokenizer", "", "a new tokenizer.json: rebuild the embedding for its vocabulary from the rows of the checkpoint's own tokenizer.json (written to -out as tokenizer.json, with the tokenizer_config.json beside it)")
	flag.Parse()
	if *out == "" {
		fmt.Fprintln(os.Stderr, "usage: grow -from DIR -out DIR [-blocks N] [-widen K [-noise S]] [-mlp N] [-seed N] [-tokenizer FILE]")
		os.Exit(2)
	}
	if err := grow(*from, *out, o); err != nil {
		fmt.Fprintln(os.Stderr, "grow:", err)
		os.Exit(1)
	}
}

// Prefix is the tensor-name prefix of the text model's layers.
const prefix = "model.language_model.layers."

// zeroed names the output projections that make a copied layer an identity.
var zeroed = []string{"self_attn.o_proj.weight", "linear_attn.out_proj.weight", "mlp.down_proj.weight"}

// period returns the length of the repeating unit of the layer types: the
// position of the first full-attention layer plus one.
func period(types []model.LayerType) (int, error) {
	for i, t := range types {
		if t == model.FullAttention {
			p := i + 1
			if len(types)%p != 0 {
				return 0, fmt.Errorf("%d layers are not whole blocks of %d", len(types), p)
			}
			for j := range types {
				if types[j] != types[j%p] {
					return 0, fmt.Errorf("layer %d is %s, breaking the pattern of %d", j, types[j], p)
				}
			}
			return p, nil
		}
	}
	return 0, fmt.Errorf("no full-attention layer")
}

// options says how to grow a checkpoint.
type options struct {
	blocks int     // blocks of the layer pattern to add
	widen  int     // factor of the hidden size (1: unchanged)
	noise  float64 // widen's random terms, relative to each matrix's RMS
	seed   uint64  // seed of those terms and of -mlp's rows
	mlp    int     // MLP units (0: unchanged)
	// tokenizer is the path of a new tokenizer.json ("": keep the vocabulary).
	tokenizer string
}

func grow(from, out string, o options) error {
	blocks := o.blocks
	switch {
	case blocks < 0:
		return fmt.Errorf("-blocks %d: want 0 or more", blocks)
	case o.widen < 1:
		return fmt.Errorf("-widen %d: want 1 or more", o.widen)
	case o.mlp < 0:
		return fmt.Errorf("-mlp %d: want 0 (unchanged) or more units", o.mlp)
	case blocks == 0 && o.widen == 1 && o.mlp == 0 && o.tokenizer == "":
		return fmt.Errorf("-blocks 0, -widen 1, no -mlp and no -tokenizer: nothing to grow")
	}
	cfg, err := model.LoadConfig(filepath.Join(from, "config.json"))
	if err != nil {
		return err
	}
	var oldTok, newTok *tokenizer.Tokenizer
	if o.tokenizer != "" {
		if oldTok, err = tokenizer.Load(filepath.Join(from, "tokenizer.json")); err != nil {
			return err
		}
		if newTok, err = tokenizer.Load(o.tokenizer); err != nil {
			return err
		}
		if cfg.Vocab != oldTok.VocabSize() {
			return fmt.Errorf("%s: vocab_size %d, but its tokenizer.json has %d tokens", from, cfg.Vocab, oldTok.VocabSize())
		}
		for i, id := range cfg.EOS {
			nid, ok := newTok.ID(oldTok.Token(id))
			if !ok {
				return fmt.Errorf("%s: eos token %q is not in %s", from, oldTok.Token(id), o.tokenizer)
			}
			cfg.EOS[i] = nid
		}
		cfg.Vocab = newTok.VocabSize()
	}
	p, err := period(cfg.LayerTypes)
	if err != nil {
		return fmt.Errorf("%s: %w", from, err)
	}
	old := cfg.Layers
	for b := 0; b < blocks; b++ {
		cfg.LayerTypes = append(cfg.LayerTypes, cfg.LayerTypes[:p]...)
	}
	cfg.Layers = len(cfg.LayerTypes)
	hidden, units := cfg.Hidden, cfg.Intermediate
	cfg.Hidden *= o.widen
	if o.mlp != 0 {
		cfg.Intermediate = o.mlp
	}
	if err := cfg.Validate(); err != nil {
		return err
	}
	src, err := safetensors.Open(filepath.Join(from, "model.safetensors"))
	if err != nil {
		return err
	}
	defer src.Close()
	var tensors []*safetensors.Tensor
	for _, t := range src.Tensors() {
		tensors = append(tensors, t)
		rest, ok := strings.CutPrefix(t.Name, prefix)
		if !ok {
			continue
		}
		num, field, ok := strings.Cut(rest, ".")
		layer, err := strconv.Atoi(num)
		if !ok || err != nil || layer < old-p { // only the last block is copied
			continue
		}
		for b := 1; b <= blocks; b++ {
			c := &safetensors.Tensor{Name: prefix + strconv.Itoa(layer+b*p) + "." + field, DType: t.DType, Shape: t.Shape, Data: append([]byte(nil), t.Data...)}
			for _, z := range zeroed {
				if field == z {
					clear(c.Data)
				}
			}
			tensors = append(tensors, c)
		}
	}
	if o.widen > 1 {
		if tensors, err = widen(tensors, hidden, o.widen, o.noise, o.seed); err != nil {
			return fmt.Errorf("%s: %w", from, err)
		}
	}
	if o.mlp != 0 {
		if tensors, err = widenMLP(tensors, units, o.mlp, o.seed); err != nil {
			return fmt.Errorf("%s: %w", from, err)
		}
	}
	kept := 0
	if newTok != nil {
		if tensors, kept, err = revocab(tensors, oldTok, newTok); err != nil {
			return fmt.Errorf("%s: %w", from, err)
		}
	}
	cj, err := cfg.MarshalJSON()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	meta := map[string]string{}
	for k, v := range src.Metadata {
		meta[k] = v
	}
	meta["grown_from_layers"] = strconv.Itoa(old)
	if o.widen > 1 {
		meta["widened_from_hidden"] = strconv.Itoa(hidden)
	}
	if o.mlp != 0 {
		meta["mlp_widened_from"] = strconv.Itoa(units)
	}
	if err := atomicfile.WriteFile(filepath.Join(out, "config.json"), append(cj, '\n'), 0o644); err != nil {
		return err
	}
	if newTok != nil {
		meta["vocabulary_from"] = strconv.Itoa(oldTok.VocabSize())
		if err := tokenizer.CopyFiles(o.tokenizer, out); err != nil {
			return err
		}
	}
	if err := atomicfile.Write(filepath.Join(out, "model.safetensors"), 0o644, func(w io.Writer) error { return safetensors.Write(w, tensors, meta) }); err != nil {
		return err
	}
	var done []string
	if blocks > 0 {
		done = append(done, fmt.Sprintf("%d → %d layers (%d new block(s) of %d, copied from the last with zero output projections)", old, cfg.Layers, blocks, p))
	}
	if o.widen > 1 {
		done = append(done, fmt.Sprintf("hidden size %d → %d (F32 weights)", hidden, cfg.Hidden))
	}
	if o.mlp != 0 {
		done = append(done, fmt.Sprintf("MLP %d → %d units (F32 weights)", units, o.mlp))
	}
	if newTok != nil {
		done = append(done, fmt.Sprintf("vocabulary %d → %d (%d rows kept, %d averaged from their pieces)", oldTok.VocabSize(), cfg.Vocab, kept, cfg.Vocab-kept))
	}
	fmt.Printf("wrote %s: %s\n", out, strings.Join(done, ", "))
	return nil
}
