package jupyter

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/how-llms-work/course/kernel/kernelspec"
)

func TestSignRoundTrip(t *testing.T) {
	s := signer{key: []byte("secret")}
	m := &Message{
		Identities: [][]byte{[]byte("id1")},
		Header:     newHeader("sess", "execute_request"),
		Content:    map[string]any{"code": "x := 1"},
		Buffers:    [][]byte{{1, 2, 3}},
	}
	frames, err := s.encode(m)
	if err != nil {
		t.Fatal(err)
	}
	if string(frames[1]) != delimiter || len(frames[2]) != 64 {
		t.Fatalf("frames: delimiter %q, signature %q", frames[1], frames[2])
	}
	got, err := s.decode(frames)
	if err != nil {
		t.Fatal(err)
	}
	if got.Type() != "execute_request" || got.String("code") != "x := 1" || string(got.Identities[0]) != "id1" || len(got.Buffers) != 1 {
		t.Errorf("decoded %+v", got)
	}
	if got.Header.MsgID != m.Header.MsgID || got.Header.Version != ProtocolVersion {
		t.Errorf("header %+v, want %+v", got.Header, m.Header)
	}

	// Every received message is verified: a changed byte or another key is rejected.
	tampered := append([][]byte{}, frames...)
	tampered[5] = []byte(`{"code": "rm -rf /"}`)
	if _, err := s.decode(tampered); err == nil || !strings.Contains(err.Error(), "signature") {
		t.Errorf("tampered content: err = %v, want a signature error", err)
	}
	if _, err := (signer{key: []byte("other")}).decode(frames); err == nil {
		t.Errorf("message signed with another key accepted")
	}
	if _, err := s.decode(frames[2:]); err == nil || !strings.Contains(err.Error(), "delimiter") {
		t.Errorf("no delimiter: err = %v", err)
	}
	if _, err := s.decode(frames[:4]); err == nil || !strings.Contains(err.Error(), "frames") {
		t.Errorf("short message: err = %v", err)
	}
}

func TestNewConnection(t *testing.T) {
	c, err := NewConnection("k")
	if err != nil {
		t.Fatal(err)
	}
	ports := map[int]bool{c.ShellPort: true, c.ControlPort: true, c.StdinPort: true, c.IOPubPort: true, c.HBPort: true}
	if len(ports) != 5 || c.IP != "127.0.0.1" || c.SignatureScheme != "hmac-sha256" || len(c.Key) != 64 {
		t.Errorf("connection %+v: want 5 distinct loopback ports and a 64-hex-digit key", c)
	}
	c2, _ := NewConnection("k")
	if c2.Key == c.Key {
		t.Errorf("two connections share a key")
	}
}

func TestStartFailsClearly(t *testing.T) {
	exits := &kernelspec.Spec{Name: "exits", Argv: []string{"sh", "-c", "echo cannot start >&2; exit 7", "{connection_file}"}}
	_, err := Start(context.Background(), exits, Options{StartTimeout: 20 * time.Second})
	if !errors.Is(err, ErrDead) || !strings.Contains(err.Error(), "exit status 7") || !strings.Contains(err.Error(), "cannot start") {
		t.Errorf("kernel that exits: err = %v, want ErrDead with its exit status and output", err)
	}

	silent := &kernelspec.Spec{Name: "silent", Argv: []string{"sh", "-c", "sleep 60", "{connection_file}"}}
	start := time.Now()
	_, err = Start(context.Background(), silent, Options{StartTimeout: 500 * time.Millisecond})
	if err == nil || !strings.Contains(err.Error(), "within 500ms") {
		t.Errorf("kernel that never listens: err = %v", err)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("gave up after %v, want about the start timeout", d)
	}
}

func TestDescendantGroups(t *testing.T) {
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		t.Skip("no /proc")
	}
	if _, err := exec.LookPath("setsid"); err != nil {
		t.Skip("no setsid")
	}
	// A parent in its own group starts a helper in another group, like GoNB and gopls.
	cmd := exec.Command("sh", "-c", "setsid sleep 61 & wait")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL); cmd.Wait() }()
	var groups []int
	for i := 0; i < 50 && len(groups) == 0; i++ {
		time.Sleep(20 * time.Millisecond)
		groups = descendantGroups(cmd.Process.Pid)
	}
	if len(groups) != 1 || groups[0] == cmd.Process.Pid {
		t.Fatalf("descendantGroups = %v, want the helper's own group", groups)
	}
	killGroups(groups)
	for i := 0; i < 50; i++ {
		if syscall.Kill(-groups[0], 0) != nil {
			return // the helper's group is gone
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Errorf("helper group %d still alive after killGroups", groups[0])
}
