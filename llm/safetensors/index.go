package safetensors

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
)

// IndexName is the file name of a sharded checkpoint's index.
const IndexName = "model.safetensors.index.json"

// OpenIndex opens every shard named by a sharded checkpoint's index
// (model.safetensors.index.json: {"weight_map": {tensor: shard file}}) and
// checks that each tensor is in the shard the index names. Shards are
// returned in name order; close each of them when done.
func OpenIndex(path string) ([]*File, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("safetensors: %w", err)
	}
	var idx struct {
		WeightMap map[string]string `json:"weight_map"`
	}
	if err := json.Unmarshal(data, &idx); err != nil {
		return nil, fmt.Errorf("safetensors %s: %w", path, err)
	}
	if len(idx.WeightMap) == 0 {
		return nil, fmt.Errorf("safetensors %s: weight_map is empty", path)
	}
	var shards []string
	seen := map[string]bool{}
	for tensor, shard := range idx.WeightMap {
		if shard == "" || filepath.Base(shard) != shard {
			return nil, fmt.Errorf("safetensors %s: tensor %q: shard %q is not a plain file name", path, tensor, shard)
		}
		if !seen[shard] {
			seen[shard] = true
			shards = append(shards, shard)
		}
	}
	sort.Strings(shards)
	dir := filepath.Dir(path)
	files := make([]*File, 0, len(shards))
	byShard := map[string]*File{}
	closeAll := func() {
		for _, f := range files {
			f.Close()
		}
	}
	for _, s := range shards {
		f, err := Open(filepath.Join(dir, s))
		if err != nil {
			closeAll()
			return nil, err
		}
		files = append(files, f)
		byShard[s] = f
	}
	for tensor, shard := range idx.WeightMap {
		if byShard[shard].Lookup(tensor) == nil {
			closeAll()
			return nil, fmt.Errorf("safetensors %s: tensor %q: the index places it in %s, which does not hold it", path, tensor, shard)
		}
	}
	return files, nil
}

// OpenDir opens the checkpoint in dir: the shards of
// model.safetensors.index.json if present, else model.safetensors.
func OpenDir(dir string) ([]*File, error) {
	idx := filepath.Join(dir, IndexName)
	if _, err := os.Stat(idx); err == nil {
		return OpenIndex(idx)
	}
	f, err := Open(filepath.Join(dir, "model.safetensors"))
	if err != nil {
		return nil, err
	}
	return []*File{f}, nil
}
