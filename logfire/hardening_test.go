package logfire

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	otellog "go.opentelemetry.io/otel/log"
	"go.opentelemetry.io/otel/trace"

	"github.com/logfire-go/sdk/config"
	"github.com/logfire-go/sdk/console"
	"github.com/logfire-go/sdk/internal/capture"
	"github.com/logfire-go/sdk/internal/otlptest"
)

// TestURLAttributesAreRedacted: URL attributes reach the receiver and the
// console with their credentials and secret query values replaced by
// REDACTED, on spans, logs, events and OpenTelemetry log records.
func TestURLAttributesAreRedacted(t *testing.T) {
	cases := []struct {
		key, value, want string
		scrubbingOnly    bool // redacted only with scrubbing on
	}{
		{"http.url", "https://u:hunter2@example.com/", "https://REDACTED:REDACTED@example.com/", false},
		{"url.full", "https://example.com/a?color=blue&sig=hunter2", "https://example.com/a?color=blue&sig=REDACTED", false},
		{"url.full", "https://storage.googleapis.com/b/o?X-Goog-Signature=hunter2&X-Goog-Date=1", "https://storage.googleapis.com/b/o?X-Goog-Signature=REDACTED&X-Goog-Date=1", false},
		{"url.full", "http://admin@10.0.0.1/?api_key=hunter2", "http://REDACTED@10.0.0.1/?api_key=REDACTED", false},
		{"url.query", "q=go&access_token=hunter2", "q=go&access_token=REDACTED", false},
		{"http.target", "/cb?code=1&id_token=hunter2", "/cb?code=1&id_token=REDACTED", false},
		{"url.full", "https://example.com/?password=hunter2&session=hunter2", "https://example.com/?password=REDACTED&session=REDACTED", true},
	}
	for _, scrubbing := range []bool{true, false} {
		t.Run(fmt.Sprintf("scrubbing=%v", scrubbing), func(t *testing.T) {
			clearEnv(t)
			rcv := newTestReceiver(t)
			var consoleOut capture.Buffer
			lf, err := Configure(context.Background(), notDefault(), WithToken(testToken), WithBaseURL(rcv.URL()),
				scrubbingOn(scrubbing), WithConsole(&console.Options{Writer: &consoleOut, Verbose: true, Colors: config.ColorsNever}))
			if err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			for i, tc := range cases {
				lf.Info(ctx, fmt.Sprintf("case %d", i), tc.key, tc.value)
				_, span := lf.Span(ctx, fmt.Sprintf("span %d", i))
				span.OTelSpan().AddEvent("request", trace.WithAttributes(attribute.String(tc.key, tc.value)))
				span.End()
				var rec otellog.Record
				rec.SetBody(attribute.StringValue(fmt.Sprintf("record %d", i)))
				rec.AddAttributes(attribute.String(tc.key, tc.value))
				lf.LoggerProvider().Logger("t").Emit(ctx, rec)
			}
			sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
			defer cancel()
			if err := lf.Shutdown(sctx); err != nil {
				t.Fatal(err)
			}
			wire := wireText(rcv)
			for i, tc := range cases {
				redacted := scrubbing || !tc.scrubbingOnly
				want := tc.value
				if redacted {
					want = tc.want
				}
				// prototext quotes the values: look for the quoted form.
				if n := strings.Count(wire, fmt.Sprintf("%q", want)); n < 3 {
					t.Errorf("case %d: %q arrived %d times, want 3 (span, event, log record)", i, want, n)
				}
				if redacted && strings.Contains(consoleOut.String(), tc.value) {
					t.Errorf("case %d: %q reached the console", i, tc.value)
				}
				if redacted && !strings.Contains(consoleOut.String(), tc.want) {
					t.Errorf("case %d: the console does not show %q", i, tc.want)
				}
			}
			if scrubbing && strings.Contains(wire, "hunter2") {
				t.Error("hunter2 reached the receiver")
			}
		})
	}
}

// misbehaving values misbehave in every method the SDK calls.
type misbehaving struct{}

func (misbehaving) String() string               { panic("String") }
func (misbehaving) Error() string                { panic("Error") }
func (misbehaving) MarshalJSON() ([]byte, error) { panic("MarshalJSON") }

type nilStringer struct{ s *string }

func (n *nilStringer) String() string { return *n.s }

// oddArgs are arguments no caller should pass, and some do.
func oddArgs() []any {
	cyclic := map[string]any{}
	cyclic["self"] = cyclic
	var typedNilErr *nilError
	var nilStr *nilStringer
	return []any{
		nil, "unpaired",
		"nil", nil, "typed nil error", typedNilErr, "nil stringer", nilStr, "misbehaving", misbehaving{},
		"nan", math.NaN(), "inf", math.Inf(-1), "chan", make(chan int), "func", func() {},
		"cyclic", cyclic, "bytes", []byte{0xff, 0x00}, "huge", strings.Repeat("h", 1<<16),
		"\xff\xfe", "invalid key", "", "empty key", 42, "bad key",
		attribute.KeyValue{}, slog.Attr{}, slog.Group("g", "a", nil), CallOption{}, AtLevel(0), AtLevel(-3), AtLevel(99), Tags(), Tags(""),
		errors.New("boom"), misbehaving{},
	}
}

type nilError struct{}

func (*nilError) Error() string { return "nil error" }

// TestNoPublicFunctionPanics calls the API with nil contexts, nil and zero
// handles, nil options and odd values: none panics, and an instance
// configured with nil options still exports.
func TestNoPublicFunctionPanics(t *testing.T) {
	clearEnv(t)
	quietSelflog(t)
	rcv := otlptest.New(t)
	var nilCtx context.Context
	args := oddArgs()

	// No default instance: the package-level functions do nothing.
	setDefault(nil)
	Info(nilCtx, "no instance {x}", args...)
	Log(nilCtx, Level(-1), "no instance")
	if _, span := Span(nilCtx, "no instance"); span != nil {
		t.Error("a span without an instance")
	}
	_ = Do(nilCtx, "no instance", func(context.Context) error { return nil })
	if Enabled(LevelFatal) {
		t.Error("Enabled without an instance")
	}
	slog.New((*Logfire)(nil).SlogHandler()).InfoContext(nilCtx, "no instance") //nolint:staticcheck // a nil context on purpose

	// A nil and a zero *Logfire.
	for name, lf := range map[string]*Logfire{"nil": nil, "zero": {}} {
		lf.Info(nilCtx, "x {y}", args...)
		lf.Log(nilCtx, 1000, "x")
		lf.Fatal(nilCtx, "x")
		if lf.Enabled(LevelInfo) {
			t.Errorf("%s: Enabled", name)
		}
		if err := lf.ForceFlush(nilCtx); err != nil {
			t.Errorf("%s: ForceFlush: %v", name, err)
		}
		if err := lf.Shutdown(nilCtx); err != nil {
			t.Errorf("%s: Shutdown: %v", name, err)
		}
		_ = lf.DeliveryStats()
		_ = lf.SamplingStats()
		_, s := lf.TracerProvider().Tracer("x").Start(context.Background(), "x")
		s.End()
		_, _ = lf.MeterProvider().Meter("x").Int64Counter("x")
		lf.LoggerProvider().Logger("x").Emit(context.Background(), otellog.Record{})
		_ = lf.Propagator()
		slog.New(lf.SlogHandler()).Info("x", "k", nil)
	}
	setDefault(&Logfire{}) // a zero instance as the default
	Info(nilCtx, "zero default")
	setDefault(nil)

	// nil options, an instance that still exports.
	lf, err := Configure(nilCtx, nil, notDefault(), WithToken(testToken), WithBaseURL(rcv.URL()),
		WithSpanProcessor(nil), WithLogProcessor(nil),
		WithResource(nil), WithConsole(&console.Options{Writer: nil}), WithScrubbing(&ScrubbingOptions{Callback: nil}),
		WithPropagator(nil), WithConsole(&console.Options{Writer: io.Discard, Verbose: true}))
	if err != nil {
		t.Fatal(err)
	}
	lf.Info(nilCtx, "odd {x} {nil} {misbehaving}", args...)
	for _, level := range []Level{-1, 0, 1, 24, 25, 1 << 30} {
		lf.Log(nilCtx, level, "level {l}", "l", int(level))
	}
	ctx, span := lf.Span(nilCtx, "odd span {x}", args...)
	if ctx == nil {
		t.Fatal("Span returned a nil context")
	}
	span.SetAttribute("", nil)
	span.SetAttribute("p", misbehaving{})
	span.RecordError(nil)
	span.RecordError(misbehaving{})
	var typedNil *nilError
	span.RecordError(typedNil)
	span.SetLevel(-5)
	span.AddTags()
	span.SetMessage("")
	span.End()
	span.End()
	span.SetAttribute("after end", 1)
	var nilSpan *SpanHandle
	nilSpan.End()
	nilSpan.RecordError(errors.New("x"))
	nilSpan.SetAttribute("k", "v")
	nilSpan.SetMessage("m")
	nilSpan.SetLevel(LevelError)
	nilSpan.AddTags("t")
	_ = nilSpan.SpanContext()
	nilSpan.OTelSpan().End()
	_ = lf.Do(nilCtx, "do {x}", func(context.Context) error { return misbehaving{} }, args...)
	h := slog.New(lf.SlogHandler()).WithGroup("").With(args...)
	h.Log(nilCtx, slog.Level(math.MaxInt32), "slog {x}", args...) //nolint:staticcheck // a nil context on purpose
	meter := lf.MeterProvider().Meter("")
	_, _ = meter.Int64Counter("")
	_, _ = meter.Float64Histogram("h\x00")

	if err := lf.ForceFlush(nilCtx); err != nil {
		t.Fatalf("ForceFlush: %v", err)
	}
	if rcv.Count(otlptest.Traces) < 5 {
		t.Fatalf("%d spans arrived", rcv.Count(otlptest.Traces))
	}
	if err := lf.Shutdown(nilCtx); err != nil {
		t.Fatal(err)
	}
}

// envVars returns every environment variable config.Load reads (from its
// struct tags, so that fields added later are covered), and those the
// SDK passes on to OpenTelemetry.
func envVars() []string {
	out := []string{"OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT", "OTEL_LOGRECORD_ATTRIBUTE_VALUE_LENGTH_LIMIT",
		"OTEL_ATTRIBUTE_COUNT_LIMIT", "OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT", "OTEL_LOGRECORD_ATTRIBUTE_COUNT_LIMIT",
		"OTEL_SPAN_EVENT_COUNT_LIMIT", "OTEL_SPAN_LINK_COUNT_LIMIT", "OTEL_EVENT_ATTRIBUTE_COUNT_LIMIT", "OTEL_LINK_ATTRIBUTE_COUNT_LIMIT"}
	var walk func(reflect.Type)
	walk = func(t reflect.Type) {
		for i := range t.NumField() {
			f := t.Field(i)
			if k := f.Tag.Get("envconfig"); k != "" {
				out = append(out, k)
			} else if f.Type.Kind() == reflect.Struct {
				walk(f.Type)
			}
		}
	}
	walk(reflect.TypeOf(config.Config{}))
	return out
}

// TestEveryVariableThroughConfigure: each variable × {empty, whitespace,
// huge, negative, overflow, NaN/Inf, unicode, control characters, several
// values} makes Configure fail with an error that names the variable, or
// build an instance that still exports. Never a panic, never a crash.
func TestEveryVariableThroughConfigure(t *testing.T) {
	values := map[string]string{
		"empty": "", "whitespace": "  \t ", "huge": "9223372036854775807", "2^31": "2147483648",
		"negative": "-1", "overflow": "18446744073710", "NaN": "NaN", "Inf": "-Inf",
		"unicode": "ü€😀", "control": "\x01\x1b[2J\x7f", "several": "1,2,3", "several words": "a b,c",
	}
	clearEnv(t)
	stderr := quietSelflog(t)
	rcv := otlptest.New(t)
	accepted, rejected := 0, 0
	for _, key := range envVars() {
		for kind, value := range values {
			t.Run(key+"/"+kind, func(t *testing.T) {
				clearEnv(t)
				t.Setenv(key, value)
				lf, err := Configure(context.Background(), notDefault(), WithToken(testToken),
					WithBaseURL(rcv.URL()), WithConsole(nil), withCredentialsDir(t.TempDir()))
				if err != nil {
					rejected++
					var ce *config.Error
					if !errors.As(err, &ce) || ce.Setting != key || !strings.Contains(err.Error(), "accepted") {
						t.Fatalf("%q: error %q does not name %s and what it accepts", value, err, key)
					}
					assertNoToken(t, "the error", err.Error())
					return
				}
				accepted++
				before := rcv.Count(otlptest.Traces)
				lf.Info(context.Background(), "accepted {key}", "key", key)
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				defer cancel()
				if err := lf.ForceFlush(ctx); err != nil {
					t.Fatalf("ForceFlush: %v", err)
				}
				if got := rcv.Count(otlptest.Traces); got != before+1 {
					t.Fatalf("%d spans arrived, want 1", got-before)
				}
				if err := lf.Shutdown(ctx); err != nil {
					t.Fatal(err)
				}
			})
		}
	}
	if accepted == 0 || rejected == 0 {
		t.Fatalf("accepted %d, rejected %d", accepted, rejected)
	}
	assertNoToken(t, "standard error", stderr.String())
}
