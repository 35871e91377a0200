//go:build linux

package lambdatest_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log"
	"strings"
	"time"

	"github.com/logfire-go/sdk/otellambdaflush/lambdatest"
	"github.com/logfire-go/sdk/otellambdaflush/lambdatest/internal/fnreply"
)

// The examples run the function of testdata/fn (fnPath, built by
// TestMain). A test would build its own with Build and use Start, which
// closes the emulator when the test ends. The function echoes the event's
// "message" and reports what it saw of its invocation; its FN_*
// environment variables choose the extensions it registers.

// ExampleNew invokes a function twice: the first invocation starts the
// process (a cold start), and after each one the emulator freezes the
// process, as Lambda does.
func ExampleNew() {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var steps strings.Builder // what the emulator did, shown if something goes wrong
	e, err := lambdatest.New(fnPath, lambdatest.WithFunctionName("orders"), lambdatest.WithRegion("eu-west-1"),
		lambdatest.WithLogf(log.New(&steps, "", 0).Printf))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer e.Close()
	for _, msg := range []string{"first", "second"} {
		inv, err := e.Invoke(ctx, []byte(`{"message":"`+msg+`"}`))
		if err != nil {
			_ = e.Close() // nothing is logged once Close has returned: steps can be read
			fmt.Println(err, steps.String())
			return
		}
		var r fnreply.Reply
		_ = json.Unmarshal(inv.Response, &r)
		fmt.Printf("%s: cold start %v, frozen after completion %v\n", r.Message, inv.ColdStart, !inv.FreezeSent.Before(inv.Completed))
	}
	fmt.Println("processes started:", e.Starts())
	// Output:
	// first: cold start true, frozen after completion true
	// second: cold start false, frozen after completion true
	// processes started: 1
}

// ExampleEmulator_Send runs two invocations at once on managed instances,
// where the process is never frozen, and reads the first one's response as
// soon as it is posted.
func ExampleEmulator_Send() {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	e, err := lambdatest.New(fnPath, lambdatest.WithManagedInstances(2))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer e.Close()
	a, err := e.Send(ctx, []byte(`{"message":"a","action":"sleep","sleepMs":100}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	b, err := e.Send(ctx, []byte(`{"message":"b","action":"sleep","sleepMs":100}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	resp, err := a.Response(ctx)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("a responded:", !resp.Responded.IsZero())
	for _, p := range []*lambdatest.Pending{a, b} {
		inv, err := p.Wait(ctx)
		if err != nil {
			fmt.Println(err)
			return
		}
		var r fnreply.Reply
		_ = json.Unmarshal(inv.Response, &r)
		fmt.Printf("%s: completed %v, frozen %v\n", r.Message, !inv.Completed.IsZero(), !inv.FreezeSent.IsZero())
	}
	// Output:
	// a responded: true
	// a: completed true, frozen false
	// b: completed true, frozen false
}

// ExampleWithClientContext sets the invocation headers that aws-lambda-go
// puts into lambdacontext.LambdaContext and the handler's context.
func ExampleWithClientContext() {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	e, err := lambdatest.New(fnPath)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer e.Close()
	inv, err := e.Invoke(ctx, []byte(`{}`),
		lambdatest.WithClientContext(`{"custom":{"traceparent":"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"}}`),
		lambdatest.WithTraceID("Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"),
		lambdatest.WithCognitoIdentity(`{"cognitoIdentityId":"us-east-1:1234"}`),
		lambdatest.WithTenantID("tenant-7"))
	if err != nil {
		fmt.Println(err)
		return
	}
	var r fnreply.Reply
	_ = json.Unmarshal(inv.Response, &r)
	fmt.Println("client context:", r.ClientCustom["traceparent"])
	fmt.Println("X-Ray:", r.TraceID)
	fmt.Println("Cognito identity:", r.CognitoID)
	fmt.Println("tenant:", r.TenantID)
	// Output:
	// client context: 00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01
	// X-Ray: Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1
	// Cognito identity: us-east-1:1234
	// tenant: tenant-7
}

// ExampleWithExternalExtensions declares the function's extension
// "fn-flush" external, so that it may subscribe to SHUTDOWN: Shutdown then
// gives the runtime 300 ms between SIGTERM and SIGKILL and queues the
// SHUTDOWN event for the extension.
func ExampleWithExternalExtensions() {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	e, err := lambdatest.New(fnPath,
		lambdatest.WithExternalExtensions("fn-flush"),
		lambdatest.WithEnv("FN_EXTENSION_DELAY", "1ms"),
		lambdatest.WithEnv("FN_EXTENSION_EVENTS", "INVOKE,SHUTDOWN"))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer e.Close()
	if _, err := e.Invoke(ctx, []byte(`{}`)); err != nil {
		fmt.Println(err)
		return
	}
	for _, x := range e.Extensions() {
		fmt.Println(x.Name, x.Events, "external:", x.External)
	}
	rep, err := e.Shutdown(ctx)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("grace:", rep.Grace, "SHUTDOWN sent to:", rep.ShutdownEvents)
	// Output:
	// fn-flush [INVOKE SHUTDOWN] external: true
	// grace: 300ms SHUTDOWN sent to: [fn-flush]
}
