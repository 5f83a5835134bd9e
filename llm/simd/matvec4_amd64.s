//go:build amd64 && !purego

#include "textflag.h"

// Four-stream BF16 matrix-vector kernels. A call computes 4·q rows of
// dst = W·x: rows r, r+q, r+2q and r+3q together, for r in [0, q). Each
// step reads the same columns of four rows a quarter of the matrix apart:
// four sequential streams keep more cache-line misses in flight than one
// (the hardware prefetchers follow each), and each load of x serves four
// rows. Every row still sums its products in float32 with FMA.
//
// Each step also prefetches every stream 2 KiB ahead (into L1): the
// loop's conversions and FMAs fill the out-of-order window after fewer
// loads than a plain read's, so the loads alone would keep fewer misses in
// flight. Measured on Zen 5 at one thread: four streams 20-40 % faster
// than the one-row kernel, the prefetch 5-10 % more (distances 1-1.5 KiB
// and 2 KiB alike, 3-4 KiB slower; PREFETCHNTA 4 KiB no gain). The AVX2
// kernel reads 32 bytes of each stream a step, so half its prefetches
// repeat a line already asked for; 2 KiB ahead still gained 8-10 % there,
// 1 KiB nothing.

// func matVec4BF16AVX512(dst *float32, w *uint16, x *float32, q, stride, blocks int)
// blocks counts 16 columns.
TEXT ·matVec4BF16AVX512(SB), NOSPLIT, $0-48
	MOVQ dst+0(FP), DI
	MOVQ w+8(FP), SI
	MOVQ x+16(FP), DX
	MOVQ q+24(FP), CX
	MOVQ stride+32(FP), R8
	MOVQ blocks+40(FP), R9
	SHLQ $1, R8           // row length in bytes
	MOVQ CX, R11
	IMULQ R8, R11         // bytes between row r and row r+q
	MOVQ CX, R12
	SHLQ $2, R12          // bytes between dst[r] and dst[r+q]
	TESTQ CX, CX
	JEQ m4z_done

m4z_row:
	VXORPS Z0, Z0, Z0
	VXORPS Z1, Z1, Z1
	VXORPS Z2, Z2, Z2
	VXORPS Z3, Z3, Z3
	VXORPS Z4, Z4, Z4
	VXORPS Z5, Z5, Z5
	VXORPS Z6, Z6, Z6
	VXORPS Z7, Z7, Z7
	MOVQ SI, AX
	LEAQ (AX)(R11*1), R13
	LEAQ (R13)(R11*1), R14
	LEAQ (R14)(R11*1), R15
	MOVQ DX, BX
	MOVQ R9, R10

m4z_loop2:
	CMPQ R10, $2
	JLT m4z_tail
	PREFETCHT0 2048(AX)
	PREFETCHT0 2048(R13)
	PREFETCHT0 2048(R14)
	PREFETCHT0 2048(R15)
	VMOVUPS 0(BX), Z8
	VMOVUPS 64(BX), Z9
	VPMOVZXWD 0(AX), Z10
	VPMOVZXWD 32(AX), Z11
	VPMOVZXWD 0(R13), Z12
	VPMOVZXWD 32(R13), Z13
	VPMOVZXWD 0(R14), Z14
	VPMOVZXWD 32(R14), Z15
	VPMOVZXWD 0(R15), Z16
	VPMOVZXWD 32(R15), Z17
	VPSLLD $16, Z10, Z10
	VPSLLD $16, Z11, Z11
	VPSLLD $16, Z12, Z12
	VPSLLD $16, Z13, Z13
	VPSLLD $16, Z14, Z14
	VPSLLD $16, Z15, Z15
	VPSLLD $16, Z16, Z16
	VPSLLD $16, Z17, Z17
	VFMADD231PS Z8, Z10, Z0
	VFMADD231PS Z9, Z11, Z1
	VFMADD231PS Z8, Z12, Z2
	VFMADD231PS Z9, Z13, Z3
	VFMADD231PS Z8, Z14, Z4
	VFMADD231PS Z9, Z15, Z5
	VFMADD231PS Z8, Z16, Z6
	VFMADD231PS Z9, Z17, Z7
	ADDQ $64, AX
	ADDQ $64, R13
	ADDQ $64, R14
	ADDQ $64, R15
	ADDQ $128, BX
	SUBQ $2, R10
	JMP m4z_loop2

m4z_tail:
	TESTQ R10, R10
	JEQ m4z_reduce
	VMOVUPS 0(BX), Z8
	VPMOVZXWD 0(AX), Z10
	VPMOVZXWD 0(R13), Z12
	VPMOVZXWD 0(R14), Z14
	VPMOVZXWD 0(R15), Z16
	VPSLLD $16, Z10, Z10
	VPSLLD $16, Z12, Z12
	VPSLLD $16, Z14, Z14
	VPSLLD $16, Z16, Z16
	VFMADD231PS Z8, Z10, Z0
	VFMADD231PS Z8, Z12, Z2
	VFMADD231PS Z8, Z14, Z4
	VFMADD231PS Z8, Z16, Z6

m4z_reduce:
	VADDPS Z1, Z0, Z0
	VADDPS Z3, Z2, Z2
	VADDPS Z5, Z4, Z4
	VADDPS Z7, Z6, Z6
	VEXTRACTF64X4 $1, Z0, Y1
	VADDPS Y1, Y0, Y0
	VEXTRACTF64X4 $1, Z2, Y3
	VADDPS Y3, Y2, Y2
	VEXTRACTF64X4 $1, Z4, Y5
	VADDPS Y5, Y4, Y4
	VEXTRACTF64X4 $1, Z6, Y7
	VADDPS Y7, Y6, Y6
	VHADDPS Y2, Y0, Y0    // per lane: row 0, row 0, row 1, row 1
	VHADDPS Y6, Y4, Y4    // per lane: row 2, row 2, row 3, row 3
	VHADDPS Y4, Y0, Y0    // per lane: rows 0, 1, 2, 3
	VEXTRACTF128 $1, Y0, X1
	VADDPS X1, X0, X0
	MOVQ DI, AX
	VMOVSS X0, (AX)
	ADDQ R12, AX
	VEXTRACTPS $1, X0, (AX)
	ADDQ R12, AX
	VEXTRACTPS $2, X0, (AX)
	ADDQ R12, AX
	VEXTRACTPS $3, X0, (AX)
	ADDQ $4, DI
	ADDQ R8, SI
	DECQ CX
	JNE m4z_row

m4z_done:
	VZEROUPPER
	RET

// func matVec4BF16AVX2(dst *float32, w *uint16, x *float32, q, stride, blocks int)
// blocks counts 8 columns.
TEXT ·matVec4BF16AVX2(SB), NOSPLIT, $0-48
	MOVQ dst+0(FP), DI
	MOVQ w+8(FP), SI
	MOVQ x+16(FP), DX
	MOVQ q+24(FP), CX
	MOVQ stride+32(FP), R8
	MOVQ blocks+40(FP), R9
	SHLQ $1, R8
	MOVQ CX, R11
	IMULQ R8, R11
	MOVQ CX, R12
	SHLQ $2, R12
	TESTQ CX, CX
	JEQ m4y_done

m4y_row:
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	VXORPS Y6, Y6, Y6
	VXORPS Y7, Y7, Y7
	MOVQ SI, AX
	LEAQ (AX)(R11*1), R13
	LEAQ (R13)(R11*1), R14
	LEAQ (R14)(R11*1), R15
	MOVQ DX, BX
	MOVQ R9, R10

m4y_loop2:
	CMPQ R10, $2
	JLT m4y_tail
	PREFETCHT0 2048(AX)
	PREFETCHT0 2048(R13)
	PREFETCHT0 2048(R14)
	PREFETCHT0 2048(R15)
	VMOVUPS 0(BX), Y8
	VMOVUPS 32(BX), Y9
	VPMOVZXWD 0(AX), Y10
	VPMOVZXWD 16(AX), Y11
	VPMOVZXWD 0(R13), Y12
	VPMOVZXWD 16(R13), Y13
	VPSLLD $16, Y10, Y10
	VPSLLD $16, Y11, Y11
	VPSLLD $16, Y12, Y12
	VPSLLD $16, Y13, Y13
	VFMADD231PS Y8, Y10, Y0
	VFMADD231PS Y9, Y11, Y1
	VFMADD231PS Y8, Y12, Y2
	VFMADD231PS Y9, Y13, Y3
	VPMOVZXWD 0(R14), Y10
	VPMOVZXWD 16(R14), Y11
	VPMOVZXWD 0(R15), Y12
	VPMOVZXWD 16(R15), Y13
	VPSLLD $16, Y10, Y10
	VPSLLD $16, Y11, Y11
	VPSLLD $16, Y12, Y12
	VPSLLD $16, Y13, Y13
	VFMADD231PS Y8, Y10, Y4
	VFMADD231PS Y9, Y11, Y5
	VFMADD231PS Y8, Y12, Y6
	VFMADD231PS Y9, Y13, Y7
	ADDQ $32, AX
	ADDQ $32, R13
	ADDQ $32, R14
	ADDQ $32, R15
	ADDQ $64, BX
	SUBQ $2, R10
	JMP m4y_loop2

m4y_tail:
	TESTQ R10, R10
	JEQ m4y_reduce
	VMOVUPS 0(BX), Y8
	VPMOVZXWD 0(AX), Y10
	VPMOVZXWD 0(R13), Y12
	VPMOVZXWD 0(R14), Y14
	VPMOVZXWD 0(R15), Y15
	VPSLLD $16, Y10, Y10
	VPSLLD $16, Y12, Y12
	VPSLLD $16, Y14, Y14
	VPSLLD $16, Y15, Y15
	VFMADD231PS Y8, Y10, Y0
	VFMADD231PS Y8, Y12, Y2
	VFMADD231PS Y8, Y14, Y4
	VFMADD231PS Y8, Y15, Y6

m4y_reduce:
	VADDPS Y1, Y0, Y0
	VADDPS Y3, Y2, Y2
	VADDPS Y5, Y4, Y4
	VADDPS Y7, Y6, Y6
	VHADDPS Y2, Y0, Y0
	VHADDPS Y6, Y4, Y4
	VHADDPS Y4, Y0, Y0
	VEXTRACTF128 $1, Y0, X1
	VADDPS X1, X0, X0
	MOVQ DI, AX
	VMOVSS X0, (AX)
	ADDQ R12, AX
	VEXTRACTPS $1, X0, (AX)
	ADDQ R12, AX
	VEXTRACTPS $2, X0, (AX)
	ADDQ R12, AX
	VEXTRACTPS $3, X0, (AX)
	ADDQ $4, DI
	ADDQ R8, SI
	DECQ CX
	JNE m4y_row

m4y_done:
	VZEROUPPER
	RET

// Four-stream reads for the bandwidth reference: the quarters of the n
// bytes at p are read side by side, the access pattern of the kernels
// above, so that the reference is the better of this and the one-stream
// read (readAVX512, readAVX2).

// func read4AVX512(p *byte, n int) uint64 xors n bytes (n a multiple of 512).
TEXT ·read4AVX512(SB), NOSPLIT, $0-24
	MOVQ p+0(FP), SI
	MOVQ n+8(FP), CX
	SHRQ $2, CX
	LEAQ (SI)(CX*1), R8
	LEAQ (R8)(CX*1), R9
	LEAQ (R9)(CX*1), R10
	SHRQ $7, CX
	VPXORQ Z0, Z0, Z0
	VPXORQ Z1, Z1, Z1
	VPXORQ Z2, Z2, Z2
	VPXORQ Z3, Z3, Z3
	TESTQ CX, CX
	JEQ r4z_fold

r4z_loop:
	VPXORQ 0(SI), Z0, Z0
	VPXORQ 64(SI), Z0, Z0
	VPXORQ 0(R8), Z1, Z1
	VPXORQ 64(R8), Z1, Z1
	VPXORQ 0(R9), Z2, Z2
	VPXORQ 64(R9), Z2, Z2
	VPXORQ 0(R10), Z3, Z3
	VPXORQ 64(R10), Z3, Z3
	ADDQ $128, SI
	ADDQ $128, R8
	ADDQ $128, R9
	ADDQ $128, R10
	DECQ CX
	JNE r4z_loop

r4z_fold:
	VPXORQ Z1, Z0, Z0
	VPXORQ Z3, Z2, Z2
	VPXORQ Z2, Z0, Z0
	VEXTRACTI64X4 $1, Z0, Y1
	VPXOR Y1, Y0, Y0
	VEXTRACTI128 $1, Y0, X1
	VPXOR X1, X0, X0
	VPEXTRQ $1, X0, AX
	VMOVQ X0, BX
	XORQ BX, AX
	MOVQ AX, ret+16(FP)
	VZEROUPPER
	RET

// func read4AVX2(p *byte, n int) uint64 xors n bytes (n a multiple of 256).
TEXT ·read4AVX2(SB), NOSPLIT, $0-24
	MOVQ p+0(FP), SI
	MOVQ n+8(FP), CX
	SHRQ $2, CX
	LEAQ (SI)(CX*1), R8
	LEAQ (R8)(CX*1), R9
	LEAQ (R9)(CX*1), R10
	SHRQ $6, CX
	VPXOR Y0, Y0, Y0
	VPXOR Y1, Y1, Y1
	VPXOR Y2, Y2, Y2
	VPXOR Y3, Y3, Y3
	TESTQ CX, CX
	JEQ r4y_fold

r4y_loop:
	VPXOR 0(SI), Y0, Y0
	VPXOR 32(SI), Y0, Y0
	VPXOR 0(R8), Y1, Y1
	VPXOR 32(R8), Y1, Y1
	VPXOR 0(R9), Y2, Y2
	VPXOR 32(R9), Y2, Y2
	VPXOR 0(R10), Y3, Y3
	VPXOR 32(R10), Y3, Y3
	ADDQ $64, SI
	ADDQ $64, R8
	ADDQ $64, R9
	ADDQ $64, R10
	DECQ CX
	JNE r4y_loop

r4y_fold:
	VPXOR Y1, Y0, Y0
	VPXOR Y3, Y2, Y2
	VPXOR Y2, Y0, Y0
	VEXTRACTI128 $1, Y0, X1
	VPXOR X1, X0, X0
	VPEXTRQ $1, X0, AX
	VMOVQ X0, BX
	XORQ BX, AX
	MOVQ AX, ret+16(FP)
	VZEROUPPER
	RET
