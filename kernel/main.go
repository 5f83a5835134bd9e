// Command kernel installs and checks this course's Jupyter kernel: GoNB, pinned in
// go.mod, wired to this repository so that notebooks import the course packages
// (github.com/how-llms-work/course/...) with no setup cell.
//
// Usage:
//
//	go run ./kernel install [--user | --prefix DIR] [--name NAME]
//	go run ./kernel doctor  [--name NAME]
//
// install builds GoNB and goimports (and gopls, where it builds: it only serves
// completion) into the kernel's directory, with kernel/cellwrap as the kernel's
// "go" and its BASH_ENV script (they record how each cell's program exits, for the
// notebook runner), and writes its kernel.json; running it again updates the same
// kernel. doctor reports what is missing and how to fix it.
package main

import (
	"context"
	"debug/buildinfo"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/how-llms-work/course/kernel/kernelspec"
)

// Module is the module path of this repository.
const Module = "github.com/how-llms-work/course"

// Packages built into the kernel directory: GoNB itself and the tools it runs.
var tools = []struct{ name, pkg string }{
	{"gonb", "github.com/janpfeifer/gonb"},
	{"goimports", "golang.org/x/tools/cmd/goimports"},
	// The kernel's "go": it records how each cell's program ends (see kernel/cellwrap).
	{"go", Module + "/kernel/cellwrap"},
}

// gopls is built with go install at a fixed version: v0.24 needs Go 1.27.
const (
	goplsVersion = "v0.23.0"
	goplsPkg     = "golang.org/x/tools/gopls@" + goplsVersion
)

const usage = `usage:
  go run ./kernel install [--user | --prefix DIR] [--name NAME] [--gopls=false]
      build GoNB, goimports and gopls and install the course kernelspec
      (default --user: $JUPYTER_DATA_DIR or ~/.local/share/jupyter/kernels/NAME;
       --prefix DIR: DIR/share/jupyter/kernels/NAME, like jupyter kernelspec install)
  go run ./kernel doctor [--name NAME]
      check the installed kernel and the tools it needs; say how to fix what is missing
`

func main() {
	if len(os.Args) < 2 {
		fmt.Fprint(os.Stderr, usage)
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "install":
		err = install(os.Args[2:], os.Stdout)
	case "doctor":
		err = doctor(os.Args[2:], os.Stdout)
	case "-h", "-help", "--help", "help":
		fmt.Print(usage)
		return
	default:
		err = fmt.Errorf("unknown command %q\n%s", os.Args[1], usage)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "kernel:", err)
		os.Exit(1)
	}
}

// repoRoot returns the root of this repository, from the go command's view of the main module.
func repoRoot() (string, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("running go env GOMOD: %w (is Go installed and on PATH?)", err)
	}
	gomod := strings.TrimSpace(string(out))
	if gomod == "" || gomod == os.DevNull {
		return "", errors.New("not inside a Go module: run this from the course repository")
	}
	data, err := os.ReadFile(gomod)
	if err != nil {
		return "", err
	}
	if !strings.Contains(string(data), "module "+Module+"\n") {
		return "", fmt.Errorf("%s is not the course module %s: run this from the course repository", gomod, Module)
	}
	return filepath.Dir(gomod), nil
}

func install(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("install", flag.ContinueOnError)
	user := fs.Bool("user", false, "install for the current user (the default)")
	prefix := fs.String("prefix", "", "install under `DIR`/share/jupyter/kernels")
	name := fs.String("name", kernelspec.CourseKernel, "kernel `name`")
	gopls := fs.Bool("gopls", true, "also build gopls "+goplsVersion+" (completion in JupyterLab; optional)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("install: unexpected arguments %q", fs.Args())
	}
	if *user && *prefix != "" {
		return errors.New("install: --user and --prefix exclude each other")
	}
	if err := kernelspec.ValidName(*name); err != nil {
		return err
	}
	repo, err := repoRoot()
	if err != nil {
		return err
	}
	data, err := kernelspec.UserDataDir()
	if err != nil {
		return err
	}
	if *prefix != "" {
		abs, err := filepath.Abs(*prefix)
		if err != nil {
			return err
		}
		data = kernelspec.PrefixDataDir(abs)
	}
	kernels := filepath.Join(data, "kernels")
	kernelDir := filepath.Join(kernels, strings.ToLower(*name))
	goBin, err := goBinDir()
	if err != nil {
		return err
	}
	// The kernel runs with GOPROXY=off: fetch every module go.mod names now.
	fmt.Fprintln(stdout, "downloading the modules in go.mod (go mod download)")
	dl := exec.Command("go", "mod", "download")
	dl.Dir = repo
	if msg, err := dl.CombinedOutput(); err != nil {
		return fmt.Errorf("go mod download: %w\n%s", err, msg)
	}
	for _, t := range tools {
		out := filepath.Join(kernelDir, "bin", t.name)
		fmt.Fprintf(stdout, "building %s -> %s\n", t.pkg, out)
		cmd := exec.Command("go", "build", "-o", out, t.pkg)
		cmd.Dir = repo
		if msg, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("go build %s: %w\n%s", t.pkg, err, msg)
		}
	}
	if err := kernelspec.WriteBashEnv(filepath.Join(kernelDir, "bin")); err != nil {
		return err
	}
	if *gopls {
		// Optional (completion and hover only): a failure is a note, not an error.
		fmt.Fprintf(stdout, "building %s -> %s\n", goplsPkg, filepath.Join(kernelDir, "bin", "gopls"))
		cmd := exec.Command("go", "install", goplsPkg)
		cmd.Dir = repo
		cmd.Env = append(os.Environ(), "GOBIN="+filepath.Join(kernelDir, "bin"), "GOFLAGS=")
		if msg, err := cmd.CombinedOutput(); err != nil {
			fmt.Fprintf(stdout, "note: gopls did not build, so notebooks get no completion (%v): %s\n", err, firstLine(string(msg)))
		}
	}
	dir, err := kernelspec.Write(kernels, *name, kernelspec.Course(filepath.Join(kernelDir, "bin"), repo, goBin))
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "installed kernel %q (%s) in %s\n", *name, "Go (How LLMs Work)", dir)
	if *prefix != "" {
		fmt.Fprintf(stdout, "Jupyter finds it when JUPYTER_PATH includes %s\n", data)
	}
	return nil
}

// goBinDir is the directory of the go command, so the kernel finds the same Go.
func goBinDir() (string, error) {
	out, err := exec.Command("go", "env", "GOROOT").Output()
	if err != nil {
		return "", fmt.Errorf("running go env GOROOT: %w", err)
	}
	return filepath.Join(strings.TrimSpace(string(out)), "bin"), nil
}

// check is one doctor finding.
type check struct {
	ok       bool
	optional bool
	what     string
	fix      string
}

func doctor(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("doctor", flag.ContinueOnError)
	name := fs.String("name", kernelspec.CourseKernel, "kernel `name`")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var checks []check
	add := func(c check) { checks = append(checks, c) }

	goVersion, err := exec.Command("go", "version").Output()
	add(check{ok: err == nil, what: "go on PATH: " + strings.TrimSpace(string(goVersion)),
		fix: "install Go 1.26.8 or newer (https://go.dev/dl) and put it on PATH"})
	repo, err := repoRoot()
	add(check{ok: err == nil, what: "course repository at " + repo, fix: fmt.Sprint(err)})

	spec, err := kernelspec.Find(*name)
	if err != nil {
		add(check{what: fmt.Sprintf("kernelspec %q installed", *name), fix: "go run ./kernel install"})
	} else {
		add(check{ok: true, what: fmt.Sprintf("kernelspec %q in %s", *name, spec.Dir)})
		add(binaryCheck(spec.Argv[0], "-V", "GoNB kernel binary", false))
		add(pinCheck(spec.Argv[0]))
		path := spec.Env["PATH"]
		add(toolCheck("goimports", path, false, "go run ./kernel install (GoNB needs goimports)"))
		add(toolCheck("gopls", path, true, "optional, for completion: go run ./kernel install (it builds gopls "+goplsVersion+")"))
		add(toolCheck("go", path, false, "go run ./kernel install (the kernelspec's PATH has no go)"))
		add(check{ok: spec.RecordsExits(), what: "kernel records its cells' exit statuses (kernel/cellwrap)",
			fix: "go run ./kernel install (an older kernel: the notebook runner falls back to reading GoNB's text)"})
		work := ""
		for _, a := range spec.Argv {
			if v, found := strings.CutPrefix(a, "-go_work="); found {
				work = v
			}
		}
		_, statErr := os.Stat(filepath.Join(work, "go.mod"))
		add(check{ok: work != "" && statErr == nil && (repo == "" || work == repo),
			what: fmt.Sprintf("kernel imports the course packages from %q", work),
			fix:  "go run ./kernel install (from the repository you want notebooks to use)"})
	}
	_, err = exec.LookPath("jupyter")
	add(check{ok: err == nil, optional: true, what: "jupyter on PATH (to open notebooks locally)",
		fix: "install JupyterLab (pip install jupyterlab) or use the Docker image (docker/README.md)"})
	err = exec.Command("/usr/bin/python3", "-c", "import nbclient").Run()
	if err != nil {
		err = exec.Command("python3", "-c", "import nbclient").Run()
	}
	add(check{ok: err == nil, optional: true, what: "python3 nbclient (for the nbclient cross-check test)",
		fix: "apt-get install python3-nbclient (or bash .ci/run, which installs everything the tests need)"})

	failed := 0
	for _, c := range checks {
		mark := "ok  "
		switch {
		case !c.ok && c.optional:
			mark = "note"
		case !c.ok:
			mark = "FAIL"
			failed++
		}
		fmt.Fprintf(stdout, "%s %s\n", mark, c.what)
		if !c.ok {
			fmt.Fprintf(stdout, "     fix: %s\n", c.fix)
		}
	}
	if failed > 0 {
		return fmt.Errorf("doctor: %d problem(s) found", failed)
	}
	fmt.Fprintln(stdout, "kernel ready")
	return nil
}

func binaryCheck(path, versionFlag, what string, optional bool) check {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	// (GoNB v0.11.3 reports itself as v0.11.1: pinCheck reads the real version.)
	err := exec.CommandContext(ctx, path, versionFlag).Run()
	return check{ok: err == nil, optional: optional, what: fmt.Sprintf("%s %s runs", what, path), fix: "go run ./kernel install"}
}

// pinCheck compares the GoNB version a kernel binary was built from with the one
// go.mod pins, so that a go.mod update is noticed.
func pinCheck(binary string) check {
	const mod = "github.com/janpfeifer/gonb"
	fix := "go run ./kernel install (rebuilds GoNB at the pinned version)"
	want, err := exec.Command("go", "list", "-m", "-f", "{{.Version}}", mod).Output()
	if err != nil {
		return check{what: "GoNB version pinned in go.mod", fix: "run from the course repository"}
	}
	info, err := buildinfo.ReadFile(binary)
	if err != nil {
		return check{what: "GoNB build information in " + binary, fix: fix}
	}
	got := ""
	for _, d := range info.Deps {
		if d.Path == mod {
			got = d.Version
		}
	}
	if info.Main.Path == mod {
		got = info.Main.Version
	}
	pinned := strings.TrimSpace(string(want))
	return check{ok: got == pinned, what: fmt.Sprintf("GoNB built from %s %s, go.mod pins %s", mod, got, pinned), fix: fix}
}

// toolCheck looks for a program on the kernel's PATH.
func toolCheck(name, path string, optional bool, fix string) check {
	for _, d := range filepath.SplitList(path) {
		p := filepath.Join(d, name)
		if info, err := os.Stat(p); err == nil && !info.IsDir() && info.Mode()&0o111 != 0 {
			return check{ok: true, what: fmt.Sprintf("%s on the kernel's PATH: %s", name, p)}
		}
	}
	return check{optional: optional, what: name + " on the kernel's PATH", fix: fix}
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	return s
}
