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
	// ModeAuto uses ModePostResponse, or ModeNone on Lambda Managed
	// Instances, and flushes adaptively: after every invocation while the
	// function is invoked rarely; once invocations come more often than
	// every half second, only when a second has passed since the last
	// flush, a full batch waits, or records are kept for a retry. A pinned
	// mode (WithMode) flushes after every invocation.
	ModeAuto Mode = iota
	// ModeInHandler flushes after the invocation span ends and before the
	// response is sent: the flush adds to the client's latency.
	ModeInHandler
	// ModePostResponse flushes once aws-lambda-go has posted the response
	// and before it asks for the next event, in its own goroutine, which
	// holds the freeze until the flush is done: the client does not wait
	// for it; the flush is still billed and bounded by the deadline. An
	// invocation that fails (a returned error, a panic, a timeout) is
	// flushed before its error is posted.
	ModePostResponse
	// ModeNone does not flush per invocation: for environments that never
	// freeze, such as Lambda Managed Instances.
	ModeNone
)

// String returns the mode's name: "auto", "in-handler", "post-response"
// or "none".
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

// The defaults of the options, documented on each.
const (
	defaultFlushTimeout   = 2 * time.Second
	defaultSafetyMargin   = 50 * time.Millisecond
	defaultTimeoutLead    = 150 * time.Millisecond
	defaultShutdownBudget = 400 * time.Millisecond // Lambda sends SIGKILL about 500 ms after SIGTERM
)

// Option configures Start and New.
type Option interface {
	apply(*runtimeConfig)
}

// optionFunc is an Option made of a function.
type optionFunc func(*runtimeConfig)

func (f optionFunc) apply(c *runtimeConfig) { f(c) }

// runtimeConfig is what the options set.
type runtimeConfig struct {
	mode            Mode
	flushTimeout    time.Duration
	safetyMargin    time.Duration
	timeoutLead     time.Duration
	shutdownBudget  time.Duration
	shutdownHooks   []func(context.Context)
	lambdaOptions   []lambda.Option
	withLambdaOpts  bool // WithLambdaOptions was given, which only Start honours
	xray            XRayMode
	traceAttributes func(event []byte) []attribute.KeyValue
	// report receives the package's own problems (a flush that failed, a
	// shutdown that could not finish); nil means the instance's error
	// handler (see reportTo). Tests replace it.
	report func(error)
}

func newConfig(opts []Option) runtimeConfig {
	c := runtimeConfig{
		mode:           ModeAuto,
		flushTimeout:   defaultFlushTimeout,
		safetyMargin:   defaultSafetyMargin,
		timeoutLead:    defaultTimeoutLead,
		shutdownBudget: defaultShutdownBudget,
	}
	for _, opt := range opts {
		if opt != nil {
			opt.apply(&c)
		}
	}
	return c
}

// WithMode pins a flush mode, which then flushes after every invocation.
// The default is ModeAuto, which flushes adaptively.
func WithMode(m Mode) Option { return optionFunc(func(c *runtimeConfig) { c.mode = m }) }

// WithFlushTimeout caps one flush; the default is 2 s. The deadline of the
// invocation caps it further: a flush never runs past the deadline minus
// the safety margin (see WithSafetyMargin).
func WithFlushTimeout(d time.Duration) Option {
	return optionFunc(func(c *runtimeConfig) { c.flushTimeout = d })
}

// WithSafetyMargin sets the time kept free before the invocation deadline
// for the runtime to post the response; the default is 50 ms.
func WithSafetyMargin(d time.Duration) Option {
	return optionFunc(func(c *runtimeConfig) { c.safetyMargin = d })
}

// WithTimeoutLead sets how long before its deadline a still-running
// invocation is ended with a timeout error and flushed; the default is
// 150 ms. Zero turns this off.
func WithTimeoutLead(d time.Duration) Option {
	return optionFunc(func(c *runtimeConfig) { c.timeoutLead = d })
}

// WithShutdownBudget sets the time that the shutdown hooks and the
// shutdown of Logfire get together on SIGTERM (Start) or when
// Runtime.Shutdown is called; the default is 400 ms, since Lambda sends
// SIGKILL about 500 ms after SIGTERM.
func WithShutdownBudget(d time.Duration) Option {
	return optionFunc(func(c *runtimeConfig) { c.shutdownBudget = d })
}

// WithShutdownHook runs f before Logfire shuts down, on SIGTERM (Start) or
// in Runtime.Shutdown, with a context bounded by the shutdown budget: the
// place to log "Shutting down" or close connections. Hooks run in the
// order given.
func WithShutdownHook(f func(ctx context.Context)) Option {
	return optionFunc(func(c *runtimeConfig) {
		if f != nil {
			c.shutdownHooks = append(c.shutdownHooks, f)
		}
	})
}

// WithLambdaOptions passes aws-lambda-go options on, under Start only
// (New rejects it with an error: there, give the options to
// lambda.StartWithOptions and lambda.NewHandlerWithOptions yourself). The
// JSON options (lambda.WithUseNumber, WithDisallowUnknownFields,
// WithSetEscapeHTML, WithSetIndent) configure the decoding of the event
// into the handler's argument and the encoding of its result;
// lambda.WithContext and WithContextValue set the base of every
// invocation's context; lambda.WithEnableSIGTERM callbacks run on SIGTERM
// before the shutdown hooks and Logfire's shutdown, sharing the shutdown
// budget. Start enables SIGTERM itself and merges all of these into one
// lambda.StartWithOptions call, so only one GoLangEnableSIGTERM extension
// is registered.
func WithLambdaOptions(opts ...lambda.Option) Option {
	return optionFunc(func(c *runtimeConfig) {
		c.withLambdaOpts = true
		c.lambdaOptions = append(c.lambdaOptions, opts...)
	})
}

// WithXRay sets what the invocation span does with the invocation's AWS
// X-Ray trace context: XRayAsLink (the default) links to it, XRayAsParent
// makes it the parent when the event carries no W3C trace context, XRayOff
// ignores it. X-Ray's Sampled flag never decides whether spans are kept.
func WithXRay(m XRayMode) Option { return optionFunc(func(c *runtimeConfig) { c.xray = m }) }

// WithTraceAttributes adds the attributes fn returns for an invocation's
// event to the invocation span, after the ones this package adds
// (faas.coldstart, faas.trigger). It stands in for otellambda's
// WithTraceAttributeFn.
func WithTraceAttributes(fn func(event []byte) []attribute.KeyValue) Option {
	return optionFunc(func(c *runtimeConfig) { c.traceAttributes = fn })
}
