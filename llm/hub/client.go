package hub

import (
	"context"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/how-llms-work/course/llm/atomicfile"
	"hash"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Errors a caller can test for with errors.Is; the returned errors wrap them
// in a sentence that says what to do.
var (
	ErrOffline      = errors.New("offline")
	ErrNotFound     = errors.New("not found")
	ErrUnauthorized = errors.New("access refused")
	ErrUnreachable  = errors.New("network error")
	ErrCorrupt      = errors.New("corrupt download")
)

// Progress describes a download in flight; Done and Total count bytes of
// one file (Total is -1 when the server did not say).
type Progress struct {
	Repo, File string
	Done       int64
	Total      int64
	Finished   bool
}

// Client fetches files from a Hub endpoint into a local cache. The zero
// value is not ready: start from New, which reads the environment.
type Client struct {
	Endpoint string       // e.g. https://huggingface.co (HF_ENDPOINT)
	Token    string       // bearer token for gated or private repos (HF_TOKEN)
	Cache    string       // hub cache folder (HF_HUB_CACHE, HF_HOME, ~/.cache)
	Offline  bool         // never touch the network (HF_HUB_OFFLINE=1)
	HTTP     *http.Client // nil: set on first use to a client with connection timeouts

	// MetadataTimeout bounds each metadata (HEAD) request; 0 means 10s.
	MetadataTimeout time.Duration
	// StallTimeout aborts a download that receives no byte for this long
	// (0 means 30s); the partial file is kept, and the next try resumes it.
	StallTimeout time.Duration
	// Progress, if set, is called as bytes arrive (at most every 100ms)
	// and once more when each file is finished.
	Progress func(Progress)
}

// New returns a client configured the way the Hugging Face tools are:
// HF_ENDPOINT, the token (HF_TOKEN, else the file `huggingface-cli login`
// writes: $HF_TOKEN_PATH or $HF_HOME/token or ~/.cache/huggingface/token),
// the cache from CacheDir, HF_HUB_OFFLINE and HF_HUB_ETAG_TIMEOUT (seconds
// to wait for a file's metadata).
func New() *Client {
	ep := strings.TrimRight(os.Getenv("HF_ENDPOINT"), "/")
	if ep == "" {
		ep = DefaultEndpoint
	}
	c := &Client{Endpoint: ep, Token: token(), Cache: CacheDir(), Offline: Offline()}
	if s, err := strconv.ParseFloat(os.Getenv("HF_HUB_ETAG_TIMEOUT"), 64); err == nil && s > 0 {
		c.MetadataTimeout = time.Duration(s * float64(time.Second))
	}
	return c
}

// token finds the Hub access token the way huggingface_hub does.
func token() string {
	for _, k := range []string{"HF_TOKEN", "HUGGING_FACE_HUB_TOKEN"} {
		if t := strings.TrimSpace(os.Getenv(k)); t != "" {
			return t
		}
	}
	path := os.Getenv("HF_TOKEN_PATH")
	if path == "" {
		home := os.Getenv("HF_HOME")
		if home == "" {
			if h, err := os.UserHomeDir(); err == nil {
				home = filepath.Join(h, ".cache", "huggingface")
			}
		}
		if home != "" {
			path = filepath.Join(home, "token")
		}
	}
	if path == "" {
		return ""
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}

// httpClient returns c.HTTP, or sets it to a client with connection
// timeouts (and none on the whole transfer, which may take minutes).
func (c *Client) httpClient() *http.Client {
	if c.HTTP == nil {
		c.HTTP = &http.Client{Transport: &http.Transport{
			Proxy:                 http.ProxyFromEnvironment,
			DialContext:           (&net.Dialer{Timeout: 10 * time.Second}).DialContext,
			TLSHandshakeTimeout:   10 * time.Second,
			ResponseHeaderTimeout: 30 * time.Second,
			IdleConnTimeout:       30 * time.Second,
		}}
	}
	return c.HTTP
}

// modelFiles are fetched by Snapshot besides the weights; the ones marked
// optional may be absent from a repository.
var modelFiles = []struct {
	name     string
	optional bool
}{
	{"config.json", false},
	{"tokenizer.json", false},
	{"tokenizer_config.json", true},
	{"generation_config.json", true},
}

// Snapshot makes sure the cache holds what a model needs (config.json,
// tokenizer files and the safetensors weights, sharded or not) and returns
// the snapshot folder. Files already cached are not fetched again. Offline,
// it returns the cached snapshot or an error wrapping ErrOffline.
func (c *Client) Snapshot(ctx context.Context, repo, revision string) (string, error) {
	if c.Offline {
		dir, ok := Cached(c.Cache, repo, revision)
		if !ok {
			return "", fmt.Errorf("%w: HF_HUB_OFFLINE is set and %s@%s is not in the cache %s: unset HF_HUB_OFFLINE to download it, or load \"tiny\"", ErrOffline, repo, revision, c.Cache)
		}
		if missing := missingWeights(dir); missing != "" {
			return "", fmt.Errorf("%w: HF_HUB_OFFLINE is set and the cached snapshot %s lacks %s: unset HF_HUB_OFFLINE to finish the download", ErrOffline, dir, missing)
		}
		return dir, nil
	}
	var dir string
	for _, f := range modelFiles {
		p, err := c.Download(ctx, repo, revision, f.name)
		if err != nil {
			if f.optional && errors.Is(err, ErrNotFound) {
				continue
			}
			return "", err
		}
		dir = snapshotOf(p, f.name)
		// Pin the rest of the snapshot to the commit the first file came
		// from, so a branch moving mid-download cannot mix two versions.
		revision = filepath.Base(dir)
	}
	idx, err := c.Download(ctx, repo, revision, "model.safetensors.index.json")
	switch {
	case err == nil:
		shards, err := shardNames(idx)
		if err != nil {
			return "", err
		}
		for _, s := range shards {
			if _, err := c.Download(ctx, repo, revision, s); err != nil {
				return "", err
			}
		}
	case errors.Is(err, ErrNotFound):
		if _, err := c.Download(ctx, repo, revision, "model.safetensors"); err != nil {
			return "", err
		}
	default:
		return "", err
	}
	return dir, nil
}

// snapshotOf returns the snapshot folder of a file path inside it.
func snapshotOf(p, name string) string {
	for range strings.Split(name, "/") {
		p = filepath.Dir(p)
	}
	return p
}

// missingWeights names the weight file a snapshot still lacks, or "".
func missingWeights(dir string) string {
	if _, err := os.Stat(filepath.Join(dir, "config.json")); err != nil {
		return "config.json"
	}
	idx := filepath.Join(dir, "model.safetensors.index.json")
	if _, err := os.Stat(idx); err == nil {
		shards, err := shardNames(idx)
		if err != nil {
			return "a readable model.safetensors.index.json"
		}
		for _, s := range shards {
			if _, err := os.Stat(filepath.Join(dir, filepath.FromSlash(s))); err != nil {
				return s
			}
		}
		return ""
	}
	if _, err := os.Stat(filepath.Join(dir, "model.safetensors")); err != nil {
		return "model.safetensors"
	}
	return ""
}

// Complete reports whether a snapshot folder holds config.json and every
// weight file it needs.
func Complete(dir string) bool { return missingWeights(dir) == "" }

// shardNames reads the sorted, distinct shard files of a sharded
// checkpoint's index.
func shardNames(indexPath string) ([]string, error) {
	b, err := os.ReadFile(indexPath)
	if err != nil {
		return nil, fmt.Errorf("hub: reading shard index: %w", err)
	}
	return ParseIndex(b)
}

// ParseIndex returns the distinct shard files named in the weight_map of a
// model.safetensors.index.json, sorted by name.
func ParseIndex(data []byte) ([]string, error) {
	var idx struct {
		WeightMap map[string]string `json:"weight_map"`
	}
	if err := json.Unmarshal(data, &idx); err != nil {
		return nil, fmt.Errorf("hub: model.safetensors.index.json is not valid JSON: %w", err)
	}
	if len(idx.WeightMap) == 0 {
		return nil, errors.New("hub: model.safetensors.index.json has an empty weight_map: the checkpoint names no weight files")
	}
	seen := map[string]bool{}
	var shards []string
	for tensor, f := range idx.WeightMap {
		if !safeFile(f) || !strings.HasSuffix(f, ".safetensors") {
			return nil, fmt.Errorf("hub: model.safetensors.index.json maps tensor %q to %q, which is not a .safetensors file inside the repository", tensor, f)
		}
		if !seen[f] {
			seen[f] = true
			shards = append(shards, f)
		}
	}
	slices.Sort(shards)
	return shards, nil
}

// meta is what the resolve endpoint says about a file.
type meta struct {
	commit string // X-Repo-Commit
	etag   string // X-Linked-Etag (LFS sha256) or ETag (git blob sha1)
	size   int64  // X-Linked-Size or Content-Length, -1 if unknown
	url    string // where to GET the bytes (after the first redirect)
}

// Download fetches one file of repo at revision into the cache, unless it is
// there already, and returns its path inside the snapshot folder.
func (c *Client) Download(ctx context.Context, repo, revision, file string) (string, error) {
	if !safeFile(file) {
		return "", fmt.Errorf("hub: %q is not a file name inside a repository", file)
	}
	if c.Offline {
		if dir, ok := Cached(c.Cache, repo, revision); ok {
			p := filepath.Join(dir, filepath.FromSlash(file))
			if _, err := os.Stat(p); err == nil {
				return p, nil
			}
		}
		return "", fmt.Errorf("%w: HF_HUB_OFFLINE is set and %s is not cached for %s@%s in %s: unset HF_HUB_OFFLINE to download it", ErrOffline, file, repo, revision, c.Cache)
	}
	m, err := c.head(ctx, repo, revision, file)
	if err != nil {
		return "", err
	}
	rdir := RepoDir(c.Cache, repo)
	if revision != m.commit {
		if err := writeRef(rdir, revision, m.commit); err != nil {
			return "", err
		}
	}
	pointer := filepath.Join(rdir, "snapshots", m.commit, filepath.FromSlash(file))
	blob := filepath.Join(rdir, "blobs", m.etag)
	// A cached file of the wrong size (truncated, or overwritten) is fetched
	// again; one of the right size was checked against its hash when it was
	// downloaded.
	if fi, err := os.Stat(pointer); err == nil && fi.Size() == m.size {
		return pointer, nil
	}
	if fi, err := os.Stat(blob); err == nil && fi.Size() != m.size {
		if err := os.Remove(blob); err != nil {
			return "", fmt.Errorf("hub: %s in the cache is damaged (%d bytes, the Hub says %d) and cannot be removed: %w", file, fi.Size(), m.size, err)
		}
	}
	if _, err := os.Stat(blob); err != nil {
		if err := os.MkdirAll(filepath.Dir(blob), 0o755); err != nil {
			return "", fmt.Errorf("hub: cannot write to the cache: %w (set HF_HUB_CACHE to a writable folder)", err)
		}
		// Another process (a second notebook) may be fetching the same
		// file: wait for it, then use its result.
		unlock, err := lockFile(blob + ".lock")
		if err != nil {
			return "", fmt.Errorf("hub: cannot lock %s in the cache: %w", file, err)
		}
		defer unlock()
		if _, err := os.Stat(blob); err != nil {
			if err := c.fetch(ctx, repo, file, m, blob); err != nil {
				return "", err
			}
		}
	}
	if err := link(blob, pointer); err != nil {
		return "", fmt.Errorf("hub: placing %s in the cache: %w", file, err)
	}
	return pointer, nil
}

func writeRef(rdir, revision, commit string) error {
	p := filepath.Join(rdir, "refs", filepath.FromSlash(revision))
	if b, err := os.ReadFile(p); err == nil && strings.TrimSpace(string(b)) == commit {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return fmt.Errorf("hub: cannot write to the cache: %w (set HF_HUB_CACHE to a writable folder)", err)
	}
	// Atomically: concurrent writers (two notebooks) never see a half-written ref.
	if err := atomicfile.WriteFile(p, []byte(commit), 0o644); err != nil {
		return fmt.Errorf("hub: cannot write to the cache: %w (set HF_HUB_CACHE to a writable folder)", err)
	}
	return nil
}

// link points the snapshot entry at its blob with a relative symlink, as
// huggingface_hub does, or copies the blob where symlinks are unavailable.
func link(blob, pointer string) error {
	if err := os.MkdirAll(filepath.Dir(pointer), 0o755); err != nil {
		return err
	}
	rel, err := filepath.Rel(filepath.Dir(pointer), blob)
	if err != nil {
		return err
	}
	// Build the entry under a unique temporary name, then rename it into
	// place, so concurrent writers do not trip over each other.
	out, err := os.CreateTemp(filepath.Dir(pointer), ".link-*")
	if err != nil {
		return err
	}
	tmp := out.Name()
	out.Close()
	os.Remove(tmp)
	if err := os.Symlink(rel, tmp); err == nil {
		return os.Rename(tmp, pointer)
	}
	in, err := os.Open(blob)
	if err != nil {
		return err
	}
	defer in.Close()
	return atomicfile.Write(pointer, 0o644, func(w io.Writer) error {
		_, err := io.Copy(w, in)
		return err
	})
}

func (c *Client) resolveURL(repo, revision, file string) string {
	return c.Endpoint + "/" + repo + "/resolve/" + url.PathEscape(revision) + "/" + file
}

func (c *Client) authorize(req *http.Request) {
	if c.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
	req.Header.Set("User-Agent", "how-llms-work-course/1 (go)")
}

// head asks the resolve endpoint for a file's commit, hash, size and final
// location. Relative redirects (a renamed repository) are followed; the
// first absolute redirect (to the content store) is not, because its
// headers are the ones that carry X-Linked-Etag.
func (c *Client) head(ctx context.Context, repo, revision, file string) (meta, error) {
	timeout := c.MetadataTimeout
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	hc := *c.httpClient()
	hc.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if len(via) >= 10 {
			return errors.New("too many redirects")
		}
		if req.Response != nil {
			if loc, err := url.Parse(req.Response.Header.Get("Location")); err != nil || loc.IsAbs() {
				return http.ErrUseLastResponse
			}
		}
		c.authorize(req)
		return nil
	}
	u := c.resolveURL(repo, revision, file)
	req, err := http.NewRequestWithContext(ctx, http.MethodHead, u, nil)
	if err != nil {
		return meta{}, fmt.Errorf("hub: bad endpoint %q (HF_ENDPOINT): %w", c.Endpoint, err)
	}
	c.authorize(req)
	req.Header.Set("Accept-Encoding", "identity")
	resp, err := hc.Do(req)
	if err != nil {
		return meta{}, fmt.Errorf("%w: cannot reach the Hugging Face Hub at %s (%v): check your network connection, set HF_ENDPOINT to a reachable mirror, or load \"tiny\" to work offline", ErrUnreachable, c.Endpoint, err)
	}
	resp.Body.Close()
	if err := statusError(resp, repo, revision, file); err != nil {
		return meta{}, err
	}
	m := meta{
		commit: resp.Header.Get("X-Repo-Commit"),
		etag:   normalizeETag(resp.Header.Get("X-Linked-Etag")),
		size:   -1,
		url:    resp.Request.URL.String(),
	}
	if m.etag == "" {
		m.etag = normalizeETag(resp.Header.Get("ETag"))
	}
	sz := resp.Header.Get("X-Linked-Size")
	if sz == "" && (resp.StatusCode < 300 || resp.StatusCode >= 400) {
		sz = resp.Header.Get("Content-Length")
	}
	if n, err := strconv.ParseInt(sz, 10, 64); err == nil && n >= 0 {
		m.size = n
	}
	if resp.StatusCode >= 300 && resp.StatusCode < 400 {
		loc, err := resp.Location()
		if err != nil {
			return meta{}, fmt.Errorf("hub: %s of %s redirects without a usable Location: %w", file, repo, err)
		}
		m.url = loc.String()
	}
	if !commitPattern.MatchString(m.commit) {
		return meta{}, fmt.Errorf("hub: the server at %s did not send a commit hash (X-Repo-Commit) for %s of %s: is HF_ENDPOINT a Hugging Face Hub?", c.Endpoint, file, repo)
	}
	if !etagPattern.MatchString(m.etag) {
		return meta{}, fmt.Errorf("hub: the server at %s sent no checksum for %s of %s (its ETag %q is neither the sha256 of an LFS file nor the git blob sha1 of a small one), so the download could not be verified: is HF_ENDPOINT a Hugging Face Hub?", c.Endpoint, file, repo, m.etag)
	}
	m.etag = strings.ToLower(m.etag)
	if m.size < 0 {
		return meta{}, fmt.Errorf("hub: the server at %s did not say how large %s of %s is (no X-Linked-Size or Content-Length), so the download could not be bounded: is HF_ENDPOINT a Hugging Face Hub?", c.Endpoint, file, repo)
	}
	return m, nil
}

// etagPattern accepts the checksums the Hub sends as ETags: 64 hex digits (the
// sha256 of an LFS file) or 40 (the git blob sha1 of a small file).
var etagPattern = regexp.MustCompile(`^([0-9A-Fa-f]{64}|[0-9A-Fa-f]{40})$`)

func normalizeETag(s string) string {
	s = strings.TrimSpace(s)
	s = strings.TrimPrefix(s, "W/")
	return strings.Trim(s, `"`)
}

// statusError turns an HTTP failure into a sentence naming what to do.
func statusError(resp *http.Response, repo, revision, file string) error {
	code := resp.StatusCode
	if code < 400 {
		return nil
	}
	switch resp.Header.Get("X-Error-Code") {
	case "RepoNotFound":
		return fmt.Errorf("%w: the Hub has no model %q (or it is private): check the spelling, e.g. Qwen/Qwen3.5-0.8B, or set HF_TOKEN if it is yours", ErrNotFound, repo)
	case "RevisionNotFound":
		return fmt.Errorf("%w: model %s has no revision %q: use a branch, tag or commit that exists, or leave out '@' for main", ErrNotFound, repo, revision)
	case "EntryNotFound":
		return fmt.Errorf("%w: model %s@%s has no file %s", ErrNotFound, repo, revision, file)
	case "GatedRepo":
		return fmt.Errorf("%w: model %s is gated: accept its conditions on its Hub page, then set HF_TOKEN to an access token", ErrUnauthorized, repo)
	}
	switch code {
	case http.StatusUnauthorized, http.StatusForbidden:
		return fmt.Errorf("%w (HTTP %d) for %s of %s: the model may be private, gated or misspelled; set HF_TOKEN to a token that can read it", ErrUnauthorized, code, file, repo)
	case http.StatusNotFound:
		return fmt.Errorf("%w: %s@%s has no file %s (HTTP 404): check the model id and revision", ErrNotFound, repo, revision, file)
	}
	return fmt.Errorf("%w: the Hub answered HTTP %d for %s of %s@%s: try again later or set HF_ENDPOINT to a mirror", ErrUnreachable, code, file, repo, revision)
}

// fetch downloads a file into blob, resuming blob.incomplete if an earlier
// attempt left one, verifies size and hash, and renames it into place.
func (c *Client) fetch(ctx context.Context, repo, file string, m meta, blob string) error {
	if err := os.MkdirAll(filepath.Dir(blob), 0o755); err != nil {
		return fmt.Errorf("hub: cannot write to the cache: %w (set HF_HUB_CACHE to a writable folder)", err)
	}
	tmp := blob + ".incomplete"
	f, err := os.OpenFile(tmp, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return fmt.Errorf("hub: cannot write to the cache: %w (set HF_HUB_CACHE to a writable folder)", err)
	}
	err = c.transfer(ctx, repo, file, m, f)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		if errors.Is(err, ErrCorrupt) {
			os.Remove(tmp)
		}
		return err
	}
	if err := os.Rename(tmp, blob); err != nil {
		return fmt.Errorf("hub: placing %s in the cache: %w", file, err)
	}
	return nil
}

func (c *Client) transfer(ctx context.Context, repo, file string, m meta, f *os.File) error {
	have, err := f.Seek(0, io.SeekEnd)
	if err != nil {
		return err
	}
	if m.size >= 0 && have > m.size {
		have = 0
	}
	if m.size >= 0 && have == m.size {
		return verify(f, repo, file, m)
	}
	// A stalled transfer (no byte for StallTimeout) is cancelled; io.Copy
	// then returns, and the partial file stays for the next try.
	stall := c.StallTimeout
	if stall <= 0 {
		stall = 30 * time.Second
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	errStalled := fmt.Errorf("no data for %v", stall)
	watchdog := time.AfterFunc(stall, func() { cancel(errStalled) })
	defer watchdog.Stop()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, m.url, nil)
	if err != nil {
		return fmt.Errorf("hub: bad download URL for %s: %w", file, err)
	}
	if sameHost(m.url, c.Endpoint) {
		c.authorize(req)
	} else {
		req.Header.Set("User-Agent", "how-llms-work-course/1 (go)")
	}
	req.Header.Set("Accept-Encoding", "identity")
	if have > 0 {
		req.Header.Set("Range", fmt.Sprintf("bytes=%d-", have))
	}
	resp, err := c.httpClient().Do(req)
	if err != nil {
		if context.Cause(ctx) == errStalled {
			err = errStalled
		}
		return fmt.Errorf("%w: download of %s from %s failed (%v): run again to resume where it stopped", ErrUnreachable, file, repo, err)
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusPartialContent && have > 0:
		if start, ok := rangeStart(resp.Header.Get("Content-Range")); !ok || start != have {
			return fmt.Errorf("%w: the server resumed %s of %s at the wrong offset (%q, wanted %d): run again", ErrUnreachable, file, repo, resp.Header.Get("Content-Range"), have)
		}
	case resp.StatusCode == http.StatusOK:
		have = 0 // the server ignored the Range: start over
	case resp.StatusCode == http.StatusRequestedRangeNotSatisfiable:
		have = 0
		if err := f.Truncate(0); err != nil {
			return err
		}
		return fmt.Errorf("%w: the server could not resume %s of %s: run again to restart the download", ErrUnreachable, file, repo)
	default:
		if err := statusError(resp, repo, "", file); err != nil {
			return err
		}
		return fmt.Errorf("%w: unexpected HTTP %d downloading %s of %s", ErrUnreachable, resp.StatusCode, file, repo)
	}
	if err := f.Truncate(have); err != nil {
		return err
	}
	if _, err := f.Seek(have, io.SeekStart); err != nil {
		return err
	}
	total := m.size
	if total < 0 && resp.ContentLength >= 0 {
		total = have + resp.ContentLength
	}
	pw := &progressWriter{c: c, p: Progress{Repo: repo, File: file, Done: have, Total: total}}
	pw.report(true)
	// Read at most one byte more than announced: a longer body is refused
	// without filling the disk.
	body := &watchedReader{r: io.LimitReader(resp.Body, m.size-have+1), watchdog: watchdog, stall: stall}
	_, err = io.Copy(io.MultiWriter(f, pw), body)
	if err != nil {
		if context.Cause(ctx) == errStalled {
			return fmt.Errorf("%w: download of %s from %s stalled after %d of %d bytes (%v): the partial file is kept, run again to resume where it stopped", ErrUnreachable, file, repo, pw.p.Done, m.size, errStalled)
		}
		return fmt.Errorf("%w: download of %s from %s stopped after %d bytes (%v): run again to resume where it stopped", ErrUnreachable, file, repo, pw.p.Done, err)
	}
	if pw.p.Done > m.size {
		return fmt.Errorf("%w: the server sent more of %s of %s than the %d bytes it announced: the file was deleted, run again", ErrCorrupt, file, repo, m.size)
	}
	if pw.p.Done < m.size {
		return fmt.Errorf("%w: download of %s from %s stopped after %d of %d bytes: run again to resume where it stopped", ErrUnreachable, file, repo, pw.p.Done, m.size)
	}
	if err := verify(f, repo, file, m); err != nil {
		return err
	}
	pw.p.Finished = true
	pw.report(true)
	return nil
}

func sameHost(a, b string) bool {
	ua, err1 := url.Parse(a)
	ub, err2 := url.Parse(b)
	return err1 == nil && err2 == nil && ua.Host == ub.Host
}

func rangeStart(cr string) (int64, bool) {
	// "bytes 100-199/200"
	cr = strings.TrimSpace(cr)
	if !strings.HasPrefix(cr, "bytes ") {
		return 0, false
	}
	cr = cr[len("bytes "):]
	i := strings.IndexByte(cr, '-')
	if i < 0 {
		return 0, false
	}
	n, err := strconv.ParseInt(cr[:i], 10, 64)
	return n, err == nil
}

// verify checks the file's size and its hash against the ETag: a 64-digit
// ETag is the sha256 of an LFS file, a 40-digit one the git blob sha1 of a
// small file (head accepts no other).
func verify(f *os.File, repo, file string, m meta) error {
	size, err := f.Seek(0, io.SeekEnd)
	if err != nil {
		return err
	}
	if m.size >= 0 && size != m.size {
		return fmt.Errorf("%w: %s of %s has %d bytes, the Hub announced %d: the partial file was deleted, run again", ErrCorrupt, file, repo, size, m.size)
	}
	var h hash.Hash
	etag := strings.ToLower(m.etag)
	switch {
	case len(etag) == 64 && isHex(etag):
		h = sha256.New()
	case len(etag) == 40 && isHex(etag):
		h = sha1.New()
		fmt.Fprintf(h, "blob %d\x00", size)
	default:
		return fmt.Errorf("%w: %s of %s has no checksum to verify it against (ETag %q)", ErrCorrupt, file, repo, m.etag)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return err
	}
	if _, err := io.Copy(h, f); err != nil {
		return err
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != etag {
		return fmt.Errorf("%w: %s of %s does not match its checksum (got %s, the Hub says %s): the damaged file was deleted, run again", ErrCorrupt, file, repo, short(got), short(etag))
	}
	return nil
}

func isHex(s string) bool {
	_, err := hex.DecodeString(s)
	return err == nil
}

func short(s string) string {
	if len(s) > 12 {
		return s[:12] + "…"
	}
	return s
}

// watchedReader postpones its watchdog each time bytes arrive.
type watchedReader struct {
	r        io.Reader
	watchdog *time.Timer
	stall    time.Duration
}

func (w *watchedReader) Read(p []byte) (int, error) {
	n, err := w.r.Read(p)
	if n > 0 {
		w.watchdog.Reset(w.stall)
	}
	return n, err
}

type progressWriter struct {
	c    *Client
	p    Progress
	last time.Time
}

func (w *progressWriter) Write(b []byte) (int, error) {
	w.p.Done += int64(len(b))
	w.report(false)
	return len(b), nil
}

func (w *progressWriter) report(force bool) {
	if w.c.Progress == nil {
		return
	}
	if now := time.Now(); force || now.Sub(w.last) >= 100*time.Millisecond {
		w.last = now
		w.c.Progress(w.p)
	}
}
