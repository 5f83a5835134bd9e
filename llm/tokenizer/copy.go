package tokenizer

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/how-llms-work/course/llm/atomicfile"
)

// CopyFiles copies the files [Load] reads for the tokenizer.json at path —
// it, and the tokenizer_config.json and chat_template.jinja beside it where
// they exist — into dir, named as Load expects them, each written
// atomically, so that dir next to a model's weights is a folder Load (and
// llm.LoadDir) opens. dir must exist.
func CopyFiles(path, dir string) error {
	src := filepath.Dir(path)
	for _, f := range []struct {
		from, to string
		optional bool
	}{
		{path, "tokenizer.json", false},
		{filepath.Join(src, "tokenizer_config.json"), "tokenizer_config.json", true},
		{filepath.Join(src, "chat_template.jinja"), "chat_template.jinja", true},
	} {
		b, err := os.ReadFile(f.from)
		if f.optional && errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return fmt.Errorf("tokenizer: %w", err)
		}
		if err := atomicfile.WriteFile(filepath.Join(dir, f.to), b, 0o644); err != nil {
			return fmt.Errorf("tokenizer: %w", err)
		}
	}
	return nil
}
