package hub

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// stallingHub serves one small file, model.safetensors, with its git blob
// sha1; the first GET sends half the file and then stalls until the client
// gives up, later GETs honour Range. announce and etag override the headers.
type stallingHub struct {
	data     []byte
	gets     atomic.Int32
	stall    bool
	extra    int    // bytes of garbage sent after the file on GET
	noSize   bool   // HEAD announces no size
	etag     string // "" means the git blob sha1
	released chan struct{}
}

func (h *stallingHub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("X-Repo-Commit", testCommit)
	etag := h.etag
	if etag == "" {
		etag = gitSHA1(h.data)
	}
	w.Header().Set("ETag", `"`+etag+`"`)
	if r.Method == http.MethodHead {
		if !h.noSize {
			w.Header().Set("Content-Length", strconv.Itoa(len(h.data)))
		}
		return
	}
	if h.gets.Add(1) == 1 && h.stall {
		w.Header().Set("Content-Length", strconv.Itoa(len(h.data)))
		w.WriteHeader(http.StatusOK)
		w.Write(h.data[:len(h.data)/2])
		w.(http.Flusher).Flush()
		select { // the stall: no byte more
		case <-r.Context().Done():
		case <-h.released:
		}
		return
	}
	if h.extra > 0 {
		body := append(bytes.Clone(h.data), bytes.Repeat([]byte{'!'}, h.extra)...)
		w.Write(body)
		return
	}
	http.ServeContent(w, r, "f", time.Time{}, bytes.NewReader(h.data))
}

func newStallingHub(t *testing.T, h *stallingHub) *Client {
	h.released = make(chan struct{})
	srv := httptest.NewServer(h)
	t.Cleanup(func() { close(h.released); srv.Close() })
	return &Client{Endpoint: srv.URL, Cache: t.TempDir(), HTTP: srv.Client()}
}

// TestStalledDownloadAborts: a server that stops sending mid-file must not
// hang the download: it fails after StallTimeout, keeps the partial file,
// and the next try resumes from it.
func TestStalledDownloadAborts(t *testing.T) {
	data := bytes.Repeat([]byte("0123456789"), 10_000)
	h := &stallingHub{data: data, stall: true}
	c := newStallingHub(t, h)
	c.StallTimeout = 300 * time.Millisecond
	start := time.Now()
	_, err := c.Download(context.Background(), "Org/M", "main", "model.safetensors")
	if !errors.Is(err, ErrUnreachable) || !strings.Contains(err.Error(), "stalled after 50000 of 100000 bytes") || !strings.Contains(err.Error(), "no data for 300ms") {
		t.Fatalf("stalled download: err = %v", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %v to give up on a stalled server", d)
	}
	inc := filepath.Join(RepoDir(c.Cache, "Org/M"), "blobs", gitSHA1(data)+".incomplete")
	if fi, err := os.Stat(inc); err != nil || fi.Size() != 50_000 {
		t.Fatalf("partial file %v, %v: want the 50000 bytes received kept", fi, err)
	}
	p, err := c.Download(context.Background(), "Org/M", "main", "model.safetensors")
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(p); !bytes.Equal(got, data) {
		t.Error("resumed file differs")
	}
}

// TestDownloadBoundedAndVerified: a body longer than announced is cut and
// refused; no announced size, or an ETag that is not a checksum, is refused
// before any download.
func TestDownloadBoundedAndVerified(t *testing.T) {
	data := []byte(`{"model_type":"qwen3_5"}`)
	for _, tc := range []struct {
		name string
		h    *stallingHub
		want string
	}{
		{"longer body", &stallingHub{data: data, extra: 1 << 20}, "more of model.safetensors of Org/M than the 24 bytes it announced"},
		{"no size", &stallingHub{data: data, noSize: true}, "did not say how large model.safetensors"},
		{"etag not a hash", &stallingHub{data: data, etag: "v1-abcdefgh"}, `its ETag "v1-abcdefgh" is neither the sha256`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newStallingHub(t, tc.h)
			_, err := c.Download(context.Background(), "Org/M", "main", "model.safetensors")
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
			blobs, _ := os.ReadDir(filepath.Join(RepoDir(c.Cache, "Org/M"), "blobs"))
			for _, b := range blobs {
				if fi, _ := b.Info(); fi != nil && fi.Size() > int64(len(data)) {
					t.Errorf("%s of %d bytes left in the cache", b.Name(), fi.Size())
				}
			}
		})
	}
}

// TestTruncatedCacheRepaired: a cached blob cut short (a full disk, a copy
// interrupted) is noticed against the announced size and fetched again.
func TestTruncatedCacheRepaired(t *testing.T) {
	files := testFiles()
	h, srv := newFakeHub(t, "Org/Tiny-Model", files)
	c := testClient(srv, t)
	ctx := context.Background()
	p, err := c.Download(ctx, "Org/Tiny-Model", "main", "model.safetensors")
	if err != nil {
		t.Fatal(err)
	}
	blob, err := filepath.EvalSymlinks(p)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(blob, 1000); err != nil {
		t.Fatal(err)
	}
	p, err = c.Download(ctx, "Org/Tiny-Model", "main", "model.safetensors")
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(p); !bytes.Equal(got, files["model.safetensors"]) {
		t.Errorf("the truncated cached file was not repaired (%d bytes)", len(got))
	}
	if h.gets["model.safetensors"] != 2 {
		t.Errorf("%d downloads, want 2 (the first, and the repair)", h.gets["model.safetensors"])
	}
}

// TestTrySnapshotRemembersFailure: an unreachable Hub is asked once; the next
// calls (other processes share the record in the cache) fail at once with
// the same reason, marked as reported.
func TestTrySnapshotRemembersFailure(t *testing.T) {
	var asked atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		asked.Add(1)
		time.Sleep(time.Second) // slower than the probe allows
	}))
	defer srv.Close()
	cache := t.TempDir()
	c := &Client{Endpoint: srv.URL, Cache: cache, HTTP: srv.Client()}
	p := Implicit{Probe: 200 * time.Millisecond}
	_, err := c.TrySnapshot(context.Background(), "Org/M", "main", p)
	if err == nil || errors.Is(err, ErrReported) || !errors.Is(err, ErrUnreachable) || !strings.Contains(err.Error(), "could not be reached within 200ms") {
		t.Fatalf("first try: %v", err)
	}
	// A second client on the same cache: a second notebook cell.
	c2 := &Client{Endpoint: srv.URL, Cache: cache, HTTP: srv.Client()}
	start := time.Now()
	_, err2 := c2.TrySnapshot(context.Background(), "Org/M", "main", p)
	if !errors.Is(err2, ErrReported) || err2.Error() != err.Error() {
		t.Errorf("second try: %v, want the first reason marked as reported", err2)
	}
	if d := time.Since(start); d > 100*time.Millisecond || asked.Load() != 1 {
		t.Errorf("second try took %v and the Hub was asked %d times: it should decide at once", d, asked.Load())
	}
	// Past Remember, the Hub is asked again.
	p.Remember = time.Nanosecond
	if _, err := c2.TrySnapshot(context.Background(), "Org/M", "main", p); errors.Is(err, ErrReported) || asked.Load() != 2 {
		t.Errorf("after Remember: %v, Hub asked %d times", err, asked.Load())
	}
}

// TestTrySnapshotNamesCause: a reachable Hub with a cache that cannot be
// written is reported as that, not as an unreachable Hub; a download slower
// than the deadline is reported as such, with its partial file kept.
func TestTrySnapshotNamesCause(t *testing.T) {
	_, srv := newFakeHub(t, "Org/Tiny-Model", testFiles())
	// A file where the cache folder should be (permissions would not stop root).
	blocked := filepath.Join(t.TempDir(), "cache")
	if err := os.WriteFile(blocked, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	c := &Client{Endpoint: srv.URL, Cache: blocked, HTTP: srv.Client()}
	_, err := c.TrySnapshot(context.Background(), "Org/Tiny-Model", "main", Implicit{Probe: 2 * time.Second})
	if err == nil || !strings.Contains(err.Error(), "cannot write to the cache") || strings.Contains(err.Error(), "could not be reached") {
		t.Errorf("unwritable cache reported as %v", err)
	}

	h := &stallingHub{data: bytes.Repeat([]byte("x"), 1000), stall: true}
	c = newStallingHub(t, h)
	_, err = c.TrySnapshot(context.Background(), "Org/M", "main", Implicit{Probe: 2 * time.Second, Deadline: 300 * time.Millisecond})
	if err == nil || !strings.Contains(err.Error(), "did not finish within 300ms") {
		t.Errorf("slow download reported as %v", err)
	}
}

// TestRevisionWithSlashes: owner/name@refs/pr/1 is a repository at a
// revision, sent to the Hub as one escaped path segment.
func TestRevisionWithSlashes(t *testing.T) {
	repo, rev, err := ParseRef("Org/M@refs/pr/1")
	if err != nil || repo != "Org/M" || rev != "refs/pr/1" {
		t.Fatalf("ParseRef = %q, %q, %v", repo, rev, err)
	}
	c := &Client{Endpoint: "https://hub.example"}
	if got, want := c.resolveURL(repo, rev, "config.json"), "https://hub.example/Org/M/resolve/refs%2Fpr%2F1/config.json"; got != want {
		t.Errorf("resolveURL = %s, want %s", got, want)
	}
	if _, _, err := ParseRef("Org/M@../x"); err == nil {
		t.Error("a revision climbing out of refs/ was accepted")
	}
}
