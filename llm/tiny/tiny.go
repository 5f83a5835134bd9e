// Package tiny embeds the course's default model: a small checkpoint of the
// Qwen3.5 architecture (hidden 256, 12 layers of Gated DeltaNet and gated
// attention in a 3:1 pattern, tied embeddings) with its own 4096-token
// byte-level BPE tokenizer trained on the Brown corpus. It runs through the
// same engine as the real Qwen3.5-0.8B, needs no network and no files
// outside the module, and loads without copying (see llm.Load("tiny")).
//
// The tokenizer in model/ is written by
//
//	go run ./llm/tiny/build -seed 1
//
// with an 8-layer, 128-wide config and random starting weights;
// llm/tiny/grow later added a block of four layers and then doubled the
// width, each time keeping every logit, and model.safetensors holds the
// weights that runs of `llm train` (package llm/train) fitted in between
// to the Brown corpus, public-domain novels and the State of the Union
// addresses; the last runs used dropout, and the embedded weights are the
// element-wise mean of their ends (llm/tiny/average). README.md has the
// exact commands and the measurements.
package tiny

import (
	"embed"

	"github.com/how-llms-work/course/llm/safetensors"
)

//go:embed model/config.json model/model.safetensors model/tokenizer.json model/tokenizer_config.json
var files embed.FS

func read(name string) []byte {
	b, err := files.ReadFile("model/" + name)
	if err != nil { // the go:embed line guarantees the files exist
		panic("tiny: embedded file missing: " + name)
	}
	return b
}

// Config returns the embedded config.json.
func Config() []byte { return read("config.json") }

// Weights returns the embedded model.safetensors. The slice points into the
// program's read-only data: do not modify it.
func Weights() []byte { return read("model.safetensors") }

// Tokenizer returns the embedded tokenizer.json.
func Tokenizer() []byte { return read("tokenizer.json") }

// TokenizerConfig returns the embedded tokenizer_config.json.
func TokenizerConfig() []byte { return read("tokenizer_config.json") }

// Trained reports whether the embedded weights were trained, by the
// convention of Untrained.
func Trained() bool {
	f, err := safetensors.FromBytes("tiny/model.safetensors", Weights())
	return err == nil && !Untrained(f.Metadata)
}

// Untrained reports whether safetensors metadata marks random weights: a
// "trained" field of "false", or the "synthetic" field that
// model.WriteSynthetic writes (llm synth, the build command) without
// "trained": "true". A checkpoint that a training run saves carries
// neither, so it counts as trained.
func Untrained(meta map[string]string) bool {
	if t, ok := meta["trained"]; ok {
		return t == "false"
	}
	_, synthetic := meta["synthetic"]
	return synthetic
}
