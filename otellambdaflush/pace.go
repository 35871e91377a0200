package otellambdaflush

import (
	"sync"
	"time"
)

// The adaptive flush of ModeAuto (see flusher.due). While a function is
// invoked rarely, every invocation flushes before the process is frozen:
// its telemetry is in Logfire before the next event. Once invocations come
// often (the mean gap between their starts is under busyGap, after
// warmupInvocations), waiting for a later invocation costs little delay, so
// an invocation flushes only when the last flush is maxFlushAge old (or a
// full batch waits, or records are kept for a retry): at 20 invocations a
// second, one in forty pays for a flush. A long gap brings the mean back
// above busyGap at once, and every invocation flushes again.
const (
	// maxFlushAge bounds how long telemetry waits for a flush while the
	// function is busy: at most this plus the gap to the next invocation.
	// A flush waits for the backend's answer, a cost that a larger batch
	// hardly raises: at 20 invocations a second against a collector on
	// loopback, a flush every second added a median of about +250 µs to
	// each invocation's billed time, every two seconds none that the
	// noise could show (BenchmarkLambdaFlushPolicy in the e2e module).
	maxFlushAge = 2 * time.Second
	// busyGap is the mean gap between invocations under which the function
	// counts as busy: at least three invocations in four are then spared
	// a flush. Above it, little would be saved; and a function invoked
	// about once a second stays clear of the bound, always flushing.
	busyGap = 500 * time.Millisecond
	// warmupInvocations flush every time, whatever the gaps, before the
	// mean counts.
	warmupInvocations = 3
)

// pace follows how often a function is invoked: the mean gap between the
// starts of its invocations, weighted towards the recent ones (each new gap
// counts for a quarter).
type pace struct {
	mu   sync.Mutex
	seen int
	last time.Time     // start of the last invocation
	gap  time.Duration // the weighted mean gap
}

// started records the start of an invocation at now.
func (p *pace) started(now time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.seen > 0 {
		g := max(now.Sub(p.last), 0)
		if p.seen == 1 {
			p.gap = g
		} else {
			p.gap += (g - p.gap) / 4
		}
	}
	p.seen++
	p.last = now
}

// busy reports whether invocations come often enough that an invocation
// need not flush unless a flush is due anyway.
func (p *pace) busy() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.seen > warmupInvocations && p.gap < busyGap
}
