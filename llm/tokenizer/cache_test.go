package tokenizer

import (
	"bytes"
	"crypto/sha256"
	"os"
	"reflect"
	"testing"
)

// TestCache checks that a tokenizer read back from the cache encodes like
// the one parsed from JSON, and that a damaged or stale cache file is
// ignored and rewritten.
func TestCache(t *testing.T) {
	_, path := qwen3(t)
	t.Setenv("LLM_TOKENIZER_CACHE", t.TempDir())
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	cp := cachePath(data)
	if _, err := os.Stat(cp); err == nil {
		t.Fatal("cache file exists before the first load")
	}
	fromJSON, err := Load(path) // parses the JSON and writes the cache
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(cp); err != nil {
		t.Fatalf("no cache file after loading: %v", err)
	}
	cached, err := fromCache(mustRead(t, cp), sha256.Sum256(data))
	if err != nil {
		t.Fatalf("reading the cache back: %v", err)
	}
	cases, _ := readCases(t, "qwen3-encodings.json")
	for _, tok := range []*Tokenizer{fromJSON, cached} {
		for _, c := range cases {
			if a, b := fromJSON.Encode(c.Text), tok.Encode(c.Text); !reflect.DeepEqual(a, b) {
				t.Errorf("%s: cached tokenizer gives %v, JSON %v", c.Name, b, a)
			}
		}
		if !reflect.DeepEqual(tok.Trace(" tokenization"), fromJSON.Trace(" tokenization")) {
			t.Error("cached tokenizer traces differently")
		}
		if id, ok := tok.ID("Ġcat"); !ok || id != 8251 {
			t.Errorf("ID(Ġcat) = %d, %v; want 8251", id, ok)
		}
	}
	// A cache for other contents, or a damaged one, is not used.
	if _, err := fromCache(mustRead(t, cp), [32]byte{1}); err == nil {
		t.Error("cache accepted for a different tokenizer.json")
	}
	damaged := mustRead(t, cp)
	damaged = damaged[:len(damaged)/2]
	if _, err := fromCache(damaged, sha256.Sum256(data)); err == nil {
		t.Error("truncated cache accepted")
	}
	// A token's spelling edited in the cache (" world" → " worle", same
	// length, every structural check still passes): refused, the JSON is
	// parsed again, and the cache rewritten.
	edited := bytes.Replace(mustRead(t, cp), []byte("Ġworld"), []byte("Ġworle"), 1)
	if bytes.Equal(edited, mustRead(t, cp)) {
		t.Fatal("the cache holds no Ġworld to edit")
	}
	if _, err := fromCache(edited, sha256.Sum256(data)); err == nil {
		t.Error("edited cache accepted")
	}
	if err := os.WriteFile(cp, edited, 0o644); err != nil {
		t.Fatal(err)
	}
	if tok, err := Load(path); err != nil || tok.Decode(tok.Encode("hello world")) != "hello world" {
		t.Errorf("load with an edited cache: %v, %q", err, tok.Decode(tok.Encode("hello world")))
	}
	if bytes.Contains(mustRead(t, cp), []byte("Ġworle")) {
		t.Error("the edited cache file was not rewritten")
	}
	if err := os.WriteFile(cp, []byte("garbage"), 0o644); err != nil {
		t.Fatal(err)
	}
	again, err := Load(path)
	if err != nil {
		t.Fatalf("load with a garbage cache file: %v", err)
	}
	if got := again.Encode("The cat sat on the"); !reflect.DeepEqual(got, []int{785, 8251, 7578, 389, 279}) {
		t.Errorf("after garbage cache: %v", got)
	}
	if b := mustRead(t, cp); bytes.Equal(b, []byte("garbage")) {
		t.Error("garbage cache file was not rewritten")
	}
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// FuzzCache feeds damaged cache bodies to decodeCache (behind the checksum,
// which fromCache checks first): an error, never a panic.
func FuzzCache(f *testing.F) {
	tok := tinyA(f)
	var sum [32]byte
	var b bytes.Buffer
	if err := gobEncode(&b, tok.toCache(sum)); err != nil {
		f.Fatal(err)
	}
	f.Add(b.Bytes())
	f.Fuzz(func(t *testing.T, data []byte) {
		if tok, err := decodeCache(data, sum); err == nil {
			_ = tok.Decode(tok.Encode("Hello <|im_end|> wörld 🎉"))
		}
	})
}
