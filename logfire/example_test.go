package logfire_test

import (
	"context"
	"errors"
	"fmt"
	"os"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/logfire-go/sdk/config"
	"github.com/logfire-go/sdk/console"
	"github.com/logfire-go/sdk/internal/testhook"
	"github.com/logfire-go/sdk/logfire"
)

// Configure reads the environment (LOGFIRE_TOKEN, LOGFIRE_SERVICE_NAME, …);
// options given in code win over it. Shutdown flushes everything.
func ExampleConfigure() {
	ctx := context.Background()
	lf, err := logfire.Configure(ctx,
		logfire.WithServiceName("checkout"),
		logfire.WithSendToLogfire("false"),
		logfire.WithConsole(&console.Options{Writer: os.Stdout, HideTimestamps: true, Colors: config.ColorsNever}),
	)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer lf.Shutdown(ctx)

	// The package-level functions record to the instance Configure made.
	logfire.Info(ctx, "Hello {name}", "name", "world")
	// Output: Hello world
}

// A bad setting is an error that names it and what it accepts.
func ExampleConfigure_invalid() {
	_, err := logfire.Configure(context.Background(), logfire.WithSampling(logfire.SamplingOptions{Head: 2}))
	fmt.Println(err)
	// Output: logfire: logfire.WithSampling: Head is 2: accepted values are numbers from 0 to 1 (0: LOGFIRE_TRACE_SAMPLE_RATE, by default 1)
}

// recorder returns an instance whose spans land in memory, for examples.
func recorder() (*logfire.Logfire, *tracetest.InMemoryExporter) {
	mem := tracetest.NewInMemoryExporter()
	lf, _ := logfire.Configure(testhook.With(context.Background(), testhook.Settings{NotDefault: true}),
		logfire.WithConsole(nil), logfire.WithSendToLogfire("false"),
		logfire.WithSpanProcessor(sdktrace.NewSimpleSpanProcessor(mem)))
	return lf, mem
}

func attr(s tracetest.SpanStub, key string) string {
	for _, kv := range s.Attributes {
		if string(kv.Key) == key {
			return kv.Value.Emit()
		}
	}
	return ""
}

// Span starts a span named by its message template; its placeholders are
// filled from the attributes.
func ExampleLogfire_Span() {
	lf, mem := recorder()
	ctx := context.Background()

	ctx, span := lf.Span(ctx, "processing order {order_id}", "order_id", 42)
	lf.Warn(ctx, "stock for {item} is low", "item", "widget")
	span.End()

	for _, s := range mem.GetSpans() {
		fmt.Printf("%s | %s | level %s\n", s.Name, attr(s, "logfire.msg"), attr(s, "logfire.level_num"))
	}
	// Output:
	// stock for {item} is low | stock for widget is low | level 13
	// processing order {order_id} | processing order 42 | level 9
}

// An error among the attributes is recorded as an exception; at level
// error it also marks the log as failed.
func ExampleLogfire_Error() {
	lf, mem := recorder()
	lf.Error(context.Background(), "payment failed", "error", errors.New("card declined"))

	s := mem.GetSpans()[0]
	fmt.Println(s.Status.Code, s.Status.Description)
	fmt.Println(s.Events[0].Name)
	// Output:
	// Error *errors.errorString: card declined
	// exception
}

// Tags go among the attributes.
func ExampleTags() {
	lf, mem := recorder()
	lf.Info(context.Background(), "deployed", logfire.Tags("ops", "release"))
	fmt.Println(attr(mem.GetSpans()[0], "logfire.tags"))
	// Output: ["ops","release"]
}
