package model

import (
	"encoding/binary"
	"fmt"
	"github.com/how-llms-work/course/llm/atomicfile"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"

	"github.com/how-llms-work/course/llm/half"
	"github.com/how-llms-work/course/llm/safetensors"
)

// WriteSynthetic writes a random-weight checkpoint of cfg's exact published
// tensor names, shapes and dtypes (BF16, with the F32 exceptions) to dir:
// model.safetensors and config.json (configJSON as given, or the config's
// flat text form when nil). It holds the text model and the MTP head, plus
// the vision tower when vision is set. The values are seeded and scaled
// like a trained model's (projections ~ N(0, 0.02²)-sized, zero-centred
// norms near 0, decays in (0, 1)) so a forward pass stays finite; they mean
// nothing. It is for benchmarks at full size.
func WriteSynthetic(cfg *Config, dir string, seed uint64, vision bool, configJSON []byte) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	var specs []safetensors.Spec
	byName := map[string]TensorSpec{}
	for _, t := range cfg.Tensors() {
		if t.Part == PartVision && !vision {
			continue
		}
		specs = append(specs, safetensors.Spec{Name: t.Name, DType: t.DType, Shape: t.Shape})
		byName[t.Name] = t
	}
	path := filepath.Join(dir, "model.safetensors")
	rng := rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15))
	err := safetensors.WriteFileFunc(path, specs, map[string]string{"format": "pt", "synthetic": fmt.Sprintf("seed %d", seed)},
		func(s safetensors.Spec, dst []byte) error {
			fillSynthetic(rng, byName[s.Name], dst)
			return nil
		})
	if err != nil {
		return fmt.Errorf("synthetic checkpoint %s: %w", path, err)
	}
	if configJSON == nil {
		if configJSON, err = cfg.MarshalJSON(); err != nil {
			return err
		}
	}
	return atomicfile.WriteFile(filepath.Join(dir, "config.json"), configJSON, 0o644)
}

// fillSynthetic writes random values for one tensor: uniform with the
// standard deviation a tensor of its kind would have.
func fillSynthetic(rng *rand.Rand, t TensorSpec, dst []byte) {
	lo, hi := float32(-1), float32(1)
	std := float32(0.02)
	switch {
	case t.Role == RoleALog: // decay rate log U(0.05, 1)
		lo, hi, std = float32(math.Log(0.05)), 0, 0
	case t.Role == RoleDTBias:
		lo, hi, std = -1.5, -0.5, 0
	case t.Role == RoleGatedNorm:
		lo, hi, std = 0.9, 1.1, 0
	case t.Role.Norm(): // zero-centred
		std = 0.05
	case t.Role == RoleConv:
		std = 0.3
	case t.Role == RoleBias:
		std = 0.01
	}
	if std > 0 { // uniform on ±√3·std has standard deviation std
		lo, hi = -std*float32(math.Sqrt(3)), std*float32(math.Sqrt(3))
	}
	span := hi - lo
	switch t.DType {
	case safetensors.F32:
		for i := 0; i < len(dst); i += 4 {
			binary.LittleEndian.PutUint32(dst[i:], math.Float32bits(lo+span*rng.Float32()))
		}
	default: // BF16
		for i := 0; i < len(dst); i += 2 {
			binary.LittleEndian.PutUint16(dst[i:], half.F32ToBF16(lo+span*rng.Float32()))
		}
	}
}
