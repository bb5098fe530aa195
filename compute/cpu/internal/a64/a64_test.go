package a64

import "testing"

// The words were assembled by GNU as (binutils 2.40, aarch64-linux-gnu-as)
// from the spelling in the same row, and the spelling is what its objdump
// prints back.
func TestEncodingsMatchGNUAs(t *testing.T) {
	for _, c := range []struct {
		got  Inst
		word uint32
		asm  string
	}{
		{FMLAe(8, 2, 0, 0), 0x4f801048, "fmla v8.4s, v2.4s, v0.s[0]"},
		{FMLAe(8, 2, 0, 1), 0x4fa01048, "fmla v8.4s, v2.4s, v0.s[1]"},
		{FMLAe(8, 2, 0, 2), 0x4f801848, "fmla v8.4s, v2.4s, v0.s[2]"},
		{FMLAe(8, 2, 0, 3), 0x4fa01848, "fmla v8.4s, v2.4s, v0.s[3]"},
		{FMLAe(31, 30, 17, 3), 0x4fb11bdf, "fmla v31.4s, v30.4s, v17.s[3]"},
		{FMULe(8, 9, 0, 0), 0x4f809128, "fmul v8.4s, v9.4s, v0.s[0]"},
		{FMLSe(8, 9, 16, 2), 0x4f905928, "fmls v8.4s, v9.4s, v16.s[2]"},
		{FADD(1, 2, 3), 0x4e23d441, "fadd v1.4s, v2.4s, v3.4s"},
		{FSUB(1, 2, 3), 0x4ea3d441, "fsub v1.4s, v2.4s, v3.4s"},
		{FMUL(1, 2, 3), 0x6e23dc41, "fmul v1.4s, v2.4s, v3.4s"},
		{FDIV(1, 2, 3), 0x6e23fc41, "fdiv v1.4s, v2.4s, v3.4s"},
		{FMLA(1, 12, 1), 0x4e21cd81, "fmla v1.4s, v12.4s, v1.4s"}, // also the Go assembler's VFMLA
		{FMLS(1, 2, 3), 0x4ea3cc41, "fmls v1.4s, v2.4s, v3.4s"},
		{FMAX(1, 2, 3), 0x4e23f441, "fmax v1.4s, v2.4s, v3.4s"},
		{FMIN(1, 2, 3), 0x4ea3f441, "fmin v1.4s, v2.4s, v3.4s"},
		{FMAXNM(1, 2, 3), 0x4e23c441, "fmaxnm v1.4s, v2.4s, v3.4s"},
		{FCMGT(1, 2, 3), 0x6ea3e441, "fcmgt v1.4s, v2.4s, v3.4s"},
		{FCMLTZ(1, 2), 0x4ea0e841, "fcmlt v1.4s, v2.4s, #0.0"},
		{FABS(1, 2), 0x4ea0f841, "fabs v1.4s, v2.4s"},
		{FNEG(1, 2), 0x6ea0f841, "fneg v1.4s, v2.4s"},
		{FRINTM(1, 2), 0x4e219841, "frintm v1.4s, v2.4s"},
		{FCVTZS(1, 2), 0x4ea1b841, "fcvtzs v1.4s, v2.4s"},
		{FADDP(1, 2, 3), 0x6e23d441, "faddp v1.4s, v2.4s, v3.4s"},
		{FADDPs(1, 2), 0x7e30d841, "faddp s1, v2.2s"},
		{FMAXNMV(1, 2), 0x6e30c841, "fmaxnmv s1, v2.4s"},
		{MOV(1, 2), 0x4ea21c41, "mov v1.16b, v2.16b"},
		{BIC(1, 2, 3), 0x4e631c41, "bic v1.16b, v2.16b, v3.16b"},
		{BSL(1, 2, 3), 0x6e631c41, "bsl v1.16b, v2.16b, v3.16b"},
	} {
		if c.got.Word != c.word || c.got.Asm != c.asm {
			t.Errorf("%s: got %#08x %q, want %#08x", c.asm, c.got.Word, c.got.Asm, c.word)
		}
	}
	if s := FADD(1, 2, 3).String(); s != "WORD $0x4e23d441 // fadd v1.4s, v2.4s, v3.4s" {
		t.Errorf("String() = %q", s)
	}
}

func TestBadOperandsPanic(t *testing.T) {
	for name, f := range map[string]func(){
		"register 32": func() { FADD(32, 0, 0) },
		"lane 4":      func() { FMLAe(0, 1, 2, 4) },
		"lane -1":     func() { FMULe(0, 1, 2, -1) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", name)
				}
			}()
			f()
		}()
	}
}
