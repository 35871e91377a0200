package logfire_test

// Examples for the rest of the public API, by topic: this file holds the
// helpers they share and the package-level functions;
// example_instance_test.go the methods of *Logfire, example_span_test.go
// those of *SpanHandle, example_options_test.go the options. Most record
// into a logfiretest capture, whose ids and times are deterministic, or
// print through the console with timestamps and colours off.

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"testing"
	"time"

	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/logfire-go/sdk/config"
	"github.com/logfire-go/sdk/console"
	"github.com/logfire-go/sdk/internal/exampletb"
	"github.com/logfire-go/sdk/internal/instance"
	"github.com/logfire-go/sdk/internal/testhook"
	"github.com/logfire-go/sdk/logfire"
	"github.com/logfire-go/sdk/logfiretest"
)

// exampleTBs stand in for the *testing.T that logfiretest.New wants, one
// per captured instance (so that each counts its ids from 1); TestMain
// cleans them up.
var exampleTBs []*exampletb.TB

// captured returns an instance whose records land in a capture.
func captured(opts ...logfire.Option) (*logfire.Logfire, *logfiretest.Capture) {
	t := exampletb.New()
	exampleTBs = append(exampleTBs, t)
	return logfiretest.New(t, opts...)
}

func TestMain(m *testing.M) {
	code := m.Run()
	for _, t := range exampleTBs {
		t.Done()
	}
	os.Exit(code)
}

// asDefault makes lf, a test instance, the default instance (as Configure
// makes its own) until the returned function runs, so that the examples
// of the package-level functions can show what they record.
func asDefault(lf *logfire.Logfire) (restore func()) {
	old := instance.Default()
	testhook.SetDefault(lf)
	return func() { testhook.SetDefault(old) }
}

// show prints the logs and ended spans of c: type, message and level.
func show(c *logfiretest.Capture) {
	for _, s := range c.All() {
		if s.SpanType() != "pending_span" {
			fmt.Printf("%s: %s (level %d)\n", s.SpanType(), s.Message(), s.Level())
		}
	}
}

// printing returns an instance that prints to standard output, without
// timestamps or colours, and sends nothing. A WithConsole in opts applies
// over those settings.
func printing(opts ...logfire.Option) *logfire.Logfire {
	base := []logfire.Option{
		logfire.WithSendToLogfire(config.SendNever),
		logfire.WithConsole(&console.Options{Writer: os.Stdout, HideTimestamps: true, Colors: config.ColorsNever}),
	}
	ctx := testhook.With(context.Background(), testhook.Settings{NotDefault: true})
	lf, err := logfire.Configure(ctx, append(base, opts...)...)
	if err != nil {
		panic(err)
	}
	return lf
}

// counterValue collects c's metrics and returns the int64 sum of name.
func counterValue(c *logfiretest.Capture, name string) int64 {
	m := c.Metrics()[name]
	if s, ok := m.Data.(metricdata.Sum[int64]); ok && len(s.DataPoints) > 0 {
		return s.DataPoints[0].Value
	}
	return 0
}

// The package-level functions, which use the default instance.

func ExampleLog() {
	lf, c := captured()
	defer lf.Shutdown(context.Background())
	defer asDefault(lf)()

	logfire.Log(context.Background(), logfire.Level(11), "between notice and warn")
	show(c)
	// Output: log: between notice and warn (level 11)
}

func ExampleTrace() {
	lf, c := captured()
	defer lf.Shutdown(context.Background())
	defer asDefault(lf)()

	logfire.Trace(context.Background(), "entering {fn}", "fn", "parse")
	show(c)
	// Output: log: entering parse (level 1)
}

func ExampleDebug() {
	lf, c := captured()
	defer lf.Shutdown(context.Background())
	defer asDefault(lf)()

	logfire.Debug(context.Background(), "cache {result}", "result", "miss")
	show(c)
	// Output: log: cache miss (level 5)
}

func ExampleInfo() {
	lf, c := captured()
	defer lf.Shutdown(context.Background())
	defer asDefault(lf)()

	logfire.Info(context.Background(), "Hello {name}!", "name", "world")
	show(c)
	// Output: log: Hello world! (level 9)
}

func ExampleNotice() {
	lf, c := captured()
	defer lf.Shutdown(context.Background())
	defer asDefault(lf)()

	logfire.Notice(context.Background(), "config reloaded")
	show(c)
	// Output: log: config reloaded (level 10)
}

func ExampleWarn() {
	lf, c := captured()
	defer lf.Shutdown(context.Background())
	defer asDefault(lf)()

	logfire.Warn(context.Background(), "retrying {url} in {delay}", "url", "/pay", "delay", 2*time.Second)
	show(c)
	// Output: log: retrying /pay in 2s (level 13)
}

// An error among the attributes is recorded as an exception and, at level
// error, fails the log.
func ExampleError() {
	lf, c := captured()
	defer lf.Shutdown(context.Background())
	defer asDefault(lf)()

	logfire.Error(context.Background(), "saving {id} failed", "id", 7, errors.New("disk full"))
	show(c)
	fmt.Println(c.Log("saving {id} failed").Status.Description)
	// Output:
	// log: saving 7 failed (level 17)
	// *errors.errorString: disk full
}

// Fatal records a log at level fatal; unlike log.Fatal it does not exit.
func ExampleFatal() {
	lf, c := captured()
	defer lf.Shutdown(context.Background())
	defer asDefault(lf)()

	logfire.Fatal(context.Background(), "cannot continue")
	show(c)
	fmt.Println("still running")
	// Output:
	// log: cannot continue (level 21)
	// still running
}

func ExampleSpan() {
	lf, c := captured()
	defer lf.Shutdown(context.Background())
	defer asDefault(lf)()

	ctx, span := logfire.Span(context.Background(), "handling {path}", "path", "/users")
	logfire.Info(ctx, "found {n} users", "n", 3)
	span.End()
	show(c)
	fmt.Println(c.Log("found {n} users").Parent.SpanID() == span.SpanContext().SpanID())
	// Output:
	// log: found 3 users (level 9)
	// span: handling /users (level 9)
	// true
}

func ExampleDo() {
	lf, c := captured()
	defer lf.Shutdown(context.Background())
	defer asDefault(lf)()

	err := logfire.Do(context.Background(), "sending {n} emails", func(ctx context.Context) error {
		logfire.Info(ctx, "sent")
		return nil
	}, "n", 2)
	fmt.Println(err)
	show(c)
	// Output:
	// <nil>
	// log: sent (level 9)
	// span: sending 2 emails (level 9)
}

// A panic inside Do is recorded on the span, which is ended, and then
// continues.
func ExampleDo_panic() {
	lf, c := captured()
	defer lf.Shutdown(context.Background())
	defer asDefault(lf)()

	func() {
		defer func() { fmt.Println("recovered:", recover()) }()
		_ = logfire.Do(context.Background(), "risky", func(context.Context) error { panic("boom") })
	}()
	s := c.Span("risky")
	fmt.Println(s.Level(), s.Status.Code, s.Events[0].Value("exception.message"))
	// Output:
	// recovered: boom
	// error Error boom
}

// slog levels map to Logfire levels: a level between two of slog's goes
// to the Logfire level of the one below.
func ExampleLogfire_SlogHandler_levels() {
	lf, c := captured()
	defer lf.Shutdown(context.Background())

	logger := slog.New(lf.SlogHandler())
	levels := []slog.Level{slog.LevelDebug - 4, slog.LevelDebug, slog.LevelInfo, slog.LevelInfo + 2, slog.LevelWarn, slog.LevelError, slog.LevelError + 4}
	for _, l := range levels {
		logger.Log(context.Background(), l, l.String())
	}
	for _, l := range levels {
		fmt.Println(l, "→", c.Log(l.String()).Level())
	}
	// Output:
	// DEBUG-4 → trace
	// DEBUG → debug
	// INFO → info
	// INFO+2 → notice
	// WARN → warn
	// ERROR → error
	// ERROR+4 → fatal
}

// AtLevel gives a span a level; a span below the minimum level is not
// recorded at all.
func ExampleAtLevel() {
	lf, c := captured(logfire.WithMinLevel(logfire.LevelInfo))
	defer lf.Shutdown(context.Background())

	_, noisy := lf.Span(context.Background(), "polling", logfire.AtLevel(logfire.LevelDebug))
	noisy.End() // a nil handle: does nothing
	_, slow := lf.Span(context.Background(), "slow query", logfire.AtLevel(logfire.LevelWarn))
	slow.End()
	show(c)
	// Output: span: slow query (level 13)
}

func ExampleEnabled() {
	lf, _ := captured(logfire.WithMinLevel(logfire.LevelWarn))
	defer lf.Shutdown(context.Background())
	defer asDefault(lf)()

	fmt.Println(logfire.Enabled(logfire.LevelInfo), logfire.Enabled(logfire.LevelError))
	// Output: false true
}
