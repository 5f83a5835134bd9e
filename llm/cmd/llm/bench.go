package main

import (
	"bytes"
	"cmp"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"maps"
	"math"
	"math/rand/v2"
	"os"
	"runtime"
	"runtime/pprof"
	"slices"
	"time"

	"github.com/how-llms-work/course/llm"
	"github.com/how-llms-work/course/llm/atomicfile"
	"github.com/how-llms-work/course/llm/model"
	"github.com/how-llms-work/course/llm/simd"
)

// benchResult is what `llm bench -json` prints. Every speed comes with the
// memory read bandwidth measured in the same process, so figures from a
// noisy shared machine can be compared as ratios.
type benchResult struct {
	Model   string   `json:"model"`
	CPU     simd.CPU `json:"cpu"` // where it was measured
	Threads int      `json:"threads"`
	Kernels string   `json:"kernels"`
	// Choice is the path picked for this CPU model at start-up
	// (simd.ChooseKernels); Kernels differs from it after -kernels,
	// $LLM_KERNELS or -calibrate.
	Choice simd.Choice `json:"choice"`
	// Calibration, after -calibrate: every exact path timed on this model,
	// and the one the measurement then used (the fastest).
	Calibration []calibration `json:"calibration,omitempty"`
	Weights     string        `json:"weights,omitempty"`  // "q8" after -q8; else as stored
	Resident    bool          `json:"resident,omitempty"` // weights copied by -resident
	WeightBytes int64         `json:"weight_bytes"`       // read per decoded token
	// HugeMapped is the share of the mapped checkpoint's weights that the
	// kernel maps with 2 MiB pages after the run (Model.HugeMapped; Linux).
	HugeMapped   float64 `json:"huge_mapped"`
	DecodeTokS   float64 `json:"decode_tok_s"`
	PrefillTokS  float64 `json:"prefill_tok_s"`
	WeightsGBs   float64 `json:"weights_gb_s"`   // decode_tok_s × weight_bytes
	BandwidthGBs float64 `json:"bandwidth_gb_s"` // read bandwidth, same threads: the best of the reads below
	// The read bandwidth of each access pattern (simd.Pool.ReadBandwidths):
	// each thread's part read in one stream, or in four side by side (0
	// where the kernel path has no four-stream read).
	BandwidthOneGBs  float64 `json:"bandwidth_one_stream_gb_s"`
	BandwidthFourGBs float64 `json:"bandwidth_four_streams_gb_s"`
	// BandwidthByPath is the read bandwidth through each path's own read
	// loop: the pool's path and the fastest exact path this CPU has
	// (simd.BestPath), when they differ. The reference is the best of
	// them, so a path forced with -kernels is compared with what the
	// machine can read, not with its own narrower loads.
	BandwidthByPath map[string]float64 `json:"bandwidth_by_path_gb_s"`
	Ratio           float64            `json:"ratio"` // weights_gb_s ÷ bandwidth_gb_s
	// Best single decode step and best prefill: what the engine does when
	// the shared machine leaves it alone for a moment.
	DecodeBestTokS  float64 `json:"decode_best_tok_s"`
	PrefillBestTokS float64 `json:"prefill_best_tok_s"`
	BestRatio       float64 `json:"best_ratio"` // best decode step's weights GB/s ÷ bandwidth
	PrefillTokens   int     `json:"prefill_tokens"`
	DecodeTokens    int     `json:"decode_tokens"`
	Reps            int     `json:"reps"`
}

// calibration is one path's time in `llm bench -calibrate`: a prefill of
// calibPrefill tokens (fewer where the model's context is shorter) and
// calibDecode decode steps, best of two.
type calibration struct {
	Path        string  `json:"path"`
	PrefillTokS float64 `json:"prefill_tok_s"`
	DecodeTokS  float64 `json:"decode_tok_s"`
	Seconds     float64 `json:"seconds"` // the prefill plus the decode steps
}

const (
	calibPrefill = 64
	calibDecode  = 8
)

// calibrate times every exact path but go on m (each on a pool of threads
// threads), best of two runs, and returns the times, fastest total first.
func calibrate(m *model.Model, threads int) ([]calibration, error) {
	var out []calibration
	c := m.Config()
	prompt := make([]int, max(1, min(calibPrefill, c.MaxPositions-calibDecode-1)))
	for i := range prompt {
		prompt[i] = (i*7919 + 13) % c.Vocab
	}
	logits := make([]float32, c.Vocab)
	for _, p := range simd.Paths() {
		if !p.Exact() || p == simd.PathGo {
			continue
		}
		if err := os.Setenv(simd.EnvPath, p.String()); err != nil {
			return nil, err
		}
		m.SetThreads(threads)
		st := m.NewState()
		best := calibration{Path: p.String(), Seconds: math.Inf(1)}
		for range 2 {
			st.Reset()
			t0 := time.Now()
			if err := m.ForwardTo(logits, st, prompt); err != nil {
				return nil, err
			}
			tp := time.Since(t0).Seconds()
			t0 = time.Now()
			for range calibDecode {
				if err := m.ForwardTo(logits, st, []int{llm.Argmax(logits)}); err != nil {
					return nil, err
				}
			}
			td := time.Since(t0).Seconds()
			if tp+td < best.Seconds {
				best = calibration{Path: p.String(), PrefillTokS: float64(len(prompt)) / tp, DecodeTokS: calibDecode / td, Seconds: tp + td}
			}
		}
		out = append(out, best)
	}
	slices.SortStableFunc(out, func(a, b calibration) int { return cmp.Compare(a.Seconds, b.Seconds) })
	return out, nil
}

// runBench measures, in one process: the read bandwidth, prefill of a
// -prefill token prompt (median of -reps) and -reps runs of -decode greedy
// decode steps (median step time), and relates decode to bandwidth.
func runBench(args []string, stdout io.Writer) (err error) {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	dir := fs.String("model", "", "checkpoint directory (config.json and safetensors)")
	threads := fs.Int("threads", runtime.NumCPU(), "threads for the matrix products and the bandwidth read")
	asJSON := fs.Bool("json", false, "print one JSON object")
	prefill := fs.Int("prefill", 128, "prompt length for the prefill measurement")
	decode := fs.Int("decode", 32, "decode steps per measurement")
	reps := fs.Int("reps", 3, "repetitions of each measurement (the median is reported)")
	kernelPath := fs.String("kernels", "", "kernel path: go, avx2, avx512, avx512bf16 or neon (default: $LLM_KERNELS, else the fastest exact one)")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the prefill and decode runs to this file")
	resident := fs.Bool("resident", false, "copy the weights into the process's own memory, in huge pages where Linux offers them (Model.MakeResident), before measuring")
	q8 := fs.Bool("q8", false, "decode on 8-bit weights (Model.QuantizeQ8): faster, less exact; weights_gb_s then counts the Q8 bytes")
	calib := fs.Bool("calibrate", false, "time every exact kernel path on the model first (a short prefill and a few decode steps each) and measure on the fastest, unless -kernels names one")
	bwMiB := fs.Int("bw-mib", simd.DefaultBandwidthBytes>>20, "size of the bandwidth buffer in MiB (well above the L3 cache)")
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("%w (usage: llm bench -model DIR [-threads N] [-json] [-kernels PATH] [-calibrate] [-resident] [-q8] [-prefill 128] [-decode 32] [-reps 3])", err)
	}
	switch {
	case *dir == "":
		return fmt.Errorf("-model DIR is required")
	case fs.NArg() > 0:
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	case *threads < 1 || *prefill < 1 || *decode < 1 || *reps < 1 || *bwMiB < 1:
		return fmt.Errorf("-threads, -prefill, -decode, -reps and -bw-mib must be at least 1")
	}

	if *kernelPath != "" {
		path, err := simd.ParsePath(*kernelPath)
		if err != nil {
			return fmt.Errorf("-kernels: %w", err)
		}
		if !path.Supported() {
			return fmt.Errorf("-kernels %s: not supported by this CPU or build (have %v)", path, simd.Paths())
		}
		// The model's pool, made by SetThreads below, reads the variable.
		if err := os.Setenv(simd.EnvPath, path.String()); err != nil {
			return err
		}
	}
	m, err := model.Open(*dir)
	if err != nil {
		return err
	}
	defer m.Close()
	var calibs []calibration
	if *calib {
		if calibs, err = calibrate(m, *threads); err != nil {
			return fmt.Errorf("-calibrate: %w", err)
		}
		if *kernelPath == "" && len(calibs) > 0 {
			if err := os.Setenv(simd.EnvPath, calibs[0].Path); err != nil {
				return err
			}
		} else if err := os.Setenv(simd.EnvPath, *kernelPath); err != nil {
			return err
		}
	}
	m.SetThreads(*threads)
	if *resident {
		if err := m.MakeResident(); err != nil {
			return err
		}
	}
	if *q8 {
		if err := m.QuantizeQ8(); err != nil {
			return err
		}
	}
	c := m.Config()
	if *prefill+*decode+1 > c.MaxPositions {
		return fmt.Errorf("-prefill %d plus -decode %d exceed the model's %d positions", *prefill, *decode, c.MaxPositions)
	}
	res := benchResult{Model: *dir, Choice: simd.HostChoice(), Calibration: calibs, Threads: *threads, PrefillTokens: *prefill, DecodeTokens: *decode, Reps: *reps, Resident: *resident}
	res.WeightBytes = m.WeightBytes() // after -q8: the 8-bit copies decode reads
	if *q8 {
		res.Weights = "q8"
	}

	// Bandwidth before and after the model runs, on the same thread count;
	// the better figure is the reference, so that one measurement taken in
	// a noisy moment on a shared machine cannot flatter the ratio.
	pool := simd.NewPool(*threads)
	defer pool.Close()
	res.Kernels = pool.Path().String()
	res.CPU = simd.HostCPU()
	readers := []*simd.Pool{pool}
	if best := simd.BestPath(); best != pool.Path() {
		bp, err := simd.NewPoolPath(*threads, best)
		if err != nil {
			return err
		}
		defer bp.Close()
		readers = append(readers, bp)
	}
	res.BandwidthByPath = map[string]float64{}
	measureBW := func() {
		buf := simd.BandwidthBuffer(*bwMiB << 20)
		for _, r := range readers {
			one, four := r.ReadBandwidths(buf, 500*time.Millisecond)
			name := r.Path().String()
			res.BandwidthByPath[name] = max(res.BandwidthByPath[name], one/1e9, four/1e9)
			res.BandwidthOneGBs = max(res.BandwidthOneGBs, one/1e9)
			res.BandwidthFourGBs = max(res.BandwidthFourGBs, four/1e9)
		}
		res.BandwidthGBs = max(res.BandwidthOneGBs, res.BandwidthFourGBs)
		runtime.GC()
	}
	measureBW()

	rng := rand.New(rand.NewPCG(1, 2))
	prompt := make([]int, *prefill)
	for i := range prompt {
		prompt[i] = rng.IntN(c.Vocab)
	}
	logits := make([]float32, c.Vocab)
	st := m.NewState()

	if *cpuProfile != "" {
		// The profile is kept in memory and written atomically once it is complete.
		var prof bytes.Buffer
		if err := pprof.StartCPUProfile(&prof); err != nil {
			return fmt.Errorf("-cpuprofile %s: %w", *cpuProfile, err)
		}
		defer func() {
			pprof.StopCPUProfile()
			if werr := atomicfile.WriteFile(*cpuProfile, prof.Bytes(), 0o644); werr != nil && err == nil {
				err = fmt.Errorf("-cpuprofile: %w", werr)
			}
		}()
	}
	var prefillTimes, stepTimes []float64
	for range *reps {
		st.Reset()
		t0 := time.Now()
		if err := m.ForwardTo(logits, st, prompt); err != nil {
			return fmt.Errorf("prefill of %d tokens: %w", *prefill, err)
		}
		prefillTimes = append(prefillTimes, time.Since(t0).Seconds())

		// Greedy decode after the prompt; the first step warms the
		// caches and is not counted.
		next := llm.Argmax(logits)
		if err := m.ForwardTo(logits, st, []int{next}); err != nil {
			return fmt.Errorf("decode after %d tokens: %w", st.Len(), err)
		}
		for range *decode {
			next = llm.Argmax(logits)
			t0 = time.Now()
			if err := m.ForwardTo(logits, st, []int{next}); err != nil {
				return fmt.Errorf("decode after %d tokens: %w", st.Len(), err)
			}
			stepTimes = append(stepTimes, time.Since(t0).Seconds())
		}
	}
	if *cpuProfile != "" {
		pprof.StopCPUProfile()
	}
	measureBW()
	if huge, total := m.HugeMapped(); total > 0 {
		res.HugeMapped = float64(huge) / float64(total)
	}
	res.PrefillTokS = float64(*prefill) / median(prefillTimes)
	res.PrefillBestTokS = float64(*prefill) / slices.Min(prefillTimes)
	res.DecodeTokS = 1 / median(stepTimes)
	res.DecodeBestTokS = 1 / slices.Min(stepTimes)
	res.WeightsGBs = res.DecodeTokS * float64(res.WeightBytes) / 1e9
	res.Ratio = res.WeightsGBs / res.BandwidthGBs
	res.BestRatio = res.DecodeBestTokS * float64(res.WeightBytes) / 1e9 / res.BandwidthGBs

	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(res)
	}
	weights := ""
	if res.Weights != "" {
		weights = ", " + res.Weights
	}
	if res.Resident {
		weights += ", resident"
	} else if res.HugeMapped > 0 {
		weights += fmt.Sprintf(", mapped: %.0f %% in 2 MiB pages", 100*res.HugeMapped)
	}
	fmt.Fprintf(stdout, "model      %s (%.3f GB of weights read per decoded token%s)\n", res.Model, float64(res.WeightBytes)/1e9, weights)
	fmt.Fprintf(stdout, "cpu        %s (%s family %d model %d; %v)\n", res.CPU.Model, res.CPU.Vendor, res.CPU.Family, res.CPU.ModelNumber, res.CPU.Features)
	fmt.Fprintf(stdout, "threads    %d (kernels %s; chosen for this CPU: %s, %s)\n", res.Threads, res.Kernels, res.Choice.Name, res.Choice.Reason)
	for _, c := range res.Calibration {
		fmt.Fprintf(stdout, "calibrate  %-10s %.3f s: prefill %.1f tok/s, decode %.2f tok/s\n", c.Path, c.Seconds, c.PrefillTokS, c.DecodeTokS)
	}
	byPath := ""
	if len(res.BandwidthByPath) > 1 {
		for _, name := range slices.Sorted(maps.Keys(res.BandwidthByPath)) {
			byPath += fmt.Sprintf("; %s's read loop %.1f", name, res.BandwidthByPath[name])
		}
	}
	fmt.Fprintf(stdout, "bandwidth  %.1f GB/s (read, %d MiB buffer, best pass before and after; one stream per thread %.1f, four streams %.1f%s)\n",
		res.BandwidthGBs, *bwMiB, res.BandwidthOneGBs, res.BandwidthFourGBs, byPath)
	fmt.Fprintf(stdout, "decode     %.2f tok/s = %.1f GB/s of weights = %.2f × bandwidth (median of %d × %d steps; best step %.2f tok/s = %.2f ×)\n",
		res.DecodeTokS, res.WeightsGBs, res.Ratio, *reps, *decode, res.DecodeBestTokS, res.BestRatio)
	fmt.Fprintf(stdout, "prefill    %.1f tok/s (%d-token prompt, median of %d; best %.1f tok/s)\n", res.PrefillTokS, *prefill, *reps, res.PrefillBestTokS)
	return nil
}

func median(x []float64) float64 {
	s := slices.Clone(x)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}
