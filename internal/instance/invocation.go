package instance

import "context"

// BeforeInvocation is what the Lambda integration calls at the start of
// each invocation, with the invocation's context (whose deadline is the
// invocation's), for lf, a *logfire.Logfire (nil stands for the default
// instance): it refreshes what a process frozen between invocations
// cannot keep fresh in the background, the configuration of managed
// variables, when it is older than its polling interval. It is bounded by
// the context's deadline and a short timeout, never fails and never
// panics; problems go to lf's error handler. Package logfire sets it.
var BeforeInvocation func(ctx context.Context, lf any)
