package delivery

import (
	"sync"
	"time"
)

// DefaultProbeTimeout bounds an export to a backend that is failing.
const DefaultProbeTimeout = 250 * time.Millisecond

// Probes of the export queue's own exports back off from
// firstProbeInterval to maxProbeInterval while the outage lasts.
const (
	firstProbeInterval = time.Second
	maxProbeInterval   = 30 * time.Second
)

// Breaker remembers that a destination's backend failed, so that the
// exports after a failure do not each spend their whole deadline against
// it. While it is open:
//
//   - a flush tries once, for at most the probe timeout, and keeps what it
//     cannot send in the retry buffer;
//   - the export queue's own exports send nothing until a probe is due
//     (they back off from a second to half a minute, each interval drawn
//     at random between half and one and a half of its nominal length, so
//     that the probes of a fleet hit by one outage do not bunch);
//   - nothing is sent before a Retry-After the backend gave has passed,
//     plus a random part of up to half of it (so that a backend that tells
//     many clients "30 s" does not get them all back at once), except by
//     Shutdown.
//
// The first request that succeeds closes it. Shutdown always tries.
type Breaker struct {
	probe time.Duration

	mu         sync.Mutex
	open       bool
	cause      string
	retryAfter time.Time // the backend asked for no request before this
	nextProbe  time.Time // background exports send nothing before this
	interval   time.Duration
	failures   int       // in a row
	lastOK     time.Time // when a request last succeeded
	onChange   func(open bool, cause string)
}

func newBreaker(probe time.Duration, onChange func(open bool, cause string)) *Breaker {
	if probe <= 0 {
		probe = DefaultProbeTimeout
	}
	return &Breaker{probe: probe, onChange: onChange}
}

// admit says whether an export in mode m may send now and, if the breaker
// is open, the longest its first attempt may take (0: no limit). A
// background export it lets through while open is that interval's probe.
func (b *Breaker) admit(m Mode, now time.Time) (ok bool, limit time.Duration) {
	b.mu.Lock()
	defer b.mu.Unlock()
	ok, probe := b.decide(m, now)
	if !ok || !probe {
		return ok, 0
	}
	if m == Background {
		// One background probe per interval, whoever comes first.
		b.interval = min(max(b.interval*2, firstProbeInterval), maxProbeInterval)
		b.nextProbe = now.Add(spread(b.interval))
	}
	return true, b.probe
}

// decide says whether an export in mode m may send now, and whether it is
// a probe of an open breaker (bounded by the probe timeout). b.mu is held.
func (b *Breaker) decide(m Mode, now time.Time) (ok, probe bool) {
	switch {
	case m == Final:
		return true, false
	case now.Before(b.retryAfter):
		return false, false
	case !b.open:
		return true, false
	case m == Flush:
		return true, true
	}
	return !now.Before(b.nextProbe), true
}

// succeeded closes the breaker.
func (b *Breaker) succeeded() {
	b.mu.Lock()
	was := b.open
	b.open, b.cause, b.interval, b.failures = false, "", 0, 0
	b.lastOK = time.Now()
	b.retryAfter, b.nextProbe = time.Time{}, time.Time{}
	cb := b.onChange
	b.mu.Unlock()
	if was && cb != nil {
		cb(false, "")
	}
}

// openAfter is how many failed requests in a row open the breaker when
// none of them said the backend was down.
const openAfter = 3

// failed records a request that failed for cause; wait is a Retry-After
// the backend asked for (0 if none). The breaker opens at once if open is
// set (the backend is down, or an export gave up), else after openAfter
// failures in a row.
func (b *Breaker) failed(cause string, wait time.Duration, now time.Time, open bool) {
	b.mu.Lock()
	was := b.open
	b.failures++
	if open || b.failures >= openAfter {
		b.open = true
	}
	b.cause = cause
	if until := now.Add(retryAfterJitter(wait)); wait > 0 && until.After(b.retryAfter) {
		b.retryAfter = until
	}
	if b.open && !was {
		b.interval = firstProbeInterval / 2
		b.nextProbe = now.Add(spread(firstProbeInterval))
	}
	cb := b.onChange
	opened := b.open && !was
	b.mu.Unlock()
	if opened && cb != nil {
		cb(true, cause)
	}
}

// succeededSince reports whether a request succeeded after start: a
// failure of a request that began before says nothing of the backend now.
func (b *Breaker) succeededSince(start time.Time) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.lastOK.After(start)
}

// allows reports whether admit would let an export in mode m send now
// (without counting a probe).
func (b *Breaker) allows(m Mode, now time.Time) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	ok, _ := b.decide(m, now)
	return ok
}

// wait is how long from now until a background export may send: until a
// Retry-After has passed and, while the breaker is open, until the next
// probe is due; 0 if it may send now.
func (b *Breaker) wait(now time.Time) time.Duration {
	b.mu.Lock()
	defer b.mu.Unlock()
	until := b.retryAfter
	if b.open && b.nextProbe.After(until) {
		until = b.nextProbe
	}
	return max(until.Sub(now), 0)
}

// state reports whether the breaker is open and why.
func (b *Breaker) state() (open bool, cause string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.open, b.cause
}
