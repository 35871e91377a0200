package otellambdaflush

import (
	"context"
	"errors"
	"fmt"
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

// TestBatchedFlush: with WithBatchedFlush, an invocation flushes only once
// a full batch waits (or the maximum age has passed); the others leave
// their spans queued, and Shutdown sends the rest: nothing is lost.
func TestBatchedFlush(t *testing.T) {
	clearEnv(t)
	rcv := otlptest.New(t)
	hook := testhook.Settings{NotDefault: true, BatchMaxExportSize: 64, BatchScheduleDelay: time.Hour} // no export but the flushes
	lf, err := logfire.Configure(testhook.With(context.Background(), hook), logfire.WithConsole(nil),
		logfire.WithToken("batched-token"), logfire.WithBaseURL(rcv.URL()))
	if err != nil {
		t.Fatal(err)
	}
	r := newRuntimeT(t, lf, WithMode(ModeInHandler), WithBatchedFlush(time.Hour))
	h := r.Handler(func(ctx context.Context) error {
		for i := range 9 {
			_, span := lf.Span(ctx, "work {i}", "i", i)
			span.End()
		}
		return nil
	})
	invoke := func(i int) {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		defer cancel()
		ctx = lambdacontext.NewContext(ctx, &lambdacontext.LambdaContext{AwsRequestID: fmt.Sprint("req-", i)})
		if _, err := lambda.NewHandler(h).Invoke(ctx, []byte(`{}`)); err != nil {
			t.Fatal(err)
		}
	}
	// 10 spans an invocation (the invocation span and 9): the 7th
	// invocation finds 70 queued, a full batch of 64, and flushes.
	for i := range 6 {
		invoke(i)
	}
	if n := rcv.Requests(otlptest.Traces); n != 0 {
		t.Errorf("%d export requests before a full batch waited", n)
	}
	invoke(6)
	if got := rcv.Count(otlptest.Traces); got != 70 {
		t.Errorf("the flush of a full batch delivered %d spans, want 70", got)
	}
	for i := 7; i < 10; i++ {
		invoke(i)
	}
	if got := rcv.Count(otlptest.Traces); got != 70 {
		t.Errorf("%d spans delivered before Shutdown, want 70", got)
	}
	if err := lf.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := rcv.Count(otlptest.Traces); got != 100 || rcv.Duplicates(otlptest.Traces) != 0 {
		t.Errorf("after Shutdown: %d spans (%d twice), want 100", got, rcv.Duplicates(otlptest.Traces))
	}
}

// TestBatchedFlushWithoutInvocation: a flush whose context did not come
// through Handler (no invocation in it: nothing would see a panic or
// flush at shutdown) is not held back by WithBatchedFlush: every such
// flush delivers.
func TestBatchedFlushWithoutInvocation(t *testing.T) {
	clearEnv(t)
	rcv := otlptest.New(t)
	hook := testhook.Settings{NotDefault: true, BatchScheduleDelay: time.Hour} // no export but the flushes
	lf, err := logfire.Configure(testhook.With(context.Background(), hook), logfire.WithConsole(nil),
		logfire.WithToken("batched-token"), logfire.WithBaseURL(rcv.URL()))
	if err != nil {
		t.Fatal(err)
	}
	defer lf.Shutdown(context.Background())
	f := newFlusher(lf, newConfig([]Option{WithBatchedFlush(time.Hour)}))
	for i := range 3 {
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

// TestBatchedFlushMaxAge: with WithBatchedFlush, an invocation that finds
// the last flush maxAge old flushes everything queued, a batch full or not.
func TestBatchedFlushMaxAge(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		exp := &countingExporter{}
		lf, _ := newInstance(t, exp)
		const maxAge = 300 * time.Millisecond
		r := newRuntimeT(t, lf, WithMode(ModeInHandler), WithBatchedFlush(maxAge))
		h := r.Handler(func(ctx context.Context) error {
			_, span := lf.Span(ctx, "work")
			span.End()
			return nil
		})
		invoke := func(i int) {
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
			defer cancel()
			ctx = lambdacontext.NewContext(ctx, &lambdacontext.LambdaContext{AwsRequestID: fmt.Sprint("req-", i)})
			if _, err := lambda.NewHandler(h).Invoke(ctx, []byte(`{}`)); err != nil {
				t.Fatal(err)
			}
		}
		invoke(0)
		if got := exp.names(); len(got) != 0 {
			t.Fatalf("%d spans delivered by an invocation within maxAge of the last flush, want 0", len(got))
		}
		time.Sleep(maxAge - time.Millisecond)
		invoke(1)
		if got := exp.names(); len(got) != 0 {
			t.Fatalf("%d spans delivered by an invocation 1ms before maxAge, want 0", len(got))
		}
		time.Sleep(time.Millisecond)
		invoke(2)
		// Three invocations of two spans each (the invocation span and
		// "work").
		if got := exp.names(); len(got) != 6 {
			t.Errorf("at maxAge: %d spans delivered, want 6", len(got))
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
