// Package tiny embeds the course's default model: a small checkpoint of the
// Qwen3.5 architecture (hidden 128, 8 layers of Gated DeltaNet and gated
// attention in a 3:1 pattern, tied embeddings) with its own 4096-token
// byte-level BPE tokenizer trained on the Brown corpus. It runs through the
// same engine as the real Qwen3.5-0.8B, needs no network and no files
// outside the module, and loads without copying (see llm.Load("tiny")).
//
// The files live in model/ and are written by
//
//	go run ./llm/tiny/build -seed 1
//
// Until a training run replaces model.safetensors, the weights are random:
// Trained reports whether they are.
package tiny

import (
	"embed"
	"encoding/binary"
	"encoding/json"
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

// Trained reports whether the embedded weights were trained: only a
// safetensors metadata field "trained": "false" marks them untrained, as
// the build command does for its random weights; a checkpoint a training
// run saves (without the field, or with "trained": "true") counts as
// trained.
func Trained() bool { return trained(Weights()) }

// trained reads the "trained" field of a safetensors header.
func trained(w []byte) bool {
	if len(w) < 8 {
		return false
	}
	n := binary.LittleEndian.Uint64(w)
	if n > uint64(len(w)-8) {
		return false
	}
	var header struct {
		Meta map[string]string `json:"__metadata__"`
	}
	if err := json.Unmarshal(w[8:8+n], &header); err != nil {
		return false
	}
	t, ok := header.Meta["trained"]
	return !ok || t == "true"
}
