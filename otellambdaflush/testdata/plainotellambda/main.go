// Command plainotellambda is a Lambda function instrumented the way the
// otellambda README shows, with the plain OpenTelemetry Go SDK and no
// Logfire: a batch span processor exporting over OTLP/HTTP to
// OTEL_EXPORTER_OTLP_ENDPOINT, and otellambda.InstrumentHandler around the
// handler. The e2e tests run it as the negative control of the freeze
// (without a flusher, spans are late or lost) and the benchmark runs it as
// the baseline (with otellambda.WithFlusher(tp), which flushes traces in
// the handler).
//
//	FN_FLUSHER=1   otellambda.WithFlusher(tp)
//	FN_SPANS=n     child spans per invocation (default 1)
//
// The handler takes {"command": "..."} and answers like examples/lambda.
package main

import (
	"context"
	"fmt"
	"os"
	"strconv"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"go.opentelemetry.io/contrib/instrumentation/github.com/aws/aws-lambda-go/otellambda"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
)

type request struct {
	Command string `json:"command"`
}

type response struct {
	ReqID string `json:"req_id"`
	Msg   string `json:"msg"`
}

func main() {
	ctx := context.Background()
	exp, err := otlptracehttp.New(ctx) // OTEL_EXPORTER_OTLP_ENDPOINT
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(exp))
	tracer := tp.Tracer("plainotellambda")
	spans := 1
	if n, err := strconv.Atoi(os.Getenv("FN_SPANS")); err == nil {
		spans = n
	}

	handler := func(ctx context.Context, req request) (response, error) {
		reqID := ""
		if lc, ok := lambdacontext.FromContext(ctx); ok {
			reqID = lc.AwsRequestID
		}
		for i := range spans {
			_, span := tracer.Start(ctx, "work", trace.WithAttributes(
				attribute.Int("i", i), attribute.String("req_id", reqID)))
			span.End()
		}
		return response{ReqID: reqID, Msg: fmt.Sprintf("Command %s.", req.Command)}, nil
	}

	opts := []otellambda.Option{otellambda.WithTracerProvider(tp)}
	if os.Getenv("FN_FLUSHER") == "1" {
		opts = append(opts, otellambda.WithFlusher(tp))
	}
	lambda.Start(otellambda.InstrumentHandler(handler, opts...))
}
