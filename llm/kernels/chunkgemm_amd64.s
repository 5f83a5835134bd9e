//go:build amd64 && !purego

#include "textflag.h"

// One output row of a tile: C[r] ← β·C[r] + α_r·acc (load != 0), with the
// column masks K1 (columns 0–15) and K2 (16–31). DI points at the tile,
// Z20 holds β.
#define ROWACC(coff, aoff, za, zb) \
	MOVQ coff(DI), AX; \
	VBROADCASTSS aoff(DI), Z21; \
	VMOVUPS.Z (AX), K1, Z22; \
	VMULPS Z20, Z22, Z22; \
	VFMADD231PS za, Z21, Z22; \
	VMOVUPS Z22, K1, (AX); \
	VMOVUPS.Z 64(AX), K2, Z23; \
	VMULPS Z20, Z23, Z23; \
	VFMADD231PS zb, Z21, Z23; \
	VMOVUPS Z23, K2, 64(AX)

// The same with β = 0: C[r] ← α_r·acc, C not read.
#define ROWSET(coff, aoff, za, zb) \
	MOVQ coff(DI), AX; \
	VBROADCASTSS aoff(DI), Z21; \
	VMULPS za, Z21, Z22; \
	VMOVUPS Z22, K1, (AX); \
	VMULPS zb, Z21, Z23; \
	VMOVUPS Z23, K2, 64(AX)

// One k step for tile row r: broadcast A[r][p] (row pointer ra, byte
// offset DI) and multiply-add it with the two vectors of B's row p.
#define STEP(ra, za, zb) \
	VBROADCASTSS (ra)(DI*1), Z18; \
	VFMADD231PS Z16, Z18, za; \
	VFMADD231PS Z17, Z18, zb

// func chunkTileAVX512(t *chunkTile)
//
// C ← β·C + diag(α)·A·B for one tile of 8 rows × up to 32 columns: 16
// accumulators (Z0–Z15, two per row) for the whole k loop; each step loads
// one row of B (masked: no read past the tile's columns) and broadcasts one
// element of each of the 8 rows of A, which lie anywhere (a row pointer
// each, a common step between p and p+1).
TEXT ·chunkTileAVX512(SB), NOSPLIT, $0-8
	MOVQ t+0(FP), DI
	MOVQ 0(DI), AX
	MOVQ 8(DI), BX
	MOVQ 16(DI), CX
	MOVQ 24(DI), DX
	MOVQ 32(DI), SI
	MOVQ 40(DI), R8
	MOVQ 48(DI), R9
	MOVQ 56(DI), R10
	MOVQ 160(DI), R11
	MOVQ 168(DI), R12
	MOVQ 176(DI), R13
	MOVQ 184(DI), R14
	MOVQ 192(DI), DI
	KMOVW DI, K1
	SHRQ $16, DI
	KMOVW DI, K2
	VXORPS Z0, Z0, Z0
	VXORPS Z1, Z1, Z1
	VXORPS Z2, Z2, Z2
	VXORPS Z3, Z3, Z3
	VXORPS Z4, Z4, Z4
	VXORPS Z5, Z5, Z5
	VXORPS Z6, Z6, Z6
	VXORPS Z7, Z7, Z7
	VXORPS Z8, Z8, Z8
	VXORPS Z9, Z9, Z9
	VXORPS Z10, Z10, Z10
	VXORPS Z11, Z11, Z11
	VXORPS Z12, Z12, Z12
	VXORPS Z13, Z13, Z13
	VXORPS Z14, Z14, Z14
	VXORPS Z15, Z15, Z15
	XORQ DI, DI
	TESTQ R14, R14
	JEQ ct_epilogue

ct_loop:
	VMOVUPS.Z (R11), K1, Z16
	VMOVUPS.Z 64(R11), K2, Z17
	STEP(AX, Z0, Z1)
	STEP(BX, Z2, Z3)
	STEP(CX, Z4, Z5)
	STEP(DX, Z6, Z7)
	STEP(SI, Z8, Z9)
	STEP(R8, Z10, Z11)
	STEP(R9, Z12, Z13)
	STEP(R10, Z14, Z15)
	ADDQ R13, DI
	ADDQ R12, R11
	DECQ R14
	JNE ct_loop

ct_epilogue:
	MOVQ t+0(FP), DI
	MOVL 204(DI), R14
	TESTL R14, R14
	JEQ ct_set
	VBROADCASTSS 200(DI), Z20
	ROWACC(64, 128, Z0, Z1)
	ROWACC(72, 132, Z2, Z3)
	ROWACC(80, 136, Z4, Z5)
	ROWACC(88, 140, Z6, Z7)
	ROWACC(96, 144, Z8, Z9)
	ROWACC(104, 148, Z10, Z11)
	ROWACC(112, 152, Z12, Z13)
	ROWACC(120, 156, Z14, Z15)
	VZEROUPPER
	RET

ct_set:
	ROWSET(64, 128, Z0, Z1)
	ROWSET(72, 132, Z2, Z3)
	ROWSET(80, 136, Z4, Z5)
	ROWSET(88, 140, Z6, Z7)
	ROWSET(96, 144, Z8, Z9)
	ROWSET(104, 148, Z10, Z11)
	ROWSET(112, 152, Z12, Z13)
	ROWSET(120, 156, Z14, Z15)
	VZEROUPPER
	RET
