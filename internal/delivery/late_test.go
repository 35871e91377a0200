package delivery

import (
	"context"
	"testing"
	"testing/synctest"
	"time"
)

// flushOnce sends a request of n spans from first in a flush of its own
// bounded by d, and returns how long it took.
func flushOnce(t *testing.T, tr *Sender, first, n int, d time.Duration) time.Duration {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	start := time.Now()
	end := tr.BeginFlush()
	tr.Send(ctx, Flush, Spans, spansFrom(t, first, n), n)
	end()
	return time.Since(start)
}

// TestFlushLeavesALateRequestUnderWay: a backend that answers after 1.5 s
// gets a flush of 1 s: the flush returns in time with the records counted
// as buffered, the request goes on, and its answer delivers them, once;
// nothing is sent twice and nothing is counted as resent.
func TestFlushLeavesALateRequestUnderWay(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		be := &fakeBackend{}
		be.set(answer{delay: 1500 * time.Millisecond})
		tr := newFakeSender(t, be, Config{ProbeTimeout: 5 * time.Second})
		if took := flushOnce(t, tr, 0, 10, time.Second); took > time.Second {
			t.Errorf("the flush took %v of its 1 s", took)
		}
		if s := tr.Counters().Snapshot(); s.Buffered[Spans] != 10 || s.Delivered[Spans] != 0 || tr.Buffered()[Spans] != 10 {
			t.Errorf("after the flush: %d buffered (%d by the sender), %d delivered; want 10, 10, 0", s.Buffered[Spans], tr.Buffered()[Spans], s.Delivered[Spans])
		}
		time.Sleep(time.Second)
		synctest.Wait()
		s := tr.Counters().Snapshot()
		if s.Delivered[Spans] != 10 || s.Buffered[Spans] != 0 || s.Resent[Spans] != 0 || tr.Buffered()[Spans] != 0 {
			t.Errorf("after the answer: %d delivered, %d buffered, %d resent; want 10, 0, 0", s.Delivered[Spans], s.Buffered[Spans], s.Resent[Spans])
		}
		if distinct, twice := be.unique(); distinct != 10 || twice != 0 || be.requests() != 1 {
			t.Errorf("%d requests, %d distinct spans, %d twice; want 1, 10, 0", be.requests(), distinct, twice)
		}
		if open, _ := tr.Outage(); open {
			t.Error("the breaker is open after the late answer succeeded")
		}
	})
}

// TestLateFailureIsKept: a late request that fails (503 after 1.5 s) is
// kept and sent again (by the next flush, or by a probe of the retry loop
// if one comes first); its records arrive once.
func TestLateFailureIsKept(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		be := &fakeBackend{}
		be.set(answer{delay: 1500 * time.Millisecond, status: 503})
		tr := newFakeSender(t, be, Config{ProbeTimeout: 5 * time.Second})
		flushOnce(t, tr, 0, 10, time.Second)
		time.Sleep(time.Second)
		synctest.Wait()
		if got := tr.Buffered()[Spans]; got != 10 {
			t.Fatalf("%d buffered after the late 503, want 10", got)
		}
		be.set(accept)
		flushOnce(t, tr, 10, 5, 10*time.Second)
		time.Sleep(10 * time.Second) // a probe under way when the flush came ends
		synctest.Wait()
		s := tr.Counters().Snapshot()
		if s.Delivered[Spans] != 15 || s.Buffered[Spans] != 0 || s.Resent[Spans] != 0 {
			t.Errorf("%d delivered, %d buffered, %d resent; want 15, 0, 0", s.Delivered[Spans], s.Buffered[Spans], s.Resent[Spans])
		}
		if distinct, twice := be.unique(); distinct != 15 || twice != 0 {
			t.Errorf("%d distinct spans, %d twice; want 15, 0", distinct, twice)
		}
	})
}

// TestResentIsCounted: a backend that keeps a request but whose answer is
// lost (the connection breaks) gets it again, as at-least-once delivery
// must; the sender counts those records as resent, so that the user can
// learn that the backend may have them twice.
func TestResentIsCounted(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		be := &fakeBackend{}
		be.set(answer{lost: true})
		tr := newFakeSender(t, be, Config{})
		tr.Send(context.Background(), Background, Spans, spansFrom(t, 0, 7), 7)
		be.set(accept)
		flushOnce(t, tr, 7, 3, 10*time.Second)
		s := tr.Counters().Snapshot()
		_, twice := be.unique()
		if s.Delivered[Spans] != 10 || s.Resent[Spans] != 7 || twice != 7 {
			t.Errorf("%d delivered, %d counted as resent, %d received twice; want 10, 7, 7", s.Delivered[Spans], s.Resent[Spans], twice)
		}
	})
}

// TestShutdownWaitsForLateRequests: Shutdown lets a request a flush left
// under way end (within its context) before it ends the sender: its
// records are delivered, not dropped.
func TestShutdownWaitsForLateRequests(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		be := &fakeBackend{}
		be.set(answer{delay: 1500 * time.Millisecond})
		tr := newFakeSender(t, be, Config{ProbeTimeout: 5 * time.Second})
		flushOnce(t, tr, 0, 10, time.Second)
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		tr.Shutdown(ctx)
		s := tr.Counters().Snapshot()
		if s.Delivered[Spans] != 10 || s.DroppedTotal(Spans) != 0 || be.requests() != 1 {
			t.Errorf("%d delivered, %d dropped, %d requests; want 10, 0, 1", s.Delivered[Spans], s.DroppedTotal(Spans), be.requests())
		}
	})
}

// TestSlowBackendGetsProbesOnce: a backend that comes back from an outage
// answering every request a second late gets the breaker's probes (250 ms
// each) and the queue's exports meanwhile; each probe's request goes on
// past the probe, so every span arrives once, none is counted as resent,
// and the breaker closes.
func TestSlowBackendGetsProbesOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		be := &fakeBackend{}
		tr := newFakeSender(t, be, Config{})
		next := outage(t, tr, be, 4, 10)
		be.set(answer{delay: time.Second})
		for range 40 { // 20 s of the queue's exports, two a second
			tr.Send(context.Background(), Background, Spans, spansFrom(t, next, 10), 10)
			next += 10
			time.Sleep(500 * time.Millisecond)
		}
		time.Sleep(maxProbeInterval*3/2 + 2*drainPace + 2*time.Second)
		synctest.Wait()
		s := tr.Counters().Snapshot()
		distinct, twice := be.unique()
		if distinct != next || twice != 0 || s.Delivered[Spans] != int64(next) || s.Resent[Spans] != 0 || tr.Buffered()[Spans] != 0 {
			t.Errorf("%d distinct spans of %d, %d twice, %d delivered, %d resent, %d buffered; want all once, none resent or left",
				distinct, next, twice, s.Delivered[Spans], s.Resent[Spans], tr.Buffered()[Spans])
		}
		if open, _ := tr.Outage(); open {
			t.Error("the breaker is still open")
		}
	})
}
