//go:build amd64 && !purego

#include "textflag.h"

// func transpose8x8AVX(dst *float32, ldd int, src *float32, lds int, rowBlocks, colBlocks int)
//
// dst[c·ldd + r] = src[r·lds + c] for the rowBlocks·8 × colBlocks·8 top
// left of src, one 8×8 block at a time: load 8 rows of 8, transpose them
// with unpack (pairs), shuffle (quads) and 128-bit lane permutes, store 8
// rows of 8.
TEXT ·transpose8x8AVX(SB), NOSPLIT, $0-48
	MOVQ dst+0(FP), DI
	MOVQ ldd+8(FP), R8
	SHLQ $2, R8                 // bytes between rows of dst
	MOVQ src+16(FP), SI
	MOVQ lds+24(FP), R9
	SHLQ $2, R9                 // bytes between rows of src
	MOVQ rowBlocks+32(FP), R10
	LEAQ (R9)(R9*2), R13        // 3 rows of src
	LEAQ (R8)(R8*2), R14        // 3 rows of dst

tr_rowblock:
	MOVQ colBlocks+40(FP), R11
	MOVQ SI, AX                 // src block (r0, c0)
	MOVQ DI, BX                 // dst block (c0, r0)
tr_block:
	// rows r0…r0+7 of src, columns c0…c0+7
	MOVQ AX, CX
	VMOVUPS (CX), Y0
	VMOVUPS (CX)(R9*1), Y1
	VMOVUPS (CX)(R9*2), Y2
	VMOVUPS (CX)(R13*1), Y3
	LEAQ (CX)(R9*4), CX
	VMOVUPS (CX), Y4
	VMOVUPS (CX)(R9*1), Y5
	VMOVUPS (CX)(R9*2), Y6
	VMOVUPS (CX)(R13*1), Y7
	// pairs: a0 b0 a1 b1 | a4 b4 a5 b5 and a2 b2 a3 b3 | a6 b6 a7 b7
	VUNPCKLPS Y1, Y0, Y8
	VUNPCKHPS Y1, Y0, Y9
	VUNPCKLPS Y3, Y2, Y10
	VUNPCKHPS Y3, Y2, Y11
	VUNPCKLPS Y5, Y4, Y12
	VUNPCKHPS Y5, Y4, Y13
	VUNPCKLPS Y7, Y6, Y14
	VUNPCKHPS Y7, Y6, Y15
	// quads: a0 b0 c0 d0 | a4 b4 c4 d4, …
	VSHUFPS $0x44, Y10, Y8, Y0
	VSHUFPS $0xEE, Y10, Y8, Y1
	VSHUFPS $0x44, Y11, Y9, Y2
	VSHUFPS $0xEE, Y11, Y9, Y3
	VSHUFPS $0x44, Y14, Y12, Y4
	VSHUFPS $0xEE, Y14, Y12, Y5
	VSHUFPS $0x44, Y15, Y13, Y6
	VSHUFPS $0xEE, Y15, Y13, Y7
	// halves: column j = low lanes (j < 4) or high lanes (j ≥ 4)
	VPERM2F128 $0x20, Y4, Y0, Y8
	VPERM2F128 $0x20, Y5, Y1, Y9
	VPERM2F128 $0x20, Y6, Y2, Y10
	VPERM2F128 $0x20, Y7, Y3, Y11
	VPERM2F128 $0x31, Y4, Y0, Y12
	VPERM2F128 $0x31, Y5, Y1, Y13
	VPERM2F128 $0x31, Y6, Y2, Y14
	VPERM2F128 $0x31, Y7, Y3, Y15
	MOVQ BX, DX
	VMOVUPS Y8, (DX)
	VMOVUPS Y9, (DX)(R8*1)
	VMOVUPS Y10, (DX)(R8*2)
	VMOVUPS Y11, (DX)(R14*1)
	LEAQ (DX)(R8*4), DX
	VMOVUPS Y12, (DX)
	VMOVUPS Y13, (DX)(R8*1)
	VMOVUPS Y14, (DX)(R8*2)
	VMOVUPS Y15, (DX)(R14*1)
	ADDQ $32, AX                // next 8 columns of src
	LEAQ (BX)(R8*8), BX         // next 8 rows of dst
	DECQ R11
	JNE tr_block

	LEAQ (SI)(R9*8), SI         // next 8 rows of src
	ADDQ $32, DI                // next 8 columns of dst
	DECQ R10
	JNE tr_rowblock
	VZEROUPPER
	RET
