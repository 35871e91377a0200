// Command notify is the last service of the pipeline example: a Lambda
// function ("order-notifier") that tells the customer that their order has
// shipped. It consumes an SQS queue subscribed to the order-events topic
// (SNS to SQS, without raw message delivery, so each record's body is the
// SNS notification), the usual way to fan a topic out to several
// consumers.
//
// otellambdaflush reads the trace context from the notification's message
// attributes, where logfireaws put it when the fulfilment function
// published, so the invocation span is the child of that Publish call and
// the whole order, from the HTTP request on, is one trace. An SNS
// subscription that invokes the function directly (an SNS event) is read
// the same way; this handler takes the SQS form.
//
// Build it like examples/pipeline/fulfil.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"

	"github.com/aws/aws-lambda-go/events"

	"github.com/logfire-go/sdk/console"
	"github.com/logfire-go/sdk/logfire"
	"github.com/logfire-go/sdk/otellambdaflush"
)

// Shipped is what the fulfilment function publishes.
type Shipped struct {
	OrderID int64  `json:"order_id"`
	Item    string `json:"item"`
	Parcel  string `json:"parcel"`
}

func handle(lf *logfire.Logfire) func(context.Context, events.SQSEvent) error {
	return func(ctx context.Context, ev events.SQSEvent) error {
		for _, m := range ev.Records {
			rctx := ctx
			if len(ev.Records) > 1 {
				rctx = lf.Propagator().Extract(ctx, otellambdaflush.SQSMessageCarrier(m))
			}
			var n events.SNSEntity
			var s Shipped
			if err := json.Unmarshal([]byte(m.Body), &n); err != nil {
				return fmt.Errorf("message %s is not an SNS notification: %w", m.MessageId, err)
			}
			if err := json.Unmarshal([]byte(n.Message), &s); err != nil {
				return fmt.Errorf("notification %s is not a shipped order: %w", n.MessageID, err)
			}
			lf.Info(rctx, "telling the customer that order {order_id} is on its way in parcel {parcel}", "order_id", s.OrderID, "parcel", s.Parcel)
		}
		return nil
	}
}

func main() {
	lf, err := logfire.Configure(context.Background(), logfire.WithConsole(&console.Options{}))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	otellambdaflush.Start(lf, handle(lf))
}
