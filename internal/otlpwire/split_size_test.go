package otlpwire

// TestEncodeSplitsBySize: requests are cut by records at the size limit.

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"testing"

	collogspb "go.opentelemetry.io/proto/otlp/collector/logs/v1"
	colmetricspb "go.opentelemetry.io/proto/otlp/collector/metrics/v1"
	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	metricspb "go.opentelemetry.io/proto/otlp/metrics/v1"
	"google.golang.org/protobuf/proto"
)

// Splitting by size.

// flatRecords lists the records of a decoded request by group: for each
// resource and scope (and metric, for data points) group, the encoded
// records in order. The group key is the deterministic encoding of the
// group's heads and schema URLs.
func flatRecords(m proto.Message, into map[string][]proto.Message) {
	head := func(parts ...proto.Message) string {
		var b []byte
		for _, p := range parts {
			b = append(b, deterministic(p)...)
			b = append(b, 0)
		}
		return string(b)
	}
	switch m := m.(type) {
	case *coltracepb.ExportTraceServiceRequest:
		for _, rs := range m.ResourceSpans {
			for _, ss := range rs.ScopeSpans {
				k := head(rs.GetResource(), ss.GetScope()) + rs.SchemaUrl + "\x00" + ss.SchemaUrl
				for _, s := range ss.Spans {
					into[k] = append(into[k], s)
				}
			}
		}
	case *collogspb.ExportLogsServiceRequest:
		for _, rl := range m.ResourceLogs {
			for _, sl := range rl.ScopeLogs {
				k := head(rl.GetResource(), sl.GetScope()) + rl.SchemaUrl + "\x00" + sl.SchemaUrl
				for _, r := range sl.LogRecords {
					into[k] = append(into[k], r)
				}
			}
		}
	case *colmetricspb.ExportMetricsServiceRequest:
		for _, rm := range m.ResourceMetrics {
			for _, sm := range rm.ScopeMetrics {
				for _, mt := range sm.Metrics {
					k := head(rm.GetResource(), sm.GetScope(), metricHead(mt)) + rm.SchemaUrl + "\x00" + sm.SchemaUrl
					for _, p := range metricPoints(mt) {
						into[k] = append(into[k], p)
					}
				}
			}
		}
	}
}

// metricHead returns mt without its data points.
func metricHead(mt *metricspb.Metric) *metricspb.Metric {
	c := proto.Clone(mt).(*metricspb.Metric)
	switch d := c.Data.(type) {
	case *metricspb.Metric_Gauge:
		d.Gauge.DataPoints = nil
	case *metricspb.Metric_Sum:
		d.Sum.DataPoints = nil
	case *metricspb.Metric_Histogram:
		d.Histogram.DataPoints = nil
	case *metricspb.Metric_ExponentialHistogram:
		d.ExponentialHistogram.DataPoints = nil
	case *metricspb.Metric_Summary:
		d.Summary.DataPoints = nil
	}
	return c
}

// TestEncodeSplitsBySize checks that with a small request limit every
// record of OpenTelemetry's request arrives exactly once, in its group and
// in order, across the requests emitted; that each request decodes and
// holds the records emitted with it; and that every request of more than
// one record is within the limit.
func TestEncodeSplitsBySize(t *testing.T) {
	limits := []int{1, 64, 200, 512, 1500, 4096, 16 << 10}
	for _, sig := range genAllSignals {
		t.Run(sig.String(), func(t *testing.T) {
			t.Parallel()
			ref := newOTelReference(t)
			encs := map[int]*Encoder{}
			failures := 0
			for seed := range uint64(60) {
				limit := limits[seed%uint64(len(limits))]
				if encs[limit] == nil {
					encs[limit] = NewEncoder(limit)
				}
				if problem := checkSplit(t, ref, encs[limit], sig, genSeedBytes(seed+1000), limit); problem != "" {
					t.Errorf("%s seed %d (bytes of seed %d), limit %d:\n%s", sig, seed, seed+1000, limit, problem)
					if failures++; failures == 3 {
						t.Fatal("stopping after 3 failing seeds")
					}
				}
			}
		})
	}
}

// checkSplit encodes the input of sig made from data with enc (whose limit
// is limit) and compares the records of its requests with those of
// OpenTelemetry's request; it returns what is wrong, or "".
func checkSplit(tb testing.TB, ref *otelReference, enc *Encoder, sig genSignal, data []byte, limit int) string {
	tb.Helper()
	in := generate(sig, data, false, false)
	wantBody, _ := ref.export(tb, sig, in)
	want := map[string][]proto.Message{}
	if wantBody != nil {
		m, err := decodeRequest(sig, wantBody)
		if err != nil {
			tb.Fatalf("OpenTelemetry's request does not decode: %v", err)
		}
		flatRecords(m, want)
	}
	wantRecords, _ := expectedRecords(sig, in)
	out := encode(enc, sig, in)
	got := map[string][]proto.Message{}
	var problems []string
	total := 0
	for i, body := range out.bodies {
		records := out.records[i]
		total += records
		m, err := decodeRequest(sig, body)
		if err != nil {
			problems = append(problems, fmt.Sprintf("request %d of %d does not decode: %v", i, len(out.bodies), err))
			continue
		}
		if n := recordsIn(m); n != records {
			problems = append(problems, fmt.Sprintf("request %d was emitted with %d records but holds %d", i, records, n))
		}
		if records == 0 && wantRecords > 0 {
			problems = append(problems, fmt.Sprintf("request %d holds no records", i))
		}
		if records > 1 && len(body) > limit {
			problems = append(problems, fmt.Sprintf("request %d holds %d records in %d bytes, over the limit", i, records, len(body)))
		}
		flatRecords(m, got)
	}
	if total != wantRecords {
		problems = append(problems, fmt.Sprintf("%d records emitted in %d requests, want %d", total, len(out.bodies), wantRecords))
	}
	groups := make([]string, 0, len(want)+len(got))
	for k := range want {
		groups = append(groups, k)
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			groups = append(groups, k)
		}
	}
	slices.Sort(groups)
	for gi, k := range groups {
		w, g := want[k], got[k]
		first := 0
		for first < len(w) && first < len(g) && bytes.Equal(deterministic(w[first]), deterministic(g[first])) {
			first++
		}
		if first == len(w) && first == len(g) {
			continue
		}
		msg := fmt.Sprintf("group %d of %d: OpenTelemetry has %d records, the requests %d; they differ from record %d on",
			gi, len(groups), len(w), len(g), first)
		if first < len(w) && first < len(g) {
			_, diff := sameMessage(w[first], g[first])
			msg += ":\n" + diff
		}
		problems = append(problems, msg)
	}
	return strings.Join(problems, "\n")
}
