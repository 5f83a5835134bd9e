//go:build amd64 && !purego

package simd

import "unsafe"

// chunkTile is the argument block of chunkTileAVX512 and chunkTileAVX2:
// one tile of up to 8 rows and 32 columns of C ← β·C + diag(alpha)·A·B.
// Its layout is fixed by the assembly (offsets 0, 64, 128, 160, 168, 176,
// 184, 192, 200, 204, 208, 336, 464).
type chunkTile struct {
	a     [8]*float32 // A[r][0] of each tile row (rows past m repeat the last row)
	c     [8]*float32 // C[r][j0] of each tile row (rows past m point at sink)
	alpha [8]float32  // α·rowScale[r]
	b     *float32    // B[0][j0]
	ldb   int         // bytes between rows of B
	aps   int         // bytes between A[r][p] and A[r][p+1]
	k     int         // inner dimension
	mask  int         // bit j: column j0+j is in C (low 16 bits: first 16 columns)
	beta  float32     // C's factor when load != 0
	load  int32       // 0: C is only written (β = 0)
	sink  [32]float32 // the output rows past m
	// AVX2 only: vmask[j] = −1 for the tile's columns, 0 past them, and
	// the number of 8-column groups with any column.
	vmask  [32]int32
	groups int
}

var (
	_ [204]struct{} = [unsafe.Offsetof(chunkTile{}.load)]struct{}{}
	_ [464]struct{} = [unsafe.Offsetof(chunkTile{}.groups)]struct{}{}
)

//go:noescape
func chunkTileAVX512(t *chunkTile)

//go:noescape
func chunkTileAVX2(t *chunkTile)

// matMulF32Asm reports whether path p has an assembly tile kernel (the Go
// path runs matMulF32Go).
func matMulF32Asm(p Path) bool { return p == PathAVX2 || p == PathAVX512 || p == PathAVX512BF16 }

// matMulF32Tiles runs MatMulF32 on path as tiles of 8 rows × 32 columns.
// The AVX-512 kernel keeps the tile's 16 vector accumulators in registers
// for all k steps, each step one row of B (two masked loads) times 8
// broadcast elements of A; the AVX2 one does the same per group of 8
// columns (8 accumulators).
func matMulF32Tiles(path Path, m, n, k int, alpha float32, rowScale, a []float32, ars, aps int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	var t chunkTile
	t.ldb, t.aps, t.k = ldb*4, aps*4, k
	t.beta = beta
	avx512 := path != PathAVX2
	vcols := -1 // the columns vmask is set for
	if beta != 0 {
		t.load = 1
	}
	for r0 := 0; r0 < m; r0 += 8 {
		rows := min(8, m-r0)
		for i := range 8 {
			r := r0 + min(i, rows-1)
			if k > 0 {
				t.a[i] = &a[r*ars]
			}
			t.alpha[i] = alpha
			if rowScale != nil {
				t.alpha[i] *= rowScale[r]
			}
		}
		for j0 := 0; j0 < n; j0 += 32 {
			cols := min(32, n-j0)
			t.mask = 1<<cols - 1
			if !avx512 && cols != vcols {
				for j := range t.vmask {
					t.vmask[j] = 0
					if j < cols {
						t.vmask[j] = -1
					}
				}
				t.groups, vcols = (cols+7)/8, cols
			}
			if k > 0 {
				t.b = &b[j0]
			}
			for i := range 8 {
				if i < rows {
					t.c[i] = &c[(r0+i)*ldc+j0]
				} else {
					t.c[i] = &t.sink[0]
				}
			}
			if avx512 {
				chunkTileAVX512(&t)
			} else {
				chunkTileAVX2(&t)
			}
		}
	}
}
