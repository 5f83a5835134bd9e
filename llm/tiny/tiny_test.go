package tiny

import (
	"encoding/json"
	"testing"

	"github.com/how-llms-work/course/llm/safetensors"
)

func TestEmbeddedFiles(t *testing.T) {
	if n := len(Weights()); n == 0 || n > 16<<20 {
		t.Errorf("model.safetensors is %d bytes, want 1..16 MB", n)
	}
	for name, b := range map[string][]byte{"config.json": Config(), "tokenizer.json": Tokenizer(), "tokenizer_config.json": TokenizerConfig()} {
		if !json.Valid(b) {
			t.Errorf("%s is not valid JSON", name)
		}
	}
	// The build command marks its random weights; a training run's
	// checkpoint would not carry the marker.
	var cfg struct {
		Vocab int `json:"vocab_size"`
	}
	json.Unmarshal(Config(), &cfg)
	if cfg.Vocab != 4096 {
		t.Errorf("vocab_size %d", cfg.Vocab)
	}
	if Trained() {
		t.Log("the embedded tiny model is trained")
	}
}

func TestUntrainedMarker(t *testing.T) {
	for _, tc := range []struct {
		meta map[string]string
		want bool
	}{
		{map[string]string{"format": "pt", "synthetic": "seed 1"}, true},
		{map[string]string{"format": "pt", "trained": "false"}, true},
		{map[string]string{"synthetic": "seed 1", "trained": "true"}, false},
		{map[string]string{"format": "pt"}, false},
		{nil, false},
	} {
		if got := Untrained(tc.meta); got != tc.want {
			t.Errorf("Untrained(%v) = %v, want %v", tc.meta, got, tc.want)
		}
	}
	f, err := safetensors.FromBytes("tiny", Weights())
	if err != nil {
		t.Fatal(err)
	}
	if Trained() == Untrained(f.Metadata) {
		t.Error("Trained disagrees with the embedded metadata")
	}
}
