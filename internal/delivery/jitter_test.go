package delivery

import (
	"context"
	"slices"
	"testing"
	"testing/synctest"
	"time"
)

// busiest returns the most of times that fall within one window of width
// w.
func busiest(times []time.Time, w time.Duration) int {
	slices.SortFunc(times, func(a, b time.Time) int { return a.Compare(b) })
	most := 0
	for i, j := 0, 0; j < len(times); j++ {
		for times[j].Sub(times[i]) >= w {
			i++
		}
		most = max(most, j-i+1)
	}
	return most
}

// fleet makes n senders posting to be, as n processes of one fleet would.
func fleet(t *testing.T, be *fakeBackend, n int) []*Sender {
	t.Helper()
	s := make([]*Sender, n)
	for i := range s {
		s[i] = newFakeSender(t, be, Config{})
	}
	return s
}

// TestFleetRetryAfterSpreads: fifty processes told "Retry-After: 30" in
// the same instant come back between 30 and 45 s later (and a tick of
// their retry loops), spread out: never more than eight of them in one
// 100 ms (uniformly spread, about one in three windows has one).
func TestFleetRetryAfterSpreads(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		be := &fakeBackend{}
		be.set(answer{status: 503, retryAfter: "30"})
		senders := fleet(t, be, 50)
		start := time.Now()
		for i, tr := range senders {
			tr.Send(context.Background(), Background, Spans, spansFrom(t, i*4, 4), 4)
		}
		be.set(accept)
		time.Sleep(45*time.Second + 2*retryInterval)
		synctest.Wait()
		at := be.arrivals()[50:]
		if len(at) != 50 {
			t.Fatalf("%d requests after the 503s, want 50", len(at))
		}
		for _, a := range at {
			if d := a.Sub(start); d < 30*time.Second || d > 45*time.Second+retryInterval {
				t.Errorf("a process came back %v after Retry-After: 30", d)
			}
		}
		if most := busiest(at, 100*time.Millisecond); most > 8 {
			t.Errorf("%d of 50 processes came back within 100 ms", most)
		}
		if distinct, twice := be.unique(); distinct != 200 || twice != 0 {
			t.Errorf("%d distinct spans, %d twice; want 200 and 0", distinct, twice)
		}
	})
}

// TestFleetProbesSpread: fifty processes whose backend refuses from one
// instant on probe it at their own pace: after the first few seconds, no
// 100 ms holds more than eight of their probes.
func TestFleetProbesSpread(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		be := &fakeBackend{}
		be.set(answer{refuse: true})
		senders := fleet(t, be, 50)
		start := time.Now()
		for i, tr := range senders {
			tr.Send(context.Background(), Background, Spans, spansFrom(t, i*4, 4), 4)
		}
		time.Sleep(120 * time.Second)
		synctest.Wait()
		var late []time.Time
		for _, a := range be.arrivals() {
			if a.Sub(start) >= 5*time.Second {
				late = append(late, a)
			}
		}
		if len(late) < 200 {
			t.Fatalf("%d probes from 5 s to 120 s, want at least 200 (50 processes, about every 30 s)", len(late))
		}
		if most := busiest(late, 100*time.Millisecond); most > 8 {
			t.Errorf("%d probes within 100 ms", most)
		}
	})
}
