package otellambdaflush

import (
	"context"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"go.opentelemetry.io/otel/attribute"
)

// Mode says when telemetry is flushed.
type Mode int

const (
	// ModeAuto uses ModePostResponse where Lambda accepts the extension it
	// needs, ModeNone on Lambda Managed Instances, and ModeInHandler
	// otherwise.
	ModeAuto Mode = iota
	// ModeInHandler flushes after the invocation span ends and before the
	// response is sent. It works everywhere; the flush adds to the
	// client's latency.
	ModeInHandler
	// ModePostResponse flushes after the handler returns, from an internal
	// Lambda extension that holds the freeze until the flush is done. The
	// client does not wait for it; the flush is still billed and bounded by
	// the deadline.
	ModePostResponse
	// ModeNone does not flush per invocation: for environments that never
	// freeze, such as Lambda Managed Instances.
	ModeNone
)

func (m Mode) String() string {
	switch m {
	case ModeAuto:
		return "auto"
	case ModeInHandler:
		return "in-handler"
	case ModePostResponse:
		return "post-response"
	case ModeNone:
		return "none"
	}
	return "unknown"
}

// Defaults.
const (
	// DefaultFlushTimeout is the longest one flush may take when the
	// deadline leaves more time.
	DefaultFlushTimeout = 2 * time.Second
	// DefaultSafetyMargin is kept free before the deadline for the runtime
	// to post the response.
	DefaultSafetyMargin = 50 * time.Millisecond
	// DefaultTimeoutLead is how long before the deadline a still-running
	// invocation is reported as timed out and flushed.
	DefaultTimeoutLead = 150 * time.Millisecond
	// DefaultShutdownBudget is the time given to Shutdown on SIGTERM;
	// Lambda sends SIGKILL about 500 ms after SIGTERM.
	DefaultShutdownBudget = 400 * time.Millisecond
)

// Option configures the flusher and Start.
type Option func(*options)

type options struct {
	mode            Mode
	flushTimeout    time.Duration
	safetyMargin    time.Duration
	timeoutLead     time.Duration
	shutdownBudget  time.Duration
	shutdownHooks   []func(context.Context)
	lambdaOptions   []lambda.Option
	logf            func(format string, args ...any)
	xray            XRayMode
	traceAttributes func(event []byte) []attribute.KeyValue
	batchedMaxAge   time.Duration
}

func newOptions(opts []Option) options {
	o := options{
		mode:           ModeAuto,
		flushTimeout:   DefaultFlushTimeout,
		safetyMargin:   DefaultSafetyMargin,
		timeoutLead:    DefaultTimeoutLead,
		shutdownBudget: DefaultShutdownBudget,
		logf:           stderrf,
	}
	for _, opt := range opts {
		if opt != nil {
			opt(&o)
		}
	}
	return o
}

// WithMode forces a flush mode instead of ModeAuto.
func WithMode(m Mode) Option { return func(o *options) { o.mode = m } }

// WithFlushTimeout caps one flush (default DefaultFlushTimeout). The
// deadline of the invocation caps it further.
func WithFlushTimeout(d time.Duration) Option { return func(o *options) { o.flushTimeout = d } }

// WithSafetyMargin sets the time kept free before the deadline (default
// DefaultSafetyMargin).
func WithSafetyMargin(d time.Duration) Option { return func(o *options) { o.safetyMargin = d } }

// WithTimeoutLead sets how long before its deadline a still-running
// invocation is ended with a timeout error and flushed (default
// DefaultTimeoutLead). Zero turns this off.
func WithTimeoutLead(d time.Duration) Option { return func(o *options) { o.timeoutLead = d } }

// WithShutdownBudget sets the time Shutdown gets on SIGTERM (default
// DefaultShutdownBudget).
func WithShutdownBudget(d time.Duration) Option { return func(o *options) { o.shutdownBudget = d } }

// WithShutdownHook runs f on SIGTERM before Logfire shuts down, with a
// context bounded by the shutdown budget: the place to log "Shutting down"
// or close connections.
func WithShutdownHook(f func(ctx context.Context)) Option {
	return func(o *options) { o.shutdownHooks = append(o.shutdownHooks, f) }
}

// WithLambdaOptions passes aws-lambda-go options on. The JSON options
// (lambda.WithUseNumber, WithDisallowUnknownFields, WithSetEscapeHTML,
// WithSetIndent) configure the decoding of the event into the handler's
// argument and the encoding of its result; lambda.WithContext and
// WithContextValue set the base of every invocation's context;
// lambda.WithEnableSIGTERM callbacks run on SIGTERM before Logfire shuts
// down, sharing the shutdown budget. Start enables SIGTERM itself and
// merges all of these into one lambda.StartWithOptions call, so only one
// GoLangEnableSIGTERM extension is registered.
func WithLambdaOptions(opts ...lambda.Option) Option {
	return func(o *options) { o.lambdaOptions = append(o.lambdaOptions, opts...) }
}

// WithXRay sets what the invocation span does with the invocation's AWS
// X-Ray trace context: XRayAsLink (the default) links to it, XRayAsParent
// makes it the parent when the event carries no W3C trace context, XRayOff
// ignores it. X-Ray's Sampled flag never decides whether spans are kept.
func WithXRay(m XRayMode) Option { return func(o *options) { o.xray = m } }

// WithBatchedFlush makes the flush after each invocation cost-aware, for
// functions invoked often: an invocation flushes only when a full batch of
// spans or logs (OTEL_BSP_MAX_EXPORT_BATCH_SIZE, 512) waits for export, when
// maxAge has passed since the last flush, or when records are kept for a
// retry. The other invocations complete without a flush: their telemetry
// waits, in the frozen process, for a later invocation's flush or for the
// flush at SHUTDOWN, which Start always does. Nothing is lost; what
// changes is when the data appears in Logfire (at most maxAge after an
// invocation, while the function keeps being invoked) and what each
// invocation is billed (most pay nothing for the flush). A failed
// invocation (a panic, a timeout) is always flushed at once. The default,
// without this option, flushes after every invocation. It applies under
// Start and Runtime.Handler only: with Options or NewFlusher (an
// otellambda setup of your own, where nothing sees a panic or SIGTERM)
// every invocation still flushes.
func WithBatchedFlush(maxAge time.Duration) Option {
	return func(o *options) { o.batchedMaxAge = maxAge }
}

// WithTraceAttributes adds the attributes fn returns for an invocation's
// event to the invocation span, after the ones this package adds
// (faas.coldstart, faas.trigger). It stands in for otellambda's
// WithTraceAttributeFn, which holds one function only.
func WithTraceAttributes(fn func(event []byte) []attribute.KeyValue) Option {
	return func(o *options) { o.traceAttributes = fn }
}

// WithLogger sets where the package reports its own problems (a flush that
// failed, a shutdown that could not finish). The default writes a line to
// standard error, which Lambda sends to CloudWatch Logs.
func WithLogger(logf func(format string, args ...any)) Option {
	return func(o *options) {
		if logf != nil {
			o.logf = logf
		}
	}
}
