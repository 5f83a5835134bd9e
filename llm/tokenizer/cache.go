package tokenizer

import (
	"bytes"
	"crypto/sha256"
	"encoding/gob"
	"encoding/hex"
	"errors"
	"fmt"
	"github.com/how-llms-work/course/llm/atomicfile"
	"os"
	"path/filepath"
	"sort"
)

// A large tokenizer.json (11 MB for Qwen3) takes a good part of a second to
// parse, and every notebook cell runs in a fresh process. So Load and Parse
// keep a compact binary copy of what they parsed in the user's cache
// directory ($XDG_CACHE_HOME or ~/.cache on Linux, under
// how-llms-work/tokenizer), named by the SHA-256 of the tokenizer.json
// contents: a changed file has another name, so a stale copy is never used.
// The copy starts with a checksum of the rest, bound to that SHA-256: a copy
// edited or damaged after it was written (a token's spelling changed) fails
// it. A copy that cannot be read or fails its checks is ignored (the
// tokenizer.json is parsed instead) and rewritten.
// Set LLM_TOKENIZER_CACHE=off to disable the cache, or to a directory to
// use that one instead.

// cacheMinSize is the smallest tokenizer.json worth caching.
const cacheMinSize = 1 << 20

// cacheVersion changes whenever cacheFile or its meaning changes.
const cacheVersion = 3

type cacheFile struct {
	Version      int
	SHA256       [32]byte
	Tokens       []string // id → spelling
	Kinds        []uint8
	Merges       []int32 // left, right, rank, result per merge
	IgnoreMerges bool
	Added        []cacheAdded
	Normalizers  []string
	Pattern      string
}

type cacheAdded struct {
	Text                    string
	ID                      int
	Special, LStrip, RStrip bool
	Normalized              bool
}

// cacheDir returns the cache directory, or "" when caching is off.
func cacheDir() string {
	switch env := os.Getenv("LLM_TOKENIZER_CACHE"); env {
	case "off", "0", "false":
		return ""
	case "":
	default:
		return env
	}
	dir, err := os.UserCacheDir()
	if err != nil {
		return ""
	}
	return filepath.Join(dir, "how-llms-work", "tokenizer")
}

// parseCached is parseJSON through the cache.
func parseCached(tokenizerJSON []byte) (*Tokenizer, error) {
	dir := cacheDir()
	if len(tokenizerJSON) < cacheMinSize || dir == "" {
		return parseJSON(tokenizerJSON)
	}
	sum := sha256.Sum256(tokenizerJSON)
	path := filepath.Join(dir, hex.EncodeToString(sum[:])+".gob")
	if data, err := os.ReadFile(path); err == nil {
		if t, err := fromCache(data, sum); err == nil {
			return t, nil
		}
	}
	t, err := parseJSON(tokenizerJSON)
	if err != nil {
		return nil, err
	}
	_ = writeCache(dir, path, t.toCache(sum)) // the cache is only an optimisation
	return t, nil
}

func writeCache(dir, path string, c *cacheFile) error {
	data, err := encodeCache(c)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	return atomicfile.WriteFile(path, data, 0o644)
}

func (t *Tokenizer) toCache(sum [32]byte) *cacheFile {
	c := &cacheFile{
		Version:      cacheVersion,
		SHA256:       sum,
		Tokens:       t.tokens,
		Kinds:        t.kind,
		IgnoreMerges: t.ignoreMerges,
		Normalizers:  t.normalizers,
		Pattern:      t.scanner.Pattern(),
	}
	type entry struct {
		key uint64
		m   merge
	}
	ms := make([]entry, 0, t.merges.len())
	t.merges.each(func(a, b int32, m merge) { ms = append(ms, entry{pairKey(a, b), m}) })
	sort.Slice(ms, func(i, j int) bool { return ms[i].m.rank < ms[j].m.rank })
	c.Merges = make([]int32, 0, 4*len(ms))
	for _, e := range ms {
		c.Merges = append(c.Merges, int32(e.key>>32), int32(uint32(e.key)), e.m.rank, e.m.id)
	}
	for _, a := range t.added {
		c.Added = append(c.Added, cacheAdded{a.text, a.id, a.special, a.lstrip, a.rstrip, a.normalized})
	}
	return c
}

var errBadCache = errors.New("tokenizer: bad cache file")

// encodeCache returns a cache file's bytes: the checksum of the body (see
// cacheCheck), then the body (c in gob).
func encodeCache(c *cacheFile) ([]byte, error) {
	var b bytes.Buffer
	b.Write(make([]byte, sha256.Size))
	if err := gobEncode(&b, c); err != nil {
		return nil, err
	}
	data := b.Bytes()
	check := cacheCheck(c.SHA256, data[sha256.Size:])
	copy(data, check[:])
	return data, nil
}

// cacheCheck is the checksum of a cache body made for the tokenizer.json
// whose SHA-256 is sum.
func cacheCheck(sum [32]byte, body []byte) [32]byte {
	h := sha256.New()
	h.Write([]byte("how-llms-work tokenizer cache\x00"))
	h.Write(sum[:])
	h.Write(body)
	var out [32]byte
	h.Sum(out[:0])
	return out
}

// fromCache rebuilds a tokenizer from a cache file made for the
// tokenizer.json whose SHA-256 is sum. Its checksum must match (an edited or
// damaged file is refused), then decodeCache checks what indexes depend on.
func fromCache(data []byte, sum [32]byte) (*Tokenizer, error) {
	if len(data) < sha256.Size {
		return nil, errBadCache
	}
	body := data[sha256.Size:]
	if check := cacheCheck(sum, body); !bytes.Equal(check[:], data[:sha256.Size]) {
		return nil, fmt.Errorf("%w: its checksum does not match its contents", errBadCache)
	}
	return decodeCache(body, sum)
}

// decodeCache rebuilds a tokenizer from a cache body, checking everything an
// index depends on: a damaged body is an error, never a panic.
func decodeCache(data []byte, sum [32]byte) (*Tokenizer, error) {
	var c cacheFile
	if err := gob.NewDecoder(bytes.NewReader(data)).Decode(&c); err != nil {
		return nil, err
	}
	n := len(c.Tokens)
	if c.Version != cacheVersion || c.SHA256 != sum || len(c.Kinds) != n || n > maxID || len(c.Merges)%4 != 0 {
		return nil, errBadCache
	}
	sc, ok := NewScanner(c.Pattern)
	if !ok {
		return nil, errBadCache
	}
	t := &Tokenizer{
		tokens:       c.Tokens,
		kind:         c.Kinds,
		raw:          make([]string, n),
		merges:       newMergeTable(len(c.Merges) / 4),
		ignoreMerges: c.IgnoreMerges,
		addedIDs:     map[string]int{},
		scanner:      sc,
	}
	for _, nf := range c.Normalizers {
		switch nf {
		case "NFC", "NFD", "NFKC", "NFKD":
			t.normalizers = append(t.normalizers, nf)
		default:
			return nil, errBadCache
		}
	}
	for id, tok := range c.Tokens {
		switch c.Kinds[id] {
		case kindNone:
		case kindBPE:
			raw, ok := fromByteLevel(tok)
			if !ok {
				return nil, errBadCache
			}
			t.raw[id] = raw
		case kindAdded, kindSpecial:
			t.raw[id] = tok
		default:
			return nil, errBadCache
		}
	}
	// The vocabulary map is built on first use (vocabulary); the byte tokens
	// are found without it.
	found := 0
	for id, raw := range t.raw {
		if c.Kinds[id] == kindBPE && len(raw) == 1 {
			t.byteID[raw[0]] = int32(id)
			found++
		}
	}
	if found != 256 {
		return nil, errBadCache
	}
	for i := 0; i < len(c.Merges); i += 4 {
		a, b, rank, id := c.Merges[i], c.Merges[i+1], c.Merges[i+2], c.Merges[i+3]
		for _, x := range []int32{a, b, id} {
			if x < 0 || int(x) >= n || c.Kinds[x] != kindBPE {
				return nil, errBadCache
			}
		}
		t.merges.add(a, b, merge{rank: rank, id: id})
	}
	for _, a := range c.Added {
		if a.ID < 0 || a.ID >= n || a.Text == "" || t.tokens[a.ID] != a.Text {
			return nil, errBadCache
		}
		t.added = append(t.added, added{text: a.Text, id: a.ID, special: a.Special, lstrip: a.LStrip, rstrip: a.RStrip, normalized: a.Normalized})
		t.addedIDs[a.Text] = a.ID
	}
	t.finishAdded()
	return t, nil
}

// cachePath returns where the cache of a tokenizer.json with these contents
// lives ("" when caching is off); for tests and for people clearing it.
func cachePath(tokenizerJSON []byte) string {
	dir := cacheDir()
	if dir == "" {
		return ""
	}
	sum := sha256.Sum256(tokenizerJSON)
	return filepath.Join(dir, fmt.Sprintf("%x.gob", sum))
}

func gobEncode(w *bytes.Buffer, c *cacheFile) error { return gob.NewEncoder(w).Encode(c) }
