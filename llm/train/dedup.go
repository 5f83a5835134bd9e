package train

import "strings"

// Shingles returns the set of word n-grams of text (words split on white
// space, lower-cased, joined by one space): the units that near-duplicate
// detection such as MinHash compares. A text of fewer than n words has
// none.
func Shingles(text string, n int) map[string]bool {
	words := strings.Fields(strings.ToLower(text))
	set := map[string]bool{}
	for i := 0; n > 0 && i+n <= len(words); i++ {
		set[strings.Join(words[i:i+n], " ")] = true
	}
	return set
}

// Jaccard is |A ∩ B| / |A ∪ B| of the word n-gram shingles of a and b: 1
// for texts made of the same n-grams, 0 for texts that share none (and for
// two texts with no n-grams at all). Deduplication pipelines call two
// documents near-duplicates above about 0.8.
func Jaccard(a, b string, n int) float64 {
	sa, sb := Shingles(a, n), Shingles(b, n)
	inter := 0
	for s := range sa {
		if sb[s] {
			inter++
		}
	}
	union := len(sa) + len(sb) - inter
	if union == 0 {
		return 0
	}
	return float64(inter) / float64(union)
}

// RepeatedShare is the share of the word n-grams of text (counted with
// repetition) that occur more than once in it: 0 for text that never
// repeats itself over n words, near 1 for one line copied many times.
func RepeatedShare(text string, n int) float64 {
	words := strings.Fields(strings.ToLower(text))
	count := map[string]int{}
	total := 0
	for i := 0; n > 0 && i+n <= len(words); i++ {
		count[strings.Join(words[i:i+n], " ")]++
		total++
	}
	if total == 0 {
		return 0
	}
	rep := 0
	for _, c := range count {
		if c > 1 {
			rep += c
		}
	}
	return float64(rep) / float64(total)
}
