package llm

import "math"

// GroupMembers returns the query heads that read KV head g, in order: the
// heads h with Lanes(cfg)[h] == g. It returns none when g is not one of
// cfg's KV heads.
func GroupMembers(cfg *Config, g int) []int {
	var members []int
	for h, lane := range Lanes(cfg) {
		if lane == g {
			members = append(members, h)
		}
	}
	return members
}

// StrongestInGroup returns, for the i-th full-attention layer of the
// ablation (a.Layers[i]), the query head of KV group g whose silencing
// alone moved the prediction most, and that KL divergence: the single
// head to set against a.Groups[i][g], the whole group silenced. cfg is the
// config of the model a was measured on. It returns (−1, NaN) when i or g
// is out of range or the group has no head in a.Heads[i].
func (a *Ablation) StrongestInGroup(cfg *Config, i, g int) (head int, kl float64) {
	head, kl = -1, math.NaN()
	if i < 0 || i >= len(a.Heads) {
		return head, kl
	}
	for _, h := range GroupMembers(cfg, g) {
		if h < len(a.Heads[i]) && (head < 0 || a.Heads[i][h] > kl) {
			head, kl = h, a.Heads[i][h]
		}
	}
	return head, kl
}
