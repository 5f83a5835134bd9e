package train

import (
	"encoding/binary"
	"fmt"
	"io"
	"math"

	"github.com/how-llms-work/course/llm/half"
	"github.com/how-llms-work/course/llm/safetensors"
)

// decode widens a BF16, F32 or F64 tensor exactly into dst.
func decode[F Float](dst []F, t *safetensors.Tensor) error {
	if t.Len() != len(dst) {
		return fmt.Errorf("tensor %q: %d values, want %d", t.Name, t.Len(), len(dst))
	}
	switch t.DType {
	case safetensors.F32:
		for i := range dst {
			dst[i] = F(math.Float32frombits(binary.LittleEndian.Uint32(t.Data[4*i:])))
		}
	case safetensors.F64:
		for i := range dst {
			dst[i] = F(math.Float64frombits(binary.LittleEndian.Uint64(t.Data[8*i:])))
		}
	case safetensors.BF16:
		for i := range dst {
			dst[i] = F(half.BF16ToF32(binary.LittleEndian.Uint16(t.Data[2*i:])))
		}
	default:
		return fmt.Errorf("tensor %q: dtype %s, want BF16, F32 or F64", t.Name, t.DType)
	}
	return nil
}

// encode writes src into dst (sized for dtype) as F32, F64 or BF16
// (round to nearest even).
func encode[F Float](dst []byte, src []F, dtype safetensors.DType) {
	switch dtype {
	case safetensors.F32:
		for i, v := range src {
			binary.LittleEndian.PutUint32(dst[4*i:], math.Float32bits(float32(v)))
		}
	case safetensors.F64:
		for i, v := range src {
			binary.LittleEndian.PutUint64(dst[8*i:], math.Float64bits(float64(v)))
		}
	case safetensors.BF16:
		for i, v := range src {
			binary.LittleEndian.PutUint16(dst[2*i:], half.F32ToBF16(float32(v)))
		}
	}
}

// writeTensors writes named flat slices as one safetensors file.
func writeTensors[F Float](w io.Writer, specs []safetensors.Spec, data map[string][]F, meta map[string]string) error {
	return safetensors.WriteFunc(w, specs, meta, func(s safetensors.Spec, dst []byte) error {
		encode(dst, data[s.Name], s.DType)
		return nil
	})
}
