package logfire

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	otellog "go.opentelemetry.io/otel/log"
	"go.opentelemetry.io/otel/sdk/instrumentation"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/logfire-go/sdk/config"
	"github.com/logfire-go/sdk/console"
	"github.com/logfire-go/sdk/internal/capture"
	"github.com/logfire-go/sdk/internal/credentials"
	"github.com/logfire-go/sdk/internal/otlptest"
	"github.com/logfire-go/sdk/internal/redact"
	"github.com/logfire-go/sdk/internal/testhook"
)

// leakToken is the configured token of the leak tests, recognisable
// anywhere; legacyLeakToken is a configured token without the pylf_
// shape, and strayToken an unconfigured one that has the shape.
const (
	leakToken       = "pylf_v1_us_LeakCheck0Secret0123456789"
	legacyLeakToken = "legacy-LeakCheck-Secret-0123456789"
	strayToken      = "pylf_v2_eu_StrayLeak0Secret"
)

// leakSecrets are the parts of the tokens that must never be seen.
var leakSecrets = []string{"LeakCheck0Secret", "LeakCheck-Secret", "StrayLeak0Secret"}

// tokenShaped matches what looks like a Logfire write token.
var tokenShaped = regexp.MustCompile(`pylf_v[0-9]+_[a-z]+_[A-Za-z0-9_-]+`)

// assertNoToken fails if what holds a token.
func assertNoToken(t *testing.T, where, what string) {
	t.Helper()
	for _, s := range leakSecrets {
		if i := strings.Index(what, s); i >= 0 {
			t.Errorf("a token reached %s: …%s…", where, what[max(i-80, 0):min(i+40, len(what))])
			return
		}
	}
	if m := tokenShaped.FindString(what); m != "" {
		t.Errorf("something shaped like a token reached %s: %s", where, m)
	}
}

// wireText is everything rcv received, as text: every request of every
// signal, resource and scopes included (not the headers).
func wireText(rcv *testReceiver) string {
	var b strings.Builder
	for _, req := range rcv.requests() {
		for _, m := range []fmt.Stringer{req.Traces, req.Logs, req.Metrics} {
			if m != nil && !isNilStringer(m) {
				b.WriteString(m.String())
			}
		}
	}
	return b.String()
}

func isNilStringer(s fmt.Stringer) bool { return isNilPointer(s) }

// tokenError is an error whose message quotes tokens.
type tokenError struct{}

func (tokenError) Error() string {
	return "login failed for " + leakToken + " / " + legacyLeakToken + " / " + strayToken
}

// recordEverywhere puts the tokens in every place a span, a log, an event,
// a link, a status, an OpenTelemetry log record and a URL can hold one.
func recordEverywhere(lf *Logfire) {
	ctx := context.Background()
	all := leakToken + " " + legacyLeakToken + " " + strayToken
	// A span still open when a batch leaves goes out as a pending span.
	_, open := lf.Span(ctx, "open "+leakToken, legacyLeakToken, all)
	_ = lf.ForceFlush(ctx)
	defer open.End()
	_, linked := lf.TracerProvider().Tracer("t").Start(ctx, "linked")
	linked.End()
	sctx, span := lf.Span(ctx, "span "+leakToken+" {"+legacyLeakToken+"} {v}",
		legacyLeakToken, "value", "v", all,
		leakToken, 1, // a token as an attribute key
		"logfire.msg_template", all, // a safe key
		"exception.message", all,
		"url.full", "https://u:"+leakToken+"@example.com/?token="+legacyLeakToken,
		"http.url", "https://u:hunter2@example.com/?sig=abc&x="+strayToken,
		"list", []string{"a", leakToken},
		"nested", map[string]any{leakToken: strayToken, "k": []any{legacyLeakToken}},
		"bytes", []byte(all),
		attribute.StringSlice("slice", []string{legacyLeakToken}),
		Tags(leakToken),
	)
	span.SetAttribute("late."+strayToken, all)
	span.OTelSpan().AddEvent("event "+leakToken, trace.WithAttributes(attribute.String(legacyLeakToken, strayToken)))
	span.OTelSpan().AddLink(trace.Link{SpanContext: linked.SpanContext(), Attributes: []attribute.KeyValue{attribute.String("l", leakToken)}})
	span.SetMessage("message " + all)
	lf.Info(sctx, "log {x} "+strayToken, "x", strings.Repeat("y", 200)+leakToken+strings.Repeat("z", 200))
	lf.Info(sctx, "long {x}", "x", strings.Repeat("y", 100)+legacyLeakToken+strings.Repeat("z", 100))
	lf.Error(sctx, "failed: {err}", "err", tokenError{})
	span.RecordError(fmt.Errorf("wrapped: %w", tokenError{}))
	_ = lf.Do(sctx, "do "+legacyLeakToken, func(context.Context) error { return tokenError{} })
	func() {
		defer func() { _ = recover() }()
		_ = lf.Do(sctx, "panics", func(context.Context) error { panic(all) })
	}()
	span.End()

	rec := otellog.Record{}
	rec.SetBody(attribute.StringValue("body " + all))
	rec.SetEventName("event." + leakToken)
	rec.SetSeverityText(legacyLeakToken)
	rec.AddAttributes(attribute.String(strayToken, all), attribute.String("url.full", "https://u:p@h/?X-Amz-Signature=s"))
	lf.LoggerProvider().Logger("bridge").Emit(ctx, rec)
	otelSpan := lf.TracerProvider().Tracer("scope " + leakToken)
	_, s := otelSpan.Start(ctx, "otel "+legacyLeakToken)
	s.SetStatus(2, "status "+all)
	s.End()
}

// TestTokenNeverLeavesTheProcess: with scrubbing on and off, the tokens
// put everywhere reach neither the receiver nor the console nor any
// processor, and nothing shaped like a token does.
func TestTokenNeverLeavesTheProcess(t *testing.T) {
	for _, scrubbing := range []bool{true, false} {
		t.Run(fmt.Sprintf("scrubbing=%v", scrubbing), func(t *testing.T) {
			clearEnv(t)
			stderr := quietSelflog(t)
			rcv := newTestReceiver(t)
			var consoleOut capture.Buffer
			mem := tracetest.NewInMemoryExporter()
			t.Setenv("LOGFIRE_RESOURCE_ATTRIBUTES", "deploy."+leakToken+"="+legacyLeakToken)
			lf, err := Configure(context.Background(), notDefault(),
				WithToken(leakToken, legacyLeakToken), WithBaseURL(rcv.URL()),
				scrubbingOn(scrubbing), WithConsole(&console.Options{Writer: &consoleOut, Verbose: true, Colors: config.ColorsNever}),
				WithServiceName("svc "+strayToken),
				WithSpanProcessor(sdktrace.NewSimpleSpanProcessor(mem)))
			if err != nil {
				t.Fatal(err)
			}
			recordEverywhere(lf)
			if !strings.Contains(wireText(rcv), "pending_span") {
				t.Error("no pending span was exported: the open span was not covered")
			}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if err := lf.Shutdown(ctx); err != nil {
				t.Fatal(err)
			}
			wire := wireText(rcv)
			if !strings.Contains(wire, "[REDACTED]") || !strings.Contains(wire, "REDACTED:REDACTED@example.com") {
				t.Fatalf("nothing was redacted: the test records nothing? %d bytes", len(wire))
			}
			assertNoToken(t, "the receiver", wire)
			assertNoToken(t, "the console", consoleOut.String())
			assertNoToken(t, "standard error", stderr.String())
			if !strings.Contains(consoleOut.String(), "span [REDACTED]") {
				t.Errorf("the console does not show the redacted message:\n%s", consoleOut.String())
			}
			var procs strings.Builder
			for _, s := range mem.GetSpans() {
				fmt.Fprintf(&procs, "%v %v %v %v %v %v\n", s.Name, s.Attributes, s.Events, s.Links, s.Status, s.Resource.Attributes())
			}
			assertNoToken(t, "a span processor", procs.String())
			if strings.Contains(wire, "hunter2") || strings.Contains(consoleOut.String(), "hunter2") {
				t.Error("URL credentials reached the receiver or the console")
			}
			for _, want := range []string{"sig=REDACTED", "X-Amz-Signature=REDACTED", "token=REDACTED"} {
				if !strings.Contains(wire, want) {
					t.Errorf("the receiver did not get %s", want)
				}
			}
		})
	}
}

// TestTokenRedactedFromJSONSchemaAndScrubNotes: a token used as a key
// shows in neither logfire.json_schema nor logfire.scrubbed.
func TestTokenRedactedFromJSONSchemaAndScrubNotes(t *testing.T) {
	clearEnv(t)
	lf, mem := newTestInstance(t, WithToken(leakToken), WithSendToLogfire(config.SendNever))
	lf.Info(context.Background(), "x", leakToken, "v", "password", "p", strayToken+"_session", "s")
	spans := mem.GetSpans()
	if len(spans) != 1 {
		t.Fatalf("%d spans", len(spans))
	}
	a := map[string]string{}
	for _, kv := range spans[0].Attributes {
		a[string(kv.Key)] = kv.Value.Emit()
	}
	for _, k := range []string{"logfire.json_schema", "logfire.scrubbed"} {
		if !strings.Contains(a[k], "[REDACTED]") {
			t.Errorf("%s = %s", k, a[k])
		}
		assertNoToken(t, k, a[k])
	}
}

// TestBackendEchoingTheTokenIsRedacted: a backend that answers 401 with
// the Authorization header in its body makes a ForceFlush error and a
// stderr line without the token, for the pylf_ token and a legacy one.
func TestBackendEchoingTheTokenIsRedacted(t *testing.T) {
	for _, token := range []string{leakToken, legacyLeakToken} {
		t.Run(token[:6], func(t *testing.T) {
			clearEnv(t)
			out := quietSelflog(t)
			rcv := otlptest.New(t)
			rcv.SetFault(otlptest.StatusBody(401, 0, func(r *http.Request) string {
				return "invalid token " + r.Header.Get("Authorization") + " for " + strayToken
			}))
			lf := deliveryInstance(t, rcv.URL(), WithToken(token))
			lf.Info(context.Background(), "hello")
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			err := lf.ForceFlush(ctx)
			if !errors.Is(err, ErrDropped) {
				t.Fatalf("ForceFlush: %v", err)
			}
			var de *deliveryError
			if !errors.As(err, &de) {
				t.Fatalf("not a *deliveryError: %v", err)
			}
			assertNoToken(t, "the ForceFlush error", err.Error())
			assertNoToken(t, "the delivery error's causes", strings.Join(de.causes, "\n"))
			assertNoToken(t, "DeliveryStats", fmt.Sprint(lf.DeliveryStats()))
			if err := lf.Shutdown(ctx); err != nil {
				t.Fatal(err)
			}
			assertNoToken(t, "standard error", out.String())
			if !strings.Contains(err.Error(), "HTTP 401") {
				t.Errorf("the error does not say what happened: %v", err)
			}
		})
	}
}

// TestConfigureErrorsQuoteNoToken: every kind of bad setting given in
// code makes an error without the tokens.
func TestConfigureErrorsQuoteNoToken(t *testing.T) {
	clearEnv(t)
	bad := [][]Option{
		{WithToken(leakToken), WithBaseURL(leakToken)},
		{WithToken(legacyLeakToken), WithBaseURL("https://x:" + legacyLeakToken + "@example.com")},
		{WithToken(leakToken), WithBaseURL("https://example.com/?token=" + leakToken)},
		{WithToken(leakToken + " " + legacyLeakToken)},
		{WithScrubbing(&ScrubbingOptions{ExtraPatterns: []string{"(" + leakToken}})},
		{withDestinations(testhook.Destination{Token: leakToken, BaseURL: "ftp://" + leakToken})},
		{withDestinations(testhook.Destination{Token: legacyLeakToken + "\n", BaseURL: "http://127.0.0.1:1"})},
		{withCredentialsDir(leakToken + "\x00")},
	}
	for i, opts := range bad {
		_, err := Configure(context.Background(), append([]Option{notDefault(), WithConsole(nil)}, opts...)...)
		if err == nil {
			t.Errorf("case %d: accepted", i)
			continue
		}
		assertNoToken(t, fmt.Sprintf("the error of case %d", i), err.Error())
	}
	// A credentials file whose logfire_api_url is the token.
	t.Setenv("LOGFIRE_BASE_URL", "")
	t.Setenv("LOGFIRE_TOKEN", "")
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, credentials.File), []byte(`{"token":"`+leakToken+`","logfire_api_url":"`+leakToken+`"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := Configure(context.Background(), notDefault(), WithConsole(nil), withCredentialsDir(dir))
	if err == nil {
		t.Fatal("a token as logfire_api_url was accepted")
	}
	assertNoToken(t, "the credentials file error", err.Error())
	// The environment: a token pasted into the wrong variable.
	clearEnv(t)
	t.Setenv("LOGFIRE_TOKEN", legacyLeakToken)
	t.Setenv("LOGFIRE_BASE_URL", legacyLeakToken)
	_, err = Configure(context.Background(), notDefault(), WithConsole(nil))
	var ce *config.Error
	if !errors.As(err, &ce) || ce.Setting != "LOGFIRE_BASE_URL" {
		t.Fatalf("got %v", err)
	}
	assertNoToken(t, "the LOGFIRE_BASE_URL error", err.Error())
}

// TestResourceIsRedacted: a resource given in code loses its tokens too.
func TestResourceIsRedacted(t *testing.T) {
	clearEnv(t)
	res := resource.NewSchemaless(attribute.String("k", leakToken), attribute.String(strayToken, "v"))
	lf, _ := newTestInstance(t, WithResource(res), WithToken(leakToken), WithSendToLogfire(config.SendNever))
	assertNoToken(t, "the resource", fmt.Sprint(lf.resource.Attributes()))
}

// TestRedactMetrics: redactMetrics takes the tokens out of metric names,
// descriptions, scopes, data point and exemplar attributes.
func TestRedactMetrics(t *testing.T) {
	tok := redact.NewTokens(legacyLeakToken)
	set := attribute.NewSet(attribute.String("k", legacyLeakToken), attribute.String(strayToken, "v"))
	ex := []metricdata.Exemplar[int64]{{FilteredAttributes: []attribute.KeyValue{attribute.String("e", strayToken)}}}
	rm := &metricdata.ResourceMetrics{ScopeMetrics: []metricdata.ScopeMetrics{{
		Scope: instrumentation.Scope{Name: "scope " + legacyLeakToken},
		Metrics: []metricdata.Metrics{
			{Name: "sum." + legacyLeakToken, Description: strayToken, Data: metricdata.Sum[int64]{DataPoints: []metricdata.DataPoint[int64]{{Attributes: set, Exemplars: ex}}}},
			{Name: "gauge", Data: metricdata.Gauge[float64]{DataPoints: []metricdata.DataPoint[float64]{{Attributes: set}}}},
			{Name: "hist", Data: metricdata.Histogram[float64]{DataPoints: []metricdata.HistogramDataPoint[float64]{{Attributes: set}}}},
			{Name: "exp", Data: metricdata.ExponentialHistogram[int64]{DataPoints: []metricdata.ExponentialHistogramDataPoint[int64]{{Attributes: set}}}},
			{Name: "summary", Data: metricdata.Summary{DataPoints: []metricdata.SummaryDataPoint{{Attributes: set}}}},
		},
	}}}
	redactMetrics(tok, rm)
	redactMetrics(tok, nil)
	got := fmt.Sprintf("%+v", rm)
	assertNoToken(t, "the metrics", got)
	if strings.Count(got, "[REDACTED]") < 10 {
		t.Fatalf("too little was redacted: %s", got)
	}
}

// BenchmarkRedactCleanLogAttrs is the token pass over the attributes of a
// typical log that holds no token: what every record pays on top of
// scrubbing.
func BenchmarkRedactCleanLogAttrs(b *testing.B) {
	tok := redact.NewTokens(leakToken)
	b.ReportAllocs()
	for b.Loop() {
		if redactAttrs(tok, logAttrsForBench) != nil {
			b.Fatal("changed")
		}
	}
}
