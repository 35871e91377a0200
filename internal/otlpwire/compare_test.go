package otlpwire

// Decoding and comparing the requests of the differential test.

import (
	"bytes"
	"fmt"
	"math"
	"slices"
	"strings"

	collogspb "go.opentelemetry.io/proto/otlp/collector/logs/v1"
	colmetricspb "go.opentelemetry.io/proto/otlp/collector/metrics/v1"
	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	logspb "go.opentelemetry.io/proto/otlp/logs/v1"
	metricspb "go.opentelemetry.io/proto/otlp/metrics/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
)

// Decoding and comparing requests.

// decodeRequest decodes body as a request of sig with the official types
// (which refuse invalid UTF-8 in strings).
func decodeRequest(sig genSignal, body []byte) (proto.Message, error) {
	var m proto.Message
	switch sig {
	case genSpans:
		m = &coltracepb.ExportTraceServiceRequest{}
	case genLogs:
		m = &collogspb.ExportLogsServiceRequest{}
	default:
		m = &colmetricspb.ExportMetricsServiceRequest{}
	}
	return m, proto.Unmarshal(body, m)
}

// deterministic marshals m the same way every time.
func deterministic(m proto.Message) []byte {
	b, err := proto.MarshalOptions{Deterministic: true}.Marshal(m)
	if err != nil {
		panic(err)
	}
	return b
}

// normalize puts the resource groups of a span or log request in a fixed
// order (OpenTelemetry's exporters write them in Go map order): by their
// resource, then schema URL.
func normalize(m proto.Message) {
	groupKey := func(res proto.Message, schema string) string {
		return string(deterministic(res)) + "\x00" + schema
	}
	switch m := m.(type) {
	case *coltracepb.ExportTraceServiceRequest:
		slices.SortStableFunc(m.ResourceSpans, func(a, b *tracepb.ResourceSpans) int {
			return strings.Compare(groupKey(a.GetResource(), a.SchemaUrl), groupKey(b.GetResource(), b.SchemaUrl))
		})
	case *collogspb.ExportLogsServiceRequest:
		slices.SortStableFunc(m.ResourceLogs, func(a, b *logspb.ResourceLogs) int {
			return strings.Compare(groupKey(a.GetResource(), a.SchemaUrl), groupKey(b.GetResource(), b.SchemaUrl))
		})
	}
}

// recordsIn counts the records (spans, log records, data points) of a
// decoded request.
func recordsIn(m proto.Message) int {
	n := 0
	switch m := m.(type) {
	case *coltracepb.ExportTraceServiceRequest:
		for _, rs := range m.ResourceSpans {
			for _, ss := range rs.ScopeSpans {
				n += len(ss.Spans)
			}
		}
	case *collogspb.ExportLogsServiceRequest:
		for _, rl := range m.ResourceLogs {
			for _, sl := range rl.ScopeLogs {
				n += len(sl.LogRecords)
			}
		}
	case *colmetricspb.ExportMetricsServiceRequest:
		for _, rm := range m.ResourceMetrics {
			for _, sm := range rm.ScopeMetrics {
				for _, mt := range sm.Metrics {
					n += len(metricPoints(mt))
				}
			}
		}
	}
	return n
}

// metricPoints returns the data points of mt, each as a message.
func metricPoints(mt *metricspb.Metric) []proto.Message {
	var out []proto.Message
	switch d := mt.Data.(type) {
	case *metricspb.Metric_Gauge:
		for _, p := range d.Gauge.GetDataPoints() {
			out = append(out, p)
		}
	case *metricspb.Metric_Sum:
		for _, p := range d.Sum.GetDataPoints() {
			out = append(out, p)
		}
	case *metricspb.Metric_Histogram:
		for _, p := range d.Histogram.GetDataPoints() {
			out = append(out, p)
		}
	case *metricspb.Metric_ExponentialHistogram:
		for _, p := range d.ExponentialHistogram.GetDataPoints() {
			out = append(out, p)
		}
	case *metricspb.Metric_Summary:
		for _, p := range d.Summary.GetDataPoints() {
			out = append(out, p)
		}
	}
	return out
}

// sameMessage reports whether want and got are equal, proto.Equal and to
// the bit (so -0 is not 0, and NaN payloads count); if not, it returns a
// readable difference.
func sameMessage(want, got proto.Message) (bool, string) {
	wb, gb := deterministic(want), deterministic(got)
	if proto.Equal(want, got) && bytes.Equal(wb, gb) {
		return true, ""
	}
	opts := protojson.MarshalOptions{Multiline: true, Indent: "  "}
	wj, gj := opts.Format(want), opts.Format(got)
	if wj == gj {
		return false, fmt.Sprintf("the messages differ in what JSON does not show (NaN payloads or unknown fields):\nOpenTelemetry: %x\nencoder:       %x", clip(wb), clip(gb))
	}
	return false, lineDiff(wj, gj)
}

// clip shortens b for printing.
func clip(b []byte) []byte {
	if len(b) > 4096 {
		return b[:4096]
	}
	return b
}

// lineDiff shows where two texts first and last differ: the path of JSON
// objects around the difference, some lines before it, then the differing
// lines of each ("-" OpenTelemetry, "+" encoder), each cut to a bounded
// number of lines.
func lineDiff(want, got string) string {
	a, b := strings.Split(want, "\n"), strings.Split(got, "\n")
	p := 0
	for p < len(a) && p < len(b) && a[p] == b[p] {
		p++
	}
	s := 0
	for s < len(a)-p && s < len(b)-p && a[len(a)-1-s] == b[len(b)-1-s] {
		s++
	}
	var out strings.Builder
	out.WriteString("(- OpenTelemetry, + encoder)\nat: " + jsonPath(a[:p]) + "\n")
	for _, l := range a[max(0, p-6):p] {
		out.WriteString("  " + l + "\n")
	}
	const most = 60
	side := func(mark string, lines []string) {
		for i, l := range lines {
			if i == most {
				fmt.Fprintf(&out, "%s … %d more lines\n", mark, len(lines)-most)
				break
			}
			out.WriteString(mark + " " + l + "\n")
		}
	}
	side("-", a[p:len(a)-s])
	side("+", b[p:len(b)-s])
	for _, l := range a[len(a)-s : min(len(a), len(a)-s+3)] {
		out.WriteString("  " + l + "\n")
	}
	return out.String()
}

// jsonPath returns the lines that open the JSON objects and arrays around
// the end of lines: each line before it that is indented less than all the
// lines after it.
func jsonPath(lines []string) string {
	indent := func(l string) int { return len(l) - len(strings.TrimLeft(l, " ")) }
	least := math.MaxInt
	var path []string
	for i := len(lines) - 1; i >= 0; i-- {
		if in := indent(lines[i]); in < least {
			least = in
			path = append(path, strings.TrimSpace(lines[i]))
		}
	}
	slices.Reverse(path)
	return strings.Join(path, " ")
}
