package otellambdaflush

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/logfire-go/sdk/internal/instance"
	"github.com/logfire-go/sdk/logfire"
)

// flusher flushes the traces, metrics and logs of a *logfire.Logfire. It
// implements otellambda.Flusher. Its ForceFlush is bounded by
// min(flush timeout, deadline − now − safety margin) and works even when
// the invocation's context is already done.
type flusher struct {
	lf  *logfire.Logfire
	cfg runtimeConfig
	// adaptive says that an invocation flushes only when due (ModeAuto);
	// otherwise every invocation flushes.
	adaptive bool
	pace     pace
	// last is when the last flush ran (Unix nanoseconds).
	last atomic.Int64
	// batch is a full batch of spans or logs.
	batch int64
	// now is the clock of the adaptive flush, time.Now but in tests.
	now func() time.Time
	// before runs at the end of each invocation, before its flush, due or
	// not: it takes the platform reports received since the last one (see
	// telemetry.go), which the next flush that is due exports. Nil unless
	// subscribed.
	before func()
}

func newFlusher(lf *logfire.Logfire, c runtimeConfig) *flusher {
	if c.report == nil {
		c.report = reportTo(lf)
	}
	f := &flusher{lf: lf, cfg: c, batch: 512, adaptive: c.mode == ModeAuto, now: time.Now}
	if n := instance.Of(lf).MaxExportBatch; lf != nil && n > 0 {
		f.batch = int64(n)
	}
	f.last.Store(f.now().UnixNano())
	return f
}

// due reports whether an invocation that has just ended should flush at
// now. Every invocation flushes, unless the flush is adaptive (ModeAuto)
// and the function is busy (see pace): then only when the last flush is
// maxFlushAge old, a full batch of spans or logs waits for export, or
// records are kept for a retry.
func (f *flusher) due(now time.Time) bool {
	if !f.adaptive || !f.pace.busy() {
		return true
	}
	if now.Sub(time.Unix(0, f.last.Load())) >= maxFlushAge {
		return true
	}
	st := f.lf.DeliveryStats()
	return st.Spans.Queued >= f.batch || st.Logs.Queued >= f.batch || st.Spans.Buffered+st.Logs.Buffered+st.Metrics.Buffered > 0
}

// afterResponse is the flush once aws-lambda-go has posted the response,
// for ModePostResponse and streamed responses: the flush of ForceFlush,
// unless the invocation was already flushed when its span ended (it
// failed: see failureFlusher).
func (f *flusher) afterResponse(ctx context.Context) {
	if inv := invocationFrom(ctx); inv != nil && inv.flushedAtEnd.Load() {
		return
	}
	_ = f.ForceFlush(ctx)
}

// failureFlusher is the flush of ModePostResponse when the invocation span
// ends: none, the flush coming after the response, but for an invocation
// that failed (a returned error, a panic, a timeout), whose error
// aws-lambda-go posts without a body to close and which may end the
// process: it is flushed now, before the error is posted.
type failureFlusher struct{ f *flusher }

func (p failureFlusher) ForceFlush(ctx context.Context) error {
	inv := invocationFrom(ctx)
	if inv != nil && !inv.failed.Load() && !inv.failedHard() {
		return nil
	}
	if inv != nil {
		inv.flushedAtEnd.Store(true)
	}
	return p.f.ForceFlush(ctx)
}

// errNoTimeLeft is the flush's error when the deadline leaves no time to
// flush.
var errNoTimeLeft = errors.New("otellambdaflush: skipped the flush: the invocation deadline leaves no time (telemetry of this invocation is sent with a later one)")

// ForceFlush flushes everything lf holds. The flush gets its own context,
// derived from ctx's values but not its cancellation, so it still runs
// when ctx is done; its time is min(flush timeout, deadline of ctx − now −
// safety margin).
//
// While the backend is failing, a flush costs at most a short probe: what
// it cannot send stays in lf's retry buffer and goes out with a later
// invocation's flush, or at shutdown, and its error says so.
//
// When the invocation in ctx was already ended and flushed by the timeout
// watchdog (see WithTimeoutLead) and no time is left, it returns nil
// without a word: there is nothing to report.
func (f *flusher) ForceFlush(ctx context.Context) error {
	inv := invocationFrom(ctx)
	// Handler's wrapping always puts the invocation in ctx. Without it
	// nobody would see a panic or flush at shutdown, so skipping a flush
	// would not be safe: every flush happens.
	return f.flush(ctx, inv.timedOut(), inv == nil || inv.failedHard())
}

// flush is ForceFlush; quiet says that running out of time is expected and
// is neither logged nor an error; force that the flush happens even when it
// is not due (the process may not see another invocation).
func (f *flusher) flush(ctx context.Context, quiet, force bool) error {
	if f == nil || f.lf == nil {
		return nil
	}
	if f.before != nil {
		f.before() // whether or not this flush is due: see the field
	}
	now := f.now()
	if !force && !f.due(now) {
		return nil // a later invocation, or the shutdown, sends it
	}
	budget := f.budget(ctx, now)
	if budget <= 0 {
		if quiet {
			return nil
		}
		f.cfg.report(errNoTimeLeft)
		return errNoTimeLeft
	}
	f.last.Store(now.UnixNano())
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), budget)
	defer cancel()
	err := f.lf.ForceFlush(fctx)
	if err != nil && !errors.Is(err, logfire.ErrBuffered) && !errors.Is(err, logfire.ErrDropped) {
		// Records kept for a retry or dropped are reported by the SDK
		// itself, once per outage and at most every ten seconds, not once
		// per invocation.
		f.cfg.report(fmt.Errorf("otellambdaflush: the flush after the invocation failed (within %v): %w", budget, err))
	}
	return err
}

// budget is the time a flush may take at now.
func (f *flusher) budget(ctx context.Context, now time.Time) time.Duration {
	b := f.cfg.flushTimeout
	if dl, ok := ctx.Deadline(); ok {
		if left := dl.Sub(now) - f.cfg.safetyMargin; left < b {
			b = left
		}
	}
	return b
}
