package otellambdaflush

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"sync/atomic"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/logfire-go/sdk/internal/fingerprint"
	"github.com/logfire-go/sdk/internal/keys"
	"github.com/logfire-go/sdk/logfire"
)

// How an invocation ended, as decided by whichever of the handler's return
// and the timeout watchdog came first.
const (
	outcomeRunning  int32 = iota
	outcomeReturned       // the handler returned (or panicked) first
	outcomeTimedOut       // the watchdog ended the span and flushed first
)

// invocation is what the wrappers know about one invocation; the outer
// wrapper puts it in the context so the flushers can see it.
type invocation struct {
	requestID string
	panicked  atomic.Bool
	// outcome is settled exactly once, from outcomeRunning, by the handler's
	// return or by the watchdog.
	outcome atomic.Int32
	// signalled is set once the post-response extension has been told that
	// the invocation span has ended.
	signalled atomic.Bool
	// timeoutMarked is closed once the watchdog, having settled the
	// outcome, has marked and ended the span: the handler's side waits for
	// it before it returns, else otellambda could end the span while the
	// watchdog is still marking it, and the mark would be lost.
	timeoutMarked chan struct{}
}

// waitTimeoutMarked waits until the watchdog, which settled the outcome,
// has marked and ended the span.
func (inv *invocation) waitTimeoutMarked() {
	<-inv.timeoutMarked
}

// settle records the outcome if none has been recorded yet and reports
// whether it did.
func (inv *invocation) settle(o int32) bool {
	return inv.outcome.CompareAndSwap(outcomeRunning, o)
}

// timedOut reports that the watchdog ended the invocation span.
func (inv *invocation) timedOut() bool {
	return inv != nil && inv.outcome.Load() == outcomeTimedOut
}

// failedHard reports that the invocation panicked or timed out: the
// process may be gone before another invocation, so it flushes at once.
func (inv *invocation) failedHard() bool {
	return inv != nil && (inv.panicked.Load() || inv.timedOut())
}

type invocationKey struct{}

// invocationFrom returns the invocation in ctx: never nil under
// Runtime.Handler, nil in a context that did not come through it.
func invocationFrom(ctx context.Context) *invocation {
	inv, _ := ctx.Value(invocationKey{}).(*invocation)
	return inv
}

// errTimeout is recorded on an invocation span that was still running
// shortly before its deadline.
var errTimeout = errors.New("invocation timed out: still running shortly before the deadline")

// outerHandler carries per-invocation state in the context around the
// otellambda handler.
type outerHandler struct {
	next lambda.Handler
}

func (h outerHandler) Invoke(ctx context.Context, payload []byte) ([]byte, error) {
	inv := &invocation{timeoutMarked: make(chan struct{})}
	if lc, ok := lambdacontext.FromContext(ctx); ok {
		inv.requestID = lc.AwsRequestID
	}
	return h.next.Invoke(context.WithValue(ctx, invocationKey{}, inv), payload)
}

// innerHandler runs inside the otellambda invocation span: it records
// failures on it and reports invocations that run into their deadline.
type innerHandler struct {
	next    lambda.Handler
	flusher *flusher
	post    *postResponse // nil unless ModePostResponse
}

func (h innerHandler) Invoke(ctx context.Context, payload []byte) (resp []byte, err error) {
	span := trace.SpanFromContext(ctx)
	inv := invocationFrom(ctx) // never nil: outerHandler put it there
	stop := h.watchdog(ctx, span, inv)
	defer stop()
	defer func() {
		if r := recover(); r != nil {
			inv.panicked.Store(true)
			if !inv.settle(outcomeReturned) {
				inv.waitTimeoutMarked()
			} else {
				typ := "panic"
				if e, ok := r.(error); ok {
					typ = fmt.Sprintf("%T", e)
				}
				markFailed(span, typ, fmt.Sprint(r), string(debug.Stack()), fingerprint.Here(panicked(r)))
			}
			panic(r) // aws-lambda-go reports it and ends the process
		}
	}()
	resp, err = h.next.Invoke(ctx, payload)
	// aws-lambda-go returns the bytes of a pooled buffer that it has already
	// put back in the pool; with concurrent invocations (Lambda Managed
	// Instances) another invocation may overwrite them before the response
	// is posted. Keep our own copy.
	resp = bytes.Clone(resp)
	if !inv.settle(outcomeReturned) {
		// The watchdog came first: the span is ended and marked as timed
		// out. Record nothing more on it.
		inv.waitTimeoutMarked()
		return resp, err
	}
	if err != nil {
		markFailed(span, fmt.Sprintf("%T", err), err.Error(), "", fingerprint.Here(err))
	}
	return resp, err
}

// markFailed records a failure on the invocation span the way Logfire
// records errors: an exception event, status Error "<type>: <message>",
// level error and, the invocation span having no parent in the process,
// the exception's fingerprint (see internal/fingerprint), by which
// Logfire groups failures into issues.
func markFailed(span trace.Span, typ, msg, stack, fingerprint string) {
	attrs := []attribute.KeyValue{
		attribute.String("exception.type", typ),
		attribute.String("exception.message", msg),
	}
	if stack != "" {
		attrs = append(attrs, attribute.String("exception.stacktrace", stack))
	}
	span.AddEvent("exception", trace.WithAttributes(attrs...))
	span.SetStatus(codes.Error, typ+": "+msg)
	span.SetAttributes(attribute.Int(keys.LevelNum, int(logfire.LevelError)),
		attribute.String(keys.ExceptionFingerprint, fingerprint))
}

// panicked is a recovered panic value as an error, for its fingerprint:
// the value itself when it is an error, which then names it.
func panicked(r any) error {
	if err, ok := r.(error); ok {
		return err
	}
	return panicValue{r}
}

// panicValue is a panic value that is not an error.
type panicValue struct{ v any }

func (p panicValue) Error() string { return fmt.Sprint(p.v) }

// watchdog ends the span with a timeout error and flushes shortly before
// the deadline if the handler has not returned by then. Whichever of the
// handler's return and the watchdog comes first decides (invocation.settle);
// the other then leaves the span alone. The returned func stops the
// watchdog.
func (h innerHandler) watchdog(ctx context.Context, span trace.Span, inv *invocation) func() {
	if h.flusher == nil {
		return func() {} // a Runtime not made by New
	}
	lead := h.flusher.cfg.timeoutLead
	dl, ok := ctx.Deadline()
	if lead <= 0 || !ok {
		return func() {}
	}
	wait := time.Until(dl) - lead
	if wait <= 0 {
		return func() {}
	}
	t := time.AfterFunc(wait, func() {
		// Before settling: once settled, the handler's return may end the
		// span at any moment, and the failure must be on it by then.
		fp := fingerprint.Here(errTimeout)
		if !inv.settle(outcomeTimedOut) {
			return // the handler returned first
		}
		markFailed(span, "Timeout", errTimeout.Error(), "", fp)
		span.End()
		close(inv.timeoutMarked)
		_ = h.flusher.ForceFlush(ctx)
		if h.post != nil {
			// Release the extension: it need not wait for the handler.
			h.post.invocationEnded(ctx, inv)
		}
	})
	return func() { t.Stop() }
}
