package lambdatest

import (
	"bytes"
	"os"
	"strconv"
	"time"
)

// The emulator enforces the function's memory size the way Lambda's
// memory limit acts: a process tree that grows past it loses its runtime
// process to a SIGKILL, as the kernel's OOM killer does in Lambda's
// cgroup. It measures memory as Linux reports it in /proc: the resident
// set (VmRSS) of the runtime process and of every process it started, and
// its peak (VmHWM). Elsewhere nothing is measured or enforced.

// Bounds of the memory watch.
const (
	// memoryPollInterval is how often a running (not frozen) process tree
	// is measured. An allocation faster than this can overshoot the limit
	// before the kill; Lambda's cgroup stops it at the limit exactly.
	memoryPollInterval = 10 * time.Millisecond
	// treeRefreshPolls is how many polls reuse a list of descendants
	// before it is read again.
	treeRefreshPolls = 10
	// maxTreeProcesses bounds the processes measured in one tree.
	maxTreeProcesses = 256
)

// mib is a mebibyte, the unit Lambda calls MB.
const mib = 1 << 20

// memoryWatch is the memory accounting of one execution environment.
// Fields are guarded by Emulator.mu.
type memoryWatch struct {
	limit    uint64 // bytes; the function's memory size
	peak     uint64 // bytes; the highest resident memory of the tree seen
	killed   bool   // the runtime was killed for passing limit
	stopping bool   // the watch loop should end
}

// watchMemory measures g's process tree until the process exits, keeping
// its peak and killing the runtime process when the tree's resident
// memory passes the memory size. It skips the measurement while the
// environment is frozen. It runs in its own goroutine, counted in e.work.
func (e *Emulator) watchMemory(g *generation) {
	defer e.work.end()
	t := time.NewTicker(memoryPollInterval)
	defer t.Stop()
	var tree []int
	for n := 0; ; n++ {
		select {
		case <-t.C:
		case <-g.proc.exited:
			return
		case <-e.closed:
			return
		}
		e.mu.Lock()
		skip := g.frozen || g.mem.killed || g.mem.stopping
		e.mu.Unlock()
		if skip {
			continue
		}
		if n%treeRefreshPolls == 0 {
			tree = processTree(g.proc.pid)
		}
		rss, _ := treeMemory(tree)
		e.mu.Lock()
		g.mem.peak = max(g.mem.peak, rss)
		kill := rss > g.mem.limit && !g.mem.killed
		if kill {
			g.mem.killed = true
		}
		e.mu.Unlock()
		if kill {
			e.logf("OUT OF MEMORY: process %d and its children use %d MB, more than the memory size (%d MB): SIGKILL",
				g.proc.pid, rss/mib, g.mem.limit/mib)
			_ = g.proc.signalLeader(sigKill)
		}
	}
}

// maxMemoryUsedMB is the report's maxMemoryUsedMB: the peak resident
// memory of g's process tree so far, in whole MB rounded up, at most the
// memory size (a process that passed it was killed, as in Lambda, where
// the cgroup holds it at the limit).
func (e *Emulator) maxMemoryUsedMB(g *generation) int {
	var peak uint64
	if !g.proc.hasExited() {
		_, peak = treeMemory(processTree(g.proc.pid))
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	g.mem.peak = max(g.mem.peak, peak)
	if g.mem.killed || g.mem.peak > g.mem.limit {
		return int(g.mem.limit / mib)
	}
	return int((g.mem.peak + mib - 1) / mib)
}

// processTree returns pid and its descendants (at most maxTreeProcesses),
// read from /proc/<pid>/task/<tid>/children; just pid where that is not
// available.
func processTree(pid int) []int {
	tree := []int{pid}
	for i := 0; i < len(tree) && len(tree) < maxTreeProcesses; i++ {
		dir := "/proc/" + strconv.Itoa(tree[i]) + "/task"
		tasks, err := os.ReadDir(dir)
		if err != nil {
			continue
		}
		for _, task := range tasks {
			data, err := os.ReadFile(dir + "/" + task.Name() + "/children")
			if err != nil {
				continue
			}
			for _, f := range bytes.Fields(data) {
				if child, err := strconv.Atoi(string(f)); err == nil && len(tree) < maxTreeProcesses {
					tree = append(tree, child)
				}
			}
		}
	}
	return tree
}

// treeMemory sums VmRSS and VmHWM, in bytes, over the processes of tree
// that still exist.
func treeMemory(tree []int) (rss, peak uint64) {
	for _, pid := range tree {
		data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
		if err != nil {
			continue
		}
		rss += statusKB(data, "VmRSS:") * 1024
		peak += statusKB(data, "VmHWM:") * 1024
	}
	return rss, peak
}

// statusKB returns the value of a "Key:   1234 kB" line of
// /proc/<pid>/status, 0 if there is none.
func statusKB(status []byte, key string) uint64 {
	i := bytes.Index(status, []byte("\n"+key))
	if i < 0 {
		return 0
	}
	line := status[i+1+len(key):]
	if j := bytes.IndexByte(line, '\n'); j >= 0 {
		line = line[:j]
	}
	f := bytes.Fields(line)
	if len(f) == 0 {
		return 0
	}
	n, err := strconv.ParseUint(string(f[0]), 10, 64)
	if err != nil {
		return 0
	}
	return n
}
