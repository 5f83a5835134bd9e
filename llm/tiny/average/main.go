// Command average writes the element-wise mean of the weights of several
// checkpoints of one model (a "weight soup"). Two runs that start from the
// same weights usually end in one basin of the loss, and the point between
// them can predict better than either end; stage 7 of llm/tiny/README.md
// averages the embedded model with two runs trained on from it:
//
//	go run ./llm/tiny/average -out /tmp/tiny-avg /tmp/tiny-stage5c /tmp/tiny-7a/bf16
//
// Every folder holds config.json and model.safetensors. The configs must
// describe the same model and every tensor must appear in each checkpoint
// with the same shape; the mean is taken in float64 and stored in the
// first checkpoint's dtype for that tensor (BF16 rounded to nearest even).
// config.json is the first folder's (as model.Config writes it), and
// tokenizer.json with the tokenizer_config.json beside it comes from the
// first folder that has one; tokenizer.json files that differ are an error.
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"

	"github.com/how-llms-work/course/llm/atomicfile"
	"github.com/how-llms-work/course/llm/model"
	"github.com/how-llms-work/course/llm/safetensors"
	"github.com/how-llms-work/course/llm/tokenizer"
)

func main() {
	out := flag.String("out", "", "folder to write config.json, model.safetensors and the tokenizer files")
	flag.Parse()
	if *out == "" || flag.NArg() < 2 {
		fmt.Fprintln(os.Stderr, "usage: average -out DIR CHECKPOINT CHECKPOINT...")
		os.Exit(2)
	}
	if err := average(*out, flag.Args()); err != nil {
		fmt.Fprintln(os.Stderr, "average:", err)
		os.Exit(1)
	}
}

// average writes the mean of the checkpoints in dirs to out.
func average(out string, dirs []string) error {
	if len(dirs) < 2 {
		return fmt.Errorf("%d checkpoints: want at least 2", len(dirs))
	}
	var cfgJSON []byte
	for i, d := range dirs {
		cfg, err := model.LoadConfig(filepath.Join(d, "config.json"))
		if err != nil {
			return err
		}
		js, err := cfg.MarshalJSON()
		if err != nil {
			return err
		}
		if i == 0 {
			cfgJSON = js
		} else if !bytes.Equal(js, cfgJSON) {
			return fmt.Errorf("%s: config.json describes another model than %s's", d, dirs[0])
		}
	}
	tokDir, tok, err := findTokenizer(dirs)
	if err != nil {
		return err
	}
	files := make([]*safetensors.File, len(dirs))
	for i, d := range dirs {
		if files[i], err = safetensors.Open(filepath.Join(d, "model.safetensors")); err != nil {
			return err
		}
		defer files[i].Close()
	}
	tensors, err := mean(dirs, files)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	meta := maps.Clone(files[0].Metadata)
	if meta == nil {
		meta = map[string]string{}
	}
	delete(meta, "step") // a trainer's step count: the mean is no step of any run
	meta["averaged_checkpoints"] = strconv.Itoa(len(dirs))
	if err := safetensors.WriteFile(filepath.Join(out, "model.safetensors"), tensors, meta); err != nil {
		return err
	}
	if err := atomicfile.WriteFile(filepath.Join(out, "config.json"), append(cfgJSON, '\n'), 0o644); err != nil {
		return err
	}
	if tok == nil {
		return nil
	}
	return tokenizer.CopyFiles(filepath.Join(tokDir, "tokenizer.json"), out)
}

// findTokenizer returns the first folder that holds a tokenizer.json and that
// file ("" and nil if none does), after checking that every other
// tokenizer.json among the folders is the same.
func findTokenizer(dirs []string) (string, []byte, error) {
	var from string
	var first []byte
	for _, d := range dirs {
		b, err := os.ReadFile(filepath.Join(d, "tokenizer.json"))
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return "", nil, err
		}
		if first == nil {
			from, first = d, b
		} else if !bytes.Equal(b, first) {
			return "", nil, fmt.Errorf("%s: tokenizer.json differs from %s's", d, from)
		}
	}
	return from, first, nil
}

// mean returns, for every tensor of the first file, the element-wise mean
// of that tensor over all files, in the first file's dtype.
func mean(dirs []string, files []*safetensors.File) ([]*safetensors.Tensor, error) {
	names := files[0].Names()
	for i, f := range files[1:] {
		if other := f.Names(); !slices.Equal(other, names) {
			for _, n := range names {
				if f.Lookup(n) == nil {
					return nil, fmt.Errorf("%s: no tensor %q (%s has it)", dirs[i+1], n, dirs[0])
				}
			}
			for _, n := range other {
				if files[0].Lookup(n) == nil {
					return nil, fmt.Errorf("%s: tensor %q is not in %s", dirs[i+1], n, dirs[0])
				}
			}
		}
	}
	var tensors []*safetensors.Tensor
	for _, name := range names {
		t0 := files[0].Lookup(name)
		sum := make([]float64, t0.Len())
		for i, f := range files {
			t := f.Lookup(name)
			if !slices.Equal(t.Shape, t0.Shape) {
				return nil, fmt.Errorf("%s: tensor %q has shape %v, %s's has %v", dirs[i], name, t.Shape, dirs[0], t0.Shape)
			}
			v := t.Float32()
			if v == nil {
				return nil, fmt.Errorf("%s: tensor %q is %s, not a float type", dirs[i], name, t.DType)
			}
			for j, x := range v {
				sum[j] += float64(x)
			}
		}
		avg := make([]float32, len(sum))
		for j, s := range sum {
			avg[j] = float32(s / float64(len(files)))
		}
		t, err := safetensors.FromFloat32(name, t0.DType, t0.Shape, avg)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", dirs[0], err)
		}
		tensors = append(tensors, t)
	}
	return tensors, nil
}
