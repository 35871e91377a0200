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
// second, one in twenty pays for a flush. A long gap brings the mean back
// above busyGap at once, and every invocation flushes again.
const (
	// maxFlushAge bounds how long telemetry waits for a flush while the
	// function is busy: at most this plus the gap to the next invocation.
	maxFlushAge = time.Second
	// busyGap is the mean gap between invocations under which the function
	// counts as busy. At half of maxFlushAge at least every other
	// invocation is spared a flush; above it, little would be saved.
	busyGap = maxFlushAge / 2
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
