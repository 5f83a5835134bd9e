package hub

import (
	"bytes"
	"context"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

const testCommit = "0123456789abcdef0123456789abcdef01234567"

// fakeHub imitates the Hub's resolve endpoint: small files are answered
// directly with their git blob sha1 as ETag; "LFS" files (.safetensors)
// redirect to a content store (/cdn/<sha256>) and announce X-Linked-Etag
// and X-Linked-Size. Knobs inject the failures the client must survive.
type fakeHub struct {
	t     *testing.T
	repo  string
	files map[string][]byte

	mu          sync.Mutex
	truncateAt  int             // first GET of an LFS file stops after this many bytes (0: off)
	corrupt     map[string]bool // serve these files with one byte flipped
	ignoreRange bool            // answer Range requests with the whole file (200)
	gated       bool            // answer 401 with X-Error-Code GatedRepo
	requireAuth string          // token that must be sent as Bearer
	renamedFrom string          // old repo id that redirects (relative) to repo
	gets        map[string]int  // GET count per file
	ranges      []string        // Range headers seen on the CDN
	authOnCDN   bool            // an Authorization header reached the CDN
}

func newFakeHub(t *testing.T, repo string, files map[string][]byte) (*fakeHub, *httptest.Server) {
	h := &fakeHub{t: t, repo: repo, files: files, corrupt: map[string]bool{}, gets: map[string]int{}}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return h, srv
}

func gitSHA1(b []byte) string {
	h := sha1.New()
	fmt.Fprintf(h, "blob %d\x00", len(b))
	h.Write(b)
	return hex.EncodeToString(h.Sum(nil))
}

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func isLFS(name string) bool { return strings.HasSuffix(name, ".safetensors") }

func (h *fakeHub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if rest, ok := strings.CutPrefix(r.URL.Path, "/cdn/"); ok {
		h.serveCDN(w, r, rest)
		return
	}
	if h.renamedFrom != "" && strings.HasPrefix(r.URL.Path, "/"+h.renamedFrom+"/") {
		w.Header().Set("Location", "/"+h.repo+strings.TrimPrefix(r.URL.Path, "/"+h.renamedFrom))
		w.WriteHeader(http.StatusMovedPermanently)
		return
	}
	prefix := "/" + h.repo + "/resolve/"
	rest, ok := strings.CutPrefix(r.URL.Path, prefix)
	if !ok {
		w.Header().Set("X-Error-Code", "RepoNotFound")
		http.Error(w, "Repository not found", http.StatusUnauthorized)
		return
	}
	if h.gated {
		w.Header().Set("X-Error-Code", "GatedRepo")
		http.Error(w, "gated", http.StatusUnauthorized)
		return
	}
	if h.requireAuth != "" && r.Header.Get("Authorization") != "Bearer "+h.requireAuth {
		http.Error(w, "unauthorized", http.StatusUnauthorized)
		return
	}
	rev, file, _ := strings.Cut(rest, "/")
	if rev != "main" && rev != testCommit {
		w.Header().Set("X-Error-Code", "RevisionNotFound")
		http.Error(w, "no such revision", http.StatusNotFound)
		return
	}
	data, ok := h.files[file]
	if !ok {
		w.Header().Set("X-Error-Code", "EntryNotFound")
		http.Error(w, "no such file", http.StatusNotFound)
		return
	}
	w.Header().Set("X-Repo-Commit", testCommit)
	if isLFS(file) {
		w.Header().Set("X-Linked-Etag", `"`+sha(data)+`"`)
		w.Header().Set("X-Linked-Size", strconv.Itoa(len(data)))
		w.Header().Set("ETag", `"not-the-content-hash"`)
		w.Header().Set("Location", "http://"+r.Host+"/cdn/"+file)
		w.WriteHeader(http.StatusFound)
		return
	}
	w.Header().Set("ETag", `"`+gitSHA1(data)+`"`)
	if r.Method == http.MethodGet {
		h.gets[file]++
	}
	http.ServeContent(w, r, file, timeZero, bytes.NewReader(h.served(file)))
}

func (h *fakeHub) served(file string) []byte {
	data := h.files[file]
	if h.corrupt[file] {
		data = bytes.Clone(data)
		data[len(data)/2] ^= 0xff
	}
	return data
}

func (h *fakeHub) serveCDN(w http.ResponseWriter, r *http.Request, file string) {
	if r.Header.Get("Authorization") != "" {
		h.authOnCDN = true
	}
	data := h.served(file)
	h.gets[file]++
	if rg := r.Header.Get("Range"); rg != "" {
		h.ranges = append(h.ranges, rg)
		if h.ignoreRange {
			r.Header.Del("Range")
		}
	}
	if h.truncateAt > 0 && h.gets[file] == 1 {
		// Promise the whole file, send part of it, then hang up.
		w.Header().Set("Content-Length", strconv.Itoa(len(data)))
		w.WriteHeader(http.StatusOK)
		w.Write(data[:h.truncateAt])
		if hj, ok := w.(http.Hijacker); ok {
			if f, ok := w.(http.Flusher); ok {
				f.Flush()
			}
			conn, _, err := hj.Hijack()
			if err == nil {
				conn.Close()
			}
		}
		return
	}
	http.ServeContent(w, r, file, timeZero, bytes.NewReader(data))
}

func testFiles() map[string][]byte {
	weights := make([]byte, 300_000)
	for i := range weights {
		weights[i] = byte(i * 7 % 251)
	}
	return map[string][]byte{
		"config.json":       []byte(`{"model_type":"qwen3_5"}`),
		"tokenizer.json":    []byte(`{"model":{"type":"BPE"}}`),
		"model.safetensors": weights,
	}
}

func testClient(srv *httptest.Server, t *testing.T) *Client {
	return &Client{Endpoint: srv.URL, Cache: t.TempDir(), HTTP: srv.Client()}
}

func TestSnapshotLayout(t *testing.T) {
	files := testFiles()
	h, srv := newFakeHub(t, "Org/Tiny-Model", files)
	c := testClient(srv, t)
	var events []Progress
	c.Progress = func(p Progress) { events = append(events, p) }
	dir, err := c.Snapshot(context.Background(), "Org/Tiny-Model", "main")
	if err != nil {
		t.Fatal(err)
	}
	rdir := filepath.Join(c.Cache, "models--Org--Tiny-Model")
	if want := filepath.Join(rdir, "snapshots", testCommit); dir != want {
		t.Fatalf("snapshot dir = %s, want %s", dir, want)
	}
	ref, err := os.ReadFile(filepath.Join(rdir, "refs", "main"))
	if err != nil || string(ref) != testCommit {
		t.Fatalf("refs/main = %q, %v; want the commit", ref, err)
	}
	for name, data := range files {
		p := filepath.Join(dir, name)
		target, err := os.Readlink(p)
		if err != nil {
			t.Fatalf("%s is not a symlink: %v", name, err)
		}
		wantBlob := gitSHA1(data)
		if isLFS(name) {
			wantBlob = sha(data)
		}
		if want := filepath.Join("..", "..", "blobs", wantBlob); target != want {
			t.Errorf("%s -> %s, want %s", name, target, want)
		}
		got, err := os.ReadFile(p)
		if err != nil || !bytes.Equal(got, data) {
			t.Errorf("%s content differs (err %v)", name, err)
		}
	}
	if !Complete(dir) {
		t.Error("Complete(dir) = false after Snapshot")
	}
	if _, err := os.Stat(filepath.Join(dir, "tokenizer_config.json")); !os.IsNotExist(err) {
		t.Errorf("optional missing file should be skipped, stat err = %v", err)
	}
	last := events[len(events)-1]
	if !last.Finished || last.File != "model.safetensors" || last.Done != int64(len(files["model.safetensors"])) || last.Total != last.Done {
		t.Errorf("last progress event = %+v", last)
	}

	// A second snapshot fetches nothing again.
	before := h.gets["model.safetensors"] + h.gets["config.json"]
	if _, err := c.Snapshot(context.Background(), "Org/Tiny-Model", "main"); err != nil {
		t.Fatal(err)
	}
	if after := h.gets["model.safetensors"] + h.gets["config.json"]; after != before {
		t.Errorf("second Snapshot downloaded again: %d GETs, was %d", after, before)
	}

	// Offline, the cached snapshot is found without a server.
	srv.Close()
	weights := filepath.Join(dir, "model.safetensors")
	target, _ := os.Readlink(weights)
	os.Remove(weights)
	partial := &Client{Cache: c.Cache, Offline: true}
	if _, err := partial.Snapshot(context.Background(), "Org/Tiny-Model", "main"); !errors.Is(err, ErrOffline) || !strings.Contains(err.Error(), "lacks model.safetensors") {
		t.Errorf("offline snapshot without weights: %v", err)
	}
	os.Symlink(target, weights)
	off := &Client{Cache: c.Cache, Offline: true}
	got, err := off.Snapshot(context.Background(), "Org/Tiny-Model", "main")
	if err != nil || got != dir {
		t.Fatalf("offline Snapshot = %q, %v; want %q", got, err, dir)
	}
	if d, ok := Cached(c.Cache, "Org/Tiny-Model", testCommit); !ok || d != dir {
		t.Errorf("Cached by commit = %q, %v", d, ok)
	}
}

func TestShardedSnapshot(t *testing.T) {
	files := testFiles()
	delete(files, "model.safetensors")
	files["model-00001-of-00002.safetensors"] = bytes.Repeat([]byte("a"), 1000)
	files["model-00002-of-00002.safetensors"] = bytes.Repeat([]byte("b"), 2000)
	files["model.safetensors.index.json"] = []byte(`{"metadata":{"total_size":3000},"weight_map":{
		"x.weight":"model-00001-of-00002.safetensors",
		"y.weight":"model-00002-of-00002.safetensors",
		"z.weight":"model-00001-of-00002.safetensors"}}`)
	_, srv := newFakeHub(t, "Org/Sharded", files)
	c := testClient(srv, t)
	dir, err := c.Snapshot(context.Background(), "Org/Sharded", "main")
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"} {
		got, err := os.ReadFile(filepath.Join(dir, s))
		if err != nil || !bytes.Equal(got, files[s]) {
			t.Errorf("shard %s: %v", s, err)
		}
	}
	if !Complete(dir) {
		t.Error("Complete = false for a sharded snapshot")
	}
	os.Remove(filepath.Join(dir, "model-00002-of-00002.safetensors"))
	if Complete(dir) {
		t.Error("Complete = true with a shard missing")
	}
}

func TestResumeInterruptedDownload(t *testing.T) {
	files := testFiles()
	h, srv := newFakeHub(t, "Org/Tiny-Model", files)
	h.truncateAt = 100_000
	c := testClient(srv, t)
	ctx := context.Background()
	_, err := c.Download(ctx, "Org/Tiny-Model", "main", "model.safetensors")
	if !errors.Is(err, ErrUnreachable) || !strings.Contains(err.Error(), "run again to resume") {
		t.Fatalf("interrupted download error = %v, want ErrUnreachable asking to run again", err)
	}
	inc := filepath.Join(c.Cache, "models--Org--Tiny-Model", "blobs", sha(files["model.safetensors"])+".incomplete")
	fi, err := os.Stat(inc)
	if err != nil || fi.Size() != 100_000 {
		t.Fatalf("partial file: %v (size %v), want 100000 bytes kept", err, fi)
	}
	p, err := c.Download(ctx, "Org/Tiny-Model", "main", "model.safetensors")
	if err != nil {
		t.Fatal(err)
	}
	if len(h.ranges) != 1 || h.ranges[0] != "bytes=100000-" {
		t.Errorf("Range headers = %q, want one bytes=100000-", h.ranges)
	}
	got, _ := os.ReadFile(p)
	if !bytes.Equal(got, files["model.safetensors"]) {
		t.Error("resumed file differs from the original")
	}
	if _, err := os.Stat(inc); !os.IsNotExist(err) {
		t.Errorf(".incomplete still present after success: %v", err)
	}
}

func TestResumeServerIgnoresRange(t *testing.T) {
	files := testFiles()
	h, srv := newFakeHub(t, "Org/Tiny-Model", files)
	h.truncateAt = 50_000
	h.ignoreRange = true
	c := testClient(srv, t)
	ctx := context.Background()
	if _, err := c.Download(ctx, "Org/Tiny-Model", "main", "model.safetensors"); err == nil {
		t.Fatal("truncated transfer reported success")
	}
	p, err := c.Download(ctx, "Org/Tiny-Model", "main", "model.safetensors")
	if err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(p)
	if !bytes.Equal(got, files["model.safetensors"]) {
		t.Error("file differs after a server ignored Range and sent everything")
	}
}

func TestCorruptDownloadRejected(t *testing.T) {
	for _, file := range []string{"model.safetensors", "config.json"} {
		t.Run(file, func(t *testing.T) {
			files := testFiles()
			h, srv := newFakeHub(t, "Org/Tiny-Model", files)
			h.corrupt[file] = true
			c := testClient(srv, t)
			_, err := c.Download(context.Background(), "Org/Tiny-Model", "main", file)
			if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "checksum") {
				t.Fatalf("err = %v, want ErrCorrupt about the checksum", err)
			}
			rdir := filepath.Join(c.Cache, "models--Org--Tiny-Model")
			blobs, _ := filepath.Glob(filepath.Join(rdir, "blobs", "*"))
			for _, b := range blobs {
				if !strings.HasSuffix(b, ".lock") {
					t.Errorf("corrupt download left %s in the cache", filepath.Base(b))
				}
			}
			if _, err := os.Lstat(filepath.Join(rdir, "snapshots", testCommit, file)); !os.IsNotExist(err) {
				t.Errorf("corrupt download left a snapshot entry: %v", err)
			}
			// Once the server is fixed, the same call succeeds.
			h.mu.Lock()
			h.corrupt[file] = false
			h.mu.Unlock()
			if _, err := c.Download(context.Background(), "Org/Tiny-Model", "main", file); err != nil {
				t.Fatalf("after the fix: %v", err)
			}
		})
	}
}

func TestErrors(t *testing.T) {
	files := testFiles()
	h, srv := newFakeHub(t, "Org/Tiny-Model", files)
	c := testClient(srv, t)
	ctx := context.Background()
	cases := []struct {
		name       string
		setup      func()
		repo, rev  string
		file       string
		is         error
		wantInText string
	}{
		{"unknown repo", nil, "Org/Nope", "main", "config.json", ErrNotFound, "has no model"},
		{"unknown revision", nil, "Org/Tiny-Model", "v9", "config.json", ErrNotFound, "no revision"},
		{"missing file", nil, "Org/Tiny-Model", "main", "nope.json", ErrNotFound, "has no file nope.json"},
		{"gated", func() { h.gated = true }, "Org/Tiny-Model", "main", "config.json", ErrUnauthorized, "HF_TOKEN"},
		{"401 without token", func() { h.gated = false; h.requireAuth = "secret" }, "Org/Tiny-Model", "main", "config.json", ErrUnauthorized, "HF_TOKEN"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.setup != nil {
				h.mu.Lock()
				tc.setup()
				h.mu.Unlock()
			}
			_, err := c.Download(ctx, tc.repo, tc.rev, tc.file)
			if !errors.Is(err, tc.is) || !strings.Contains(err.Error(), tc.wantInText) {
				t.Fatalf("err = %v, want %v mentioning %q", err, tc.is, tc.wantInText)
			}
		})
	}
}

func TestTokenSentToHubNotCDN(t *testing.T) {
	files := testFiles()
	h, srv := newFakeHub(t, "Org/Tiny-Model", files)
	h.requireAuth = "secret"
	c := testClient(srv, t)
	// The fake CDN is on the same host here; use a second server for it.
	cdn := httptest.NewServer(h)
	t.Cleanup(cdn.Close)
	c.Token = "secret"
	_, err := c.Download(context.Background(), "Org/Tiny-Model", "main", "config.json")
	if err != nil {
		t.Fatal(err)
	}
	m, err := c.head(context.Background(), "Org/Tiny-Model", "main", "model.safetensors")
	if err != nil {
		t.Fatal(err)
	}
	m.url = strings.Replace(m.url, srv.URL, cdn.URL, 1)
	blob := filepath.Join(c.Cache, "blob")
	if err := c.fetch(context.Background(), "Org/Tiny-Model", "model.safetensors", m, blob); err != nil {
		t.Fatal(err)
	}
	if h.authOnCDN {
		t.Error("the HF token was sent to the content store on another host")
	}
}

func TestConcurrentDownloadsShareOneFetch(t *testing.T) {
	files := testFiles()
	h, srv := newFakeHub(t, "Org/Tiny-Model", files)
	c := testClient(srv, t)
	errs := make(chan error, 4)
	for range 4 {
		go func() {
			// Each goroutine uses its own client, like separate processes.
			cc := *c
			_, err := cc.Download(context.Background(), "Org/Tiny-Model", "main", "model.safetensors")
			errs <- err
		}()
	}
	for range 4 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if n := h.gets["model.safetensors"]; n != 1 {
		t.Errorf("4 concurrent downloads fetched the file %d times, want 1", n)
	}
}

func TestRenamedRepoRedirect(t *testing.T) {
	files := testFiles()
	h, srv := newFakeHub(t, "Org/New-Name", files)
	h.renamedFrom = "Org/Old-Name"
	c := testClient(srv, t)
	p, err := c.Download(context.Background(), "Org/Old-Name", "main", "model.safetensors")
	if err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(p)
	if !bytes.Equal(got, files["model.safetensors"]) {
		t.Error("content differs after a relative redirect")
	}
}

func TestOfflineNeverTouchesNetwork(t *testing.T) {
	var hits int
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits++ }))
	defer srv.Close()
	c := &Client{Endpoint: srv.URL, Cache: t.TempDir(), Offline: true, HTTP: srv.Client()}
	_, err := c.Snapshot(context.Background(), "Org/Tiny-Model", "main")
	if !errors.Is(err, ErrOffline) || !strings.Contains(err.Error(), "HF_HUB_OFFLINE") {
		t.Fatalf("err = %v, want ErrOffline naming HF_HUB_OFFLINE", err)
	}
	_, err = c.Download(context.Background(), "Org/Tiny-Model", "main", "config.json")
	if !errors.Is(err, ErrOffline) {
		t.Fatalf("Download err = %v, want ErrOffline", err)
	}
	if hits != 0 {
		t.Errorf("offline client made %d request(s)", hits)
	}
}

func TestUnreachable(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()
	c := &Client{Endpoint: url, Cache: t.TempDir()}
	_, err := c.Snapshot(context.Background(), "Org/Tiny-Model", "main")
	if !errors.Is(err, ErrUnreachable) || !strings.Contains(err.Error(), "HF_ENDPOINT") {
		t.Fatalf("err = %v, want ErrUnreachable suggesting HF_ENDPOINT", err)
	}
}

func TestParseRef(t *testing.T) {
	for _, tc := range []struct {
		ref, repo, rev string
		ok             bool
	}{
		{"Qwen/Qwen3.5-0.8B", "Qwen/Qwen3.5-0.8B", "main", true},
		{"Qwen/Qwen3.5-0.8B@refs/pr/1", "Qwen/Qwen3.5-0.8B", "refs/pr/1", true},
		{"Qwen/Qwen3.5-0.8B@" + testCommit, "Qwen/Qwen3.5-0.8B", testCommit, true},
		{"Qwen/Qwen3.5-0.8B@", "", "", false},
		{"qwen", "", "", false},
		{"../etc/passwd", "", "", false},
		{"a/b/c", "", "", false},
		{"Qwen/x@../../x", "", "", false},
	} {
		repo, rev, err := ParseRef(tc.ref)
		if (err == nil) != tc.ok || repo != tc.repo || rev != tc.rev {
			t.Errorf("ParseRef(%q) = %q, %q, %v", tc.ref, repo, rev, err)
		}
	}
}

func TestCacheDirEnv(t *testing.T) {
	t.Setenv("HF_HUB_CACHE", "")
	t.Setenv("HF_HOME", "/x/hf")
	if got := CacheDir(); got != filepath.Join("/x/hf", "hub") {
		t.Errorf("CacheDir with HF_HOME = %s", got)
	}
	t.Setenv("HF_HUB_CACHE", "/y/cache")
	if got := CacheDir(); got != "/y/cache" {
		t.Errorf("CacheDir with HF_HUB_CACHE = %s", got)
	}
	t.Setenv("HF_TOKEN", "")
	t.Setenv("HUGGING_FACE_HUB_TOKEN", "")
	tokenFile := filepath.Join(t.TempDir(), "token")
	os.WriteFile(tokenFile, []byte("hf_abc\n"), 0o600)
	t.Setenv("HF_TOKEN_PATH", tokenFile)
	t.Setenv("HF_HUB_ETAG_TIMEOUT", "2.5")
	if c := New(); c.Token != "hf_abc" || c.MetadataTimeout != 2500*time.Millisecond {
		t.Errorf("token %q, metadata timeout %v from the environment", c.Token, c.MetadataTimeout)
	}
	t.Setenv("HF_TOKEN", "hf_env")
	if c := New(); c.Token != "hf_env" {
		t.Errorf("HF_TOKEN not preferred: %q", c.Token)
	}
	t.Setenv("HF_ENDPOINT", "https://mirror.example/")
	if c := New(); c.Endpoint != "https://mirror.example" {
		t.Errorf("endpoint %q", c.Endpoint)
	}
	t.Setenv("HF_HUB_OFFLINE", "1")
	if !Offline() || !New().Offline {
		t.Error("HF_HUB_OFFLINE=1 not honoured")
	}
	t.Setenv("HF_HUB_OFFLINE", "0")
	t.Setenv("TRANSFORMERS_OFFLINE", "")
	if Offline() {
		t.Error("HF_HUB_OFFLINE=0 read as offline")
	}
}

func TestParseIndexRejectsEscapes(t *testing.T) {
	for _, bad := range []string{
		`{"weight_map":{"a":"../../evil.safetensors"}}`,
		`{"weight_map":{"a":"/abs.safetensors"}}`,
		`{"weight_map":{"a":"notweights.bin"}}`,
		`{"weight_map":{}}`,
		`not json`,
	} {
		if _, err := ParseIndex([]byte(bad)); err == nil {
			t.Errorf("ParseIndex(%s) accepted", bad)
		}
	}
}

func FuzzParseIndex(f *testing.F) {
	f.Add([]byte(`{"weight_map":{"a":"model-00001-of-00002.safetensors","b":"model-00002-of-00002.safetensors"}}`))
	f.Add([]byte(`{"weight_map":{"a":"../x.safetensors"}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		shards, err := ParseIndex(data)
		if err != nil {
			return
		}
		for _, s := range shards {
			if j := filepath.Join("root", s); !strings.HasPrefix(j, "root"+string(filepath.Separator)) || !strings.HasSuffix(s, ".safetensors") {
				t.Fatalf("unsafe shard %q accepted", s)
			}
		}
	})
}

var timeZero = time.Time{}

func TestHeaderParsing(t *testing.T) {
	for _, tc := range []struct {
		in   string
		n    int64
		okay bool
	}{
		{"bytes 100-199/200", 100, true},
		{"bytes 0-0/1", 0, true},
		{"bytes */200", 0, false},
		{"items 1-2/3", 0, false},
		{"", 0, false},
	} {
		n, ok := rangeStart(tc.in)
		if ok != tc.okay || (ok && n != tc.n) {
			t.Errorf("rangeStart(%q) = %d, %v", tc.in, n, ok)
		}
	}
	for in, want := range map[string]string{`"abc123"`: "abc123", `W/"abc"`: "abc", ` "x" `: "x", "": ""} {
		if got := normalizeETag(in); got != want {
			t.Errorf("normalizeETag(%q) = %q, want %q", in, got, want)
		}
	}
}
