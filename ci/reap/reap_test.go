package reap

import (
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestKillFindsEscapedProcesses starts a shell that puts a sleep in a new
// session (setsid) and exits, so the sleep is no longer its child, nor in
// its group or session: Kill must still find and kill it.
func TestKillFindsEscapedProcesses(t *testing.T) {
	if _, err := os.Stat("/proc/self/environ"); err != nil {
		t.Skip("no /proc")
	}
	if _, err := exec.LookPath("setsid"); err != nil {
		t.Skip("no setsid")
	}
	tag := NewTag()
	cmd := exec.Command("sh", "-c", "setsid sleep 600 </dev/null >/dev/null 2>&1 & echo $!")
	cmd.Env = append(os.Environ(), tag.Env())
	out, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	var sleeper int
	for _, c := range out {
		if c >= '0' && c <= '9' {
			sleeper = sleeper*10 + int(c-'0')
		}
	}
	deadline := time.Now().Add(5 * time.Second)
	for !slices.Contains(tag.Processes(), sleeper) {
		if time.Now().After(deadline) {
			t.Fatalf("the escaped sleep (pid %d) is not among the tagged processes %v", sleeper, tag.Processes())
		}
		time.Sleep(10 * time.Millisecond)
	}
	if other := NewTag(); len(other.Processes()) != 0 {
		t.Errorf("a fresh tag matches processes %v", other.Processes())
	}
	if n := tag.Kill(); n < 1 {
		t.Errorf("Kill signalled %d processes, want at least 1", n)
	}
	if left := tag.Processes(); len(left) != 0 {
		t.Errorf("processes left after Kill: %v", left)
	}
	if err := syscall.Kill(sleeper, 0); err == nil && !zombie(sleeper) {
		t.Errorf("the escaped sleep (pid %d) is still running", sleeper)
	}
}

// fakeT records what NoLeaks reports; its cleanups run when end is called.
type fakeT struct {
	t        *testing.T
	cleanups []func()
	errors   []string
}

func (f *fakeT) Helper()                      {}
func (f *fakeT) Setenv(k, v string)           { f.t.Setenv(k, v) }
func (f *fakeT) Cleanup(fn func())            { f.cleanups = append(f.cleanups, fn) }
func (f *fakeT) Errorf(s string, args ...any) { f.errors = append(f.errors, fmt.Sprintf(s, args...)) }
func (f *fakeT) end() {
	for i := len(f.cleanups) - 1; i >= 0; i-- {
		f.cleanups[i]()
	}
}

// TestNoLeaks: a process that escaped into a session of its own and outlives
// the test fails it, named, and is killed; a test whose processes all ended passes.
func TestNoLeaks(t *testing.T) {
	if _, err := exec.LookPath("setsid"); err != nil {
		t.Skip("no setsid")
	}
	leakGrace = 300 * time.Millisecond
	defer func() { leakGrace = 5 * time.Second }()

	clean := &fakeT{t: t}
	NoLeaks(clean)
	if err := exec.Command("sh", "-c", "sleep 0.1").Run(); err != nil {
		t.Fatal(err)
	}
	clean.end()
	if len(clean.errors) != 0 {
		t.Errorf("a test that left nothing running failed: %q", clean.errors)
	}

	leaky := &fakeT{t: t}
	NoLeaks(leaky)
	entry := TestKey + "=" + os.Getenv(TestKey)
	if err := exec.Command("sh", "-c", "setsid sleep 6017 </dev/null >/dev/null 2>&1 &").Run(); err != nil {
		t.Fatal(err)
	}
	leaky.end()
	if len(leaky.errors) != 1 || !strings.Contains(leaky.errors[0], "sleep 6017") {
		t.Errorf("NoLeaks reported %q, want the escaped sleep 6017", leaky.errors)
	}
	if left := Marked(entry); len(left) != 0 {
		t.Errorf("the leaked processes were not killed: %v", Describe(left))
		KillMarked(entry)
	}
}
