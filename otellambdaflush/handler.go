package otellambdaflush

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/logfire-go/sdk/internal/keys"
)

// invocation is what the wrappers know about one invocation; the outer
// wrapper puts it in the context so the flusher can see it.
type invocation struct {
	requestID string
	mu        sync.Mutex
	panicked  bool
	timedOut  bool // the watchdog ended the span and flushed
}

type invocationKey struct{}

func invocationFrom(ctx context.Context) *invocation {
	inv, _ := ctx.Value(invocationKey{}).(*invocation)
	return inv
}

// ErrTimeout is recorded on an invocation span that was still running
// shortly before its deadline.
var ErrTimeout = errors.New("invocation timed out: still running shortly before the deadline")

// outerHandler carries per-invocation state in the context around the
// otellambda handler.
type outerHandler struct {
	next lambda.Handler
}

func (h outerHandler) Invoke(ctx context.Context, payload []byte) ([]byte, error) {
	inv := &invocation{}
	if lc, ok := lambdacontext.FromContext(ctx); ok {
		inv.requestID = lc.AwsRequestID
	}
	return h.next.Invoke(context.WithValue(ctx, invocationKey{}, inv), payload)
}

// innerHandler runs inside the otellambda invocation span: it records
// failures on it and reports invocations that run into their deadline.
type innerHandler struct {
	next    lambda.Handler
	flusher *Flusher
}

func (h innerHandler) Invoke(ctx context.Context, payload []byte) (resp []byte, err error) {
	span := trace.SpanFromContext(ctx)
	inv := invocationFrom(ctx)
	stop := h.watchdog(ctx, span, inv)
	defer stop()
	defer func() {
		if r := recover(); r != nil {
			if inv != nil {
				inv.mu.Lock()
				inv.panicked = true
				inv.mu.Unlock()
			}
			typ := "panic"
			if e, ok := r.(error); ok {
				typ = fmt.Sprintf("%T", e)
			}
			markFailed(span, typ, fmt.Sprint(r), string(debug.Stack()))
			panic(r) // aws-lambda-go reports it and ends the process
		}
	}()
	resp, err = h.next.Invoke(ctx, payload)
	if err != nil {
		markFailed(span, fmt.Sprintf("%T", err), err.Error(), "")
	}
	return resp, err
}

// markFailed records a failure on the invocation span the way Logfire
// records errors: an exception event, status Error "<type>: <message>" and
// level error.
func markFailed(span trace.Span, typ, msg, stack string) {
	attrs := []attribute.KeyValue{
		attribute.String("exception.type", typ),
		attribute.String("exception.message", msg),
	}
	if stack != "" {
		attrs = append(attrs, attribute.String("exception.stacktrace", stack))
	}
	span.AddEvent("exception", trace.WithAttributes(attrs...))
	span.SetStatus(codes.Error, typ+": "+msg)
	span.SetAttributes(attribute.Int(keys.LevelNum, 17))
}

// watchdog ends the span with a timeout error and flushes shortly before
// the deadline if the handler has not returned by then. The returned func
// stops it.
func (h innerHandler) watchdog(ctx context.Context, span trace.Span, inv *invocation) func() {
	lead := h.flusher.opts.timeoutLead
	dl, ok := ctx.Deadline()
	if lead <= 0 || !ok || inv == nil {
		return func() {}
	}
	wait := time.Until(dl) - lead
	if wait <= 0 {
		return func() {}
	}
	t := time.AfterFunc(wait, func() {
		inv.mu.Lock()
		inv.timedOut = true
		inv.mu.Unlock()
		markFailed(span, "Timeout", ErrTimeout.Error(), "")
		span.End()
		_ = h.flusher.ForceFlush(ctx)
	})
	return func() { t.Stop() }
}
