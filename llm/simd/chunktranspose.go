package simd

import "fmt"

// TransposeF32 sets dst[c·ldd + r] = src[r·lds + c] for r < rows and
// c < cols: the transpose of a rows×cols matrix whose rows lie lds apart
// in src into one whose rows lie ldd apart in dst (they must not overlap).
// It runs on the calling goroutine, on the path LLM_KERNELS names.
func TransposeF32(dst []float32, ldd int, src []float32, lds, rows, cols int) {
	defaultImpl().path.transposeF32(dst, ldd, src, lds, rows, cols)
}

// TransposeF32 is the package TransposeF32 on the pool's path, on the
// calling goroutine.
func (p *Pool) TransposeF32(dst []float32, ldd int, src []float32, lds, rows, cols int) {
	p.Path().transposeF32(dst, ldd, src, lds, rows, cols)
}

func (path Path) transposeF32(dst []float32, ldd int, src []float32, lds, rows, cols int) {
	if rows < 0 || cols < 0 || lds < cols || ldd < rows ||
		rows > 0 && cols > 0 && (len(src) < (rows-1)*lds+cols || len(dst) < (cols-1)*ldd+rows) {
		panic(fmt.Sprintf("simd: TransposeF32: %d×%d, lds %d ldd %d do not fit len(src) %d len(dst) %d", rows, cols, lds, ldd, len(src), len(dst)))
	}
	if rows == 0 || cols == 0 {
		return
	}
	if transposeF32Asm(path, dst, ldd, src, lds, rows, cols) {
		return
	}
	transposeF32Go(dst, ldd, src, lds, rows, cols)
}

// transposeF32Go goes in blocks of 8×8, so that the strided side touches
// only 8 cache lines at a time: a plain column-by-column loop over a
// 128×128 matrix (rows 512 bytes apart, all in the same few L1 sets) runs
// several times slower.
func transposeF32Go(dst []float32, ldd int, src []float32, lds, rows, cols int) {
	for r0 := 0; r0 < rows; r0 += 8 {
		r1 := min(r0+8, rows)
		for c0 := 0; c0 < cols; c0 += 8 {
			c1 := min(c0+8, cols)
			for r := r0; r < r1; r++ {
				for c, x := range src[r*lds+c0 : r*lds+c1] {
					dst[(c0+c)*ldd+r] = x
				}
			}
		}
	}
}
