package otellambdaflush_test

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"go.opentelemetry.io/contrib/instrumentation/github.com/aws/aws-lambda-go/otellambda"
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

// The one-call path: Start wraps the handler, flushes after every
// invocation and shuts Logfire down on SIGTERM.
func ExampleStart() {
	lf, err := logfire.Configure(context.Background())
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if os.Getenv("AWS_LAMBDA_RUNTIME_API") == "" {
		return // not on Lambda (Start never returns)
	}
	otellambdaflush.Start(handleOrder, lf)
}

// An existing otellambda function keeps otellambda and takes Logfire's
// options from Options: its own tracer provider and flusher go (Options has
// Logfire's), and its trace attribute function moves to
// WithTraceAttributes. SIGTERM is enabled by hand, since only Start does
// it: the callback shuts Logfire down and exits, because aws-lambda-go does
// not exit after SIGTERM callbacks and Lambda would kill the process at the
// end of the grace period.
func ExampleOptions() {
	lf, err := logfire.Configure(context.Background())
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	myAttributes := func(event []byte) []attribute.KeyValue {
		return []attribute.KeyValue{attribute.Int("event.bytes", len(event))}
	}
	opts := otellambdaflush.Options(lf, otellambdaflush.WithTraceAttributes(myAttributes))
	if os.Getenv("AWS_LAMBDA_RUNTIME_API") == "" {
		return // not on Lambda (StartWithOptions never returns)
	}
	lambda.StartWithOptions(
		otellambda.InstrumentHandler(handleOrder, opts...),
		lambda.WithEnableSIGTERM(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 400*time.Millisecond)
			defer cancel()
			_ = lf.Shutdown(ctx)
			os.Exit(0)
		}),
	)
}
