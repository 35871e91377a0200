package delivery

import (
	"sync"
	"sync/atomic"
	"time"
)

// Mode says how hard a delivery tries while the backend is failing. The
// export queue's own exports are Background; ForceFlush's are Flush;
// Shutdown's are Final.
type Mode int

const (
	// Background: an export of the queue's own. It tries once; while the
	// breaker is open it sends nothing until a probe is due, and what it
	// cannot send is left to the retry loop.
	Background Mode = iota
	// Flush: a ForceFlush. It retries for at most the probe timeout, and
	// while the breaker is open it probes once, briefly: a flush on Lambda
	// must not spend the invocation's time against a backend that fails.
	Flush
	// Final: a Shutdown. It tries everything within its context, outage
	// or not.
	Final
)

func (m Mode) String() string {
	switch m {
	case Background:
		return "background"
	case Flush:
		return "flush"
	}
	return "shutdown"
}

// A flush is made of several deliveries (each signal's queue, then the
// retry buffer) that together get one retry budget and at most one probe
// of a failing backend: they share a flushWindow. BeginFlush opens one
// for a whole ForceFlush; a flush-mode delivery outside it opens its own.

// flushWindow is what the deliveries of one flush share.
type flushWindow struct {
	// start is when the flush began: its retries and its probe of a
	// failing backend end by start plus the probe timeout.
	start time.Time
	// probed is set once a delivery of the flush has tried a failing
	// backend in vain: the others keep their records without trying.
	probed atomic.Bool
}

// flushes counts the flushes under way and holds their window.
type flushes struct {
	mu     sync.Mutex
	open   int
	window *flushWindow
}

// enter joins the window of the flushes under way, or opens one.
func (f *flushes) enter() *flushWindow {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.open == 0 {
		f.window = &flushWindow{start: time.Now()}
	}
	f.open++
	return f.window
}

// leave ends a flush that entered.
func (f *flushes) leave() {
	f.mu.Lock()
	f.open--
	f.mu.Unlock()
}
