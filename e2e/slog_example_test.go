package e2e_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/logfire-go/sdk/e2e/collector"
)

// TestSlogExample runs examples/slog with no token (it must print and exit
// 0) and against the collector (slog records must arrive as Logfire logs,
// children of the request span, with levels, dotted group keys and the With
// attributes).
func TestSlogExample(t *testing.T) {
	bin := buildExample(t, "slog")

	offline := runExample(t, bin, 30*time.Second, "LOGFIRE_CONSOLE_COLORS=never")
	if offline.err != nil {
		t.Fatalf("examples/slog without a token: %v", offline)
	}
	if !strings.Contains(offline.stdout, "charging 42.5 EUR") {
		t.Errorf("examples/slog without a token printed no slog record: %v", offline)
	}
	// slog.Debug is Logfire's debug level, below the console's default
	// minimum (info); it is still exported (checked below).
	if strings.Contains(offline.stdout, "shutting down") {
		t.Errorf("the console printed a debug record: %v", offline)
	}

	c := collector.Start(t)
	run := runExample(t, bin, 30*time.Second,
		"LOGFIRE_TOKEN=pylf_v1_us_e2etesttoken",
		"LOGFIRE_BASE_URL="+c.Endpoint(),
		"LOGFIRE_CONSOLE=false",
	)
	if run.err != nil {
		t.Fatalf("examples/slog: %v", run)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	spans, err := c.WaitForSpans(ctx, func(s []collector.Span) bool { return len(collector.WithoutPending(s)) >= 7 })
	if err != nil {
		t.Fatalf("%v; arrived:\n%s", err, collector.FormatSpans(spans))
	}
	spans = collector.WithoutPending(spans)
	defer func() {
		if t.Failed() {
			t.Logf("spans that arrived:\n%s", collector.FormatSpans(spans))
		}
	}()

	request, ok := collector.FindSpan(spans, "handling request {method} {path}")
	if !ok {
		t.Fatal("no request span")
	}
	type want struct {
		template string
		level    int64
		child    bool // of the request span
		attrs    map[string]any
	}
	for _, w := range []want{
		{"service {service} starting", 9, false, map[string]any{"service": "checkout"}},
		{"request {request_id}: order of {items} items placed", 9, true, map[string]any{
			"request_id": "r-123", "user": `{"id":7,"plan":"pro"}`, "items": int64(3)}},
		{"charging {payment.amount} {payment.currency}", 9, true, map[string]any{
			"request_id": "r-123", "payment.amount": 42.5, "payment.currency": "EUR",
			"logfire.msg": "charging 42.5 EUR"}},
		{"stock for {stock.item} is low", 13, true, map[string]any{
			"stock.item": "widget", "stock.left": int64(2), "logfire.msg": "stock for widget is low"}},
		{"sending the receipt failed: {error}", 17, true, map[string]any{"error": `"smtp timeout"`}}, // an error: a JSON string, as Python sends exceptions
		{"shutting down", 5, false, nil},
	} {
		s, ok := collector.FindSpan(spans, w.template)
		if !ok {
			t.Errorf("no log %q", w.template)
			continue
		}
		expectAttr(t, s, "logfire.span_type", "log")
		expectAttr(t, s, "logfire.level_num", w.level)
		fn := "main.handle"
		if !w.child {
			fn = "main.run"
		}
		expectAttr(t, s, "code.function", fn)
		for k, v := range w.attrs {
			expectAttr(t, s, k, v)
		}
		if w.child && !s.Parent(request) {
			t.Errorf("%q: parent %s, want the request span %s", s.Name, s.ParentSpanID, request.SpanID)
		}
		if !w.child && s.ParentSpanID != "" {
			t.Errorf("%q: parent %s, want a root", s.Name, s.ParentSpanID)
		}
	}
	if s, ok := collector.FindSpan(spans, "sending the receipt failed: {error}"); ok {
		if s.Status.Code != collector.StatusError {
			t.Errorf("error log: status %+v, want error", s.Status)
		}
		if ev, ok := s.Event("exception"); !ok || ev.Attributes["exception.message"] != "smtp timeout" {
			t.Errorf("error log: exception event %+v (found %v), want one with the message \"smtp timeout\"", ev, ok)
		}
	}
}
