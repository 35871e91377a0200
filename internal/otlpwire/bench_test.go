package otlpwire

import (
	"testing"

	"go.opentelemetry.io/otel/attribute"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// logfireSpans are n spans with the ten attributes of a Logfire log.
func logfireSpans(b testing.TB, n int) []sdktrace.ReadOnlySpan {
	return recordSpans(b, n,
		attribute.String("logfire.span_type", "log"), attribute.Int("logfire.level_num", 9),
		attribute.String("logfire.msg_template", "Hello {name} {n}"), attribute.String("logfire.msg", "Hello world 42"),
		attribute.String("code.filepath", "logfire/bench_test.go"), attribute.Int("code.lineno", 42),
		attribute.String("code.function", "logfire.BenchmarkInfo"), attribute.String("name", "world"),
		attribute.Int("n", 42), attribute.String("logfire.json_schema", `{"type":"object","properties":{"name":{},"n":{}}}`))
}

// BenchmarkEncodeSpans encodes a batch of 512 spans with the attributes
// of Logfire logs.
func BenchmarkEncodeSpans(b *testing.B) {
	spans := logfireSpans(b, 512)
	enc := NewEncoder(0)
	b.ReportAllocs()
	for b.Loop() {
		enc.Spans(spans, func([]byte, int) {})
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(spans)), "ns/span")
}
