package otellambdaflush

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/logfire-go/sdk/config"
	"github.com/logfire-go/sdk/internal/otlptest"
	"github.com/logfire-go/sdk/internal/testhook"
	"github.com/logfire-go/sdk/logfire"
)

func TestBudget(t *testing.T) {
	f := newFlusher(nil, newConfig([]Option{WithFlushTimeout(time.Second), WithSafetyMargin(50 * time.Millisecond)}))
	now := time.Now()
	far, cancel := context.WithDeadline(context.Background(), now.Add(time.Minute))
	defer cancel()
	near, cancel2 := context.WithDeadline(context.Background(), now.Add(300*time.Millisecond))
	defer cancel2()
	past, cancel3 := context.WithDeadline(context.Background(), now.Add(-time.Millisecond))
	defer cancel3()
	for name, tc := range map[string]struct {
		ctx  context.Context
		want time.Duration
	}{
		"no deadline":   {context.Background(), time.Second},
		"far deadline":  {far, time.Second},
		"near deadline": {near, 250 * time.Millisecond},
		"past deadline": {past, -51 * time.Millisecond},
	} {
		if got := f.budget(tc.ctx, now); got != tc.want {
			t.Errorf("%s: budget %v, want %v", name, got, tc.want)
		}
	}
}

func TestFlushRunsWithDoneContext(t *testing.T) {
	exp := &countingExporter{}
	lf, _ := newInstance(t, exp)
	lf.Info(context.Background(), "queued")

	// The invocation context is cancelled (as when a handler returns after
	// its caller gave up) but its deadline is still ahead.
	ctx, cancel := context.WithDeadline(context.Background(), time.Now().Add(5*time.Second))
	cancel()
	if err := newFlusher(lf, newConfig(nil)).ForceFlush(ctx); err != nil {
		t.Fatal(err)
	}
	if got := exp.names(); len(got) != 1 || got[0] != "queued" {
		t.Fatalf("exported %v", got)
	}
}

// TestFlushBoundedByDeadline: against a hanging backend the flush gives
// up at the invocation deadline minus the safety margin, and says so
// once; with less time left than the margin it does not start.
func TestFlushBoundedByDeadline(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		exp := &countingExporter{block: make(chan struct{})}
		defer close(exp.block)
		lf, _ := newInstance(t, exp)
		lf.Info(context.Background(), "stuck behind a hanging backend")
		log := &lines{}
		f := newFlusher(lf, newConfig([]Option{WithSafetyMargin(50 * time.Millisecond), withReport(log)}))

		deadline := time.Now().Add(250 * time.Millisecond)
		ctx, cancel := context.WithDeadline(context.Background(), deadline)
		defer cancel()
		err := f.ForceFlush(ctx)
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("got %v, want a deadline error", err)
		}
		if now := time.Now(); !now.Equal(deadline.Add(-50 * time.Millisecond)) {
			t.Fatalf("flush gave up %v before the deadline, want the 50ms margin", deadline.Sub(now))
		}
		if got := log.all(); len(got) != 1 {
			t.Fatalf("want one report, got %q", got)
		}

		past, cancel2 := context.WithDeadline(context.Background(), time.Now().Add(10*time.Millisecond))
		defer cancel2()
		if err := f.ForceFlush(past); !errors.Is(err, errNoTimeLeft) {
			t.Fatalf("got %v, want errNoTimeLeft", err)
		}
	})
}

// TestFlusherQuietAfterWatchdog: the flusher does not report a skipped
// flush for an invocation the watchdog has already flushed.
func TestFlusherQuietAfterWatchdog(t *testing.T) {
	lf, _ := newInstance(t, &flushRecorder{})
	log := &lines{}
	f := newFlusher(lf, newConfig([]Option{withReport(log)}))
	ctx, cancel := context.WithDeadline(context.Background(), time.Now().Add(-time.Millisecond))
	defer cancel()
	inv := &invocation{}
	inv.settle(outcomeTimedOut)
	if err := f.ForceFlush(context.WithValue(ctx, invocationKey{}, inv)); err != nil {
		t.Errorf("after the watchdog: %v, want nil", err)
	}
	if len(log.all()) != 0 {
		t.Errorf("log: %q", log.all())
	}
	if err := f.ForceFlush(ctx); !errors.Is(err, errNoTimeLeft) || log.count("skipped the flush") != 1 {
		t.Errorf("without the watchdog: %v, log %q", err, log.all())
	}
}

// TestAdaptiveFlushFullBatch: once the function is busy, an invocation
// of ModeAuto flushes only when a full batch waits (the maximum age not
// having passed); the others leave their spans queued, and Shutdown sends
// the rest: nothing is lost.
func TestAdaptiveFlushFullBatch(t *testing.T) {
	clearEnv(t)
	rcv := otlptest.New(t)
	hook := testhook.Settings{NotDefault: true, BatchMaxExportSize: 64, BatchScheduleDelay: time.Hour} // no export but the flushes
	lf, err := logfire.Configure(testhook.With(context.Background(), hook), logfire.WithConsole(nil),
		logfire.WithToken("adaptive-token"), logfire.WithBaseURL(rcv.URL()))
	if err != nil {
		t.Fatal(err)
	}
	r := newRuntimeT(t, lf)
	// A clock of our own, 10 ms on at each reading: the function is busy
	// and the maximum age is far.
	clock := time.Now()
	r.flusher.now = func() time.Time { clock = clock.Add(10 * time.Millisecond); return clock }
	r.flusher.last.Store(clock.UnixNano())
	h := r.Handler(func(ctx context.Context) error {
		for i := range 9 {
			_, span := lf.Span(ctx, "work {i}", "i", i)
			span.End()
		}
		return nil
	})
	// The warm-up: three invocations, each flushes.
	for i := range warmupInvocations {
		invokeAt(t, h, i)
	}
	if got := rcv.Count(otlptest.Traces); got != 30 {
		t.Fatalf("the warm-up delivered %d spans, want 30", got)
	}
	// 10 spans an invocation (the invocation span and 9): the 7th busy
	// invocation finds 70 queued, a full batch of 64, and flushes.
	for i := range 6 {
		invokeAt(t, h, 3+i)
	}
	if got := rcv.Count(otlptest.Traces); got != 30 {
		t.Errorf("%d spans delivered before a full batch waited, want the warm-up's 30", got)
	}
	invokeAt(t, h, 9)
	if got := rcv.Count(otlptest.Traces); got != 100 {
		t.Errorf("the flush of a full batch left %d spans delivered, want 100", got)
	}
	for i := 10; i < 13; i++ {
		invokeAt(t, h, i)
	}
	if got := rcv.Count(otlptest.Traces); got != 100 {
		t.Errorf("%d spans delivered before Shutdown, want 100", got)
	}
	if err := lf.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := rcv.Count(otlptest.Traces); got != 130 || rcv.Duplicates(otlptest.Traces) != 0 {
		t.Errorf("after Shutdown: %d spans (%d twice), want 130", got, rcv.Duplicates(otlptest.Traces))
	}
}

// invokeAt runs one invocation of h, request id req-i, with a 3 s deadline.
func invokeAt(t *testing.T, h func(context.Context, json.RawMessage) (io.Reader, error), i int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	ctx = lambdacontext.NewContext(ctx, &lambdacontext.LambdaContext{AwsRequestID: fmt.Sprint("req-", i)})
	if _, err := lambda.NewHandler(h).Invoke(ctx, []byte(`{}`)); err != nil {
		t.Fatal(err)
	}
}

// TestFlushWithoutInvocation: a flush whose context did not come through
// Handler (no invocation in it: nothing would see a panic or flush at
// shutdown) is never skipped, however busy the function: every such flush
// delivers.
func TestFlushWithoutInvocation(t *testing.T) {
	clearEnv(t)
	rcv := otlptest.New(t)
	hook := testhook.Settings{NotDefault: true, BatchScheduleDelay: time.Hour} // no export but the flushes
	lf, err := logfire.Configure(testhook.With(context.Background(), hook), logfire.WithConsole(nil),
		logfire.WithToken("adaptive-token"), logfire.WithBaseURL(rcv.URL()))
	if err != nil {
		t.Fatal(err)
	}
	defer lf.Shutdown(context.Background())
	f := newFlusher(lf, newConfig(nil))
	for i := range 8 {
		f.pace.started(time.Now())
		_, span := lf.Span(context.Background(), "work {i}", "i", i)
		span.End()
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		err := f.ForceFlush(ctx)
		cancel()
		if err != nil {
			t.Fatal(err)
		}
		if got := rcv.Count(otlptest.Traces); got != i+1 {
			t.Fatalf("after invocation %d: %d spans delivered, want %d", i, got, i+1)
		}
	}
}

// TestAdaptiveFlush follows ModeAuto through a day of traffic, on a fake
// clock: rare invocations each flush; once invocations come 50 ms apart
// (after the warm-up), only the one that finds the last flush maxFlushAge
// (2 s) old does; the first invocation after a 5 s pause flushes (and with it what the
// busy ones left), and so does every rare one after it. A pinned mode
// (ModeInHandler) flushes every invocation at any pace.
func TestAdaptiveFlush(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		exp := &countingExporter{}
		lf, _ := newInstance(t, exp)
		r := newRuntimeT(t, lf)
		h := r.Handler(func(ctx context.Context) error {
			_, span := lf.Span(ctx, "work")
			span.End()
			return nil
		})
		n := 0
		delivered := func() int { return len(exp.names()) / 2 } // the invocation span and "work"
		invoke := func(gap time.Duration) {
			time.Sleep(gap)
			invokeAt(t, h, n)
			n++
		}
		// Rare: every 5 s, each flushes.
		for i := range 3 {
			invoke(5 * time.Second)
			if delivered() != n {
				t.Fatalf("rare invocation %d: %d of %d invocations delivered", i, delivered(), n)
			}
		}
		// Busy: 50 ms apart. The mean gap falls under busyGap after
		// some invocations (each flushing until then); from then on
		// only one every 2 s flushes.
		flushed := 0
		for range 100 {
			before := delivered()
			invoke(50 * time.Millisecond)
			if delivered() > before {
				flushed++
			}
		}
		if delivered() == n {
			t.Errorf("every busy invocation flushed")
		}
		// 100 invocations 50 ms apart, on the fake clock: the mean gap,
		// 5 s, falls as 50 ms + 4 950 ms × (3/4)^k, under half a second
		// at the 9th, so the first 8 flush; the 92 after it span 4.6 s,
		// one flush every 2 s: 2. Ten in all.
		if flushed != 10 {
			t.Errorf("%d of 100 busy invocations flushed, want 8 while the mean gap falls, then one every 2 s: 10", flushed)
		}
		if left := n - delivered(); left > int(maxFlushAge/(50*time.Millisecond)) {
			t.Errorf("%d busy invocations wait for a flush, more than maxFlushAge's worth", left)
		}
		// Traffic stops for 5 s: the next invocation flushes everything.
		invoke(5 * time.Second)
		if delivered() != n {
			t.Errorf("after a pause: %d of %d invocations delivered", delivered(), n)
		}
		invoke(2 * time.Second)
		if delivered() != n {
			t.Errorf("the next rare invocation: %d of %d delivered", delivered(), n)
		}

		// A pinned mode flushes every invocation, busy or not.
		exp2 := &countingExporter{}
		lf2, _ := newInstance(t, exp2)
		pinned := newRuntimeT(t, lf2, WithMode(ModeInHandler)).Handler(func(ctx context.Context) error { return nil })
		for i := range 20 {
			time.Sleep(50 * time.Millisecond)
			invokeAt(t, pinned, i)
			if got := len(exp2.names()); got != i+1 {
				t.Fatalf("pinned mode, invocation %d: %d delivered", i, got)
			}
		}
	})
}

// TestReportsGoToTheInstanceHandler: without a test hook, the package's
// own problems go to the error handler of the instance it flushes
// (logfire.WithErrorHandler), not straight to standard error.
func TestReportsGoToTheInstanceHandler(t *testing.T) {
	clearEnv(t)
	var mu sync.Mutex
	var got []error
	lf, err := logfire.Configure(testhook.With(context.Background(), testhook.Settings{NotDefault: true}),
		logfire.WithConsole(nil), logfire.WithSendToLogfire(config.SendNever),
		logfire.WithErrorHandler(func(err error) {
			mu.Lock()
			defer mu.Unlock()
			got = append(got, err)
		}))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = lf.Shutdown(context.Background()) }()

	f := newFlusher(lf, newConfig(nil))
	ctx, cancel := context.WithDeadline(context.Background(), time.Now().Add(-time.Millisecond))
	defer cancel()
	if err := f.ForceFlush(ctx); !errors.Is(err, errNoTimeLeft) {
		t.Fatalf("got %v, want errNoTimeLeft", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(got) != 1 || !errors.Is(got[0], errNoTimeLeft) {
		t.Fatalf("the instance's handler got %v, want errNoTimeLeft once", got)
	}
}
