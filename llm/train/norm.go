package train

import "math"

// rmsNormFwd computes y = x / sqrt(mean(x²) + eps) · (1 + w) for each of
// the rows of x (zero-centred RMSNorm), and keeps the inverse RMS per row.
func rmsNormFwd[F Float](y, rinv, x, w []F, rows, n int, eps float64) {
	for r := 0; r < rows; r++ {
		xr, yr := x[r*n:r*n+n], y[r*n:r*n+n]
		ri := F(1 / math.Sqrt(float64(dot(xr, xr))/float64(n)+eps))
		rinv[r] = ri
		for i, v := range xr {
			yr[i] = v * ri * (1 + w[i])
		}
	}
}

// rmsNormBwd adds the gradients of rmsNormFwd to dx and dw:
// dx = r·g − r³·x·(Σ g·x)/n with g = dy·(1 + w), and dw += dy·x·r.
func rmsNormBwd[F Float](dx, dw, dy, x, rinv, w []F, rows, n int) {
	for r := 0; r < rows; r++ {
		xr, dyr, dxr := x[r*n:r*n+n], dy[r*n:r*n+n], dx[r*n:r*n+n]
		ri := rinv[r]
		var gx F
		for i, v := range xr {
			dw[i] += dyr[i] * v * ri
			gx += dyr[i] * (1 + w[i]) * v
		}
		c := ri * ri * ri * gx / F(n)
		for i, v := range xr {
			dxr[i] += ri*dyr[i]*(1+w[i]) - c*v
		}
	}
}

// l2NormFwd computes y = scale · x / sqrt(Σx² + eps) per row, keeping the
// inverse norm.
func l2NormFwd[F Float](y, rinv, x []F, rows, n int, scale, eps float64) {
	for r := 0; r < rows; r++ {
		xr, yr := x[r*n:r*n+n], y[r*n:r*n+n]
		ri := F(1 / math.Sqrt(float64(dot(xr, xr))+eps))
		rinv[r] = ri
		s := ri * F(scale)
		for i, v := range xr {
			yr[i] = v * s
		}
	}
}

// l2NormBwd adds the gradient of l2NormFwd to dx.
func l2NormBwd[F Float](dx, dy, x, rinv []F, rows, n int, scale float64) {
	for r := 0; r < rows; r++ {
		xr, dyr, dxr := x[r*n:r*n+n], dy[r*n:r*n+n], dx[r*n:r*n+n]
		ri := rinv[r]
		gx := dot(dyr, xr)
		c := ri * ri * ri * gx
		sc := F(scale)
		for i, v := range xr {
			dxr[i] += sc * (ri*dyr[i] - c*v)
		}
	}
}

// gatedNormFwd computes the DeltaNet output norm per head row:
// y = x / sqrt(mean(x²) + eps) · w · silu(z), plain w (no +1).
func gatedNormFwd[F Float](y, rinv, x, z, w []F, rows, n int, eps float64) {
	for r := 0; r < rows; r++ {
		xr, yr, zr := x[r*n:r*n+n], y[r*n:r*n+n], z[r*n:r*n+n]
		ri := F(1 / math.Sqrt(float64(dot(xr, xr))/float64(n)+eps))
		rinv[r] = ri
		for i, v := range xr {
			yr[i] = v * ri * w[i] * silu(zr[i])
		}
	}
}

// gatedNormBwd adds the gradients of gatedNormFwd to dx, dz and dw.
func gatedNormBwd[F Float](dx, dz, dw, dy, x, z, rinv, w []F, rows, n int) {
	for r := 0; r < rows; r++ {
		xr, zr, dyr, dxr, dzr := x[r*n:r*n+n], z[r*n:r*n+n], dy[r*n:r*n+n], dx[r*n:r*n+n], dz[r*n:r*n+n]
		ri := rinv[r]
		var gx F
		for i, v := range xr {
			zi := zr[i]
			sg := sigmoid(zi)
			s := zi * sg
			dzr[i] += dyr[i] * v * ri * w[i] * sg * (1 + zi*(1-sg))
			dw[i] += dyr[i] * v * ri * s
			g := dyr[i] * w[i] * s
			gx += g * v
			dxr[i] += ri * g
		}
		c := ri * ri * ri * gx / F(n)
		for i, v := range xr {
			dxr[i] -= c * v
		}
	}
}

func sigmoid[F Float](x F) F { return F(1 / (1 + math.Exp(-float64(x)))) }

func silu[F Float](x F) F { return x * sigmoid(x) }

// siluGrad is d silu(x) / dx = σ(x)·(1 + x·(1 − σ(x))).
func siluGrad[F Float](x F) F {
	s := sigmoid(x)
	return s * (1 + x*(1-s))
}

// softplus is log(1 + eˣ), returning x itself above 20 like PyTorch.
func softplus(x float64) float64 {
	if x > 20 {
		return x
	}
	return math.Log1p(math.Exp(x))
}

// softplusGrad is the derivative of softplus (σ(x), or 1 above 20).
func softplusGrad(x float64) float64 {
	if x > 20 {
		return 1
	}
	return 1 / (1 + math.Exp(-x))
}
