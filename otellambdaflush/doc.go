// Package otellambdaflush makes AWS Lambda functions instrumented with
// Logfire lossless.
//
// Lambda freezes the process the moment an invocation is complete, so
// telemetry still queued in a batch processor is sent minutes later, when a
// later invocation thaws the process, or never. This package flushes the
// traces, metrics and logs of a *logfire.Logfire after the invocation span
// has ended, bounded by the invocation deadline so a slow or dead backend
// never turns a success into a timeout: after every invocation while the
// function is invoked rarely, and every two seconds while it is busy (see
// ModeAuto).
//
// The one-call path wraps a handler and starts the Lambda runtime:
//
//	lf, err := logfire.Configure(ctx)
//	…
//	otellambdaflush.Start(lf, handler)
//
// It records the invocation span with contrib otellambda and adds what
// otellambda leaves out: failures (returned errors and panics) marked as
// errors, faas.coldstart and faas.trigger, an invocation that runs into its
// deadline ended with a timeout error and flushed shortly before it, and
// SIGTERM handled by shutting Logfire down within Lambda's grace period.
//
// The invocation span continues the trace its event carries: the
// traceparent of an API Gateway, function URL or ALB request, of an SQS,
// SNS or EventBridge message, or of the client context of a direct Invoke
// (package logfire/logfireaws puts it there). An SQS or SNS batch gives no
// parent but a link to each record's context (SQSMessageCarrier gives one
// record's context, for a span per record), and an event with no context
// links to the invocation's X-Ray context (WithXRay).
//
// The flush runs after the response has been posted, outside the
// client's wait: aws-lambda-go closes the response body once it has posted
// it, and only then asks for the next event, which lets Lambda freeze the
// process; the flush runs there (ModePostResponse). A failed invocation is
// flushed before its error is posted. On Lambda Managed Instances, which
// never freeze, nothing is flushed per invocation (ModeNone). Start picks
// the mode (ModeAuto); WithMode pins one.
//
// A handler may stream its response: when it returns an io.Reader that
// aws-lambda-go streams, such as *events.LambdaFunctionURLStreamingResponse,
// the response stays streamed, the invocation span ends when the body has
// been sent (an error while reading it is recorded on the span), and the
// flush runs after the last byte.
//
// On Lambda the package registers an internal extension, for no events,
// which subscribes to Lambda's Telemetry API and records the platform's
// report of each invocation: the OpenTelemetry FaaS
// metrics faas.invocations, faas.errors (with error.type: Lambda's error
// type, timeout, Runtime.OutOfMemory), faas.timeouts, faas.coldstarts,
// faas.init_duration, faas.invoke_duration and faas.mem_usage, the billed
// duration as aws.lambda.billed_duration, and a span "Lambda report:
// {aws.lambda.status}" with the report's figures under the invocation span.
// Lambda sends the report of an invocation once it is complete, and
// nothing reaches a frozen process: it arrives while the next invocation
// runs and is exported by its flush, or at SIGTERM, whose shutdown waits
// for it. On Lambda Managed Instances the report gives the status and
// duration only. Where Lambda refuses the registration or the
// subscription, one line says so and the rest works as before.
//
// A function that calls lambda.Start itself, or that used otellambda until
// now, builds the same integration with New and wraps its handler with
// Runtime.Handler (where otellambda.InstrumentHandler was); see New.
//
// The guide, with measured costs of the flush modes, is docs/lambda.md
// in the repository. Package lambdatest runs a compiled function under a
// local Lambda emulator that freezes it the way Lambda does.
package otellambdaflush
