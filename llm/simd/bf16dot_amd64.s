//go:build amd64 && !purego

#include "textflag.h"

// AVX512_BF16 kernels. The Go assembler does not know VDPBF16PS and
// VCVTNE2PS2BF16, so they are spelled as bytes (EVEX.512.F3.0F38.W0 52 /r
// and EVEX.512.F2.0F38.W0 72 /r, register forms only); the comment on each
// line gives the instruction in Intel operand order.

// func cvtBF16AVX512(dst *uint16, src *float32, n int)
//
// Rounds n groups of 32 floats to bfloat16 (nearest even; denormals
// become zero).
TEXT ·cvtBF16AVX512(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), CX
	TESTQ CX, CX
	JEQ cvt_done
cvt_loop:
	VMOVUPS (SI), Z0
	VMOVUPS 64(SI), Z1
	BYTE $0x62; BYTE $0xf2; BYTE $0x77; BYTE $0x48; BYTE $0x72; BYTE $0xd0 // VCVTNE2PS2BF16 zmm2, zmm1, zmm0: low half from zmm0
	VMOVDQU32 Z2, (DI)
	ADDQ $128, SI
	ADDQ $64, DI
	DECQ CX
	JNE cvt_loop
cvt_done:
	VZEROUPPER
	RET
