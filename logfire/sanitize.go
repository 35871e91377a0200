package logfire

import (
	"slices"
	"strings"
	"unicode/utf8"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/instrumentation"
	sdklog "go.opentelemetry.io/otel/sdk/log"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// Protobuf refuses to encode a string that is not valid UTF-8, and the
// OpenTelemetry exporters encode a whole batch at once: one bad byte in
// one attribute would lose every record of the request. So every string
// about to be exported is checked here, off the hot path, in the export
// queue's goroutine: invalid bytes are replaced with U+FFFD, and a record
// whose strings together exceed maxRecordBytes has its longest strings
// shortened, so that one record can never fail a request for its
// neighbours.

// maxRecordBytes bounds the strings of one exported record, well under the
// request size at which the exporter splits requests.
const maxRecordBytes = 4 << 20

// truncatedMark ends a string this package shortened.
const truncatedMark = "…[truncated]"

func fixString(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	return strings.ToValidUTF8(s, "\uFFFD")
}

// valueBytes is the size of the strings in v, and ok whether they are
// valid UTF-8.
func valueBytes(v attribute.Value) (n int, ok bool) {
	switch v.Type() {
	case attribute.STRING:
		s := v.AsString()
		return len(s), utf8.ValidString(s)
	case attribute.STRINGSLICE:
		ok = true
		for _, s := range v.AsStringSlice() {
			n += len(s)
			ok = ok && utf8.ValidString(s)
		}
		return n, ok
	case attribute.SLICE:
		ok = true
		for _, e := range v.AsSlice() {
			m, good := valueBytes(e)
			n += m
			ok = ok && good
		}
		return n, ok
	case attribute.MAP:
		ok = true
		for _, kv := range v.AsMap() {
			m, good := valueBytes(kv.Value)
			n += m + len(kv.Key)
			ok = ok && good && utf8.ValidString(string(kv.Key))
		}
		return n, ok
	case attribute.BYTESLICE:
		return len(v.AsString()), true
	}
	return 8, true
}

// attrsBytes is valueBytes for a list of attributes, keys included.
func attrsBytes(kvs []attribute.KeyValue) (n int, ok bool) {
	ok = true
	for _, kv := range kvs {
		m, good := valueBytes(kv.Value)
		n += m + len(kv.Key)
		ok = ok && good && utf8.ValidString(string(kv.Key))
	}
	return n, ok
}

// fixValue returns v with its strings made valid and, when limit >= 0,
// no longer than limit bytes each.
func fixValue(v attribute.Value, limit int) attribute.Value {
	switch v.Type() {
	case attribute.STRING:
		return attribute.StringValue(shorten(fixString(v.AsString()), limit))
	case attribute.STRINGSLICE:
		ss := slices.Clone(v.AsStringSlice())
		for i, s := range ss {
			ss[i] = shorten(fixString(s), limit)
		}
		return attribute.StringSliceValue(ss)
	case attribute.SLICE:
		vs := slices.Clone(v.AsSlice())
		for i, e := range vs {
			vs[i] = fixValue(e, limit)
		}
		return attribute.SliceValue(vs...)
	case attribute.MAP:
		return attribute.MapValue(fixAttrs(v.AsMap(), limit)...)
	case attribute.BYTESLICE:
		if b := v.AsByteSlice(); limit >= 0 && len(b) > limit {
			return attribute.ByteSliceValue(b[:limit])
		}
	}
	return v
}

// fixAttrs returns a fixed copy of kvs (see fixValue).
func fixAttrs(kvs []attribute.KeyValue, limit int) []attribute.KeyValue {
	out := make([]attribute.KeyValue, len(kvs))
	for i, kv := range kvs {
		out[i] = attribute.KeyValue{Key: attribute.Key(fixString(string(kv.Key))), Value: fixValue(kv.Value, limit)}
	}
	return out
}

// shorten cuts s to at most limit bytes (on a character boundary) and
// marks the cut; limit < 0 leaves s alone.
func shorten(s string, limit int) string {
	if limit < 0 || len(s) <= limit {
		return s
	}
	cut := max(limit-len(truncatedMark), 0)
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + truncatedMark
}

// perStringLimit is the limit fixValue applies to a record of total
// string bytes: none if the record fits, else a share of maxRecordBytes
// for each of its strings.
func perStringLimit(total, strings int) int {
	if total <= maxRecordBytes {
		return -1
	}
	return max(maxRecordBytes/max(strings, 1), 1024)
}

func countStrings(kvs []attribute.KeyValue) int {
	n := 0
	for _, kv := range kvs {
		switch kv.Value.Type() {
		case attribute.STRING, attribute.BYTESLICE:
			n++
		case attribute.STRINGSLICE:
			n += len(kv.Value.AsStringSlice())
		case attribute.SLICE, attribute.MAP:
			n += 4
		}
	}
	return n
}

// exportSpan returns s as it may be exported: s itself when its strings
// are valid and fit, else a fixed copy.
func exportSpan(s sdktrace.ReadOnlySpan) sdktrace.ReadOnlySpan {
	name, status, scope := s.Name(), s.Status(), s.InstrumentationScope()
	attrs, events, links := s.Attributes(), s.Events(), s.Links()
	total, ok := attrsBytes(attrs)
	total += len(name) + len(status.Description)
	ok = ok && utf8.ValidString(name) && utf8.ValidString(status.Description) && scopeValid(scope)
	for _, e := range events {
		n, good := attrsBytes(e.Attributes)
		total += n + len(e.Name)
		ok = ok && good && utf8.ValidString(e.Name)
	}
	for _, l := range links {
		n, good := attrsBytes(l.Attributes)
		total += n
		ok = ok && good
	}
	if ok && total <= maxRecordBytes {
		return s
	}
	n := countStrings(attrs) + 2
	for _, e := range events {
		n += countStrings(e.Attributes) + 1
	}
	for _, l := range links {
		n += countStrings(l.Attributes)
	}
	limit := perStringLimit(total, n)
	out := &exportedSpan{ReadOnlySpan: s,
		name:   shorten(fixString(name), limit),
		attrs:  fixAttrs(attrs, limit),
		status: sdktrace.Status{Code: status.Code, Description: shorten(fixString(status.Description), limit)},
		scope:  fixScope(scope),
	}
	out.events = make([]sdktrace.Event, len(events))
	for i, e := range events {
		out.events[i] = e
		out.events[i].Name = shorten(fixString(e.Name), limit)
		out.events[i].Attributes = fixAttrs(e.Attributes, limit)
	}
	out.links = make([]sdktrace.Link, len(links))
	for i, l := range links {
		out.links[i] = l
		out.links[i].Attributes = fixAttrs(l.Attributes, limit)
	}
	return out
}

func scopeValid(sc instrumentation.Scope) bool {
	if !utf8.ValidString(sc.Name) || !utf8.ValidString(sc.Version) || !utf8.ValidString(sc.SchemaURL) {
		return false
	}
	if sc.Attributes.Len() == 0 {
		return true // the usual case, without the copy ToSlice makes
	}
	_, ok := attrsBytes(sc.Attributes.ToSlice())
	return ok
}

func fixScope(sc instrumentation.Scope) instrumentation.Scope {
	if scopeValid(sc) {
		return sc
	}
	return instrumentation.Scope{
		Name:       fixString(sc.Name),
		Version:    fixString(sc.Version),
		SchemaURL:  fixString(sc.SchemaURL),
		Attributes: attribute.NewSet(fixAttrs(sc.Attributes.ToSlice(), -1)...),
	}
}

// exportedSpan is a span with its strings fixed for export.
type exportedSpan struct {
	sdktrace.ReadOnlySpan
	name   string
	attrs  []attribute.KeyValue
	events []sdktrace.Event
	links  []sdktrace.Link
	status sdktrace.Status
	scope  instrumentation.Scope
}

func (s *exportedSpan) Name() string                                { return s.name }
func (s *exportedSpan) Attributes() []attribute.KeyValue            { return s.attrs }
func (s *exportedSpan) Events() []sdktrace.Event                    { return s.events }
func (s *exportedSpan) Links() []sdktrace.Link                      { return s.links }
func (s *exportedSpan) Status() sdktrace.Status                     { return s.status }
func (s *exportedSpan) InstrumentationScope() instrumentation.Scope { return s.scope }

//nolint:staticcheck // required by the ReadOnlySpan interface
func (s *exportedSpan) InstrumentationLibrary() instrumentation.Library { return s.scope }

// exportLog fixes r in place for export (see exportSpan).
func exportLog(r *sdklog.Record) {
	body := r.Body()
	total, ok := valueBytes(body)
	var kvs []attribute.KeyValue
	if r.AttributesLen() > 0 {
		kvs = make([]attribute.KeyValue, 0, r.AttributesLen())
		r.WalkAttributes(func(kv attribute.KeyValue) bool {
			kvs = append(kvs, kv)
			return true
		})
	}
	n, good := attrsBytes(kvs)
	total += n + len(r.EventName()) + len(r.SeverityText())
	ok = ok && good && utf8.ValidString(r.EventName()) && utf8.ValidString(r.SeverityText()) && scopeValid(r.InstrumentationScope())
	if ok && total <= maxRecordBytes {
		return
	}
	limit := perStringLimit(total, countStrings(kvs)+4)
	r.SetBody(fixValue(body, limit))
	r.SetAttributes(fixAttrs(kvs, limit)...)
	r.SetEventName(fixString(r.EventName()))
	r.SetSeverityText(fixString(r.SeverityText()))
	// The scope of a record cannot be replaced; its strings come from the
	// name given to LoggerProvider.Logger, which is checked there.
}

// exportMetrics fixes the strings of rm in place for export.
func exportMetrics(rm *metricdata.ResourceMetrics) {
	for i := range rm.ScopeMetrics {
		sm := &rm.ScopeMetrics[i]
		sm.Scope = fixScope(sm.Scope)
		for j := range sm.Metrics {
			m := &sm.Metrics[j]
			m.Name, m.Description, m.Unit = fixString(m.Name), fixString(m.Description), fixString(m.Unit)
			m.Data = fixMetricData(m.Data)
		}
	}
}

func fixSet(s attribute.Set) attribute.Set {
	kvs := s.ToSlice()
	if _, ok := attrsBytes(kvs); ok {
		return s
	}
	return attribute.NewSet(fixAttrs(kvs, -1)...)
}

func fixMetricData(d metricdata.Aggregation) metricdata.Aggregation {
	switch d := d.(type) {
	case metricdata.Sum[int64]:
		fixPoints(d.DataPoints)
	case metricdata.Sum[float64]:
		fixPoints(d.DataPoints)
	case metricdata.Gauge[int64]:
		fixPoints(d.DataPoints)
	case metricdata.Gauge[float64]:
		fixPoints(d.DataPoints)
	case metricdata.Histogram[int64]:
		fixHistogramPoints(d.DataPoints)
	case metricdata.Histogram[float64]:
		fixHistogramPoints(d.DataPoints)
	case metricdata.ExponentialHistogram[int64]:
		fixExponentialPoints(d.DataPoints)
	case metricdata.ExponentialHistogram[float64]:
		fixExponentialPoints(d.DataPoints)
	case metricdata.Summary:
		for i := range d.DataPoints {
			d.DataPoints[i].Attributes = fixSet(d.DataPoints[i].Attributes)
		}
	}
	return d
}

func fixPoints[N int64 | float64](dps []metricdata.DataPoint[N]) {
	for i := range dps {
		dps[i].Attributes = fixSet(dps[i].Attributes)
	}
}

func fixHistogramPoints[N int64 | float64](dps []metricdata.HistogramDataPoint[N]) {
	for i := range dps {
		dps[i].Attributes = fixSet(dps[i].Attributes)
	}
}

func fixExponentialPoints[N int64 | float64](dps []metricdata.ExponentialHistogramDataPoint[N]) {
	for i := range dps {
		dps[i].Attributes = fixSet(dps[i].Attributes)
	}
}

// exportResource returns r with its strings made valid.
func exportResource(r *resource.Resource) *resource.Resource {
	if r == nil {
		return r
	}
	kvs := r.Attributes()
	if _, ok := attrsBytes(kvs); ok && utf8.ValidString(r.SchemaURL()) {
		return r
	}
	return resource.NewWithAttributes(fixString(r.SchemaURL()), fixAttrs(kvs, -1)...)
}

// valueSize estimates the bytes of v (no validation: it runs on the hot
// path, as a record is queued).
func valueSize(v attribute.Value) int {
	switch v.Type() {
	case attribute.STRING, attribute.BYTESLICE:
		return len(v.AsString())
	case attribute.STRINGSLICE:
		n := 0
		for _, s := range v.AsStringSlice() {
			n += len(s) + 16
		}
		return n
	case attribute.SLICE:
		n := 0
		for _, e := range v.AsSlice() {
			n += valueSize(e) + 16
		}
		return n
	case attribute.MAP:
		n := 0
		for _, kv := range v.AsMap() {
			n += valueSize(kv.Value) + len(kv.Key) + 32
		}
		return n
	}
	return 8
}
