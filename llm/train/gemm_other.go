//go:build !amd64

package train

const hasGemmAsm = false

func gemmTiles(c, a, b []float32, m, n, k, ars, aps int, bT bool) (rows, cols int) { return 0, 0 }
