package logfire_test

import (
	"context"
	"fmt"
	"io/fs"
	"log/slog"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/logfire-go/sdk/internal/keys"
	"github.com/logfire-go/sdk/internal/otlptest"
	"github.com/logfire-go/sdk/internal/testhook"
	"github.com/logfire-go/sdk/logfire"
)

// The golden tests of this file check what the backend receives, decoded
// from the OTLP protobuf request by otlptest: the typed values, the
// exception fingerprint and a panic through a deferred End.

// wireInstance is an instance exporting to a new receiver in one batch (at
// ForceFlush), console off.
func wireInstance(t *testing.T, opts ...logfire.Option) (*logfire.Logfire, *otlptest.Receiver) {
	t.Helper()
	rcv := otlptest.New(t)
	base := []logfire.Option{
		logfire.WithConsole(nil),
		logfire.WithToken("pylf_v1_us_wiretest0123456789"), logfire.WithBaseURL(rcv.URL()),
		logfire.WithServiceName("wire"),
	}
	hook := testhook.Settings{NotDefault: true, CredentialsDir: t.TempDir(), BatchScheduleDelay: time.Minute}
	lf, err := logfire.Configure(testhook.With(context.Background(), hook), append(base, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = lf.Shutdown(context.Background()) })
	return lf, rcv
}

// received flushes lf and returns the real spans rcv has, by name (the
// last of a name); it fails unless there are exactly n.
func received(t *testing.T, lf *logfire.Logfire, rcv *otlptest.Receiver, n int) map[string]otlptest.Span {
	t.Helper()
	if err := lf.ForceFlush(context.Background()); err != nil {
		t.Fatal(err)
	}
	out := map[string]otlptest.Span{}
	var names []string
	for _, s := range rcv.Spans() {
		if s.Attrs["logfire.span_type"] != "pending_span" {
			out[s.Name] = s
			names = append(names, s.Name)
		}
	}
	if len(names) != n {
		t.Fatalf("received %d spans %q, want %d", len(names), names, n)
	}
	return out
}

var hex64 = regexp.MustCompile(`^[0-9a-f]{64}$`)

type outOfStock struct{ sku string }

func (e *outOfStock) Error() string { return e.sku + " is out of stock" }

// failAt records an out-of-stock error on a root span from one line.
func failAt(lf *logfire.Logfire, sku string) {
	_, span := lf.Span(context.Background(), "reserve {sku}", "sku", sku)
	span.RecordError(&outOfStock{sku: sku})
	span.End()
}

// TestWireExceptionFingerprint: logfire.exception.fingerprint is on a
// failed root span, an error-level root log and the slog handler's error
// record; the same error from the same place has the same fingerprint
// whatever its message; another place or type has another; a child span
// and a warning have none.
func TestWireExceptionFingerprint(t *testing.T) {
	lf, rcv := wireInstance(t)
	ctx := context.Background()
	failAt(lf, "a")
	failAt(lf, "b") // same place, another message
	rctx, root := lf.Span(ctx, "other place")
	root.RecordError(&outOfStock{sku: "c"})
	_, child := lf.Span(rctx, "child")
	child.RecordError(&outOfStock{sku: "d"})
	child.End()
	root.End()
	lf.Error(ctx, "root log {sku}", "sku", "e", &outOfStock{sku: "e"})
	lf.Warn(ctx, "a warning", &outOfStock{sku: "f"})
	slog.New(lf.SlogHandler()).ErrorContext(ctx, "slog error", "err", fs.ErrPermission)

	got := received(t, lf, rcv, 7)
	byMsg := map[string]string{}
	for _, s := range rcv.Spans() {
		if s.Attrs["logfire.span_type"] == "pending_span" {
			continue
		}
		fp, _ := s.Attrs[keys.ExceptionFingerprint].(string)
		byMsg[s.Attrs["logfire.msg"].(string)] = fp
	}
	for _, msg := range []string{"reserve a", "reserve b", "other place", "root log e", "slog error"} {
		if !hex64.MatchString(byMsg[msg]) {
			t.Errorf("%q: fingerprint %q, want 64 hex digits", msg, byMsg[msg])
		}
	}
	if byMsg["reserve a"] != byMsg["reserve b"] {
		t.Errorf("the same error from the same place: %s and %s", byMsg["reserve a"], byMsg["reserve b"])
	}
	if byMsg["other place"] == byMsg["reserve a"] || byMsg["root log e"] == byMsg["reserve a"] {
		t.Errorf("another place has the same fingerprint")
	}
	for _, msg := range []string{"child", "a warning"} {
		if fp := byMsg[msg]; fp != "" {
			t.Errorf("%q: fingerprint %q, want none (a child span; a warning)", msg, fp)
		}
	}
	if _, ok := got["child"]; !ok {
		t.Errorf("no child span")
	}
}

// TestWireTypedValues: errors, bytes, structs, times and maps with
// non-string keys travel as Python sends them, with typed schema entries,
// and the message shows an error's and bytes' text unquoted.
func TestWireTypedValues(t *testing.T) {
	type Item struct {
		SKU   string    `json:"sku"`
		Added time.Time `json:"added"`
	}
	lf, rcv := wireInstance(t)
	when := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	lf.Info(context.Background(), "values {err} {raw}",
		"err", fmt.Errorf("reserve: %w", &outOfStock{sku: "x"}),
		"raw", []byte("hi"),
		"item", Item{SKU: "x", Added: when},
		"when", &when,
		"counts", map[int]int{2: 20, 1: 10},
	)
	s := received(t, lf, rcv, 1)["values {err} {raw}"]
	want := map[string]any{
		"logfire.msg": "values reserve: x is out of stock hi",
		"err":         `"reserve: x is out of stock"`,
		"raw":         `"hi"`,
		"item":        `{"sku":"x","added":"2026-03-04T05:06:07Z"}`,
		"when":        `"2026-03-04T05:06:07Z"`, // a JSON string, as the Python SDK sends a datetime
		"counts":      `{"1":10,"2":20}`,
		"logfire.json_schema": `{"type":"object","properties":{` +
			`"err":{"type":"object","title":"*fmt.wrapError","x-python-datatype":"Exception","x-go-wrapped":["*logfire_test.outOfStock"]},` +
			`"raw":{"type":"string","x-python-datatype":"bytes"},` +
			`"item":{"type":"object","title":"logfire_test.Item","x-python-datatype":"dataclass","properties":{"added":{"type":"string","format":"date-time","x-python-datatype":"datetime"}}},` +
			`"when":{"type":"string","format":"date-time","x-python-datatype":"datetime"},` +
			`"counts":{"type":"object"}}}`,
	}
	for k, v := range want {
		if s.Attrs[k] != v {
			t.Errorf("%s = %#v, want %#v", k, s.Attrs[k], v)
		}
	}
}

// TestWirePanicThroughDeferredEnd: the span a panic escapes through
// "defer span.End()" arrives failed, with the exception and a fingerprint;
// the panic goes on with its own value.
func TestWirePanicThroughDeferredEnd(t *testing.T) {
	lf, rcv := wireInstance(t)
	var recovered any
	func() {
		defer func() { recovered = recover() }()
		_, span := lf.Span(context.Background(), "reserve")
		defer span.End()
		var m map[string]int
		m["x"] = 1 // a runtime error
	}()
	if err, ok := recovered.(error); !ok || !strings.Contains(err.Error(), "nil map") {
		t.Fatalf("recovered %v, want the runtime error itself", recovered)
	}
	s := received(t, lf, rcv, 1)["reserve"]
	if s.Attrs["logfire.level_num"] != int64(17) || !hex64.MatchString(fmt.Sprint(s.Attrs[keys.ExceptionFingerprint])) {
		t.Errorf("level %v, fingerprint %v", s.Attrs["logfire.level_num"], s.Attrs[keys.ExceptionFingerprint])
	}
	if st := s.Raw.GetStatus(); st.GetCode().String() != "STATUS_CODE_ERROR" || st.GetMessage() != "logfire.panicError: assignment to entry in nil map" {
		t.Errorf("status %v", st)
	}
	ev := s.Raw.GetEvents()
	if len(ev) != 1 || ev[0].GetName() != "exception" {
		t.Fatalf("events %v", ev)
	}
	attrs := otlptest.AttrMap(ev[0].GetAttributes())
	stack, _ := attrs["exception.stacktrace"].(string)
	if !regexp.MustCompile(`(?s)panic\(\.\.\.\).*TestWirePanicThroughDeferredEnd`).MatchString(stack) {
		t.Errorf("the stack trace does not show the panic in the test:\n%s", stack)
	}

	// Without a panic, a deferred End ends the span as usual.
	func() {
		_, span := lf.Span(context.Background(), "fine")
		defer span.End()
	}()
	fine := received(t, lf, rcv, 2)["fine"]
	if fine.Raw.GetStatus().GetCode() != 0 || len(fine.Raw.GetEvents()) != 0 {
		t.Errorf("a span without a panic: status %v, %d events", fine.Raw.GetStatus(), len(fine.Raw.GetEvents()))
	}
}
