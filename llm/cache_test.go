package llm

import (
	"math"
	"slices"
	"testing"

	"github.com/how-llms-work/course/llm/model"
)

const cachePrompt = "the cat sat on the mat and the dog ran to the door"

// The published config's whole-state numbers that chapter-guide §2 records:
// 512 KB of bf16 per DeltaNet recurrent state, 393 MB for the hybrid at
// 32k, 1.5 GB for GQA in all 24 layers, 6 GB for MHA in all 24.
func TestStateSizeQwen35(t *testing.T) {
	s := StateSizeOf(Qwen35Config(), 2)
	if s.Linear != 18 || s.KV.Layers != 6 || s.Recurrent != 16*128*128 {
		t.Fatalf("StateSizeOf(Qwen3.5-0.8B) = %+v", s)
	}
	if got := int64(s.Recurrent) * 2; got != 512<<10 {
		t.Errorf("one recurrent state: %d bytes, want 512 KiB", got)
	}
	rec := int64(18) * 512 << 10
	conv := int64(18) * int64(s.Conv) * 2
	if got, want := s.Size(32768), 6*(int64(64)<<20)+rec+conv; got != want {
		t.Errorf("hybrid at 32k: %d bytes, want %d", got, want)
	}
	if got := s.AllAttention(2).Size(32768); got != 1536<<20 {
		t.Errorf("GQA in all 24 layers at 32k: %d bytes, want 1.5 GiB", got)
	}
	if got := s.AllAttention(8).Size(32768); got != 6<<30 {
		t.Errorf("MHA in all 24 layers at 32k: %d bytes, want 6 GiB", got)
	}
	if s.Fixed() != rec+conv || s.Size(0) != s.Fixed() {
		t.Errorf("fixed part %d, want %d", s.Fixed(), rec+conv)
	}
	// The config keeps S in float32 (mamba_ssm_dtype): 1 MiB a layer, the
	// conv state and the KV cache still in bf16 (spec §7.9's S, 16×128×128×4).
	s.RecurrentBytes = 4
	if got, want := s.LinearLayer(), int64(16*128*128*4+3*6144*2); got != want {
		t.Errorf("one DeltaNet layer with S in float32: %d bytes, want %d", got, want)
	}
	if got, want := s.Size(32768), 6*(int64(64)<<20)+18*(int64(1)<<20)+conv; got != want {
		t.Errorf("hybrid at 32k with S in float32: %d bytes, want %d", got, want)
	}
}

// The listed tensors add up to the bytes the engine says it holds, and to
// the formula at float32; their shapes multiply out to their sizes.
func TestStateTensors(t *testing.T) {
	m := tinyA(t)
	cfg := m.Config()
	p := m.MustRun(cachePrompt)
	var sum int64
	var kinds []string
	for _, ts := range StateTensors(cfg, p.State) {
		n := int64(4)
		for _, d := range ts.Shape {
			n *= int64(d)
		}
		if n != ts.Bytes {
			t.Errorf("layer %d %s: shape %v is %d bytes, tensor %d", ts.Layer, ts.Name, ts.Shape, n, ts.Bytes)
		}
		if (ts.Type == FullAttention) != cfg.IsFullAttention(ts.Layer) {
			t.Errorf("layer %d %s: type %s", ts.Layer, ts.Name, ts.Type)
		}
		sum += ts.Bytes
		kinds = append(kinds, ts.Name)
	}
	if want := p.State.Bytes(); sum != want {
		t.Errorf("tensors sum to %d bytes, State.Bytes %d", sum, want)
	}
	if want := StateSizeOf(cfg, 4).Size(len(p.IDs)); sum != want {
		t.Errorf("tensors sum to %d bytes, StateSize %d", sum, want)
	}
	if !slices.Contains(kinds, "keys") || !slices.Contains(kinds, "recurrent state") {
		t.Errorf("kinds %v", kinds)
	}
}

// HeadState reads the transposed storage back the right way round: S·… is
// checked against the raw slice with the layout DeltaState documents, and
// bad layers and heads are refused.
func TestHeadState(t *testing.T) {
	m := tinyA(t)
	cfg := m.Config()
	p := m.MustRun(cachePrompt)
	layer := 0
	_, rec := p.State.DeltaState(layer)
	dk, dv := cfg.LinearKeyDim, cfg.LinearValueDim
	for h := range cfg.LinearValueHeads {
		S, err := HeadState(cfg, p.State, layer, h)
		if err != nil {
			t.Fatal(err)
		}
		if len(S) != dk || len(S[0]) != dv {
			t.Fatalf("head %d: %d × %d, want %d × %d", h, len(S), len(S[0]), dk, dv)
		}
		// The Frobenius norm matches the capture's StateNorm after the last token.
		var ss float64
		for i := range S {
			for j := range S[i] {
				ss += S[i][j] * S[i][j]
				if S[i][j] != float64(rec[(h*dv+j)*dk+i]) {
					t.Fatalf("head %d S[%d][%d] = %g, raw %g", h, i, j, S[i][j], rec[(h*dv+j)*dk+i])
				}
			}
		}
		want := float64(p.Capture.Layers[layer].StateNorm[len(p.IDs)-1][h])
		if math.Abs(math.Sqrt(ss)-want) > 1e-4*max(want, 1) {
			t.Errorf("head %d: ‖S‖ = %g, captured StateNorm %g", h, math.Sqrt(ss), want)
		}
	}
	if _, err := HeadState(cfg, p.State, cfg.FullAttentionLayers()[0], 0); err == nil {
		t.Error("HeadState of a full-attention layer: no error")
	}
	if _, err := HeadState(cfg, p.State, 0, cfg.LinearValueHeads); err == nil {
		t.Error("HeadState of a head too many: no error")
	}
}

// Cached decoding gives the logits of recomputing the prefix, and the
// generated tokens are the greedy ones of an independent full pass.
func TestCheckDecode(t *testing.T) {
	m := tinyA(t)
	d, err := m.CheckDecode(cachePrompt, 5)
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Tokens) != 5 || d.Prompt != len(m.Encode(cachePrompt)) {
		t.Fatalf("%d tokens after a prompt of %d", len(d.Tokens), d.Prompt)
	}
	if d.MaxDiff > 1e-3 {
		t.Errorf("cached vs recomputed logits differ by %g", d.MaxDiff)
	}
	ids := append(m.Encode(cachePrompt), d.Tokens...)
	rows, err := m.LogitsAll(ids)
	if err != nil {
		t.Fatal(err)
	}
	for i, tok := range d.Tokens {
		if got := Argmax(rows[d.Prompt-1+i]); got != tok {
			t.Errorf("step %d: cached decode chose %d, a full pass %d", i, tok, got)
		}
	}
	if d.Prefill <= 0 || d.Decode <= 0 || d.Recompute <= 0 {
		t.Errorf("times %v %v %v", d.Prefill, d.Decode, d.Recompute)
	}
	if _, err := m.CheckDecode("", 1); err == nil {
		t.Error("empty prompt: no error")
	}
	if _, err := m.CheckDecode(cachePrompt, 0); err == nil {
		t.Error("0 steps: no error")
	}
}

// The plain delta rule, fed the inputs DeltaStepOf recomputes from the
// weights, turns the engine's state before a token into its state after
// it, for every head, at the first token (no conv history), inside the
// prompt and at a token far enough that the prefill before it is chunked.
func TestDeltaStepMatchesEngine(t *testing.T) {
	m := tinyA(t)
	long := cachePrompt + " and then the cat came back to the mat by the door"
	for _, tok := range []int{0, 3, len(m.Encode(long)) - 1} {
		d, err := m.DeltaStepOf(long, 1, tok)
		if err != nil {
			t.Fatal(err)
		}
		for h := range d.Before {
			S := slices.Clone(d.Before[h])
			model.MustDeltaRule(S, d.Q[h], d.K[h], d.V[h], d.Decay[h], d.Beta[h])
			if diff := MaxAbsDiff(S, d.After[h]); diff > 1e-4 {
				t.Errorf("token %d head %d: by hand vs engine %g", tok, h, diff)
			}
			if MaxAbsDiff(d.Before[h], d.After[h]) < 1e-6 {
				t.Errorf("token %d head %d: the step did not change the state", tok, h)
			}
		}
	}
	if _, err := m.DeltaStepOf(cachePrompt, m.Config().FullAttentionLayers()[0], 0); err == nil {
		t.Error("full-attention layer: no error")
	}
	if _, err := m.DeltaStepOf(cachePrompt, 0, 1000); err == nil {
		t.Error("token past the prompt: no error")
	}
}

// The needle test puts the fact where it says, scores the answer's first
// token like an independent forward pass, and its attention shares are
// shares.
func TestNeedle(t *testing.T) {
	m := tinyA(t)
	n := Needle{Fact: " the key is red.", Filler: " the cat sat on the mat.", Question: " the key is", Answer: " red", Tokens: 60}
	rs, err := n.Run(m, 0, 0.5, 1)
	if err != nil {
		t.Fatal(err)
	}
	fact, q, ans := m.Encode(n.Fact), m.Encode(n.Question), m.Encode(n.Answer)
	for _, r := range rs {
		if r.Tokens != n.Tokens+len(fact)+len(q) || r.Span[1]-r.Span[0] != len(fact) {
			t.Errorf("depth %g: %d tokens, span %v", r.Depth, r.Tokens, r.Span)
		}
		if len(r.Attention) != len(m.Config().FullAttentionLayers()) {
			t.Errorf("depth %g: %d attention values", r.Depth, len(r.Attention))
		}
		for _, a := range r.Attention {
			if a < 0 || a > 1+1e-5 {
				t.Errorf("depth %g: attention share %g", r.Depth, a)
			}
		}
		if r.String() == "" {
			t.Error("empty String")
		}
	}
	// Rebuild the middle input by hand and score it.
	fill := m.Encode(n.Filler)
	var hay []int
	for len(hay) < n.Tokens {
		hay = append(hay, fill...)
	}
	hay = hay[:n.Tokens]
	at := rs[1].Span[0]
	if at%len(fill) != 0 || math.Abs(float64(at)-0.5*float64(n.Tokens)) > float64(len(fill)) {
		t.Errorf("depth 0.5: fact at %d of %d", at, n.Tokens)
	}
	ids := slices.Concat(hay[:at], fact, hay[at:], q)
	logits, err := m.Forward(ids)
	if err != nil {
		t.Fatal(err)
	}
	if p := float64(Softmax(logits, 1)[ans[0]]); math.Abs(p-rs[1].Prob) > 1e-4 {
		t.Errorf("answer probability %g, independent pass %g", rs[1].Prob, p)
	}
	// Without the fact: the rank and probability from a pass over the
	// haystack and question alone, counted here.
	base, err := m.Forward(slices.Concat(hay, q))
	if err != nil {
		t.Fatal(err)
	}
	above := 0
	for _, x := range base {
		if x > base[ans[0]] {
			above++
		}
	}
	pb := float64(Softmax(base, 1)[ans[0]])
	for _, r := range rs {
		if r.BaseRank != above || math.Abs(r.Baseline-pb) > 1e-4 {
			t.Errorf("depth %g: without the fact rank %d p %g, independent pass rank %d p %g", r.Depth, r.BaseRank, r.Baseline, above, pb)
		}
	}
	// String keeps two significant digits, so a small p does not print as 0.
	r := NeedleResult{Depth: 0.5, Tokens: 10, Span: [2]int{2, 4}, Rank: 600, Prob: 0.000123, BaseRank: 610, Baseline: 0.0000456, Attention: []float64{0.5}}
	if got, want := r.String(), "depth  50% (fact at tokens 2–3 of 10): answer rank 600, p = 0.00012 (without the fact: rank 610, p = 4.6e-05); attention on the fact per full layer 0.50"; got != want {
		t.Errorf("String:\n got %s\nwant %s", got, want)
	}
	if rs[0].Span[0] != 0 || rs[2].Span[0] != n.Tokens {
		t.Errorf("depths 0 and 1: spans %v %v", rs[0].Span, rs[2].Span)
	}
	if _, err := n.Run(m, 1.5); err == nil {
		t.Error("depth 1.5: no error")
	}
	n.Tokens = 1 << 20
	if _, err := n.Run(m, 0); err == nil {
		t.Error("haystack past the context: no error")
	}
}

// Round trips: float32 is exact; BF16's error is below its 2^-8 relative
// step; int8 blocks cost more bytes' worth of error than BF16 and store
// 1.125 bytes a number.
func TestCacheRoundTrips(t *testing.T) {
	m := tinyA(t)
	p := m.MustRun(cachePrompt)
	rs, err := CacheRoundTrips(m.Config(), p.State)
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != 3 || rs[0].RelError != 0 || rs[0].Bytes != 4 {
		t.Fatalf("%+v", rs)
	}
	if rs[1].RelError <= 0 || rs[1].RelError > 1.0/256 {
		t.Errorf("bf16 relative error %g", rs[1].RelError)
	}
	if rs[2].Bytes != 1.125 || rs[2].RelError <= rs[1].RelError || rs[2].RelError > 0.02 {
		t.Errorf("int8: %+v (bf16 %g)", rs[2], rs[1].RelError)
	}
	if _, err := CacheRoundTrips(m.Config(), m.Net.NewState()); err == nil {
		t.Error("empty state: no error")
	}
}

func TestDeltaNetLayers(t *testing.T) {
	if got := DeltaNetLayers(Qwen35Config()); len(got) != 18 || got[0] != 0 || got[3] != 4 || got[17] != 22 {
		t.Errorf("Qwen3.5-0.8B DeltaNet layers %v", got)
	}
}

// Reusing a prefix's state gives the logits of a fresh pass, and the
// prefix is not changed by a suffix run on a copy (the second suffix
// would differ otherwise).
func TestCheckPrefix(t *testing.T) {
	m := tinyA(t)
	c, err := m.CheckPrefix(cachePrompt, " and the cat", " but the dog sat")
	if err != nil {
		t.Fatal(err)
	}
	if c.Prefix != len(m.Encode(cachePrompt)) || len(c.Suffixes) != 2 || c.Suffixes[1] != len(m.Encode(" but the dog sat")) {
		t.Errorf("%+v", c)
	}
	if c.MaxDiff > 1e-3 || c.Reused <= 0 || c.Fresh <= 0 {
		t.Errorf("%+v", c)
	}
	if _, err := m.CheckPrefix(cachePrompt); err == nil {
		t.Error("no suffix: no error")
	}
	if _, err := m.CheckPrefix(cachePrompt, ""); err == nil {
		t.Error("empty suffix: no error")
	}
}

func TestSpeed(t *testing.T) {
	m := tinyA(t)
	p, d, err := m.Speed(cachePrompt, 3, 2)
	if err != nil || p <= 0 || d <= 0 {
		t.Errorf("Speed: %v %v %v", p, d, err)
	}
	for _, c := range []struct{ steps, repeats int }{{0, 1}, {1, 0}, {1 << 20, 1}} {
		if _, _, err := m.Speed(cachePrompt, c.steps, c.repeats); err == nil {
			t.Errorf("%d steps, %d repeats: no error", c.steps, c.repeats)
		}
	}
}
