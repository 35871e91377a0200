// Command lambdafn is an AWS Lambda function that was instrumented with
// contrib otellambda and options of its own, after it adopted Logfire: it
// still calls lambda.StartWithOptions itself, with the handler wrapped by
// otellambdaflush.New's Runtime instead of otellambda.InstrumentHandler.
// docs/adopting.md and docs/lambda.md show the lines that changed.
//
//	mkdir -p dist && CGO_ENABLED=0 GOOS=linux go build -tags lambda.norpc -o dist/bootstrap ./examples/adopting/lambdafn
package main

import (
	"context"
	"log"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
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
	r, err := otellambdaflush.New(lf, otellambdaflush.WithTraceAttributes(myAttributes))
	if err != nil {
		log.Fatal(err)
	}
	lambda.StartWithOptions(r.Handler(handler),
		lambda.WithEnableSIGTERM(func() {
			r.Shutdown()
			os.Exit(0)
		}))
}
