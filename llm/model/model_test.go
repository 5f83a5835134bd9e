package model

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/how-llms-work/course/llm/safetensors"
)

func openTiny(t testing.TB, name string) *Model {
	t.Helper()
	m, err := Open(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return m
}

var seq = []int{314, 307, 80, 307, 64, 5, 100, 182, 48, 262, 11, 12, 13, 200, 201, 17, 18}

func maxDiff(a, b []float32) float64 {
	var d float64
	for i := range a {
		d = max(d, math.Abs(float64(a[i]-b[i])))
	}
	return d
}

func TestPrefillThenDecodeEqualsOnePass(t *testing.T) {
	for _, name := range []string{"tiny-a", "tiny-c"} {
		m := openTiny(t, name)
		V := m.Config().Vocab
		want, err := m.ForwardAll(m.NewState(), seq)
		if err != nil {
			t.Fatal(err)
		}
		st := m.NewState()
		got, err := m.ForwardAll(st, seq[:9])
		if err != nil {
			t.Fatal(err)
		}
		more, err := m.ForwardAll(st, seq[9:13]) // a second prefill
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, more...)
		for _, id := range seq[13:] {
			row, err := m.Forward(st, []int{id})
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, row...)
		}
		if st.Len() != len(seq) || !slices.Equal(st.Tokens(), seq) {
			t.Errorf("%s: state has %d tokens %v", name, st.Len(), st.Tokens())
		}
		if d := maxDiff(got, want); d > 1e-4 {
			t.Errorf("%s: prefill+decode differs from one pass by %g", name, d)
		}
		if len(got) != len(seq)*V {
			t.Errorf("%s: %d logits", name, len(got))
		}
	}
}

func TestCloneContinuesIdentically(t *testing.T) {
	m := openTiny(t, "tiny-a")
	// reference: a fresh state fed the same chunks.
	ref := m.NewState()
	m.Forward(ref, seq[:8])
	want, err := m.ForwardAll(ref, seq[8:12])
	if err != nil {
		t.Fatal(err)
	}

	st := m.NewState()
	if _, err := m.Forward(st, seq[:8]); err != nil {
		t.Fatal(err)
	}
	branch := st.Clone()
	// Advance the original along a different path; the clone must not notice.
	if _, err := m.Forward(st, []int{1, 2, 3}); err != nil {
		t.Fatal(err)
	}
	got, err := m.ForwardAll(branch, seq[8:12])
	if err != nil {
		t.Fatal(err)
	}
	if d := maxDiff(got, want); d != 0 {
		t.Errorf("cloned state continues with max |diff| %g, want bit-identical", d)
	}
	if branch.Len() != 12 || st.Len() != 11 {
		t.Errorf("lengths %d and %d", branch.Len(), st.Len())
	}
	st.Reset()
	m.Forward(st, seq[:8])
	again, _ := m.ForwardAll(st, seq[8:12])
	if d := maxDiff(again, want); d != 0 {
		t.Errorf("after Reset: max |diff| %g", d)
	}
	// Step back to a snapshot with Restore.
	snap := m.NewState()
	m.Forward(snap, seq[:8])
	if err := st.Restore(snap); err != nil || st.Len() != 8 {
		t.Fatalf("Restore: %v, Len %d", err, st.Len())
	}
	again, _ = m.ForwardAll(st, seq[8:12])
	if d := maxDiff(again, want); d != 0 {
		t.Errorf("after Restore: max |diff| %g", d)
	}
	if snap.Len() != 8 {
		t.Errorf("Restore changed the snapshot: Len %d", snap.Len())
	}
	if err := st.Restore(openTiny(t, "tiny-c").NewState()); err == nil {
		t.Error("Restore from another model's state succeeded")
	}
}

func TestForwardErrors(t *testing.T) {
	m := openTiny(t, "tiny-a")
	other := openTiny(t, "tiny-c")
	for _, tc := range []struct {
		ids  []int
		st   *State
		want string
	}{
		{[]int{1, 328}, m.NewState(), "token id 328 at index 1"},
		{[]int{-1}, m.NewState(), "token id -1"},
		{nil, m.NewState(), "no token ids"},
		{[]int{1}, other.NewState(), "not made by this model"},
	} {
		if _, err := m.Forward(tc.st, tc.ids); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Forward(%v): error %v, want %q", tc.ids, err, tc.want)
		}
	}
	// Context overflow, on a copy of the config with a short context.
	cfg := *m.Config()
	cfg.MaxPositions = 4
	f, err := safetensors.Open("testdata/tiny-a/model.safetensors")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	short, err := New(&cfg, f)
	if err != nil {
		t.Fatal(err)
	}
	st := short.NewState()
	if _, err := short.Forward(st, []int{1, 2, 3}); err != nil {
		t.Fatal(err)
	}
	if _, err := short.Forward(st, []int{4, 5}); err == nil || !strings.Contains(err.Error(), "exceed the context of 4") {
		t.Errorf("overflow error %v", err)
	}
	if st.Len() != 3 {
		t.Errorf("failed call changed the state: Len %d", st.Len())
	}
	if err := m.ForwardTo(make([]float32, 3), m.NewState(), []int{1}); err == nil {
		t.Error("ForwardTo accepted a short buffer")
	}
}

func TestDecodeAllocatesNothing(t *testing.T) {
	m := openTiny(t, "tiny-c")
	// Two threads too: the per-head loops then run on the pool's helpers.
	for _, threads := range []int{1, 2} {
		m.SetThreads(threads)
		st := m.NewState()
		logits := make([]float32, m.Config().Vocab)
		if err := m.ForwardTo(logits, st, seq); err != nil {
			t.Fatal(err)
		}
		id := 0
		allocs := testing.AllocsPerRun(50, func() {
			if err := m.ForwardTo(logits, st, []int{id % 300}); err != nil {
				t.Fatal(err)
			}
			id++
		})
		if allocs > 0.1 {
			t.Errorf("threads %d: a decode step allocates %.2f times", threads, allocs)
		}
	}
}

func TestCapture(t *testing.T) {
	m := openTiny(t, "tiny-a")
	c := m.Config()
	var capt Capture
	st := m.NewState()
	logits, err := m.ForwardCapture(st, seq[:6], &capt)
	if err != nil {
		t.Fatal(err)
	}
	// A decode step appends to the same capture.
	last, err := m.Forward(st, seq[6:7])
	if err != nil {
		t.Fatal(err)
	}
	more, err := m.ForwardCapture(st, seq[7:8], &capt)
	if err != nil {
		t.Fatal(err)
	}
	// The same split without a capture.
	ps := m.NewState()
	plain, _ := m.ForwardAll(ps, seq[:6])
	plainLast, _ := m.Forward(ps, seq[6:7])
	plainMore, _ := m.Forward(ps, seq[7:8])
	V, H := c.Vocab, c.Hidden
	if maxDiff(logits, plain) != 0 || maxDiff(last, plainLast) != 0 || maxDiff(more, plainMore) != 0 || len(more) != V {
		t.Error("capturing changed the logits")
	}
	if len(capt.Tokens) != 7 || len(capt.Hidden) != 7 || len(capt.Layers) != c.Layers {
		t.Fatalf("capture has %d tokens, %d hidden rows, %d layers", len(capt.Tokens), len(capt.Hidden), len(capt.Layers))
	}
	// logits = E · hidden (the tied head).
	E := m.MustWeight("embed_tokens.weight").Float32()
	for _, v := range []int{0, 17, 222} {
		var s float32
		for d := range H {
			s += E[v*H+d] * capt.Hidden[0][d]
		}
		if math.Abs(float64(s-logits[v])) > 1e-4 {
			t.Errorf("E[%d]·hidden = %g, logit %g", v, s, logits[v])
		}
	}
	for i, lc := range capt.Layers {
		if len(lc.AfterMixer) != 7 || len(lc.Residual) != 7 || len(lc.MLP) != 7 || len(lc.MLP[0]) != c.Intermediate {
			t.Errorf("layer %d: %d/%d/%d rows", i, len(lc.AfterMixer), len(lc.Residual), len(lc.MLP))
		}
		if c.IsFullAttention(i) {
			if lc.Type != FullAttention || len(lc.Attention) != c.Heads || lc.Beta != nil {
				t.Fatalf("layer %d: kind %s, %d heads", i, lc.Type, len(lc.Attention))
			}
			// Row q of the first 6 tokens plus the 8th token's row (the 7th was not captured).
			for h, rows := range lc.Attention {
				if len(rows) != 7 || len(rows[5]) != 6 || len(rows[6]) != 8 {
					t.Fatalf("head %d: %d rows", h, len(rows))
				}
				for q, row := range rows {
					var sum float64
					for _, p := range row {
						sum += float64(p)
					}
					if math.Abs(sum-1) > 1e-5 {
						t.Errorf("layer %d head %d query %d: probabilities sum to %g", i, h, q, sum)
					}
				}
				if rows[0][0] != 1 {
					t.Errorf("the first token attends to itself with p = %g", rows[0][0])
				}
			}
		} else {
			if len(lc.Beta) != 7 || len(lc.Decay[0]) != c.LinearValueHeads || lc.Attention != nil {
				t.Fatalf("layer %d: %d beta rows", i, len(lc.Beta))
			}
			for tok := range lc.Beta {
				for h := range lc.Beta[tok] {
					b, d, n := lc.Beta[tok][h], lc.Decay[tok][h], lc.StateNorm[tok][h]
					if !(b > 0 && b < 1 && d > 0 && d <= 1 && n > 0) {
						t.Errorf("layer %d token %d head %d: beta %g decay %g norm %g", i, tok, h, b, d, n)
					}
				}
			}
		}
	}
	// The capture points chain: embedding → (+MixerOut) Mixer → (+MLPOut) Residual → next layer.
	for i, lc := range capt.Layers {
		in := capt.Embedding
		if i > 0 {
			in = capt.Layers[i-1].Residual
		}
		for tok := range 7 {
			norm := make([]float32, H)
			rmsNorm1p(norm, in[tok], m.layers[i].inputNorm, c.RMSEps)
			if d := maxDiff(norm, lc.InputNorm[tok]); d > 1e-6 {
				t.Errorf("layer %d token %d: InputNorm off by %g", i, tok, d)
			}
			for d := range H {
				if in[tok][d]+lc.MixerOut[tok][d] != lc.AfterMixer[tok][d] || lc.AfterMixer[tok][d]+lc.MLPOut[tok][d] != lc.Residual[tok][d] {
					t.Fatalf("layer %d token %d dim %d: residual adds do not chain", i, tok, d)
				}
			}
			rmsNorm1p(norm, lc.AfterMixer[tok], m.layers[i].postNorm, c.RMSEps)
			if d := maxDiff(norm, lc.PostNorm[tok]); d > 1e-6 {
				t.Errorf("layer %d token %d: PostNorm off by %g", i, tok, d)
			}
		}
	}
	if e, _ := m.Embed(seq[7]); maxDiff(e, capt.Embedding[6]) != 0 {
		t.Error("Embedding row of the last captured token differs from Embed")
	}
	// The residual stream after the last layer, normalised, is the hidden state.
	final := make([]float32, H)
	rmsNorm1p(final, capt.Layers[c.Layers-1].Residual[3], m.norm, c.RMSEps)
	if maxDiff(final, capt.Hidden[3]) != 0 {
		t.Error("final norm of the last residual differs from Hidden")
	}
}

// rewrite copies tiny-a's tensors through edit (which may rename, drop or
// change them) into an in-memory safetensors file.
func rewrite(t *testing.T, edit func(ts []*safetensors.Tensor) []*safetensors.Tensor) *safetensors.File {
	t.Helper()
	src, err := safetensors.Open("testdata/tiny-a/model.safetensors")
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	var ts []*safetensors.Tensor
	for _, x := range src.Tensors() {
		ts = append(ts, &safetensors.Tensor{Name: x.Name, DType: x.DType, Shape: x.Shape, Data: bytes.Clone(x.Data)})
	}
	var buf bytes.Buffer
	if err := safetensors.Write(&buf, edit(ts), nil); err != nil {
		t.Fatal(err)
	}
	f, err := safetensors.FromBytes("edited.safetensors", buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func TestLoadChecks(t *testing.T) {
	cfg := MustLoadConfig("testdata/tiny-a/config.json")
	ref := openTiny(t, "tiny-a")
	want, _ := ref.Forward(ref.NewState(), seq)

	// A plain "model." prefix, with the MTP tensors dropped and a vision tensor added, loads and agrees.
	f := rewrite(t, func(ts []*safetensors.Tensor) []*safetensors.Tensor {
		var out []*safetensors.Tensor
		for _, x := range ts {
			if strings.HasPrefix(x.Name, "mtp.") {
				continue
			}
			x.Name = strings.Replace(x.Name, "model.language_model.", "model.", 1)
			out = append(out, x)
		}
		return append(out, safetensors.NewF32("model.visual.pos_embed.weight", []int{2}, []float32{1, 2}))
	})
	m, err := New(cfg, f)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := m.Forward(m.NewState(), seq)
	if d := maxDiff(got, want); d != 0 {
		t.Errorf("model. prefix: logits differ by %g", d)
	}
	if w, err := m.Weight("layers.0.linear_attn.A_log"); err != nil || w.DType != safetensors.F32 {
		t.Errorf("Weight: %v %v", w, err)
	}
	if _, err := m.Weight("nope"); err == nil {
		t.Error("Weight(nope) succeeded")
	}

	// An all-F32 checkpoint (as a trainer saves) loads and agrees.
	f = rewrite(t, func(ts []*safetensors.Tensor) []*safetensors.Tensor {
		for i, x := range ts {
			ts[i] = safetensors.NewF32(x.Name, x.Shape, x.Float32())
		}
		return ts
	})
	if m, err = New(cfg, f); err != nil {
		t.Fatal(err)
	}
	got, _ = m.Forward(m.NewState(), seq)
	if d := maxDiff(got, want); d > 1e-4 {
		t.Errorf("F32 checkpoint: logits differ by %g", d)
	}

	name := "model.language_model.layers.1.linear_attn.in_proj_z.weight"
	for _, tc := range []struct {
		what string
		edit func(x *safetensors.Tensor) []*safetensors.Tensor
		want string
	}{
		{"missing", func(x *safetensors.Tensor) []*safetensors.Tensor { return nil }, `tensor "` + name + `": missing`},
		{"shape", func(x *safetensors.Tensor) []*safetensors.Tensor {
			return []*safetensors.Tensor{{Name: x.Name, DType: x.DType, Shape: []int{32, 128}, Data: x.Data}}
		}, `tensor "` + name + `": shape [32 128], config needs [64 64]`},
		{"dtype", func(x *safetensors.Tensor) []*safetensors.Tensor {
			return []*safetensors.Tensor{{Name: x.Name, DType: safetensors.I16, Shape: x.Shape, Data: x.Data}}
		}, `tensor "` + name + `": dtype I16`},
		{"extra layer", func(x *safetensors.Tensor) []*safetensors.Tensor {
			return []*safetensors.Tensor{x, {Name: "model.language_model.layers.4.mlp.up_proj.weight", DType: x.DType, Shape: x.Shape, Data: x.Data}}
		}, `tensor "model.language_model.layers.4.mlp.up_proj.weight": not part of the model`},
	} {
		f := rewrite(t, func(ts []*safetensors.Tensor) []*safetensors.Tensor {
			var out []*safetensors.Tensor
			for _, x := range ts {
				if x.Name == name {
					out = append(out, tc.edit(x)...)
				} else {
					out = append(out, x)
				}
			}
			return out
		})
		_, err := New(cfg, f)
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "edited.safetensors") {
			t.Errorf("%s: error %v, want one naming the file and containing %q", tc.what, err, tc.want)
		}
	}

	// Open reports a broken checkpoint with the file name.
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "config.json"), []byte(mustRead(t, "testdata/tiny-a/config.json")), 0o644)
	os.WriteFile(filepath.Join(dir, "model.safetensors"), []byte(mustRead(t, "testdata/tiny-a/model.safetensors"))[:5000], 0o644)
	if _, err := Open(dir); err == nil || !strings.Contains(err.Error(), "model.safetensors") {
		t.Errorf("truncated checkpoint: %v", err)
	}
}

func mustRead(t *testing.T, path string) string {
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// Example shows a prefill followed by greedy decode steps.
func Example() {
	m, err := Open("testdata/tiny-a")
	if err != nil {
		panic(err)
	}
	defer m.Close()
	st := m.NewState()
	logits, err := m.Forward(st, []int{314, 149, 286, 5, 100, 182, 48, 262}) // prefill
	if err != nil {
		panic(err)
	}
	var ids []int
	for range 5 {
		next := argmax(logits)
		ids = append(ids, next)
		logits, _ = m.Forward(st, []int{next}) // one decode step
	}
	fmt.Println(st.Len(), ids)
	// Output: 13 [39 10 18 76 23]
}

func TestCaptureAttentionViews(t *testing.T) {
	m := openTiny(t, "tiny-c")
	c := m.Config()
	var capt Capture
	st := m.NewState()
	if _, err := m.ForwardCapture(st, seq[:5], &capt); err != nil {
		t.Fatal(err)
	}
	lc := capt.Layers[3]
	D, R := c.HeadDim, c.RotaryDim
	if len(lc.Query) != 5 || len(lc.Query[0]) != c.Heads*D || len(lc.Key[4]) != c.KVHeads*D {
		t.Fatalf("query/key shapes %d×%d, key %d", len(lc.Query), len(lc.Query[0]), len(lc.Key[4]))
	}
	// Position 0 is not rotated; at position 4 only the first R dims of each head change,
	// and the rotation keeps the norm of each rotated pair.
	if maxDiff(lc.Query[0], lc.QueryNoRope[0]) != 0 {
		t.Error("RoPE changed position 0")
	}
	for h := range c.Heads {
		q, q0 := lc.Query[4][h*D:(h+1)*D], lc.QueryNoRope[4][h*D:(h+1)*D]
		if maxDiff(q[R:], q0[R:]) != 0 || maxDiff(q[:R], q0[:R]) == 0 {
			t.Errorf("head %d: RoPE should rotate exactly the first %d dims", h, R)
		}
		for j := range R / 2 {
			a := q[j]*q[j] + q[j+R/2]*q[j+R/2]
			b := q0[j]*q0[j] + q0[j+R/2]*q0[j+R/2]
			if math.Abs(float64(a-b)) > 1e-5*float64(max(b, 1)) {
				t.Errorf("head %d pair %d: norm² %g → %g", h, j, b, a)
			}
		}
	}
	// The cached keys are the rotated keys.
	k, v := st.KV(3)
	if len(k) != c.KVHeads || len(v) != c.KVHeads || len(k[0]) != 5*D {
		t.Fatalf("KV: %d heads of %d values", len(k), len(k[0]))
	}
	for g := range c.KVHeads {
		if maxDiff(k[g][4*D:5*D], lc.Key[4][g*D:(g+1)*D]) != 0 {
			t.Error("KV cache keys differ from the captured keys")
		}
	}
	// The cached values are v_proj of the layer's normed input.
	vv := make([]float32, c.KVHeads*D)
	m.layers[3].v.matVec(m.pool, vv, lc.InputNorm[4])
	for g := range c.KVHeads {
		if d := maxDiff(v[g][4*D:5*D], vv[g*D:(g+1)*D]); d > 1e-6 {
			t.Errorf("KV cache values of head %d differ from v_proj by %g", g, d)
		}
	}
	if k, _ := st.KV(0); k != nil {
		t.Error("KV of a DeltaNet layer is not nil")
	}
	// Bytes: the used KV cache (2 × 5 tokens × heads × D floats) plus the DeltaNet states.
	want := int64(2*5*c.KVHeads*D*4 + 3*((c.ConvKernel-1)*c.ConvDim()+c.LinearValueHeads*c.LinearKeyDim*c.LinearValueDim)*4)
	if st.Bytes() != want {
		t.Errorf("State.Bytes = %d, want %d", st.Bytes(), want)
	}
	for _, g := range lc.Gate[2] {
		if !(g > 0 && g < 1) {
			t.Fatalf("gate value %g outside (0, 1)", g)
		}
	}

	// Skipping every layer leaves the embedding as the residual stream: the
	// logits are E · RMSNorm1p(E[id]).
	skip := Capture{Skip: map[int]bool{0: true, 1: true, 2: true, 3: true}}
	got, err := m.ForwardCapture(m.NewState(), seq[:1], &skip)
	if err != nil {
		t.Fatal(err)
	}
	E := m.MustWeight("embed_tokens.weight").Float32()
	H := c.Hidden
	y := make([]float32, H)
	rmsNorm1p(y, E[seq[0]*H:(seq[0]+1)*H], m.norm, c.RMSEps)
	for v := range c.Vocab {
		var s float32
		for d := range H {
			s += E[v*H+d] * y[d]
		}
		if math.Abs(float64(s-got[v])) > 1e-4 {
			t.Fatalf("skip all layers: logit %d = %g, want %g", v, got[v], s)
		}
	}
	if skip.Layers[0].AfterMixer != nil {
		t.Error("a skipped layer recorded rows")
	}
}

func TestOpenSharded(t *testing.T) {
	// tiny-a split into two shards with an index loads like the single file.
	src, err := safetensors.Open("testdata/tiny-a/model.safetensors")
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	dir := t.TempDir()
	shards := [2][]*safetensors.Tensor{}
	weightMap := map[string]string{}
	for i, x := range src.Tensors() {
		shards[i%2] = append(shards[i%2], x)
		weightMap[x.Name] = fmt.Sprintf("model-%05d-of-00002.safetensors", i%2+1)
	}
	for i, ts := range shards {
		var buf bytes.Buffer
		if err := safetensors.Write(&buf, ts, nil); err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(dir, fmt.Sprintf("model-%05d-of-00002.safetensors", i+1)), buf.Bytes(), 0o644)
	}
	index, _ := json.Marshal(map[string]any{"metadata": map[string]any{}, "weight_map": weightMap})
	os.WriteFile(filepath.Join(dir, safetensors.IndexName), index, 0o644)
	os.WriteFile(filepath.Join(dir, "config.json"), []byte(mustRead(t, "testdata/tiny-a/config.json")), 0o644)
	m, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	ref := openTiny(t, "tiny-a")
	got, _ := m.Forward(m.NewState(), seq)
	want, _ := ref.Forward(ref.NewState(), seq)
	if d := maxDiff(got, want); d != 0 {
		t.Errorf("sharded checkpoint: logits differ by %g", d)
	}
	if len(m.WeightNames()) != len(src.Names()) {
		t.Errorf("%d weights, want %d", len(m.WeightNames()), len(src.Names()))
	}
}

func TestConcurrentStates(t *testing.T) {
	m := openTiny(t, "tiny-c")
	m.SetThreads(2)
	want, _ := m.Forward(m.NewState(), seq)
	errs := make(chan error, 4)
	for range 4 {
		go func() {
			got, err := m.Forward(m.NewState(), seq)
			if err == nil && maxDiff(got, want) != 0 {
				err = fmt.Errorf("concurrent pass differs by %g", maxDiff(got, want))
			}
			errs <- err
		}()
	}
	for range 4 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}

func TestLogitLens(t *testing.T) {
	m := openTiny(t, "tiny-a")
	c := m.Config()
	var capt Capture
	logits, err := m.ForwardCapture(m.NewState(), seq[:4], &capt)
	if err != nil {
		t.Fatal(err)
	}
	// Unembedding the last layer's residual stream gives the model's logits.
	got, err := m.Unembed(capt.Layers[c.Layers-1].Residual[2])
	if err != nil {
		t.Fatal(err)
	}
	if d := maxDiff(got, logits[2*c.Vocab:3*c.Vocab]); d > 1e-4 {
		t.Errorf("Unembed differs from the logits by %g", d)
	}
	e, err := m.Embed(seq[0])
	if err != nil || len(e) != c.Hidden {
		t.Fatal(e, err)
	}
	if w := m.MustWeight("embed_tokens.weight").Float32(); maxDiff(e, w[seq[0]*c.Hidden:(seq[0]+1)*c.Hidden]) != 0 {
		t.Error("Embed differs from the embedding row")
	}
	if _, err := m.Embed(c.Vocab); err == nil {
		t.Error("Embed(vocab) succeeded")
	}
	if _, err := m.Unembed(e[:3]); err == nil {
		t.Error("Unembed of 3 values succeeded")
	}
}

func TestUntiedHead(t *testing.T) {
	// An untied checkpoint whose lm_head equals the embedding gives the same logits.
	cfg := *MustLoadConfig("testdata/tiny-a/config.json")
	cfg.TieEmbeddings = false
	f := rewrite(t, func(ts []*safetensors.Tensor) []*safetensors.Tensor {
		for _, x := range ts {
			if x.Name == TextPrefix+"embed_tokens.weight" {
				return append(ts, &safetensors.Tensor{Name: "lm_head.weight", DType: x.DType, Shape: x.Shape, Data: x.Data})
			}
		}
		return ts
	})
	m, err := New(&cfg, f)
	if err != nil {
		t.Fatal(err)
	}
	ref := openTiny(t, "tiny-a")
	got, _ := m.Forward(m.NewState(), seq)
	want, _ := ref.Forward(ref.NewState(), seq)
	if d := maxDiff(got, want); d != 0 {
		t.Errorf("untied head: logits differ by %g", d)
	}
	if p := cfg.Params(); p.LMHead != int64(cfg.Vocab*cfg.Hidden) || p.Text != ref.Config().Params().Text+p.LMHead {
		t.Errorf("untied params: head %d, text %d", p.LMHead, p.Text)
	}
	if _, err := New(&cfg, rewrite(t, func(ts []*safetensors.Tensor) []*safetensors.Tensor { return ts })); err == nil || !strings.Contains(err.Error(), `"lm_head.weight": missing`) {
		t.Errorf("untied config without lm_head: %v", err)
	}
}

// toF16 rounds a float32 to IEEE half precision (values here are far from
// overflow; below 2⁻¹⁴ they become subnormal).
func toF16(f float32) uint16 {
	bits := math.Float32bits(f)
	sign := uint16(bits>>16) & 0x8000
	a := math.Abs(float64(f))
	if a < 1.0/(1<<14) {
		return sign | uint16(math.RoundToEven(a*(1<<24)))
	}
	exp := int(bits>>23&0xff) - 127 + 15
	man := bits & 0x7fffff
	h := uint32(exp)<<10 | man>>13
	if rem := man & 0x1fff; rem > 0x1000 || (rem == 0x1000 && h&1 == 1) {
		h++
	}
	return sign | uint16(h)
}

func TestF16Checkpoint(t *testing.T) {
	// The same weights stored as F16 (exact for BF16 values in F16's normal
	// range) give the same logits up to the few subnormal roundings.
	cfg := MustLoadConfig("testdata/tiny-a/config.json")
	f := rewrite(t, func(ts []*safetensors.Tensor) []*safetensors.Tensor {
		for i, x := range ts {
			if x.DType != safetensors.BF16 {
				continue
			}
			v := x.Float32()
			h := make([]uint16, len(v))
			for j, f := range v {
				h[j] = toF16(f)
			}
			nt := safetensors.NewBF16(x.Name, x.Shape, h)
			nt.DType = safetensors.F16
			ts[i] = nt
		}
		return ts
	})
	if got := f.Lookup(TextPrefix + "embed_tokens.weight").DType; got != safetensors.F16 {
		t.Fatalf("embedding stored as %s", got)
	}
	m, err := New(cfg, f)
	if err != nil {
		t.Fatal(err)
	}
	ref := openTiny(t, "tiny-a")
	got, _ := m.ForwardAll(m.NewState(), seq)
	want, _ := ref.ForwardAll(ref.NewState(), seq)
	if d := maxDiff(got, want); d > 1e-3 {
		t.Errorf("F16 checkpoint: logits differ by %g", d)
	}
}

func TestKVCacheGrowth(t *testing.T) {
	// Crossing the cache's first capacity (256 tokens) in the middle of
	// decoding and of a prefill keeps every key.
	m := openTiny(t, "tiny-c")
	long := make([]int, 600)
	for i := range long {
		long[i] = (i*37 + 11) % 320
	}
	want, err := m.ForwardAll(m.NewState(), long)
	if err != nil {
		t.Fatal(err)
	}
	V := m.Config().Vocab
	st := m.NewState()
	got, _ := m.ForwardAll(st, long[:250])
	for _, id := range long[250:260] {
		row, err := m.Forward(st, []int{id})
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, row...)
	}
	rest, _ := m.ForwardAll(st, long[260:]) // grows again, from 512
	got = append(got, rest...)
	if d := maxDiff(got, want); d > 2e-4 {
		t.Errorf("across cache growth: logits differ by %g", d)
	}
	if len(got) != len(long)*V {
		t.Errorf("%d logits", len(got))
	}
	// 600 ids run as chunks of 512 and 88; Forward gives the last row.
	last, err := m.Forward(m.NewState(), long)
	if err != nil {
		t.Fatal(err)
	}
	if d := maxDiff(last, want[(len(long)-1)*V:]); d > 1e-4 {
		t.Errorf("Forward of 600 ids: last row differs by %g", d)
	}
}

// TestThreadsAgree checks that splitting the work across threads (matrix
// rows, attention and DeltaNet heads, unevenly when the count does not
// divide) changes no number: every head and row is computed the same way
// on whichever thread runs it, and the per-head captures land in place.
func TestThreadsAgree(t *testing.T) {
	for _, name := range []string{"tiny-a", "tiny-c"} {
		m := openTiny(t, name)
		run := func(threads int) ([]float32, *Capture) {
			m.SetThreads(threads)
			var capt Capture
			st := m.NewState()
			if _, err := m.ForwardCapture(st, seq[:9], &capt); err != nil {
				t.Fatal(err)
			}
			if _, err := m.ForwardCapture(st, seq[9:10], &capt); err != nil { // a decode step
				t.Fatal(err)
			}
			all, err := m.ForwardAll(m.NewState(), seq)
			if err != nil {
				t.Fatal(err)
			}
			return all, &capt
		}
		want, wantCapt := run(1)
		var deltaRows, attnRows int
		for _, l := range wantCapt.Layers {
			deltaRows += len(l.StateNorm)
			attnRows += len(l.HeadOut)
		}
		if deltaRows == 0 || attnRows == 0 {
			t.Fatalf("%s: the capture has %d DeltaNet and %d attention rows; the test needs both layer kinds", name, deltaRows, attnRows)
		}
		for _, threads := range []int{2, 3, 5} {
			got, capt := run(threads)
			if d := maxDiff(got, want); d != 0 || len(got) != len(want) {
				t.Errorf("%s, %d threads: logits differ from one thread's by %g", name, threads, d)
			}
			for i := range capt.Layers {
				g, w := &capt.Layers[i], &wantCapt.Layers[i]
				for _, f := range []struct {
					what      string
					got, want [][]float32
				}{
					{"StateNorm", g.StateNorm, w.StateNorm},
					{"Beta", g.Beta, w.Beta},
					{"HeadOut", g.HeadOut, w.HeadOut},
					{"Gate", g.Gate, w.Gate},
					{"AfterMixer", g.AfterMixer, w.AfterMixer},
				} {
					if len(f.got) != len(f.want) {
						t.Fatalf("%s, %d threads, layer %d: %d %s rows, want %d", name, threads, i, len(f.got), f.what, len(f.want))
					}
					for r := range f.got {
						if d := maxDiff(f.got[r], f.want[r]); d != 0 {
							t.Errorf("%s, %d threads, layer %d: %s row %d differs by %g", name, threads, i, f.what, r, d)
						}
					}
				}
				for h := range w.Attention {
					for r := range w.Attention[h] {
						if d := maxDiff(g.Attention[h][r], w.Attention[h][r]); d != 0 {
							t.Errorf("%s, %d threads, layer %d: attention head %d row %d differs by %g", name, threads, i, h, r, d)
						}
					}
				}
			}
		}
	}
}
