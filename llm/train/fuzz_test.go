package train

import (
	"bytes"
	"os"
	"testing"

	"github.com/how-llms-work/course/llm/safetensors"
)

// FuzzReadWeights feeds arbitrary bytes to the checkpoint reader: it must
// return an error or fill the weights, never panic.
func FuzzReadWeights(f *testing.F) {
	m := newModel[float32](testConfig())
	var good bytes.Buffer
	specs := []safetensors.Spec{}
	data := map[string][]float32{}
	for _, t := range m.Tensors {
		specs = append(specs, safetensors.Spec{Name: t.Name, DType: safetensors.BF16, Shape: t.Shape})
		data[t.Name] = m.Params[t.Off : t.Off+t.Size]
	}
	if err := writeTensors(&good, specs, data, nil); err != nil {
		f.Fatal(err)
	}
	f.Add(good.Bytes())
	f.Add(good.Bytes()[:len(good.Bytes())/2])
	f.Add([]byte{})
	if tiny, err := os.ReadFile("testdata/tiny-a/model.safetensors"); err == nil {
		f.Add(tiny[:4096])
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		flat := make([]float32, len(m.Params))
		m.readFlatBytes("fuzz.safetensors", b, flat, "")
	})
}
