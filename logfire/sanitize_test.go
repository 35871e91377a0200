package logfire

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"go.opentelemetry.io/otel/attribute"
	otellog "go.opentelemetry.io/otel/log"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	colmetricpb "go.opentelemetry.io/proto/otlp/collector/metrics/v1"
	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	metricpb "go.opentelemetry.io/proto/otlp/metrics/v1"
	"google.golang.org/protobuf/proto"

	"github.com/logfire-go/sdk/internal/otlptest"
	"github.com/logfire-go/sdk/internal/otlpwire"
)

// bad is a string that is not valid UTF-8.
const bad = "caf\xe9 \xff\xfe"

// TestInvalidUTF8LosesNothing: one invalid byte in any string the SDK
// exports is replaced, and neither the record nor its neighbours are
// lost (protobuf refuses to encode invalid UTF-8, and the exporter encodes
// a whole batch at once).
func TestInvalidUTF8LosesNothing(t *testing.T) {
	clearEnv(t)
	quietSelflog(t)
	t.Setenv("LOGFIRE_SERVICE_NAME", "svc "+bad)
	t.Setenv("LOGFIRE_ENVIRONMENT", "env "+bad)
	t.Setenv("OTEL_RESOURCE_ATTRIBUTES", "team=t%E9am")
	rcv := otlptest.New(t)
	lf, err := Configure(context.Background(), notDefault(), WithConsole(nil),
		WithToken(testToken), WithBaseURL(rcv.URL()))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	const neighbours = 500
	for i := range neighbours / 2 {
		lf.Info(ctx, "neighbour {i}", "i", i)
	}
	lf.Info(ctx, "attribute value", "v", bad)
	lf.Info(ctx, "attribute key", "k"+bad, 1)
	lf.Error(ctx, "error text", "err", errors.New("boom "+bad))
	lf.Info(ctx, "tag", Tags("t"+bad))
	lf.Info(ctx, "template "+bad)
	_, span := lf.Span(ctx, "message")
	span.SetMessage("message " + bad)
	span.End()
	_, raw := lf.TracerProvider().Tracer("scope "+bad).Start(ctx, "raw "+bad)
	raw.End()
	for i := range neighbours / 2 {
		lf.Info(ctx, "neighbour {i}", "i", i+neighbours/2)
	}
	var rec otellog.Record
	rec.SetBody(attribute.StringValue("body " + bad))
	rec.AddAttributes(attribute.String("k", bad))
	lf.LoggerProvider().Logger("scope").Emit(ctx, rec)
	counter, _ := lf.MeterProvider().Meter("m").Int64Counter("c")
	counter.Add(ctx, 1, metric.WithAttributes(attribute.String("k", bad)))

	fctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := lf.Shutdown(fctx); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	if got, want := realSpans(rcv), neighbours+7; got != want {
		t.Errorf("received %d spans, want %d", got, want)
	}
	if rcv.Count(otlptest.Logs) != 1 || rcv.Count(otlptest.Metrics) != 1 {
		t.Errorf("received %d logs, %d points", rcv.Count(otlptest.Logs), rcv.Count(otlptest.Metrics))
	}
	for _, s := range rcv.Spans() {
		checkValid(t, "span name", s.Name)
		for k, v := range s.Attrs {
			checkValid(t, "attribute key", k)
			checkValid(t, "attribute "+k, v)
		}
		for k, v := range s.Resource {
			checkValid(t, "resource "+k, v)
		}
		checkValid(t, "status", s.Raw.GetStatus().GetMessage())
		for _, e := range s.Raw.Events {
			for _, kv := range e.Attributes {
				checkValid(t, "event attribute", kv.Value.GetStringValue())
			}
		}
	}
	// A run of bad bytes becomes one U+FFFD.
	if got := rcv.Spans()[0].Resource["service.name"]; got != "svc caf\uFFFD \uFFFD" {
		t.Errorf("service.name = %q", got)
	}
	for _, l := range rcv.Logs() {
		checkValid(t, "log body", l.Body)
	}
}

// TestHugeValueIsTruncatedNotFatal: a 70 MB attribute value is truncated
// to the attribute value length limit, and its neighbours arrive.
func TestHugeValueIsTruncatedNotFatal(t *testing.T) {
	clearEnv(t)
	quietSelflog(t)
	rcv := otlptest.New(t)
	lf := deliveryInstance(t, rcv.URL())
	ctx := context.Background()
	lf.Info(ctx, "before")
	lf.Info(ctx, "huge", "blob", strings.Repeat("x", 70<<20))
	lf.Info(ctx, "after")
	fctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := lf.Shutdown(fctx); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	if got := realSpans(rcv); got != 3 {
		t.Fatalf("received %d spans, want 3", got)
	}
	for _, s := range rcv.Spans() {
		if s.Name == "huge" {
			if n := len(s.Attrs["blob"].(string)); n != 1<<20 {
				t.Errorf("the huge value has %d bytes, want the 1 Mi limit", n)
			}
		}
	}
}

// TestRecordsStringsAreBounded: a record whose strings together exceed
// what one record may carry has its strings shortened, still valid.
func TestRecordsStringsAreBounded(t *testing.T) {
	clearEnv(t)
	quietSelflog(t)
	rcv := otlptest.New(t)
	lf := deliveryInstance(t, rcv.URL())
	ctx := context.Background()
	var args []any
	for i := range 8 {
		args = append(args, strings.Repeat("k", i+1), strings.Repeat("é", 600<<10)) // 1.2 MB each
	}
	lf.Info(ctx, "wide", args...)
	fctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := lf.Shutdown(fctx); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	spans := rcv.Spans()
	if len(spans) != 1 {
		t.Fatalf("%d spans", len(spans))
	}
	total := 0
	for _, kv := range spans[0].Raw.Attributes {
		v := kv.Value.GetStringValue()
		total += len(kv.Key) + len(v)
		checkValid(t, kv.Key, v)
		if strings.HasPrefix(kv.Key, "k") && !strings.HasSuffix(v, otlpwire.TruncatedMark) {
			t.Errorf("%s was not shortened", kv.Key)
		}
	}
	if total > otlpwire.MaxRecordBytes+64<<10 {
		t.Errorf("exported strings: %d bytes, want at most about %d", total, otlpwire.MaxRecordBytes)
	}
}

// TestExportResourceFixesStrings: the resource's strings are exported
// valid, and a valid resource is exported as it is.
func TestExportResourceFixesStrings(t *testing.T) {
	enc := otlpwire.NewEncoder(0)
	for _, r := range []*resource.Resource{
		resource.NewSchemaless(attribute.String("process.executable.name", "bin\xff"), attribute.String("ok", "fine")),
		resource.NewSchemaless(attribute.String("ok", "fine")),
	} {
		spans := spansWithResource(t, r)
		enc.Spans(spans, func(body []byte, _ int) {
			var req coltracepb.ExportTraceServiceRequest
			if err := proto.Unmarshal(body, &req); err != nil {
				t.Fatalf("the request does not decode: %v", err)
			}
			attrs := req.ResourceSpans[0].Resource.Attributes
			if len(attrs) != r.Len() {
				t.Errorf("%d resource attributes, want %d", len(attrs), r.Len())
			}
			for _, kv := range attrs {
				checkValid(t, kv.Key, kv.Value.GetStringValue())
				if kv.Key == "ok" && kv.Value.GetStringValue() != "fine" {
					t.Errorf("a valid value changed: %q", kv.Value.GetStringValue())
				}
			}
		})
	}
}

// spansWithResource returns one finished span of a provider with r.
func spansWithResource(t *testing.T, r *resource.Resource) []sdktrace.ReadOnlySpan {
	t.Helper()
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec), sdktrace.WithResource(r))
	_, s := tp.Tracer("t").Start(context.Background(), "s")
	s.End()
	return rec.Ended()
}

func checkValid(t *testing.T, what string, v any) {
	t.Helper()
	switch x := v.(type) {
	case string:
		if !utf8.ValidString(x) {
			t.Errorf("%s is not valid UTF-8: %q", what, x)
		}
	case []any:
		for _, e := range x {
			checkValid(t, what, e)
		}
	case map[string]any:
		for k, e := range x {
			checkValid(t, what+" key", k)
			checkValid(t, what, e)
		}
	}
}

// TestFixMetricDataEveryKind: invalid UTF-8 in a data point's attributes
// is replaced for every kind of aggregation, Summary (from metric bridges)
// included.
func TestFixMetricDataEveryKind(t *testing.T) {
	set := attribute.NewSet(attribute.String("k"+bad, "v"+bad))
	aggs := []metricdata.Aggregation{
		metricdata.Sum[int64]{Temporality: metricdata.DeltaTemporality, DataPoints: []metricdata.DataPoint[int64]{{Attributes: set}}},
		metricdata.Sum[float64]{Temporality: metricdata.DeltaTemporality, DataPoints: []metricdata.DataPoint[float64]{{Attributes: set}}},
		metricdata.Gauge[int64]{DataPoints: []metricdata.DataPoint[int64]{{Attributes: set}}},
		metricdata.Gauge[float64]{DataPoints: []metricdata.DataPoint[float64]{{Attributes: set}}},
		metricdata.Histogram[int64]{Temporality: metricdata.DeltaTemporality, DataPoints: []metricdata.HistogramDataPoint[int64]{{Attributes: set}}},
		metricdata.Histogram[float64]{Temporality: metricdata.DeltaTemporality, DataPoints: []metricdata.HistogramDataPoint[float64]{{Attributes: set}}},
		metricdata.ExponentialHistogram[int64]{Temporality: metricdata.DeltaTemporality, DataPoints: []metricdata.ExponentialHistogramDataPoint[int64]{{Attributes: set}}},
		metricdata.ExponentialHistogram[float64]{Temporality: metricdata.DeltaTemporality, DataPoints: []metricdata.ExponentialHistogramDataPoint[float64]{{Attributes: set}}},
		metricdata.Summary{DataPoints: []metricdata.SummaryDataPoint{{Attributes: set}}},
	}
	enc := otlpwire.NewEncoder(0)
	for _, a := range aggs {
		rm := &metricdata.ResourceMetrics{Resource: resource.Empty(), ScopeMetrics: []metricdata.ScopeMetrics{{Metrics: []metricdata.Metrics{{Name: "m", Data: a}}}}}
		requests := 0
		dropped, err := enc.Metrics(rm, func(body []byte, n int) {
			requests++
			var req colmetricpb.ExportMetricsServiceRequest
			if err := proto.Unmarshal(body, &req); err != nil {
				t.Fatalf("%T: the request does not decode: %v", a, err)
			}
			m := req.ResourceMetrics[0].ScopeMetrics[0].Metrics[0]
			var attrs []*commonpb.KeyValue
			switch d := m.Data.(type) {
			case *metricpb.Metric_Sum:
				attrs = d.Sum.DataPoints[0].Attributes
			case *metricpb.Metric_Gauge:
				attrs = d.Gauge.DataPoints[0].Attributes
			case *metricpb.Metric_Histogram:
				attrs = d.Histogram.DataPoints[0].Attributes
			case *metricpb.Metric_ExponentialHistogram:
				attrs = d.ExponentialHistogram.DataPoints[0].Attributes
			case *metricpb.Metric_Summary:
				attrs = d.Summary.DataPoints[0].Attributes
			}
			if len(attrs) != 1 || n != 1 {
				t.Fatalf("%T: %d attributes after fixing (want 1), %d points", a, len(attrs), n)
			}
			checkValid(t, fmt.Sprintf("%T attribute", a), attrs[0].Key)
			checkValid(t, fmt.Sprintf("%T value", a), attrs[0].Value.GetStringValue())
		})
		if dropped != 0 || err != nil || requests != 1 {
			t.Errorf("%T: dropped %d (%v), %d requests", a, dropped, err, requests)
		}
	}
}
