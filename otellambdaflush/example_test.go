package otellambdaflush_test

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"go.opentelemetry.io/otel/attribute"

	"github.com/logfire-go/sdk/logfire"
	"github.com/logfire-go/sdk/otellambdaflush"
)

type order struct {
	ID string `json:"id"`
}

func handleOrder(ctx context.Context, o order) (string, error) {
	logfire.Info(ctx, "handling order {id}", "id", o.ID)
	return "ok", nil
}

// The one-call path: Start wraps the handler, flushes before each freeze
// that needs it (see ModeAuto) and shuts Logfire down on SIGTERM.
func ExampleStart() {
	lf, err := logfire.Configure(context.Background())
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if os.Getenv("AWS_LAMBDA_RUNTIME_API") == "" {
		return // not on Lambda (Start never returns)
	}
	otellambdaflush.Start(lf, handleOrder)
}

// Start with every option that tunes it. The durations are the defaults;
// the mode is pinned, where the default adapts to the traffic.
func ExampleStart_options() {
	lf, err := logfire.Configure(context.Background())
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if os.Getenv("AWS_LAMBDA_RUNTIME_API") == "" {
		return // not on Lambda (Start never returns)
	}
	otellambdaflush.Start(lf, handleOrder,
		// Flush after every invocation, after the response, however
		// often the function is invoked.
		otellambdaflush.WithMode(otellambdaflush.ModePostResponse),
		otellambdaflush.WithFlushTimeout(2*time.Second),
		otellambdaflush.WithSafetyMargin(50*time.Millisecond),
		otellambdaflush.WithTimeoutLead(150*time.Millisecond),
		// Continue the traces of X-Ray instrumented callers.
		otellambdaflush.WithXRay(otellambdaflush.XRayAsParent),
		otellambdaflush.WithShutdownBudget(400*time.Millisecond),
		otellambdaflush.WithShutdownHook(func(ctx context.Context) {
			lf.Info(ctx, "Shutting down")
		}),
		// Refuse events with fields that order does not have.
		otellambdaflush.WithLambdaOptions(lambda.WithDisallowUnknownFields(true)),
	)
}

// A function that calls lambda.Start itself, or that kept otellambda until
// now: New prepares the integration, Handler wraps the handler (where
// otellambda.InstrumentHandler did), and Shutdown runs on SIGTERM, enabled
// by hand. The otellambda options go: Logfire's tracer provider, flusher
// and propagator replace WithTracerProvider, WithFlusher and
// WithPropagator (give a propagator of your own to logfire.Configure with
// logfire.WithPropagator), and WithTraceAttributes replaces
// WithTraceAttributeFn. The SIGTERM callback exits after Shutdown, because
// aws-lambda-go does not exit after its SIGTERM callbacks and Lambda would
// kill the process at the end of the grace period.
func ExampleNew() {
	lf, err := logfire.Configure(context.Background())
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	myAttributes := func(event []byte) []attribute.KeyValue {
		return []attribute.KeyValue{attribute.Int("event.bytes", len(event))}
	}
	r, err := otellambdaflush.New(lf, otellambdaflush.WithTraceAttributes(myAttributes))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if os.Getenv("AWS_LAMBDA_RUNTIME_API") == "" {
		return // not on Lambda (StartWithOptions never returns)
	}
	lambda.StartWithOptions(r.Handler(handleOrder),
		lambda.WithEnableSIGTERM(func() {
			r.Shutdown()
			os.Exit(0)
		}))
}

// Mode says which flush mode New picked: ModeAuto picks ModePostResponse
// (ModeNone on Lambda Managed Instances), whose flush runs once the
// response has been posted, so the caller does not wait for it.
func ExampleRuntime_Mode() {
	var lf *logfire.Logfire // nil: the default instance
	r, err := otellambdaflush.New(lf, otellambdaflush.WithMode(otellambdaflush.ModeAuto))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("auto:", r.Mode())
	r, _ = otellambdaflush.New(lf, otellambdaflush.WithMode(otellambdaflush.ModeNone))
	fmt.Println("pinned:", r.Mode())
	// Output:
	// auto: post-response
	// pinned: none
}

// The modes' names, as Mode's String writes them.
func ExampleMode_String() {
	for _, m := range []otellambdaflush.Mode{otellambdaflush.ModeAuto, otellambdaflush.ModeInHandler,
		otellambdaflush.ModePostResponse, otellambdaflush.ModeNone} {
		fmt.Println(m)
	}
	// Output:
	// auto
	// in-handler
	// post-response
	// none
}

// XRayOff ignores the X-Ray context that Lambda hands every invocation;
// XRayAsLink, the default, links the invocation span to it when the event
// carries no trace context of its own.
func ExampleWithXRay() {
	lf, err := logfire.Configure(context.Background())
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	xray := otellambdaflush.XRayAsLink
	if os.Getenv("IGNORE_XRAY") == "1" {
		xray = otellambdaflush.XRayOff
	}
	if os.Getenv("AWS_LAMBDA_RUNTIME_API") == "" {
		return // not on Lambda (Start never returns)
	}
	otellambdaflush.Start(lf, handleOrder, otellambdaflush.WithXRay(xray))
}
