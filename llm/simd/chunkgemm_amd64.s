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

// One k step of the AVX2 tile for row r: broadcast A[r][p] (row pointer
// ra, byte offset R14) times the 8 columns of B's row p in Y8.
#define STEP2(ra, acc) \
	VBROADCASTSS (ra)(R14*1), Y9; \
	VFMADD231PS Y8, Y9, acc

// C[r][g] ← β·C[r][g] + α_r·acc for the group's 8 columns (masked by Y10);
// DI points at the tile, R15 is the group's byte offset, Y12 holds β.
#define ROWACC2(coff, aoff, acc) \
	MOVQ coff(DI), R11; \
	ADDQ R15, R11; \
	VBROADCASTSS aoff(DI), Y13; \
	VMASKMOVPS (R11), Y10, Y11; \
	VMULPS Y12, Y11, Y11; \
	VFMADD231PS acc, Y13, Y11; \
	VMASKMOVPS Y11, Y10, (R11)

// The same with β = 0: C not read.
#define ROWSET2(coff, aoff, acc) \
	MOVQ coff(DI), R11; \
	ADDQ R15, R11; \
	VBROADCASTSS aoff(DI), Y13; \
	VMULPS acc, Y13, Y11; \
	VMASKMOVPS Y11, Y10, (R11)

// func chunkTileAVX2(t *chunkTile)
//
// chunkTileAVX512 for AVX2: the tile's columns in groups of 8 (t.groups of
// them), each with 8 accumulators (Y0–Y7, one per row) for the whole k
// loop; B's row and C are read and written with VMASKMOVPS under the
// column mask t.vmask, so nothing past the tile is touched.
TEXT ·chunkTileAVX2(SB), NOSPLIT, $0-8
	MOVQ t+0(FP), DI
	MOVQ 0(DI), AX
	MOVQ 8(DI), BX
	MOVQ 16(DI), CX
	MOVQ 24(DI), DX
	MOVQ 32(DI), SI
	MOVQ 40(DI), R8
	MOVQ 48(DI), R9
	MOVQ 56(DI), R10
	MOVQ 168(DI), R12
	MOVQ 176(DI), R13
	XORQ R15, R15

ct2_group:
	MOVQ t+0(FP), DI
	VMOVDQU 336(DI)(R15*1), Y10   // this group's column mask
	MOVQ 160(DI), R11
	ADDQ R15, R11                 // B[0][8g]
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	VXORPS Y6, Y6, Y6
	VXORPS Y7, Y7, Y7
	XORQ R14, R14
	MOVQ 184(DI), DI              // k
	TESTQ DI, DI
	JEQ ct2_epilogue

ct2_loop:
	VMASKMOVPS (R11), Y10, Y8
	STEP2(AX, Y0)
	STEP2(BX, Y1)
	STEP2(CX, Y2)
	STEP2(DX, Y3)
	STEP2(SI, Y4)
	STEP2(R8, Y5)
	STEP2(R9, Y6)
	STEP2(R10, Y7)
	ADDQ R13, R14
	ADDQ R12, R11
	DECQ DI
	JNE ct2_loop

ct2_epilogue:
	MOVQ t+0(FP), DI
	MOVL 204(DI), R11
	TESTL R11, R11
	JEQ ct2_set
	VBROADCASTSS 200(DI), Y12
	ROWACC2(64, 128, Y0)
	ROWACC2(72, 132, Y1)
	ROWACC2(80, 136, Y2)
	ROWACC2(88, 140, Y3)
	ROWACC2(96, 144, Y4)
	ROWACC2(104, 148, Y5)
	ROWACC2(112, 152, Y6)
	ROWACC2(120, 156, Y7)
	JMP ct2_next

ct2_set:
	ROWSET2(64, 128, Y0)
	ROWSET2(72, 132, Y1)
	ROWSET2(80, 136, Y2)
	ROWSET2(88, 140, Y3)
	ROWSET2(96, 144, Y4)
	ROWSET2(104, 148, Y5)
	ROWSET2(112, 152, Y6)
	ROWSET2(120, 156, Y7)

ct2_next:
	ADDQ $32, R15
	MOVQ 464(DI), R11             // groups
	SHLQ $5, R11
	CMPQ R15, R11
	JLT ct2_group
	VZEROUPPER
	RET
