package safetensors

import (
	"testing"
)

// FuzzParseHeader feeds arbitrary bytes to the parser: it must return an
// error or a file whose every tensor view lies inside the data, never panic.
func FuzzParseHeader(f *testing.F) {
	f.Add(build(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}`, 8))
	f.Add(build(`{"__metadata__":{"format":"pt"},"b":{"dtype":"BF16","shape":[2,2],"data_offsets":[0,8]},"c":{"dtype":"F16","shape":[],"data_offsets":[8,10]}}`, 16))
	f.Add(build(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}`, 8))
	f.Add([]byte{1, 0, 0, 0, 0, 0, 0, 0, '{'})
	f.Add(build(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}`, 8))
	f.Fuzz(func(t *testing.T, data []byte) {
		file, err := FromBytes("fuzz", data)
		if err != nil {
			return
		}
		seen := map[string]bool{}
		for _, tn := range file.Tensors() {
			if seen[tn.Name] {
				t.Fatalf("tensor %q twice", tn.Name)
			}
			seen[tn.Name] = true
			if len(tn.Data) != tn.Bytes() {
				t.Fatalf("tensor %q: %d bytes of data, want %d", tn.Name, len(tn.Data), tn.Bytes())
			}
			if tn.Len() < 1<<16 {
				_ = tn.Float32()
			}
		}
	})
}
