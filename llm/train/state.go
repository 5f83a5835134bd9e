package train

// The three products of the DeltaNet recurrence on one head's state, a
// rows × cols matrix (key dim × value dim), each one call over the whole
// state (AVX2 on amd64 in float32 when cols is a multiple of 8).

// vecMat computes out[j] += Σ_i a[i]·m[i][j] (out = out + mᵀa).
func vecMat[F Float](out, a, m []F, rows, cols int) {
	if hasGemmAsm && cols > 0 && cols%8 == 0 && rows > 0 {
		if o32, ok := any(out).([]float32); ok {
			a32, m32 := any(a).([]float32)[:rows], any(m).([]float32)[:rows*cols]
			vecMatAsm(&o32[:cols][0], &a32[0], &m32[0], rows, cols)
			return
		}
	}
	for i := 0; i < rows; i++ {
		axpy(out[:cols], m[i*cols:(i+1)*cols], a[i])
	}
}

// matVec computes out[i] += Σ_j m[i][j]·x[j] (out = out + m·x).
func matVec[F Float](out, m, x []F, rows, cols int) {
	if hasGemmAsm && cols > 0 && cols%8 == 0 && rows > 0 {
		if o32, ok := any(out).([]float32); ok {
			m32, x32 := any(m).([]float32)[:rows*cols], any(x).([]float32)[:cols]
			matVecAsm(&o32[:rows][0], &m32[0], &x32[0], rows, cols)
			return
		}
	}
	for i := 0; i < rows; i++ {
		out[i] += dot(m[i*cols:(i+1)*cols], x[:cols])
	}
}

// rank1 computes dst[i][j] = s·src[i][j] + a[i]·x[j]; dst may be src.
func rank1[F Float](dst, src, a, x []F, s F, rows, cols int) {
	if hasGemmAsm && cols > 0 && cols%8 == 0 && rows > 0 {
		if d32, ok := any(dst).([]float32); ok {
			s32, a32, x32 := any(src).([]float32)[:rows*cols], any(a).([]float32)[:rows], any(x).([]float32)[:cols]
			rank1Asm(&d32[:rows*cols][0], &s32[0], &a32[0], &x32[0], any(s).(float32), rows, cols)
			return
		}
	}
	for i := 0; i < rows; i++ {
		d, sr, ai := dst[i*cols:(i+1)*cols], src[i*cols:(i+1)*cols], a[i]
		for j := range d {
			d[j] = s*sr[j] + ai*x[j]
		}
	}
}
