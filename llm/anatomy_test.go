package llm

import (
	"math"
	"strings"
	"testing"
)

// TestAnatomyPublished checks the parts of Qwen3.5-0.8B's published config
// against numbers computed here from the config's sizes by hand, and
// against the published totals (752,393,024 text, 852,985,920 text +
// vision).
func TestAnatomyPublished(t *testing.T) {
	c := Qwen35Config()
	parts := Anatomy(c)
	var total, text int64
	seen := map[string]bool{}
	kinds := map[string]int{}
	for _, p := range parts {
		total += p.Params()
		if p.Kind != KindVision && p.Kind != KindMTP {
			text += p.Params()
		}
		kinds[p.Kind]++
		for _, tn := range p.Tensors {
			if seen[tn.Name] {
				t.Errorf("tensor %s in two parts", tn.Name)
			}
			seen[tn.Name] = true
		}
	}
	if n := len(c.Tensors()); len(seen) != n {
		t.Errorf("%d tensors in parts, the config lists %d", len(seen), n)
	}
	if text != 752_393_024 || total-partKind(parts, KindMTP) != 852_985_920 {
		t.Errorf("text %d, text+vision %d", text, total-partKind(parts, KindMTP))
	}
	if p := c.Params(); total != p.Stored || text != p.Text {
		t.Errorf("parts sum to %d (text %d), Params says %d (%d)", total, text, p.Stored, p.Text)
	}
	if kinds[KindDeltaNet] != 18 || kinds[KindAttention] != 6 || kinds[KindMLP] != 24 || kinds[KindLMHead] != 0 {
		t.Errorf("kinds %v", kinds)
	}
	H, I := int64(c.Hidden), int64(c.Intermediate)
	for _, p := range parts {
		var want int64
		switch p.Kind {
		case KindEmbedding:
			want = 248320 * 1024
		case KindMLP:
			want = 3 * H * I
		case KindNorms, KindFinalNorm:
			want = H * int64(len(p.Tensors))
		case KindAttention: // q with gate 2·8·256, k and v 2·256, o, q/k norms
			want = 2*8*256*H + 2*2*256*H + 8*256*H + 2*256
		case KindDeltaNet: // qkv 6144, z 2048, b and a 16, conv 6144×4, dt 16, A 16, norm 128, out
			want = 6144*H + 2048*H + 2*16*H + 6144*4 + 16 + 16 + 128 + 2048*H
		default:
			continue
		}
		if p.Params() != want {
			t.Errorf("%s: %d parameters, want %d", p.Name, p.Params(), want)
		}
	}
	if !strings.HasSuffix(parts[11].Name, "layer 4 · attention") || parts[3].Kind != KindMLP {
		t.Errorf("order: %s, %s", parts[3].Name, parts[11].Name)
	}
}

func partKind(parts []Part, kind string) int64 {
	var n int64
	for _, p := range parts {
		if p.Kind == kind {
			n += p.Params()
		}
	}
	return n
}

// TestBudget checks that the budget's lines sum to every stored parameter
// and their shares to 1, on the published config and the embedded model's.
func TestBudget(t *testing.T) {
	m, err := LoadTiny()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []*Config{Qwen35Config(), m.Config()} {
		var n int64
		var share float64
		for _, l := range Budget(c) {
			n += l.Params
			share += l.Share
			if l.Params != partKind(Anatomy(c), l.Kind) {
				t.Errorf("%s: %d", l.Kind, l.Params)
			}
		}
		if n != c.Params().Stored || math.Abs(share-1) > 1e-12 {
			t.Errorf("budget sums to %d (shares %v), stored %d", n, share, c.Params().Stored)
		}
	}
}

// TestDecodeLogits checks the token-by-token path against one forward pass
// over the whole prompt.
func TestDecodeLogits(t *testing.T) {
	m, err := LoadTiny()
	if err != nil {
		t.Fatal(err)
	}
	ids := m.Encode("The cat sat on the mat")
	d, err := m.DecodeLogits(ids)
	if err != nil {
		t.Fatal(err)
	}
	if diff := MaxDiff(d, m.Logits(ids)); diff > 1e-3 {
		t.Errorf("decode vs prefill: %v", diff)
	}
	if _, err := m.DecodeLogits(nil); err == nil {
		t.Error("no error for no tokens")
	}
}

// TestPerplexity recomputes the perplexity and a log-likelihood from
// Forward's last-position logits, one prefix at a time.
func TestPerplexity(t *testing.T) {
	m, err := LoadTiny()
	if err != nil {
		t.Fatal(err)
	}
	text := "The cat sat on the mat."
	ppl, nats, n, err := m.Perplexity(text)
	if err != nil {
		t.Fatal(err)
	}
	ids := m.Encode(text)
	var sum float64
	for i := 1; i < len(ids); i++ {
		p := Softmax(m.Logits(ids[:i]), 1)
		sum -= math.Log(float64(p[ids[i]]))
	}
	if n != len(ids)-1 || math.Abs(nats-sum/float64(n)) > 1e-4 || math.Abs(ppl-math.Exp(nats)) > 1e-9 {
		t.Errorf("perplexity %v nats %v n %d; by prefixes %v", ppl, nats, n, sum/float64(n))
	}
	ll, err := m.LogLikelihood("The cat sat on the", " mat.")
	if err != nil {
		t.Fatal(err)
	}
	pre, cont := m.Encode("The cat sat on the"), m.Encode(" mat.")
	all := append(pre, cont...)
	var want float64
	for j := range cont {
		p := Softmax(m.Logits(all[:len(pre)+j]), 1)
		want += math.Log(float64(p[cont[j]]))
	}
	if math.Abs(ll-want) > 1e-3 {
		t.Errorf("log-likelihood %v, by prefixes %v", ll, want)
	}
	if _, _, _, err := m.Perplexity(""); err == nil {
		t.Error("no error for empty text")
	}
}

// TestAnatomyMustForms: the Must forms chapter 16 uses return what their error forms
// return, and panic where those return an error.
func TestAnatomyMustForms(t *testing.T) {
	m, err := LoadTiny()
	if err != nil {
		t.Fatal(err)
	}
	ids := m.Encode("The cat sat on the mat")
	d, _ := m.DecodeLogits(ids)
	if got := m.MustDecodeLogits(ids); MaxDiff(got, d) != 0 {
		t.Error("MustDecodeLogits differs from DecodeLogits")
	}
	ll, _ := m.LogLikelihood("The cat", " sat")
	if got := m.MustLogLikelihood("The cat", " sat"); got != ll {
		t.Errorf("MustLogLikelihood = %v, LogLikelihood = %v", got, ll)
	}
	p := m.MustRun("The cat sat")
	L, last := m.Config().Layers, len(p.IDs)-1
	if got := m.MustReadBoundary(p, nil, L, last); MaxDiff(got, p.Logits) > 1e-4 {
		t.Errorf("MustReadBoundary at the last layer differs from the logits by %v", MaxDiff(got, p.Logits))
	}
	for name, f := range map[string]func(){
		"MustDecodeLogits":  func() { m.MustDecodeLogits(nil) },
		"MustLogLikelihood": func() { m.MustLogLikelihood("", "") },
		"MustReadBoundary":  func() { m.MustReadBoundary(p, nil, L+1, last) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s did not panic on bad input", name)
				}
			}()
			f()
		}()
	}
	q, err := LoadTiny()
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()
	q.MustQuantizeQ8()
	if q.WeightBytes() >= m.WeightBytes() {
		t.Errorf("after MustQuantizeQ8 a token reads %d bytes, before %d", q.WeightBytes(), m.WeightBytes())
	}
}
