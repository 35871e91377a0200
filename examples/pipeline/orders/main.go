// Command orders is the first service of the pipeline example: an HTTP
// service ("orders-api") that takes an order, POST /orders
// {"item": "widget", "quantity": 2}, and queues it on SQS for the
// fulfilment function (examples/pipeline/fulfil). The request's span, the
// order's span and the SendMessage call's span start the trace that the
// two functions downstream continue: logfireaws writes the call's trace
// context into the message's attributes.
//
// It answers 202 with {"order_id": …, "message_id": …, "trace_id": …}.
//
// Environment: ORDERS_QUEUE_URL (the queue's URL), ORDERS_ADDR (where to
// listen, 127.0.0.1:8080 by default; port 0 picks a free one), AWS_REGION
// and the AWS credentials, and AWS_ENDPOINT_URL_SQS for a local endpoint;
// Logfire's variables (LOGFIRE_TOKEN, …) as for every program. It prints
// "listening on http://…" once it listens, and stops on SIGINT or SIGTERM
// after sending what it still holds.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/logfire-go/sdk/examples/pipeline/internal/awsenv"
	"github.com/logfire-go/sdk/logfire"
	"github.com/logfire-go/sdk/logfire/logfirehttp"
)

// Order is what the service queues.
type Order struct {
	ID       int64  `json:"order_id"`
	Item     string `json:"item"`
	Quantity int    `json:"quantity"`
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "orders:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context) (err error) {
	lf, err := logfire.Configure(ctx, logfire.WithServiceName("orders-api"))
	if err != nil {
		return err
	}
	defer func() {
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		err = errors.Join(err, lf.Shutdown(sctx))
	}()
	queue := os.Getenv("ORDERS_QUEUE_URL")
	if queue == "" {
		return errors.New("ORDERS_QUEUE_URL is not set")
	}
	cfg, err := awsenv.Config(lf, "SQS")
	if err != nil {
		return err
	}
	addr := os.Getenv("ORDERS_ADDR")
	if addr == "" {
		addr = "127.0.0.1:8080"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	srv := &http.Server{
		Handler:           logfirehttp.NewHandler(lf, ordersMux(lf, sqs.NewFromConfig(cfg), queue), "orders-api"),
		ReadHeaderTimeout: 10 * time.Second,
	}
	fmt.Printf("listening on http://%s\n", ln.Addr())
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return srv.Shutdown(sctx)
}

// ordersMux is the service: POST /orders.
func ordersMux(lf *logfire.Logfire, client *sqs.Client, queue string) http.Handler {
	var lastID atomic.Int64
	mux := http.NewServeMux()
	mux.HandleFunc("POST /orders", func(w http.ResponseWriter, r *http.Request) {
		var o Order
		if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(&o); err != nil || o.Item == "" || o.Quantity <= 0 {
			http.Error(w, `want {"item": "…", "quantity": n}`, http.StatusBadRequest)
			return
		}
		o.ID = 1000 + lastID.Add(1)
		ctx, span := lf.Span(r.Context(), "placing order {order_id}", "order_id", o.ID, "item", o.Item, "quantity", o.Quantity)
		defer span.End()

		body, _ := json.Marshal(o)
		// A plain SendMessage: the trace context goes into the message's
		// attributes by itself.
		out, err := client.SendMessage(ctx, &sqs.SendMessageInput{
			QueueUrl:    aws.String(queue),
			MessageBody: aws.String(string(body)),
			MessageAttributes: map[string]types.MessageAttributeValue{
				"item": {DataType: aws.String("String"), StringValue: aws.String(o.Item)},
			},
		})
		if err != nil {
			span.RecordError(err)
			http.Error(w, "queueing the order failed", http.StatusBadGateway)
			return
		}
		lf.Info(ctx, "order {order_id} queued as message {message_id}", "order_id", o.ID, "message_id", aws.ToString(out.MessageId))
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusAccepted)
		_ = json.NewEncoder(w).Encode(map[string]any{
			"order_id": o.ID, "message_id": aws.ToString(out.MessageId), "trace_id": span.SpanContext().TraceID().String(),
		})
	})
	return mux
}
