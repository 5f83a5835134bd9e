// Package reap finds and kills every process started on behalf of a job
// (a notebook's kernel, a test's notebook server), including the ones that
// left the job's process group or session (setsid, a daemonising shell
// command, GoNB's gopls).
//
// A job is marked by an environment variable, Key=tag, given to the first
// process it starts. Children inherit their parent's environment, so every
// process the job starts carries the tag unless it deliberately clears its
// environment; Kill finds them through /proc/PID/environ (Linux) whatever
// their parent, group or session has become. (Jenkins' process-tree killer
// uses the same idea.) Where /proc is unavailable, Kill finds nothing.
package reap

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Key is the environment variable that carries a job's tag.
const Key = "HOW_LLMS_WORK_JOB"

// Tag is a job's mark: give Env() to the job's first process.
type Tag string

// NewTag returns a fresh random tag.
func NewTag() Tag {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return Tag(hex.EncodeToString(b))
}

// Env is the environment entry that marks a process as part of the job.
func (t Tag) Env() string { return Key + "=" + string(t) }

// Processes lists the ids of the running processes marked with t, other
// than the calling process. Zombies (exited, not yet reaped) are left out.
func (t Tag) Processes() []int { return Marked(t.Env()) }

// Marked lists the ids of the running processes whose environment holds the
// entry (KEY=value), other than the calling process, leaving out zombies.
func Marked(entry string) []int {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	want := []byte(entry)
	self := os.Getpid()
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == self {
			continue
		}
		env, err := os.ReadFile("/proc/" + e.Name() + "/environ")
		if err != nil || !hasEntry(env, want) || zombie(pid) {
			continue
		}
		pids = append(pids, pid)
	}
	return pids
}

func hasEntry(environ, entry []byte) bool {
	for _, e := range bytes.Split(environ, []byte{0}) {
		if bytes.Equal(e, entry) {
			return true
		}
	}
	return false
}

func zombie(pid int) bool {
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return true // gone
	}
	i := bytes.LastIndexByte(stat, ')')
	return i < 0 || i+2 >= len(stat) || stat[i+2] == 'Z' || stat[i+2] == 'X'
}

// Kill stops every process marked with t: it freezes them all (SIGSTOP, so
// none can start another while the others die), kills them (SIGKILL), and
// repeats until none is left or a few seconds have passed. It returns the
// number of processes it signalled.
func (t Tag) Kill() int { return KillMarked(t.Env()) }

// KillMarked is Kill for the processes whose environment holds entry (KEY=value).
func KillMarked(entry string) int {
	n := 0
	deadline := time.Now().Add(5 * time.Second)
	for {
		pids := Marked(entry)
		if len(pids) == 0 || time.Now().After(deadline) {
			return n
		}
		for _, p := range pids {
			_ = syscall.Kill(p, syscall.SIGSTOP)
		}
		for _, p := range pids {
			if syscall.Kill(p, syscall.SIGKILL) == nil {
				n++
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Describe returns "PID command line" for each of pids that still runs.
func Describe(pids []int) []string {
	var out []string
	for _, p := range pids {
		cmd, err := os.ReadFile("/proc/" + strconv.Itoa(p) + "/cmdline")
		if err != nil {
			continue
		}
		line := strings.TrimSpace(strings.ReplaceAll(string(cmd), "\x00", " "))
		if len(line) > 200 {
			line = line[:200] + "…"
		}
		out = append(out, fmt.Sprintf("%d %s", p, line))
	}
	return out
}

// TestKey is the environment variable NoLeaks marks a test's processes with.
const TestKey = "HOW_LLMS_WORK_TEST"

// leakGrace is how long NoLeaks gives a test's processes to end after it.
var leakGrace = 5 * time.Second

// T is the part of testing.TB that NoLeaks uses.
type T interface {
	Helper()
	Setenv(key, value string)
	Cleanup(func())
	Errorf(format string, args ...any)
}

// NoLeaks makes a test fail if a process it started outlives it. It marks the
// test process's environment with a fresh TestKey entry, so every process the
// test starts from now on (a kernel, a notebook server, what they start in
// turn: gopls, its telemetry, the cells' programs) inherits the mark, whatever
// its group or session. When the test ends, after the cleanups registered
// later than NoLeaks (call it first), any marked process still running after a
// short grace fails the test, named by its command line, and is killed.
// It uses t.Setenv, so the test cannot be parallel.
func NoLeaks(t T) {
	t.Helper()
	entry := TestKey + "=" + string(NewTag())
	t.Setenv(TestKey, strings.TrimPrefix(entry, TestKey+"="))
	t.Cleanup(func() {
		// Two empty scans in a row, 100 ms apart, end the wait: a process
		// caught in the middle of an exec can be missing from one scan
		// (its environment is briefly unreadable), never from both.
		var left []int
		empty := 0
		for deadline := time.Now().Add(leakGrace); ; time.Sleep(100 * time.Millisecond) {
			if left = Marked(entry); len(left) == 0 {
				if empty++; empty == 2 {
					return
				}
				continue
			}
			empty = 0
			if time.Now().After(deadline) {
				break
			}
		}
		t.Errorf("%d processes the test started still run after it ended:\n\t%s", len(left), strings.Join(Describe(left), "\n\t"))
		KillMarked(entry)
	})
}
