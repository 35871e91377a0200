package otellambdaflush

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/logfire-go/sdk/internal/fingerprint"
	"github.com/logfire-go/sdk/internal/instance"
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
	// failed is set when the handler returned an error.
	failed atomic.Bool
	// flushedAtEnd is set when the invocation was flushed as its span
	// ended, so the flush after the response need not run.
	flushedAtEnd atomic.Bool
	// timeoutMarked is closed once the watchdog, having settled the
	// outcome, has marked and ended the span: the handler's side waits for
	// it before it returns, else otellambda could end the span while the
	// watchdog is still marking it, and the mark would be lost.
	timeoutMarked chan struct{}

	// reader is the io.Reader the user's handler returned for
	// aws-lambda-go to stream (see streamable), nil otherwise. Set and read
	// on the handler's goroutine.
	reader io.Reader
	// body is the streamed response given to aws-lambda-go, which ends
	// the invocation when it ends; nil unless reader is set.
	body *streamBody
	// streaming is set before otellambda ends the invocation span when
	// the response is streamed: the span and the flush then wait for the
	// end of the body (see streamAwareSpan and deferForStream).
	streaming atomic.Bool
	// inflight keeps the record of the invocation while it runs (see
	// inflight.go); settle clears it.
	inflight *inflight
}

// waitTimeoutMarked waits until the watchdog, which settled the outcome,
// has marked and ended the span.
func (inv *invocation) waitTimeoutMarked() {
	<-inv.timeoutMarked
}

// settle records the outcome if none has been recorded yet and reports
// whether it did. The invocation is over then (its outcome is recorded in
// this process): its record for a process that would not survive it is
// cleared, unless it panicked: aws-lambda-go then ends the process, and
// Lambda's report of the invocation with it, so the next process records
// that report from the record.
func (inv *invocation) settle(o int32) bool {
	if !inv.outcome.CompareAndSwap(outcomeRunning, o) {
		return false
	}
	if !inv.panicked.Load() {
		inv.inflight.end()
	}
	return true
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
// otellambda handler. Its invoke is what aws-lambda-go calls: a function
// returning an io.Reader, the one form of handler whose response
// aws-lambda-go streams (see stream.go).
type outerHandler struct {
	next lambda.Handler
	// contentType is the Content-Type of a response that is not streamed:
	// that of aws-lambda-go for the user's handler, application/json for a
	// function and application/octet-stream for a lambda.Handler.
	contentType string
	// flusher learns when invocations start (see pace); nil for a Runtime
	// not made by New.
	flusher *flusher
	// afterResponse, if not nil, flushes once aws-lambda-go has posted a
	// response that is not streamed (ModePostResponse).
	afterResponse func(context.Context)
}

func (h outerHandler) invoke(ctx context.Context, event json.RawMessage) (io.Reader, error) {
	if ctx == nil {
		ctx = context.Background()
	}
	if h.flusher != nil {
		h.flusher.pace.started(h.flusher.now())
		instance.BeforeInvocation(ctx, h.flusher.lf) // managed variables: refreshed when stale, bounded, never failing
	}
	inv := &invocation{timeoutMarked: make(chan struct{})}
	if lc, ok := lambdacontext.FromContext(ctx); ok {
		inv.requestID = lc.AwsRequestID
	}
	ctx = context.WithValue(ctx, invocationKey{}, inv)
	resp, err := h.next.Invoke(ctx, event)
	if err != nil {
		return nil, err
	}
	if inv.body != nil {
		return inv.body, nil
	}
	b := &bytesBody{r: bytes.NewReader(resp), contentType: h.contentType}
	if h.afterResponse != nil {
		b.closed = func() { h.afterResponse(ctx) }
	}
	return b, nil
}

// bytesBody is a response that is not streamed, as aws-lambda-go posts
// it. Its fields are unexported so that aws-lambda-go, which encodes a
// handler's result as JSON unless it encodes as "{}", posts it as it is.
type bytesBody struct {
	r           *bytes.Reader
	contentType string
	// closed, if not nil, runs when aws-lambda-go closes the body, after
	// posting it: the flush of ModePostResponse.
	closed func()
	once   sync.Once
}

func (b *bytesBody) Read(p []byte) (int, error) { return b.r.Read(p) }

// Close runs the flush after the response, once.
func (b *bytesBody) Close() error {
	if b.closed != nil {
		b.once.Do(b.closed)
	}
	return nil
}

// ContentType is the Content-Type aws-lambda-go sends with the body.
func (b *bytesBody) ContentType() string { return b.contentType }

// innerHandler runs inside the otellambda invocation span: it records
// failures on it and reports invocations that run into their deadline.
type innerHandler struct {
	next    lambda.Handler
	flusher *flusher
	// afterStream, if not nil, flushes once aws-lambda-go has posted a
	// streamed response (and closes its body).
	afterStream func(context.Context)
	// platform receives Lambda's platform reports, once subscribed: it
	// learns of each invocation and its span here.
	platform *atomic.Pointer[platformTelemetry]
	// inflight keeps the record of the invocation in progress (see
	// inflight.go); nil off Lambda.
	inflight *inflight
}

func (h innerHandler) Invoke(ctx context.Context, payload []byte) (resp []byte, err error) {
	span := trace.SpanFromContext(ctx)
	inv := invocationFrom(ctx) // never nil: outerHandler put it there
	if h.platform != nil {
		t := h.platform.Load()
		t.expect(inv.requestID)
		t.note(inv.requestID, span.SpanContext())
	}
	inv.inflight = h.inflight
	h.inflight.begin(inv.requestID, span.SpanContext())
	stop := h.watchdog(ctx, span, inv)
	defer func() {
		if r := recover(); r != nil {
			stop()
			inv.panicked.Store(true)
			if !inv.settle(outcomeReturned) {
				inv.waitTimeoutMarked()
			} else {
				markPanic(span, r)
			}
			panic(r) // aws-lambda-go reports it and ends the process
		}
	}()
	resp, err = h.next.Invoke(ctx, payload)
	if err == nil && inv.reader != nil {
		// A streamed response: the invocation goes on while aws-lambda-go
		// reads the body, and so do the span and the watchdog.
		inv.streaming.Store(true)
		inv.body = &streamBody{r: inv.reader, inv: inv,
			end:   func(err error, rec any) { endStream(span, inv, stop, err, rec) },
			flush: func() { h.flushAfter(ctx) },
		}
		return nil, nil
	}
	stop()
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
		inv.failed.Store(true)
		markFailed(span, fmt.Sprintf("%T", err), err.Error(), "", fingerprint.Here(err))
	}
	return resp, err
}

// flushAfter runs the mode's flush at the end of a streamed response.
func (h innerHandler) flushAfter(ctx context.Context) {
	if h.afterStream != nil {
		h.afterStream(ctx)
	}
}

// markPanic records the recovered panic value r on the invocation span.
func markPanic(span trace.Span, r any) {
	typ := "panic"
	if e, ok := r.(error); ok {
		typ = fmt.Sprintf("%T", e)
	}
	markFailed(span, typ, fmt.Sprint(r), string(debug.Stack()), fingerprint.Here(panicked(r)))
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
	})
	return func() { t.Stop() }
}
