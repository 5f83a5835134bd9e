package jupyter

import (
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/go-zeromq/zmq4"

	"github.com/how-llms-work/course/kernel/kernelspec"
)

// The test binary doubles as a fake kernel: with FAKE_KERNEL set, TestMain runs
// fakeKernel instead of the tests. Modes:
//
//	late    every execute_request gets its display_data only after the idle status
//	badsig  iopub messages are signed with the wrong key
func TestMain(m *testing.M) {
	if mode := os.Getenv("FAKE_KERNEL"); mode != "" {
		fakeKernel(mode, os.Args[len(os.Args)-1])
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func fakeKernel(mode, connFile string) {
	data, err := os.ReadFile(connFile)
	if err != nil {
		panic(err)
	}
	var c Connection
	if err := json.Unmarshal(data, &c); err != nil {
		panic(err)
	}
	ctx := context.Background()
	shell, control, iopub, hb := zmq4.NewRouter(ctx), zmq4.NewRouter(ctx), zmq4.NewPub(ctx), zmq4.NewRep(ctx)
	for _, l := range []struct {
		s    zmq4.Socket
		port int
	}{{shell, c.ShellPort}, {control, c.ControlPort}, {iopub, c.IOPubPort}, {hb, c.HBPort}} {
		if err := l.s.Listen(c.addr(l.port)); err != nil {
			panic(err)
		}
	}
	go func() {
		for {
			m, err := hb.Recv()
			if err != nil {
				return
			}
			hb.Send(m)
		}
	}()
	sg := signer{key: []byte(c.Key)}
	pubSigner := sg
	if mode == "badsig" {
		pubSigner = signer{key: []byte("not the key")}
	}
	send := func(s zmq4.Socket, sg signer, ids [][]byte, parent Header, typ string, content map[string]any) {
		frames, _ := sg.encode(&Message{Identities: ids, Header: newHeader("fake", typ), Parent: parent, Content: content})
		s.SendMulti(zmq4.NewMsgFrom(frames...))
	}
	go func() { // shutdown_request on control: exit
		for {
			if _, err := control.Recv(); err != nil {
				return
			}
			os.Exit(0)
		}
	}()
	count := 0
	for {
		raw, err := shell.Recv()
		if err != nil {
			return
		}
		req, err := sg.decode(raw.Frames)
		if err != nil {
			continue
		}
		status := func(state string) {
			send(iopub, pubSigner, nil, req.Header, "status", map[string]any{"execution_state": state})
		}
		status("busy")
		switch req.Type() {
		case "kernel_info_request":
			send(shell, sg, req.Identities, req.Header, "kernel_info_reply", map[string]any{"status": "ok", "protocol_version": "5.3"})
			status("idle")
		case "execute_request":
			count++
			send(iopub, pubSigner, nil, req.Header, "stream", map[string]any{"name": "stdout", "text": req.String("code") + "\n"})
			send(shell, sg, req.Identities, req.Header, "execute_reply", map[string]any{"status": "ok", "execution_count": count})
			status("idle")
			time.Sleep(50 * time.Millisecond)
			send(iopub, pubSigner, nil, req.Header, "display_data", map[string]any{
				"data": map[string]any{"text/html": "<b>late " + req.String("code") + "</b>"}, "metadata": map[string]any{}})
		}
	}
}

func fakeSpec(t *testing.T, mode string) *kernelspec.Spec {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	return &kernelspec.Spec{Name: "fake", Argv: []string{exe, "{connection_file}"}, Env: map[string]string{"FAKE_KERNEL": mode}}
}

func TestLateOutputsReachTheirCell(t *testing.T) {
	k, err := Start(context.Background(), fakeSpec(t, "late"), Options{StartTimeout: 20 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer k.Close()
	got := map[string][]string{}
	for _, code := range []string{"a", "b"} {
		reply, err := k.Execute(context.Background(), code, 10*time.Second, func(m *Message) {
			got[code] = append(got[code], m.Type())
		})
		if err != nil || reply.String("status") != "ok" {
			t.Fatalf("Execute(%q): reply %v, err %v", code, reply, err)
		}
	}
	k.Drain(500 * time.Millisecond)
	for _, code := range []string{"a", "b"} {
		if strings.Join(got[code], ",") != "stream,display_data" {
			t.Errorf("cell %q got %v, want its stream and its late display_data", code, got[code])
		}
	}
}

func TestBadSignatureFailsExecute(t *testing.T) {
	k, err := Start(context.Background(), fakeSpec(t, "badsig"), Options{StartTimeout: 3 * time.Second})
	if err == nil {
		k.Close()
	}
	if err == nil || !strings.Contains(err.Error(), "signature") {
		t.Errorf("kernel signing iopub with another key: Start err = %v, want a signature error", err)
	}
}
