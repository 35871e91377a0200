// Package lambdatest runs a compiled AWS Lambda function binary locally,
// behind an emulation of the Lambda Runtime API and Extensions API that
// freezes the process between invocations the way Lambda does.
//
// It exists to test what happens around the freeze: telemetry that has not
// been exported when an invocation completes stays in a stopped process
// until the next invocation (or is lost at shutdown). A test can invoke the
// function, observe that the process is stopped, and check what reached a
// fake backend before the freeze.
//
//	bin := lambdatest.Build(t, ".") // the function's package, built as Lambda runs it
//	e := lambdatest.Start(t, bin, lambdatest.WithTimeout(2*time.Second))
//	inv, err := e.Invoke(ctx, []byte(`{"name":"x"}`))
//	// inv.Response, inv.Responded, inv.Completed, inv.FreezeSent, inv.TimedOut, ...
//	rep, err := e.Shutdown(ctx)
//	// rep.SIGTERMSent, rep.ExitedWithinGrace, rep.Killed, ...
//
// Invoke runs one invocation to its end and returns its record. Send starts
// one and returns at once, for the two things Invoke cannot show: what the
// caller sees when the response is posted, while extensions may still run
// and before the freeze (Pending.Response), and invocations in flight at
// the same time on managed instances (WithManagedInstances).
//
// # Checking what arrived before the freeze
//
// A lossless check compares when each piece of telemetry reached the
// backend with Invocation.Completed: the moment the runtime and every
// INVOKE extension had asked for their next event, after which Lambda may
// freeze the process at any instant. Invocation.FreezeSent, when SIGSTOP
// was actually sent, comes right after it and is the loosest bound that
// still proves anything. Invocation.Frozen is only when the stop was
// observed on every thread (a /proc poll): data arriving before Frozen
// but after FreezeSent was merely not yet noticed as late. Arrival times
// must be taken by the backend in the test process (same clock).
//
// # What is faithful to Lambda
//
//   - The HTTP paths, methods, headers and status codes that aws-lambda-go
//     (v1.55) uses: GET /2018-06-01/runtime/invocation/next with
//     Lambda-Runtime-Aws-Request-Id, -Deadline-Ms, -Invoked-Function-Arn,
//     -Trace-Id and, when given, -Client-Context, -Cognito-Identity and
//     -Aws-Tenant-Id; 202 replies to /response, /error and
//     /runtime/init/error; POST /2020-01-01/extension/register returning
//     Lambda-Extension-Identifier; GET /2020-01-01/extension/event/next with
//     INVOKE and SHUTDOWN events; /extension/init/error and /exit/error.
//     Invalid requests to these paths get the JSON
//     {"errorMessage","errorType"} replies of the AWS Runtime Interface
//     Emulator (4xx), never a crash; other paths get a plain 404 or 405.
//   - The environment variables of the provided.al2023 runtime
//     (AWS_LAMBDA_RUNTIME_API, AWS_LAMBDA_FUNCTION_NAME, ..._VERSION,
//     ..._MEMORY_SIZE, AWS_REGION, AWS_LAMBDA_LOG_GROUP_NAME,
//     AWS_LAMBDA_LOG_STREAM_NAME, AWS_LAMBDA_INITIALIZATION_TYPE, _HANDLER,
//     LAMBDA_TASK_ROOT, TZ), in an otherwise empty environment.
//   - Lifecycle. INIT ends when the runtime and every registered extension
//     have called their next endpoint (bounded by the init timeout, 10 s).
//     Extensions may register only during INIT, at most 10. An invocation is
//     complete when the runtime has posted its response or error and called
//     /next again, and every extension subscribed to INVOKE has called
//     /event/next again after receiving that invocation's INVOKE event; an
//     extension registered with no events (aws-lambda-go's
//     GoLangEnableSIGTERM) does not hold the freeze. At that moment the
//     whole process group gets SIGSTOP; it gets SIGCONT just before the
//     next event is handed out.
//   - The function timeout bounds the whole Invoke phase, extensions
//     included. A timeout, a crash or a failed INIT resets the environment:
//     the next invocation starts a new process (a new INIT).
//   - SHUTDOWN and resets: SIGTERM is sent to the runtime only if at least
//     one extension is registered, followed by SIGKILL after 500 ms (300 ms
//     if only external extensions are registered); without extensions the
//     runtime is killed at once. Extensions subscribed to SHUTDOWN get the
//     event with the reason ("spindown", "timeout", "failure").
//   - Internal extensions (every name not given to WithExternalExtensions)
//     may subscribe to INVOKE only. With WithManagedInstances, INVOKE
//     subscriptions are refused, invocations may run concurrently and the
//     process is never frozen.
//   - The Telemetry API: PUT /2022-07-01/telemetry subscribes a registered
//     extension, during INIT only (403 Telemetry.SubscriptionClosed after),
//     checked as Lambda checks it (schema versions 2025-01-29, 2022-12-13
//     and 2022-07-01, only 2025-01-29 with WithManagedInstances; buffering
//     maxItems 1000-10000, maxBytes 262144-1048576, timeoutMs 25-30000;
//     an HTTP destination on sandbox.localdomain, which stands for
//     127.0.0.1). Platform events are POSTed as JSON arrays in batches
//     honouring the buffering, and only while the environment is not frozen:
//     a report made when an invocation completes arrives when the next
//     invocation or the shutdown thaws the process. The events, with the
//     emulator's own figures: platform.initStart (sent before any
//     subscription, so replayed to later subscribers),
//     platform.telemetrySubscription, platform.initRuntimeDone,
//     platform.extension (one per registered extension),
//     platform.initReport (INIT's duration), platform.start,
//     platform.runtimeDone (status, duration, producedBytes; none on
//     managed instances, as the Runtime Interface Emulator's managed
//     instances mode sends none) and
//     platform.report (duration from hand-out to completion, billed
//     duration rounded up to the millisecond with INIT added on a cold
//     start, memory size, and the peak resident memory of the process
//     tree, read from /proc; on managed instances the status and duration
//     only). A timeout's runtimeDone and report (status timeout, errorType
//     Sandbox.Timedout) are sent before the reset, so the runtime still gets
//     them during its SIGTERM; whatever is still queued is delivered at once
//     before SHUTDOWN; subscriptions end with their environment.
//   - The memory size (AWS_LAMBDA_FUNCTION_MEMORY_SIZE, 128 MB unless WithEnv
//     sets it): when the resident memory of the runtime process and its
//     children passes it, the runtime process is killed (SIGKILL), as the
//     OOM killer does in Lambda's cgroup; the invocation is
//     Invocation.OutOfMemory, and its runtimeDone and report say status
//     error, errorType Runtime.OutOfMemory (as the Runtime Interface
//     Emulator's RAPID reports an OOM kill), with the whole memory size
//     used. A subscriber in the killed process receives nothing of it.
//
// # What is not
//
//   - There is no sandbox: the function runs as the test's user, with the
//     test's file system, network and resource limits. /tmp is the host's,
//     but TMPDIR (which os.TempDir reads) names a directory of the
//     emulator's own, which outlives resets, as Lambda's /tmp does, and
//     which Close removes.
//     The memory size is enforced by measuring every 10 ms (Linux only), so
//     a fast allocation can overshoot it before the kill, where Lambda's
//     cgroup stops it at the limit.
//   - One process group stands for the whole execution environment; there
//     are no /opt/extensions executables. An "external" extension is merely
//     a registration under a declared name. SHUTDOWN is queued after the
//     runtime process has exited or been killed, so only an extension
//     running in another process of the group can receive it.
//   - The Logs API is not served (404); output is captured from the
//     process's stdout and stderr instead of CloudWatch. The Telemetry API
//     delivers over HTTP only (a TCP destination is refused) and platform
//     events only: a subscription to "function" or "extension" logs is
//     accepted but gets none, and platform.logsDropped and the restore
//     events are not sent.
//   - There is no invoke endpoint; tests call Invoke. There is no billing,
//     no 10 s INIT retry inside the Invoke phase, no SnapStart, no response
//     streaming semantics (a streamed response is recorded when complete),
//     and the idle time before SHUTDOWN is whatever the test chooses.
//   - Freezing is SIGSTOP/SIGCONT: the process's clocks keep running while
//     it is stopped (as they do on Lambda), but TCP peers see a stopped
//     process, not a suspended VM.
//   - Unix only (process groups and job control signals); the tests and
//     the stopped-state check use Linux /proc.
package lambdatest
