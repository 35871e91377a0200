package otellambdaflush

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
)

// TestRuntimeShutdown: the hooks run, with the budget's deadline, then the
// instance is shut down (what was queued is exported); a shutdown that
// cannot finish in time gives up at the budget and is reported.
func TestRuntimeShutdown(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		exp := &flushRecorder{}
		lf, _ := newInstance(t, exp)
		log := &lines{}
		var hookDeadline time.Time
		r := newRuntimeT(t, lf, WithMode(ModeInHandler), withReport(log), WithShutdownBudget(300*time.Millisecond),
			WithShutdownHook(func(ctx context.Context) {
				hookDeadline, _ = ctx.Deadline()
				lf.Info(ctx, "Shutting down")
			}))
		start := time.Now()
		r.Shutdown()
		if want := start.Add(300 * time.Millisecond); !hookDeadline.Equal(want) {
			t.Errorf("hook deadline %v after the call, want the 300ms budget", hookDeadline.Sub(start))
		}
		if _, ok := exp.exported("Shutting down"); !ok {
			t.Error("the hook's log was not exported by the shutdown")
		}
		if len(log.all()) != 0 {
			t.Errorf("log: %q", log.all())
		}

		// A hanging backend: the shutdown gives up at the budget and says so.
		hanging := &countingExporter{block: make(chan struct{})}
		defer close(hanging.block)
		lf2, _ := newInstance(t, hanging)
		log2 := &lines{}
		r2 := newRuntimeT(t, lf2, WithMode(ModeInHandler), withReport(log2), WithShutdownBudget(100*time.Millisecond))
		lf2.Info(context.Background(), "stuck")
		start = time.Now()
		r2.Shutdown()
		if d := time.Since(start); d != 100*time.Millisecond {
			t.Errorf("shutdown took %v with a 100ms budget", d)
		}
		if log2.count("shutdown did not finish") != 1 {
			t.Errorf("log: %q", log2.all())
		}
	})
}

// TestShutdownBudgetCountsFromSIGTERM: callbacks that ran before Shutdown
// (given with lambda.WithEnableSIGTERM) use up the budget instead of
// extending it.
func TestShutdownBudgetCountsFromSIGTERM(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		lf, _ := newInstance(t, &flushRecorder{})
		var hookDeadline time.Time
		r := newRuntimeT(t, lf, WithMode(ModeInHandler), withReport(&lines{}), WithShutdownBudget(400*time.Millisecond),
			WithShutdownHook(func(ctx context.Context) { hookDeadline, _ = ctx.Deadline() }))
		sigterm := time.Now()
		r.sigtermAt.Store(sigterm.UnixNano())
		time.Sleep(300 * time.Millisecond) // the callbacks given with lambda.WithEnableSIGTERM
		r.Shutdown()
		if want := sigterm.Add(400 * time.Millisecond); !hookDeadline.Equal(want) {
			t.Errorf("deadline %v after SIGTERM, want 400ms", hookDeadline.Sub(sigterm))
		}
	})
}

// TestNewRejectsLambdaOptions: New cannot honour WithLambdaOptions (the
// options act in lambda.StartWithOptions, which the caller calls), so it
// says so instead of ignoring them.
func TestNewRejectsLambdaOptions(t *testing.T) {
	lf, _ := newInstance(t, &flushRecorder{})
	r, err := New(lf, WithMode(ModeInHandler), WithLambdaOptions(lambda.WithUseNumber(true)))
	if r != nil || !errors.Is(err, errLambdaOptionsWithNew) {
		t.Fatalf("New with WithLambdaOptions: %v, %v; want errLambdaOptionsWithNew", r, err)
	}
	if _, err := New(lf, WithMode(ModeInHandler), WithLambdaOptions()); !errors.Is(err, errLambdaOptionsWithNew) {
		t.Errorf("New with an empty WithLambdaOptions: %v; want errLambdaOptionsWithNew", err)
	}
}

// TestStartKeepsSIGTERMOptionsAwayFromTheHandler: Start's runtime gives
// the user's handler every aws-lambda-go option but
// lambda.WithEnableSIGTERM, and lambda.StartWithOptions all of them, with
// its own SIGTERM handling around them.
func TestStartKeepsSIGTERMOptionsAwayFromTheHandler(t *testing.T) {
	lf, _ := newInstance(t, &flushRecorder{})
	r := newRuntime(lf, newConfig([]Option{WithMode(ModeInHandler),
		WithLambdaOptions(lambda.WithUseNumber(true), lambda.WithEnableSIGTERM(func() {}))}))
	if len(r.handlerOpts) != 1 {
		t.Errorf("handler options: %d, want 1 (WithUseNumber only)", len(r.handlerOpts))
	}
	if got := len(r.startOptions(nil)); got != 4 {
		t.Errorf("start options: %d, want 4 (SIGTERM time, the user's two, SIGTERM shutdown)", got)
	}
}
