package widgets

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"
	"strings"
)

// Matrix draws a large matrix (a DeltaNet head's 128 × 128 recurrent state,
// say) as an image, one pixel block per entry: red for positive, blue for
// negative, white for 0, at full colour for the largest magnitude. The
// image is an embedded PNG, so it shows without scripts, with the range
// and the norm written under it; with scripts on, hovering an entry shows
// its row, column and value.
type Matrix struct {
	Title              string
	Values             [][]float64 // [row][col], at most 512 × 512
	RowLabel, ColLabel string      // what rows and columns index, e.g. "key dim"
	Note               string
}

const maxMatrix = 512

func (m Matrix) check() error {
	if len(m.Values) == 0 || len(m.Values) > maxMatrix || len(m.Values[0]) == 0 || len(m.Values[0]) > maxMatrix {
		return fmt.Errorf("widgets: Matrix: %d rows: want 1 to %d rows and columns", len(m.Values), maxMatrix)
	}
	for i, r := range m.Values {
		if len(r) != len(m.Values[0]) {
			return fmt.Errorf("widgets: Matrix: row %d has %d values, row 0 has %d", i, len(r), len(m.Values[0]))
		}
		for j, v := range r {
			if err := finite(fmt.Sprintf("widgets: Matrix: value [%d][%d]", i, j), v); err != nil {
				return err
			}
		}
	}
	return nil
}

// stats returns the smallest and largest entry and the Frobenius norm.
func (m Matrix) stats() (lo, hi, norm float64) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, r := range m.Values {
		for _, v := range r {
			lo, hi = min(lo, v), max(hi, v)
			norm += v * v
		}
	}
	return lo, hi, math.Sqrt(norm)
}

// Color is the colour of v on a scale whose full colour is at ±top.
func Color(v, top float64) color.RGBA {
	if top <= 0 {
		return color.RGBA{255, 255, 255, 255}
	}
	f := min(math.Abs(v)/top, 1)
	fade := uint8(math.Round(255 * (1 - f)))
	if v < 0 {
		return color.RGBA{fade, fade, 255, 255}
	}
	return color.RGBA{255, fade, fade, 255}
}

// PNG returns the matrix as a PNG image, one pixel per entry (row i is
// pixel row i), coloured by Color with top the largest magnitude.
func (m Matrix) PNG() ([]byte, error) {
	if err := m.check(); err != nil {
		return nil, err
	}
	lo, hi, _ := m.stats()
	top := max(-lo, hi)
	img := image.NewRGBA(image.Rect(0, 0, len(m.Values[0]), len(m.Values)))
	for i, r := range m.Values {
		for j, v := range r {
			img.SetRGBA(j, i, Color(v, top))
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		return nil, fmt.Errorf("widgets: Matrix: %w", err)
	}
	return b.Bytes(), nil
}

func (m Matrix) labels() (string, string) {
	r, c := m.RowLabel, m.ColLabel
	if r == "" {
		r = "row"
	}
	if c == "" {
		c = "column"
	}
	return r, c
}

const matrixJS = `var img=q(r,"img"),out=q(r,".at");
img.addEventListener("mousemove",function(e){var b=img.getBoundingClientRect();var j=Math.floor((e.clientX-b.left)/b.width*D.c),i=Math.floor((e.clientY-b.top)/b.height*D.r);
if(i<0||j<0||i>=D.r||j>=D.c)return;out.textContent=D.rl+" "+i+", "+D.cl+" "+j+": "+fmtN(D.v[i*D.c+j],4);});`

// HTML renders the matrix.
func (m Matrix) HTML() (string, error) {
	data, err := m.PNG()
	if err != nil {
		return "", err
	}
	rows, cols := len(m.Values), len(m.Values[0])
	scale := max(1, 256/max(rows, cols))
	lo, hi, norm := m.stats()
	rl, cl := m.labels()
	id := newID()
	var w strings.Builder
	fmt.Fprintf(&w, `<div class="llmw llmw-matrix" id="%s">%s<h4>%s</h4>`, id, style, esc(m.Title))
	fmt.Fprintf(&w, `<img alt="%s: %d × %d, red positive, blue negative" src="data:image/png;base64,%s" width="%d" height="%d" style="image-rendering:pixelated;border:1px solid rgba(128,128,128,.4)">`,
		esc(m.Title), rows, cols, base64.StdEncoding.EncodeToString(data), cols*scale, rows*scale)
	fmt.Fprintf(&w, `<p class="note">%d %ss down × %d %ss across · red positive, blue negative, white 0 · min %s, max %s, Frobenius norm %s</p>`,
		rows, esc(rl), cols, esc(cl), num(lo, 4), num(hi, 4), num(norm, 4))
	w.WriteString(`<p class="note at" aria-live="polite"></p>`)
	if m.Note != "" {
		fmt.Fprintf(&w, `<p class="note">%s</p>`, esc(m.Note))
	}
	flat := make([]float64, 0, rows*cols)
	for _, r := range m.Values {
		for _, v := range r {
			flat = append(flat, float64(float32(v)))
		}
	}
	w.WriteString(script(id, jsonData(map[string]any{"r": rows, "c": cols, "rl": rl, "cl": cl, "v": flat}), matrixJS))
	w.WriteString(`</div>`)
	return w.String(), nil
}

// Text gives the size, range and norm, and the top-left corner of the matrix.
func (m Matrix) Text() (string, error) {
	if err := m.check(); err != nil {
		return "", err
	}
	lo, hi, norm := m.stats()
	rl, cl := m.labels()
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n%d %ss × %d %ss: min %s, max %s, Frobenius norm %s\n", m.Title, len(m.Values), rl, len(m.Values[0]), cl, num(lo, 4), num(hi, 4), num(norm, 4))
	for _, r := range m.Values[:min(4, len(m.Values))] {
		var cells []string
		for _, v := range r[:min(4, len(r))] {
			cells = append(cells, num(v, 4))
		}
		b.WriteString(row(cells, 10, 10, 10, 10))
	}
	if m.Note != "" {
		b.WriteString(m.Note + "\n")
	}
	return b.String(), nil
}

// TokenHeadGrid shades a [token][head] table, one row per token (its piece
// with visible spaces) and one column per head: a DeltaNet layer's β or
// decay over a prompt, say. At most 64 tokens and 64 heads.
func TokenHeadGrid(title string, pieces []string, values [][]float32, digits int) HeatGrid {
	g := HeatGrid{Title: title, Digits: digits}
	for t, p := range pieces {
		g.Rows = append(g.Rows, fmt.Sprintf("%d %s", t, visible(p)))
	}
	for t, r := range values {
		if t == 0 {
			for h := range r {
				g.Cols = append(g.Cols, fmt.Sprintf("h%d", h))
			}
		}
		row := make([]float64, len(r))
		for h, v := range r {
			row[h] = float64(v)
		}
		g.Values = append(g.Values, row)
	}
	return g
}
