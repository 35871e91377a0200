package logfireaws

import (
	"context"
	"fmt"
	"reflect"
	"strings"

	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/smithy-go/middleware"
	"go.opentelemetry.io/contrib/instrumentation/github.com/aws/aws-sdk-go-v2/otelaws"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"

	"github.com/logfire-go/sdk/internal/keys"
	"github.com/logfire-go/sdk/logfire"
)

// AppendMiddlewares adds to apiOptions the middlewares that record every
// AWS call as a span (contrib otelaws's, with Logfire's message and level)
// and write the trace context into the messages that SQS, SNS, EventBridge
// and Lambda calls send (see the package documentation). Its signature is
// otelaws.AppendMiddlewares's; give it an aws.Config's APIOptions to
// instrument every client made from the config, or a client's Options'
// APIOptions for that client only:
//
//	logfireaws.AppendMiddlewares(lf, &cfg.APIOptions)
//	client := sqs.NewFromConfig(cfg)
//
//	client := sqs.NewFromConfig(cfg, func(o *sqs.Options) { logfireaws.AppendMiddlewares(lf, &o.APIOptions) })
//
// The spans are lf's, and the trace context is written with lf's
// propagator; a nil lf stands for the default instance (see the package
// documentation).
//
// Call it once per config or client: a second call adds a second set of
// middlewares, which the AWS SDK rejects. A nil apiOptions does nothing.
func AppendMiddlewares(lf *logfire.Logfire, apiOptions *[]func(*middleware.Stack) error, opts ...Option) {
	if apiOptions == nil {
		return
	}
	c := newConfig(lf, opts)
	otelaws.AppendMiddlewares(apiOptions, c.otelawsOptions()...)
	m := &callMiddleware{propagator: c.propagator, report: c.report, log: &skipLog{}}
	*apiOptions = append(*apiOptions, func(s *middleware.Stack) error {
		if err := s.Initialize.Insert(m, otelawsSpanMiddleware, middleware.After); err != nil {
			// otelaws's middleware was removed or renamed: run last, which
			// is still after the span starts.
			return s.Initialize.Add(m, middleware.After)
		}
		return nil
	})
}

// callMiddleware is the initialize middleware that runs inside otelaws's
// span: it sets Logfire's attributes on the span and sends the input with
// the trace context in its messages.
type callMiddleware struct {
	propagator propagation.TextMapPropagator
	report     func(error)
	log        *skipLog
}

// ID names the middleware in the stack.
func (*callMiddleware) ID() string { return "LogfireTraceContext" }

// HandleInitialize sets the span's message and level, replaces the input
// with a copy that carries the trace context, and marks the span as failed
// if the call fails.
func (m *callMiddleware) HandleInitialize(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (
	middleware.InitializeOutput, middleware.Metadata, error,
) {
	operation := spanName(awsmiddleware.GetServiceID(ctx), awsmiddleware.GetOperationName(ctx))
	span := trace.SpanFromContext(ctx)
	if span.IsRecording() {
		span.SetAttributes(
			attribute.String(keys.Msg, message(operation, in.Parameters)),
			attribute.Int(keys.LevelNum, int(logfire.LevelInfo)),
		)
	}
	params, skipped, reason := inject(ctx, m.propagator, in.Parameters)
	in.Parameters = params
	m.log.skip(m.report, operation, reason, skipped)
	out, md, err := next.HandleInitialize(ctx, in)
	if err != nil && span.IsRecording() {
		span.AddEvent("exception", trace.WithAttributes(
			attribute.String("exception.type", fmt.Sprintf("%T", err)),
			attribute.String("exception.message", err.Error()),
		))
		span.SetAttributes(attribute.Int(keys.LevelNum, int(logfire.LevelError)))
	}
	return out, md, err
}

// spanName is otelaws's span name, "Service.Operation".
func spanName(service, operation string) string {
	if operation == "" {
		return service
	}
	return service + "." + operation
}

// message is the span's logfire.msg: the operation and, when the input
// names one, its target ("SQS.SendMessage orders").
func message(operation string, params any) string {
	if t := target(params); t != "" {
		return operation + " " + t
	}
	return operation
}

// targetFields are the input fields that name an operation's target, in
// the order they are looked for (SNS's PhoneNumber is left out: it is
// personal data).
var targetFields = []string{"QueueUrl", "TopicArn", "TargetArn", "FunctionName"}

// target returns the short name of the queue, topic, function or event
// bus an input is for, or "".
func target(params any) string {
	if in, ok := params.(*eventbridge.PutEventsInput); ok {
		return eventBuses(in)
	}
	v := reflect.ValueOf(params)
	if v.Kind() != reflect.Pointer || v.IsNil() || v.Elem().Kind() != reflect.Struct {
		return ""
	}
	for _, name := range targetFields {
		f := v.Elem().FieldByName(name)
		if !f.IsValid() || f.Kind() != reflect.Pointer || f.IsNil() || f.Elem().Kind() != reflect.String {
			continue
		}
		if s := shortName(name, f.Elem().String()); s != "" {
			return s
		}
	}
	return ""
}

// shortName shortens a queue URL to the queue's name, an ARN to its last
// part and a Lambda function ARN to the function's name (with its
// qualifier).
func shortName(field, s string) string {
	switch {
	case field == "QueueUrl":
		s = strings.TrimRight(s, "/")
		return s[strings.LastIndexByte(s, '/')+1:]
	case field == "EventBusName":
		return s[strings.LastIndexAny(s, ":/")+1:]
	case field == "FunctionName":
		if _, name, ok := strings.Cut(s, ":function:"); ok {
			return name
		}
		return s
	}
	return s[strings.LastIndexByte(s, ':')+1:]
}
