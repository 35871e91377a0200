package otellambdaflush

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync/atomic"
	"time"

	"github.com/logfire-go/sdk/logfire"
)

func stderrf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "logfire: "+format+"\n", args...)
}

// Flusher flushes the traces, metrics and logs of a *logfire.Logfire. It
// implements otellambda.Flusher. Its ForceFlush is bounded by
// min(flush timeout, deadline − now − safety margin) and works even when the
// invocation's context is already done.
type Flusher struct {
	lf   *logfire.Logfire
	opts options
	// last is when the last flush ran (Unix nanoseconds), for
	// WithBatchedFlush.
	last atomic.Int64
	// batch is a full batch of spans or logs, for WithBatchedFlush.
	batch int64
}

// NewFlusher returns a flusher for lf.
func NewFlusher(lf *logfire.Logfire, opts ...Option) *Flusher {
	return newFlusher(lf, newOptions(opts))
}

func newFlusher(lf *logfire.Logfire, o options) *Flusher {
	f := &Flusher{lf: lf, opts: o, batch: 512}
	if lf != nil && lf.Config().BatchMaxExportSize > 0 {
		f.batch = int64(lf.Config().BatchMaxExportSize)
	}
	f.last.Store(time.Now().UnixNano())
	return f
}

// due reports whether an invocation that has just ended should flush at
// now: always, unless WithBatchedFlush is on, in which case only when a
// full batch of spans or logs waits for export, the last flush is the
// policy's maximum age old, or records are kept for a retry.
func (f *Flusher) due(now time.Time) bool {
	maxAge := f.opts.batchedMaxAge
	if maxAge <= 0 {
		return true
	}
	if now.Sub(time.Unix(0, f.last.Load())) >= maxAge {
		return true
	}
	st := f.lf.DeliveryStats()
	return st.Spans.Queued >= f.batch || st.Logs.Queued >= f.batch || st.Spans.Buffered+st.Logs.Buffered+st.Metrics.Buffered > 0
}

// ErrNoTimeLeft is returned when the deadline leaves no time to flush.
var ErrNoTimeLeft = errors.New("otellambdaflush: no time left before the invocation deadline to flush")

// ForceFlush flushes everything lf holds. The flush gets its own context,
// derived from ctx's values but not its cancellation, so it still runs
// when ctx is done; its time is min(flush timeout, deadline of ctx − now −
// safety margin).
//
// While the backend is failing, a flush costs at most a short probe (see
// logfire.WithOutageProbe): what it cannot send stays in lf's retry
// buffer and goes out with a later invocation's flush, or at SHUTDOWN.
// Its error is then a *logfire.DeliveryError.
//
// When the invocation in ctx was already ended and flushed by the timeout
// watchdog (see WithTimeoutLead) and no time is left, it returns nil
// without a word: there is nothing to report.
func (f *Flusher) ForceFlush(ctx context.Context) error {
	inv := invocationFrom(ctx)
	// Without Start's (or Handler's) wrapping there is no invocation in
	// ctx: nobody would see a panic or flush at SHUTDOWN, so
	// WithBatchedFlush does not apply and every invocation flushes.
	return f.flush(ctx, inv.timedOut(), inv == nil || inv.failedHard())
}

// flush is ForceFlush; quiet says that running out of time is expected and
// is neither logged nor an error; force that the flush happens whatever
// WithBatchedFlush says (the process may not see another invocation).
func (f *Flusher) flush(ctx context.Context, quiet, force bool) error {
	if f == nil || f.lf == nil {
		return nil
	}
	now := time.Now()
	if !force && !f.due(now) {
		return nil // WithBatchedFlush: a later invocation, or SHUTDOWN, sends it
	}
	budget := f.budget(ctx, now)
	if budget <= 0 {
		if quiet {
			return nil
		}
		f.opts.logf("skipped the flush: the invocation deadline leaves no time (telemetry of this invocation is sent with a later one)")
		return ErrNoTimeLeft
	}
	f.last.Store(now.UnixNano())
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), budget)
	defer cancel()
	err := f.lf.ForceFlush(fctx)
	if err != nil && !errors.Is(err, logfire.ErrNotDelivered) {
		// Records kept for a retry or dropped are reported by the SDK
		// itself, once per outage and at most every ten seconds, not once
		// per invocation.
		f.opts.logf("flush after the invocation failed (within %v): %v", budget, err)
	}
	return err
}

// budget is the time a flush may take at now.
func (f *Flusher) budget(ctx context.Context, now time.Time) time.Duration {
	b := f.opts.flushTimeout
	if dl, ok := ctx.Deadline(); ok {
		if left := dl.Sub(now) - f.opts.safetyMargin; left < b {
			b = left
		}
	}
	return b
}
