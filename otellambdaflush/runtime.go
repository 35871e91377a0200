package otellambdaflush

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"go.opentelemetry.io/contrib/instrumentation/github.com/aws/aws-lambda-go/otellambda"
	"go.opentelemetry.io/otel/attribute"

	"github.com/logfire-go/sdk/internal/instance"
	"github.com/logfire-go/sdk/logfire"
)

// Runtime is a prepared Lambda integration, for functions that call
// lambda.Start themselves: the flush mode chosen, the wrapped handler, and
// the shutdown. Start uses one; New makes one. A nil or zero Runtime, not
// made by New, runs handlers without recording or flushing anything.
type Runtime struct {
	lf      *logfire.Logfire
	cfg     runtimeConfig
	mode    Mode
	flusher *flusher
	cold    coldStart

	// handlerOpts are the WithLambdaOptions options that configure the
	// user's handler (all but lambda.WithEnableSIGTERM); Start's only.
	handlerOpts []lambda.Option
	// sigtermAt is when SIGTERM arrived (Unix nanoseconds), 0 before;
	// Start's only.
	sigtermAt atomic.Int64
	// registered says the package's internal extension is registered:
	// Lambda then sends SIGTERM before it ends the environment, as it does
	// for any registered extension, and Start need not register
	// aws-lambda-go's own for it.
	registered bool
	// platform receives Lambda's platform reports (see telemetry.go); nil
	// until subscribed, and where Lambda refused it.
	platform atomic.Pointer[platformTelemetry]
	// inflight keeps the record of the invocation in progress, for a
	// process that would not survive it (see inflight.go); nil off Lambda
	// and on Managed Instances. died is what the process before this one
	// left there: the invocation it died in, whose report this process
	// records once subscribed.
	inflight *inflight
	died     *inflightRecord
}

// errLambdaOptionsWithNew is New's answer to WithLambdaOptions.
var errLambdaOptionsWithNew = errors.New("otellambdaflush: WithLambdaOptions applies to Start only; " +
	"with New, give lambda.WithContext, WithContextValue and WithEnableSIGTERM to lambda.StartWithOptions, " +
	"and the JSON options to lambda.NewHandlerWithOptions for the handler you pass to Runtime.Handler")

// New prepares the integration for lf (nil means the default instance,
// the one logfire.Configure made last), for a function that calls
// lambda.Start itself:
//
//	r, err := otellambdaflush.New(lf)
//	if err != nil { … }
//	lambda.StartWithOptions(r.Handler(handler), lambda.WithEnableSIGTERM(func() {
//		r.Shutdown()
//		os.Exit(0)
//	}))
//
// It resolves ModeAuto and, on Lambda, registers the internal extension of
// the platform's reports, so call it during Init, before the runtime asks
// for its first event. It does not start the runtime. Every option applies, except
// WithLambdaOptions, which New rejects with an error: the aws-lambda-go
// options go to lambda.StartWithOptions and lambda.NewHandlerWithOptions
// directly.
func New(lf *logfire.Logfire, opts ...Option) (*Runtime, error) {
	cfg := newConfig(opts)
	if cfg.withLambdaOpts {
		return nil, errLambdaOptionsWithNew
	}
	return newRuntime(lf, cfg), nil
}

// newRuntime is New without the check of the options, for Start.
func newRuntime(lf *logfire.Logfire, cfg runtimeConfig) *Runtime {
	if lf == nil {
		lf, _ = instance.Default().(*logfire.Logfire)
	}
	f := newFlusher(lf, cfg)
	cfg.report = f.cfg.report // the flusher's default: the instance's error handler
	r := &Runtime{lf: lf, cfg: cfg, flusher: f}
	for _, opt := range cfg.lambdaOptions {
		if opt != nil && !enablesSIGTERM(opt) {
			r.handlerOpts = append(r.handlerOpts, opt)
		}
	}
	r.mode = r.resolveMode()
	return r
}

// onManagedInstances reports whether the function runs on Lambda Managed
// Instances, which run invocations concurrently and never freeze.
func onManagedInstances() bool {
	if os.Getenv("AWS_LAMBDA_INITIALIZATION_TYPE") == "lambda-managed-instances" {
		return true
	}
	n, err := strconv.Atoi(os.Getenv("AWS_LAMBDA_MAX_CONCURRENCY"))
	return err == nil && n > 1
}

// resolveMode picks the flush mode and, on Lambda, opens the record of
// the invocation in progress (see inflight.go) and registers the internal
// extension that subscribes to the platform's reports. The flush itself
// needs no extension: after the response it runs in the runtime's own
// goroutine, before aws-lambda-go asks for the next event.
func (r *Runtime) resolveMode() Mode {
	mode := r.cfg.mode
	if mode == ModeAuto {
		mode = ModePostResponse
		if onManagedInstances() {
			mode = ModeNone
		}
	}
	api := os.Getenv("AWS_LAMBDA_RUNTIME_API")
	if api != "" && !onManagedInstances() {
		// On Managed Instances invocations overlap, and an instance
		// that dies is not reset and reused: nothing is kept.
		size, _ := strconv.Atoi(os.Getenv("AWS_LAMBDA_FUNCTION_MEMORY_SIZE"))
		var err error
		if r.inflight, r.died, err = openInflight(os.TempDir(), size); err != nil {
			r.cfg.report(err)
		}
	}
	r.startPlatform(api, mode != ModeNone)
	return mode
}

// Mode returns the flush mode in use: ModeAuto resolved to ModeInHandler,
// ModePostResponse or ModeNone.
func (r *Runtime) Mode() Mode {
	if r == nil {
		return ModeAuto
	}
	return r.mode
}

// Handler wraps handler (any form lambda.Start accepts) with the
// invocation span, failure recording, timeout reporting and the flush. The
// result is a handler for lambda.Start or lambda.StartWithOptions; it is
// a function rather than a lambda.Handler because aws-lambda-go streams
// the response of a function only: when handler returns an io.Reader that
// aws-lambda-go streams (such as *events.LambdaFunctionURLStreamingResponse),
// the invocation span covers the whole stream, and the flush runs once the
// body has been sent.
func (r *Runtime) Handler(handler any) func(ctx context.Context, event json.RawMessage) (io.Reader, error) {
	if r == nil {
		r = &Runtime{}
	}
	contentType := "application/json"
	if _, ok := handler.(lambda.Handler); ok {
		contentType = contentTypeBytes
	} else {
		handler = streamable(handler)
	}
	// lambda.WithEnableSIGTERM acts when a handler is made from it: it is
	// left out here so that only the options Start gives
	// lambda.StartWithOptions register the extension.
	user := lambda.NewHandlerWithOptions(handler, r.handlerOpts...)
	// atEnd is the flush when the invocation span ends, before the
	// response is posted; afterResponse the one once aws-lambda-go has
	// posted it (it closes the body then), before it asks for the next
	// event, which lets Lambda freeze the process.
	var atEnd otellambda.Flusher = noFlush{}
	var afterResponse func(context.Context)
	switch r.mode {
	case ModeInHandler:
		atEnd = r.flusher
	case ModePostResponse:
		atEnd = failureFlusher{r.flusher}
		afterResponse = r.flusher.afterResponse
	}
	inner := innerHandler{next: user, flusher: r.flusher, platform: &r.platform, inflight: r.inflight}
	if r.mode != ModeNone {
		inner.afterStream = r.flusher.afterResponse
	}
	traced := otellambda.WrapHandler(inner, otellambdaOptions(r.lf, deferForStream{atEnd}, &r.cold, r.cfg)...)
	return outerHandler{next: traced, contentType: contentType, flusher: r.flusher, afterResponse: afterResponse}.invoke
}

// Shutdown runs the shutdown hooks and shuts lf down within the shutdown
// budget, reporting it if it could not finish. Start calls it on SIGTERM,
// with the budget counted from the arrival of the signal (so that
// callbacks given with lambda.WithEnableSIGTERM, which run first, take
// from it rather than add to it); called directly, the budget counts from
// the call. A function that calls lambda.Start itself calls it from its
// own lambda.WithEnableSIGTERM callback, as New shows.
func (r *Runtime) Shutdown() {
	if r == nil || r.cfg.report == nil {
		return // not made by New: nothing to shut down
	}
	from := time.Now()
	if at := r.sigtermAt.Load(); at != 0 {
		from = time.Unix(0, at)
	}
	ctx, cancel := context.WithDeadline(context.Background(), from.Add(r.cfg.shutdownBudget))
	defer cancel()
	// Lambda is ending the environment (or resetting it after a timeout,
	// whose report it gives): no invocation is left to die in.
	r.inflight.end()
	for _, hook := range r.cfg.shutdownHooks {
		hook(ctx)
	}
	r.platform.Load().shutdown(ctx) // the reports still due, before lf goes
	if err := r.lf.Shutdown(ctx); err != nil {
		r.cfg.report(fmt.Errorf("otellambdaflush: shutdown did not finish within its %v budget: %w", r.cfg.shutdownBudget, err))
	}
}

// otellambdaOptions are the otellambda options of the invocation span:
// lf's tracer provider and propagator, the event's trace context, the
// cold start and trigger attributes, and the flusher f.
func otellambdaOptions(lf *logfire.Logfire, f otellambda.Flusher, cold *coldStart, c runtimeConfig) []otellambda.Option {
	attrs := cold.attributes
	if user := c.traceAttributes; user != nil {
		attrs = func(event []byte) []attribute.KeyValue {
			return append(cold.attributes(event), user(event)...)
		}
	}
	return append([]otellambda.Option{
		otellambda.WithFlusher(f),
		otellambda.WithTraceAttributeFn(attrs),
	}, propagationOptions(lf, c.xray)...)
}

// deferForStream is the flusher otellambda runs when the invocation span
// ends: f, except for a streamed response, which the end of its body
// flushes (see innerHandler.flushAfter).
type deferForStream struct{ f otellambda.Flusher }

func (d deferForStream) ForceFlush(ctx context.Context) error {
	if inv := invocationFrom(ctx); inv != nil && inv.streaming.Load() {
		return nil
	}
	return d.f.ForceFlush(ctx)
}

type noFlush struct{}

func (noFlush) ForceFlush(context.Context) error { return nil }

// reportTo returns where the package's own problems go: the error handler
// of lf (logfire.WithErrorHandler), by default a rate-limited line on
// standard error, which Lambda sends to CloudWatch Logs.
func reportTo(lf *logfire.Logfire) func(error) {
	return func(err error) { instance.HandleError(lf, err) }
}
