package tiny

import (
	"encoding/binary"
	"encoding/json"
	"testing"
)

func TestEmbeddedFiles(t *testing.T) {
	if n := len(Weights()); n == 0 || n > 8<<20 {
		t.Errorf("model.safetensors is %d bytes, want 1..8 MB", n)
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

func TestTrainedMarker(t *testing.T) {
	file := func(header string) []byte {
		b := make([]byte, 8, 8+len(header))
		binary.LittleEndian.PutUint64(b, uint64(len(header)))
		return append(b, header...)
	}
	for _, tc := range []struct {
		header string
		want   bool
	}{
		{`{"__metadata__":{"format":"pt","trained":"false"},"x":{"dtype":"F32","shape":[0],"data_offsets":[0,0]}}`, false},
		{`{"__metadata__":{"format":"pt","trained":"true"}}`, true},
		{`{"__metadata__":{"format":"pt"}}`, true},
		{`{}`, true},
		{`{"__metadata__":`, false},
	} {
		if got := trained(file(tc.header)); got != tc.want {
			t.Errorf("trained(%s) = %v, want %v", tc.header, got, tc.want)
		}
	}
	if trained([]byte{1, 2}) || trained(file("")[:8]) {
		t.Error("a truncated file counts as trained")
	}
}
