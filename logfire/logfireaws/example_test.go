package logfireaws_test

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/aws/smithy-go/middleware"
	"go.opentelemetry.io/contrib/instrumentation/github.com/aws/aws-sdk-go-v2/otelaws"
	"go.opentelemetry.io/otel/attribute"

	"github.com/logfire-go/sdk/internal/exampletb"
	"github.com/logfire-go/sdk/logfire"
	"github.com/logfire-go/sdk/logfire/logfireaws"
	"github.com/logfire-go/sdk/logfiretest"
)

// exampleQueue is a local stand-in for SQS that prints the names of the
// message attributes of each message it receives, and whether traceparent
// is among them with the trace id of the span printed after.
func exampleQueue(traceID *string) *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			MessageBody       string
			MessageAttributes map[string]struct{ StringValue string }
		}
		_ = json.NewDecoder(r.Body).Decode(&in)
		names := slices.Sorted(maps.Keys(in.MessageAttributes))
		*traceID = strings.Split(in.MessageAttributes["traceparent"].StringValue+"--", "-")[1]
		fmt.Println("the queue received", in.MessageBody, "with attributes", names)
		w.Header().Set("Content-Type", "application/x-amz-json-1.0")
		fmt.Fprintf(w, `{"MessageId":"m-1","MD5OfMessageBody":%q}`, md5Hex(in.MessageBody))
	}))
}

// One call on the aws.Config instruments every client made from it: each
// call is a span, and SendMessage carries the span's trace context in the
// message attributes, where a consuming Lambda function finds it.
func ExampleAppendMiddlewares() {
	var sentTrace string
	queue := exampleQueue(&sentTrace)
	defer queue.Close()

	t := exampletb.New()
	defer t.Done()
	lf, capture := logfiretest.New(t)

	// In a program: cfg, err := config.LoadDefaultConfig(ctx)
	cfg := exampleConfig(queue.URL)
	logfireaws.AppendMiddlewares(lf, &cfg.APIOptions)
	client := sqs.NewFromConfig(cfg)

	ctx, span := lf.Span(context.Background(), "placing order {id}", "id", 42)
	_, err := client.SendMessage(ctx, &sqs.SendMessageInput{
		QueueUrl:    aws.String(queue.URL + "/000000000000/orders"),
		MessageBody: aws.String(`{"order_id":42}`),
		MessageAttributes: map[string]types.MessageAttributeValue{
			"kind": {DataType: aws.String("String"), StringValue: aws.String("order")},
		},
	})
	span.End()
	if err != nil {
		fmt.Println(err)
		return
	}
	call := capture.Span("SQS.SendMessage")
	fmt.Println(call.Message(), call.Level())
	fmt.Println("same trace as the span:", sentTrace == span.SpanContext().TraceID().String())
	// Output:
	// the queue received {"order_id":42} with attributes [kind traceparent]
	// SQS.SendMessage orders info
	// same trace as the span: true
}

// exampleConfig is an aws.Config for the local stand-in at url, with
// dummy credentials.
func exampleConfig(url string) aws.Config {
	return aws.Config{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(url),
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: "AKIDEXAMPLE", SecretAccessKey: "example"}, nil
		}),
	}
}

// A message that has no room for the trace context is sent without it:
// here an SQS message that already has the 10 message attributes SQS
// allows. The message is sent as it was, and the instance's error handler
// (by default a line on standard error) is told, at most once a minute.
func ExampleAppendMiddlewares_skipped() {
	var sentTrace string
	queue := exampleQueue(&sentTrace)
	defer queue.Close()
	t := exampletb.New()
	defer t.Done()
	lf, _ := logfiretest.New(t, logfire.WithErrorHandler(func(err error) { fmt.Println("reported:", err) }))
	cfg := exampleConfig(queue.URL)
	logfireaws.AppendMiddlewares(lf, &cfg.APIOptions)

	attrs := map[string]types.MessageAttributeValue{}
	for i := range 10 {
		attrs[fmt.Sprintf("a%d", i)] = types.MessageAttributeValue{DataType: aws.String("String"), StringValue: aws.String("v")}
	}
	ctx, span := lf.Span(context.Background(), "sending a full message")
	_, err := sqs.NewFromConfig(cfg).SendMessage(ctx, &sqs.SendMessageInput{
		QueueUrl: aws.String(queue.URL + "/000000000000/orders"), MessageBody: aws.String("full"), MessageAttributes: attrs,
	})
	span.End()
	fmt.Println("error:", err)
	// Output:
	// reported: logfireaws: 1 message(s) sent without the trace context, the last by SQS.SendMessage: the message has 10 message attributes, the trace context needs 1 more and the limit is 10 (at most one such report a minute)
	// the queue received full with attributes [a0 a1 a2 a3 a4 a5 a6 a7 a8 a9]
	// error: <nil>
}

// WithOTelAWSOptions passes options to otelaws: here an attribute builder
// that adds the team that owns the call to every AWS span.
func ExampleWithOTelAWSOptions() {
	var sentTrace string
	queue := exampleQueue(&sentTrace)
	defer queue.Close()
	t := exampletb.New()
	defer t.Done()
	lf, capture := logfiretest.New(t)

	cfg := exampleConfig(queue.URL)
	logfireaws.AppendMiddlewares(lf, &cfg.APIOptions, logfireaws.WithOTelAWSOptions(
		otelaws.WithAttributeBuilder(func(context.Context, middleware.InitializeInput, middleware.InitializeOutput) []attribute.KeyValue {
			return []attribute.KeyValue{attribute.String("team", "orders")}
		})))
	_, err := sqs.NewFromConfig(cfg).SendMessage(context.Background(), &sqs.SendMessageInput{
		QueueUrl: aws.String(queue.URL + "/000000000000/orders"), MessageBody: aws.String("hello"),
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(capture.Span("SQS.SendMessage").Value("team"))
	// Output:
	// the queue received hello with attributes [traceparent]
	// orders
}
