package jupyter

import (
	"os"
	"strconv"
	"strings"
	"syscall"
)

// proc is what /proc/PID/stat says about a process's family.
type proc struct{ pid, ppid, pgid int }

// processes lists the running processes (Linux /proc; nil elsewhere).
func processes() []proc {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	var ps []proc
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		data, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		// "pid (comm) state ppid pgrp ...": comm may hold spaces and parentheses.
		s := string(data)
		i := strings.LastIndexByte(s, ')')
		if i < 0 {
			continue
		}
		f := strings.Fields(s[i+1:])
		if len(f) < 3 {
			continue
		}
		ppid, _ := strconv.Atoi(f[1])
		pgid, _ := strconv.Atoi(f[2])
		ps = append(ps, proc{pid, ppid, pgid})
	}
	return ps
}

// descendantGroups returns the process groups, other than pid's own, of pid's
// descendants: helpers a kernel started in their own group (GoNB runs gopls that
// way), which killing the kernel's group would leave behind.
func descendantGroups(pid int) []int {
	ps := processes()
	children := make(map[int][]proc)
	for _, p := range ps {
		children[p.ppid] = append(children[p.ppid], p)
	}
	seen := map[int]bool{pid: true}
	var groups []int
	stack := []int{pid}
	for len(stack) > 0 {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		for _, c := range children[n] {
			if c.pgid != pid && !seen[c.pgid] {
				seen[c.pgid] = true
				groups = append(groups, c.pgid)
			}
			stack = append(stack, c.pid)
		}
	}
	return groups
}

// killGroups kills the given process groups, skipping any that no longer exist.
func killGroups(groups []int) {
	for _, g := range groups {
		if g > 1 {
			_ = syscall.Kill(-g, syscall.SIGKILL)
		}
	}
}
