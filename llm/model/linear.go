package model

import (
	"fmt"

	"github.com/how-llms-work/course/llm/half"
	"github.com/how-llms-work/course/llm/safetensors"
	"github.com/how-llms-work/course/llm/simd"
)

// Linear is a weight matrix of shape [Rows, Cols] (PyTorch [out, in]) used
// in place, in its stored dtype: y = W·x, y[r] = Σ_c W[r,c]·x[c]. All matrix
// products of the forward pass go through matVec and matMul, which hand the
// work to package simd.
type Linear struct {
	Rows, Cols int
	DType      safetensors.DType
	u16        []uint16  // BF16 or F16 words, a view of the checkpoint
	f32        []float32 // F32 values, a view of the checkpoint
	q8         *simd.Q8  // an 8-bit copy for matVec, after Model.QuantizeQ8
}

func newLinear(t *safetensors.Tensor) (Linear, error) {
	l := Linear{Rows: t.Shape[0], Cols: t.Len() / max(t.Shape[0], 1), DType: t.DType}
	var err error
	switch t.DType {
	case safetensors.BF16, safetensors.F16:
		l.u16, err = t.U16()
	case safetensors.F32:
		l.f32, err = t.F32()
	default:
		err = fmt.Errorf("dtype %s, want BF16, F16 or F32", t.DType)
	}
	return l, err
}

// matVec computes dst = W·x for one vector x (len Cols) into dst (len Rows).
func (l *Linear) matVec(p *simd.Pool, dst, x []float32) {
	if l.q8 != nil {
		p.MatVecQ8(dst, l.q8, x)
		return
	}
	switch l.DType {
	case safetensors.BF16:
		p.MatVecBF16(dst, l.u16, x)
	case safetensors.F16:
		p.MatVecF16(dst, l.u16, x)
	default:
		p.MatVecF32(dst, l.f32, x)
	}
}

// matMul computes dst[t] = W·x[t] for n row vectors: x is [n, Cols], dst is
// [n, Rows]. One token uses the matrix-vector kernel.
func (l *Linear) matMul(p *simd.Pool, dst, x []float32, n int) {
	dst, x = dst[:n*l.Rows], x[:n*l.Cols]
	if n == 1 {
		l.matVec(p, dst, x)
		return
	}
	if l.DType == safetensors.BF16 {
		p.MatMulBF16(dst, l.u16, x, n)
		return
	}
	for t := range n {
		l.matVec(p, dst[t*l.Rows:(t+1)*l.Rows], x[t*l.Cols:(t+1)*l.Cols])
	}
}

// row writes row r of W, widened to float32, into dst (len Cols).
func (l *Linear) row(dst []float32, r int) {
	switch l.DType {
	case safetensors.BF16:
		for c, b := range l.u16[r*l.Cols : (r+1)*l.Cols] {
			dst[c] = half.BF16ToF32(b)
		}
	case safetensors.F16:
		for c, h := range l.u16[r*l.Cols : (r+1)*l.Cols] {
			dst[c] = half.F16ToF32(h)
		}
	default:
		copy(dst, l.f32[r*l.Cols:(r+1)*l.Cols])
	}
}

// Bytes is the size of the matrix as stored.
func (l *Linear) Bytes() int64 { return int64(l.Rows) * int64(l.Cols) * int64(l.DType.Size()) }

// decodeBytes is what one matVec reads: the Q8 copy when there is one.
func (l *Linear) decodeBytes() int64 {
	if l.q8 != nil {
		return int64(l.q8.Bytes())
	}
	return l.Bytes()
}
