//go:build amd64 && !purego

#include "textflag.h"

// func axpyAsm(y, x *float32, a float32, n int)
//
// y[i] += a·x[i] for i < n; n is a multiple of 8. AVX2 + FMA.
TEXT ·axpyAsm(SB), NOSPLIT, $0-32
	MOVQ         y+0(FP), DI
	MOVQ         x+8(FP), SI
	VBROADCASTSS a+16(FP), Y0
	MOVQ         n+24(FP), CX
	SHRQ         $3, CX
	JZ           axpydone

axpyloop:
	VMOVUPS     (SI), Y1
	VFMADD213PS (DI), Y0, Y1
	VMOVUPS     Y1, (DI)
	ADDQ        $32, SI
	ADDQ        $32, DI
	DECQ        CX
	JNZ         axpyloop

axpydone:
	VZEROUPPER
	RET

// func dotAsm(x, y *float32, n int) float32
//
// Σ x[i]·y[i] for i < n; n is a multiple of 8. AVX2 + FMA.
TEXT ·dotAsm(SB), NOSPLIT, $0-28
	MOVQ   x+0(FP), SI
	MOVQ   y+8(FP), DI
	MOVQ   n+16(FP), CX
	VXORPS Y0, Y0, Y0
	SHRQ   $3, CX
	JZ     dotreduce

dotloop:
	VMOVUPS     (SI), Y2
	VFMADD231PS (DI), Y2, Y0
	ADDQ        $32, SI
	ADDQ        $32, DI
	DECQ        CX
	JNZ         dotloop

dotreduce:
	VEXTRACTF128 $1, Y0, X1
	VADDPS       X1, X0, X0
	VHADDPS      X0, X0, X0
	VHADDPS      X0, X0, X0
	MOVSS        X0, ret+24(FP)
	VZEROUPPER
	RET

// func vecMatAsm(out, a, m *float32, rows, cols int)
//
// out[j] += Σ_i a[i]·m[i·cols + j]; cols is a positive multiple of 8.
TEXT ·vecMatAsm(SB), NOSPLIT, $0-40
	MOVQ  out+0(FP), DI
	MOVQ  a+8(FP), SI
	MOVQ  m+16(FP), DX
	MOVQ  rows+24(FP), CX
	MOVQ  cols+32(FP), R8
	SHRQ  $3, R8
	TESTQ CX, CX
	JZ    vmdone

vmrow:
	VBROADCASTSS (SI), Y0
	MOVQ         DI, R9
	MOVQ         R8, R10

vmcol:
	VMOVUPS     (R9), Y1
	VFMADD231PS (DX), Y0, Y1
	VMOVUPS     Y1, (R9)
	ADDQ        $32, R9
	ADDQ        $32, DX
	DECQ        R10
	JNZ         vmcol
	ADDQ        $4, SI
	DECQ        CX
	JNZ         vmrow

vmdone:
	VZEROUPPER
	RET

// func matVecAsm(out, m, x *float32, rows, cols int)
//
// out[i] += Σ_j m[i·cols + j]·x[j]; cols is a positive multiple of 8.
TEXT ·matVecAsm(SB), NOSPLIT, $0-40
	MOVQ  out+0(FP), DI
	MOVQ  m+8(FP), DX
	MOVQ  x+16(FP), SI
	MOVQ  rows+24(FP), CX
	MOVQ  cols+32(FP), R8
	SHRQ  $3, R8
	TESTQ CX, CX
	JZ    mvdone

mvrow:
	VXORPS Y0, Y0, Y0
	MOVQ   SI, R9
	MOVQ   R8, R10

mvcol:
	VMOVUPS      (DX), Y1
	VFMADD231PS  (R9), Y1, Y0
	ADDQ         $32, DX
	ADDQ         $32, R9
	DECQ         R10
	JNZ          mvcol
	VEXTRACTF128 $1, Y0, X1
	VADDPS       X1, X0, X0
	VHADDPS      X0, X0, X0
	VHADDPS      X0, X0, X0
	VADDSS       (DI), X0, X0
	VMOVSS       X0, (DI)
	ADDQ         $4, DI
	DECQ         CX
	JNZ          mvrow

mvdone:
	VZEROUPPER
	RET

// func rank1Asm(dst, src, a, x *float32, s float32, rows, cols int)
//
// dst[i·cols + j] = s·src[i·cols + j] + a[i]·x[j]; dst may be src; cols is a
// positive multiple of 8.
TEXT ·rank1Asm(SB), NOSPLIT, $0-56
	MOVQ         dst+0(FP), DI
	MOVQ         src+8(FP), DX
	MOVQ         a+16(FP), SI
	MOVQ         x+24(FP), R11
	VBROADCASTSS s+32(FP), Y2
	MOVQ         rows+40(FP), CX
	MOVQ         cols+48(FP), R8
	SHRQ         $3, R8
	TESTQ        CX, CX
	JZ           r1done

r1row:
	VBROADCASTSS (SI), Y0
	MOVQ         R11, R9
	MOVQ         R8, R10

r1col:
	VMULPS      (DX), Y2, Y1
	VFMADD231PS (R9), Y0, Y1
	VMOVUPS     Y1, (DI)
	ADDQ        $32, DX
	ADDQ        $32, DI
	ADDQ        $32, R9
	DECQ        R10
	JNZ         r1col
	ADDQ        $4, SI
	DECQ        CX
	JNZ         r1row

r1done:
	VZEROUPPER
	RET
