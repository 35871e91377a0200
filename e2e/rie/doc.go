// Package rie runs Lambda functions under AWS's Lambda Runtime Interface
// Emulator (aws-lambda-rie, github.com/aws/aws-lambda-runtime-interface-emulator),
// for the end-to-end tests of the Logfire Go SDK.
//
// The emulator is built from the module this module's go.mod pins with a
// tool directive, so a clean clone needs nothing but Go. It runs in two
// modes: the classic one, and the Lambda Managed Instances one
// (WithManagedInstances, the AWS_LAMBDA_MAX_CONCURRENCY variable), which
// runs invocations concurrently in one process and offers the Telemetry
// API. In that mode it only looks for the function at
// /var/runtime/bootstrap, /var/task/bootstrap and /opt/bootstrap, so Start
// runs it in a private mount namespace in which a temporary directory of
// the test is mounted on /var (with the function at /var/task/bootstrap)
// and an empty one on /opt, and in a private PID namespace, so that the
// emulator and everything it started end together. The machine's own
// /var and /opt are never written to. That takes root: Start skips the
// test elsewhere, and where the namespaces or the mounts are refused.
//
// Everything listens on 127.0.0.1.
//
// The emulator never freezes the function and answers the client only
// after every extension is done with the invocation: what a frozen
// process does is shown by otellambdaflush/lambdatest instead.
package rie
