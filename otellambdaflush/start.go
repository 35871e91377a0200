package otellambdaflush

import (
	"os"
	"os/signal"
	"syscall"
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
// enabled (Lambda sends it because the package registers an extension for
// the platform's reports; where that fails, aws-lambda-go registers its
// own): on SIGTERM, the callbacks given with WithLambdaOptions run
// first, then Runtime.Shutdown (the shutdown hooks, then Logfire's
// shutdown, all within the shutdown budget counted from the signal), and
// the process then exits with status 0, as Go does on SIGTERM by default,
// so that Lambda need not kill it. Like lambda.Start it never returns.
func Start(lf *logfire.Logfire, handler any, opts ...Option) {
	r := newRuntime(lf, newConfig(opts))
	h := r.Handler(handler)
	if r.ownsSIGTERM() {
		r.onSIGTERM(func() { os.Exit(0) })
		lambda.StartWithOptions(h, r.cfg.lambdaOptions...)
		return
	}
	lambda.StartWithOptions(h, r.startOptions(func() { os.Exit(0) })...)
}

// ownsSIGTERM reports whether Start handles SIGTERM itself: the package's
// extension is registered, which makes Lambda send SIGTERM, and no option
// of WithLambdaOptions enables it (their callbacks run first, which only
// aws-lambda-go can do). Then aws-lambda-go's own GoLangEnableSIGTERM
// extension, a second registration on the path to the first event, is
// not needed: it would only repeat what the package's does.
func (r *Runtime) ownsSIGTERM() bool {
	if !r.registered {
		return false
	}
	for _, opt := range r.cfg.lambdaOptions {
		if enablesSIGTERM(opt) {
			return false
		}
	}
	return true
}

// onSIGTERM runs, on SIGTERM, Shutdown (within the shutdown budget
// counted from the signal), then then.
func (r *Runtime) onSIGTERM(then func()) {
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, syscall.SIGTERM)
	go func() {
		<-ch
		r.sigtermAt.CompareAndSwap(0, time.Now().UnixNano())
		r.Shutdown()
		then()
	}()
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
