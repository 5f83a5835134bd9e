//go:build amd64 && !purego

#include "textflag.h"

// func conv4AVX512(y, x, w, s *float32, c, n int)
//
// The causal conv of one token with 4 taps over n vectors of 16 channels:
// y = w3⊙x, then y += w0⊙s0, y += w1⊙s1, y += w2⊙s2, each product rounded
// before its addition (no FMA), so the sums are exactly those of the Go
// loop. w is tap-major [4][c], s is [3][c]; c is the channel count.
TEXT ·conv4AVX512(SB), NOSPLIT, $0-48
	MOVQ y+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ w+16(FP), R10
	MOVQ s+24(FP), R14
	MOVQ c+32(FP), DX
	SHLQ $2, DX
	MOVQ n+40(FP), CX
	LEAQ (R10)(DX*1), R11
	LEAQ (R11)(DX*1), R12
	LEAQ (R12)(DX*1), R13
	LEAQ (R14)(DX*1), R15
	LEAQ (R15)(DX*1), BX
	XORQ AX, AX
conv4AVX512_loop:
	VMOVUPS (SI)(AX*1), Z0
	VMULPS (R13)(AX*1), Z0, Z0
	VMOVUPS (R14)(AX*1), Z1
	VMULPS (R10)(AX*1), Z1, Z1
	VADDPS Z1, Z0, Z0
	VMOVUPS (R15)(AX*1), Z2
	VMULPS (R11)(AX*1), Z2, Z2
	VADDPS Z2, Z0, Z0
	VMOVUPS (BX)(AX*1), Z3
	VMULPS (R12)(AX*1), Z3, Z3
	VADDPS Z3, Z0, Z0
	VMOVUPS Z0, (DI)(AX*1)
	ADDQ $64, AX
	DECQ CX
	JNE conv4AVX512_loop
	VZEROUPPER
	RET

// func conv4AVX2(y, x, w, s *float32, c, n int)
//
// conv4AVX512 on n vectors of 8 channels.
TEXT ·conv4AVX2(SB), NOSPLIT, $0-48
	MOVQ y+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ w+16(FP), R10
	MOVQ s+24(FP), R14
	MOVQ c+32(FP), DX
	SHLQ $2, DX
	MOVQ n+40(FP), CX
	LEAQ (R10)(DX*1), R11
	LEAQ (R11)(DX*1), R12
	LEAQ (R12)(DX*1), R13
	LEAQ (R14)(DX*1), R15
	LEAQ (R15)(DX*1), BX
	XORQ AX, AX
conv4AVX2_loop:
	VMOVUPS (SI)(AX*1), Y0
	VMULPS (R13)(AX*1), Y0, Y0
	VMOVUPS (R14)(AX*1), Y1
	VMULPS (R10)(AX*1), Y1, Y1
	VADDPS Y1, Y0, Y0
	VMOVUPS (R15)(AX*1), Y2
	VMULPS (R11)(AX*1), Y2, Y2
	VADDPS Y2, Y0, Y0
	VMOVUPS (BX)(AX*1), Y3
	VMULPS (R12)(AX*1), Y3, Y3
	VADDPS Y3, Y0, Y0
	VMOVUPS Y0, (DI)(AX*1)
	ADDQ $32, AX
	DECQ CX
	JNE conv4AVX2_loop
	VZEROUPPER
	RET
