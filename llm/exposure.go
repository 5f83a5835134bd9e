package llm

// MustGenerateIDs is GenerateIDs for notebook cells: it panics with its
// error.
func (m *Model) MustGenerateIDs(prompt []int, opts ...Option) *Trace {
	tr, err := m.GenerateIDs(prompt, opts...)
	if err != nil {
		panic(err)
	}
	return tr
}

// Agree counts the positions, over the common length of a and b, where
// they hold the same id: how much of a real text a model's guesses or its
// own generated text reproduce.
func Agree(a, b []int) int {
	n := 0
	for i := range min(len(a), len(b)) {
		if a[i] == b[i] {
			n++
		}
	}
	return n
}

// Commas formats n with thousands separators: 852985920 → "852,985,920".
func Commas(n int64) string { return commas(n) }
