package e2e_test

import (
	"context"
	"errors"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/logfire-go/sdk/internal/capture"
	"github.com/logfire-go/sdk/internal/otlptest"
	"github.com/logfire-go/sdk/internal/selflog"
	"github.com/logfire-go/sdk/internal/testhook"
	"github.com/logfire-go/sdk/logfire"
)

// The load tests of the whole SDK: a burst of 100,000 records and 64
// goroutines logging against a flapping backend, in-process, against the
// SDK's fault-injecting receiver (internal/otlptest), which checks every
// record arrives once. They take tens of seconds under -race, so they run
// here rather than in the SDK module's unit tests.

// clearSDKEnv unsets, for the test, every LOGFIRE_*, OTEL_* and
// AWS_LAMBDA_* variable of the environment, so that an SDK instance the
// test configures reads only what the test sets.
func clearSDKEnv(t *testing.T) {
	t.Helper()
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "LOGFIRE_") || strings.HasPrefix(k, "OTEL_") || strings.HasPrefix(k, "AWS_LAMBDA_") {
			t.Setenv(k, "")
			os.Unsetenv(k)
		}
	}
}

// loadInstance configures an instance, not the default one, that exports
// to url with the console off, in an environment with no LOGFIRE_* or
// OTEL_* variable, and keeps the SDK's own stderr lines out of the test's
// output.
func loadInstance(t *testing.T, url string, hook testhook.Settings) *logfire.Logfire {
	t.Helper()
	clearSDKEnv(t)
	var out capture.Buffer
	t.Cleanup(selflog.SetOutput(&out))
	hook.NotDefault = true
	hook.CredentialsDir = t.TempDir()
	lf, err := logfire.Configure(testhook.With(context.Background(), hook),
		logfire.WithConsole(nil), logfire.WithToken("pylf_v1_us_loadtest"), logfire.WithBaseURL(url), logfire.WithServiceName("load-test"))
	if err != nil {
		t.Fatal(err)
	}
	return lf
}

// realSpans counts the spans rcv accepted that are not pending spans.
func realSpans(rcv *otlptest.Receiver) int {
	n := 0
	for _, s := range rcv.Spans() {
		if s.Attrs["logfire.span_type"] != "pending_span" {
			n++
		}
	}
	return n
}

func droppedTotal(s logfire.SignalStats) int64 {
	var n int64
	for _, v := range s.Dropped {
		n += v
	}
	return n
}

// notDelivered reports whether err says that records were kept for a
// retry or dropped (and nothing else went wrong).
func notDelivered(err error) bool {
	return errors.Is(err, logfire.ErrBuffered) || errors.Is(err, logfire.ErrDropped)
}

// TestBurstDeliversEverything: with default settings, a burst of 50,000
// spans and 50,000 logs, then one ForceFlush, delivers all of them: the
// export queue makes the burst wait for the backend instead of dropping.
// (Its peak memory is measured by scripts/burst-rss, not here.)
func TestBurstDeliversEverything(t *testing.T) {
	const n = 50_000
	rcv := otlptest.New(t)
	lf := loadInstance(t, rcv.URL(), testhook.Settings{})
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
	lf := loadInstance(t, rcv.URL(), testhook.Settings{BatchScheduleDelay: 20 * time.Millisecond})

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
