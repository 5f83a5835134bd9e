package main

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/how-llms-work/course/kernel/kernelspec"
)

func TestInstallAndDoctor(t *testing.T) {
	prefix := t.TempDir()
	t.Setenv("JUPYTER_PATH", "")
	t.Setenv("JUPYTER_DATA_DIR", filepath.Join(prefix, "user"))

	// Nothing installed yet: doctor fails and says how to fix it.
	var out bytes.Buffer
	if err := doctor(nil, &out); err == nil || !strings.Contains(out.String(), "fix: go run ./kernel install") {
		t.Errorf("doctor before install: err %v, output:\n%s", err, out.String())
	}

	out.Reset()
	if err := install([]string{"--prefix", prefix, "--gopls=false"}, &out); err != nil {
		t.Fatalf("install: %v\n%s", err, out.String())
	}
	dir := filepath.Join(prefix, "share", "jupyter", "kernels", kernelspec.CourseKernel)
	spec, err := kernelspec.Read(dir)
	if err != nil {
		t.Fatal(err)
	}
	repo, _ := filepath.Abs("..")
	bin := filepath.Join(dir, "bin")
	if spec.Argv[0] != filepath.Join(bin, "gonb") || !slices.Contains(spec.Argv, "-go_work="+repo) || !slices.Contains(spec.Argv, "{connection_file}") {
		t.Errorf("argv %q: want %s/gonb, -go_work=%s and {connection_file}", spec.Argv, bin, repo)
	}
	if !strings.HasPrefix(spec.Env["PATH"], bin+string(os.PathListSeparator)) || spec.Env["GOPROXY"] != "off" {
		t.Errorf("env %v: want PATH starting with %s and GOPROXY=off", spec.Env, bin)
	}
	if !strings.Contains(spec.DisplayName, "Go") || !strings.Contains(spec.DisplayName, "How LLMs Work") {
		t.Errorf("display name %q", spec.DisplayName)
	}
	if spec.Env[kernelspec.GoEnv] == "" || spec.Env["BASH_ENV"] != filepath.Join(bin, kernelspec.BashEnvFile) || !spec.RecordsExits() {
		t.Errorf("env %v, metadata %v: want the exit-status channel (%s, BASH_ENV, %s)", spec.Env, spec.Metadata, kernelspec.GoEnv, kernelspec.ExitLogKey)
	}
	if data, err := os.ReadFile(filepath.Join(bin, kernelspec.BashEnvFile)); err != nil || string(data) != kernelspec.BashEnv {
		t.Errorf("%s not installed: %v", kernelspec.BashEnvFile, err)
	}
	for _, tool := range []string{"gonb", "goimports", "go"} {
		if info, err := os.Stat(filepath.Join(bin, tool)); err != nil || info.Mode()&0o111 == 0 {
			t.Errorf("%s not installed as an executable: %v", tool, err)
		}
	}

	// Idempotent: a second install leaves the same kernel.json.
	before, _ := os.ReadFile(filepath.Join(dir, "kernel.json"))
	if err := install([]string{"--prefix", prefix, "--gopls=false"}, &out); err != nil {
		t.Fatal(err)
	}
	after, _ := os.ReadFile(filepath.Join(dir, "kernel.json"))
	if !bytes.Equal(before, after) {
		t.Errorf("second install changed kernel.json:\n%s\n---\n%s", before, after)
	}

	// Found through JUPYTER_PATH, as Jupyter would find it.
	t.Setenv("JUPYTER_PATH", filepath.Join(prefix, "share", "jupyter"))
	out.Reset()
	if err := doctor(nil, &out); err != nil || !strings.Contains(out.String(), "kernel ready") || !strings.Contains(out.String(), "ok   GoNB built from github.com/janpfeifer/gonb v") {
		t.Errorf("doctor after install: err %v, output:\n%s", err, out.String())
	}
}

func TestInstallFlags(t *testing.T) {
	var out bytes.Buffer
	if err := install([]string{"--user", "--prefix", "x"}, &out); err == nil {
		t.Errorf("--user with --prefix accepted")
	}
	if err := install([]string{"extra"}, &out); err == nil || !strings.Contains(err.Error(), "unexpected arguments") {
		t.Errorf("extra argument: %v", err)
	}
	if err := install([]string{"--name", "../x"}, &out); err == nil {
		t.Errorf("bad kernel name accepted")
	}
}
