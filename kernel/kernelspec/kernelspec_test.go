package kernelspec

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestWriteFindRead(t *testing.T) {
	root := t.TempDir()
	t.Setenv("JUPYTER_PATH", filepath.Join(root, "a")+string(os.PathListSeparator)+filepath.Join(root, "b"))
	t.Setenv("JUPYTER_DATA_DIR", filepath.Join(root, "user"))
	spec := &Spec{
		Argv:          []string{"/bin/k", "--kernel", "{connection_file}"},
		DisplayName:   "K",
		Language:      "go",
		InterruptMode: "message",
		Env:           map[string]string{"PATH": "/x:${HOME_FOR_TEST}"},
	}
	dir, err := Write(filepath.Join(root, "b", "kernels"), "MyKernel", spec)
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Base(dir) != "mykernel" {
		t.Errorf("kernel dir %q, want lower-case name", dir)
	}
	info, _ := os.Stat(filepath.Join(dir, "kernel.json"))
	if _, err := Write(filepath.Join(root, "b", "kernels"), "MyKernel", spec); err != nil {
		t.Fatal(err)
	}
	if info2, _ := os.Stat(filepath.Join(dir, "kernel.json")); !info2.ModTime().Equal(info.ModTime()) {
		t.Errorf("rewriting the same spec touched the file")
	}
	got, err := Find("mykernel")
	if err != nil {
		t.Fatal(err)
	}
	if got.Dir != dir || got.DisplayName != "K" || got.InterruptMode != "message" {
		t.Errorf("Find = %+v", got)
	}
	t.Setenv("HOME_FOR_TEST", "/home/x")
	argv, env := got.Command("/tmp/c.json")
	if !slices.Equal(argv, []string{"/bin/k", "--kernel", "/tmp/c.json"}) {
		t.Errorf("argv = %q", argv)
	}
	if !slices.Equal(env, []string{"PATH=/x:/home/x"}) {
		t.Errorf("env = %q", env)
	}
	if names := List(); len(names) == 0 || names[0] != "mykernel" {
		t.Errorf("List = %q", names)
	}
}

func TestFindErrors(t *testing.T) {
	root := t.TempDir()
	t.Setenv("JUPYTER_PATH", root)
	t.Setenv("JUPYTER_DATA_DIR", filepath.Join(root, "user"))
	_, err := Find("nope")
	if err == nil || !strings.Contains(err.Error(), `no kernel named "nope"`) || !strings.Contains(err.Error(), root) {
		t.Errorf("Find(nope) = %v, want an error naming the kernel and the searched dirs", err)
	}
	if _, err := Find("../etc"); err == nil {
		t.Errorf("Find(../etc) accepted a path")
	}
	bad := filepath.Join(root, "kernels", "bad")
	os.MkdirAll(bad, 0o755)
	for _, tc := range []struct{ json, want string }{
		{`{"argv": []}`, "argv is empty"},
		{`{"argv": ["k"]}`, "no {connection_file}"},
		{`{"argv": ["k", "{connection_file}"], "interrupt_mode": "poke"}`, `interrupt_mode "poke"`},
		{`{"argv": `, "unexpected EOF"},
	} {
		os.WriteFile(filepath.Join(bad, "kernel.json"), []byte(tc.json), 0o644)
		if _, err := Find("bad"); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Find(bad) with %s = %v, want %q", tc.json, err, tc.want)
		}
	}
}
