// Package kernelspec reads, finds and writes Jupyter kernel specifications: the
// kernel.json files through which Jupyter (and this course's notebook runner)
// learns how to start a kernel.
//
// Kernelspecs live in <data dir>/kernels/<name>/kernel.json. The data directories
// are searched in Jupyter's order: $JUPYTER_PATH, the user's data directory
// ($JUPYTER_DATA_DIR or ~/.local/share/jupyter), then /usr/local/share/jupyter and
// /usr/share/jupyter.
package kernelspec

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/how-llms-work/course/llm/atomicfile"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// CourseKernel is the name of the kernel this course installs (go run ./kernel install).
const CourseKernel = "go-how-llms-work"

// Spec is the content of a kernel.json file, plus where it was found.
type Spec struct {
	Argv          []string          `json:"argv"`
	DisplayName   string            `json:"display_name"`
	Language      string            `json:"language"`
	InterruptMode string            `json:"interrupt_mode,omitempty"` // "signal" (default) or "message"
	Env           map[string]string `json:"env,omitempty"`
	Metadata      map[string]any    `json:"metadata,omitempty"`

	Name string `json:"-"` // directory name, the kernel's name
	Dir  string `json:"-"` // directory holding kernel.json
}

var validName = regexp.MustCompile(`^[a-zA-Z0-9._-]+$`)

// ValidName reports whether name can name a kernel (a directory under kernels/).
func ValidName(name string) error {
	if !validName.MatchString(name) {
		return fmt.Errorf("kernel name %q: want letters, digits, '.', '_' or '-'", name)
	}
	return nil
}

// UserDataDir is the user's Jupyter data directory: $JUPYTER_DATA_DIR, else ~/.local/share/jupyter.
func UserDataDir() (string, error) {
	if d := os.Getenv("JUPYTER_DATA_DIR"); d != "" {
		return d, nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("finding the Jupyter data directory: %w (set JUPYTER_DATA_DIR)", err)
	}
	return filepath.Join(home, ".local", "share", "jupyter"), nil
}

// PrefixDataDir is the Jupyter data directory under an installation prefix, as
// used by `jupyter kernelspec install --prefix`.
func PrefixDataDir(prefix string) string {
	return filepath.Join(prefix, "share", "jupyter")
}

// SearchDirs lists the kernels directories searched by Find, in order.
func SearchDirs() []string {
	var dirs []string
	for _, d := range filepath.SplitList(os.Getenv("JUPYTER_PATH")) {
		if d != "" {
			dirs = append(dirs, filepath.Join(d, "kernels"))
		}
	}
	if d, err := UserDataDir(); err == nil {
		dirs = append(dirs, filepath.Join(d, "kernels"))
	}
	return append(dirs, "/usr/local/share/jupyter/kernels", "/usr/share/jupyter/kernels")
}

// Find returns the kernelspec with the given name from the first directory of
// SearchDirs that has it.
func Find(name string) (*Spec, error) {
	if err := ValidName(name); err != nil {
		return nil, err
	}
	dirs := SearchDirs()
	for _, d := range dirs {
		dir := filepath.Join(d, strings.ToLower(name))
		if _, err := os.Stat(filepath.Join(dir, "kernel.json")); err == nil {
			return Read(dir)
		}
	}
	msg := fmt.Sprintf("no kernel named %q (searched %s)", name, strings.Join(dirs, ", "))
	if name == CourseKernel {
		msg += "; install it with: go run ./kernel install"
	}
	if names := List(); len(names) > 0 {
		msg += "; installed kernels: " + strings.Join(names, ", ")
	}
	return nil, errors.New(msg)
}

// List returns the names of all installed kernels, first occurrence of each name.
func List() []string {
	var names []string
	seen := make(map[string]bool)
	for _, d := range SearchDirs() {
		entries, _ := os.ReadDir(d)
		for _, e := range entries {
			if seen[e.Name()] {
				continue
			}
			if _, err := os.Stat(filepath.Join(d, e.Name(), "kernel.json")); err == nil {
				seen[e.Name()] = true
				names = append(names, e.Name())
			}
		}
	}
	return names
}

// Read reads dir/kernel.json.
func Read(dir string) (*Spec, error) {
	path := filepath.Join(dir, "kernel.json")
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("kernelspec: %w", err)
	}
	s := &Spec{}
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(s); err != nil {
		return nil, fmt.Errorf("kernelspec %s: %v", path, err)
	}
	if len(s.Argv) == 0 {
		return nil, fmt.Errorf("kernelspec %s: argv is empty, want the command that starts the kernel", path)
	}
	if !strings.Contains(strings.Join(s.Argv, " "), "{connection_file}") {
		return nil, fmt.Errorf("kernelspec %s: argv %q has no {connection_file} placeholder", path, s.Argv)
	}
	switch s.InterruptMode {
	case "", "signal", "message":
	default:
		return nil, fmt.Errorf("kernelspec %s: interrupt_mode %q, want \"signal\" or \"message\"", path, s.InterruptMode)
	}
	s.Dir = dir
	s.Name = filepath.Base(dir)
	return s, nil
}

// Write writes s as kernelsDir/name/kernel.json, creating the directory, and
// returns the directory. Writing the same spec again leaves the file unchanged.
func Write(kernelsDir, name string, s *Spec) (string, error) {
	if err := ValidName(name); err != nil {
		return "", err
	}
	dir := filepath.Join(kernelsDir, strings.ToLower(name))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("kernelspec: %w", err)
	}
	data, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return "", fmt.Errorf("kernelspec %s: %w", name, err)
	}
	data = append(data, '\n')
	path := filepath.Join(dir, "kernel.json")
	if old, err := os.ReadFile(path); err == nil && bytes.Equal(old, data) {
		return dir, nil
	}
	if err := atomicfile.WriteFile(path, data, 0o644); err != nil {
		return "", fmt.Errorf("kernelspec: %w", err)
	}
	return dir, nil
}

// Command returns the argv that starts the kernel with the given connection file,
// and the environment to add to the caller's: Env with ${VAR} references expanded
// from the caller's environment, as jupyter_client does.
func (s *Spec) Command(connectionFile string) (argv []string, env []string) {
	for _, a := range s.Argv {
		argv = append(argv, strings.ReplaceAll(a, "{connection_file}", connectionFile))
	}
	for k, v := range s.Env {
		env = append(env, k+"="+os.Expand(v, os.Getenv))
	}
	return argv, env
}

// The exit-status channel of the course kernel (see kernel/cellwrap): the kernel's
// "go" is cellwrap, which finds the real go in $GoEnv and records how each cell's
// program ended in the file named by $ExitLogEnv; BashEnvFile, the kernel's
// BASH_ENV, does the same for a cell's !commands.
const (
	GoEnv       = "HOW_LLMS_WORK_GO"
	ExitLogEnv  = "HOW_LLMS_WORK_EXIT_LOG"
	BashEnvFile = "exitlog.bash"
	// ExitLogKey in a kernelspec's metadata says that the kernel records exit statuses.
	ExitLogKey = "exit_log"
)

// BashEnv is the content of BashEnvFile. Non-interactive bash sources $BASH_ENV
// first: this records the shell's start and, from its EXIT trap, its exit status.
// It unsets BASH_ENV and unexports the log's name, so nested shells record nothing.
const BashEnv = `# BASH_ENV of the course kernel (written by go run ./kernel install): records the
# exit status of the bash that runs a cell's !commands, for the notebook runner.
unset BASH_ENV
if [ -n "${` + ExitLogEnv + `-}" ]; then
	export -n ` + ExitLogEnv + `
	printf 'start %d %d\n' "$PPID" "$$" >>"$` + ExitLogEnv + `"
	trap 'printf "end %d %d exit %d\n" "$PPID" "$$" "$?" >>"$` + ExitLogEnv + `"' EXIT
fi
`

// WriteBashEnv writes BashEnvFile into the kernel's bin directory.
func WriteBashEnv(bin string) error {
	if err := atomicfile.WriteFile(filepath.Join(bin, BashEnvFile), []byte(BashEnv), 0o644); err != nil {
		return fmt.Errorf("kernelspec: %w", err)
	}
	return nil
}

// RecordsExits reports whether the kernel records its cells' exit statuses in
// $ExitLogEnv (a course kernel installed with kernel/cellwrap).
func (s *Spec) RecordsExits() bool {
	v, _ := s.Metadata[ExitLogKey].(bool)
	return v
}

// Course is the course kernelspec: GoNB and goimports in bin, notebooks importing
// the packages of the repository at repo (-go_work), Go from goBin. bin also holds
// cellwrap, installed as "go", and BashEnvFile (see GoEnv).
func Course(bin, repo, goBin string) *Spec {
	path := joinPath(bin, goBin, os.Getenv("PATH"))
	return &Spec{
		Argv: []string{
			filepath.Join(bin, "gonb"), "--kernel", "{connection_file}",
			"-go_work=" + repo,                              // notebooks import the course packages with no setup cell
			"-raw_error",                                    // plain-text errors: readable in every frontend and in CI
			"-logtostderr=false", "-log_file=" + os.DevNull, // GoNB's info logging floods stderr
		},
		DisplayName:   "Go (How LLMs Work)",
		Language:      "go",
		InterruptMode: "message",
		Env: map[string]string{
			"PATH": path,
			// GoNB runs "go get" for every cell; with the proxy off it resolves imports
			// from this repository's go.mod and the module cache only, so notebooks use
			// exactly the pinned versions and work offline. A cell may override it with
			// %env GOPROXY https://proxy.golang.org to fetch a new module.
			"GOPROXY":  "off",
			GoEnv:      filepath.Join(goBin, "go"),
			"BASH_ENV": filepath.Join(bin, BashEnvFile),
		},
		Metadata: map[string]any{"course_repo": repo, ExitLogKey: true},
	}
}

// joinPath joins PATH lists, dropping empty and repeated entries.
func joinPath(lists ...string) string {
	var out []string
	seen := map[string]bool{}
	for _, l := range lists {
		for _, d := range filepath.SplitList(l) {
			if d != "" && !seen[d] {
				seen[d] = true
				out = append(out, d)
			}
		}
	}
	return strings.Join(out, string(os.PathListSeparator))
}
