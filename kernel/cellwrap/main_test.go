package main

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/how-llms-work/course/kernel/kernelspec"
)

func TestCellBuild(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	t.Setenv("GONB_TMP_DIR", dir)
	bin := filepath.Join(dir, "gonb_1")
	for _, tc := range []struct {
		args []string
		want int
	}{
		{[]string{"build", "-o", bin}, 2},
		{[]string{"test", "-c", "-o", bin}, 3},
		{[]string{"build", "-o", filepath.Join(dir, "wasm", "main.wasm")}, -1}, // not directly in the folder
		{[]string{"get", "-o", bin}, -1},
		{[]string{"build", "./..."}, -1},
		{[]string{"list", "-json"}, -1},
	} {
		if _, got := cellBuild(tc.args); got != tc.want {
			t.Errorf("cellBuild(%q) = %d, want %d", tc.args, got, tc.want)
		}
	}
	t.Setenv("GONB_TMP_DIR", "")
	if _, got := cellBuild([]string{"build", "-o", bin}); got != -1 {
		t.Errorf("outside GoNB (no GONB_TMP_DIR), a build was taken for a cell's")
	}
}

func TestStripped(t *testing.T) {
	for _, tc := range []struct{ in, want []string }{
		{[]string{"build", "-o", "x"}, []string{"build", "-ldflags=-s -w", "-o", "x"}},
		{[]string{"test", "-c", "-o", "x"}, []string{"test", "-ldflags=-s -w", "-c", "-o", "x"}},
		{[]string{"build", "-ldflags", "-X main.v=1", "-o", "x"}, []string{"build", "-ldflags", "-X main.v=1", "-o", "x"}},
		{[]string{"build", "-ldflags=-X main.v=1", "-o", "x"}, []string{"build", "-ldflags=-X main.v=1", "-o", "x"}},
	} {
		if got := stripped(tc.in); !slices.Equal(got, tc.want) {
			t.Errorf("stripped(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// TestWrapRecordsExitStatus runs a "cell program" (a shell script) through the
// wrapper: its exit status is returned and recorded, whatever it prints.
func TestWrapRecordsExitStatus(t *testing.T) {
	dir := t.TempDir()
	log := filepath.Join(dir, "exits.log")
	if err := os.WriteFile(log, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv(kernelspec.ExitLogEnv, log)
	prog := filepath.Join(dir, "cell")
	for _, tc := range []struct {
		script string
		code   int
	}{
		{"echo 'exit status 1' >&2; exit 0", 0},
		{"echo all fine; exit 3", 3},
		{`[ -z "$` + kernelspec.ExitLogEnv + `" ] || exit 9; exit 0`, 0}, // the program does not see the log
	} {
		os.WriteFile(log, nil, 0o644)
		if err := os.WriteFile(prog+".prog", []byte("#!/bin/sh\n"+tc.script+"\n"), 0o755); err != nil {
			t.Fatal(err)
		}
		if got := wrap([]string{prog}); got != tc.code {
			t.Errorf("%s: wrap returned %d, want %d", tc.script, got, tc.code)
		}
		data, _ := os.ReadFile(log)
		lines := strings.Split(strings.TrimSpace(string(data)), "\n")
		id := fmt.Sprintf("%d %d", os.Getppid(), os.Getpid())
		if len(lines) != 2 || lines[0] != "start "+id || lines[1] != fmt.Sprintf("end %s exit %d", id, tc.code) {
			t.Errorf("%s: recorded %q, want start and end with exit %d", tc.script, lines, tc.code)
		}
	}
}
