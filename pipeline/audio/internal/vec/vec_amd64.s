#include "textflag.h"

// func dotAVX2(a, b *float32, n int) float32
// Four accumulators of eight lanes take 32 products per round; the rest
// go eight, then one at a time.
TEXT ·dotAVX2(SB), NOSPLIT, $0-28
	MOVQ a+0(FP), SI
	MOVQ b+8(FP), DI
	MOVQ n+16(FP), CX
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3

dot32:
	CMPQ CX, $32
	JL   dot8
	VMOVUPS     (SI), Y4
	VMOVUPS     32(SI), Y5
	VMOVUPS     64(SI), Y6
	VMOVUPS     96(SI), Y7
	VFMADD231PS (DI), Y4, Y0
	VFMADD231PS 32(DI), Y5, Y1
	VFMADD231PS 64(DI), Y6, Y2
	VFMADD231PS 96(DI), Y7, Y3
	ADDQ        $128, SI
	ADDQ        $128, DI
	SUBQ        $32, CX
	JMP         dot32

dot8:
	CMPQ CX, $8
	JL   reduce
	VMOVUPS     (SI), Y4
	VFMADD231PS (DI), Y4, Y0
	ADDQ        $32, SI
	ADDQ        $32, DI
	SUBQ        $8, CX
	JMP         dot8

reduce:
	VADDPS       Y1, Y0, Y0
	VADDPS       Y3, Y2, Y2
	VADDPS       Y2, Y0, Y0
	VEXTRACTF128 $1, Y0, X1
	VADDPS       X1, X0, X0
	VHADDPS      X0, X0, X0
	VHADDPS      X0, X0, X0

dot1:
	TESTQ       CX, CX
	JE          dotdone
	VMOVSS      (SI), X1
	VFMADD231SS (DI), X1, X0
	ADDQ        $4, SI
	ADDQ        $4, DI
	DECQ        CX
	JMP         dot1

dotdone:
	VZEROUPPER
	MOVSS X0, ret+24(FP)
	RET

// func mulAddAVX2(acc, a, b *float32, n int)
TEXT ·mulAddAVX2(SB), NOSPLIT, $0-32
	MOVQ acc+0(FP), DX
	MOVQ a+8(FP), SI
	MOVQ b+16(FP), DI
	MOVQ n+24(FP), CX

ma16:
	CMPQ CX, $16
	JL   ma8
	VMOVUPS     (DX), Y0
	VMOVUPS     32(DX), Y1
	VMOVUPS     (SI), Y2
	VMOVUPS     32(SI), Y3
	VFMADD231PS (DI), Y2, Y0
	VFMADD231PS 32(DI), Y3, Y1
	VMOVUPS     Y0, (DX)
	VMOVUPS     Y1, 32(DX)
	ADDQ        $64, DX
	ADDQ        $64, SI
	ADDQ        $64, DI
	SUBQ        $16, CX
	JMP         ma16

ma8:
	CMPQ CX, $8
	JL   ma1
	VMOVUPS     (DX), Y0
	VMOVUPS     (SI), Y2
	VFMADD231PS (DI), Y2, Y0
	VMOVUPS     Y0, (DX)
	ADDQ        $32, DX
	ADDQ        $32, SI
	ADDQ        $32, DI
	SUBQ        $8, CX
	JMP         ma8

ma1:
	TESTQ       CX, CX
	JE          madone
	VMOVSS      (DX), X0
	VMOVSS      (SI), X2
	VFMADD231SS (DI), X2, X0
	VMOVSS      X0, (DX)
	ADDQ        $4, DX
	ADDQ        $4, SI
	ADDQ        $4, DI
	DECQ        CX
	JMP         ma1

madone:
	VZEROUPPER
	RET

// func addScaledAVX2(acc *float32, s float32, a *float32, n int)
TEXT ·addScaledAVX2(SB), NOSPLIT, $0-32
	MOVQ         acc+0(FP), DX
	VBROADCASTSS s+8(FP), Y15
	MOVQ         a+16(FP), SI
	MOVQ         n+24(FP), CX

as16:
	CMPQ CX, $16
	JL   as8
	VMOVUPS     (DX), Y0
	VMOVUPS     32(DX), Y1
	VFMADD231PS (SI), Y15, Y0
	VFMADD231PS 32(SI), Y15, Y1
	VMOVUPS     Y0, (DX)
	VMOVUPS     Y1, 32(DX)
	ADDQ        $64, DX
	ADDQ        $64, SI
	SUBQ        $16, CX
	JMP         as16

as8:
	CMPQ CX, $8
	JL   as1
	VMOVUPS     (DX), Y0
	VFMADD231PS (SI), Y15, Y0
	VMOVUPS     Y0, (DX)
	ADDQ        $32, DX
	ADDQ        $32, SI
	SUBQ        $8, CX
	JMP         as8

as1:
	TESTQ       CX, CX
	JE          asdone
	VMOVSS      (DX), X0
	VFMADD231SS (SI), X15, X0
	VMOVSS      X0, (DX)
	ADDQ        $4, DX
	ADDQ        $4, SI
	DECQ        CX
	JMP         as1

asdone:
	VZEROUPPER
	RET

// func matVecAVX2(out, mat, x *float32, n, m int)
// n is a multiple of 8. Columns go 24 at a time while they last, in three
// accumulators that share each broadcast x[j], then 8 at a time.
TEXT ·matVecAVX2(SB), NOSPLIT, $0-40
	MOVQ out+0(FP), DX
	MOVQ mat+8(FP), SI
	MOVQ x+16(FP), DI
	MOVQ n+24(FP), R8
	MOVQ m+32(FP), R9
	MOVQ R8, R10
	SHLQ $2, R10 // row stride in bytes

mv24:
	CMPQ   R8, $24
	JL     mv8
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	MOVQ   SI, BX
	MOVQ   DI, CX
	MOVQ   R9, R11

mv24row:
	VBROADCASTSS (CX), Y3
	VFMADD231PS  (BX), Y3, Y0
	VFMADD231PS  32(BX), Y3, Y1
	VFMADD231PS  64(BX), Y3, Y2
	ADDQ         R10, BX
	ADDQ         $4, CX
	DECQ         R11
	JNZ          mv24row
	VMOVUPS      Y0, (DX)
	VMOVUPS      Y1, 32(DX)
	VMOVUPS      Y2, 64(DX)
	ADDQ         $96, DX
	ADDQ         $96, SI
	SUBQ         $24, R8
	JMP          mv24

mv8:
	CMPQ   R8, $8
	JL     mvdone
	VXORPS Y0, Y0, Y0
	MOVQ   SI, BX
	MOVQ   DI, CX
	MOVQ   R9, R11

mv8row:
	VBROADCASTSS (CX), Y3
	VFMADD231PS  (BX), Y3, Y0
	ADDQ         R10, BX
	ADDQ         $4, CX
	DECQ         R11
	JNZ          mv8row
	VMOVUPS      Y0, (DX)
	ADDQ         $32, DX
	ADDQ         $32, SI
	SUBQ         $8, R8
	JMP          mv8

mvdone:
	VZEROUPPER
	RET
