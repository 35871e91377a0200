package console

import (
	"bytes"
	"context"
	"io"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/logfire-go/sdk/config"
	"github.com/logfire-go/sdk/internal/keys"
)

// Test records are built as the SDK's pending-span processor delivers them,
// with fixed ids and times (seconds after the Unix epoch, printed in UTC).

var (
	traceA = trace.TraceID{0: 0xa}
	traceB = trace.TraceID{0: 0xb}
)

// sid is the span id n.
func sid(n int) trace.SpanID {
	return trace.SpanID{6: byte(n >> 8), 7: byte(n)}
}

func spanCtx(tr trace.TraceID, id trace.SpanID) trace.SpanContext {
	return trace.NewSpanContext(trace.SpanContextConfig{TraceID: tr, SpanID: id, TraceFlags: trace.FlagsSampled})
}

// at is the time sec seconds after the epoch.
func at(sec float64) time.Time {
	return time.Unix(0, 0).Add(time.Duration(sec * float64(time.Second)))
}

// pendingSpan is what the console receives when span id (child of parent,
// zero for a root) starts at sec.
func pendingSpan(tr trace.TraceID, id, parent int, sec float64, msg string, attrs ...attribute.KeyValue) sdktrace.ReadOnlySpan {
	parentHex := "0000000000000000"
	if parent != 0 {
		parentHex = sid(parent).String()
	}
	return tracetest.SpanStub{
		Name:        msg,
		SpanContext: spanCtx(tr, sid(10000+id)),
		Parent:      spanCtx(tr, sid(id)),
		StartTime:   at(sec),
		EndTime:     at(sec),
		Attributes: append([]attribute.KeyValue{
			attribute.String(keys.SpanType, keys.SpanTypePending),
			attribute.String(keys.PendingParentID, parentHex),
			attribute.String(keys.Msg, msg),
		}, attrs...),
	}.Snapshot()
}

// spanEnd is what the console receives when span id ends at sec.
func spanEnd(tr trace.TraceID, id, parent int, sec float64, msg string) sdktrace.ReadOnlySpan {
	stub := tracetest.SpanStub{
		Name:        msg,
		SpanContext: spanCtx(tr, sid(id)),
		StartTime:   at(sec - 1),
		EndTime:     at(sec),
		Attributes: []attribute.KeyValue{
			attribute.String(keys.SpanType, keys.SpanTypeSpan),
			attribute.String(keys.Msg, msg),
		},
	}
	if parent != 0 {
		stub.Parent = spanCtx(tr, sid(parent))
	}
	return stub.Snapshot()
}

// logRecord is a log written at sec inside span parent (zero: no span).
func logRecord(tr trace.TraceID, parent int, sec float64, msg string, attrs ...attribute.KeyValue) sdktrace.ReadOnlySpan {
	stub := tracetest.SpanStub{
		Name:        msg,
		SpanContext: spanCtx(tr, sid(20000+int(sec*10))),
		StartTime:   at(sec),
		EndTime:     at(sec),
		Attributes: append([]attribute.KeyValue{
			attribute.String(keys.SpanType, keys.SpanTypeLog),
			attribute.String(keys.Msg, msg),
		}, attrs...),
	}
	if parent != 0 {
		stub.Parent = spanCtx(tr, sid(parent))
	}
	return stub.Snapshot()
}

// withStatus returns a copy of s with status code c.
func withStatus(s sdktrace.ReadOnlySpan, c codes.Code, desc string) sdktrace.ReadOnlySpan {
	stub := tracetest.SpanStubFromReadOnlySpan(s)
	stub.Status = sdktrace.Status{Code: c, Description: desc}
	return stub.Snapshot()
}

// withEvents returns a copy of s with events.
func withEvents(s sdktrace.ReadOnlySpan, events ...sdktrace.Event) sdktrace.ReadOnlySpan {
	stub := tracetest.SpanStubFromReadOnlySpan(s)
	stub.Events = events
	return stub.Snapshot()
}

func level(l config.Level) attribute.KeyValue {
	return attribute.Int(keys.LevelNum, int(l))
}

func tags(t ...string) attribute.KeyValue {
	return attribute.StringSlice(keys.Tags, t)
}

// option changes the settings of a test's processor.
type option func(*settings)

// newTest returns a processor with the default settings changed by opts
// (nil ones are skipped).
func newTest(opts ...option) *processor {
	s := defaultSettings()
	for _, o := range opts {
		if o != nil {
			o(&s)
		}
	}
	return newProcessor(s)
}

// withWriter sends the output to w (nil: standard output).
func withWriter(w io.Writer) option {
	return func(s *settings) {
		if w != nil {
			s.writer = w
		}
	}
}

func withColors(m config.ColorMode) option     { return func(s *settings) { s.colors = m } }
func withSpanStyle(st config.SpanStyle) option { return func(s *settings) { s.style = st } }
func withTimestamps(on bool) option            { return func(s *settings) { s.timestamps = on } }
func withVerbose(on bool) option               { return func(s *settings) { s.verbose = on } }
func withMinLevel(l config.Level) option       { return func(s *settings) { s.minLevel = l } }

// withLocation prints the times in loc (nil: time.Local).
func withLocation(loc *time.Location) option {
	return func(s *settings) {
		if loc == nil {
			loc = time.Local
		}
		s.location = loc
	}
}

// withGetenv reads NO_COLOR through getenv (nil: os.Getenv).
func withGetenv(getenv func(string) string) option {
	return func(s *settings) {
		if getenv != nil {
			s.getenv = getenv
		}
	}
}

// withTerminal makes the processor believe that its writer is (or is not)
// a terminal.
func withTerminal(yes bool) option {
	return func(s *settings) { s.isTerminal = func(io.Writer) bool { return yes } }
}

// noEnv is a getenv with an empty environment.
func noEnv(string) string { return "" }

// env is a getenv holding the given key=value pairs.
func env(pairs ...string) func(string) string {
	return func(key string) string {
		for i := 0; i+1 < len(pairs); i += 2 {
			if pairs[i] == key {
				return pairs[i+1]
			}
		}
		return ""
	}
}

// render feeds records to a processor writing into a buffer, shuts it down
// and returns the output. Unless opts say otherwise: no colours, UTC.
func render(t testing.TB, records []sdktrace.ReadOnlySpan, opts ...option) string {
	t.Helper()
	var out bytes.Buffer
	base := []option{withWriter(&out), withColors(config.ColorsNever), withLocation(time.UTC), withGetenv(noEnv)}
	p := newTest(append(base, opts...)...)
	for _, r := range records {
		p.OnEnd(r)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := p.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	return out.String()
}

// checkGolden compares output with the expected text and shows both.
func checkGolden(t testing.TB, got, want string) {
	t.Helper()
	if got != want {
		t.Errorf("output mismatch\n--- got:\n%s--- want:\n%s--- got (quoted): %q", got, want, got)
	}
}

// gatedWriter blocks every Write until the gate is opened.
type gatedWriter struct {
	gate    chan struct{}
	once    sync.Once
	entered chan struct{} // receives once per Write that started
	mu      sync.Mutex
	buf     bytes.Buffer
}

func newGatedWriter() *gatedWriter {
	return &gatedWriter{gate: make(chan struct{}), entered: make(chan struct{}, 1<<16)}
}

func (w *gatedWriter) Write(p []byte) (int, error) {
	w.entered <- struct{}{}
	<-w.gate
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.Write(p)
}

func (w *gatedWriter) open() { w.once.Do(func() { close(w.gate) }) }

func (w *gatedWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

// countingWriter records every Write call.
type countingWriter struct {
	mu     sync.Mutex
	buf    bytes.Buffer
	writes int
	delay  time.Duration
}

func (w *countingWriter) Write(p []byte) (int, error) {
	if w.delay > 0 {
		time.Sleep(w.delay)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.writes++
	return w.buf.Write(p)
}

func (w *countingWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

// withName returns a copy of s named name.
func withName(s sdktrace.ReadOnlySpan, name string) sdktrace.ReadOnlySpan {
	stub := tracetest.SpanStubFromReadOnlySpan(s)
	stub.Name = name
	return stub.Snapshot()
}

// withoutAttributes returns a copy of s with no attributes, like a span from
// instrumentation that knows nothing of Logfire.
func withoutAttributes(s sdktrace.ReadOnlySpan) sdktrace.ReadOnlySpan {
	stub := tracetest.SpanStubFromReadOnlySpan(s)
	stub.Attributes = nil
	return stub.Snapshot()
}

// discard is io.Discard with a type of its own.
type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

// recordingWriter keeps the text of each Write call apart.
type recordingWriter struct {
	mu     sync.Mutex
	chunks []string
	delay  time.Duration
}

func (w *recordingWriter) Write(p []byte) (int, error) {
	time.Sleep(w.delay)
	w.mu.Lock()
	defer w.mu.Unlock()
	w.chunks = append(w.chunks, string(p))
	return len(p), nil
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, io.ErrClosedPipe }

type panickingWriter struct{}

func (panickingWriter) Write([]byte) (int, error) { panic("writer exploded") }

// isClosed reports whether ch is closed.
func isClosed(ch chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}
