package delivery

import (
	"context"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

// The breaker's tests run under testing/synctest, against the fake
// backend (see fakebackend_test.go): the probe timeout, the flush's window
// and the background probes' back-off are measured on the bubble's clock,
// exactly.

// TestBreakerProbesOncePerFlush: with the backend hanging, the first flush
// spends its context (less the reserve kept to account for what it could
// not send); the next one costs one probe, even with several requests to
// send.
func TestBreakerProbesOncePerFlush(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		be := &fakeBackend{}
		be.set(answer{hang: true})
		const probe = 100 * time.Millisecond
		tr := newFakeSender(t, be, Config{ProbeTimeout: probe})
		const budget = 300 * time.Millisecond
		ctx, cancel := context.WithTimeout(context.Background(), budget)
		start := time.Now()
		post(tr, ctx, Flush, traceRequest(t, 2), 2)
		if took, want := time.Since(start), budget-deadlineReserve(budget); took != want {
			t.Errorf("the first flush took %v of its %v, want %v", took, budget, want)
		}
		cancel()
		if open, cause := tr.Outage(); !open || !strings.Contains(cause, "no answer") {
			t.Fatalf("outage %v %q", open, cause)
		}
		before := be.requests()
		ctx2, cancel2 := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel2()
		start = time.Now()
		end := tr.BeginFlush()
		post(tr, ctx2, Flush, traceRequest(t, 2), 2)
		post(tr, ctx2, Flush, traceRequest(t, 2), 2)
		tr.Drain(ctx2, Flush)
		end()
		if n := be.requests() - before; n != 1 {
			t.Errorf("the flush sent %d requests to a failing backend, want one probe", n)
		}
		if took := time.Since(start); took != probe {
			t.Errorf("the flush took %v of its 5 s, want the probe timeout, %v", took, probe)
		}
		if got := tr.Buffered()[Spans]; got != 6 {
			t.Errorf("buffered %d", got)
		}
	})
}

// TestBreakerProbeBoundsTheWholeFlush: the probe timeout counts from the
// start of the flush, so an export that comes after the flush has spent
// it sends nothing to the failing backend and keeps its records; one that
// comes before probes for what is left of it.
func TestBreakerProbeBoundsTheWholeFlush(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		be := &fakeBackend{}
		be.set(answer{hang: true})
		const probe = 50 * time.Millisecond
		tr := newFakeSender(t, be, Config{ProbeTimeout: probe})
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		post(tr, ctx, Flush, traceRequest(t, 2), 2)
		cancel()
		if open, _ := tr.Outage(); !open {
			t.Fatal("the breaker did not open")
		}
		ctx2, cancel2 := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel2()

		// A flush whose own work took 20 ms: the probe has 30 ms left.
		before := be.requests()
		end := tr.BeginFlush()
		time.Sleep(20 * time.Millisecond)
		start := time.Now()
		post(tr, ctx2, Flush, traceRequest(t, 1), 1)
		end()
		if n, took := be.requests()-before, time.Since(start); n != 1 || took != probe-20*time.Millisecond {
			t.Errorf("the flush sent %d requests in %v, want one probe of %v", n, took, probe-20*time.Millisecond)
		}

		// A flush whose own work took the whole probe.
		before = be.requests()
		end = tr.BeginFlush()
		defer end()
		time.Sleep(probe)
		post(tr, ctx2, Flush, traceRequest(t, 3), 3)
		if n := be.requests() - before; n != 0 {
			t.Errorf("the flush sent %d requests after its probe time was spent, want none", n)
		}
		if got := tr.Buffered()[Spans]; got != 6 {
			t.Errorf("buffered %d, want 6", got)
		}
	})
}

// TestBackgroundProbesBackOff: while the backend refuses connections, the
// retry loop probes it about a second after the outage began, then after
// about 1, 2, 4, 8 and 16 s, then about every 30 s, each gap drawn between
// half and one and a half of its nominal length (and a tick of the loop);
// the first probe after it recovers delivers what was kept and closes the
// breaker.
func TestBackgroundProbesBackOff(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		be := &fakeBackend{}
		be.set(answer{refuse: true})
		var mu sync.Mutex
		var changes []string
		tr := newFakeSender(t, be, Config{OnOutage: func(open bool, cause string) {
			mu.Lock()
			defer mu.Unlock()
			if open {
				changes = append(changes, "open: "+cause)
			} else {
				changes = append(changes, "closed")
			}
		}})
		post(tr, context.Background(), Background, traceRequest(t, 4), 4)
		time.Sleep(100 * time.Second)
		synctest.Wait()
		at := be.arrivals()
		nominal := []time.Duration{1, 1, 2, 4, 8, 16}
		if len(at) < len(nominal)+2 {
			t.Fatalf("%d requests in 100 s, want at least %d", len(at), len(nominal)+2)
		}
		for i := 1; i < len(at); i++ {
			nom := maxProbeInterval
			if i-1 < len(nominal) {
				nom = nominal[i-1] * time.Second
			}
			if gap := at[i].Sub(at[i-1]); gap < nom/2 || gap > nom*3/2+retryInterval {
				t.Errorf("probe %d came %v after the one before, want between %v and %v", i, gap, nom/2, nom*3/2+retryInterval)
			}
		}
		if tr.Buffered()[Spans] != 4 {
			t.Errorf("buffered %d during the outage, want 4", tr.Buffered()[Spans])
		}

		be.set(accept)
		time.Sleep(maxProbeInterval*3/2 + retryInterval) // the longest a probe can be due after
		synctest.Wait()
		if be.accepted() != 4 || tr.Buffered()[Spans] != 0 {
			t.Errorf("after recovery: %d spans accepted, %d buffered; want 4 and 0", be.accepted(), tr.Buffered()[Spans])
		}
		if open, _ := tr.Outage(); open {
			t.Error("the breaker is still open after a probe succeeded")
		}
		mu.Lock()
		defer mu.Unlock()
		if len(changes) != 2 || !strings.Contains(changes[0], "connection refused") || changes[1] != "closed" {
			t.Errorf("outage changes %q, want it opened (connection refused) then closed", changes)
		}
	})
}
