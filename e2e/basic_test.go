package e2e_test

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/logfire-go/sdk/e2e/collector"
)

const basicToken = "pylf_v1_us_e2etesttoken"

// basicRecord is what one span or log of examples/basic must look like.
type basicRecord struct {
	template string
	msg      string
	level    int64
	spanType string
	attrs    map[string]any // user attributes with their exact Go types
}

var basicRecords = []basicRecord{
	{"Hello {name}", "Hello world", 9, "log", map[string]any{"name": "world"}},
	{"processing order {order_id}", "processing order 42", 9, "span", map[string]any{"order_id": int64(42)}},
	{"checking stock for {item}", "checking stock for widget", 9, "span", map[string]any{"item": "widget"}},
	{"stock for {item} is low: {left} left", "stock for widget is low: 3 left", 13, "log", map[string]any{"item": "widget", "left": int64(3)}},
	{"payment for order {order_id} failed: {error}", "payment for order 42 failed: card declined", 17, "log", map[string]any{"order_id": int64(42), "error": `"card declined"`}}, // an error travels as a JSON string, as Python sends exceptions
}

// TestBasicExample runs examples/basic against the collector and checks
// everything that reached it: spans and logs with Logfire's attributes,
// parents, the error, the resource, the request headers and the counter.
func TestBasicExample(t *testing.T) {
	c := collector.Start(t)
	bin := buildExample(t, "basic")

	run := runExample(t, bin, 30*time.Second,
		"LOGFIRE_TOKEN="+basicToken,
		"LOGFIRE_BASE_URL="+c.Endpoint(),
		"LOGFIRE_SERVICE_NAME=basic-e2e",
		"LOGFIRE_SERVICE_VERSION=1.2.3",
		"LOGFIRE_ENVIRONMENT=e2e",
		"LOGFIRE_CONSOLE=false",
	)
	if run.err != nil {
		t.Fatalf("examples/basic failed: %v", run)
	}
	t.Logf("examples/basic exited 0 in %v", run.took.Round(time.Millisecond))

	// Shutdown flushes before the process exits, so everything should be
	// here already; the wait only guards against a slow receiver.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	spans, err := c.WaitForSpans(ctx, func(s []collector.Span) bool {
		return len(collector.WithoutPending(s)) >= len(basicRecords)
	})
	if err != nil {
		t.Fatalf("%v; arrived:\n%s\nexample output: %v", err, collector.FormatSpans(spans), run)
	}
	metrics, err := c.WaitForMetrics(ctx, func(m []collector.Metric) bool {
		_, ok := collector.FindMetric(m, "orders_processed")
		return ok
	})
	if err != nil {
		t.Errorf("metric orders_processed did not arrive: %v; arrived:\n%s", err, collector.FormatMetrics(metrics))
	}
	defer func() {
		if t.Failed() {
			t.Logf("spans that arrived:\n%s", collector.FormatSpans(c.Spans()))
			t.Logf("metrics that arrived:\n%s", collector.FormatMetrics(c.Metrics()))
			t.Logf("requests: %+v; example output: %v", c.Requests(), run)
		}
	}()

	got := collector.WithoutPending(spans)
	checkSpanNames(t, got)
	for _, want := range basicRecords {
		if s, ok := collector.FindSpan(got, want.template); ok {
			checkRecord(t, s, want)
		}
	}
	checkParents(t, got)
	checkError(t, got)

	for _, s := range spans {
		checkResource(t, fmt.Sprintf("span %q", s.Name), s.Resource)
		checkHeaders(t, fmt.Sprintf("span %q", s.Name), s.Headers)
	}
	checkCounter(t, metrics)
}

func checkSpanNames(t *testing.T, spans []collector.Span) {
	t.Helper()
	var want []string
	for _, r := range basicRecords {
		want = append(want, r.template)
	}
	got := collector.SpanNames(spans)
	slices.Sort(want)
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("span names (pending spans left out):\n got: %q\nwant: %q", got, want)
	}
}

// expectAttr checks that attribute key of s equals want, type included.
func expectAttr(t *testing.T, s collector.Span, key string, want any) {
	t.Helper()
	got, ok := s.Attributes[key]
	if !ok {
		t.Errorf("span %q: attribute %s missing, want %#v (%T); attributes: %s",
			s.Name, key, want, want, collector.FormatAttributes(s.Attributes))
		return
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("span %q: attribute %s = %#v (%T), want %#v (%T)", s.Name, key, got, got, want, want)
	}
}

func checkRecord(t *testing.T, s collector.Span, want basicRecord) {
	t.Helper()
	expectAttr(t, s, "logfire.msg_template", want.template)
	expectAttr(t, s, "logfire.msg", want.msg)
	expectAttr(t, s, "logfire.level_num", want.level)
	expectAttr(t, s, "logfire.span_type", want.spanType)
	for k, v := range want.attrs {
		expectAttr(t, s, k, v)
	}
	checkJSONSchema(t, s, want.attrs)

	if fp, _ := s.Attributes["code.filepath"].(string); !strings.HasSuffix(fp, "examples/basic/main.go") {
		t.Errorf("span %q: code.filepath = %#v, want a path ending in examples/basic/main.go", s.Name, s.Attributes["code.filepath"])
	}
	if n, ok := s.Attributes["code.lineno"].(int64); !ok || n <= 0 {
		t.Errorf("span %q: code.lineno = %#v (%T), want an int64 > 0", s.Name, s.Attributes["code.lineno"], s.Attributes["code.lineno"])
	}
	if fn, _ := s.Attributes["code.function"].(string); fn == "" {
		t.Errorf("span %q: code.function = %#v, want a non-empty string", s.Name, s.Attributes["code.function"])
	}

	switch want.spanType {
	case "log":
		if !s.StartTime.Equal(s.EndTime) {
			t.Errorf("log %q: start %v != end %v, want a zero-duration span", s.Name, s.StartTime, s.EndTime)
		}
	case "span":
		if s.EndTime.Before(s.StartTime) {
			t.Errorf("span %q: ends (%v) before it starts (%v)", s.Name, s.EndTime, s.StartTime)
		}
	}
	if s.StartTime.IsZero() {
		t.Errorf("span %q: no start time", s.Name)
	}
}

// checkJSONSchema checks that logfire.json_schema is
// {"type":"object","properties":{...}} and lists the user attributes.
func checkJSONSchema(t *testing.T, s collector.Span, userAttrs map[string]any) {
	t.Helper()
	raw, ok := s.Attributes["logfire.json_schema"].(string)
	if !ok {
		t.Errorf("span %q: logfire.json_schema = %#v (%T), want a JSON string",
			s.Name, s.Attributes["logfire.json_schema"], s.Attributes["logfire.json_schema"])
		return
	}
	var schema struct {
		Type       string                     `json:"type"`
		Properties map[string]json.RawMessage `json:"properties"`
	}
	if err := json.Unmarshal([]byte(raw), &schema); err != nil {
		t.Errorf("span %q: logfire.json_schema %s is not valid JSON of the expected shape: %v", s.Name, raw, err)
		return
	}
	if schema.Type != "object" || schema.Properties == nil {
		t.Errorf("span %q: logfire.json_schema = %s, want {\"type\":\"object\",\"properties\":{...}}", s.Name, raw)
		return
	}
	for k := range userAttrs {
		if _, ok := schema.Properties[k]; !ok {
			t.Errorf("span %q: logfire.json_schema %s does not list user attribute %q", s.Name, raw, k)
		}
	}
	for k, v := range schema.Properties {
		if strings.HasPrefix(k, "logfire.") || strings.HasPrefix(k, "code.") {
			t.Errorf("span %q: logfire.json_schema %s lists %q, which is not a user attribute", s.Name, raw, k)
		}
		var entry map[string]any
		if err := json.Unmarshal(v, &entry); err != nil {
			t.Errorf("span %q: logfire.json_schema entry %q = %s, want a JSON object", s.Name, k, v)
		}
	}
}

func checkParents(t *testing.T, spans []collector.Span) {
	t.Helper()
	order, ok := collector.FindSpan(spans, "processing order {order_id}")
	if !ok {
		return // already reported by checkSpanNames
	}
	for _, name := range []string{"checking stock for {item}", "stock for {item} is low: {left} left"} {
		child, ok := collector.FindSpan(spans, name)
		if !ok {
			continue
		}
		if child.TraceID != order.TraceID {
			t.Errorf("%q: trace id %s, want the order span's %s", name, child.TraceID, order.TraceID)
		}
		if child.ParentSpanID != order.SpanID {
			t.Errorf("%q: parent span id %q, want the order span's %s", name, child.ParentSpanID, order.SpanID)
		}
		if child.StartTime.Before(order.StartTime) || child.EndTime.After(order.EndTime) {
			t.Errorf("%q: [%v, %v] is not inside the order span [%v, %v]",
				name, child.StartTime, child.EndTime, order.StartTime, order.EndTime)
		}
	}
}

func checkError(t *testing.T, spans []collector.Span) {
	t.Helper()
	s, ok := collector.FindSpan(spans, "payment for order {order_id} failed: {error}")
	if !ok {
		return // already reported by checkSpanNames
	}
	if s.Status.Code != collector.StatusError || !strings.Contains(s.Status.Message, "card declined") {
		t.Errorf("error log: status %+v, want code %q with a message containing \"card declined\"", s.Status, collector.StatusError)
	}
	ev, ok := s.Event("exception")
	if !ok {
		t.Errorf("error log: no \"exception\" event; events: %+v", s.Events)
		return
	}
	if got := ev.Attributes["exception.message"]; got != "card declined" {
		t.Errorf("error log: exception.message = %#v, want \"card declined\"", got)
	}
}

func checkResource(t *testing.T, what string, res map[string]any) {
	t.Helper()
	want := map[string]any{
		"service.name":                "basic-e2e",
		"service.version":             "1.2.3",
		"deployment.environment.name": "e2e",
		"telemetry.sdk.language":      "go",
	}
	for k, v := range want {
		if got := res[k]; got != v {
			t.Errorf("%s: resource %s = %#v, want %#v", what, k, got, v)
		}
	}
	for _, k := range []string{"logfire.version", "service.instance.id"} {
		if got, _ := res[k].(string); got == "" {
			t.Errorf("%s: resource %s = %#v, want a non-empty string", what, k, res[k])
		}
	}
}

func checkHeaders(t *testing.T, what string, h map[string][]string) {
	t.Helper()
	if got := h["Authorization"]; len(got) != 1 || got[0] != basicToken {
		t.Errorf("%s: Authorization header %q, want exactly [%q] (the raw token)", what, got, basicToken)
	}
	if got := h["User-Agent"]; len(got) != 1 || !strings.HasPrefix(got[0], "logfire-go/") {
		t.Errorf("%s: User-Agent header %q, want one value starting with \"logfire-go/\"", what, got)
	}
}

func checkCounter(t *testing.T, metrics []collector.Metric) {
	t.Helper()
	found := collector.MetricsNamed(metrics, "orders_processed")
	if len(found) == 0 {
		return // already reported
	}
	var total int64
	for _, m := range found {
		checkResource(t, "metric orders_processed", m.Resource)
		checkHeaders(t, "metric orders_processed", m.Headers)
		if m.Type != collector.TypeSum || !m.Monotonic || m.Temporality != collector.TemporalityDelta {
			t.Errorf("orders_processed: type=%s monotonic=%t temporality=%s, want a monotonic sum with delta temporality",
				m.Type, m.Monotonic, m.Temporality)
		}
		for _, p := range m.DataPoints {
			v, ok := p.Value.(int64)
			if !ok {
				t.Errorf("orders_processed: data point value %#v (%T), want an int64", p.Value, p.Value)
			}
			total += v
		}
	}
	if total != 1 {
		t.Errorf("orders_processed: values add up to %d over %d export(s), want 1:\n%s",
			total, len(found), collector.FormatMetrics(found))
	}
}
