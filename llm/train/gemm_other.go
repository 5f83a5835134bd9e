//go:build !amd64 || purego

package train

const hasGemmAsm = false

func gemmTiles(c, a, b []float32, m, n, k, ars, aps int, bT bool) (rows, cols int) { return 0, 0 }

func axpyAsm(y, x *float32, a float32, n int) { panic("train: no assembly on this platform") }

func dotAsm(x, y *float32, n int) float32 { panic("train: no assembly on this platform") }

func vecMatAsm(out, a, m *float32, rows, cols int) { panic("train: no assembly on this platform") }

func matVecAsm(out, m, x *float32, rows, cols int) { panic("train: no assembly on this platform") }

func rank1Asm(dst, src, a, x *float32, s float32, rows, cols int) {
	panic("train: no assembly on this platform")
}
