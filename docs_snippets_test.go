package sdk_test

// The code blocks of README.md and docs/ that are statements rather than
// whole programs, each inside a function that gives it what it refers to,
// so that the compiler checks them (TestDocCodeIsCompiled finds their lines
// here, in order). None of these functions is called.

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel/baggage"
	"go.opentelemetry.io/otel/propagation"

	"github.com/logfire-go/sdk/logfire"
	"github.com/logfire-go/sdk/logfire/logfireaws"
	"github.com/logfire-go/sdk/logfire/logfirehttp"
	"github.com/logfire-go/sdk/logfiretest"
	"github.com/logfire-go/sdk/otellambdaflush"
)

// README.md, "Quick start".
func readmeQuickStart(ctx context.Context) error {
	lf, err := logfire.Configure(ctx) // reads LOGFIRE_TOKEN, LOGFIRE_SERVICE_NAME, ...
	if err != nil {
		return err
	}
	defer lf.Shutdown(context.Background()) // flushes everything

	logfire.Info(ctx, "Hello {name}", "name", "world")
	ctx, span := logfire.Span(ctx, "processing order {order_id}", "order_id", 42)
	defer span.End()
	_ = ctx
	return nil
}

// README.md, "One way per task".
func readmeOneWay(ctx context.Context, mux *http.ServeMux, awsCfg aws.Config) error {
	lf, err := logfire.Configure(ctx, logfire.WithServiceName("checkout"))
	if err != nil {
		return err
	}
	defer lf.Shutdown(context.Background())

	lf.Info(ctx, "order {order_id} received", "order_id", 42)
	ctx, span := lf.Span(ctx, "charging {amount}", "amount", 9.99)
	defer span.End()
	slog.New(lf.SlogHandler()).InfoContext(ctx, "charged", "amount", 9.99)
	orders, _ := lf.MeterProvider().Meter("checkout").Int64Counter("orders")
	orders.Add(ctx, 1)

	srv := &http.Server{Handler: logfirehttp.NewHandler(lf, mux, "checkout")}
	client := &http.Client{Transport: logfirehttp.NewTransport(lf, http.DefaultTransport)}
	logfireaws.AppendMiddlewares(lf, &awsCfg.APIOptions)
	_, _ = srv, client
	return nil
}

// README.md, "One way per task": Lambda.
func readmeOneWayLambda(lf *logfire.Logfire, handle func(context.Context, events.SQSEvent) error) {
	otellambdaflush.Start(lf, handle)
}

// README.md, "One way per task": a test.
func readmeOneWayTest(t *testing.T) {
	lf, capture := logfiretest.New(t)
	lf.Info(context.Background(), "hello {name}", "name", "world")
	if got := capture.Log("hello {name}").Message(); got != "hello world" {
		t.Errorf("logged %q", got)
	}
}

// docs/correlation.md, "HTTP services": the server.
func correlationServer(lf *logfire.Logfire, addr string) *http.Server {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /items/{id}", getItem)
	srv := &http.Server{Addr: addr, Handler: logfirehttp.NewHandler(lf, mux, "inventory")}
	return srv
}

func getItem(w http.ResponseWriter, r *http.Request) {
	ctx, span := logfire.Span(r.Context(), "loading item {id}", "id", r.PathValue("id"))
	defer span.End()
	_ = ctx
}

// docs/correlation.md, "HTTP services": the client.
func correlationClient(ctx context.Context, lf *logfire.Logfire, inventoryURL string) (*http.Response, error) {
	client := &http.Client{Transport: logfirehttp.NewTransport(lf, nil)}
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, inventoryURL+"/items/42", nil)
	resp, err := client.Do(req)
	return resp, err
}

// docs/correlation.md: injecting and extracting by hand.
func correlationInject(ctx context.Context, lf *logfire.Logfire, req *http.Request) {
	lf.Propagator().Inject(ctx, propagation.HeaderCarrier(req.Header)) // client: before sending
}

func correlationExtract(lf *logfire.Logfire, r *http.Request) context.Context {
	ctx := lf.Propagator().Extract(r.Context(), propagation.HeaderCarrier(r.Header)) // server: before starting spans
	return ctx
}

// docs/correlation.md: a public endpoint.
func correlationPublic(lf *logfire.Logfire, mux *http.ServeMux) {
	logfirehttp.NewHandler(lf, mux, "api", otelhttp.WithPublicEndpointFn(func(*http.Request) bool { return true }))
}

// docs/correlation.md: invoking a Lambda function with the context in the
// payload.
func correlationPayload(ctx context.Context, lf *logfire.Logfire) []byte {
	headers := map[string]string{}
	lf.Propagator().Inject(ctx, propagation.MapCarrier(headers))
	payload, _ := json.Marshal(map[string]any{"headers": headers, "order_id": 42})
	return payload
}

// docs/correlation.md: the producer side, with logfireaws.
func correlationAWS(lf *logfire.Logfire, cfg *aws.Config) {
	logfireaws.AppendMiddlewares(lf, &cfg.APIOptions) // cfg from config.LoadDefaultConfig(ctx)
}

// docs/correlation.md: the producer side by hand, SQS.
func correlationSQSByHand(ctx context.Context, lf *logfire.Logfire, sqsClient *sqs.Client, queue, body string) error {
	carrier := propagation.MapCarrier{}
	lf.Propagator().Inject(ctx, carrier)
	attrs := map[string]types.MessageAttributeValue{}
	for k, v := range carrier {
		attrs[k] = types.MessageAttributeValue{DataType: aws.String("String"), StringValue: aws.String(v)}
	}
	_, err := sqsClient.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: &queue, MessageBody: &body, MessageAttributes: attrs})
	return err
}

// docs/correlation.md: the producer side by hand, EventBridge.
func correlationEventBridgeByHand(ctx context.Context, lf *logfire.Logfire) []byte {
	carrier := propagation.MapCarrier{}
	lf.Propagator().Inject(ctx, carrier)
	detail, _ := json.Marshal(map[string]any{"order_id": 42, "_otel": carrier})
	return detail
}

// docs/correlation.md: a trace per message of a batch.
var lf *logfire.Logfire

func process(context.Context, events.SQSMessage) error { return nil }

func handler(ctx context.Context, ev events.SQSEvent) error {
	for _, m := range ev.Records {
		rctx := lf.Propagator().Extract(ctx, otellambdaflush.SQSMessageCarrier(m))
		rctx, span := logfire.Span(rctx, "processing message {message_id}", "message_id", m.MessageId)
		err := process(rctx, m)
		span.End()
		if err != nil {
			return err
		}
	}
	return nil
}

// docs/correlation.md: baggage.
func correlationBaggage(ctx context.Context) context.Context {
	m, _ := baggage.NewMember("tenant", "acme")
	b, _ := baggage.New(m)
	ctx = baggage.ContextWithBaggage(ctx, b)
	return ctx
}
