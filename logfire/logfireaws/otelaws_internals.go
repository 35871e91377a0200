package logfireaws

// What this package relies on of otelaws that otelaws does not export,
// pinned to the version in go.mod (go.opentelemetry.io/contrib/
// instrumentation/github.com/aws/aws-sdk-go-v2/otelaws v0.70.0).
// TestOTelAWSInternals fails when an upgrade changes it.

// otelawsSpanMiddleware is the ID of otelaws's initialize middleware that
// starts the call's span (aws.go, "OTelInitializeMiddlewareAfter"); this
// package's middleware runs right after it, inside the span. Were it
// renamed, AppendMiddlewares would still work (its middleware would run
// last, which is still after the span starts), but the test says so.
const otelawsSpanMiddleware = "OTelInitializeMiddlewareAfter"
