package hub

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/how-llms-work/course/llm/atomicfile"
	"net/url"
	"os"
	"path/filepath"
	"time"
)

// Implicit is how a download nobody asked for explicitly is tried (what
// llm.Load("") does when the course model is not cached): ask the Hub
// briefly first, give the whole download a deadline, and share a failed
// probe with the other processes of a session (each notebook cell is a
// process of its own), so that they neither wait nor warn again.
type Implicit struct {
	Probe    time.Duration // how long the Hub has to answer the first question (3s)
	Deadline time.Duration // how long the whole download may take (20 minutes)
	Remember time.Duration // how long a failed probe is shared with other processes (5 minutes)
}

// ErrReported is wrapped by TrySnapshot's error when another process met the
// same failure less than Implicit.Remember ago and has said so already.
var ErrReported = errors.New("already reported")

// NotFetchedError is TrySnapshot's error. Its text is only the reason, a
// sentence fragment such as "the Hugging Face Hub at … could not be reached
// within 3s (…)"; errors.Is sees the underlying error (ErrUnreachable, …)
// and, when another process said so already, ErrReported.
type NotFetchedError struct {
	Why      string
	Reported bool
	Err      error
}

func (e *NotFetchedError) Error() string { return e.Why }

// Unwrap returns the underlying error, and ErrReported when Reported.
func (e *NotFetchedError) Unwrap() []error {
	errs := []error{e.Err}
	if e.Reported {
		errs = append(errs, ErrReported)
	}
	return errs
}

func (p Implicit) withDefaults() Implicit {
	if p.Probe <= 0 {
		p.Probe = 3 * time.Second
	}
	if p.Deadline <= 0 {
		p.Deadline = 20 * time.Minute
	}
	if p.Remember <= 0 {
		p.Remember = 5 * time.Minute
	}
	return p
}

// probeRecord is what a failed probe leaves in the cache for the next process.
type probeRecord struct {
	Endpoint string    `json:"endpoint"`
	Repo     string    `json:"repo"`
	Revision string    `json:"revision"`
	At       time.Time `json:"at"`
	Why      string    `json:"why"`
}

// TrySnapshot is Snapshot under the Implicit policy p. It first asks the Hub
// for repo's config.json metadata (a HEAD request, within p.Probe); when that
// fails it returns an error saying why, and records it in the cache folder so
// that the next calls within p.Remember (other processes included) return at
// once with the same reason, wrapping ErrReported. When the Hub answers, it
// downloads the snapshot within p.Deadline (an unfinished download resumes
// next time). Errors are *NotFetchedError, naming the real cause: an
// unreachable Hub, a refusal, a cache that cannot be written, a stalled or
// slow download.
func (c *Client) TrySnapshot(ctx context.Context, repo, revision string, p Implicit) (string, error) {
	p = p.withDefaults()
	if c.Offline {
		dir, err := c.Snapshot(ctx, repo, revision)
		if err != nil {
			return "", &NotFetchedError{Why: err.Error(), Err: err}
		}
		return dir, nil
	}
	rec := c.probeFiles(repo, revision)
	if why, ok := c.recentProbe(rec, repo, revision, p.Remember); ok {
		return "", &NotFetchedError{Why: why, Reported: true, Err: ErrUnreachable}
	}
	probe := *c
	probe.MetadataTimeout = p.Probe
	pctx, cancel := context.WithTimeout(ctx, p.Probe)
	_, err := probe.head(pctx, repo, revision, "config.json")
	cancel()
	if err != nil {
		why := fmt.Sprintf("the Hugging Face Hub (%s) could not be reached within %v (check the network or HF_ENDPOINT)", endpointHost(c.Endpoint), p.Probe)
		if errors.Is(err, ErrUnauthorized) || errors.Is(err, ErrNotFound) {
			why = "the Hub refused it (" + err.Error() + ")"
		} else if !errors.Is(err, ErrUnreachable) {
			why = "the Hub's answer was not usable (" + err.Error() + ")"
		}
		c.recordProbe(rec, probeRecord{Endpoint: c.Endpoint, Repo: repo, Revision: revision, At: time.Now(), Why: why})
		return "", &NotFetchedError{Why: why, Err: err}
	}
	for _, f := range rec {
		os.Remove(f) // the Hub answers again
	}
	dctx, cancel := context.WithTimeout(ctx, p.Deadline)
	defer cancel()
	dir, err := c.Snapshot(dctx, repo, revision)
	if err != nil {
		why := "its download failed (" + err.Error() + "); run again to resume it"
		if errors.Is(dctx.Err(), context.DeadlineExceeded) && ctx.Err() == nil {
			why = fmt.Sprintf("its download did not finish within %v; run again to resume it", p.Deadline)
		}
		c.recordProbe(rec, probeRecord{Endpoint: c.Endpoint, Repo: repo, Revision: revision, At: time.Now(), Why: why})
		return "", &NotFetchedError{Why: why, Err: err}
	}
	return dir, nil
}

// probeFiles are where a failure to fetch repo@revision from this endpoint
// is recorded: in the cache folder, else (a cache that cannot be written) in
// the temporary folder.
func (c *Client) probeFiles(repo, revision string) []string {
	sum := sha256.Sum256([]byte(c.Cache + "\x00" + c.Endpoint + "\x00" + repo + "\x00" + revision))
	name := hex.EncodeToString(sum[:8]) + ".json"
	return []string{filepath.Join(c.Cache, ".probes", name), filepath.Join(os.TempDir(), "how-llms-work-hub-probes", name)}
}

// recentProbe returns the reason recorded less than ttl ago in one of paths.
func (c *Client) recentProbe(paths []string, repo, revision string, ttl time.Duration) (string, bool) {
	for _, path := range paths {
		b, err := os.ReadFile(path)
		if err != nil {
			continue
		}
		var r probeRecord
		if json.Unmarshal(b, &r) != nil || r.Endpoint != c.Endpoint || r.Repo != repo || r.Revision != revision || r.Why == "" {
			continue
		}
		if age := time.Since(r.At); age >= 0 && age <= ttl {
			return r.Why, true
		}
	}
	return "", false
}

// recordProbe writes r atomically into the first of paths it can write.
func (c *Client) recordProbe(paths []string, r probeRecord) {
	for _, path := range paths {
		if writeSmallFile(path, r) == nil {
			return
		}
	}
}

func writeSmallFile(path string, r probeRecord) error {
	b, err := json.Marshal(r)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return atomicfile.WriteFile(path, b, 0o644)
}

// endpointHost names the Hub by its host alone ("huggingface.co"): the
// notice lands in notebook outputs, which carry no links that only work
// online.
func endpointHost(endpoint string) string {
	if u, err := url.Parse(endpoint); err == nil && u.Host != "" {
		return u.Host
	}
	return endpoint
}
