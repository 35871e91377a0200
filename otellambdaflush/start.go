package otellambdaflush

import (
	"context"
	"os"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"go.opentelemetry.io/contrib/instrumentation/github.com/aws/aws-lambda-go/otellambda"
	"go.opentelemetry.io/otel/attribute"

	"github.com/logfire-go/sdk/logfire"
)

// OnManagedInstances reports whether the function runs on Lambda Managed
// Instances, which run invocations concurrently and never freeze.
func OnManagedInstances() bool {
	if os.Getenv("AWS_LAMBDA_INITIALIZATION_TYPE") == "lambda-managed-instances" {
		return true
	}
	n, err := strconv.Atoi(os.Getenv("AWS_LAMBDA_MAX_CONCURRENCY"))
	return err == nil && n > 1
}

// Runtime is a prepared Lambda integration: the flush mode chosen, the
// wrapped handler, and the SIGTERM handling. Start uses one; tests and
// custom entry points may build one with New.
type Runtime struct {
	lf      *logfire.Logfire
	opts    options
	mode    Mode
	flusher *Flusher
	post    *postResponse
	cold    coldStart

	// handlerOpts are the WithLambdaOptions options that configure the
	// user's handler (all but lambda.WithEnableSIGTERM).
	handlerOpts []lambda.Option
	// sigtermAt is when SIGTERM arrived (Unix nanoseconds), 0 before.
	sigtermAt atomic.Int64
}

// New prepares the integration for lf: it resolves ModeAuto and, for
// ModePostResponse, registers the internal extension (so call it during
// Init, before the runtime asks for its first event). It does not start
// the runtime.
func New(lf *logfire.Logfire, opts ...Option) *Runtime {
	o := newOptions(opts)
	r := &Runtime{lf: lf, opts: o, flusher: newFlusher(lf, o)}
	for _, opt := range o.lambdaOptions {
		if opt != nil && !enablesSIGTERM(opt) {
			r.handlerOpts = append(r.handlerOpts, opt)
		}
	}
	r.mode = r.resolveMode()
	return r
}

func (r *Runtime) resolveMode() Mode {
	mode := r.opts.mode
	if mode == ModeAuto && OnManagedInstances() {
		return ModeNone
	}
	if mode != ModeAuto && mode != ModePostResponse {
		return mode
	}
	api := os.Getenv("AWS_LAMBDA_RUNTIME_API")
	if api == "" {
		return ModeInHandler
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	client, err := registerExtension(ctx, api)
	if err != nil {
		r.opts.logf("flushing in the handler instead of after the response: %v", err)
		return ModeInHandler
	}
	r.post = newPostResponse(client, r.flusher)
	go r.post.run()
	return ModePostResponse
}

// Mode returns the flush mode in use.
func (r *Runtime) Mode() Mode { return r.mode }

// Handler wraps handler (any form lambda.Start accepts) with the
// invocation span, failure recording, timeout reporting and the flush.
func (r *Runtime) Handler(handler any) lambda.Handler {
	// lambda.WithEnableSIGTERM acts when a handler is made from it: it is
	// left out here so that only the options given to
	// lambda.StartWithOptions (StartOptions) register the extension.
	user := lambda.NewHandlerWithOptions(handler, r.handlerOpts...)
	var flusher otellambda.Flusher
	switch r.mode {
	case ModePostResponse:
		flusher = signalFlusher{post: r.post}
	case ModeNone:
		flusher = noFlush{}
	default:
		flusher = r.flusher
	}
	traced := otellambda.WrapHandler(innerHandler{next: user, flusher: r.flusher, post: r.post},
		otellambdaOptions(r.lf, flusher, &r.cold, r.opts)...)
	return outerHandler{next: traced}
}

// Shutdown runs the shutdown hooks and shuts lf down within the shutdown
// budget, logging a line if it could not finish. The budget counts from
// the arrival of SIGTERM when Start's SIGTERM handling has seen one (so
// that callbacks given with lambda.WithEnableSIGTERM, which run first,
// take from it rather than add to it), else from the call. Start calls it
// on SIGTERM.
func (r *Runtime) Shutdown() {
	from := time.Now()
	if at := r.sigtermAt.Load(); at != 0 {
		from = time.Unix(0, at)
	}
	ctx, cancel := context.WithDeadline(context.Background(), from.Add(r.opts.shutdownBudget))
	defer cancel()
	for _, hook := range r.opts.shutdownHooks {
		hook(ctx)
	}
	if err := r.lf.Shutdown(ctx); err != nil {
		r.opts.logf("shutdown did not finish within its %v budget: %v", r.opts.shutdownBudget, err)
	}
}

// StartOptions returns the options Start gives lambda.StartWithOptions
// together with Handler: every option passed with WithLambdaOptions
// (lambda.WithContext and lambda.WithContextValue act here, on the
// invocation contexts), and SIGTERM enabled. All lambda.WithEnableSIGTERM
// options end up in this one list, so aws-lambda-go registers a single
// GoLangEnableSIGTERM extension and runs, on SIGTERM, the callbacks given
// with WithLambdaOptions first, then Shutdown, then then(), if not nil.
func (r *Runtime) StartOptions(then func()) []lambda.Option {
	opts := []lambda.Option{lambda.WithEnableSIGTERM(func() {
		r.sigtermAt.CompareAndSwap(0, time.Now().UnixNano())
	})}
	opts = append(opts, r.opts.lambdaOptions...)
	return append(opts, lambda.WithEnableSIGTERM(func() {
		r.Shutdown()
		if then != nil {
			then()
		}
	}))
}

// Start wraps handler as Handler does and runs the Lambda runtime with
// SIGTERM enabled (see StartOptions): on SIGTERM it calls Shutdown and then
// exits the process with status 0, as Go does on SIGTERM by default, so
// that Lambda need not kill it. Like lambda.Start it never returns.
func Start(handler any, lf *logfire.Logfire, opts ...Option) {
	r := New(lf, opts...)
	lambda.StartWithOptions(r.Handler(handler), r.StartOptions(func() { os.Exit(0) })...)
}

// Options returns the otellambda options that make an existing otellambda
// setup report to lf, continue the trace the event carries (see
// PropagationOptions; WithXRay chooses what the X-Ray context does) and
// flush all three signals after every invocation, in the handler:
//
//	otellambda.InstrumentHandler(handler, otellambdaflush.Options(lf)...)
//
// With otellambda options of your own, put Options last, so that its
// options win over yours where both set the same thing:
//
//	otellambda.InstrumentHandler(handler, append(myOpts, otellambdaflush.Options(lf)...)...)
//
// Options sets otellambda's tracer provider, flusher, propagator, event
// carrier and trace attribute function: drop your own WithTracerProvider and
// WithFlusher (and the tracer provider and flusher you built for them), and
// give a trace attribute function of your own with WithTraceAttributes
// instead of otellambda.WithTraceAttributeFn, so that both run.
//
// Start does more (post-response flush, failures, timeouts, SIGTERM).
func Options(lf *logfire.Logfire, opts ...Option) []otellambda.Option {
	f := NewFlusher(lf, opts...)
	return otellambdaOptions(lf, f, &coldStart{}, f.opts)
}

// otellambdaOptions are the otellambda options of both Start and Options.
func otellambdaOptions(lf *logfire.Logfire, f otellambda.Flusher, cold *coldStart, o options) []otellambda.Option {
	attrs := cold.attributes
	if user := o.traceAttributes; user != nil {
		attrs = func(event []byte) []attribute.KeyValue {
			return append(cold.attributes(event), user(event)...)
		}
	}
	return append([]otellambda.Option{
		otellambda.WithFlusher(f),
		otellambda.WithTraceAttributeFn(attrs),
	}, PropagationOptions(lf, o.xray)...)
}

type noFlush struct{}

func (noFlush) ForceFlush(context.Context) error { return nil }
