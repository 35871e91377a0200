package collector

import (
	"strings"
)

// WithoutPending returns the spans that are not Logfire pending spans
// (attribute logfire.span_type == "pending_span").
func WithoutPending(spans []Span) []Span {
	var out []Span
	for _, s := range spans {
		if !s.IsPending() {
			out = append(out, s)
		}
	}
	return out
}

// FindSpan returns the first span called name.
func FindSpan(spans []Span, name string) (Span, bool) {
	for _, s := range spans {
		if s.Name == name {
			return s, true
		}
	}
	return Span{}, false
}

// SpansNamed returns every span called name.
func SpansNamed(spans []Span, name string) []Span {
	var out []Span
	for _, s := range spans {
		if s.Name == name {
			out = append(out, s)
		}
	}
	return out
}

// SpanNames returns the names of spans, in order.
func SpanNames(spans []Span) []string {
	names := make([]string, len(spans))
	for i, s := range spans {
		names[i] = s.Name
	}
	return names
}

// FindMetric returns the first metric called name.
func FindMetric(metrics []Metric, name string) (Metric, bool) {
	for _, m := range metrics {
		if m.Name == name {
			return m, true
		}
	}
	return Metric{}, false
}

// MetricsNamed returns every metric called name (one per request that
// carried it).
func MetricsNamed(metrics []Metric, name string) []Metric {
	var out []Metric
	for _, m := range metrics {
		if m.Name == name {
			out = append(out, m)
		}
	}
	return out
}

// FormatSpans renders spans one per line, for failure messages.
func FormatSpans(spans []Span) string {
	return formatLines(spans)
}

// FormatMetrics renders metrics one per line, for failure messages.
func FormatMetrics(metrics []Metric) string {
	return formatLines(metrics)
}

// FormatLogs renders log records one per line, for failure messages.
func FormatLogs(logs []LogRecord) string {
	return formatLines(logs)
}

func formatLines[T interface{ String() string }](items []T) string {
	if len(items) == 0 {
		return "  (none)"
	}
	var b strings.Builder
	for i, it := range items {
		if i > 0 {
			b.WriteString("\n")
		}
		b.WriteString("  ")
		b.WriteString(it.String())
	}
	return b.String()
}
