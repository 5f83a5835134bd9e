package llm

import (
	"bufio"
	"bytes"
	"math"
	"strconv"
	"strings"
	"testing"

	"github.com/how-llms-work/course/llm/tiny"
)

// TestTinyCurve parses the embedded loss.csv and compares it with a
// line-by-line reading of the same file.
func TestTinyCurve(t *testing.T) {
	c, err := TinyCurve()
	if err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(bytes.NewReader(tiny.LossCSV()))
	sc.Scan() // header
	i := 0
	for sc.Scan() {
		f := strings.Split(sc.Text(), ",")
		step, _ := strconv.Atoi(f[0])
		loss, _ := strconv.ParseFloat(f[1], 64)
		if c[i].Step != step || c[i].Loss != loss {
			t.Fatalf("point %d: %+v, file line says step %d loss %g", i, c[i], step, loss)
		}
		i++
	}
	if l := c.Losses(); len(l) != len(c) || l[len(l)-1] != c[len(c)-1].Loss {
		t.Error("Losses does not list the curve's losses")
	}
	if i != len(c) || c[0].Step != 1 {
		t.Errorf("%d points parsed, %d lines in the file; first step %d", len(c), i, c[0].Step)
	}
}

// TestCurveRuns joins two schedules (warmup, then decay) and checks that the
// second run is found where its warmup starts, and only there.
func TestCurveRuns(t *testing.T) {
	var c Curve
	for _, s := range []Schedule{{Peak: 4e-3, Min: 4e-4, Warmup: 5, Total: 50}, {Peak: 2e-3, Min: 1e-4, Warmup: 30, Total: 60}} {
		n := s.Total
		for i := range n {
			c = append(c, CurvePoint{Step: len(c) + 1, Loss: 1, LR: s.LR(i)})
		}
	}
	if got := c.Runs(); len(got) != 2 || got[0] != 0 || got[1] != 50 {
		t.Errorf("Runs() = %v, want [0 50]", got)
	}
	if got := (Curve{}).Runs(); got != nil {
		t.Errorf("an empty curve has runs %v", got)
	}
}

func TestParseLossCSVErrors(t *testing.T) {
	for _, bad := range []string{
		"",
		"step,loss,lr,grad_norm\n",
		"step,loss,lr,grad_norm,tokens\n",
		"step,loss,lr,grad_norm,tokens\n1,x,0.1,1,10\n",
		"step,loss,lr,grad_norm,tokens\n1,NaN,0.1,1,10\n",
		"step,loss,lr,grad_norm,tokens\n2,1,0.1,1,10\n1,1,0.1,1,20\n",
		"step,LOSS,lr,grad_norm,tokens\n1,1,0.1,1,10\n",
	} {
		if _, err := ParseLossCSV(strings.NewReader(bad)); err == nil {
			t.Errorf("%q parsed without error", bad)
		}
	}
}

func TestSmooth(t *testing.T) {
	got := Smooth([]float64{4, 2, 6, 0}, 2)
	for i, want := range []float64{4, 3, 4, 3} {
		if math.Abs(got[i]-want) > 1e-12 {
			t.Errorf("Smooth[%d] = %g, want %g", i, got[i], want)
		}
	}
	if got := Smooth([]float64{1, 2}, 0); got[1] != 2 {
		t.Errorf("window 0 should leave values alone: %v", got)
	}
}

func FuzzParseLossCSV(f *testing.F) {
	f.Add([]byte("step,loss,lr,grad_norm,tokens\n1,8.3,2e-5,2.4,510\n"))
	f.Add([]byte("step,loss,lr,grad_norm,tokens\n1,\"8\",1,1,1\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := ParseLossCSV(bytes.NewReader(data))
		if err != nil {
			return
		}
		for i, p := range c {
			if math.IsNaN(p.Loss) || p.Loss < 0 || (i > 0 && p.Step <= c[i-1].Step) {
				t.Fatalf("accepted a bad point %+v", p)
			}
		}
	})
}
