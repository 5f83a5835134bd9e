package model

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// BenchmarkPrefillForms times prefills of 128, 512 and 2048 tokens
// (LLM_PREFILL_LENGTHS, comma-separated, overrides) on the synthetic
// checkpoint with the DeltaNet recurrence in the recurrent and in the
// chunked form, in alternating runs (the order flips every iteration, so
// drifting load hits both alike). It reports each form's median tok/s and
// the median of the per-pair speedups (chunked ÷ recurrent). With
// LLM_DELTA_FORM=recurrent or =chunked it runs that form only (for CPU
// profiles). Run it with -benchtime Nx for N pairs.
func BenchmarkPrefillForms(b *testing.B) {
	m, err := Open(synthDir(b))
	if err != nil {
		b.Fatal(err)
	}
	defer m.Close()
	lengths := []int{128, 512, 2048}
	if s := os.Getenv("LLM_PREFILL_LENGTHS"); s != "" {
		lengths = lengths[:0]
		for _, f := range strings.Split(s, ",") {
			n, err := strconv.Atoi(strings.TrimSpace(f))
			if err != nil {
				b.Fatal(err)
			}
			lengths = append(lengths, n)
		}
	}
	type form struct {
		name     string
		chunkMin int
	}
	forms := []form{{"recurrent", math.MaxInt}, {"chunked", 2}}
	switch os.Getenv("LLM_DELTA_FORM") {
	case "recurrent":
		forms = forms[:1]
	case "chunked":
		forms = forms[1:]
	}
	logits := make([]float32, m.Config().Vocab)
	for _, threads := range benchThreads() {
		for _, n := range lengths {
			prompt := make([]int, n)
			for i := range prompt {
				prompt[i] = (i*7919 + 13) % m.Config().Vocab
			}
			b.Run(fmt.Sprintf("n=%d/threads=%d", n, threads), func(b *testing.B) {
				m.SetThreads(threads)
				st := m.NewState()
				secs := make([][]float64, len(forms))
				iter := 0
				for b.Loop() {
					for j := range forms {
						f := forms[(j+iter)%len(forms)]
						i := slices.Index(forms, f)
						withChunkMin(m, f.chunkMin, func() {
							st.Reset()
							t0 := time.Now()
							if err := m.ForwardTo(logits, st, prompt); err != nil {
								b.Fatal(err)
							}
							secs[i] = append(secs[i], time.Since(t0).Seconds())
						})
					}
					iter++
				}
				for i, f := range forms {
					b.ReportMetric(float64(n)/median(secs[i]), f.name+"-tok/s")
				}
				if len(forms) == 2 {
					ratios := make([]float64, len(secs[0]))
					for i := range ratios {
						ratios[i] = secs[0][i] / secs[1][i]
					}
					b.ReportMetric(median(ratios), "speedup")
					b.Logf("pairs (recurrent s, chunked s): %v %v", secs[0], secs[1])
				}
			})
		}
	}
}

func median(x []float64) float64 {
	s := slices.Clone(x)
	slices.Sort(s)
	if len(s) == 0 {
		return math.NaN()
	}
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// BenchmarkDeltaHead times one real-shaped head (dk = dv = 128) over T
// tokens, recurrent (the pool's DeltaRuleT per token) against chunked
// (load, chunks, store), on the default kernel path and one thread: the
// per-head cost the threshold deltaChunkMin trades off.
func BenchmarkDeltaHead(b *testing.B) {
	rng := newBenchRand()
	for _, T := range []int{2, 4, 8, 12, 16, 24, 32, 64, 128, 512} {
		hc := newHeadCase(rng, 128, 128, T, true)
		out := make([]float32, T*hc.dv)
		for _, form := range []string{"recurrent", "chunked"} {
			b.Run(fmt.Sprintf("T=%d/%s", T, form), func(b *testing.B) {
				St := clone(hc.St0)
				for b.Loop() {
					if form == "recurrent" {
						hc.recurrent(nil, St, out, 0, T)
					} else {
						hc.chunked(nil, St, out, 0, T)
					}
					copy(St, hc.St0)
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(T), "ns/token")
			})
		}
	}
}

func newBenchRand() *rand.Rand { return rand.New(rand.NewPCG(11, 12)) }
