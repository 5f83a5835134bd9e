package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"sort"
	"strings"
)

// testEvent is one line of go test -json (cmd/test2json).
type testEvent struct {
	Action     string
	Package    string
	Test       string
	Output     string
	ImportPath string // build-output events
}

// skipped is a test that skipped, and why.
type skipped struct{ pkg, test, reason string }

// gotest runs go test -json with args, prints what plain go test prints (the
// package lines, and the output of failing tests), then the skipped tests
// with their reasons; with -skips FILE it also appends those to FILE. It
// returns go test's exit code.
func gotest(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	skipsFile := ""
	if len(args) >= 2 && args[0] == "-skips" {
		skipsFile, args = args[1], args[2:]
	}
	cmd := exec.CommandContext(ctx, "go", append([]string{"test", "-json"}, args...)...)
	cmd.Stderr = stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		fmt.Fprintln(stderr, "ci test:", err)
		return 2
	}
	if err := cmd.Start(); err != nil {
		fmt.Fprintln(stderr, "ci test:", err)
		return 2
	}
	skips := summarizeTests(out, stdout)
	err = cmd.Wait()
	code := 0
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		code = exit.ExitCode()
	case err != nil:
		fmt.Fprintln(stderr, "ci test:", err)
		code = 2
	}
	report := skipReport(skips, "go test "+strings.Join(args, " "))
	io.WriteString(stdout, report)
	if skipsFile != "" && report != "" {
		f, err := os.OpenFile(skipsFile, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
		if err == nil {
			_, err = io.WriteString(f, report)
			if cerr := f.Close(); err == nil {
				err = cerr
			}
		}
		if err != nil {
			fmt.Fprintln(stderr, "ci test:", err)
		}
	}
	return code
}

// summarizeTests reads go test -json events from r, writes to w what plain
// go test would print, and returns the tests that skipped.
func summarizeTests(r io.Reader, w io.Writer) []skipped {
	type key struct{ pkg, test string }
	outputs := map[key]*strings.Builder{}
	var skips []skipped
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	for sc.Scan() {
		var e testEvent
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil || e.Action == "" {
			fmt.Fprintln(w, sc.Text()) // not an event: pass it on
			continue
		}
		if e.Action == "build-output" {
			io.WriteString(w, e.Output)
			continue
		}
		if e.Test == "" {
			if e.Action == "output" && e.Output != "PASS\n" {
				io.WriteString(w, e.Output)
			}
			continue
		}
		k := key{e.Package, e.Test}
		switch e.Action {
		case "output":
			b := outputs[k]
			if b == nil {
				b = &strings.Builder{}
				outputs[k] = b
			}
			b.WriteString(e.Output)
		case "fail":
			if b := outputs[k]; b != nil {
				io.WriteString(w, b.String())
			}
			delete(outputs, k)
		case "skip":
			reason := skipReason("")
			if b := outputs[k]; b != nil {
				reason = skipReason(b.String())
			}
			skips = append(skips, skipped{e.Package, e.Test, reason})
			delete(outputs, k)
		case "pass":
			delete(outputs, k)
		}
	}
	return skips
}

// skipReason keeps what a skipped test logged, without go test's own lines.
func skipReason(out string) string {
	var lines []string
	for _, l := range strings.Split(out, "\n") {
		t := strings.TrimSpace(l)
		if t == "" || strings.HasPrefix(t, "=== ") || strings.HasPrefix(t, "--- SKIP") {
			continue
		}
		lines = append(lines, t)
	}
	if len(lines) == 0 {
		return "(no reason given)"
	}
	return strings.Join(lines, " / ")
}

// skipReport lists the skipped tests with their reasons, by package, or
// returns "" when none skipped.
func skipReport(skips []skipped, what string) string {
	if len(skips) == 0 {
		return ""
	}
	sort.Slice(skips, func(i, j int) bool {
		if skips[i].pkg != skips[j].pkg {
			return skips[i].pkg < skips[j].pkg
		}
		return skips[i].test < skips[j].test
	})
	var b strings.Builder
	fmt.Fprintf(&b, "\n%d skipped tests (%s):\n", len(skips), what)
	for _, s := range skips {
		fmt.Fprintf(&b, "  SKIP %s %s: %s\n", s.pkg, s.test, s.reason)
	}
	return b.String()
}
