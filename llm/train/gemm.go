package train

// The three matrix products a Linear layer needs, row-major, accumulating
// into c. For y = x·Wᵀ (x [T,in], W [out,in]):
//
//	forward:  y  += x · Wᵀ     mulNT(y, x, W, T, out, in)
//	backward: dx += dy · W     mulNN(dx, dy, W, T, in, out)
//	          dW += dyᵀ · x    mulTN(dW, dy, x, out, in, T)
//
// They are plain Go loops, blocked so that the inner loops run over
// contiguous memory with independent accumulators.

// mulNT computes c[m,n] += a[m,k] · b[n,k]ᵀ.
func mulNT[F Float](c, a, b []F, m, n, k int) {
	if c32, ok := any(c).([]float32); ok && hasGemmAsm {
		rows, cols := gemmTiles(c32, any(a).([]float32), any(b).([]float32), m, n, k, k, 1, true)
		mulNTRange(c, a, b, 0, rows, cols, n, n, k)
		mulNTRange(c, a, b, rows, m, 0, n, n, k)
		return
	}
	mulNTRange(c, a, b, 0, m, 0, n, n, k)
}

// mulNTRange is mulNT restricted to rows [i0,i1) and columns [j0,j1) of c.
func mulNTRange[F Float](c, a, b []F, i0, i1, j0, j1, n, k int) {
	i := i0
	for ; i+4 <= i1; i += 4 {
		a0, a1, a2, a3 := a[i*k:i*k+k], a[(i+1)*k:(i+1)*k+k], a[(i+2)*k:(i+2)*k+k], a[(i+3)*k:(i+3)*k+k]
		c0, c1, c2, c3 := c[i*n:i*n+n], c[(i+1)*n:(i+1)*n+n], c[(i+2)*n:(i+2)*n+n], c[(i+3)*n:(i+3)*n+n]
		for j := j0; j < j1; j++ {
			br := b[j*k : j*k+k]
			var s0, s1, s2, s3 F
			for p, bv := range br {
				s0 += a0[p] * bv
				s1 += a1[p] * bv
				s2 += a2[p] * bv
				s3 += a3[p] * bv
			}
			c0[j] += s0
			c1[j] += s1
			c2[j] += s2
			c3[j] += s3
		}
	}
	for ; i < i1; i++ {
		ar := a[i*k : i*k+k]
		cr := c[i*n : i*n+n]
		for j := j0; j < j1; j++ {
			cr[j] += dot(ar, b[j*k:j*k+k])
		}
	}
}

// mulNN computes c[m,n] += a[m,k] · b[k,n].
func mulNN[F Float](c, a, b []F, m, n, k int) {
	if c32, ok := any(c).([]float32); ok && hasGemmAsm {
		rows, cols := gemmTiles(c32, any(a).([]float32), any(b).([]float32), m, n, k, k, 1, false)
		mulNNRange(c, a, b, 0, rows, cols, n, n, k)
		mulNNRange(c, a, b, rows, m, 0, n, n, k)
		return
	}
	mulNNRange(c, a, b, 0, m, 0, n, n, k)
}

// mulNNRange is mulNN restricted to rows [i0,i1) and columns [j0,j1) of c.
func mulNNRange[F Float](c, a, b []F, i0, i1, j0, j1, n, k int) {
	if j0 >= j1 {
		return
	}
	for i := i0; i < i1; i++ {
		cr := c[i*n+j0 : i*n+j1]
		ar := a[i*k : i*k+k]
		p := 0
		for ; p+4 <= k; p += 4 {
			axpy4(cr, b[p*n+j0:], b[(p+1)*n+j0:], b[(p+2)*n+j0:], b[(p+3)*n+j0:], ar[p], ar[p+1], ar[p+2], ar[p+3])
		}
		for ; p < k; p++ {
			axpy(cr, b[p*n+j0:], ar[p])
		}
	}
}

// mulTN computes c[m,n] += a[k,m]ᵀ · b[k,n].
func mulTN[F Float](c, a, b []F, m, n, k int) {
	if c32, ok := any(c).([]float32); ok && hasGemmAsm {
		rows, cols := gemmTiles(c32, any(a).([]float32), any(b).([]float32), m, n, k, 1, m, false)
		mulTNRange(c, a, b, 0, rows, cols, n, m, n, k)
		mulTNRange(c, a, b, rows, m, 0, n, m, n, k)
		return
	}
	mulTNRange(c, a, b, 0, m, 0, n, m, n, k)
}

// mulTNRange is mulTN restricted to rows [i0,i1) and columns [j0,j1) of c.
func mulTNRange[F Float](c, a, b []F, i0, i1, j0, j1, m, n, k int) {
	if j0 >= j1 || i0 >= i1 {
		return
	}
	w := j1 - j0
	p := 0
	for ; p+4 <= k; p += 4 {
		a0, a1, a2, a3 := a[p*m:p*m+m], a[(p+1)*m:(p+1)*m+m], a[(p+2)*m:(p+2)*m+m], a[(p+3)*m:(p+3)*m+m]
		b0, b1, b2, b3 := b[p*n+j0:p*n+j1], b[(p+1)*n+j0:(p+1)*n+j1], b[(p+2)*n+j0:(p+2)*n+j1], b[(p+3)*n+j0:(p+3)*n+j1]
		for i := i0; i < i1; i++ {
			axpy4(c[i*n+j0:i*n+j0+w], b0, b1, b2, b3, a0[i], a1[i], a2[i], a3[i])
		}
	}
	for ; p < k; p++ {
		ar, br := a[p*m:p*m+m], b[p*n+j0:p*n+j1]
		for i := i0; i < i1; i++ {
			axpy(c[i*n+j0:i*n+j0+w], br, ar[i])
		}
	}
}

func dot[F Float](a, b []F) F {
	if hasGemmAsm && len(a) >= 8 {
		if a32, ok := any(a).([]float32); ok {
			b32 := any(b).([]float32)[:len(a32)]
			n := len(a32) &^ 7
			s := dotAsm(&a32[0], &b32[0], n)
			for i := n; i < len(a32); i++ {
				s += a32[i] * b32[i]
			}
			return any(s).(F)
		}
	}
	b = b[:len(a)]
	var s0, s1, s2, s3 F
	i := 0
	for ; i+4 <= len(a); i += 4 {
		s0 += a[i] * b[i]
		s1 += a[i+1] * b[i+1]
		s2 += a[i+2] * b[i+2]
		s3 += a[i+3] * b[i+3]
	}
	for ; i < len(a); i++ {
		s0 += a[i] * b[i]
	}
	return (s0 + s1) + (s2 + s3)
}

// axpy computes y += alpha·x.
func axpy[F Float](y, x []F, alpha F) {
	if hasGemmAsm && len(y) >= 8 {
		if y32, ok := any(y).([]float32); ok {
			x32 := any(x).([]float32)[:len(y32)]
			a := any(alpha).(float32)
			n := len(y32) &^ 7
			axpyAsm(&y32[0], &x32[0], a, n)
			for i := n; i < len(y32); i++ {
				y32[i] += a * x32[i]
			}
			return
		}
	}
	x = x[:len(y)]
	for i := range y {
		y[i] += alpha * x[i]
	}
}

// axpy4 computes y += a0·x0 + a1·x1 + a2·x2 + a3·x3.
func axpy4[F Float](y, x0, x1, x2, x3 []F, a0, a1, a2, a3 F) {
	n := len(y)
	x0, x1, x2, x3 = x0[:n], x1[:n], x2[:n], x3[:n]
	for i := range y {
		y[i] += a0*x0[i] + a1*x1[i] + a2*x2[i] + a3*x3[i]
	}
}
