package otellambdaflush

import (
	"os"
	"time"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/logfire-go/sdk/logfire"
)

// Start wraps handler (any form lambda.Start accepts) for lf (nil means
// the default instance, the one logfire.Configure made last) and runs the
// Lambda runtime:
//
//	lf, err := logfire.Configure(ctx)
//	…
//	otellambdaflush.Start(lf, handler)
//
// Every invocation gets an invocation span, with failures and timeouts
// recorded on it, and is flushed as the mode says (see Mode). SIGTERM is
// enabled: on SIGTERM, the callbacks given with WithLambdaOptions run
// first, then Runtime.Shutdown (the shutdown hooks, then Logfire's
// shutdown, all within the shutdown budget counted from the signal), and
// the process then exits with status 0, as Go does on SIGTERM by default,
// so that Lambda need not kill it. Like lambda.Start it never returns.
func Start(lf *logfire.Logfire, handler any, opts ...Option) {
	r := newRuntime(lf, newConfig(opts))
	lambda.StartWithOptions(r.Handler(handler), r.startOptions(func() { os.Exit(0) })...)
}

// startOptions are the options Start gives lambda.StartWithOptions
// together with Handler: every option passed with WithLambdaOptions
// (lambda.WithContext and lambda.WithContextValue act here, on the
// invocation contexts), and SIGTERM enabled. All lambda.WithEnableSIGTERM
// options end up in this one list, so aws-lambda-go registers a single
// GoLangEnableSIGTERM extension and runs, on SIGTERM, the callbacks given
// with WithLambdaOptions first, then Shutdown, then then(), if not nil.
func (r *Runtime) startOptions(then func()) []lambda.Option {
	opts := []lambda.Option{lambda.WithEnableSIGTERM(func() {
		r.sigtermAt.CompareAndSwap(0, time.Now().UnixNano())
	})}
	opts = append(opts, r.cfg.lambdaOptions...)
	return append(opts, lambda.WithEnableSIGTERM(func() {
		r.Shutdown()
		if then != nil {
			then()
		}
	}))
}
