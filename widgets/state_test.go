package widgets

import (
	"bytes"
	"fmt"
	"image/png"
	"math"
	"strings"
	"testing"
)

// The PNG has one pixel per entry, in place, with the sign's colour and
// the magnitude's strength; the HTML and text carry the range and norm.
func TestMatrix(t *testing.T) {
	v := [][]float64{{1, -2, 0}, {0.5, 0, -1}}
	m := Matrix{Title: "S", Values: v, RowLabel: "key dim", ColLabel: "value dim"}
	data, err := m.PNG()
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if b := img.Bounds(); b.Dx() != 3 || b.Dy() != 2 {
		t.Fatalf("image %v, want 3 × 2", b)
	}
	for i, r := range v {
		for j, x := range r {
			cr, cg, cb, _ := img.At(j, i).RGBA()
			fade := uint32(math.Round(255*(1-math.Abs(x)/2))) * 0x101
			var want [3]uint32
			switch {
			case x > 0:
				want = [3]uint32{0xffff, fade, fade}
			case x < 0:
				want = [3]uint32{fade, fade, 0xffff}
			default:
				want = [3]uint32{0xffff, 0xffff, 0xffff}
			}
			if [3]uint32{cr, cg, cb} != want {
				t.Errorf("pixel (%d, %d) for %g: %v, want %v", i, j, x, [3]uint32{cr, cg, cb}, want)
			}
		}
	}
	h, err := m.HTML()
	if err != nil {
		t.Fatal(err)
	}
	norm := math.Sqrt(1 + 4 + 0.25 + 1)
	for _, want := range []string{"llmw-matrix", "data:image/png;base64,", "min -2.0000", "max 1.0000", fmt.Sprintf("norm %.4f", norm), "2 key dims down × 3 value dims across"} {
		if !strings.Contains(h, want) {
			t.Errorf("HTML lacks %q", want)
		}
	}
	txt, err := m.Text()
	if err != nil || !strings.Contains(txt, "2 key dims × 3 value dims") || !strings.Contains(txt, "-2.0000") {
		t.Errorf("Text: %q, %v", txt, err)
	}
}

func TestMatrixErrors(t *testing.T) {
	for name, v := range map[string][][]float64{
		"empty":  nil,
		"ragged": {{1, 2}, {3}},
		"NaN":    {{math.NaN()}},
		"huge":   make([][]float64, maxMatrix+1),
	} {
		if _, err := (Matrix{Values: v}).HTML(); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func ExampleMatrix() {
	m := Matrix{Title: "a 2 × 2 state", Values: [][]float64{{0.5, -0.25}, {0, 1}}, RowLabel: "key dim", ColLabel: "value dim"}
	txt, _ := m.Text()
	fmt.Print(txt)
	// Output:
	// a 2 × 2 state
	// 2 key dims × 2 value dims: min -0.2500, max 1.0000, Frobenius norm 1.1456
	//     0.5000    -0.2500
	//     0.0000     1.0000
}

func TestTokenHeadGrid(t *testing.T) {
	g := TokenHeadGrid("β", []string{" the", "cat"}, [][]float32{{0.5, 0.25}, {1, 0}}, 2)
	if len(g.Rows) != 2 || g.Rows[0] != "0 ·the" || len(g.Cols) != 2 || g.Cols[1] != "h1" || g.Values[1][0] != 1 || g.Values[0][1] != 0.25 {
		t.Errorf("%+v", g)
	}
	if _, err := g.HTML(); err != nil {
		t.Error(err)
	}
	if _, err := TokenHeadGrid("x", []string{"a"}, [][]float32{{1}, {2}}, 2).HTML(); err == nil {
		t.Error("2 rows of values for 1 token: no error")
	}
}
