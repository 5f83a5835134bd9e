package model

import "github.com/how-llms-work/course/llm/safetensors"

// bind puts one text tensor, already checked against spec by New, where
// the forward pass reads it: matrices as Linear views of the file (BF16,
// F16 or F32 as stored), the small vectors widened to float32, the conv
// taps transposed to tap-major.
func (m *Model) bind(spec TensorSpec, t *safetensors.Tensor) {
	linear := func() Linear {
		l, _ := newLinear(t) // New checked the dtype
		return l
	}
	switch spec.Role {
	case RoleEmbed:
		m.embed = linear()
		return
	case RoleLMHead:
		h := linear()
		m.lmHead = &h
		return
	case RoleFinalNorm:
		m.norm = t.Float32()
		return
	}
	l := &m.layers[spec.Layer]
	if spec.Role == RoleConv {
		l.conv = transpose(t.Float32(), m.cfg.ConvDim(), m.cfg.ConvKernel)
		return
	}
	matrices := map[Role]*Linear{
		RoleQ: &l.q, RoleK: &l.k, RoleV: &l.v, RoleO: &l.o,
		RoleQKV: &l.qkv, RoleZ: &l.z, RoleB: &l.b, RoleA: &l.a, RoleOut: &l.out,
		RoleGate: &l.gate, RoleUp: &l.up, RoleDown: &l.down,
	}
	vectors := map[Role]*[]float32{
		RoleInputNorm: &l.inputNorm, RolePostNorm: &l.postNorm, RoleQNorm: &l.qNorm, RoleKNorm: &l.kNorm,
		RoleDTBias: &l.dtBias, RoleALog: &l.aLog, RoleGatedNorm: &l.norm,
	}
	if w := matrices[spec.Role]; w != nil {
		*w = linear()
	} else if v := vectors[spec.Role]; v != nil {
		*v = t.Float32()
	}
}
