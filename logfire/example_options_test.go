package logfire_test

// Examples of the options of Configure.

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"sync"

	"go.opentelemetry.io/otel/attribute"
	otellog "go.opentelemetry.io/otel/log"
	sdklog "go.opentelemetry.io/otel/sdk/log"
	"go.opentelemetry.io/otel/sdk/resource"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/logfire-go/sdk/config"
	"github.com/logfire-go/sdk/console"
	"github.com/logfire-go/sdk/logfire"
)

// Each token exports to its own project, at the base URL of the region
// the token names (here eu: https://logfire-eu.pydantic.dev) unless
// WithBaseURL or LOGFIRE_BASE_URL gives another, as here.
func ExampleWithToken() {
	rcv := newReceiver("logfire")
	defer rcv.Close()

	lf, err := logfire.Configure(context.Background(), logfire.WithConsole(nil),
		logfire.WithToken("pylf_v1_eu_one", "pylf_v1_eu_two"), logfire.WithBaseURL(rcv.URL))
	if err != nil {
		fmt.Println(err)
		return
	}
	lf.Info(context.Background(), "hello")
	_ = lf.Shutdown(context.Background())
	requests := rcv.requests()
	sort.Strings(requests)
	fmt.Println(requests)
	// Output: [logfire /v1/traces pylf_v1_eu_one logfire /v1/traces pylf_v1_eu_two]
}

// With config.SendNever nothing is sent, even with a token.
func ExampleWithSendToLogfire() {
	rcv := newReceiver("logfire")
	defer rcv.Close()

	lf, err := logfire.Configure(context.Background(), logfire.WithConsole(nil),
		logfire.WithToken("pylf_v1_us_example"), logfire.WithBaseURL(rcv.URL), logfire.WithSendToLogfire(config.SendNever))
	if err != nil {
		fmt.Println(err)
		return
	}
	lf.Info(context.Background(), "hello")
	_ = lf.Shutdown(context.Background())
	fmt.Println(len(rcv.requests()), "requests")
	// Output: 0 requests
}

func ExampleWithServiceName() {
	lf, c := captured(logfire.WithServiceName("checkout"))
	defer lf.Shutdown(context.Background())
	lf.Info(context.Background(), "started")
	v, _ := c.Log("started").Resource.Set().Value("service.name")
	fmt.Println(v.AsString())
	// Output: checkout
}

func ExampleWithServiceVersion() {
	lf, c := captured(logfire.WithServiceVersion("2.0.1"))
	defer lf.Shutdown(context.Background())
	lf.Info(context.Background(), "started")
	v, _ := c.Log("started").Resource.Set().Value("service.version")
	fmt.Println(v.AsString())
	// Output: 2.0.1
}

func ExampleWithEnvironment() {
	lf, c := captured(logfire.WithEnvironment("staging"))
	defer lf.Shutdown(context.Background())
	lf.Info(context.Background(), "started")
	v, _ := c.Log("started").Resource.Set().Value("deployment.environment.name")
	fmt.Println(v.AsString())
	// Output: staging
}

// receiver is a stand-in for Logfire: it records the path and
// Authorization header of each request.
type receiver struct {
	*httptest.Server
	mu   sync.Mutex
	seen []string
}

func newReceiver(name string) *receiver {
	r := &receiver{}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		r.mu.Lock()
		r.seen = append(r.seen, name+" "+req.URL.Path+" "+req.Header.Get("Authorization"))
		r.mu.Unlock()
	}))
	return r
}

func (r *receiver) requests() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.seen...)
}

// WithBaseURL sends to another endpoint, such as a self-hosted Logfire or
// an OpenTelemetry Collector.
func ExampleWithBaseURL() {
	rcv := newReceiver("collector")
	defer rcv.Close()

	lf, err := logfire.Configure(context.Background(), logfire.WithConsole(nil),
		logfire.WithToken("pylf_v1_us_example"), logfire.WithBaseURL(rcv.URL))
	if err != nil {
		fmt.Println(err)
		return
	}
	lf.Info(context.Background(), "hello")
	_ = lf.Shutdown(context.Background())
	fmt.Println(rcv.requests())
	// Output: [collector /v1/traces pylf_v1_us_example]
}

// The console prints each log, and each span when it starts. Its
// settings (a zero field keeps the LOGFIRE_CONSOLE_* variable, then the
// default) are those of console.Options; timestamps are on by default,
// and printing turns them off so that the output is stable.
func ExampleWithConsole() {
	lf := printing(logfire.WithConsole(&console.Options{HideTimestamps: true}))
	ctx, span := lf.Span(context.Background(), "processing order {id}", "id", 42)
	lf.Info(ctx, "charged {amount}", "amount", 9.5)
	span.End()
	_ = lf.Shutdown(context.Background())
	// Output:
	// processing order 42
	//   charged 9.5
}

// WithConsole(nil) turns the console off, whatever LOGFIRE_CONSOLE says.
func ExampleWithConsole_off() {
	lf := printing(logfire.WithConsole(nil))
	lf.Info(context.Background(), "not printed")
	_ = lf.Shutdown(context.Background())
	fmt.Println("nothing above")
	// Output: nothing above
}

// With colours always on, levels are coloured even when the output is not a
// terminal.
func ExampleWithConsole_colors() {
	var buf bytes.Buffer
	lf := printing(logfire.WithConsole(&console.Options{Writer: &buf, Colors: config.ColorsAlways}))
	lf.Warn(context.Background(), "low disk")
	_ = lf.Shutdown(context.Background())
	fmt.Println(strings.Contains(buf.String(), "\x1b["), strings.Contains(buf.String(), "low disk"))
	// Output: true true
}

func ExampleWithConsole_spanStyle() {
	lf := printing(logfire.WithConsole(&console.Options{SpanStyle: config.SpanStyleSimple}))
	ctx, span := lf.Span(context.Background(), "outer")
	lf.Info(ctx, "inside")
	span.End()
	_ = lf.Shutdown(context.Background())
	// Output:
	// outer
	// inside
}

// Verbose output adds the source location, the level and the arguments.
// (The location line, which names a line of this file, is left out here.)
func ExampleWithConsole_verbose() {
	var buf bytes.Buffer
	lf := printing(logfire.WithConsole(&console.Options{Writer: &buf, Verbose: true}))
	lf.Info(context.Background(), "user {name}", "name", "ada")
	_ = lf.Shutdown(context.Background())
	for _, line := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
		if !strings.Contains(line, ".go:") {
			fmt.Println(line)
		}
	}
	// Output:
	// user ada
	// │ name='ada'
}

func ExampleWithConsole_minLevel() {
	lf := printing(logfire.WithConsole(&console.Options{MinLevel: logfire.LevelWarn}))
	lf.Info(context.Background(), "hidden from the console, still exported")
	lf.Warn(context.Background(), "shown")
	_ = lf.Shutdown(context.Background())
	// Output: shown
}

func ExampleWithConsole_writer() {
	var buf bytes.Buffer
	lf := printing(logfire.WithConsole(&console.Options{Writer: &buf}))
	lf.Info(context.Background(), "into the buffer")
	_ = lf.Shutdown(context.Background())
	fmt.Print(strings.ToUpper(buf.String()))
	// Output: INTO THE BUFFER
}

func ExampleWithMinLevel() {
	lf, c := captured(logfire.WithMinLevel(logfire.LevelWarn))
	defer lf.Shutdown(context.Background())

	lf.Debug(context.Background(), "dropped")
	lf.Info(context.Background(), "dropped too")
	lf.Error(context.Background(), "kept")
	show(c)
	// Output: log: kept (level 17)
}

// Scrubbing is on unless LOGFIRE_SCRUBBING or WithScrubbing(nil) turns it
// off; off, a value that looks like a secret is sent as it is.
func ExampleWithScrubbing() {
	on, onCapture := captured(logfire.WithScrubbing(&logfire.ScrubbingOptions{}))
	defer on.Shutdown(context.Background())
	off, offCapture := captured(logfire.WithScrubbing(nil))
	defer off.Shutdown(context.Background())

	on.Info(context.Background(), "login", "password", "hunter2")
	off.Info(context.Background(), "login", "password", "hunter2")
	fmt.Println(onCapture.Log("login").Value("password"))
	fmt.Println(offCapture.Log("login").Value("password"))
	// Output:
	// [Scrubbed due to 'password']
	// hunter2
}

// A processor added with WithSpanProcessor sees real spans and logs, never
// pending spans.
func ExampleWithSpanProcessor() {
	rec := tracetest.NewSpanRecorder()
	lf, _ := captured(logfire.WithSpanProcessor(rec))
	defer lf.Shutdown(context.Background())

	ctx, span := lf.Span(context.Background(), "job")
	lf.Info(ctx, "step")
	span.End()
	for _, s := range rec.Ended() {
		fmt.Println(s.Name())
	}
	// Output:
	// step
	// job
}

// printBodies is an OpenTelemetry log processor that prints each record's
// body.
type printBodies struct{}

func (printBodies) Enabled(context.Context, sdklog.EnabledParameters) bool { return true }
func (printBodies) OnEmit(_ context.Context, r *sdklog.Record) error {
	fmt.Println(r.Severity(), r.Body().AsString())
	return nil
}
func (printBodies) Shutdown(context.Context) error   { return nil }
func (printBodies) ForceFlush(context.Context) error { return nil }

func ExampleWithLogProcessor() {
	lf, _ := captured(logfire.WithLogProcessor(printBodies{}))
	defer lf.Shutdown(context.Background())

	var r otellog.Record
	r.SetBody(attribute.StringValue("from a log bridge"))
	r.SetSeverity(otellog.SeverityWarn)
	lf.LoggerProvider().Logger("bridge").Emit(context.Background(), r)
	// Output: WARN from a log bridge
}

func ExampleWithResource() {
	res := resource.NewSchemaless(attribute.String("service.name", "fixed"), attribute.String("host.name", "test"))
	lf, c := captured(logfire.WithResource(res))
	defer lf.Shutdown(context.Background())

	lf.Info(context.Background(), "started")
	var keys []string
	for _, kv := range c.Log("started").Resource.Attributes() {
		keys = append(keys, string(kv.Key)+"="+kv.Value.AsString())
	}
	sort.Strings(keys)
	fmt.Println(keys)
	// Output: [host.name=test service.name=fixed]
}
