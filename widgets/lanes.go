package widgets

import (
	"fmt"
	"math"
	"strings"

	"github.com/how-llms-work/course/llm"
)

// LaneMap draws grouped-query attention's wiring: a row of query heads,
// a row of KV heads, and a line from each query head to the KV head whose
// keys and values it reads (query head h reads KV head h / (Heads/KVHeads)).
// Heads of one group share a colour. A button per query head picks it: its
// lane and its group-mates stay lit, the rest fade, and a line says whom it
// shares with. Without JavaScript a table lists the groups.
type LaneMap struct {
	Title   string
	Heads   int // query heads
	KVHeads int // KV heads; must divide Heads
	Note    string
}

// LanesOf returns the lane map of cfg's full-attention layers.
func LanesOf(cfg *llm.Config) LaneMap {
	return LaneMap{Heads: cfg.Heads, KVHeads: cfg.KVHeads}
}

const maxLaneHeads = 64

func (l LaneMap) check() error {
	if l.Heads < 1 || l.Heads > maxLaneHeads || l.KVHeads < 1 || l.KVHeads > l.Heads || l.Heads%l.KVHeads != 0 {
		return fmt.Errorf("widgets: LaneMap: %d query heads, %d KV heads: want 1 to %d query heads and a number of KV heads that divides them", l.Heads, l.KVHeads, maxLaneHeads)
	}
	return nil
}

func (l LaneMap) title() string {
	if l.Title != "" {
		return l.Title
	}
	return fmt.Sprintf("%d query heads → %d KV heads (groups of %d)", l.Heads, l.KVHeads, l.Heads/l.KVHeads)
}

// members returns the query heads of each group.
func (l LaneMap) members() [][]int {
	group := l.Heads / l.KVHeads
	m := make([][]int, l.KVHeads)
	for h := range l.Heads {
		m[h/group] = append(m[h/group], h)
	}
	return m
}

func headList(hs []int) string {
	s := make([]string, len(hs))
	for i, h := range hs {
		s[i] = fmt.Sprintf("Q%d", h)
	}
	return strings.Join(s, ", ")
}

// HTML renders the lane map.
func (l LaneMap) HTML() (string, error) {
	if err := l.check(); err != nil {
		return "", err
	}
	id := newID()
	group := l.Heads / l.KVHeads
	const chip, gap, top, bottom = 40, 12, 20, 130
	width := max(l.Heads*(chip+gap), 200)
	qx := func(h int) float64 { return float64(width)*(float64(h)+0.5)/float64(l.Heads) + 10 }
	kx := func(g int) float64 { return float64(width)*(float64(g)+0.5)/float64(l.KVHeads) + 10 }
	color := func(g int) string { return palette[g%len(palette)] }
	var w strings.Builder
	fmt.Fprintf(&w, `<div class="llmw llmw-lanes" id="%s">%s<h4>%s</h4>`, id, style, esc(l.title()))
	fmt.Fprintf(&w, `<svg width="%d" height="%d" viewBox="0 0 %[1]d %[2]d" role="img" aria-label="%s">`, width+20, bottom+40, esc(l.title()))
	for h := range l.Heads {
		g := h / group
		fmt.Fprintf(&w, `<line class="lane" x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="%s" stroke-width="2"/>`, qx(h), top+24, kx(g), bottom, color(g))
	}
	for h := range l.Heads {
		g := h / group
		fmt.Fprintf(&w, `<g class="q"><rect x="%.1f" y="%d" width="%d" height="24" rx="4" fill="%s" fill-opacity=".35" stroke="%[4]s"/><text x="%.1f" y="%d" text-anchor="middle">Q%d</text><title>query head %[7]d reads KV head %d</title></g>`,
			qx(h)-chip/2, top, chip, color(g), qx(h), top+16, h, g)
	}
	for g := range l.KVHeads {
		fmt.Fprintf(&w, `<g class="kv"><rect x="%.1f" y="%d" width="%d" height="24" rx="4" fill="%s" fill-opacity=".6" stroke="%[4]s"/><text x="%.1f" y="%d" text-anchor="middle">KV %d</text></g>`,
			kx(g)-30, bottom, 60, color(g), kx(g), bottom+16, g)
	}
	fmt.Fprintf(&w, `<text x="4" y="12">query heads</text><text x="4" y="%d">KV heads (keys and values, cached)</text></svg>`, bottom+36)
	w.WriteString(`<div class="ctl" role="group" aria-label="pick a query head">`)
	for h := range l.Heads {
		w.WriteString(idf(id, `<button type="button" id="{id}-q%d" aria-pressed="false">Q%[1]d</button>`, h))
	}
	w.WriteString(idf(id, `<output id="{id}-out" aria-live="polite">pick a query head</output></div>`))
	w.WriteString(`<table><thead><tr><th scope="col">KV head</th><th scope="col">query heads reading it</th></tr></thead><tbody>`)
	for g, hs := range l.members() {
		fmt.Fprintf(&w, `<tr><td><span style="color:%s">■</span> KV %d</td><td>%s</td></tr>`, color(g), g, headList(hs))
	}
	w.WriteString(`</tbody></table>`)
	if l.Note != "" {
		fmt.Fprintf(&w, `<p class="note">%s</p>`, esc(l.Note))
	}
	w.WriteString(script(id, jsonData(map[string]int{"h": l.Heads, "g": group}), lanesJS))
	w.WriteString(`</div>`)
	return w.String(), nil
}

const lanesJS = `var lines=qa(r,"line.lane"),qs=qa(r,"g.q"),kvs=qa(r,"g.kv"),out=q(r,"output"),bs=qa(r,".ctl button");
function pick(h){var g=Math.floor(h/D.g),mates=[];
lines.forEach(function(l,i){l.style.opacity=Math.floor(i/D.g)===g?(i===h?1:0.6):0.12;l.setAttribute("stroke-width",i===h?4:2);});
qs.forEach(function(c,i){c.style.opacity=Math.floor(i/D.g)===g?1:0.35;if(Math.floor(i/D.g)===g&&i!==h)mates.push("Q"+i);});
kvs.forEach(function(c,i){c.style.opacity=i===g?1:0.35;});
bs.forEach(function(b,i){b.setAttribute("aria-pressed",i===h?"true":"false");});
out.textContent="Q"+h+" reads KV "+g+(mates.length?", shared with "+mates.join(", "):", alone");}
bs.forEach(function(b,i){b.addEventListener("click",function(){pick(i);});});`

// Text renders the lane map as one line per KV head.
func (l LaneMap) Text() (string, error) {
	if err := l.check(); err != nil {
		return "", err
	}
	var b strings.Builder
	b.WriteString(l.title() + "\n")
	for g, hs := range l.members() {
		fmt.Fprintf(&b, "  KV %d ← %s\n", g, headList(hs))
	}
	if l.Note != "" {
		b.WriteString(l.Note + "\n")
	}
	return b.String(), nil
}

// KVCalc is a KV-cache calculator: a context-length slider (log scale, up
// to MaxTokens) and one bar each for multi-head (every query head its own
// KV head), grouped-query (the model's Cache) and multi-query attention
// (one KV head), with their sizes and the saving. Without JavaScript a
// table gives the sizes at the Marks lengths.
type KVCalc struct {
	Title     string
	Cache     llm.KVCache // the model's cache (GQA as configured)
	Heads     int         // query heads: the KV heads MHA would have
	MaxTokens int         // the slider's end, e.g. the context limit
	Tokens    int         // the slider's starting length (0 means min(4096, MaxTokens))
	Marks     []int       // lengths in the table (none: 1k, 4k, 32k and MaxTokens, those ≤ MaxTokens)
	Note      string
}

// KVCalcOf returns the calculator for cfg's full-attention layers, keys
// and values in bf16 (2 bytes), up to cfg's context limit; name says whose
// config it is.
func KVCalcOf(name string, cfg *llm.Config) KVCalc {
	return KVCalc{Title: fmt.Sprintf("KV cache of %s: %d full-attention layers, bf16", name, len(cfg.FullAttentionLayers())),
		Cache: llm.KVCacheOf(cfg, 2), Heads: cfg.Heads, MaxTokens: cfg.MaxPositions}
}

func (k KVCalc) check() error {
	c := k.Cache
	if c.Layers < 1 || c.KVHeads < 1 || c.HeadDim < 1 || c.Bytes < 1 {
		return fmt.Errorf("widgets: KVCalc: cache %+v: want at least 1 layer, KV head, dimension and byte", c)
	}
	if k.Heads < c.KVHeads {
		return fmt.Errorf("widgets: KVCalc: %d query heads for %d KV heads: want at least as many", k.Heads, c.KVHeads)
	}
	if k.MaxTokens < 1 || k.MaxTokens > 1<<30 || k.Tokens < 0 || k.Tokens > k.MaxTokens {
		return fmt.Errorf("widgets: KVCalc: %d tokens of at most %d: want 1 ≤ max ≤ 2^30 and the start within it", k.Tokens, k.MaxTokens)
	}
	for _, m := range k.Marks {
		if m < 1 || m > k.MaxTokens {
			return fmt.Errorf("widgets: KVCalc: mark %d outside 1 to %d tokens", m, k.MaxTokens)
		}
	}
	return nil
}

func (k KVCalc) title() string {
	if k.Title != "" {
		return k.Title
	}
	return "KV cache size"
}

func (k KVCalc) marks() []int {
	if len(k.Marks) > 0 {
		return k.Marks
	}
	var m []int
	for _, n := range []int{1024, 4096, 32768} {
		if n < k.MaxTokens {
			m = append(m, n)
		}
	}
	return append(m, k.MaxTokens)
}

func (k KVCalc) start() int {
	if k.Tokens > 0 {
		return k.Tokens
	}
	return min(4096, k.MaxTokens)
}

// variants returns the three caches: MHA, the model's, MQA.
func (k KVCalc) variants() ([3]string, [3]llm.KVCache) {
	return [3]string{"MHA", "GQA (this model)", "MQA"}, [3]llm.KVCache{k.Cache.With(k.Heads), k.Cache, k.Cache.With(1)}
}

// ByteSize formats a size in bytes with binary units: 2048 → "2.0 KiB".
func ByteSize(n int64) string {
	units := []string{"B", "KiB", "MiB", "GiB", "TiB"}
	v, u := float64(n), 0
	for v >= 1024 && u < len(units)-1 {
		v /= 1024
		u++
	}
	if u == 0 {
		return fmt.Sprintf("%d B", n)
	}
	return fmt.Sprintf("%.1f %s", v, units[u])
}

const kvSteps = 1000

// HTML renders the calculator.
func (k KVCalc) HTML() (string, error) {
	if err := k.check(); err != nil {
		return "", err
	}
	id := newID()
	names, caches := k.variants()
	n := k.start()
	step := 0
	if k.MaxTokens > 1 {
		step = int(math.Round(math.Log(float64(n)) / math.Log(float64(k.MaxTokens)) * kvSteps))
	}
	var w strings.Builder
	fmt.Fprintf(&w, `<div class="llmw llmw-kvcalc" id="%s">%s<h4>%s</h4>`, id, style, esc(k.title()))
	c := k.Cache
	fmt.Fprintf(&w, `<p class="note">bytes = 2 (key and value) × %d layers × KV heads × %d dims × %d bytes × tokens</p>`, c.Layers, c.HeadDim, c.Bytes)
	w.WriteString(idf(id, `<div class="ctl"><label for="{id}-n">context length</label><input type="range" id="{id}-n" min="0" max="%d" value="%d"><output id="{id}-tok" aria-live="polite">%s tokens</output></div>`,
		kvSteps, step, commas(int64(n))))
	top := caches[0].Size(n)
	w.WriteString(`<table><thead><tr><th scope="col">attention</th><th scope="col">KV heads</th><th scope="col">per token</th><th scope="col">cache</th><th scope="col"></th></tr></thead><tbody>`)
	for i, kc := range caches {
		frac := float64(kc.Size(n)) / float64(max(top, 1))
		fmt.Fprintf(&w, `<tr class="v"><td>%s</td><td>%d</td><td>%s</td><td class="sz">%s</td><td><svg width="200" height="12" viewBox="0 0 200 12" aria-hidden="true"><rect class="bar" x="0" y="1" width="%.1f" height="10"/></svg></td></tr>`,
			esc(names[i]), kc.KVHeads, ByteSize(kc.PerToken()), ByteSize(kc.Size(n)), 200*frac)
	}
	w.WriteString(`</tbody></table>`)
	fmt.Fprintf(&w, `<p class="ratio">MHA ÷ GQA = %s×, GQA ÷ MQA = %s×</p>`, num(float64(caches[0].PerToken())/float64(caches[1].PerToken()), 1), num(float64(caches[1].PerToken())/float64(caches[2].PerToken()), 1))
	w.WriteString(`<table><thead><tr><th scope="col">tokens</th>`)
	for _, name := range names {
		fmt.Fprintf(&w, `<th scope="col">%s</th>`, esc(name))
	}
	w.WriteString(`</tr></thead><tbody>`)
	for _, m := range k.marks() {
		fmt.Fprintf(&w, `<tr><td>%s</td>`, commas(int64(m)))
		for _, kc := range caches {
			fmt.Fprintf(&w, `<td>%s</td>`, ByteSize(kc.Size(m)))
		}
		w.WriteString(`</tr>`)
	}
	w.WriteString(`</tbody></table>`)
	if k.Note != "" {
		fmt.Fprintf(&w, `<p class="note">%s</p>`, esc(k.Note))
	}
	per := []int64{caches[0].PerToken(), caches[1].PerToken(), caches[2].PerToken()}
	w.WriteString(script(id, jsonData(map[string]any{"p": per, "max": k.MaxTokens, "s": kvSteps}), kvJS))
	w.WriteString(`</div>`)
	return w.String(), nil
}

const kvJS = `var sl=q(r,"input[type=range]"),tok=q(r,"output"),rows=qa(r,"tr.v");
function bytes(n){var u=["B","KiB","MiB","GiB","TiB"],v=n,i=0;while(v>=1024&&i<u.length-1){v/=1024;i++;}return i===0?n+" B":v.toFixed(1)+" "+u[i];}
function draw(){var n=Math.max(1,Math.round(Math.exp(sl.value/D.s*Math.log(D.max))));tok.textContent=n.toLocaleString("en-US")+" tokens";
rows.forEach(function(tr,i){var sz=D.p[i]*n;q(tr,"td.sz").textContent=bytes(sz);q(tr,"rect").setAttribute("width",(200*D.p[i]/D.p[0]).toFixed(1));});}
sl.addEventListener("input",draw);`

// Text renders the calculator as a table at the marked lengths.
func (k KVCalc) Text() (string, error) {
	if err := k.check(); err != nil {
		return "", err
	}
	names, caches := k.variants()
	var b strings.Builder
	b.WriteString(k.title() + "\n")
	b.WriteString(row([]string{"tokens", names[0], names[1], names[2]}, 12, 12, 18, 12))
	for _, m := range k.marks() {
		b.WriteString(row([]string{commas(int64(m)), ByteSize(caches[0].Size(m)), ByteSize(caches[1].Size(m)), ByteSize(caches[2].Size(m))}, 12, 12, 18, 12))
	}
	fmt.Fprintf(&b, "MHA ÷ GQA = %s×, GQA ÷ MQA = %s×\n", num(float64(caches[0].PerToken())/float64(caches[1].PerToken()), 1), num(float64(caches[1].PerToken())/float64(caches[2].PerToken()), 1))
	if k.Note != "" {
		b.WriteString(k.Note + "\n")
	}
	return b.String(), nil
}
