package model

import (
	"encoding/json"
	"os"
	"testing"
)

// FuzzParseConfig feeds arbitrary bytes to the config parser: it must return
// an error or a valid config whose marshalled form parses back, never panic
// or hang; the parameter count of a valid config is positive.
func FuzzParseConfig(f *testing.F) {
	for _, path := range []string{"testdata/qwen35-0.8b-config.json", "testdata/tiny-a/config.json", "testdata/tiny-c/config.json"} {
		data, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(`{"hidden_size":8,"num_hidden_layers":4,"num_attention_heads":2,"num_key_value_heads":1,"head_dim":4,"linear_num_key_heads":1,"linear_num_value_heads":2,"linear_key_head_dim":4,"linear_value_head_dim":4,"linear_conv_kernel_dim":4,"intermediate_size":16,"vocab_size":10,"max_position_embeddings":64}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := ParseConfig(data)
		if err != nil {
			return
		}
		out, err := json.Marshal(c)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := ParseConfig(out); err != nil {
			t.Fatalf("marshalled config does not parse back: %v\n%s", err, out)
		}
		if p := c.Params(); p.Text <= 0 || p.Stored < p.Text {
			t.Fatalf("params %+v", p)
		}
	})
}
