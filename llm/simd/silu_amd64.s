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
DATA siluConst<>+48(SB)/4, $0x432f0000 // 175 (AVX2 clamp: 2^n in two halves)
DATA siluConst<>+52(SB)/4, $0x0000007f // 127 (exponent bias)
DATA siluConst<>+56(SB)/4, $0xc2ae0000 // -87 (AVX2 clamp)
GLOBL siluConst<>(SB), RODATA|NOPTR, $60

// func siluAVX512(dst, x, up *float32, n, sig int)
//
// dst[i] = x[i] / (1 + exp(−x[i])) · up[i] for n whole vectors of 16, or
// with sig ≠ 0 the sigmoid 1 / (1 + exp(−x[i])) · up[i]; up may be nil
// (then no product). dst may alias x or up.
TEXT ·siluAVX512(SB), NOSPLIT, $0-40
	MOVQ dst+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ up+16(FP), DX
	MOVQ n+24(FP), CX
	MOVQ sig+32(FP), R8
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
	TESTQ R8, R8
	JEQ silu_div
	VMOVAPS Z25, Z0           // sigmoid: numerator 1

silu_div:
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

// func siluAVX2(dst, x, up *float32, n, sig int)
//
// siluAVX512 for n whole vectors of 8 with AVX2: without VSCALEFPS, 2^n is
// built in the exponent field, in two halves (2^(n>>1) · 2^(n−n>>1)) so that
// n up to 254 still overflows to +Inf as exp should.
TEXT ·siluAVX2(SB), NOSPLIT, $0-40
	MOVQ dst+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ up+16(FP), DX
	MOVQ n+24(FP), CX
	MOVQ sig+32(FP), R8
	TESTQ CX, CX
	JEQ silu2_done

silu2_loop:
	VMOVUPS (SI), Y0                       // g
	VXORPS Y1, Y1, Y1
	VSUBPS Y0, Y1, Y1                      // x = −g
	VBROADCASTSS siluConst<>+48(SB), Y8
	VMINPS Y8, Y1, Y1
	VBROADCASTSS siluConst<>+56(SB), Y8
	VMAXPS Y8, Y1, Y1
	VBROADCASTSS siluConst<>+0(SB), Y8
	VMULPS Y8, Y1, Y2                      // x·log2e
	VROUNDPS $0, Y2, Y2                    // n
	VMOVAPS Y1, Y3
	VBROADCASTSS siluConst<>+4(SB), Y8
	VFNMADD231PS Y8, Y2, Y3                // r = x − n·ln2hi
	VBROADCASTSS siluConst<>+8(SB), Y8
	VFNMADD231PS Y8, Y2, Y3                // r −= n·ln2lo
	VBROADCASTSS siluConst<>+12(SB), Y4    // p
	VBROADCASTSS siluConst<>+16(SB), Y8
	VFMADD213PS Y8, Y3, Y4
	VBROADCASTSS siluConst<>+20(SB), Y8
	VFMADD213PS Y8, Y3, Y4
	VBROADCASTSS siluConst<>+24(SB), Y8
	VFMADD213PS Y8, Y3, Y4
	VBROADCASTSS siluConst<>+28(SB), Y8
	VFMADD213PS Y8, Y3, Y4
	VBROADCASTSS siluConst<>+32(SB), Y8
	VFMADD213PS Y8, Y3, Y4
	VMULPS Y3, Y3, Y5                      // r²
	VBROADCASTSS siluConst<>+36(SB), Y9    // 1
	VADDPS Y9, Y3, Y6                      // 1 + r
	VFMADD231PS Y5, Y4, Y6                 // e^r
	VCVTPS2DQ Y2, Y7                       // n as int32
	VPSRAD $1, Y7, Y10                     // n1 = n >> 1
	VPSUBD Y10, Y7, Y11                    // n2 = n − n1
	VPBROADCASTD siluConst<>+52(SB), Y8
	VPADDD Y8, Y10, Y10
	VPADDD Y8, Y11, Y11
	VPSLLD $23, Y10, Y10                   // 2^n1
	VPSLLD $23, Y11, Y11                   // 2^n2
	VMULPS Y10, Y6, Y6
	VMULPS Y11, Y6, Y6                     // exp(x)
	VADDPS Y9, Y6, Y6                      // 1 + exp(−g)
	TESTQ R8, R8
	JEQ silu2_div
	VMOVAPS Y9, Y0                         // sigmoid: numerator 1

silu2_div:
	VDIVPS Y6, Y0, Y0                      // g / (1 + exp(−g))
	TESTQ DX, DX
	JEQ silu2_store
	VMULPS (DX), Y0, Y0
	ADDQ $32, DX

silu2_store:
	VMOVUPS Y0, (DI)
	ADDQ $32, SI
	ADDQ $32, DI
	DECQ CX
	JNE silu2_loop

silu2_done:
	VZEROUPPER
	RET
