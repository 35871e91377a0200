package logfire

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/logfire-go/sdk/internal/delivery"
	"github.com/logfire-go/sdk/internal/otlptest"
)

// TestBurstDeliversEverything: with default settings, a burst of 50,000
// spans and 50,000 logs, then one ForceFlush, delivers all of them: the
// export queue makes the burst wait for the backend instead of dropping.
// (Its peak memory is measured by scripts/burst-rss, not here.)
func TestBurstDeliversEverything(t *testing.T) {
	clearEnv(t)
	quietSelflog(t)
	const n = 50_000
	rcv := otlptest.New(t)
	lf := deliveryInstance(t, rcv.URL())
	ctx := context.Background()
	for i := range n {
		_, span := lf.Span(ctx, "burst span {i}", "i", i)
		span.End()
	}
	for i := range n {
		lf.Info(ctx, "burst log {i}", "i", i)
	}
	fctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	if err := lf.ForceFlush(fctx); err != nil {
		t.Fatalf("ForceFlush: %v", err)
	}
	if got := realSpans(rcv); got != 2*n {
		t.Fatalf("received %d spans and logs, want %d (stats %+v)", got, 2*n, lf.DeliveryStats())
	}
	if d := rcv.Duplicates(otlptest.Traces); d != 0 {
		t.Errorf("%d duplicates", d)
	}
	st := lf.DeliveryStats().Spans
	if droppedTotal(st) != 0 || st.Buffered != 0 || st.Queued != 0 || st.Delivered < 2*n {
		t.Errorf("stats: %+v", st)
	}
	if err := lf.Shutdown(fctx); err != nil {
		t.Fatal(err)
	}
}

// TestLoadWithFlappingBackend: 64 goroutines log while the backend
// answers every other request 503, a goroutine flushes in a loop, and two
// Shutdowns race at the end. Every record is delivered or counted as
// dropped, exactly, and no goroutine of the SDK outlives Shutdown.
func TestLoadWithFlappingBackend(t *testing.T) {
	clearEnv(t)
	quietSelflog(t)
	// Registered first, so it runs last, after the receiver has stopped.
	ignore := goleak.IgnoreCurrent()
	t.Cleanup(func() { goleak.VerifyNone(t, ignore) })

	var flap atomic.Int64
	rcv := otlptest.New(t, otlptest.WithDecide(func(r otlptest.Request) otlptest.Fault {
		if flap.Add(1)%2 == 0 {
			return otlptest.Status(503, 0)
		}
		return otlptest.OK
	}))
	lf := deliveryInstance(t, rcv.URL(), withScheduleDelay(20*time.Millisecond))

	const goroutines = 64
	const perGoroutine = 600
	var emittedN atomic.Int64
	var wg sync.WaitGroup
	stopFlush := make(chan struct{})
	var flushes atomic.Int64
	var flusher sync.WaitGroup
	flusher.Go(func() {
		for {
			select {
			case <-stopFlush:
				return
			default:
			}
			ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
			err := lf.ForceFlush(ctx)
			cancel()
			if err != nil && !notDelivered(err) && !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("ForceFlush: %v", err)
			}
			flushes.Add(1)
		}
	})
	for g := range goroutines {
		wg.Go(func() {
			ctx := context.Background()
			for i := range perGoroutine {
				lf.Info(ctx, "goroutine {g} record {i}", "g", g, "i", i)
				emittedN.Add(1)
				if i%100 == 0 {
					time.Sleep(time.Millisecond)
				}
			}
		})
	}
	wg.Wait()
	close(stopFlush)
	flusher.Wait()

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	errs := make(chan error, 2)
	for range 2 {
		go func() { errs <- lf.Shutdown(ctx) }()
	}
	for range 2 {
		if err := <-errs; err != nil && !notDelivered(err) {
			t.Errorf("Shutdown: %v", err)
		}
	}
	st := lf.DeliveryStats().Spans
	emitted := emittedN.Load()
	if st.Delivered+droppedTotal(st) != emitted || st.Queued != 0 || st.Buffered != 0 {
		t.Errorf("emitted %d; delivered %d + dropped %d (%v), queued %d, buffered %d", emitted, st.Delivered, droppedTotal(st), st.Dropped, st.Queued, st.Buffered)
	}
	// Delivery is at least once: a request that times out after the
	// backend took it (a flush's deadline, a probe's limit, on a machine
	// slowed by -race) is sent again. Each record is counted delivered
	// once, so what the receiver holds once is what the SDK counts.
	dups := rcv.Duplicates(otlptest.Traces)
	if unique := int64(realSpans(rcv) - dups); unique != st.Delivered {
		t.Errorf("the receiver holds %d records, the SDK counts %d delivered", unique, st.Delivered)
	}
	t.Logf("emitted %d, delivered %d, dropped %v, %d sent twice, %d flushes", emitted, st.Delivered, st.Dropped, dups, flushes.Load())
}

// TestRejectedRecordsAreCountedAndSaid: a backend that refuses for good
// (400, 401, 403) makes the records dropped with the reason, once, and
// the error and the stderr line say it without the token.
func TestRejectedRecordsAreCountedAndSaid(t *testing.T) {
	clearEnv(t)
	for _, code := range []int{400, 401, 403} {
		t.Run(strconv.Itoa(code), func(t *testing.T) {
			out := quietSelflog(t)
			rcv := otlptest.New(t)
			// A backend that echoes the Authorization header.
			rcv.SetFault(otlptest.StatusBody(code, 0, func(r *http.Request) string { return "bad token " + r.Header.Get("Authorization") }))
			lf := deliveryInstance(t, rcv.URL())
			e := emit(t, lf, 1)
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			err := lf.ForceFlush(ctx)
			if !errors.Is(err, ErrDropped) || errors.Is(err, ErrBuffered) {
				t.Fatalf("ForceFlush: %v, want ErrDropped only", err)
			}
			var de *deliveryError
			if !errors.As(err, &de) || de.dropped[delivery.Rejected] != (signalCounts{spans: int64(e.spans), logs: int64(e.logs), metricPoints: int64(e.points)}) {
				t.Errorf("dropped: %+v", de)
			}
			if !strings.Contains(err.Error(), "HTTP "+strconv.Itoa(code)) {
				t.Errorf("the error does not name the status: %v", err)
			}
			for what, s := range map[string]string{"error": err.Error(), "stderr": out.String()} {
				if strings.Contains(s, testToken) {
					t.Errorf("the %s shows the token: %s", what, s)
				}
			}
			// Reported once: the next flush has nothing new to say.
			if err := lf.ForceFlush(ctx); err != nil {
				t.Errorf("second ForceFlush: %v", err)
			}
			if err := lf.Shutdown(ctx); err != nil {
				t.Fatal(err)
			}
			if n := strings.Count(out.String(), "dropped"); n != 1 {
				t.Errorf("%d stderr lines about drops, want 1:\n%s", n, out)
			}
			if rcv.Count(otlptest.Traces) != 0 {
				t.Errorf("spans were accepted")
			}
			st := lf.DeliveryStats()
			if st.Spans.Dropped["rejected"] != int64(e.spans) || st.Spans.Delivered != 0 {
				t.Errorf("stats: %+v", st.Spans)
			}
		})
	}
}

// TestOversizeRequestsAreSplit: a backend that takes at most 64 KiB per
// request answers 413 to larger ones; they are split in halves until
// every record is delivered.
func TestOversizeRequestsAreSplit(t *testing.T) {
	clearEnv(t)
	quietSelflog(t)
	rcv := otlptest.New(t, otlptest.WithMaxBodyBytes(64<<10))
	lf := deliveryInstance(t, rcv.URL())
	ctx := context.Background()
	const n = 2000
	for i := range n {
		lf.Info(ctx, "record {i} with some padding to make the request large", "i", i, "pad", strings.Repeat("p", 100))
	}
	fctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := lf.ForceFlush(fctx); err != nil {
		t.Fatalf("ForceFlush: %v", err)
	}
	if got := realSpans(rcv); got != n {
		t.Errorf("received %d, want %d", got, n)
	}
	if d := rcv.Duplicates(otlptest.Traces); d != 0 {
		t.Errorf("%d duplicates", d)
	}
	// One record alone larger than the backend takes is dropped, as too
	// large, and its neighbours are not.
	lf.Info(ctx, "neighbour before")
	lf.Info(ctx, "huge", "blob", strings.Repeat("x", 100<<10))
	lf.Info(ctx, "neighbour after")
	err := lf.ForceFlush(fctx)
	if !errors.Is(err, ErrDropped) {
		t.Fatalf("ForceFlush: %v", err)
	}
	if got := realSpans(rcv); got != n+2 {
		t.Errorf("received %d, want %d", got, n+2)
	}
	if d := lf.DeliveryStats().Spans.Dropped["too_large"]; d != 1 {
		t.Errorf("dropped as too large: %d", d)
	}
	if err := lf.Shutdown(fctx); err != nil {
		t.Fatal(err)
	}
}

// TestShutdownWithDeadlineStopsEverything: a Shutdown whose context ends
// while the backend hangs returns with the records it could not send
// counted as dropped, and leaves no goroutine of the SDK behind.
func TestShutdownWithDeadlineStopsEverything(t *testing.T) {
	clearEnv(t)
	quietSelflog(t)
	ignore := goleak.IgnoreCurrent()
	t.Cleanup(func() { goleak.VerifyNone(t, ignore) })
	rcv := otlptest.New(t)
	rcv.SetFault(otlptest.Hang)
	lf := deliveryInstance(t, rcv.URL())
	e := emit(t, lf, 1)
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	err := lf.Shutdown(ctx)
	var de *deliveryError
	if !errors.As(err, &de) || !errors.Is(err, ErrDropped) {
		t.Fatalf("Shutdown: %v, want a delivery error with dropped records", err)
	}
	if got := de.dropped[delivery.Shutdown]; got != (signalCounts{spans: int64(e.spans), logs: int64(e.logs), metricPoints: int64(e.points)}) {
		t.Errorf("dropped at shutdown: %+v", got)
	}
	st := lf.DeliveryStats()
	for name, s := range map[string]SignalStats{"spans": st.Spans, "logs": st.Logs, "metrics": st.Metrics} {
		if s.Queued != 0 || s.Buffered != 0 || s.Delivered != 0 {
			t.Errorf("%s after Shutdown: %+v", name, s)
		}
	}
}
