package main

import (
	"bytes"
	"fmt"

	"github.com/how-llms-work/course/llm/safetensors"
	"github.com/how-llms-work/course/llm/tokenizer"
)

// Changing the vocabulary keeps the layers and gives every token of the new
// tokenizer an embedding row built from the old one: the mean of the rows
// of the old tokens that spell the same bytes. A new token the old
// vocabulary already had, byte for byte, keeps its row exactly; a merge
// the old tokenizer never learned ("▁the" + "re" → "▁there") starts as the
// average of its pieces. Special tokens are matched by name. The LM head is
// tied to the embedding, so it changes with it.
//
// Unlike deepening and widening this changes what the model computes (a
// token sequence is a different sequence), so it is a starting point for
// `llm train -init`, not a model to use as it is.

// spelling returns the old tokenizer's ids whose bytes make up b: its
// encoding of b when that decodes back to b, else one id per byte.
func spelling(old *tokenizer.Tokenizer, b []byte) ([]int, error) {
	ids := old.EncodeLiteral(string(b))
	var got []byte
	for _, id := range ids {
		got = append(got, old.Bytes(id)...)
	}
	if bytes.Equal(got, b) && len(ids) > 0 {
		return ids, nil
	}
	ids = ids[:0]
	for _, c := range b {
		id, ok := old.ID(string(tokenizer.ByteToRune(c)))
		if !ok {
			return nil, fmt.Errorf("the old tokenizer has no token for byte 0x%02X", c)
		}
		ids = append(ids, id)
	}
	return ids, nil
}

// revocab returns tensors with the embedding rebuilt for the tokenizer nu
// from the rows of the tokenizer old (see above), in the embedding's dtype.
// It returns how many new tokens kept an old row unchanged.
func revocab(tensors []*safetensors.Tensor, old, nu *tokenizer.Tokenizer) ([]*safetensors.Tensor, int, error) {
	var emb *safetensors.Tensor
	at := -1
	for i, t := range tensors {
		if t.Name == embedName {
			emb, at = t, i
		}
	}
	if emb == nil {
		return nil, 0, fmt.Errorf("no tensor %s", embedName)
	}
	if len(emb.Shape) != 2 || emb.Shape[0] != old.VocabSize() {
		return nil, 0, fmt.Errorf("%s: shape %v, want [%d (the old vocabulary), hidden]", embedName, emb.Shape, old.VocabSize())
	}
	rows := emb.Float32()
	if rows == nil {
		return nil, 0, fmt.Errorf("%s: dtype %s is not a float type", embedName, emb.DType)
	}
	d := emb.Shape[1]
	n := nu.VocabSize()
	v := make([]float32, n*d)
	kept := 0
	for id := 0; id < n; id++ {
		var src []int
		if nu.IsAdded(id) {
			o, ok := old.ID(nu.Token(id))
			if !ok {
				return nil, 0, fmt.Errorf("new token %d %q: the old tokenizer has no such token", id, nu.Token(id))
			}
			src = []int{o}
		} else {
			var err error
			if src, err = spelling(old, nu.Bytes(id)); err != nil {
				return nil, 0, fmt.Errorf("new token %d %q: %w", id, nu.Piece(id), err)
			}
		}
		if len(src) == 1 {
			kept++
		}
		row := v[id*d : (id+1)*d]
		for _, o := range src {
			for j, x := range rows[o*d : (o+1)*d] {
				row[j] += x
			}
		}
		for j := range row {
			row[j] /= float32(len(src))
		}
	}
	t, err := safetensors.FromFloat32(embedName, emb.DType, []int{n, d}, v)
	if err != nil {
		return nil, 0, err
	}
	out := append([]*safetensors.Tensor(nil), tensors...)
	out[at] = t
	return out, kept, nil
}
