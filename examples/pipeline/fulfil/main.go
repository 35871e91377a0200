// Command fulfil is the second service of the pipeline example: a Lambda
// function ("order-fulfilment") that consumes the orders queue (an SQS
// event source mapping) and publishes an "order shipped" event to an SNS
// topic for the notification function (examples/pipeline/notify).
//
// Its invocation span continues the trace of the order: for an event with
// one record, otellambdaflush makes it the child of the producer's
// SendMessage span, and the handler's spans are its children. The Publish
// call, through logfireaws, writes its own context into the SNS message,
// so the trace goes on to the next function. For an event with several
// records (a batch of orders from several requests), the invocation span
// links to each, and the handler starts each record's span from the
// record's own context, so each order stays in its own trace.
//
// Environment: ORDER_EVENTS_TOPIC_ARN (the topic), AWS_REGION and the AWS
// credentials (Lambda sets them), AWS_ENDPOINT_URL_SNS for a local
// endpoint; Logfire's variables as for every program.
//
// Build it for Lambda's provided.al2023 runtime:
//
//	GOOS=linux GOARCH=amd64 CGO_ENABLED=0 go build -tags lambda.norpc -o bootstrap ./examples/pipeline/fulfil
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sns"

	"github.com/logfire-go/sdk/console"
	"github.com/logfire-go/sdk/examples/pipeline/internal/awsenv"
	"github.com/logfire-go/sdk/logfire"
	"github.com/logfire-go/sdk/otellambdaflush"
)

// Order is what the orders service queues.
type Order struct {
	ID       int64  `json:"order_id"`
	Item     string `json:"item"`
	Quantity int    `json:"quantity"`
}

// Shipped is what the function publishes.
type Shipped struct {
	OrderID int64  `json:"order_id"`
	Item    string `json:"item"`
	Parcel  string `json:"parcel"`
}

type fulfilment struct {
	lf    *logfire.Logfire
	sns   *sns.Client
	topic string
}

func (f fulfilment) handle(ctx context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
	var resp events.SQSEventResponse
	for _, m := range ev.Records {
		rctx := ctx
		if len(ev.Records) > 1 {
			rctx = f.lf.Propagator().Extract(ctx, otellambdaflush.SQSMessageCarrier(m))
		}
		if err := f.fulfil(rctx, m); err != nil {
			// Only this record goes back to the queue (ReportBatchItemFailures).
			resp.BatchItemFailures = append(resp.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: m.MessageId})
		}
	}
	return resp, nil
}

func (f fulfilment) fulfil(ctx context.Context, m events.SQSMessage) error {
	var o Order
	if err := json.Unmarshal([]byte(m.Body), &o); err != nil {
		f.lf.Error(ctx, "message {message_id} is not an order: {error}", "message_id", m.MessageId, "error", err.Error())
		return err
	}
	ctx, span := f.lf.Span(ctx, "fulfilling order {order_id}", "order_id", o.ID, "item", o.Item, "message_id", m.MessageId)
	defer span.End()

	shipped := Shipped{OrderID: o.ID, Item: o.Item, Parcel: fmt.Sprintf("P-%d", o.ID)}
	body, _ := json.Marshal(shipped)
	// A plain Publish: the trace context goes into the SNS message's
	// attributes by itself.
	out, err := f.sns.Publish(ctx, &sns.PublishInput{TopicArn: aws.String(f.topic), Message: aws.String(string(body))})
	if err != nil {
		span.RecordError(err)
		return err
	}
	f.lf.Info(ctx, "order {order_id} shipped as parcel {parcel}", "order_id", o.ID, "parcel", shipped.Parcel, "sns_message_id", aws.ToString(out.MessageId))
	return nil
}

func main() {
	ctx := context.Background()
	lf, err := logfire.Configure(ctx, logfire.WithConsole(&console.Options{}))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	cfg, err := awsenv.Config(lf, "SNS")
	topic := os.Getenv("ORDER_EVENTS_TOPIC_ARN")
	if err == nil && topic == "" {
		err = fmt.Errorf("ORDER_EVENTS_TOPIC_ARN is not set")
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	f := fulfilment{lf: lf, sns: sns.NewFromConfig(cfg), topic: topic}
	otellambdaflush.Start(lf, f.handle)
}
