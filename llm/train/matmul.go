package train

import "github.com/how-llms-work/course/llm/simd"

// The matrix and vector products of the layers, row-major, accumulating
// into their first argument. For y = x·Wᵀ (x [T,in], W [out,in]):
//
//	forward:  y  += x · Wᵀ     mulNT(y, x, W, T, out, in)
//	backward: dx += dy · W     mulNN(dx, dy, W, T, in, out)
//	          dW += dyᵀ · x    mulTN(dW, dy, x, out, in, T)
//
// In float32 (training) they are llm/simd's kernels, on the path
// LLM_KERNELS names (the engine's own assembly, tested on every path); in
// float64 (the gradient checks) they are the plain loops below.

// mulNT computes c[m,n] += a[m,k] · b[n,k]ᵀ.
func mulNT[F Float](c, a, b []F, m, n, k int) {
	if c32, ok := any(c).([]float32); ok {
		simd.MatMulF32BT(m, n, k, 1, nil, any(a).([]float32), k, 1, any(b).([]float32), k, 1, c32, n)
		return
	}
	for i := 0; i < m; i++ {
		ar, cr := a[i*k:i*k+k], c[i*n:i*n+n]
		for j := range cr {
			cr[j] += dot(ar, b[j*k:j*k+k])
		}
	}
}

// mulNN computes c[m,n] += a[m,k] · b[k,n].
func mulNN[F Float](c, a, b []F, m, n, k int) {
	if c32, ok := any(c).([]float32); ok {
		simd.MatMulF32(m, n, k, 1, nil, any(a).([]float32), k, 1, any(b).([]float32), n, 1, c32, n)
		return
	}
	for i := 0; i < m; i++ {
		for p := 0; p < k; p++ {
			axpy(c[i*n:i*n+n], b[p*n:p*n+n], a[i*k+p])
		}
	}
}

// mulTN computes c[m,n] += a[k,m]ᵀ · b[k,n].
func mulTN[F Float](c, a, b []F, m, n, k int) {
	if c32, ok := any(c).([]float32); ok {
		simd.MatMulF32(m, n, k, 1, nil, any(a).([]float32), 1, m, any(b).([]float32), n, 1, c32, n)
		return
	}
	for p := 0; p < k; p++ {
		for i := 0; i < m; i++ {
			axpy(c[i*n:i*n+n], b[p*n:p*n+n], a[p*m+i])
		}
	}
}

// dot returns Σ a[i]·b[i] over len(a) elements.
func dot[F Float](a, b []F) F {
	if a32, ok := any(a).([]float32); ok {
		return any(simd.Dot(a32, any(b).([]float32))).(F)
	}
	b = b[:len(a)]
	var s F
	for i, v := range a {
		s += v * b[i]
	}
	return s
}

// axpy computes y += alpha·x.
func axpy[F Float](y, x []F, alpha F) {
	if y32, ok := any(y).([]float32); ok {
		simd.Axpy(y32, any(alpha).(float32), any(x).([]float32))
		return
	}
	x = x[:len(y)]
	for i := range y {
		y[i] += alpha * x[i]
	}
}

// Matrix-vector products for the recurrence on a DeltaNet head's state
// and for attention over the keys and values of one head. The matrix m has
// rows ld apart; its row and column counts are the lengths of the vectors.

// vecMat computes out[j] += Σ_i a[i]·m[i·ld + j] (out += mᵀa) over
// len(a) rows and len(out) columns.
func vecMat[F Float](out, a, m []F, ld int) {
	if o32, ok := any(out).([]float32); ok {
		simd.VecMatF32(o32, any(a).([]float32), any(m).([]float32), ld)
		return
	}
	for i, ai := range a {
		axpy(out, m[i*ld:i*ld+len(out)], ai)
	}
}

// matVec sets out[i] = Σ_j m[i·ld + j]·x[j] (out = m·x) over len(out)
// rows and len(x) columns.
func matVec[F Float](out, m, x []F, ld int) {
	if o32, ok := any(out).([]float32); ok {
		simd.MatVecF32Stride(o32, any(m).([]float32), ld, any(x).([]float32))
		return
	}
	for i := range out {
		out[i] = dot(m[i*ld:i*ld+len(x)], x)
	}
}

// rank1 sets m[i·ld + j] = s·m[i·ld + j] + a[i]·x[j] over len(a) rows and
// len(x) columns.
func rank1[F Float](m []F, ld int, s F, a, x []F) {
	if m32, ok := any(m).([]float32); ok {
		simd.Rank1F32(m32, ld, any(s).(float32), any(a).([]float32), any(x).([]float32))
		return
	}
	for i, ai := range a {
		d := m[i*ld : i*ld+len(x)]
		for j := range d {
			d[j] = s*d[j] + ai*x[j]
		}
	}
}

// deltaStep is one step of the gated delta rule on a head's state: S =
// decay·prev, kv = Sᵀk, δ = β(v − kv), S += k δᵀ, out = Sᵀq (read with
// the updated state). kv is dv floats of scratch. In float32 it is
// llm/simd's DeltaRule, the engine's own kernel.
func deltaStep[F Float](S, prev, q, k, v, out, kv []F, decay, beta F) {
	dv := len(v)
	if s32, ok := any(S).([]float32); ok {
		copy(s32, any(prev).([]float32))
		simd.DeltaRule(s32, any(q).([]float32), any(k).([]float32), any(v).([]float32), any(out).([]float32),
			any(decay).(float32), any(beta).(float32))
		return
	}
	for i := range S {
		S[i] = decay * prev[i]
	}
	clear(kv)
	vecMat(kv, k, S, dv)
	for j := range kv {
		kv[j] = beta * (v[j] - kv[j]) // now δ
	}
	rank1(S, dv, 1, k, kv)
	clear(out)
	vecMat(out, q, S, dv)
}
