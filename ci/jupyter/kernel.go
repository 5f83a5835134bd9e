package jupyter

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/go-zeromq/zmq4"

	"github.com/how-llms-work/course/ci/reap"
	"github.com/how-llms-work/course/kernel/kernelspec"
)

// Connection is the content of a kernel connection file.
type Connection struct {
	Transport       string `json:"transport"`
	IP              string `json:"ip"`
	ShellPort       int    `json:"shell_port"`
	ControlPort     int    `json:"control_port"`
	StdinPort       int    `json:"stdin_port"`
	IOPubPort       int    `json:"iopub_port"`
	HBPort          int    `json:"hb_port"`
	Key             string `json:"key"`
	SignatureScheme string `json:"signature_scheme"`
	KernelName      string `json:"kernel_name"`
}

// NewConnection picks five free loopback ports and a random signing key.
func NewConnection(kernelName string) (Connection, error) {
	var ports [5]int
	var listeners []net.Listener
	defer func() {
		for _, l := range listeners {
			l.Close()
		}
	}()
	for i := range ports {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return Connection{}, fmt.Errorf("finding a free port: %w", err)
		}
		listeners = append(listeners, l)
		ports[i] = l.Addr().(*net.TCPAddr).Port
	}
	return Connection{
		Transport: "tcp", IP: "127.0.0.1",
		ShellPort: ports[0], ControlPort: ports[1], StdinPort: ports[2], IOPubPort: ports[3], HBPort: ports[4],
		Key: newID() + newID(), SignatureScheme: "hmac-sha256", KernelName: kernelName,
	}, nil
}

func (c Connection) addr(port int) string { return fmt.Sprintf("%s://%s:%d", c.Transport, c.IP, port) }

// Options tune how a kernel is started and watched. Zero values pick the defaults.
type Options struct {
	Dir              string        // working directory of the kernel (default: the current one)
	Env              []string      // extra environment, after the kernelspec's
	StartTimeout     time.Duration // time for the kernel to answer kernel_info (default 60s)
	HeartbeatTimeout time.Duration // silence on the heartbeat channel that means the kernel is dead (default 30s)
	InterruptGrace   time.Duration // time a timed-out cell gets to stop after an interrupt (default 10s)
	// Tag marks every process the kernel starts (default: a fresh one); Close
	// kills them all, even those that left the kernel's group or session.
	Tag reap.Tag
}

func (o *Options) defaults() {
	if o.StartTimeout == 0 {
		o.StartTimeout = 60 * time.Second
	}
	if o.HeartbeatTimeout == 0 {
		o.HeartbeatTimeout = 30 * time.Second
	}
	if o.InterruptGrace == 0 {
		o.InterruptGrace = 10 * time.Second
	}
	if o.Tag == "" {
		o.Tag = reap.NewTag()
	}
}

type incoming struct {
	channel string
	msg     *Message
	err     error
}

// Kernel is a running kernel process and the client's sockets to it.
type Kernel struct {
	Spec *kernelspec.Spec
	Info map[string]any // content of the kernel_info_reply

	opts     Options
	conn     Connection
	connFile string
	signer   signer
	session  string
	cmd      *exec.Cmd
	log      *tail

	ctx                       context.Context
	cancel                    context.CancelFunc
	shell, control, iopub, hb zmq4.Socket
	sendMu                    sync.Mutex

	msgs     chan incoming
	exited   chan struct{} // closed when the process has exited
	dead     chan struct{} // closed when the kernel is known dead
	deadOnce sync.Once
	deadWhy  error

	helpers []int // process groups of helpers the kernel started (GoNB's gopls)

	// outputs holds each Execute's onOutput by execute_request id, for late outputs.
	// Only the goroutine calling Execute and Drain uses it.
	outputs map[string]func(*Message)
}

// ErrDead is wrapped by errors reporting that the kernel died.
var ErrDead = errors.New("kernel died")

// Start launches the kernel described by spec and completes the kernel_info handshake.
func Start(ctx context.Context, spec *kernelspec.Spec, opts Options) (*Kernel, error) {
	opts.defaults()
	conn, err := NewConnection(spec.Name)
	if err != nil {
		return nil, err
	}
	f, err := os.CreateTemp("", "kernel-*.json")
	if err != nil {
		return nil, fmt.Errorf("writing connection file: %w", err)
	}
	data, _ := json.MarshalIndent(conn, "", "  ")
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(f.Name())
		return nil, fmt.Errorf("writing connection file: %w", err)
	}
	k := &Kernel{
		Spec: spec, opts: opts, conn: conn, connFile: f.Name(),
		signer: signer{key: []byte(conn.Key)}, session: newID(),
		msgs: make(chan incoming, 4096), exited: make(chan struct{}), dead: make(chan struct{}),
		log: &tail{max: 8 << 10}, outputs: make(map[string]func(*Message)),
	}
	k.ctx, k.cancel = context.WithCancel(context.Background())
	argv, env := spec.Command(k.connFile)
	k.cmd = exec.Command(argv[0], argv[1:]...)
	k.cmd.Dir = opts.Dir
	k.cmd.Env = append(append(append(os.Environ(), env...), opts.Env...), opts.Tag.Env())
	k.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	k.cmd.Stdout, k.cmd.Stderr = k.log, k.log // its tail goes into errors
	if err := k.cmd.Start(); err != nil {
		os.Remove(k.connFile)
		return nil, fmt.Errorf("starting kernel %q (%s): %w", spec.Name, argv[0], err)
	}
	go func() {
		err := k.cmd.Wait()
		k.markDead(fmt.Errorf("%w: process exited (%v)", ErrDead, err))
		close(k.exited)
	}()
	if err := k.connect(ctx); err != nil {
		k.Close()
		return nil, fmt.Errorf("kernel %q: %w", spec.Name, err)
	}
	return k, nil
}

func (k *Kernel) connect(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, k.opts.StartTimeout)
	defer cancel()
	// Dialing retries until the kernel listens; it stops when Close cancels k.ctx.
	retry := []zmq4.Option{zmq4.WithDialerMaxRetries(-1), zmq4.WithDialerRetry(100 * time.Millisecond)}
	k.shell = zmq4.NewDealer(k.ctx, append(retry, zmq4.WithID(zmq4.SocketIdentity(k.session)))...)
	k.control = zmq4.NewDealer(k.ctx, append(retry, zmq4.WithID(zmq4.SocketIdentity(k.session+"-control")))...)
	k.iopub = zmq4.NewSub(k.ctx, retry...)
	k.hb = zmq4.NewReq(k.ctx, retry...)
	dialed := make(chan error, 1)
	go func() {
		for _, s := range []struct {
			sock zmq4.Socket
			port int
			name string
		}{{k.shell, k.conn.ShellPort, "shell"}, {k.control, k.conn.ControlPort, "control"}, {k.iopub, k.conn.IOPubPort, "iopub"}, {k.hb, k.conn.HBPort, "heartbeat"}} {
			if err := s.sock.Dial(k.conn.addr(s.port)); err != nil {
				dialed <- fmt.Errorf("connecting to the %s channel: %w", s.name, err)
				return
			}
		}
		dialed <- nil
	}()
	select {
	case err := <-dialed:
		if err != nil {
			return err
		}
	case <-k.dead:
		return k.deadErr()
	case <-ctx.Done():
		return fmt.Errorf("did not start listening within %v%s", k.opts.StartTimeout, k.logTail())
	}
	if err := k.iopub.SetOption(zmq4.OptionSubscribe, ""); err != nil {
		return fmt.Errorf("subscribing to iopub: %w", err)
	}
	go k.read("shell", k.shell)
	go k.read("control", k.control)
	go k.read("iopub", k.iopub)
	go k.heartbeat()

	// kernel_info handshake: repeat the request until a reply and an iopub message for
	// it both arrive, which proves the iopub subscription is live.
	for {
		id, err := k.send(k.shell, "kernel_info_request", nil)
		if err != nil {
			return err
		}
		var reply *Message
		iopubLive := false
		retry := time.After(time.Second)
	wait:
		for reply == nil || !iopubLive {
			select {
			case in := <-k.msgs:
				if in.err != nil {
					return in.err
				}
				if in.msg.Parent.MsgID != id {
					continue
				}
				if in.channel == "iopub" {
					iopubLive = true
				} else if in.msg.Type() == "kernel_info_reply" {
					reply = in.msg
				}
			case <-retry:
				break wait
			case <-k.dead:
				return k.deadErr()
			case <-ctx.Done():
				return fmt.Errorf("no kernel_info_reply within %v%s", k.opts.StartTimeout, k.logTail())
			}
		}
		if reply != nil && iopubLive {
			k.Info = reply.Content
			k.helpers = descendantGroups(k.cmd.Process.Pid)
			return k.drainIdle(ctx)
		}
	}
}

// drainIdle discards messages until no new one arrives for a moment, so that the
// replies to repeated kernel_info requests do not linger.
func (k *Kernel) drainIdle(ctx context.Context) error {
	for {
		select {
		case in := <-k.msgs:
			if in.err != nil {
				return in.err
			}
		case <-time.After(200 * time.Millisecond):
			return nil
		case <-k.dead:
			return k.deadErr()
		case <-ctx.Done():
			return nil
		}
	}
}

func (k *Kernel) read(channel string, s zmq4.Socket) {
	for {
		raw, err := s.Recv()
		if k.ctx.Err() != nil {
			return
		}
		if err != nil {
			// The connection broke: most likely the kernel died, which the process
			// watcher reports with its exit status. Otherwise report the broken channel.
			select {
			case <-k.dead:
			case <-k.ctx.Done():
			case <-time.After(5 * time.Second):
				k.markDead(fmt.Errorf("%w: lost the %s channel: %v", ErrDead, channel, err))
			}
			return
		}
		msg, err := k.signer.decode(raw.Frames)
		if err != nil {
			err = fmt.Errorf("%s channel: %w", channel, err)
		}
		select {
		case k.msgs <- incoming{channel: channel, msg: msg, err: err}:
		case <-k.ctx.Done():
			return
		}
	}
}

// heartbeat pings the kernel every second and marks it dead after HeartbeatTimeout of silence.
func (k *Kernel) heartbeat() {
	for {
		if err := k.hb.Send(zmq4.NewMsgString("ping")); err != nil {
			if k.ctx.Err() == nil {
				k.markDead(fmt.Errorf("%w: heartbeat: %v", ErrDead, err))
			}
			return
		}
		got := make(chan error, 1)
		go func() {
			_, err := k.hb.Recv()
			got <- err
		}()
		select {
		case err := <-got:
			if err != nil {
				if k.ctx.Err() == nil {
					k.markDead(fmt.Errorf("%w: heartbeat: %v", ErrDead, err))
				}
				return
			}
		case <-time.After(k.opts.HeartbeatTimeout):
			k.markDead(fmt.Errorf("%w: no heartbeat for %v", ErrDead, k.opts.HeartbeatTimeout))
			return
		case <-k.ctx.Done():
			return
		}
		select {
		case <-time.After(time.Second):
		case <-k.ctx.Done():
			return
		}
	}
}

func (k *Kernel) markDead(err error) {
	k.deadOnce.Do(func() {
		k.deadWhy = err
		close(k.dead)
	})
}

func (k *Kernel) deadErr() error {
	return fmt.Errorf("%w%s", k.deadWhy, k.logTail())
}

func (k *Kernel) logTail() string {
	s := strings.TrimSpace(k.log.String())
	if s == "" {
		return ""
	}
	return "\nkernel output (last lines):\n" + s
}

// send signs and sends a request, returning its msg_id.
func (k *Kernel) send(s zmq4.Socket, msgType string, content map[string]any) (string, error) {
	m := &Message{Header: newHeader(k.session, msgType), Content: content}
	frames, err := k.signer.encode(m)
	if err != nil {
		return "", err
	}
	// A send to a dead kernel may block: give up when the kernel is known dead.
	sent := make(chan error, 1)
	go func() {
		k.sendMu.Lock()
		defer k.sendMu.Unlock()
		sent <- s.SendMulti(zmq4.NewMsgFrom(frames...))
	}()
	select {
	case err := <-sent:
		if err != nil {
			return "", fmt.Errorf("sending %s: %w", msgType, err)
		}
	case <-k.dead:
		return "", k.deadErr()
	case <-time.After(30 * time.Second):
		return "", fmt.Errorf("sending %s: no progress in 30s", msgType)
	}
	return m.Header.MsgID, nil
}

// ErrTimeout is wrapped by Execute's error when a cell ran past its timeout.
var ErrTimeout = errors.New("timed out")

// Execute runs code and calls onOutput for every iopub message the execution
// produces (stream, display_data, execute_result, error, clear_output, …), in arrival
// order. It returns the execute_reply once the kernel is idle again.
//
// GoNB may publish a cell's display messages after its idle status: such late
// messages still go to their own cell's onOutput, during a later Execute or Drain.
//
// When the cell runs past timeout (0 means none), the kernel is interrupted and
// Execute returns an error wrapping ErrTimeout; if the kernel does not stop within
// the interrupt grace period it is killed. When the kernel dies, the error wraps ErrDead.
func (k *Kernel) Execute(ctx context.Context, code string, timeout time.Duration, onOutput func(*Message)) (*Message, error) {
	id, err := k.send(k.shell, "execute_request", map[string]any{
		"code": code, "silent": false, "store_history": true,
		"user_expressions": map[string]any{}, "allow_stdin": false, "stop_on_error": true,
	})
	if err != nil {
		return nil, err
	}
	k.outputs[id] = onOutput
	var deadline <-chan time.Time
	if timeout > 0 {
		deadline = time.After(timeout)
	}
	var reply *Message
	idle, timedOut := false, false
	for reply == nil || !idle {
		select {
		case in := <-k.msgs:
			if in.err != nil {
				return reply, in.err
			}
			m := in.msg
			if m.Parent.MsgID != id {
				k.late(in)
				continue
			}
			switch {
			case in.channel == "shell" && m.Type() == "execute_reply":
				reply = m
			case in.channel == "iopub" && m.Type() == "status":
				idle = m.String("execution_state") == "idle"
			case in.channel == "iopub":
				onOutput(m)
			}
		case <-deadline:
			timedOut = true
			if err := k.Interrupt(); err != nil {
				k.Kill()
				return reply, fmt.Errorf("%w after %v; interrupting failed (%v), kernel killed", ErrTimeout, timeout, err)
			}
			deadline = nil
			grace := time.AfterFunc(k.opts.InterruptGrace, k.Kill)
			defer grace.Stop()
		case <-k.dead:
			if timedOut {
				return reply, fmt.Errorf("%w after %v; the kernel did not stop within %v of an interrupt and was killed",
					ErrTimeout, timeout, k.opts.InterruptGrace)
			}
			return reply, k.deadErr()
		case <-ctx.Done():
			return reply, ctx.Err()
		}
	}
	if timedOut {
		return reply, fmt.Errorf("%w after %v (interrupted)", ErrTimeout, timeout)
	}
	return reply, nil
}

// late delivers an output that arrived after its cell finished to that cell.
func (k *Kernel) late(in incoming) {
	if in.channel != "iopub" || in.msg.Type() == "status" {
		return
	}
	if h := k.outputs[in.msg.Parent.MsgID]; h != nil {
		h(in.msg)
	}
}

// Drain delivers late outputs of executed cells until the kernel has been quiet
// for the given time (or has died).
func (k *Kernel) Drain(quiet time.Duration) {
	for {
		select {
		case in := <-k.msgs:
			if in.err == nil {
				k.late(in)
			}
		case <-time.After(quiet):
			return
		case <-k.dead:
			return
		}
	}
}

// Interrupt interrupts the running cell, as the kernelspec's interrupt_mode says:
// an interrupt_request on the control channel, or SIGINT to the kernel's process group.
func (k *Kernel) Interrupt() error {
	if k.Spec.InterruptMode == "message" {
		_, err := k.send(k.control, "interrupt_request", nil)
		return err
	}
	return syscall.Kill(-k.cmd.Process.Pid, syscall.SIGINT)
}

// Tag is the mark every process started by the kernel carries.
func (k *Kernel) Tag() reap.Tag { return k.opts.Tag }

// Pid is the kernel's process id (also its process group id).
func (k *Kernel) Pid() int { return k.cmd.Process.Pid }

// Kill kills the kernel's whole process group.
func (k *Kernel) Kill() {
	_ = syscall.Kill(-k.cmd.Process.Pid, syscall.SIGKILL)
}

// Close asks the kernel to shut down, kills its process group if it has not exited
// within a few seconds, kills every other process carrying its tag (see
// Options.Tag), and releases the sockets and the connection file.
func (k *Kernel) Close() {
	select {
	case <-k.exited:
	default:
		if k.Info != nil { // connected: ask politely first
			if _, err := k.send(k.control, "shutdown_request", map[string]any{"restart": false}); err == nil {
				select {
				case <-k.exited:
				case <-time.After(3 * time.Second):
				}
			}
		}
	}
	select {
	case <-k.exited:
	default:
		k.helpers = append(k.helpers, descendantGroups(k.cmd.Process.Pid)...)
	}
	k.Kill() // also reaps cell processes left in the group
	<-k.exited
	// Helpers in their own process group outlive a killed kernel: kill them too,
	// while the group's leader (the helper itself) is still there.
	var orphans []int
	for _, p := range processes() {
		if p.pid == p.pgid && slices.Contains(k.helpers, p.pgid) {
			orphans = append(orphans, p.pgid)
		}
	}
	killGroups(orphans)
	// Whatever the cells started in a session of its own (setsid, a
	// daemonising shell command) still carries the kernel's tag.
	k.opts.Tag.Kill()
	k.cancel()
	for _, s := range []zmq4.Socket{k.shell, k.control, k.iopub, k.hb} {
		if s != nil {
			_ = s.Close()
		}
	}
	os.Remove(k.connFile)
}
