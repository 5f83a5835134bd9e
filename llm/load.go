package llm

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/how-llms-work/course/llm/hub"
	"github.com/how-llms-work/course/llm/model"
	"github.com/how-llms-work/course/llm/safetensors"
	"github.com/how-llms-work/course/llm/tiny"
	"github.com/how-llms-work/course/llm/tokenizer"
)

// DefaultModel is the Hub model the course is about.
const DefaultModel = "Qwen/Qwen3.5-0.8B"

// Tiny is the name of the small model embedded in the course code.
const Tiny = "tiny"

// Load returns a model, found by ref:
//
//   - "tiny": the small model embedded in the course code (no files, no
//     network);
//   - a folder holding config.json, model.safetensors (or its shards) and
//     tokenizer.json;
//   - a Hugging Face model id such as "Qwen/Qwen3.5-0.8B", optionally with
//     "@revision": taken from the Hugging Face cache when it is there
//     (without asking the network), downloaded into it otherwise;
//   - "": the model named by $LLM_MODEL; else the folder $LLM_QWEN35_DIR
//     (where the tests look for the real weights); else DefaultModel if it
//     is cached;
//     else DefaultModel downloaded from the Hub, unless HF_HUB_OFFLINE=1 is
//     set, $CI is set (no multi-gigabyte surprise downloads on build
//     machines) or the Hub does not answer within 3 seconds; in those cases,
//     and when the download fails or takes over 20 minutes, the tiny model,
//     with a one-line notice on stderr saying why (an interrupted download
//     resumes next time). An unanswered Hub is remembered for 5 minutes,
//     so the next cells fall back at once and without repeating the notice.
//
// Weights are memory-mapped, so loading again in the next notebook cell
// is fast.
func Load(ref string) (*Model, error) { return NewLoader().Load(ref) }

// MustLoad is Load for notebook cells: it panics with Load's error.
func MustLoad(ref string) *Model {
	m, err := Load(ref)
	if err != nil {
		panic(err)
	}
	return m
}

// Loader is Load with its environment made explicit (tests and tools set
// it up; Load uses NewLoader). A nil Notice discards the fallback notice.
type Loader struct {
	Hub     *hub.Client // where to download from and cache to
	Notice  io.Writer   // where the one-line fallback notice goes (os.Stderr)
	Env     func(string) string
	Probe   time.Duration // how long Load("") waits for the Hub (3s)
	Default string        // the model Load("") wants (DefaultModel)

	// Progress, if set, is called as a download proceeds (it replaces the
	// Hub client's own callback). NewLoader sets LogProgress(os.Stderr);
	// widgets.Load sets a progress bar.
	Progress func(Progress)
}

// NewLoader returns a loader reading the environment like the Hugging Face
// tools (HF_ENDPOINT, HF_TOKEN, HF_HUB_CACHE, HF_HOME, HF_HUB_OFFLINE),
// reporting downloads as plain text on stderr.
func NewLoader() *Loader {
	return &Loader{Hub: hub.New(), Notice: os.Stderr, Env: os.Getenv, Probe: 3 * time.Second, Default: DefaultModel,
		Progress: LogProgress(os.Stderr)}
}

// Load is the package-level Load with this loader's settings; fields left
// zero take NewLoader's values (without progress reports).
func (l *Loader) Load(ref string) (*Model, error) {
	if l.Hub == nil {
		l.Hub = hub.New()
	}
	if l.Progress != nil {
		h := *l.Hub
		h.Progress = l.Progress
		l.Hub = &h
	}
	if l.Env == nil {
		l.Env = os.Getenv
	}
	if l.Probe <= 0 {
		l.Probe = 3 * time.Second
	}
	if l.Default == "" {
		l.Default = DefaultModel
	}
	ref = strings.TrimSpace(ref)
	if ref == "" {
		if env := strings.TrimSpace(l.Env("LLM_MODEL")); env != "" {
			m, err := l.Load(env)
			if err != nil {
				return nil, fmt.Errorf("%w (from the LLM_MODEL environment variable)", err)
			}
			return m, nil
		}
		if dir := strings.TrimSpace(l.Env("LLM_QWEN35_DIR")); dir != "" {
			m, err := l.Load(dir)
			if err != nil {
				return nil, fmt.Errorf("%w (from the LLM_QWEN35_DIR environment variable)", err)
			}
			return m, nil
		}
		return l.loadDefault()
	}
	if strings.EqualFold(ref, Tiny) {
		return LoadTiny()
	}
	if looksLikePath(ref) {
		return LoadDir(ref)
	}
	repo, rev, err := hub.ParseRef(ref)
	if err != nil {
		return nil, fmt.Errorf("llm: %q is neither a folder, \"tiny\", nor a Hugging Face model id like %s: %w", ref, DefaultModel, err)
	}
	if dir, ok := hub.Cached(l.Hub.Cache, repo, rev); ok && hub.Complete(dir) {
		m, err := l.open(dir, ref, "cache")
		if err == nil || l.Hub.Offline {
			return m, err
		}
		// A damaged cached file: Snapshot checks each against the Hub and fetches it again.
	}
	dir, err := l.Hub.Snapshot(context.Background(), repo, rev)
	if err != nil {
		if dir, ok := hub.Cached(l.Hub.Cache, repo, rev); ok && hub.Complete(dir) && errors.Is(err, hub.ErrUnreachable) {
			return l.open(dir, ref, "cache")
		}
		return nil, fmt.Errorf("llm: loading %s: %w", ref, err)
	}
	return l.open(dir, ref, "download")
}

// loadDefault implements Load("") without LLM_MODEL.
func (l *Loader) loadDefault() (*Model, error) {
	repo, rev, err := hub.ParseRef(l.Default)
	if err != nil {
		return nil, err
	}
	if dir, ok := hub.Cached(l.Hub.Cache, repo, rev); ok && hub.Complete(dir) {
		return l.open(dir, l.Default, "cache")
	}
	var why string
	quiet := false
	switch {
	case l.Hub.Offline:
		why = "HF_HUB_OFFLINE is set and " + l.Default + " is not in the Hugging Face cache (unset HF_HUB_OFFLINE to download it, or set LLM_MODEL to a model folder)"
	case l.Env("CI") != "":
		why = "$CI is set, so " + l.Default + " is not downloaded implicitly (set LLM_MODEL=" + l.Default + " to download it)"
	default:
		// Ask the Hub briefly whether it is there before starting a
		// download of gigabytes; a failed probe is shared with the next
		// cells for a while (see hub.Implicit), which then stay quiet.
		dir, err := l.Hub.TrySnapshot(context.Background(), repo, rev, hub.Implicit{Probe: l.Probe})
		if err == nil {
			return l.open(dir, l.Default, "download")
		}
		quiet = errors.Is(err, hub.ErrReported)
		why = l.Default + " is not cached and " + err.Error()
	}
	m, err := LoadTiny()
	if err != nil {
		return nil, err
	}
	if l.Notice != nil && !quiet {
		fmt.Fprintf(l.Notice, "llm: using the %s model: %s.\n", tinyWord(m), strings.ReplaceAll(why, "\n", " "))
	}
	return m, nil
}

func tinyWord(m *Model) string {
	if m.Untrained {
		return "untrained tiny"
	}
	return "tiny"
}

func looksLikePath(ref string) bool {
	if strings.HasPrefix(ref, ".") || strings.HasPrefix(ref, "/") || strings.HasPrefix(ref, "~") || filepath.IsAbs(ref) {
		return true
	}
	if fi, err := os.Stat(ref); err == nil && fi.IsDir() {
		return true
	}
	// owner/name@revision: the revision may hold slashes (refs/pr/1).
	if repo, _, ok := strings.Cut(ref, "@"); ok && strings.Count(repo, "/") == 1 {
		return false
	}
	return strings.Count(ref, "/") > 1 || strings.Contains(ref, string(filepath.Separator)) && filepath.Separator != '/'
}

// LoadTiny returns the small model embedded in the course code. Its
// weights are used in place from the program's read-only data.
func LoadTiny() (*Model, error) {
	cfg, err := model.ParseConfig(tiny.Config())
	if err != nil {
		return nil, fmt.Errorf("llm: the embedded tiny model's config.json: %w", err)
	}
	f, err := safetensors.FromBytes("tiny/model.safetensors", tiny.Weights())
	if err != nil {
		return nil, fmt.Errorf("llm: the embedded tiny model's weights: %w", err)
	}
	net, err := model.New(cfg, f)
	if err != nil {
		return nil, fmt.Errorf("llm: the embedded tiny model: %w", err)
	}
	tok, err := tokenizer.Parse(tiny.Tokenizer(), tiny.TokenizerConfig())
	if err != nil {
		return nil, fmt.Errorf("llm: the embedded tiny model's tokenizer: %w", err)
	}
	return &Model{Name: Tiny, Source: "embedded", Untrained: tiny.Untrained(f.Metadata), Net: net, Tok: tok}, nil
}

// LoadDir loads a model from a folder in Hugging Face layout.
func LoadDir(dir string) (*Model, error) {
	if strings.HasPrefix(dir, "~/") {
		if home, err := os.UserHomeDir(); err == nil {
			dir = filepath.Join(home, dir[2:])
		}
	}
	return (&Loader{}).open(dir, dir, "folder")
}

// open loads config, weights and tokenizer from dir, with errors that
// name the missing piece.
func (l *Loader) open(dir, name, source string) (*Model, error) {
	fi, err := os.Stat(dir)
	if err != nil || !fi.IsDir() {
		return nil, fmt.Errorf("llm: model folder %s does not exist: give a folder with config.json, model.safetensors and tokenizer.json, a Hub id like %s, or \"tiny\"", dir, DefaultModel)
	}
	for _, need := range []string{"config.json", "tokenizer.json"} {
		if _, err := os.Stat(filepath.Join(dir, need)); err != nil {
			return nil, fmt.Errorf("llm: model folder %s has no %s: a model folder needs config.json, model.safetensors (or its shards) and tokenizer.json, as on the Hugging Face Hub", dir, need)
		}
	}
	if !hub.Complete(dir) {
		return nil, fmt.Errorf("llm: model folder %s has no complete weights (model.safetensors, or every shard of model.safetensors.index.json): copy or download them there", dir)
	}
	cfg, err := model.LoadConfig(filepath.Join(dir, "config.json"))
	if err != nil {
		return nil, fmt.Errorf("llm: %w", err)
	}
	files, err := safetensors.OpenDir(dir)
	if err != nil {
		return nil, fmt.Errorf("llm: %w", err)
	}
	net, err := model.New(cfg, files...)
	if err != nil {
		closeAll(files)
		return nil, fmt.Errorf("llm: loading %s: %w", dir, err)
	}
	untrained := false
	for _, f := range files {
		untrained = untrained || tiny.Untrained(f.Metadata)
	}
	fail := func(err error) (*Model, error) {
		closeAll(files)
		return nil, err
	}
	tokCfg, err := os.ReadFile(filepath.Join(dir, "tokenizer_config.json"))
	if err != nil {
		tokCfg = nil // optional
	}
	tokJSON, err := os.ReadFile(filepath.Join(dir, "tokenizer.json"))
	if err != nil {
		return fail(fmt.Errorf("llm: reading the tokenizer of %s: %w", dir, err))
	}
	tok, err := tokenizer.Parse(tokJSON, tokCfg)
	if err != nil {
		return fail(fmt.Errorf("llm: the tokenizer in %s: %w", dir, err))
	}
	if tok.VocabSize() > cfg.Vocab {
		return fail(fmt.Errorf("llm: %s: the tokenizer has %d tokens but the model only %d embedding rows: they do not belong together", dir, tok.VocabSize(), cfg.Vocab))
	}
	return &Model{Name: name, Source: source, Dir: dir, Untrained: untrained, Net: net, Tok: tok, files: files}, nil
}

func closeAll(files []*safetensors.File) {
	for _, f := range files {
		f.Close()
	}
}
