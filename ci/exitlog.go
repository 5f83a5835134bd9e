package main

import (
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
)

// exitLog reads how the programs of a course kernel's cells ended, from the file
// the kernel appends to (see kernel/cellwrap): "start PPID PID" when a program
// starts, "end PPID PID exit N|signal NAME" when it ends. Only programs whose
// parent is the kernel count: the ones GoNB ran for the cell, not what they ran.
// Output text never reaches this file, so unlike GoNB's "exit status N" line it
// cannot be forged by what a cell prints.
type exitLog struct {
	f      *os.File
	kernel int // pid of the kernel process
	rest   string
}

func newExitLog() (*exitLog, error) {
	f, err := os.CreateTemp("", "ci-exits-*.log")
	if err != nil {
		return nil, fmt.Errorf("creating the exit-status log: %w", err)
	}
	return &exitLog{f: f}, nil
}

func (l *exitLog) path() string { return l.f.Name() }

func (l *exitLog) close() {
	l.f.Close()
	os.Remove(l.f.Name())
}

// next reads what was recorded since the last call and returns how the cell's
// programs failed: "exit status N", "signal: NAME", or "killed before reporting
// its exit status" for one that started and never ended; nil when all exited 0.
// started is how many programs of the cell were recorded at all: none for a cell
// that ran no program, or only one the wrapper does not see (a %%script cell).
// Call it once the cell's execute_reply came: GoNB replies after its program ended.
func (l *exitLog) next() (failures []string, started int) {
	data, _ := io.ReadAll(l.f)
	text := l.rest + string(data)
	l.rest = ""
	if i := strings.LastIndexByte(text, '\n'); i < len(text)-1 {
		l.rest = text[i+1:] // a line still being written
		text = text[:i+1]
	}
	running := map[string]bool{}
	var order []string
	for _, line := range strings.Split(text, "\n") {
		f := strings.Fields(line)
		if len(f) < 3 || f[1] != strconv.Itoa(l.kernel) {
			continue
		}
		switch {
		case f[0] == "start":
			running[f[2]] = true
			order = append(order, f[2])
		case f[0] == "end" && len(f) == 5:
			delete(running, f[2])
			switch {
			case f[3] == "exit" && f[4] == "0":
			case f[3] == "exit":
				failures = append(failures, "exit status "+f[4])
			default:
				failures = append(failures, "signal: "+strings.ReplaceAll(f[4], "_", " "))
			}
		}
	}
	for _, pid := range order {
		if running[pid] {
			failures = append(failures, "killed before reporting its exit status")
		}
	}
	return failures, len(order)
}
