package llm

import (
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
)

var (
	tinyEmbOnce sync.Once
	tinyEmbM    *Model
	tinyEmbE    *Embeddings
	tinyEmbRaw  []float32 // the checkpoint's matrix, widened by safetensors (independent of Embeddings.row)
)

// tinyEmb loads the embedded model once for the embedding tests.
func tinyEmb(t testing.TB) (*Model, *Embeddings, []float32) {
	t.Helper()
	tinyEmbOnce.Do(func() {
		m, err := Load("tiny")
		if err != nil {
			t.Fatal(err)
		}
		e, err := m.Embeddings()
		if err != nil {
			t.Fatal(err)
		}
		tinyEmbM, tinyEmbE = m, e
		tinyEmbRaw = m.Net.MustWeight("embed_tokens.weight").Float32()
	})
	if tinyEmbE == nil {
		t.Fatal("the tiny model did not load")
	}
	return tinyEmbM, tinyEmbE, tinyEmbRaw
}

// bruteCosines is the cosine of q with every row of raw, all in float64.
func bruteCosines(raw []float32, hidden int, q []float64) []float64 {
	var qn float64
	for _, x := range q {
		qn += x * x
	}
	qn = math.Sqrt(qn)
	out := make([]float64, len(raw)/hidden)
	for i := range out {
		var d, n float64
		for j, x := range raw[i*hidden : (i+1)*hidden] {
			d += float64(x) * q[j]
			n += float64(x) * float64(x)
		}
		out[i] = d / (math.Sqrt(n) * qn)
	}
	return out
}

func TestEmbeddingsShapeAndRows(t *testing.T) {
	m, e, raw := tinyEmb(t)
	cfg := m.Config()
	if e.Vocab != cfg.Vocab || e.Hidden != cfg.Hidden || e.Vocab != 4096 || e.Hidden != 256 {
		t.Fatalf("shape %d × %d, config %d × %d", e.Vocab, e.Hidden, cfg.Vocab, cfg.Hidden)
	}
	if e.DType != "BF16" || e.Bytes() != 2*4096*256 {
		t.Errorf("dtype %s, %d bytes; want BF16, %d", e.DType, e.Bytes(), 2*4096*256)
	}
	if !e.Tied {
		t.Error("the tiny model ties its embeddings (tie_word_embeddings), Tied is false")
	}
	norms := e.Norms()
	for _, id := range []int{0, 1, 17, 1234, 4095} {
		r := e.MustRow(id)
		want := raw[id*e.Hidden : (id+1)*e.Hidden]
		if !slices.Equal(r, want) {
			t.Errorf("row %d differs from the checkpoint", id)
		}
		eng, err := m.Net.Embed(id)
		if err != nil || !slices.Equal(r, eng) {
			t.Errorf("row %d differs from the engine's lookup (%v)", id, err)
		}
		var s float64
		for _, x := range want {
			s += float64(x) * float64(x)
		}
		if d := math.Abs(float64(norms[id]) - math.Sqrt(s)); d > 1e-5*math.Sqrt(s) {
			t.Errorf("norm of row %d: %g, want %g", id, norms[id], math.Sqrt(s))
		}
	}
	for _, id := range []int{-1, 4096} {
		if _, err := e.Row(id); err == nil || !strings.Contains(err.Error(), "outside the vocabulary") {
			t.Errorf("Row(%d): error %v", id, err)
		}
	}
}

func TestNearestMatchesBruteForce(t *testing.T) {
	m, e, raw := tinyEmb(t)
	for _, word := range []string{" said", " three", " man", " bank"} {
		id, err := e.Token(word)
		if err != nil {
			t.Fatal(err)
		}
		q := e.MustRow(id)
		qd := make([]float64, len(q))
		for i, x := range q {
			qd[i] = float64(x)
		}
		want := bruteCosines(raw, e.Hidden, qd)
		order := make([]int, len(want))
		for i := range order {
			order[i] = i
		}
		sort.SliceStable(order, func(a, b int) bool { return want[order[a]] > want[order[b]] })
		order = slices.DeleteFunc(order, func(i int) bool { return i == id })
		got := e.MustNearest(q, 10, id)
		if len(got) != 10 {
			t.Fatalf("%q: %d neighbours, want 10", word, len(got))
		}
		for i, n := range got {
			w := order[i]
			if math.Abs(float64(n.Cosine)-want[n.ID]) > 1e-4 {
				t.Errorf("%q #%d %q: cosine %.5f, brute force %.5f", word, i, n.Piece, n.Cosine, want[n.ID])
			}
			// The same token, unless two cosines are too close to order in float32.
			if n.ID != w && math.Abs(want[n.ID]-want[w]) > 1e-4 {
				t.Errorf("%q #%d: %q (%.5f), brute force %q (%.5f)", word, i, n.Piece, n.Cosine, m.Piece(w), want[w])
			}
			if n.Piece != m.Piece(n.ID) || n.ID == id {
				t.Errorf("%q #%d: piece %q id %d", word, i, n.Piece, n.ID)
			}
		}
	}
	if _, err := e.Nearest(make([]float32, 3), 5); err == nil {
		t.Error("Nearest of a 3-value vector: no error")
	}
	if _, err := e.Nearest(e.MustRow(1), 5, 99999); err == nil {
		t.Error("Nearest excluding id 99999: no error")
	}
}

func TestAnalogyMatchesBruteForce(t *testing.T) {
	_, e, raw := tinyEmb(t)
	got, err := e.Analogy(" he", " man", " woman", 5)
	if err != nil {
		t.Fatal(err)
	}
	ids := make([]int, 3)
	q := make([]float64, e.Hidden)
	for i, w := range []string{" he", " man", " woman"} {
		ids[i], _ = e.Token(w)
		sign := []float64{1, -1, 1}[i]
		for j, x := range raw[ids[i]*e.Hidden : (ids[i]+1)*e.Hidden] {
			q[j] += sign * float64(x)
		}
	}
	want := bruteCosines(raw, e.Hidden, q)
	best, bestCos := -1, math.Inf(-1)
	for i, c := range want {
		if !slices.Contains(ids, i) && c > bestCos {
			best, bestCos = i, c
		}
	}
	if got[0].ID != best || math.Abs(float64(got[0].Cosine)-bestCos) > 1e-4 {
		t.Errorf("he − man + woman: %q %.4f, brute force id %d %.4f", got[0].Piece, got[0].Cosine, best, bestCos)
	}
	for _, n := range got {
		if slices.Contains(ids, n.ID) {
			t.Errorf("the analogy returned one of its own words: %q", n.Piece)
		}
	}
	// A word the tiny vocabulary splits: the error names its pieces.
	_, err = e.Analogy(" king", " man", " woman", 5)
	if err == nil || !strings.Contains(err.Error(), `" king" is 2 tokens`) || !strings.Contains(err.Error(), `" k" + "ing"`) {
		t.Errorf("analogy with \" king\": error %v", err)
	}
}

func TestScoresAreTheTiedLogits(t *testing.T) {
	m, e, _ := tinyEmb(t)
	p := m.MustRun("They had a picnic on the river bank")
	st := p.MustStream(-1)
	h := st[len(st)-1].Vec
	s, err := e.Scores(h)
	if err != nil {
		t.Fatal(err)
	}
	for i, l := range p.Logits {
		if d := math.Abs(float64(s[i] - l)); d > 1e-3*(1+math.Abs(float64(l))) {
			t.Fatalf("token %d: E·h = %g, the model's logit %g", i, s[i], l)
		}
	}
	// Independent: the dot product of one row with h, in float64.
	id := p.Top[0].ID
	if d := math.Abs(Dot(e.MustRow(id), h) - float64(p.Logits[id])); d > 1e-3 {
		t.Errorf("row %d · h = %g, logit %g", id, Dot(e.MustRow(id), h), p.Logits[id])
	}
}

func TestMixOneHotIsTheRow(t *testing.T) {
	_, e, _ := tinyEmb(t)
	w := make([]float32, e.Vocab)
	w[321] = 1
	got, err := e.Mix(w)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, e.MustRow(321)) {
		t.Error("one-hot · E differs from row 321")
	}
	w[321], w[7], w[8] = 0, 0.5, 0.5
	got, _ = e.Mix(w)
	for j := range got {
		want := 0.5*float64(e.MustRow(7)[j]) + 0.5*float64(e.MustRow(8)[j])
		if math.Abs(float64(got[j])-want) > 1e-6 {
			t.Fatalf("mix of rows 7 and 8, value %d: %g, want %g", j, got[j], want)
		}
	}
	if _, err := e.Mix(w[:10]); err == nil {
		t.Error("Mix of 10 weights: no error")
	}
}

func TestWordSplitAndMean(t *testing.T) {
	_, e, raw := tinyEmb(t)
	single, several := e.Split(" dog", " tiger", " three")
	if len(single) != 2 || len(several) != 1 || several[0].Text != " tiger" {
		t.Fatalf("Split: single %v, several %v", single, several)
	}
	w := several[0]
	for j, v := range w.Vec {
		var s float64
		for _, id := range w.IDs {
			s += float64(raw[id*e.Hidden+j])
		}
		if math.Abs(float64(v)-s/float64(len(w.IDs))) > 1e-6 {
			t.Fatalf("%q value %d: %g, want the mean of its rows %g", w.Text, j, v, s/float64(len(w.IDs)))
		}
	}
	if _, err := e.Word(""); err == nil {
		t.Error("Word(\"\"): no error")
	}
}

func TestCosineAndVectors(t *testing.T) {
	a, b := []float32{3, 4}, []float32{4, 3}
	if Dot(a, b) != 24 || Norm(a) != 5 || math.Abs(Cosine(a, b)-0.96) > 1e-12 {
		t.Errorf("dot %g norm %g cos %g, want 24, 5, 0.96", Dot(a, b), Norm(a), Cosine(a, b))
	}
	if Cosine(a, []float32{0, 0}) != 0 {
		t.Error("cosine with a zero vector is not 0")
	}
	if !slices.Equal(Sub(a, b), []float32{-1, 1}) || !slices.Equal(Add(a, b), []float32{7, 7}) {
		t.Error("Sub or Add")
	}
}

func TestStream(t *testing.T) {
	m, e, _ := tinyEmb(t)
	p1 := m.MustRun("They had a picnic on the river bank")
	p2 := m.MustRun("My rent is paid straight from the bank")
	s1, s2 := p1.MustStream(-1), p2.MustStream(len(p2.IDs)-1)
	if len(s1) != m.Config().Layers+2 || s1[0].Name != "embedding" || s1[len(s1)-1].Name != "final norm" {
		t.Fatalf("%d stages %q … %q", len(s1), s1[0].Name, s1[len(s1)-1].Name)
	}
	if !slices.Equal(s1[0].Vec, e.MustRow(p1.IDs[len(p1.IDs)-1])) {
		t.Error("stage 0 is not the embedding row")
	}
	if !slices.Equal(s1[len(s1)-1].Vec, p1.Capture.Hidden[len(p1.IDs)-1]) {
		t.Error("the last stage is not the final hidden state")
	}
	cos, err := StreamCosines(s1, s2)
	if err != nil {
		t.Fatal(err)
	}
	if cos[0] < 1-1e-6 {
		t.Errorf("the same token's embedding rows have cosine %g, want 1", cos[0])
	}
	if cos[len(cos)-1] > 0.999 {
		t.Errorf("the final hidden states of bank in two contexts have cosine %g: context changed nothing", cos[len(cos)-1])
	}
	if _, err := p1.Stream(len(p1.IDs)); err == nil {
		t.Error("Stream past the end: no error")
	}
	if _, err := StreamCosines(s1, s2[:3]); err == nil {
		t.Error("StreamCosines of different lengths: no error")
	}
}

// powerPCA is an independent PCA: the covariance matrix by hand, then power
// iteration with deflation for the top k eigenvectors.
func powerPCA(rows [][]float64, k int) (vals []float64, vecs [][]float64, total float64) {
	n, d := len(rows), len(rows[0])
	mean := make([]float64, d)
	for _, r := range rows {
		for j, x := range r {
			mean[j] += x / float64(n)
		}
	}
	cov := make([][]float64, d)
	for a := range cov {
		cov[a] = make([]float64, d)
		for b := range cov[a] {
			for _, r := range rows {
				cov[a][b] += (r[a] - mean[a]) * (r[b] - mean[b]) / float64(n-1)
			}
		}
		total += cov[a][a]
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for range k {
		v := make([]float64, d)
		for j := range v {
			v[j] = rng.NormFloat64()
		}
		var lambda float64
		for range 5000 {
			w := make([]float64, d)
			for a := range d {
				for b := range d {
					w[a] += cov[a][b] * v[b]
				}
			}
			var s float64
			for _, x := range w {
				s += x * x
			}
			lambda = math.Sqrt(s)
			for j := range w {
				v[j] = w[j] / lambda
			}
		}
		vals, vecs = append(vals, lambda), append(vecs, v)
		for a := range d {
			for b := range d {
				cov[a][b] -= lambda * v[a] * v[b]
			}
		}
	}
	return vals, vecs, total
}

func TestPCAMatchesPowerIteration(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	const n, d = 60, 6
	rows32 := make([][]float32, n)
	rows64 := make([][]float64, n)
	for i := range rows32 {
		// Well-separated spreads along mixed directions, plus an offset.
		a, b, c := 5*rng.NormFloat64(), 2*rng.NormFloat64(), 0.5*rng.NormFloat64()
		r := []float64{a + b + 3, a - b, c + 1, a + c, 0.1 * rng.NormFloat64(), b - c - 2}
		rows64[i] = r
		rows32[i] = float32s(r)
		for j := range r {
			rows64[i][j] = float64(rows32[i][j])
		}
	}
	p, err := FitPCA(rows32, 2)
	if err != nil {
		t.Fatal(err)
	}
	vals, vecs, total := powerPCA(rows64, 2)
	if math.Abs(p.Total-total) > 1e-9*total {
		t.Errorf("total variance %g, by hand %g", p.Total, total)
	}
	for c := range 2 {
		if math.Abs(p.Variance[c]-vals[c]) > 1e-6*vals[c] {
			t.Errorf("component %d: variance %g, power iteration %g", c, p.Variance[c], vals[c])
		}
		var dot float64
		for j := range d {
			dot += p.Components[c][j] * vecs[c][j]
		}
		if math.Abs(math.Abs(dot)-1) > 1e-6 {
			t.Errorf("component %d: |cos| with power iteration %g, want 1", c, math.Abs(dot))
		}
		if ex := p.Explained()[c]; math.Abs(ex-vals[c]/total) > 1e-6 {
			t.Errorf("component %d explains %g, want %g", c, ex, vals[c]/total)
		}
	}
	// Coordinates: centred rows dotted with the components; their variance is
	// the component's.
	for c := range 2 {
		var s float64
		for i := range n {
			s += p.Coords[i][c] * p.Coords[i][c]
		}
		if v := s / (n - 1); math.Abs(v-p.Variance[c]) > 1e-6*v {
			t.Errorf("component %d: variance of the coordinates %g, want %g", c, v, p.Variance[c])
		}
	}
	for _, bad := range []struct {
		rows [][]float32
		k    int
		want string
	}{
		{rows32[:1], 1, "at least 2"},
		{rows32, 7, "k = 7"},
		{[][]float32{{1, 2}, {1}}, 1, "vector 1 has 1 values"},
		{[][]float32{{1, 2}, {float32(math.NaN()), 1}}, 1, "NaN"},
	} {
		if _, err := FitPCA(bad.rows, bad.k); err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("FitPCA(%d rows, k=%d): error %v, want %q", len(bad.rows), bad.k, err, bad.want)
		}
	}
}

func BenchmarkNearest(b *testing.B) {
	_, e, _ := tinyEmb(b)
	q := e.MustRow(100)
	for b.Loop() {
		e.MustNearest(q, 10, 100)
	}
}

func TestCollectAndMeanCosines(t *testing.T) {
	_, e, _ := tinyEmb(t)
	if got := Spaced(" cat  dog "); !slices.Equal(got, []string{" cat", " dog"}) {
		t.Fatalf("Spaced: %q", got)
	}
	c := e.Collect(Category{"animals", Spaced("dog cat tiger")}, Category{"numbers", Spaced("one two three")})
	if !slices.Equal(c.Labels, []string{" dog", " cat", " one", " two", " three"}) || c.Groups[1] != "animals" || c.Groups[2] != "numbers" {
		t.Fatalf("labels %q groups %q", c.Labels, c.Groups)
	}
	if len(c.Split["animals"]) != 1 || c.Split["animals"][0].Text != " tiger" || len(c.Split["numbers"]) != 0 {
		t.Errorf("split %v", c.Split)
	}
	// By hand: 1 animal pair and 3 number pairs within, 2×3 pairs across.
	cos := func(a, b string) float64 { return Cosine(e.MustWord(a).Vec, e.MustWord(b).Vec) }
	within := (cos(" dog", " cat") + cos(" one", " two") + cos(" one", " three") + cos(" two", " three")) / 4
	var across float64
	for _, a := range []string{" dog", " cat"} {
		for _, b := range []string{" one", " two", " three"} {
			across += cos(a, b) / 6
		}
	}
	w, a := c.MeanCosines()
	if math.Abs(w-within) > 1e-12 || math.Abs(a-across) > 1e-12 {
		t.Errorf("mean cosines %g %g, by hand %g %g", w, a, within, across)
	}
}

func TestDirectionCompareByNorm(t *testing.T) {
	_, e, raw := tinyEmb(t)
	d, err := e.Direction(" woman", " man")
	if err != nil {
		t.Fatal(err)
	}
	w, _ := e.Token(" woman")
	m, _ := e.Token(" man")
	for j := range d {
		if d[j] != raw[w*e.Hidden+j]-raw[m*e.Hidden+j] {
			t.Fatalf("direction value %d", j)
		}
	}
	if _, err := e.Direction(" queen", " king"); err == nil {
		t.Error("Direction of split words: no error")
	}
	got, err := e.Compare(d, " she", " tiger", " he")
	if err != nil || len(got) != 2 || got[0].Piece != " she" || got[1].Piece != " he" {
		t.Fatalf("Compare: %v %v", got, err)
	}
	she, _ := e.Token(" she")
	if math.Abs(float64(got[0].Cosine)-Cosine(d, e.MustRow(she))) > 1e-6 {
		t.Errorf("Compare cosine %g", got[0].Cosine)
	}
	ids := e.ByNorm()
	n := e.Norms()
	if len(ids) != e.Vocab {
		t.Fatalf("%d ids", len(ids))
	}
	seen := make([]bool, e.Vocab)
	for i, id := range ids {
		seen[id] = true
		if i > 0 && n[ids[i-1]] > n[id] {
			t.Fatalf("ByNorm out of order at %d", i)
		}
	}
	if slices.Contains(seen, false) {
		t.Error("ByNorm is not a permutation")
	}
}
