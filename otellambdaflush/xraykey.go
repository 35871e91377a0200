package otellambdaflush

import "context"

// This file reads a private detail of github.com/aws/aws-lambda-go,
// written against v1.55.1 (xrayKeyPinnedVersion): the context key under
// which its invoke loop (lambda/invoke_loop.go) stores the invocation's
// Lambda-Runtime-Trace-Id header. TestXRayKeyPinnedVersion fails when
// go.mod moves to another version, and TestXRayHeaderReachesTheInvocation
// (under the emulator) when the key no longer works: check
// lambda/invoke_loop.go of the new version, then move the pin.

// xrayKeyPinnedVersion is the aws-lambda-go version this file was checked
// against.
const xrayKeyPinnedVersion = "v1.55.1"

// xrayContextKey is aws-lambda-go's context key for the trace header. It
// is a plain string key, so it has to be spelled the same way here.
const xrayContextKey = "x-amzn-trace-id"

// xrayTraceHeader returns the X-Ray trace header of the invocation that
// ctx belongs to ("Root=1-…;Parent=…;Sampled=…"), or "" if there is none.
// It reads the invocation context rather than the _X_AMZN_TRACE_ID
// variable, which is wrong when invocations run concurrently (Lambda
// Managed Instances).
func xrayTraceHeader(ctx context.Context) string {
	//nolint:staticcheck // aws-lambda-go's key is a plain string.
	h, _ := ctx.Value(xrayContextKey).(string)
	return h
}
