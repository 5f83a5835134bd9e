package model

import (
	"slices"
	"testing"
	"unsafe"
)

// TestMakeResident checks that the resident copy gives bit-identical
// logits, that the matrices really moved out of the mapped file, and that
// Close releases the copy.
func TestMakeResident(t *testing.T) {
	for _, dir := range fixtureDirs() {
		m, err := Open(dir)
		if err != nil {
			t.Fatal(err)
		}
		ids := []int{1, 5, 9, 200, 17, 3, 42, 300}
		want, err := m.ForwardAll(m.NewState(), ids)
		if err != nil {
			t.Fatal(err)
		}
		mapped := unsafe.SliceData(m.layers[0].gate.u16)
		if m.Resident() {
			t.Fatal("Resident before MakeResident")
		}
		if err := m.MakeResident(); err != nil {
			t.Fatal(err)
		}
		if err := m.MakeResident(); err != nil { // a second call does nothing
			t.Fatal(err)
		}
		if !m.Resident() || unsafe.SliceData(m.layers[0].gate.u16) == mapped {
			t.Errorf("%s: after MakeResident the weights are still the mapped file's", dir)
		}
		for i := range m.layers {
			for _, l := range m.layers[i].linears() {
				if len(l.u16) > 0 && uintptr(unsafe.Pointer(unsafe.SliceData(l.u16)))%64 != 0 {
					t.Errorf("%s: layer %d: a matrix does not start on a cache line", dir, i)
				}
			}
		}
		got, err := m.ForwardAll(m.NewState(), ids)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s: logits differ after MakeResident", dir)
		}
		// Decode too, and the embedding lookup (Embed reads the copy).
		st := m.NewState()
		for i, id := range ids {
			row, err := m.Forward(st, []int{id})
			if err != nil {
				t.Fatal(err)
			}
			if d := maxAbsDiff(row, want[i*len(row):(i+1)*len(row)]); d > logitTol {
				t.Errorf("%s: decode position %d: |diff| %g from prefill", dir, i, d)
			}
		}
		if err := m.Close(); err != nil {
			t.Errorf("%s: Close: %v", dir, err)
		}
		if m.resident != nil {
			t.Errorf("%s: Close kept the resident copy", dir)
		}
	}
}

func maxAbsDiff(a, b []float32) float32 {
	var d float32
	for i := range a {
		d = max(d, abs32(a[i]-b[i]))
	}
	return d
}
