package tokenizer

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/how-llms-work/course/llm/corpus"
)

// BenchmarkLoadQwen3 measures loading the real 11 MB Qwen3 tokenizer.json,
// what every notebook cell that needs a tokenizer pays in a fresh process
// (goal: under 300 ms).
func BenchmarkLoadQwen3(b *testing.B) {
	_, path := qwen3(b)
	info, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(info.Size())
	cpu0, ok := cpuTime()
	for b.Loop() {
		if _, err := Load(path); err != nil {
			b.Fatal(err)
		}
	}
	reportCPU(b, cpu0, ok)
}

// reportCPU reports the CPU time per operation since cpu0 (cpu-ms/op), which
// unlike ns/op does not grow when other processes compete for the cores.
func reportCPU(b *testing.B, cpu0 time.Duration, ok bool) {
	if cpu1, ok1 := cpuTime(); ok && ok1 && b.N > 0 {
		b.ReportMetric(float64(cpu1-cpu0)/1e6/float64(b.N), "cpu-ms/op")
	}
}

// BenchmarkLoadQwen3NoCache is BenchmarkLoadQwen3 parsing the JSON every
// time, as the first load of a tokenizer.json does.
func BenchmarkLoadQwen3NoCache(b *testing.B) {
	b.Setenv("LLM_TOKENIZER_CACHE", "off")
	BenchmarkLoadQwen3(b)
}

// brownText returns the whole Brown corpus as prose (about 6 MB), failing
// under CI and skipping elsewhere when it is not installed.
func brownText(b *testing.B) string {
	dir, err := corpus.Find()
	if err != nil {
		if os.Getenv("CI") != "" {
			b.Fatal(err)
		}
		b.Skip(err)
	}
	docs, err := corpus.Read(dir)
	if err != nil {
		b.Fatal(err)
	}
	text := corpus.Text(docs)
	if len(text) < 4<<20 {
		b.Fatalf("Brown corpus gave only %d bytes of prose, want at least 4 MB", len(text))
	}
	return text
}

// BenchmarkEncodeBrown encodes the Brown corpus (about 6 MB of English prose)
// with the real Qwen3 tokenizer on one goroutine. When node is installed, the
// same run encodes the same text with transformers.js (testdata/bench.mjs),
// checks that it gives the same ids, and reports its speed (js-MB/s) and how
// many times faster we are (x-js).
func BenchmarkEncodeBrown(b *testing.B) {
	tok, path := qwen3(b)
	text := brownText(b)
	b.SetBytes(int64(len(text)))
	var ids []int
	start := time.Now()
	cpu0, ok := cpuTime()
	for b.Loop() {
		ids = tok.Encode(text)
	}
	ours := float64(len(text)) * float64(b.N) / time.Since(start).Seconds() / 1e6
	reportCPU(b, cpu0, ok)
	b.ReportMetric(float64(len(text))/float64(len(ids)), "bytes/token")

	node, whyNot := nodeForTransformersJS()
	if node == "" {
		b.Log(whyNot)
		return
	}
	tmp := filepath.Join(b.TempDir(), "brown.txt")
	if err := os.WriteFile(tmp, []byte(text), 0o644); err != nil {
		b.Fatal(err)
	}
	modules := filepath.Join(filepath.Dir(path), "..", "..", "..")
	out, err := exec.Command(node, "testdata/bench.mjs", modules, tmp).Output()
	if err != nil {
		b.Fatalf("node testdata/bench.mjs: %v", err)
	}
	var js struct {
		Bytes, NS, Tokens int
		SHA256            string
	}
	if err := json.Unmarshal(out, &js); err != nil {
		b.Fatalf("node output %q: %v", out, err)
	}
	var sb strings.Builder
	for i, id := range ids {
		if i > 0 {
			sb.WriteByte(',')
		}
		sb.WriteString(strconv.Itoa(id))
	}
	sum := sha256.Sum256([]byte(sb.String()))
	if js.Tokens != len(ids) || js.SHA256 != hex.EncodeToString(sum[:]) {
		b.Fatalf("transformers.js gives %d tokens (sha256 %s), we give %d (sha256 %x)", js.Tokens, js.SHA256, len(ids), sum)
	}
	jsMBs := float64(js.Bytes) / (float64(js.NS) / 1e9) / 1e6
	b.ReportMetric(jsMBs, "js-MB/s")
	b.ReportMetric(ours/jsMBs, "x-js")
}

// BenchmarkTrainBrown4096 trains the embedded tiny model's tokenizer: 4096
// tokens (3 of them special) on the Brown corpus's training split.
func BenchmarkTrainBrown4096(b *testing.B) {
	train, _, err := corpus.Load()
	if err != nil {
		if os.Getenv("CI") != "" {
			b.Fatal(err)
		}
		b.Skip(err)
	}
	text := corpus.Text(train)
	b.SetBytes(int64(len(text)))
	var tr *Trained
	cpu0, ok := cpuTime()
	for b.Loop() {
		tr, err = Train(text, 4096, TrainOptions{Special: []string{"<|endoftext|>", "<|im_start|>", "<|im_end|>"}})
		if err != nil {
			b.Fatal(err)
		}
	}
	reportCPU(b, cpu0, ok)
	if n := tr.Tokenizer.VocabSize(); n != 4096 {
		b.Fatalf("vocabulary of %d tokens, want 4096", n)
	}
	b.ReportMetric(float64(len(tr.Merges)), "merges")
}
