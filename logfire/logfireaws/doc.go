// Package logfireaws connects the AWS SDK for Go v2 to Logfire: every AWS
// call becomes a client span, and the calls that send a message to another
// service carry the trace context along, so that a Lambda function that
// consumes the message continues the producer's trace.
//
// One line on the aws.Config instruments every client made from it:
//
//	cfg, err := config.LoadDefaultConfig(ctx)
//	logfireaws.AppendMiddlewares(lf, &cfg.APIOptions)
//	sqsClient := sqs.NewFromConfig(cfg)
//	_, err = sqsClient.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: &queue, MessageBody: &body})
//
// The spans are recorded by OpenTelemetry's contrib instrumentation otelaws
// (named "SQS.SendMessage", kind client, with otelaws's rpc.*, aws.* and
// messaging.* attributes). This package adds what Logfire shows: a
// logfire.msg that names the call and its target ("SQS.SendMessage orders",
// "SNS.Publish order-events", "EventBridge.PutEvents orders-bus",
// "Lambda.Invoke order-processor"), the level (info, or error when the call
// failed), and for a failed call an exception event with the error's type
// and message; otelaws sets the status Error with the error's message.
//
// # What carries the trace context
//
// The context of the call's span is written, with the instance's
// propagator (W3C traceparent, tracestate and baggage by default), into the
// request that is sent:
//
//   - SQS SendMessage and SendMessageBatch: String message attributes of
//     each message;
//   - SNS Publish and PublishBatch: String message attributes of each
//     message (they reach SQS subscribers as message attributes with raw
//     message delivery, and inside the notification without it);
//   - EventBridge PutEvents: the object "_otel" inside each entry's JSON
//     detail, {"_otel": {"traceparent": "00-…"}, …};
//   - Lambda Invoke: the "custom" object of the client context, which
//     Lambda hands to the function for synchronous invocations.
//
// These are the places where package otellambdaflush reads the context of
// an SQS, SNS or EventBridge event, so a consuming function's invocation
// span is the child of the call's span (for a batch of records, it links to
// each). The caller's input is never modified: the middleware sends a copy.
//
// A message that already carries a traceparent (written by hand, or
// forwarded from another message) is sent as it is. Every other message
// gets the context unless it cannot hold it; then it is sent without it,
// and the instance's error handler (logfire.WithErrorHandler; by default a
// line on standard error) is told so, with the number of such messages, at
// most once a minute for the clients of one AppendMiddlewares call. No call
// fails because a message cannot hold the context:
//
//   - an SQS or SNS message may have at most 10 message attributes: one
//     that has too many to take the context's is skipped, and so is one
//     that has an attribute of its own named like one of the context's
//     (baggage, say) but no traceparent;
//   - an EventBridge entry whose detail is not a JSON object, or already
//     has an "_otel" object without a traceparent, is skipped;
//   - an Invoke whose client context is not base64-encoded JSON, or would
//     grow past Lambda's 3,583 bytes, is skipped.
//
// The context counts toward the services' message size limits (about 100
// bytes, more with tracestate and baggage): bodies are not measured, so a
// message that was already that close to its limit may be refused.
//
// The AWS requests themselves also get the traceparent header, from
// otelaws.
//
// # Which instance
//
// The spans go to the instance given to AppendMiddlewares and are injected
// with its propagator (logfire.WithPropagator chooses it); a nil instance
// stands for the default one, as it is when AppendMiddlewares is called
// (the one the last logfire.Configure made). Without any instance,
// OpenTelemetry's global tracer provider and propagator are used. A call made without a span in its context,
// and with no tracer provider to record one, has no context to carry: its
// messages are sent as they are and are not counted.
package logfireaws
