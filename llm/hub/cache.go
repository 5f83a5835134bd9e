// Package hub downloads model files from the Hugging Face Hub into the
// cache layout that Python tools (huggingface_hub, transformers) share:
//
//	$HF_HUB_CACHE/models--Qwen--Qwen3.5-0.8B/
//	    refs/main                      the commit hash "main" pointed to
//	    blobs/<etag>                   file contents, named by their hash
//	    snapshots/<commit>/<file>      relative symlinks into blobs/
//
// A file already in the cache is not downloaded again (unless its size no
// longer matches the one the Hub announces: then it is fetched afresh); a
// download that was interrupted, or that stalled (no byte for
// Client.StallTimeout), resumes from its ".incomplete" blob with an HTTP
// Range request; a download never grows past the size the Hub announced, and
// is checked against the sha256 (or git blob sha1) the Hub sends as its ETag
// before it is renamed into place: a file without an announced size or a
// checksum ETag is refused. HF_HUB_OFFLINE=1 keeps the client off the network
// entirely. TrySnapshot is the policy for implicit downloads (a brief probe,
// a deadline, a failed probe shared between processes for a while).
package hub

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// DefaultEndpoint is the public Hugging Face Hub.
const DefaultEndpoint = "https://huggingface.co"

// DefaultRevision is the branch used when a reference names none.
const DefaultRevision = "main"

// CacheDir returns the hub cache directory the Hugging Face tools use:
// $HF_HUB_CACHE, else $HF_HOME/hub, else $XDG_CACHE_HOME/huggingface/hub,
// else ~/.cache/huggingface/hub.
func CacheDir() string {
	if d := os.Getenv("HF_HUB_CACHE"); d != "" {
		return d
	}
	if d := os.Getenv("HF_HOME"); d != "" {
		return filepath.Join(d, "hub")
	}
	if d := os.Getenv("XDG_CACHE_HOME"); d != "" {
		return filepath.Join(d, "huggingface", "hub")
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return filepath.Join(os.TempDir(), "huggingface", "hub")
	}
	return filepath.Join(home, ".cache", "huggingface", "hub")
}

// Offline reports whether HF_HUB_OFFLINE (or the older TRANSFORMERS_OFFLINE)
// asks for no network access, as the Python tools read it.
func Offline() bool {
	for _, k := range []string{"HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE"} {
		switch strings.ToLower(strings.TrimSpace(os.Getenv(k))) {
		case "1", "true", "yes", "on":
			return true
		}
	}
	return false
}

var (
	repoPattern   = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]*/[A-Za-z0-9][A-Za-z0-9_.-]*$`)
	commitPattern = regexp.MustCompile(`^[0-9a-f]{40}$`)
)

// ParseRef splits a model reference "owner/name" or "owner/name@revision"
// into its repository id and revision (DefaultRevision when none is given).
// It reports an error for anything that is not a Hub repository id.
func ParseRef(ref string) (repo, revision string, err error) {
	repo, revision = ref, DefaultRevision
	if i := strings.LastIndexByte(ref, '@'); i >= 0 {
		repo, revision = ref[:i], ref[i+1:]
		if revision == "" {
			return "", "", fmt.Errorf("hub: model reference %q has an empty revision after '@': write owner/name@main or leave out the '@'", ref)
		}
	}
	if !repoPattern.MatchString(repo) || strings.Contains(repo, "..") || strings.HasSuffix(repo, ".") {
		return "", "", fmt.Errorf("hub: %q is not a Hugging Face model id: write it as owner/name, for example Qwen/Qwen3.5-0.8B", repo)
	}
	if strings.Contains(revision, "..") || strings.HasPrefix(revision, "/") || strings.ContainsAny(revision, "\\\x00") {
		return "", "", fmt.Errorf("hub: revision %q of %s is not a branch, tag or commit name", revision, repo)
	}
	return repo, revision, nil
}

// RepoDir returns the cache folder of a model repository,
// e.g. models--Qwen--Qwen3.5-0.8B.
func RepoDir(cache, repo string) string {
	return filepath.Join(cache, "models--"+strings.ReplaceAll(repo, "/", "--"))
}

// Cached returns the snapshot folder of repo at revision if the cache holds
// it, without touching the network. It reports false when the revision has
// never been resolved here or the snapshot folder is missing; it does not
// check which files the snapshot holds.
func Cached(cache, repo, revision string) (string, bool) {
	commit, ok := resolveCachedRevision(cache, repo, revision)
	if !ok {
		return "", false
	}
	dir := filepath.Join(RepoDir(cache, repo), "snapshots", commit)
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		return "", false
	}
	return dir, true
}

// resolveCachedRevision maps a branch or tag to the commit recorded in
// refs/, or accepts a full commit hash as it is.
func resolveCachedRevision(cache, repo, revision string) (string, bool) {
	if commitPattern.MatchString(revision) {
		return revision, true
	}
	b, err := os.ReadFile(filepath.Join(RepoDir(cache, repo), "refs", filepath.FromSlash(revision)))
	if err != nil {
		return "", false
	}
	commit := strings.TrimSpace(string(b))
	if !commitPattern.MatchString(commit) {
		return "", false
	}
	return commit, true
}

// safeFile reports whether a repository file name stays inside its
// snapshot folder once joined to it.
func safeFile(name string) bool {
	if name == "" || strings.HasPrefix(name, "/") || strings.Contains(name, "\\") || strings.Contains(name, "\x00") {
		return false
	}
	for _, part := range strings.Split(name, "/") {
		if part == "" || part == "." || part == ".." {
			return false
		}
	}
	return true
}
