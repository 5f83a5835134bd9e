package widgets

import (
	"fmt"
	"strconv"
)

// curvePoints is the most points LossCurve draws per series.
const curvePoints = 120

// LossCurve charts training losses, one value per step (step 1 first), as
// a LineChart. Runs longer than 120 steps are shown as the mean of equal
// buckets of steps, labelled by the bucket's last step, so a curve of
// thousands of noisy steps reads as its trend. Every series must have one
// value per step of the first.
func LossCurve(title string, series ...Series) LineChart {
	c := LineChart{Title: title, YLabel: "nats"}
	if len(series) == 0 {
		return c
	}
	n := len(series[0].Values)
	bucket := max(1, (n+curvePoints-1)/curvePoints)
	for end := bucket; end < n+bucket; end += bucket {
		c.X = append(c.X, strconv.Itoa(min(end, n)))
	}
	for _, s := range series {
		if len(s.Values) != n {
			c.Series = append(c.Series, s) // HTML and Text report the mismatch, naming s
			return c
		}
		var vals []float64
		for lo := 0; lo < n; lo += bucket {
			hi := min(lo+bucket, n)
			var sum float64
			for _, v := range s.Values[lo:hi] {
				sum += v
			}
			vals = append(vals, sum/float64(hi-lo))
		}
		c.Series = append(c.Series, Series{Name: s.Name, Values: vals})
	}
	if bucket > 1 {
		c.Note = fmt.Sprintf("%d steps, shown as the mean of every %d", n, bucket)
	}
	return c
}
