package collector_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/plog/plogotlp"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/pmetric/pmetricotlp"
	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"

	"github.com/logfire-go/sdk/e2e/collector"
)

func startCounter(t *testing.T) *collector.Counter {
	t.Helper()
	c, err := collector.StartCounter("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := c.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
	})
	return c
}

func TestCounter(t *testing.T) {
	c := startCounter(t)
	if !strings.HasPrefix(c.Endpoint(), "http://127.0.0.1:") {
		t.Fatalf("Endpoint() = %q, want http://127.0.0.1:PORT", c.Endpoint())
	}
	traces, err := ptraceotlp.NewExportRequestFromTraces(sampleTraces()).MarshalProto()
	if err != nil {
		t.Fatal(err)
	}
	md := pmetric.NewMetrics()
	dps := md.ResourceMetrics().AppendEmpty().ScopeMetrics().AppendEmpty().Metrics().AppendEmpty()
	dps.SetName("n")
	dps.SetEmptyGauge().DataPoints().AppendEmpty().SetIntValue(1)
	dps.Gauge().DataPoints().AppendEmpty().SetIntValue(2)
	metrics, err := pmetricotlp.NewExportRequestFromMetrics(md).MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	ld := plog.NewLogs()
	ld.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty().LogRecords().AppendEmpty().Body().SetStr("hi")
	logs, err := plogotlp.NewExportRequestFromLogs(ld).MarshalProto()
	if err != nil {
		t.Fatal(err)
	}

	before := c.Counts()
	if before != (collector.Counts{}) {
		t.Fatalf("a new counter counts %+v", before)
	}
	for _, r := range []struct {
		path, contentType string
		body              []byte
		gz                bool
	}{
		{"/v1/traces", "application/x-protobuf", traces, true},
		{"/v1/traces", "application/x-protobuf", traces, false},
		{"/v1/metrics", "application/json", metrics, false},
		{"/v1/logs", "application/x-protobuf", logs, true},
	} {
		if resp := post(t, c.Endpoint()+r.path, r.body, r.contentType, r.gz, nil); resp.StatusCode != http.StatusOK {
			t.Fatalf("POST %s: status %d, want 200", r.path, resp.StatusCode)
		}
	}
	// sampleTraces holds a span and its pending span.
	want := collector.Counts{Spans: 4, PendingSpans: 2, LogRecords: 1, DataPoints: 2, Requests: 4}
	got := c.Counts()
	if got != want {
		t.Errorf("Counts() = %+v, want %+v", got, want)
	}
	if n := got.Records(); n != 3 {
		t.Errorf("Records() = %d, want 3 (2 spans that are not pending, 1 log record)", n)
	}
	if d := got.Sub(collector.Counts{Spans: 1, Requests: 1}); d != (collector.Counts{Spans: 3, PendingSpans: 2, LogRecords: 1, DataPoints: 2, Requests: 3}) {
		t.Errorf("Sub = %+v", d)
	}
}

func TestCounterAddress(t *testing.T) {
	for _, addr := range []string{"0.0.0.0:0", "example.com:4318", ":0", "127.0.0.1"} {
		if c, err := collector.StartCounter(addr); err == nil {
			_ = c.Shutdown(context.Background())
			t.Errorf("StartCounter(%q) started; want an error (only loopback IP addresses)", addr)
		}
	}
	c := startCounter(t)
	addr := strings.TrimPrefix(c.Endpoint(), "http://")
	if taken, err := collector.StartCounter(addr); err == nil {
		_ = taken.Shutdown(context.Background())
		t.Errorf("StartCounter(%q) started on a port in use", addr)
	}
}
