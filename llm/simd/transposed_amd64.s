//go:build amd64 && !purego

#include "textflag.h"

// The kernels of VecMatF32 and Rank1F32 (transposed.go): whole vectors of
// columns (16 floats for AVX-512, 8 for AVX2); the Go callers finish the
// remaining columns.

// func vecMatAVX512(dst, x, w *float32, rows, ldw, blocks int)
//
// dst[j] += Σ_i x[i]·w[i·ldw + j] for j < 16·blocks, one vector of
// columns at a time: four accumulators (rows i mod 4) hide the FMA
// latency, and dst is read and written once. rows may be 0; blocks > 0.
TEXT ·vecMatAVX512(SB), NOSPLIT, $0-48
	MOVQ dst+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ w+16(FP), DX
	MOVQ rows+24(FP), R10
	MOVQ ldw+32(FP), R8
	MOVQ blocks+40(FP), CX
	SHLQ $2, R8
	LEAQ (R8)(R8*2), R9

vecMatAVX512_block:
	VXORPS Z0, Z0, Z0
	VXORPS Z1, Z1, Z1
	VXORPS Z2, Z2, Z2
	VXORPS Z3, Z3, Z3
	MOVQ   SI, AX
	MOVQ   DX, BX
	MOVQ   R10, R11

vecMatAVX512_rows4:
	CMPQ         R11, $4
	JLT          vecMatAVX512_rows1
	VBROADCASTSS 0(AX), Z4
	VBROADCASTSS 4(AX), Z5
	VBROADCASTSS 8(AX), Z6
	VBROADCASTSS 12(AX), Z7
	VFMADD231PS  (BX), Z4, Z0
	VFMADD231PS  (BX)(R8*1), Z5, Z1
	VFMADD231PS  (BX)(R8*2), Z6, Z2
	VFMADD231PS  (BX)(R9*1), Z7, Z3
	ADDQ         $16, AX
	LEAQ         (BX)(R8*4), BX
	SUBQ         $4, R11
	JMP          vecMatAVX512_rows4

vecMatAVX512_rows1:
	TESTQ        R11, R11
	JEQ          vecMatAVX512_sum
	VBROADCASTSS (AX), Z4
	VFMADD231PS  (BX), Z4, Z0
	ADDQ         $4, AX
	ADDQ         R8, BX
	DECQ         R11
	JMP          vecMatAVX512_rows1

vecMatAVX512_sum:
	VADDPS  Z1, Z0, Z0
	VADDPS  Z3, Z2, Z2
	VADDPS  Z2, Z0, Z0
	VADDPS  (DI), Z0, Z0
	VMOVUPS Z0, (DI)
	ADDQ    $64, DI
	ADDQ    $64, DX
	DECQ    CX
	JNZ     vecMatAVX512_block
	VZEROUPPER
	RET

// func vecMatAVX2(dst, x, w *float32, rows, ldw, blocks int)
//
// dst[j] += Σ_i x[i]·w[i·ldw + j] for j < 8·blocks, one vector of
// columns at a time: four accumulators (rows i mod 4) hide the FMA
// latency, and dst is read and written once. rows may be 0; blocks > 0.
TEXT ·vecMatAVX2(SB), NOSPLIT, $0-48
	MOVQ dst+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ w+16(FP), DX
	MOVQ rows+24(FP), R10
	MOVQ ldw+32(FP), R8
	MOVQ blocks+40(FP), CX
	SHLQ $2, R8
	LEAQ (R8)(R8*2), R9

vecMatAVX2_block:
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	MOVQ   SI, AX
	MOVQ   DX, BX
	MOVQ   R10, R11

vecMatAVX2_rows4:
	CMPQ         R11, $4
	JLT          vecMatAVX2_rows1
	VBROADCASTSS 0(AX), Y4
	VBROADCASTSS 4(AX), Y5
	VBROADCASTSS 8(AX), Y6
	VBROADCASTSS 12(AX), Y7
	VFMADD231PS  (BX), Y4, Y0
	VFMADD231PS  (BX)(R8*1), Y5, Y1
	VFMADD231PS  (BX)(R8*2), Y6, Y2
	VFMADD231PS  (BX)(R9*1), Y7, Y3
	ADDQ         $16, AX
	LEAQ         (BX)(R8*4), BX
	SUBQ         $4, R11
	JMP          vecMatAVX2_rows4

vecMatAVX2_rows1:
	TESTQ        R11, R11
	JEQ          vecMatAVX2_sum
	VBROADCASTSS (AX), Y4
	VFMADD231PS  (BX), Y4, Y0
	ADDQ         $4, AX
	ADDQ         R8, BX
	DECQ         R11
	JMP          vecMatAVX2_rows1

vecMatAVX2_sum:
	VADDPS  Y1, Y0, Y0
	VADDPS  Y3, Y2, Y2
	VADDPS  Y2, Y0, Y0
	VADDPS  (DI), Y0, Y0
	VMOVUPS Y0, (DI)
	ADDQ    $32, DI
	ADDQ    $32, DX
	DECQ    CX
	JNZ     vecMatAVX2_block
	VZEROUPPER
	RET

// func rank1AVX512(w, x, y *float32, rows, ldw, blocks int, s float32)
//
// w[i·ldw + j] = s·w[i·ldw + j] + x[i]·y[j] for i < rows, j < 16·blocks
// (blocks > 0).
TEXT ·rank1AVX512(SB), NOSPLIT, $0-52
	MOVQ         w+0(FP), DI
	MOVQ         x+8(FP), SI
	MOVQ         y+16(FP), DX
	MOVQ         rows+24(FP), R10
	MOVQ         ldw+32(FP), R8
	MOVQ         blocks+40(FP), R9
	VBROADCASTSS s+48(FP), Z1
	SHLQ         $2, R8
	TESTQ        R10, R10
	JEQ          rank1AVX512_done

rank1AVX512_row:
	VBROADCASTSS (SI), Z0
	MOVQ         DI, AX
	MOVQ         DX, BX
	MOVQ         R9, CX

rank1AVX512_col:
	VMULPS      (AX), Z1, Z2
	VFMADD231PS (BX), Z0, Z2
	VMOVUPS     Z2, (AX)
	ADDQ        $64, AX
	ADDQ        $64, BX
	DECQ        CX
	JNZ         rank1AVX512_col
	ADDQ        $4, SI
	ADDQ        R8, DI
	DECQ        R10
	JNZ         rank1AVX512_row

rank1AVX512_done:
	VZEROUPPER
	RET

// func rank1AVX2(w, x, y *float32, rows, ldw, blocks int, s float32)
//
// w[i·ldw + j] = s·w[i·ldw + j] + x[i]·y[j] for i < rows, j < 8·blocks
// (blocks > 0).
TEXT ·rank1AVX2(SB), NOSPLIT, $0-52
	MOVQ         w+0(FP), DI
	MOVQ         x+8(FP), SI
	MOVQ         y+16(FP), DX
	MOVQ         rows+24(FP), R10
	MOVQ         ldw+32(FP), R8
	MOVQ         blocks+40(FP), R9
	VBROADCASTSS s+48(FP), Y1
	SHLQ         $2, R8
	TESTQ        R10, R10
	JEQ          rank1AVX2_done

rank1AVX2_row:
	VBROADCASTSS (SI), Y0
	MOVQ         DI, AX
	MOVQ         DX, BX
	MOVQ         R9, CX

rank1AVX2_col:
	VMULPS      (AX), Y1, Y2
	VFMADD231PS (BX), Y0, Y2
	VMOVUPS     Y2, (AX)
	ADDQ        $32, AX
	ADDQ        $32, BX
	DECQ        CX
	JNZ         rank1AVX2_col
	ADDQ        $4, SI
	ADDQ        R8, DI
	DECQ        R10
	JNZ         rank1AVX2_row

rank1AVX2_done:
	VZEROUPPER
	RET
