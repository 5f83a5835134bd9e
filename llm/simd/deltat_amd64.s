//go:build amd64 && !purego

#include "textflag.h"

// func deltaRuleTAVX512(st, q, k, v, o *float32, rows, blocks int, decay, beta float32)
//
// The delta rule on a state stored transposed, Sᵀ [rows = dv][16·blocks =
// dk]: each row j is one column of S, so the whole step is per row —
// kv = decay·(row·k), δ = β(v[j] − kv), row ← decay·row + δ·k, o[j] = row·q —
// one read and one read-write pass over the row while it sits in L1.
TEXT ·deltaRuleTAVX512(SB), NOSPLIT, $0-64
	MOVQ st+0(FP), SI
	MOVQ v+24(FP), DX
	MOVQ o+32(FP), DI
	MOVQ rows+40(FP), BX
	MOVQ blocks+48(FP), R12
	VBROADCASTSS decay+56(FP), Z5
	TESTQ BX, BX
	JEQ dt_done
	TESTQ R12, R12
	JEQ dt_done

dt_row:
	// kv = row · k
	MOVQ k+16(FP), R10
	MOVQ SI, R11
	MOVQ R12, CX
	VXORPS Z0, Z0, Z0
dt_dot:
	VMOVUPS (R11), Z1
	VFMADD231PS (R10), Z1, Z0
	ADDQ $64, R10
	ADDQ $64, R11
	DECQ CX
	JNE dt_dot
	VEXTRACTF64X4 $1, Z0, Y1
	VADDPS Y1, Y0, Y0
	VEXTRACTF128 $1, Y0, X1
	VADDPS X1, X0, X0
	VMOVHLPS X0, X0, X1
	VADDPS X1, X0, X0
	VMOVSHDUP X0, X1
	VADDSS X1, X0, X0
	// δ = β·(v[j] − decay·kv)
	VMULSS decay+56(FP), X0, X0
	VMOVSS (DX), X1
	VSUBSS X0, X1, X1
	VMULSS beta+60(FP), X1, X1
	VBROADCASTSS X1, Z2
	// row ← decay·row + δ·k;  o[j] = row · q
	MOVQ k+16(FP), R10
	MOVQ q+8(FP), R9
	MOVQ SI, R11
	MOVQ R12, CX
	VXORPS Z3, Z3, Z3
dt_upd:
	VMULPS (R11), Z5, Z4
	VFMADD231PS (R10), Z2, Z4
	VMOVUPS Z4, (R11)
	VFMADD231PS (R9), Z4, Z3
	ADDQ $64, R9
	ADDQ $64, R10
	ADDQ $64, R11
	DECQ CX
	JNE dt_upd
	VEXTRACTF64X4 $1, Z3, Y1
	VADDPS Y1, Y3, Y3
	VEXTRACTF128 $1, Y3, X1
	VADDPS X1, X3, X3
	VMOVHLPS X3, X3, X1
	VADDPS X1, X3, X3
	VMOVSHDUP X3, X1
	VADDSS X1, X3, X3
	VMOVSS X3, (DI)
	MOVQ R11, SI
	ADDQ $4, DX
	ADDQ $4, DI
	DECQ BX
	JNE dt_row

dt_done:
	VZEROUPPER
	RET

// func deltaRuleTAVX2(st, q, k, v, o *float32, rows, blocks int, decay, beta float32)
//
// deltaRuleTAVX512 with 8-float YMM blocks (dk = 8·blocks).
TEXT ·deltaRuleTAVX2(SB), NOSPLIT, $0-64
	MOVQ st+0(FP), SI
	MOVQ v+24(FP), DX
	MOVQ o+32(FP), DI
	MOVQ rows+40(FP), BX
	MOVQ blocks+48(FP), R12
	VBROADCASTSS decay+56(FP), Y5
	TESTQ BX, BX
	JEQ dt2_done
	TESTQ R12, R12
	JEQ dt2_done

dt2_row:
	// kv = row · k
	MOVQ k+16(FP), R10
	MOVQ SI, R11
	MOVQ R12, CX
	VXORPS Y0, Y0, Y0
dt2_dot:
	VMOVUPS (R11), Y1
	VFMADD231PS (R10), Y1, Y0
	ADDQ $32, R10
	ADDQ $32, R11
	DECQ CX
	JNE dt2_dot
	VEXTRACTF128 $1, Y0, X1
	VADDPS X1, X0, X0
	VMOVHLPS X0, X0, X1
	VADDPS X1, X0, X0
	VMOVSHDUP X0, X1
	VADDSS X1, X0, X0
	// δ = β·(v[j] − decay·kv)
	VMULSS decay+56(FP), X0, X0
	VMOVSS (DX), X1
	VSUBSS X0, X1, X1
	VMULSS beta+60(FP), X1, X1
	VBROADCASTSS X1, Y2
	// row ← decay·row + δ·k;  o[j] = row · q
	MOVQ k+16(FP), R10
	MOVQ q+8(FP), R9
	MOVQ SI, R11
	MOVQ R12, CX
	VXORPS Y3, Y3, Y3
dt2_upd:
	VMULPS (R11), Y5, Y4
	VFMADD231PS (R10), Y2, Y4
	VMOVUPS Y4, (R11)
	VFMADD231PS (R9), Y4, Y3
	ADDQ $32, R9
	ADDQ $32, R10
	ADDQ $32, R11
	DECQ CX
	JNE dt2_upd
	VEXTRACTF128 $1, Y3, X1
	VADDPS X1, X3, X3
	VMOVHLPS X3, X3, X1
	VADDPS X1, X3, X3
	VMOVSHDUP X3, X1
	VADDSS X1, X3, X3
	VMOVSS X3, (DI)
	MOVQ R11, SI
	ADDQ $4, DX
	ADDQ $4, DI
	DECQ BX
	JNE dt2_row

dt2_done:
	VZEROUPPER
	RET
