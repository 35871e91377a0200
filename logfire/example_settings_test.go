package logfire_test

// Examples of the options that match the Python SDK's settings.

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"go.opentelemetry.io/otel/propagation"

	"github.com/logfire-go/sdk/logfire"
)

// With distributed tracing off, a span started from an incoming request's
// trace context starts a new trace, linked to the caller's span.
func ExampleWithDistributedTracing() {
	lf, c := captured(logfire.WithDistributedTracing(false))
	incoming := propagation.MapCarrier{"traceparent": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"}
	ctx := lf.Propagator().Extract(context.Background(), incoming)
	_, span := lf.Span(ctx, "handle request")
	span.End()

	s := c.Span("handle request")
	fmt.Println("continued the caller's trace:", s.Parent.IsValid())
	fmt.Println("links to the caller:", len(s.Links) == 1 && s.Links[0].SpanContext.SpanID().String() == "b7ad6b7169203331")
	// Output:
	// continued the caller's trace: false
	// links to the caller: true
}

// The configuration log says which settings the program runs with (never
// the token).
func ExampleWithEmitConfigurationSpan() {
	_, c := captured(logfire.WithEmitConfigurationSpan(true), logfire.WithServiceName("checkout"))
	fmt.Println(c.Log("Logfire configured").Template())
	// Output:
	// Logfire configured
}

// The settings of a Python project's pyproject.toml apply to a Go program
// in the same directory; the environment and the options win over them.
func ExampleWithConfigDir() {
	dir, err := os.MkdirTemp("", "logfire-example-")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)
	toml := "[tool.logfire]\nservice_name = \"from-pyproject\"\n"
	if err := os.WriteFile(filepath.Join(dir, "pyproject.toml"), []byte(toml), 0o600); err != nil {
		fmt.Println(err)
		return
	}
	lf, c := captured(logfire.WithConfigDir(dir))
	lf.Info(context.Background(), "hello")
	name, _ := c.Log("hello").Resource.Set().Value("service.name")
	fmt.Println(name.AsString())
	// Output:
	// from-pyproject
}

// The process detector adds the process's attributes (its command
// line, its owner, ...) to those the SDK always detects.
func ExampleWithResourceDetectors() {
	has := func(opts ...logfire.Option) bool {
		lf, c := captured(opts...)
		lf.Info(context.Background(), "hello")
		_, ok := c.Log("hello").Resource.Set().Value("process.command_args")
		return ok
	}
	fmt.Println("default:", has())
	fmt.Println("with process:", has(logfire.WithResourceDetectors("process")))
	// Output:
	// default: false
	// with process: true
}

// Managed variables are fetched again every five minutes rather than
// every minute; an interval out of range is refused, with the accepted
// values.
func ExampleWithVariablePolling() {
	_, c := captured(logfire.WithVariablePolling(5 * time.Minute))
	fmt.Println(c != nil)
	_, err := logfire.Configure(context.Background(), logfire.WithConsole(nil), logfire.WithVariablePolling(time.Second))
	fmt.Println(err)
	// Output:
	// true
	// logfire: logfire.WithVariablePolling: 1s: accepted values are 10s to 24h0m0s
}
