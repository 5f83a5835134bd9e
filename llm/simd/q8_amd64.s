//go:build amd64 && !purego

#include "textflag.h"

// func matVecQ8AVX512(dst *float32, q *int8, scales *float32, x *float32, rows, blocks int)
//
// Q8 rows: blocks of 32 int8 weights with one float32 scale each, rows
// stored back to back. dst[r] = Σ_b scale[r,b] · Σ_{i<32} q[r,b,i]·x[32b+i].
// Two blocks per step, each into its own accumulator.
TEXT ·matVecQ8AVX512(SB), NOSPLIT, $0-48
	MOVQ dst+0(FP), DI
	MOVQ q+8(FP), SI
	MOVQ scales+16(FP), R8
	MOVQ x+24(FP), DX
	MOVQ rows+32(FP), CX
	MOVQ blocks+40(FP), R9
	TESTQ CX, CX
	JEQ q8_done

q8_row:
	VXORPS Z0, Z0, Z0
	VXORPS Z1, Z1, Z1
	MOVQ DX, BX
	MOVQ R9, R10

q8_loop2:
	CMPQ R10, $2
	JLT q8_tail
	VPMOVSXBD 0(SI), Z2
	VPMOVSXBD 16(SI), Z3
	VPMOVSXBD 32(SI), Z4
	VPMOVSXBD 48(SI), Z5
	VCVTDQ2PS Z2, Z2
	VCVTDQ2PS Z3, Z3
	VCVTDQ2PS Z4, Z4
	VCVTDQ2PS Z5, Z5
	VMULPS 0(BX), Z2, Z2
	VMULPS 128(BX), Z4, Z4
	VFMADD231PS 64(BX), Z3, Z2
	VFMADD231PS 192(BX), Z5, Z4
	VBROADCASTSS 0(R8), Z6
	VBROADCASTSS 4(R8), Z7
	VFMADD231PS Z6, Z2, Z0
	VFMADD231PS Z7, Z4, Z1
	ADDQ $64, SI
	ADDQ $8, R8
	ADDQ $256, BX
	SUBQ $2, R10
	JMP q8_loop2

q8_tail:
	TESTQ R10, R10
	JEQ q8_reduce
	VPMOVSXBD 0(SI), Z2
	VPMOVSXBD 16(SI), Z3
	VCVTDQ2PS Z2, Z2
	VCVTDQ2PS Z3, Z3
	VMULPS 0(BX), Z2, Z2
	VFMADD231PS 64(BX), Z3, Z2
	VBROADCASTSS 0(R8), Z6
	VFMADD231PS Z6, Z2, Z0
	ADDQ $32, SI
	ADDQ $4, R8

q8_reduce:
	VADDPS Z1, Z0, Z0
	VEXTRACTF64X4 $1, Z0, Y1
	VADDPS Y1, Y0, Y0
	VEXTRACTF128 $1, Y0, X1
	VADDPS X1, X0, X0
	VMOVHLPS X0, X0, X1
	VADDPS X1, X0, X0
	VMOVSHDUP X0, X1
	VADDSS X1, X0, X0
	VMOVSS X0, (DI)
	ADDQ $4, DI
	DECQ CX
	JNE q8_row

q8_done:
	VZEROUPPER
	RET
