package delivery

import (
	"math/rand/v2"
	"time"
)

// The waits of a sender are drawn at random around their nominal length,
// so that the processes of a fleet hit by one outage do not act in step
// when it ends: a backend that comes back is not met by every process in
// the same instant.

// backoff is the wait before retry n (1 for the first retry): exponential
// from initialBackoff, capped at maxBackoff, between half and all of it.
func backoff(n int) time.Duration {
	d := initialBackoff
	for i := 1; i < n && d < maxBackoff; i++ {
		d *= 2
	}
	d = min(d, maxBackoff)
	return d/2 + randN(d/2)
}

// spread returns d drawn between half and one and a half of it: the
// interval between two probes of a backend that is down.
func spread(d time.Duration) time.Duration {
	if d <= 0 {
		return 0
	}
	return d/2 + randN(d)
}

// retryAfterJitter is how long to wait when the backend asked for d
// (Retry-After): never less than d, and up to half of it more, capped at
// maxRetryAfter. A backend that tells fifty clients "30 s" gets them back
// over 15 seconds, not all at once.
func retryAfterJitter(d time.Duration) time.Duration {
	if d <= 0 {
		return 0
	}
	return min(d+randN(d/2), max(d, maxRetryAfter))
}

// randN is a random duration in [0, d].
func randN(d time.Duration) time.Duration {
	if d <= 0 {
		return 0
	}
	return time.Duration(rand.Int64N(int64(d) + 1))
}
