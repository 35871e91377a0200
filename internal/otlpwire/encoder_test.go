package otlpwire

import (
	"context"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	"google.golang.org/protobuf/proto"
)

// recordSpans returns n finished spans of a provider with a resource.
func recordSpans(t testing.TB, n int, attrs ...attribute.KeyValue) []sdktrace.ReadOnlySpan {
	t.Helper()
	exp := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp),
		sdktrace.WithResource(resource.NewSchemaless(attribute.String("service.name", "svc"))))
	tr := tp.Tracer("scope")
	for i := range n {
		_, s := tr.Start(context.Background(), "span", trace.WithAttributes(attrs...))
		s.SetAttributes(attribute.Int("i", i))
		s.End()
	}
	return exp.GetSpans().Snapshots()
}

func TestSpansDecodeAndSplit(t *testing.T) {
	spans := recordSpans(t, 7, attribute.String("k", "v"))
	var bodies [][]byte
	NewEncoder(0).Spans(spans, func(b []byte, n int) {
		if n != 7 {
			t.Errorf("records %d", n)
		}
		bodies = append(bodies, append([]byte(nil), b...))
	})
	if len(bodies) != 1 {
		t.Fatalf("%d requests", len(bodies))
	}
	var req coltracepb.ExportTraceServiceRequest
	if err := proto.Unmarshal(bodies[0], &req); err != nil {
		t.Fatal(err)
	}
	if got := len(req.ResourceSpans[0].ScopeSpans[0].Spans); got != 7 {
		t.Fatalf("decoded %d spans", got)
	}
	halves, counts, err := Split(Spans, bodies[0])
	if err != nil || counts != [2]int{3, 4} {
		t.Fatalf("split: %v %v", counts, err)
	}
	for i, h := range halves {
		var r coltracepb.ExportTraceServiceRequest
		if err := proto.Unmarshal(h, &r); err != nil {
			t.Fatal(err)
		}
		if got := len(r.ResourceSpans[0].ScopeSpans[0].Spans); got != counts[i] {
			t.Errorf("half %d: %d spans", i, got)
		}
		if r.ResourceSpans[0].Resource == nil || r.ResourceSpans[0].ScopeSpans[0].Scope.GetName() != "scope" {
			t.Errorf("half %d lost its resource or scope", i)
		}
	}
	// Chunked by size.
	big := recordSpans(t, 50, attribute.String("pad", strings.Repeat("x", 1000)))
	total, requests := 0, 0
	NewEncoder(8<<10).Spans(big, func(b []byte, n int) {
		requests++
		total += n
		var r coltracepb.ExportTraceServiceRequest
		if err := proto.Unmarshal(b, &r); err != nil {
			t.Fatal(err)
		}
		if len(b) > 8<<10 {
			t.Errorf("request of %d bytes", len(b))
		}
		if c, _ := Count(Spans, b); c != n {
			t.Errorf("count %d, want %d", c, n)
		}
	})
	if total != 50 || requests < 6 {
		t.Errorf("%d spans in %d requests", total, requests)
	}
}
