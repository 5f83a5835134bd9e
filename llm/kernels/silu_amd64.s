//go:build amd64 && !purego

#include "textflag.h"

// Constants for exp(x) = 2^n · e^r, n = round(x·log2 e), r = x − n·ln 2,
// with a degree-6 polynomial for e^r on |r| ≤ ln2/2 (Cephes expf).
DATA siluConst<>+0(SB)/4, $0x3fb8aa3b  // log2(e)
DATA siluConst<>+4(SB)/4, $0x3f318000  // ln2 high part 0.693359375
DATA siluConst<>+8(SB)/4, $0xb95e8083  // ln2 low part -2.12194440e-4
DATA siluConst<>+12(SB)/4, $0x3950696f // 1.9875691500e-4
DATA siluConst<>+16(SB)/4, $0x3ab743ce // 1.3981999507e-3
DATA siluConst<>+20(SB)/4, $0x3c088908 // 8.3334519073e-3
DATA siluConst<>+24(SB)/4, $0x3d2aa9c1 // 4.1665795894e-2
DATA siluConst<>+28(SB)/4, $0x3e2aaaaa // 1.6666665459e-1
DATA siluConst<>+32(SB)/4, $0x3f000000 // 0.5
DATA siluConst<>+36(SB)/4, $0x3f800000 // 1
DATA siluConst<>+40(SB)/4, $0x43480000 // 200 (clamp: exp overflows to +Inf, silu to -0)
DATA siluConst<>+44(SB)/4, $0xc2b00000 // -88 (clamp)
GLOBL siluConst<>(SB), RODATA|NOPTR, $48

// func siluAVX512(dst, x, up *float32, n int)
//
// dst[i] = x[i] / (1 + exp(−x[i])) · up[i] for n whole vectors of 16; up
// may be nil (then no product). dst may alias x or up.
TEXT ·siluAVX512(SB), NOSPLIT, $0-32
	MOVQ dst+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ up+16(FP), DX
	MOVQ n+24(FP), CX
	VBROADCASTSS siluConst<>+0(SB), Z16
	VBROADCASTSS siluConst<>+4(SB), Z17
	VBROADCASTSS siluConst<>+8(SB), Z18
	VBROADCASTSS siluConst<>+12(SB), Z19
	VBROADCASTSS siluConst<>+16(SB), Z20
	VBROADCASTSS siluConst<>+20(SB), Z21
	VBROADCASTSS siluConst<>+24(SB), Z22
	VBROADCASTSS siluConst<>+28(SB), Z23
	VBROADCASTSS siluConst<>+32(SB), Z24
	VBROADCASTSS siluConst<>+36(SB), Z25
	VBROADCASTSS siluConst<>+40(SB), Z26
	VBROADCASTSS siluConst<>+44(SB), Z27
	TESTQ CX, CX
	JEQ silu_done

silu_loop:
	VMOVUPS (SI), Z0          // g
	VXORPS Z1, Z1, Z1
	VSUBPS Z0, Z1, Z1         // x = −g
	VMINPS Z26, Z1, Z1
	VMAXPS Z27, Z1, Z1
	VMULPS Z16, Z1, Z2        // x·log2e
	VRNDSCALEPS $0, Z2, Z2    // n = round to nearest
	VMOVAPS Z1, Z3
	VFNMADD231PS Z17, Z2, Z3  // r = x − n·ln2hi
	VFNMADD231PS Z18, Z2, Z3  // r −= n·ln2lo
	VMOVAPS Z19, Z4           // p
	VFMADD213PS Z20, Z3, Z4   // p = p·r + c
	VFMADD213PS Z21, Z3, Z4
	VFMADD213PS Z22, Z3, Z4
	VFMADD213PS Z23, Z3, Z4
	VFMADD213PS Z24, Z3, Z4
	VMULPS Z3, Z3, Z5         // r²
	VADDPS Z25, Z3, Z6        // 1 + r
	VFMADD231PS Z5, Z4, Z6    // e^r = p·r² + r + 1
	VSCALEFPS Z2, Z6, Z6      // exp(x) = e^r · 2^n
	VADDPS Z25, Z6, Z6        // 1 + exp(−g)
	VDIVPS Z6, Z0, Z0         // g / (1 + exp(−g))
	TESTQ DX, DX
	JEQ silu_store
	VMULPS (DX), Z0, Z0
	ADDQ $64, DX

silu_store:
	VMOVUPS Z0, (DI)
	ADDQ $64, SI
	ADDQ $64, DI
	DECQ CX
	JNE silu_loop

silu_done:
	VZEROUPPER
	RET
