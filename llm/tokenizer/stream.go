package tokenizer

// StreamDecoder turns token ids into text one token at a time, as a model
// generates them. A token can end in the middle of a UTF-8 character (an
// emoji often takes several byte-level tokens), so the decoder holds back an
// incomplete character until the tokens that finish it arrive.
type StreamDecoder struct {
	t       *Tokenizer
	pending []byte
}

// NewStreamDecoder returns a decoder with nothing pending.
func (t *Tokenizer) NewStreamDecoder() *StreamDecoder { return &StreamDecoder{t: t} }

// Add takes the next token and returns the text it completes (possibly "").
// The concatenation of everything Add and [StreamDecoder.Flush] return is
// [Tokenizer.Decode] of all the ids.
func (d *StreamDecoder) Add(id int) string {
	if id >= 0 && id < len(d.t.raw) {
		d.pending = append(d.pending, d.t.raw[id]...)
	}
	k := incompleteTail(d.pending)
	done := d.pending[:len(d.pending)-k]
	if len(done) == 0 {
		return ""
	}
	out := string(appendValid(nil, done))
	d.pending = append(d.pending[:0], d.pending[len(done):]...)
	return out
}

// Pending reports how many bytes of an incomplete character are held back.
func (d *StreamDecoder) Pending() int { return len(d.pending) }

// Flush returns the bytes held back, each incomplete character as U+FFFD, and
// empties the decoder.
func (d *StreamDecoder) Flush() string {
	out := string(appendValid(nil, d.pending))
	d.pending = d.pending[:0]
	return out
}
