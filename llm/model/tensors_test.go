package model

import (
	"strconv"
	"strings"
	"testing"

	"github.com/how-llms-work/course/llm/safetensors"
)

// TestTensorRoles checks the tensor list of the published config: names
// unique, each text layer holding exactly the roles of its kind once, the
// role classes consistent with shapes and dtypes.
func TestTensorRoles(t *testing.T) {
	c := MustLoadConfig("testdata/qwen35-0.8b-config.json")
	attn := []Role{RoleInputNorm, RolePostNorm, RoleQ, RoleK, RoleV, RoleO, RoleQNorm, RoleKNorm, RoleGate, RoleUp, RoleDown}
	delta := []Role{RoleInputNorm, RolePostNorm, RoleQKV, RoleZ, RoleB, RoleA, RoleConv, RoleDTBias, RoleALog, RoleGatedNorm, RoleOut, RoleGate, RoleUp, RoleDown}
	names := map[string]bool{}
	perLayer := make([]map[Role]int, c.Layers)
	for i := range perLayer {
		perLayer[i] = map[Role]int{}
	}
	global := map[Role]int{}
	for _, ts := range c.Tensors() {
		if names[ts.Name] {
			t.Errorf("%s listed twice", ts.Name)
		}
		names[ts.Name] = true
		if ts.Part == PartText && ts.Role.Matrix() != (len(ts.Shape) == 2 || ts.Role == RoleConv) {
			t.Errorf("%s %v: Matrix() = %v", ts.Name, ts.Shape, ts.Role.Matrix())
		}
		if f32 := ts.Role == RoleALog || ts.Role == RoleGatedNorm; f32 != (ts.DType == safetensors.F32) {
			t.Errorf("%s: dtype %s with role %d", ts.Name, ts.DType, ts.Role)
		}
		if ts.Role.Norm() && len(ts.Shape) != 1 {
			t.Errorf("%s: a norm of shape %v", ts.Name, ts.Shape)
		}
		if ts.Part != PartText {
			if ts.Part == PartVision && ts.Layer != -1 {
				t.Errorf("%s: vision tensor in layer %d", ts.Name, ts.Layer)
			}
			continue
		}
		if !strings.HasPrefix(ts.Name, TextPrefix) {
			t.Errorf("%s: text tensor without %s", ts.Name, TextPrefix)
		}
		if ts.Layer < 0 {
			global[ts.Role]++
			continue
		}
		if want := "layers." + strconv.Itoa(ts.Layer) + "."; !strings.HasPrefix(ts.Name, TextPrefix+want) {
			t.Errorf("%s: Layer %d", ts.Name, ts.Layer)
		}
		perLayer[ts.Layer][ts.Role]++
	}
	if len(global) != 2 || global[RoleEmbed] != 1 || global[RoleFinalNorm] != 1 {
		t.Errorf("tensors outside the layers: %v, want one embedding and one final norm (tied head)", global)
	}
	for i, got := range perLayer {
		want := delta
		if c.IsFullAttention(i) {
			want = attn
		}
		if len(got) != len(want) {
			t.Errorf("layer %d has roles %v, want %v", i, got, want)
		}
		for _, r := range want {
			if got[r] != 1 {
				t.Errorf("layer %d: role %d appears %d times", i, r, got[r])
			}
		}
	}
}

func TestTextPrefixOf(t *testing.T) {
	for _, tc := range []struct {
		names []string
		want  string
	}{
		{[]string{"model.language_model.embed_tokens.weight"}, TextPrefix},
		{[]string{"model.embed_tokens.weight"}, TextOnlyPrefix},
		{[]string{"model.embed_tokens.weight", "model.language_model.embed_tokens.weight"}, TextPrefix},
		{nil, TextPrefix},
	} {
		has := func(n string) bool {
			for _, x := range tc.names {
				if x == n {
					return true
				}
			}
			return false
		}
		if got := TextPrefixOf(has); got != tc.want {
			t.Errorf("TextPrefixOf(%v) = %q, want %q", tc.names, got, tc.want)
		}
	}
}
