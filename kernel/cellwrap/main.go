// Command cellwrap records the exit status of every program a course-kernel cell
// runs, out of band, so that the notebook runner (ci) can tell a failed cell from
// one that merely printed "exit status 1".
//
// Why: GoNB v0.11.3 reports a cell program's failure (os.Exit(n), a panic, a
// signal) only as stderr text, "exit status N", with execute_reply status "ok";
// its iopub error message and status "error" are kept for compile errors. A
// program can print that very text, so text cannot tell the runner whether the
// program failed. Only the program's parent knows its real exit status, so the
// kernel installer makes a small parent of ours sit between GoNB and the program:
//
//   - Installed as the kernel's "go" (first on the kernelspec's PATH), cellwrap
//     passes every go command on to the real go ($HOW_LLMS_WORK_GO), except the
//     build of a cell: "go build -o $GONB_TMP_DIR/NAME" (or "go test -c -o ...")
//     run from $GONB_TMP_DIR. That one it builds to NAME.prog (stripped, for a
//     faster link: see stripped) and puts a symbolic link NAME -> cellwrap in
//     its place.
//   - Run as NAME (GoNB runs the cell's binary), cellwrap runs NAME.prog with the
//     same arguments, standard files and environment, forwards the signals GoNB
//     sends, and appends two lines to the file named by $HOW_LLMS_WORK_EXIT_LOG,
//     when set: "start PPID PID" before, "end PPID PID STATUS" after, STATUS being
//     "exit N" or "signal NAME". It then exits the way the program did.
//
// A cell's !commands run in /bin/bash, which GoNB names by absolute path; the
// kernelspec's BASH_ENV script (exitlog.bash, written beside cellwrap) writes the
// same two lines for them. The runner reads only lines whose PPID is its kernel's
// process: the programs GoNB itself started for the cell. Output text never
// reaches that file, so it cannot forge a failure or hide one; a "start" with no
// "end" means the program was killed before it could say.
//
// Without $HOW_LLMS_WORK_EXIT_LOG (a notebook opened in Jupyter) nothing is
// recorded and the wrapper is invisible but for os.Getppid() in a cell.
package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"

	"github.com/how-llms-work/course/kernel/kernelspec"
)

func main() {
	if filepath.Base(os.Args[0]) == "go" {
		os.Exit(goCommand(os.Args[1:]))
	}
	os.Exit(wrap(os.Args))
}

// goCommand runs the real go; a cell's build goes to NAME.prog, NAME becoming a link to us.
func goCommand(args []string) int {
	real := os.Getenv(kernelspec.GoEnv)
	if real == "" {
		fmt.Fprintf(os.Stderr, "cellwrap: $%s is not set: reinstall the kernel (go run ./kernel install)\n", kernelspec.GoEnv)
		return 2
	}
	out, i := cellBuild(args)
	if i < 0 {
		err := syscall.Exec(real, append([]string{"go"}, args...), os.Environ())
		fmt.Fprintf(os.Stderr, "cellwrap: running %s: %v\n", real, err)
		return 2
	}
	args = append([]string(nil), args...)
	args[i] = out + ".prog"
	cmd := exec.Command(real, stripped(args)...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	if err := cmd.Run(); err != nil {
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			return exit.ExitCode()
		}
		fmt.Fprintln(os.Stderr, "cellwrap:", err)
		return 2
	}
	self, err := os.Executable()
	if err == nil {
		tmp := out + ".link"
		os.Remove(tmp)
		if err = os.Symlink(self, tmp); err == nil {
			err = os.Rename(tmp, out)
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "cellwrap: installing the exit-status wrapper:", err)
		return 2
	}
	return 0
}

// stripped adds -ldflags=-s -w to a cell's build unless it sets -ldflags
// itself: without the symbol table and DWARF the link of every cell takes
// about a quarter less time (measured 2.2 s to 1.6 s a cell, the build being
// most of what a cell costs). A panic's stack trace still names every function
// and line: the runtime reads those from the program's own tables, which
// stay; only debuggers lose what they need.
func stripped(args []string) []string {
	for _, a := range args {
		if a == "-ldflags" || strings.HasPrefix(a, "-ldflags=") || a == "--ldflags" || strings.HasPrefix(a, "--ldflags=") {
			return args
		}
	}
	return append([]string{args[0], "-ldflags=-s -w"}, args[1:]...)
}

// cellBuild recognises GoNB's build of a cell: go build (or go test -c) with -o
// naming a file directly in $GONB_TMP_DIR, run from that directory. It returns
// the output path and the index of its argument, or -1.
func cellBuild(args []string) (string, int) {
	dir := os.Getenv("GONB_TMP_DIR")
	if dir == "" || len(args) == 0 || (args[0] != "build" && args[0] != "test") {
		return "", -1
	}
	if wd, err := os.Getwd(); err != nil || filepath.Clean(wd) != filepath.Clean(dir) {
		return "", -1
	}
	for i := 1; i+1 < len(args); i++ {
		if args[i] == "-o" && filepath.Dir(args[i+1]) == filepath.Clean(dir) {
			return args[i+1], i + 1
		}
	}
	return "", -1
}

// wrap runs argv[0].prog as the cell's program and records how it ended.
func wrap(argv []string) int {
	log := os.Getenv(kernelspec.ExitLogEnv)
	record := func(format string, a ...any) {
		if log == "" {
			return
		}
		// O_APPEND: each line is one write, whole even beside other writers.
		if f, err := os.OpenFile(log, os.O_WRONLY|os.O_APPEND, 0); err == nil {
			fmt.Fprintf(f, format, a...)
			f.Close()
		}
	}
	var env []string
	for _, e := range os.Environ() {
		// The program's own bash scripts are not the cell's !commands.
		if !strings.HasPrefix(e, "BASH_ENV=") && !strings.HasPrefix(e, kernelspec.ExitLogEnv+"=") {
			env = append(env, e)
		}
	}
	cmd := exec.Command(argv[0]+".prog", argv[1:]...)
	cmd.Args[0] = argv[0]
	cmd.Env = env
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	// If GoNB kills us (SIGKILL after an interrupt), the program dies too: the
	// death signal is sent when the thread that started it ends, so keep it.
	runtime.LockOSThread()
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	sigs := make(chan os.Signal, 8)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGQUIT, syscall.SIGUSR1, syscall.SIGUSR2)
	if err := cmd.Start(); err != nil {
		fmt.Fprintln(os.Stderr, "cellwrap:", err)
		record("start %d %d\nend %d %d exit 127\n", os.Getppid(), os.Getpid(), os.Getppid(), os.Getpid())
		return 127
	}
	record("start %d %d\n", os.Getppid(), os.Getpid())
	go func() {
		for s := range sigs {
			cmd.Process.Signal(s)
		}
	}()
	cmd.Wait()
	signal.Stop(sigs)
	close(sigs)
	ws, _ := cmd.ProcessState.Sys().(syscall.WaitStatus)
	if ws.Signaled() {
		record("end %d %d signal %s\n", os.Getppid(), os.Getpid(), strings.ReplaceAll(ws.Signal().String(), " ", "_"))
		// Die of the same signal, so that GoNB says what it always says.
		signal.Reset(ws.Signal())
		syscall.Kill(os.Getpid(), ws.Signal())
		return 128 + int(ws.Signal())
	}
	record("end %d %d exit %d\n", os.Getppid(), os.Getpid(), ws.ExitStatus())
	return ws.ExitStatus()
}
