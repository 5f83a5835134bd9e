package reap

import (
	"os"
	"os/exec"
	"slices"
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
