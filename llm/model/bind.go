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
	switch spec.Role {
	case RoleInputNorm:
		l.inputNorm = t.Float32()
	case RolePostNorm:
		l.postNorm = t.Float32()
	case RoleQ:
		l.q = linear()
	case RoleK:
		l.k = linear()
	case RoleV:
		l.v = linear()
	case RoleO:
		l.o = linear()
	case RoleQNorm:
		l.qNorm = t.Float32()
	case RoleKNorm:
		l.kNorm = t.Float32()
	case RoleQKV:
		l.qkv = linear()
	case RoleZ:
		l.z = linear()
	case RoleB:
		l.b = linear()
	case RoleA:
		l.a = linear()
	case RoleConv:
		l.conv = transpose(t.Float32(), m.cfg.ConvDim(), m.cfg.ConvKernel)
	case RoleDTBias:
		l.dtBias = t.Float32()
	case RoleALog:
		l.aLog = t.Float32()
	case RoleGatedNorm:
		l.norm = t.Float32()
	case RoleOut:
		l.out = linear()
	case RoleGate:
		l.gate = linear()
	case RoleUp:
		l.up = linear()
	case RoleDown:
		l.down = linear()
	}
}
