// Command lambdafn is an AWS Lambda function instrumented with contrib
// otellambda and options of its own, after it adopted Logfire:
// docs/adopting.md and docs/lambda.md show the lines that changed.
//
//	mkdir -p dist && CGO_ENABLED=0 GOOS=linux go build -tags lambda.norpc -o dist/bootstrap ./examples/adopting/lambdafn
package main

import (
	"context"
	"log"
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

func handler(ctx context.Context, o order) (string, error) {
	logfire.Info(ctx, "handling order {id}", "id", o.ID)
	return "ok", nil
}

// myAttributes are attributes of the function's own on every invocation
// span.
func myAttributes(event []byte) []attribute.KeyValue {
	return []attribute.KeyValue{attribute.Int("event.bytes", len(event))}
}

func main() {
	ctx := context.Background()
	lf, err := logfire.Configure(ctx)
	if err != nil {
		log.Fatal(err)
	}
	opts := otellambdaflush.Options(lf, otellambdaflush.WithTraceAttributes(myAttributes))
	lambda.StartWithOptions(otellambda.InstrumentHandler(handler, opts...),
		lambda.WithEnableSIGTERM(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 400*time.Millisecond)
			defer cancel()
			_ = lf.Shutdown(ctx)
			os.Exit(0)
		}))
}
