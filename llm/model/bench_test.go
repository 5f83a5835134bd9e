package model

import (
	"bufio"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/how-llms-work/course/llm/simd"
)

// The full-size benchmarks run on a synthetic Qwen3.5-0.8B checkpoint
// (random weights, published layout), made once with
//
//	go run ./llm/cmd/llm synth -config llm/model/testdata/qwen35-0.8b-config.json -out llm/model/testdata/synth-0.8b -seed 1
//
// LLM_SYNTH_DIR overrides its location. They skip when it is absent.
func synthDir(b *testing.B) string {
	dir := os.Getenv("LLM_SYNTH_DIR")
	if dir == "" {
		dir = "testdata/synth-0.8b"
	}
	if _, err := os.Stat(filepath.Join(dir, "model.safetensors")); err != nil {
		b.Skipf("no synthetic checkpoint in %s (make one with: go run ./llm/cmd/llm synth -config llm/model/testdata/qwen35-0.8b-config.json -out llm/model/testdata/synth-0.8b -seed 1)", dir)
	}
	return dir
}

// procStatus returns fields of /proc/self/smaps_rollup in KiB (Linux only).
func procStatus() map[string]int64 {
	out := map[string]int64{}
	f, err := os.Open("/proc/self/smaps_rollup")
	if err != nil {
		return out
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		if n, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64); err == nil {
			out[k] = n
		}
	}
	return out
}

// TestOpenChild is the child process of BenchmarkOpen: it opens the
// checkpoint named by LLM_OPEN_CHILD in a fresh process and prints the time
// and the memory Open added.
func TestOpenChild(t *testing.T) {
	dir := os.Getenv("LLM_OPEN_CHILD")
	if dir == "" {
		t.Skip("only run as BenchmarkOpen's child process")
	}
	before := procStatus()
	t0 := time.Now()
	m, err := Open(dir)
	elapsed := time.Since(t0)
	if err != nil {
		t.Fatal(err)
	}
	after := procStatus()
	fmt.Printf("OPENSTATS %d %d %d %d\n", elapsed.Microseconds(),
		after["Private_Dirty"]-before["Private_Dirty"], after["Private_Clean"]-before["Private_Clean"], after["Rss"]-before["Rss"])
	m.Close()
}

// BenchmarkOpen opens the full-size synthetic checkpoint in a fresh process
// per iteration (warm page cache) and reports the open time and the private
// memory it added: private-dirty-MB is memory the process itself owns
// (heap, converted small tensors); private-clean-MB is checkpoint pages read
// through the mapping (shared page cache, reclaimable).
func BenchmarkOpen(b *testing.B) {
	dir := synthDir(b)
	run := func() (us, dirty, clean, rss int64) {
		cmd := exec.Command(os.Args[0], "-test.run=^TestOpenChild$", "-test.count=1")
		cmd.Env = append(os.Environ(), "LLM_OPEN_CHILD="+dir)
		out, err := cmd.CombinedOutput()
		if err != nil {
			b.Fatalf("child: %v\n%s", err, out)
		}
		for _, line := range strings.Split(string(out), "\n") {
			if rest, ok := strings.CutPrefix(line, "OPENSTATS "); ok {
				fmt.Sscan(rest, &us, &dirty, &clean, &rss)
				return
			}
		}
		b.Fatalf("child printed no OPENSTATS:\n%s", out)
		return
	}
	run() // warm the page cache
	var us, dirty, clean int64
	for b.Loop() {
		u, d, c, _ := run()
		us += u
		dirty = max(dirty, d)
		clean = max(clean, c)
	}
	b.ReportMetric(float64(us)/1e3/float64(b.N), "open-ms")
	b.ReportMetric(float64(dirty)/1024, "private-dirty-MB")
	b.ReportMetric(float64(clean)/1024, "private-clean-MB")
}

// reportBandwidth measures the read bandwidth on threads threads now (in
// the same run as the speed it is compared with) and reports it beside the
// weights read per second. On a shared machine both are disturbed by other
// work, so the ratio uses the best of each: the fastest iteration (best, in
// seconds) against the best bandwidth pass.
func reportBandwidth(b *testing.B, threads int, weightBytes int64, mean, best float64) {
	bw := simd.MeasureBandwidth(threads, 500*time.Millisecond) / 1e9
	b.ReportMetric(float64(weightBytes)/mean/1e9, "weights-GB/s")
	b.ReportMetric(float64(weightBytes)/best/1e9, "best-weights-GB/s")
	b.ReportMetric(bw, "mem-GB/s")
	b.ReportMetric(float64(weightBytes)/best/1e9/bw, "ratio")
}

func benchThreads() []int {
	if n := runtime.GOMAXPROCS(0); n > 1 {
		return []int{1, n}
	}
	return []int{1}
}

// BenchmarkDecode measures one-token decode steps after a 16-token prompt,
// in tokens per second and GB/s of weights read, beside the memory read
// bandwidth of the same thread count measured in the same run.
func BenchmarkDecode(b *testing.B) {
	m, err := Open(synthDir(b))
	if err != nil {
		b.Fatal(err)
	}
	defer m.Close()
	benchDecode(b, m)
}

func benchDecode(b *testing.B, m *Model) {
	prompt := make([]int, 16)
	for i := range prompt {
		prompt[i] = (i*7919 + 13) % m.Config().Vocab
	}
	logits := make([]float32, m.Config().Vocab)
	for _, threads := range benchThreads() {
		b.Run(fmt.Sprintf("threads=%d", threads), func(b *testing.B) {
			m.SetThreads(threads)
			st := m.NewState()
			m.ForwardTo(logits, st, prompt)
			id := 0
			best := math.Inf(1)
			for b.Loop() {
				if st.Len() >= 512 {
					b.StopTimer()
					st.Reset()
					m.ForwardTo(logits, st, prompt)
					b.StartTimer()
				}
				t0 := time.Now()
				if err := m.ForwardTo(logits, st, []int{id}); err != nil {
					b.Fatal(err)
				}
				best = min(best, time.Since(t0).Seconds())
				id = (id + 101) % m.Config().Vocab
			}
			sec := b.Elapsed().Seconds() / float64(b.N)
			b.ReportMetric(1/sec, "tok/s")
			b.ReportMetric(1/best, "best-tok/s")
			reportBandwidth(b, threads, m.WeightBytes(), sec, best)
		})
	}
}

// BenchmarkPrefill128 measures a 128-token prefill (logits of the last
// position), in tokens per second and GB/s of weights read (each weight
// read once per prefill), beside the same run's memory bandwidth.
func BenchmarkPrefill128(b *testing.B) {
	m, err := Open(synthDir(b))
	if err != nil {
		b.Fatal(err)
	}
	defer m.Close()
	benchPrefill(b, m, 128)
}

func benchPrefill(b *testing.B, m *Model, n int) {
	prompt := make([]int, n)
	for i := range prompt {
		prompt[i] = (i*7919 + 13) % m.Config().Vocab
	}
	logits := make([]float32, m.Config().Vocab)
	for _, threads := range benchThreads() {
		b.Run(fmt.Sprintf("threads=%d", threads), func(b *testing.B) {
			m.SetThreads(threads)
			st := m.NewState()
			best := math.Inf(1)
			for b.Loop() {
				st.Reset()
				t0 := time.Now()
				if err := m.ForwardTo(logits, st, prompt); err != nil {
					b.Fatal(err)
				}
				best = min(best, time.Since(t0).Seconds())
			}
			sec := b.Elapsed().Seconds() / float64(b.N)
			b.ReportMetric(float64(n)/sec, "tok/s")
			b.ReportMetric(float64(n)/best, "best-tok/s")
			reportBandwidth(b, threads, m.WeightBytes(), sec, best)
		})
	}
}

// BenchmarkTinyDecode and BenchmarkTinyPrefill run on the committed tiny
// fixture, so a -bench run in CI always exercises the code paths.
func BenchmarkTinyDecode(b *testing.B) {
	m := openTiny(b, "tiny-c")
	benchDecode(b, m)
}

func BenchmarkTinyPrefill(b *testing.B) {
	m := openTiny(b, "tiny-c")
	benchPrefill(b, m, 128)
}
