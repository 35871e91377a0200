package otlpwire

// The differential test: the requests this package encodes must be the
// requests OpenTelemetry's own OTLP/HTTP exporters send for the same input.
//
// Inputs are generated from a byte slice (a fuzzer's input, or the bytes of
// a numbered seed), so that every failure reproduces: spans are made by
// real TracerProviders, log records by real LoggerProviders, metric data
// by hand. The reference requests are what otlptracehttp, otlploghttp and
// otlpmetrichttp post to a local httptest server; both bodies are decoded
// with the official go.opentelemetry.io/proto/otlp types and compared, to
// the bit (a deterministic re-marshal of each, so that -0 and NaN payloads
// count), after putting OpenTelemetry's resource groups, which come in Go
// map order, in a fixed order.

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/log"
	"go.opentelemetry.io/otel/sdk/instrumentation"
	sdklog "go.opentelemetry.io/otel/sdk/log"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
	"google.golang.org/protobuf/encoding/protojson"
)

// The checks.

// diffMaxRequest is the encoder's request limit in the differential
// checks: OpenTelemetry's own limit, so that every input fits one request.
const diffMaxRequest = 64 << 20

// expectedRecords returns the records the encoder must emit for in, and
// for metrics the data points it must report dropped.
func expectedRecords(sig genSignal, in genInput) (records, dropped int) {
	switch sig {
	case genSpans:
		for _, s := range in.spans {
			if s != nil {
				records++
			}
		}
	case genLogs:
		records = len(in.logs)
	case genMetrics:
		records, dropped = genMetricsExpectation(in.metrics)
	}
	return records, dropped
}

// compareWithOTel has enc encode in, and OpenTelemetry's exporter of sig
// send refIn (in itself, or in with its strings made valid); it returns
// "" if the encoder emitted the request OpenTelemetry sent, with the right
// record count (and, for metrics, the right dropped count and error), or
// else what differs.
func compareWithOTel(tb testing.TB, ref *otelReference, enc *Encoder, sig genSignal, in, refIn genInput) string {
	tb.Helper()
	wantBody, transformErr := ref.export(tb, sig, refIn)
	got := encode(enc, sig, in)
	wantRecords, wantDropped := expectedRecords(sig, in)
	var problems []string
	if sig == genMetrics {
		if got.dropped != wantDropped {
			problems = append(problems, fmt.Sprintf("Metrics returned %d dropped data points, want %d", got.dropped, wantDropped))
		}
		if (got.err != nil) != (transformErr != nil) {
			problems = append(problems, fmt.Sprintf("Metrics returned error %v; OpenTelemetry's exporter returned %v", got.err, transformErr))
		}
	}
	if wantBody == nil {
		if len(got.bodies) != 0 {
			problems = append(problems, fmt.Sprintf("OpenTelemetry sent no request, the encoder emitted %d (records %v)", len(got.bodies), got.records))
		}
		return strings.Join(problems, "\n")
	}
	want, err := decodeRequest(sig, wantBody)
	if err != nil {
		tb.Fatalf("OpenTelemetry's request does not decode: %v", err)
	}
	normalize(want)
	if len(got.bodies) != 1 {
		wantJSON := protojson.MarshalOptions{Multiline: true, Indent: "  "}.Format(want)
		problems = append(problems, fmt.Sprintf("the encoder emitted %d requests (records %v), want 1; OpenTelemetry sent:\n%s", len(got.bodies), got.records, clipText(wantJSON)))
		return strings.Join(problems, "\n")
	}
	gotMsg, err := decodeRequest(sig, got.bodies[0])
	if err != nil {
		problems = append(problems, fmt.Sprintf("the encoder's request does not decode: %v\nbody: %x", err, clip(got.bodies[0])))
		return strings.Join(problems, "\n")
	}
	if n := recordsIn(gotMsg); got.records[0] != n || n != wantRecords {
		problems = append(problems, fmt.Sprintf("the encoder emitted a request of %d records that holds %d; the input has %d", got.records[0], n, wantRecords))
	}
	normalize(gotMsg)
	if same, diff := sameMessage(want, gotMsg); !same {
		problems = append(problems, "the encoder's request differs from OpenTelemetry's:\n"+diff)
	}
	return strings.Join(problems, "\n")
}

// clipText shortens s for printing.
func clipText(s string) string {
	if len(s) > 8000 {
		return s[:8000] + "\n…"
	}
	return s
}

// checkEqualsOTel generates the input of sig from data and compares the
// encoder's request with OpenTelemetry's (see compareWithOTel). With
// badUTF8 the encoder gets strings with invalid UTF-8 and OpenTelemetry
// the same input with every string made valid. It also returns how many
// strings of the input were not valid UTF-8.
func checkEqualsOTel(tb testing.TB, ref *otelReference, enc *Encoder, sig genSignal, data []byte, badUTF8 bool) (problem string, invalid int) {
	tb.Helper()
	in := generate(sig, data, badUTF8, false)
	refIn := in
	if badUTF8 {
		refIn = generate(sig, data, true, true)
	}
	return compareWithOTel(tb, ref, enc, sig, in, refIn), in.invalid
}

// genAllSignals lists the signals.
var genAllSignals = []genSignal{genSpans, genLogs, genMetrics}

// diffSeeds is how many seeds TestEncodeEqualsOTel runs per signal.
const diffSeeds = 200

// runSeeds runs check for seeds 0..n-1 of sig with its own reference and one encoder (whose
// caches carry over from one input to the next), reporting failing seeds
// and stopping after a few. A failing seed is tried again with a new
// encoder, to tell whether it fails alone.
func runSeeds(t *testing.T, sig genSignal, n int, badUTF8 bool) (invalid int) {
	ref := newOTelReference(t)
	enc := NewEncoder(diffMaxRequest)
	failures := 0
	for seed := range uint64(n) {
		data := genSeedBytes(seed)
		problem, inv := checkEqualsOTel(t, ref, enc, sig, data, badUTF8)
		invalid += inv
		if problem == "" {
			continue
		}
		alone := "it fails with a new encoder too"
		if again, _ := checkEqualsOTel(t, ref, NewEncoder(diffMaxRequest), sig, data, badUTF8); again == "" {
			alone = fmt.Sprintf("it passes with a new encoder: it needs the encoder's state from the %d seeds before", seed)
		}
		t.Errorf("%s seed %d (badUTF8 %v; %s):\n%s", sig, seed, badUTF8, alone, problem)
		if failures++; failures == 3 {
			t.Fatalf("stopping after %d failing seeds", failures)
		}
	}
	return invalid
}

// TestEncodeEqualsOTel checks that the encoder sends what OpenTelemetry's
// exporters send, for a few hundred generated inputs of each signal, the
// smallest inputs, and inputs with large strings (whose messages need
// longer length prefixes than the encoder reserves).
func TestEncodeEqualsOTel(t *testing.T) {
	for _, sig := range genAllSignals {
		t.Run(sig.String(), func(t *testing.T) {
			t.Parallel()
			runSeeds(t, sig, diffSeeds, false)
		})
	}
	t.Run("smallest", func(t *testing.T) {
		t.Parallel()
		ref := newOTelReference(t)
		for _, sig := range genAllSignals {
			enc := NewEncoder(diffMaxRequest)
			for _, data := range [][]byte{nil, {1}, {0xff}} {
				if problem, _ := checkEqualsOTel(t, ref, enc, sig, data, false); problem != "" {
					t.Errorf("%s input %x:\n%s", sig, data, problem)
				}
			}
		}
	})
	t.Run("large", func(t *testing.T) {
		t.Parallel()
		ref := newOTelReference(t)
		for _, sig := range genAllSignals {
			in := largeInput(sig)
			if problem := compareWithOTel(t, ref, NewEncoder(diffMaxRequest), sig, in, in); problem != "" {
				t.Errorf("%s with large strings:\n%s", sig, problem)
			}
		}
	})
}

// largeInput returns an input of sig with a record of 3 MiB (below
// MaxRecordBytes, so not shortened) and groups of more than 2 MiB.
func largeInput(sig genSignal) genInput {
	big := func(n int, c string) string { return strings.Repeat(c, n) }
	res := resource.NewWithAttributes("https://example.com/schema", attribute.String("service.name", "large"))
	switch sig {
	case genSpans:
		col := &genSpanCollector{}
		tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(col), sdktrace.WithResource(res),
			sdktrace.WithRawSpanLimits(genNoSpanLimits))
		tr := tp.Tracer("large", trace.WithInstrumentationVersion("v1"))
		for i, n := range []int{3 << 20, 1 << 20, 1 << 20, 1 << 20, 20 << 10} {
			_, s := tr.Start(context.Background(), fmt.Sprint("span ", i), trace.WithTimestamp(time.Unix(0, genBaseTime)))
			s.SetAttributes(attribute.String("big", big(n, "é")[:n]))
			s.AddEvent("event", trace.WithTimestamp(time.Unix(0, genBaseTime)), trace.WithAttributes(attribute.String("e", big(n/8, "x"))))
			s.End(trace.WithTimestamp(time.Unix(0, genBaseTime+1)))
		}
		return genInput{spans: col.spans}
	case genLogs:
		capture := &genLogCapture{}
		lp := sdklog.NewLoggerProvider(sdklog.WithProcessor(capture), sdklog.WithResource(res),
			sdklog.WithAttributeValueLengthLimit(-1), sdklog.WithAttributeCountLimit(-1))
		l := lp.Logger("large")
		capture.set = func(r *sdklog.Record) { r.SetObservedTimestamp(time.Unix(0, genBaseTime)) }
		for _, n := range []int{3 << 20, 1 << 20, 1 << 20, 1 << 20, 20 << 10} {
			var r log.Record
			r.SetBody(attribute.StringValue(big(n, "x")))
			r.AddAttributes(attribute.StringSlice("list", []string{big(n/4, "y"), big(200, "z")}))
			l.Emit(context.Background(), r)
		}
		return genInput{logs: capture.records}
	default:
		var dps []metricdata.DataPoint[float64]
		for _, n := range []int{3 << 20, 1 << 20, 1 << 20, 1 << 20, 20 << 10} {
			dps = append(dps, metricdata.DataPoint[float64]{
				Attributes: attribute.NewSet(attribute.String("big", big(n, "x"))),
				Time:       time.Unix(0, genBaseTime),
				Value:      1.5,
				Exemplars:  []metricdata.Exemplar[float64]{{FilteredAttributes: []attribute.KeyValue{attribute.String("f", big(n/8, "q"))}, Value: 2}},
			})
		}
		return genInput{metrics: &metricdata.ResourceMetrics{
			Resource: res,
			ScopeMetrics: []metricdata.ScopeMetrics{{
				Scope:   instrumentation.Scope{Name: "large"},
				Metrics: []metricdata.Metrics{{Name: "gauge", Data: metricdata.Gauge[float64]{DataPoints: dps}}},
			}},
		}}
	}
}

// FuzzEncodeEqualsOTel checks that the encoder sends what OpenTelemetry's
// exporters send for inputs generated from the fuzzer's bytes: the first
// byte selects the signal (its value mod 3) and whether strings hold
// invalid UTF-8 (values mod 6 from 3 on: OpenTelemetry then gets the input
// with every string made valid); the rest drives the generator. One
// encoder per signal serves every input, so its caches carry over.
func FuzzEncodeEqualsOTel(f *testing.F) {
	for sel := range byte(6) {
		f.Add([]byte{sel})
		f.Add(append([]byte{sel}, genSeedBytes(uint64(sel))[:256]...))
		f.Add(append([]byte{sel}, genSeedBytes(uint64(sel)+100)...))
	}
	ref := newOTelReference(f)
	var encs [3]*Encoder
	for i := range encs {
		encs[i] = NewEncoder(diffMaxRequest)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) == 0 {
			return
		}
		sig, badUTF8 := genSignal(data[0]%3), data[0]%6 >= 3
		if problem, _ := checkEqualsOTel(t, ref, encs[sig], sig, data[1:], badUTF8); problem != "" {
			t.Errorf("%s (badUTF8 %v):\n%s", sig, badUTF8, problem)
		}
	})
}

// TestEncodeInvalidUTF8 checks that strings with invalid UTF-8, in every
// place a string goes, are sent as OpenTelemetry sends the same input with
// each string passed through strings.ToValidUTF8(s, "\uFFFD"), in requests
// that proto.Unmarshal (which refuses invalid UTF-8) decodes.
func TestEncodeInvalidUTF8(t *testing.T) {
	for _, sig := range genAllSignals {
		t.Run(sig.String(), func(t *testing.T) {
			t.Parallel()
			ref := newOTelReference(t)
			if invalid := runSeeds(t, sig, 60, true); invalid == 0 {
				t.Errorf("no generated %s input had invalid UTF-8", sig)
			}
			raw := invalidEverywhere(sig, func(s string) string { return s })
			fixed := invalidEverywhere(sig, func(s string) string { return strings.ToValidUTF8(s, "\uFFFD") })
			if problem := compareWithOTel(t, ref, NewEncoder(diffMaxRequest), sig, raw, fixed); problem != "" {
				t.Errorf("%s with invalid UTF-8 in every string:\n%s", sig, problem)
			}
		})
	}
}

// invalidEverywhere returns an input of sig whose every string (each name,
// key, value, nested or not, schema URL, description, severity text...)
// holds invalid UTF-8, each passed through fix.
func invalidEverywhere(sig genSignal, fix func(string) string) genInput {
	n := 0
	bad := func(s string) string {
		n++
		return fix(fmt.Sprintf("%02d%s\xff%s%s", n, s, genInvalid[n%len(genInvalid)], s))
	}
	attrs := func() []attribute.KeyValue {
		return []attribute.KeyValue{
			attribute.String(bad("k"), bad("v")),
			attribute.StringSlice(bad("k"), []string{bad("a"), "", bad("b")}),
			attribute.Slice(bad("k"), attribute.StringValue(bad("s")), attribute.MapValue(attribute.String(bad("mk"), bad("mv")))),
			attribute.Map(bad("k"), attribute.String(bad("mk"), bad("mv")), attribute.Slice(bad("mk"), attribute.StringValue(bad("x")))),
			attribute.Int(bad("k"), 1),
		}
	}
	res := resource.NewWithAttributes(bad("schema"), attrs()...)
	scope := instrumentation.Scope{Name: bad("scope"), Version: bad("version"), SchemaURL: bad("schema"), Attributes: attribute.NewSet(attrs()...)}
	at := time.Unix(0, genBaseTime)
	switch sig {
	case genSpans:
		st := tracetest.SpanStub{
			Name:        bad("span"),
			SpanContext: trace.NewSpanContext(trace.SpanContextConfig{TraceID: trace.TraceID{1}, SpanID: trace.SpanID{2}}),
			StartTime:   at, EndTime: at,
			Attributes:           attrs(),
			Events:               []sdktrace.Event{{Name: bad("event"), Attributes: attrs(), Time: at}},
			Links:                []sdktrace.Link{{SpanContext: trace.NewSpanContext(trace.SpanContextConfig{TraceID: trace.TraceID{3}}), Attributes: attrs()}},
			Status:               sdktrace.Status{Code: codes.Error, Description: bad("status")},
			Resource:             res,
			InstrumentationScope: scope,
		}
		return genInput{spans: []sdktrace.ReadOnlySpan{st.Snapshot()}}
	case genLogs:
		capture := &genLogCapture{set: func(r *sdklog.Record) { r.SetObservedTimestamp(at) }}
		lp := sdklog.NewLoggerProvider(sdklog.WithProcessor(capture), sdklog.WithResource(res),
			sdklog.WithAttributeValueLengthLimit(-1), sdklog.WithAttributeCountLimit(-1))
		l := lp.Logger(scope.Name, log.WithInstrumentationVersion(scope.Version), log.WithSchemaURL(scope.SchemaURL),
			log.WithInstrumentationAttributes(attrs()...))
		var r log.Record
		r.SetTimestamp(at)
		r.SetSeverity(log.SeverityWarn)
		r.SetSeverityText(bad("severity"))
		r.SetEventName(bad("event"))
		r.SetBody(attribute.MapValue(attrs()...))
		r.AddAttributes(attrs()...)
		l.Emit(context.Background(), r)
		return genInput{logs: capture.records}
	default:
		dp := metricdata.DataPoint[int64]{
			Attributes: attribute.NewSet(attrs()...),
			Time:       at,
			Value:      7,
			Exemplars:  []metricdata.Exemplar[int64]{{FilteredAttributes: attrs(), Time: at, Value: 3}},
		}
		return genInput{metrics: &metricdata.ResourceMetrics{
			Resource: res,
			ScopeMetrics: []metricdata.ScopeMetrics{{
				Scope: scope,
				Metrics: []metricdata.Metrics{{
					Name: bad("metric"), Description: bad("description"), Unit: bad("unit"),
					Data: metricdata.Sum[int64]{DataPoints: []metricdata.DataPoint[int64]{dp}, Temporality: metricdata.CumulativeTemporality},
				}},
			}},
		}}
	}
}
