package train

import (
	"bufio"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"sort"
)

// This file is a small safetensors reader and writer for checkpoints:
// F32 master weights, optimiser moments and BF16 exports. It reads F32,
// F64 and BF16.

// stTensor is one tensor of a safetensors file.
type stTensor struct {
	DType string
	Shape []int
	Data  []byte
}

// maxHeader bounds the JSON header a reader accepts.
const maxHeader = 100 << 20

// parseSafetensors parses a whole safetensors file held in memory.
func parseSafetensors(data []byte) (map[string]stTensor, map[string]string, error) {
	if len(data) < 8 {
		return nil, nil, fmt.Errorf("file is %d bytes, shorter than the 8-byte header length", len(data))
	}
	n := binary.LittleEndian.Uint64(data)
	if n > maxHeader || n > uint64(len(data)-8) {
		return nil, nil, fmt.Errorf("header length %d does not fit in a %d-byte file", n, len(data))
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data[8:8+n], &raw); err != nil {
		return nil, nil, fmt.Errorf("header: %w", err)
	}
	body := data[8+n:]
	out := make(map[string]stTensor, len(raw))
	var meta map[string]string
	for name, msg := range raw {
		if name == "__metadata__" {
			if err := json.Unmarshal(msg, &meta); err != nil {
				return nil, nil, fmt.Errorf("__metadata__: %w", err)
			}
			continue
		}
		var h struct {
			DType   string   `json:"dtype"`
			Shape   []int    `json:"shape"`
			Offsets []uint64 `json:"data_offsets"`
		}
		if err := json.Unmarshal(msg, &h); err != nil {
			return nil, nil, fmt.Errorf("tensor %q: %w", name, err)
		}
		size := dtypeSize(h.DType)
		if size == 0 {
			return nil, nil, fmt.Errorf("tensor %q: unsupported dtype %q (want F32, F64 or BF16)", name, h.DType)
		}
		if len(h.Offsets) != 2 || h.Offsets[0] > h.Offsets[1] || h.Offsets[1] > uint64(len(body)) {
			return nil, nil, fmt.Errorf("tensor %q: data_offsets %v outside the %d-byte data section", name, h.Offsets, len(body))
		}
		count := uint64(1)
		for _, s := range h.Shape {
			if s < 0 || (s > 0 && count > math.MaxInt32/uint64(s)) {
				return nil, nil, fmt.Errorf("tensor %q: bad shape %v", name, h.Shape)
			}
			count *= uint64(s)
		}
		if count*uint64(size) != h.Offsets[1]-h.Offsets[0] {
			return nil, nil, fmt.Errorf("tensor %q: shape %v of %s needs %d bytes, data_offsets span %d", name, h.Shape, h.DType, count*uint64(size), h.Offsets[1]-h.Offsets[0])
		}
		out[name] = stTensor{DType: h.DType, Shape: h.Shape, Data: body[h.Offsets[0]:h.Offsets[1]]}
	}
	return out, meta, nil
}

func dtypeSize(dt string) int {
	switch dt {
	case "F32":
		return 4
	case "F64":
		return 8
	case "BF16":
		return 2
	}
	return 0
}

// decode converts a tensor's data to dst (len = number of elements).
func decode[F Float](dst []F, t stTensor) {
	switch t.DType {
	case "F32":
		for i := range dst {
			dst[i] = F(math.Float32frombits(binary.LittleEndian.Uint32(t.Data[4*i:])))
		}
	case "F64":
		for i := range dst {
			dst[i] = F(math.Float64frombits(binary.LittleEndian.Uint64(t.Data[8*i:])))
		}
	case "BF16":
		for i := range dst {
			dst[i] = F(math.Float32frombits(uint32(binary.LittleEndian.Uint16(t.Data[2*i:])) << 16))
		}
	}
}

// outTensor is a tensor to write: name, dtype, shape and float64 values.
type outTensor struct {
	Name  string
	DType string
	Shape []int
	Data  func(i int) float64
	N     int
}

// writeSafetensors writes tensors (sorted by name, as the format's
// reference writer does) with metadata to w.
func writeSafetensors(w io.Writer, ts []outTensor, meta map[string]string) error {
	sort.Slice(ts, func(i, j int) bool { return ts[i].Name < ts[j].Name })
	header := map[string]any{}
	if len(meta) > 0 {
		header["__metadata__"] = meta
	}
	var off uint64
	for _, t := range ts {
		n := uint64(t.N * dtypeSize(t.DType))
		header[t.Name] = map[string]any{"dtype": t.DType, "shape": t.Shape, "data_offsets": []uint64{off, off + n}}
		off += n
	}
	hj, err := json.Marshal(header)
	if err != nil {
		return err
	}
	for len(hj)%8 != 0 {
		hj = append(hj, ' ')
	}
	bw := bufio.NewWriterSize(w, 1<<20)
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], uint64(len(hj)))
	bw.Write(b[:])
	bw.Write(hj)
	for _, t := range ts {
		for i := 0; i < t.N; i++ {
			v := t.Data(i)
			switch t.DType {
			case "F32":
				binary.LittleEndian.PutUint32(b[:], math.Float32bits(float32(v)))
				bw.Write(b[:4])
			case "F64":
				binary.LittleEndian.PutUint64(b[:], math.Float64bits(v))
				bw.Write(b[:8])
			case "BF16":
				binary.LittleEndian.PutUint16(b[:], toBF16(float32(v)))
				bw.Write(b[:2])
			default:
				return fmt.Errorf("tensor %q: cannot write dtype %q", t.Name, t.DType)
			}
		}
	}
	return bw.Flush()
}

// toBF16 rounds to the nearest BF16, ties to even (NaN stays NaN).
func toBF16(f float32) uint16 {
	u := math.Float32bits(f)
	if f != f {
		return uint16(u>>16) | 0x40
	}
	u += 0x7fff + (u>>16)&1
	return uint16(u >> 16)
}
