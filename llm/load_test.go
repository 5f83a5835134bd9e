package llm

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/how-llms-work/course/llm/hub"
	"github.com/how-llms-work/course/llm/tiny"
)

const fakeCommit = "feedfacefeedfacefeedfacefeedfacefeedface"

// fakeHub serves the tiny-a files as the Hub repository Org/tiny-a.
func fakeHub(t *testing.T) *httptest.Server {
	t.Helper()
	files := map[string][]byte{}
	for _, f := range []string{"config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json"} {
		b, err := os.ReadFile(filepath.Join("testdata", "tiny-a", f))
		if err != nil {
			t.Fatal(err)
		}
		files[f] = b
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rest, ok := strings.CutPrefix(r.URL.Path, "/Org/tiny-a/resolve/")
		rev, rest, _ := strings.Cut(rest, "/")
		if !ok || (rev != "main" && rev != fakeCommit) {
			w.Header().Set("X-Error-Code", "RepoNotFound")
			http.Error(w, "not found", http.StatusNotFound)
			return
		}
		data, ok := files[rest]
		if !ok {
			w.Header().Set("X-Error-Code", "EntryNotFound")
			http.Error(w, "not found", http.StatusNotFound)
			return
		}
		sum := sha256.Sum256(data)
		w.Header().Set("X-Repo-Commit", fakeCommit)
		w.Header().Set("ETag", `"`+hex.EncodeToString(sum[:])+`"`)
		http.ServeContent(w, r, rest, time.Time{}, bytes.NewReader(data))
	}))
	t.Cleanup(srv.Close)
	return srv
}

func testLoader(t *testing.T, endpoint string, env map[string]string) (*Loader, *bytes.Buffer) {
	var notice bytes.Buffer
	return &Loader{
		Hub:     &hub.Client{Endpoint: endpoint, Cache: t.TempDir()},
		Notice:  &notice,
		Env:     func(k string) string { return env[k] },
		Probe:   2 * time.Second,
		Default: "Org/tiny-a",
	}, &notice
}

func closedURL() string {
	srv := httptest.NewServer(http.NotFoundHandler())
	srv.Close()
	return srv.URL
}

func TestLoadTiny(t *testing.T) {
	m, err := Load("tiny")
	if err != nil {
		t.Fatal(err)
	}
	if m.Name != Tiny || m.Source != "embedded" || m.Untrained != !tiny.Trained() {
		t.Errorf("tiny model = %+v", m)
	}
	if s := m.String(); strings.Contains(s, "untrained tiny model") != m.Untrained || !strings.Contains(s, "6,445,352 parameters") {
		t.Errorf("String() = %q", s)
	}
	c := m.Config()
	if c.Hidden != 256 || c.Layers != 12 || c.Vocab != 4096 || !c.TieEmbeddings || c.MaxPositions != 256 ||
		!c.IsFullAttention(3) || !c.IsFullAttention(7) || !c.IsFullAttention(11) || c.IsFullAttention(0) || c.KVHeads != 1 || c.RotaryDim != 8 {
		t.Errorf("tiny config: %v", c)
	}
	if m.Tok.VocabSize() != 4096 {
		t.Errorf("tokenizer has %d tokens", m.Tok.VocabSize())
	}
	for id, tok := range map[int]string{4093: "<|endoftext|>", 4094: "<|im_start|>", 4095: "<|im_end|>"} {
		if got, ok := m.Tok.ID(tok); !ok || got != id {
			t.Errorf("%s has id %d, want %d", tok, got, id)
		}
	}
	ids := m.Encode("The cat sat on the mat.")
	if m.Decode(ids) != "The cat sat on the mat." || len(ids) > 10 {
		t.Errorf("tiny tokenizer: %v", m.Pieces(ids))
	}
	tr, err := m.Generate("The cat sat on the", MaxTokens(4))
	if err != nil {
		t.Fatal(err)
	}
	if tr.Untrained != m.Untrained || strings.Contains(tr.String(), "untrained tiny model") != m.Untrained {
		t.Error("a trace does not say whether its model is untrained")
	}
}

func TestLoadDefaultFallsBackToTiny(t *testing.T) {
	cases := []struct {
		name    string
		offline bool
		env     map[string]string
		want    string
	}{
		{"hub unreachable", false, nil, "could not be reached within 2s"},
		{"offline", true, nil, "HF_HUB_OFFLINE"},
		{"CI", false, map[string]string{"CI": "true"}, "$CI is set"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			l, notice := testLoader(t, closedURL(), tc.env)
			l.Hub.Offline = tc.offline
			m, err := l.Load("")
			if err != nil {
				t.Fatal(err)
			}
			if m.Name != Tiny {
				t.Fatalf("loaded %s, want the tiny fallback", m.Name)
			}
			n := notice.String()
			if strings.Count(n, "\n") != 1 || !strings.Contains(n, tc.want) || strings.Contains(n, "untrained tiny") != m.Untrained {
				t.Errorf("notice = %q, want one line mentioning %q", n, tc.want)
			}
		})
	}
}

func TestLoadDefaultDownloadsThenUsesCache(t *testing.T) {
	srv := fakeHub(t)
	l, notice := testLoader(t, srv.URL, nil)
	m, err := l.Load("")
	if err != nil {
		t.Fatal(err)
	}
	if m.Name != "Org/tiny-a" || m.Source != "download" || notice.Len() != 0 {
		t.Fatalf("loaded %s from %s, notice %q", m.Name, m.Source, notice)
	}
	want := filepath.Join(l.Hub.Cache, "models--Org--tiny-a", "snapshots", fakeCommit)
	if m.Dir != want {
		t.Errorf("dir %s, want %s", m.Dir, want)
	}
	m.Close()
	// Next cell: the Hub is gone, the cache answers.
	srv.Close()
	for _, ref := range []string{"", "Org/tiny-a", "Org/tiny-a@" + fakeCommit} {
		m, err := l.Load(ref)
		if err != nil {
			t.Fatalf("Load(%q) from cache: %v", ref, err)
		}
		if m.Source != "cache" {
			t.Errorf("Load(%q) came from %s", ref, m.Source)
		}
		got, err := m.GenerateIDs(greedyPrompt, MaxTokens(16), StopAt())
		if err != nil || len(got.Steps) != 16 || got.Steps[15].ID != greedyIDs[15] {
			t.Errorf("cached model generates %v, %v", got.IDs(), err)
		}
		m.Close()
	}
}

// TestLoadReportsProgress checks that a download reports through
// Loader.Progress (the hook widgets.Load puts its bar on): every file the
// model needs, ending with a Finished report of its full size.
func TestLoadReportsProgress(t *testing.T) {
	srv := fakeHub(t)
	l, _ := testLoader(t, srv.URL, nil)
	done := map[string]int64{}
	l.Progress = func(p Progress) {
		if p.Finished {
			done[p.File] = p.Done
		}
	}
	m, err := l.Load("Org/tiny-a")
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	for _, f := range []string{"config.json", "model.safetensors", "tokenizer.json"} {
		fi, err := os.Stat(filepath.Join(m.Dir, f))
		if err != nil {
			t.Fatal(err)
		}
		if done[f] != fi.Size() {
			t.Errorf("%s: finished report of %d bytes, the file has %d", f, done[f], fi.Size())
		}
	}
}

func TestLoadEnvAndFolders(t *testing.T) {
	l, _ := testLoader(t, closedURL(), map[string]string{"LLM_MODEL": "testdata/tiny-a"})
	m, err := l.Load("")
	if err != nil {
		t.Fatal(err)
	}
	if m.Source != "folder" || m.Untrained {
		t.Errorf("LLM_MODEL folder loaded as %+v", m)
	}
	m.Close()
	l.Env = func(k string) string { return map[string]string{"LLM_MODEL": "./missing"}[k] }
	if _, err := l.Load(""); err == nil || !strings.Contains(err.Error(), "LLM_MODEL") {
		t.Errorf("bad LLM_MODEL: %v", err)
	}
	// LLM_QWEN35_DIR (the real weights' folder for tests) is used when
	// LLM_MODEL is unset, and LLM_MODEL wins over it.
	l.Env = func(k string) string { return map[string]string{"LLM_QWEN35_DIR": "testdata/tiny-a"}[k] }
	if m, err := l.Load(""); err != nil || m.Source != "folder" {
		t.Errorf("LLM_QWEN35_DIR: %+v, %v", m, err)
	} else {
		m.Close()
	}
	l.Env = func(k string) string {
		return map[string]string{"LLM_QWEN35_DIR": "./missing", "LLM_MODEL": "tiny"}[k]
	}
	if m, err := l.Load(""); err != nil || m.Source != "embedded" {
		t.Errorf("LLM_MODEL=tiny with LLM_QWEN35_DIR set: %+v, %v", m, err)
	}
	l.Env = func(k string) string { return map[string]string{"LLM_QWEN35_DIR": "./missing"}[k] }
	if _, err := l.Load(""); err == nil || !strings.Contains(err.Error(), "LLM_QWEN35_DIR") {
		t.Errorf("bad LLM_QWEN35_DIR: %v", err)
	}
}

func TestLoadErrorsAreSentences(t *testing.T) {
	dir := t.TempDir()
	onlyConfig := filepath.Join(dir, "only-config")
	os.Mkdir(onlyConfig, 0o755)
	cfg, _ := os.ReadFile("testdata/tiny-a/config.json")
	os.WriteFile(filepath.Join(onlyConfig, "config.json"), cfg, 0o644)
	os.WriteFile(filepath.Join(onlyConfig, "tokenizer.json"), []byte("{}"), 0o644)
	badConfig := filepath.Join(dir, "bad-config")
	os.Mkdir(badConfig, 0o755)
	for _, f := range []string{"model.safetensors", "tokenizer.json"} {
		b, _ := os.ReadFile(filepath.Join("testdata", "tiny-a", f))
		os.WriteFile(filepath.Join(badConfig, f), b, 0o644)
	}
	os.WriteFile(filepath.Join(badConfig, "config.json"), []byte(`{"hidden_size": "wide"}`), 0o644)
	noTokenizer := filepath.Join(dir, "no-tokenizer")
	os.Mkdir(noTokenizer, 0o755)
	os.WriteFile(filepath.Join(noTokenizer, "config.json"), cfg, 0o644)

	srv := fakeHub(t)
	l, _ := testLoader(t, srv.URL, nil)
	off, _ := testLoader(t, srv.URL, nil)
	off.Hub.Offline = true
	cases := []struct {
		l    *Loader
		ref  string
		want []string
	}{
		{l, "./does-not-exist", []string{"does not exist", "tiny"}},
		{l, "not a model", []string{"neither a folder", "Qwen/Qwen3.5-0.8B"}},
		{l, noTokenizer, []string{"has no tokenizer.json"}},
		{l, onlyConfig, []string{"no complete weights", "model.safetensors"}},
		{l, badConfig, []string{"config"}},
		{l, "Org/unknown", []string{"has no model", "check the spelling"}},
		{off, "Org/tiny-a", []string{"HF_HUB_OFFLINE", "not in the cache"}},
	}
	for _, tc := range cases {
		_, err := tc.l.Load(tc.ref)
		if err == nil {
			t.Errorf("Load(%q) succeeded", tc.ref)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("Load(%q): %q does not mention %q", tc.ref, err, w)
			}
		}
	}
}

func BenchmarkLoadTiny(b *testing.B) {
	for b.Loop() {
		if _, err := LoadTiny(); err != nil {
			b.Fatal(err)
		}
	}
}
