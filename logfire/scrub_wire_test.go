package logfire

import (
	"context"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	otellog "go.opentelemetry.io/otel/log"
	"go.opentelemetry.io/otel/trace"

	"github.com/logfire-go/sdk/config"
	"github.com/logfire-go/sdk/console"
	"github.com/logfire-go/sdk/internal/capture"
)

// TestScrubbingOnTheWire sends spans, a pending span, a log, an event and
// an OpenTelemetry log record with secrets to an OTLP receiver and checks
// that none of the secrets arrives, and what logfire.scrubbed says.
func TestScrubbingOnTheWire(t *testing.T) {
	clearEnv(t)
	rcv := newTestReceiver(t)
	var consoleOut capture.Buffer
	lf, err := Configure(context.Background(), notDefault(), WithToken(testToken), WithBaseURL(rcv.URL()),
		WithConsole(&console.Options{Writer: &consoleOut, Verbose: true, Colors: config.ColorsNever}))
	if err != nil {
		t.Fatal(err)
	}
	ctx, span := lf.Span(context.Background(), "login {user}", "user", "bob", "password", "hunter2")
	span.OTelSpan().AddEvent("retry", trace.WithAttributes(attribute.String("session_id", "s3cr3t-session")))
	lf.Info(ctx, "note {text}", "text", "the api key is k-123456")
	span.End()
	rec := otellog.Record{}
	rec.SetBody(attribute.StringValue("login with cookie c-987654"))
	rec.AddAttributes(attribute.String("Authorization", "Bearer t-555"), attribute.String("ok", "fine"))
	lf.LoggerProvider().Logger("test").Emit(ctx, rec)
	if err := lf.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}

	var wire strings.Builder
	for _, req := range rcv.requests() {
		if req.Traces != nil {
			wire.WriteString(req.Traces.String())
		}
		if req.Logs != nil {
			wire.WriteString(req.Logs.String())
		}
	}
	for _, secret := range []string{"hunter2", "s3cr3t-session", "k-123456", "t-555", "c-987654"} {
		if strings.Contains(wire.String(), secret) {
			t.Errorf("%q reached the receiver", secret)
		}
		if strings.Contains(consoleOut.String(), secret) {
			t.Errorf("%q reached the console", secret)
		}
	}

	got := map[string]map[string]any{}
	for _, s := range rcv.spans() {
		a := attrMap(s.Attributes)
		got[s.Name+"/"+a["logfire.span_type"].(string)] = a
		if s.Name == "login {user}" && a["logfire.span_type"] == "span" {
			if len(s.Events) != 1 || attrMap(s.Events[0].Attributes)["session_id"] != "[Scrubbed due to 'session']" {
				t.Errorf("event attributes not scrubbed: %v", s.Events)
			}
		}
	}
	real := got["login {user}/span"]
	if real == nil {
		t.Fatalf("login span missing; got %v", got)
	}
	if real["password"] != "[Scrubbed due to 'password']" || real["user"] != "bob" {
		t.Errorf("span attributes: %v", real)
	}
	wantNotes := `[{"path":["attributes","password"],"matched_substring":"password"},` +
		`{"path":["otel_events","0","attributes","session_id"],"matched_substring":"session"}]`
	if real["logfire.scrubbed"] != wantNotes {
		t.Errorf("logfire.scrubbed:\n got %v\nwant %s", real["logfire.scrubbed"], wantNotes)
	}
	log := got["note {text}/log"]
	if log["logfire.msg"] != "note [Scrubbed due to 'api key']" || log["text"] != "[Scrubbed due to 'api key']" {
		t.Errorf("log: msg %q, text %q", log["logfire.msg"], log["text"])
	}
	wantLogNotes := `[{"path":["message","text"],"matched_substring":"api key"},{"path":["attributes","text"],"matched_substring":"api key"}]`
	if log["logfire.scrubbed"] != wantLogNotes {
		t.Errorf("log notes:\n got %v\nwant %s", log["logfire.scrubbed"], wantLogNotes)
	}

	var logAttrs map[string]any
	var body any
	for _, req := range rcv.requests() {
		if req.Logs == nil {
			continue
		}
		for _, rl := range req.Logs.ResourceLogs {
			for _, sl := range rl.ScopeLogs {
				for _, lr := range sl.LogRecords {
					logAttrs, body = attrMap(lr.Attributes), anyValue(lr.Body)
				}
			}
		}
	}
	if body != "[Scrubbed due to 'cookie']" || logAttrs["Authorization"] != "[Scrubbed due to 'Auth']" || logAttrs["ok"] != "fine" {
		t.Errorf("OTel log record: body %v, attributes %v", body, logAttrs)
	}
	if n := logAttrs["logfire.scrubbed"]; n != `[{"path":["attributes","Authorization"],"matched_substring":"Auth"},{"path":["log_body"],"matched_substring":"cookie"}]` {
		t.Errorf("OTel log record notes: %v", n)
	}
}

// With LOGFIRE_SCRUBBING=false nothing is redacted.
func TestScrubbingOff(t *testing.T) {
	clearEnv(t)
	t.Setenv("LOGFIRE_SCRUBBING", "false")
	lf, mem := newTestInstance(t)
	lf.Info(context.Background(), "p {password}", "password", "hunter2")
	s := mem.GetSpans()
	if len(s) != 1 {
		t.Fatalf("got %d spans", len(s))
	}
	for _, kv := range s[0].Attributes {
		if kv.Key == "password" && kv.Value.AsString() != "hunter2" {
			t.Errorf("password = %q with scrubbing off", kv.Value.AsString())
		}
		if kv.Key == "logfire.msg" && kv.Value.AsString() != "p hunter2" {
			t.Errorf("msg = %q with scrubbing off", kv.Value.AsString())
		}
		if kv.Key == "logfire.scrubbed" {
			t.Errorf("logfire.scrubbed set with scrubbing off")
		}
	}
}

// A bad extra pattern is a Configure error naming the option.
func TestScrubbingBadPattern(t *testing.T) {
	clearEnv(t)
	_, err := Configure(context.Background(), notDefault(), WithConsole(nil), WithScrubbing(&ScrubbingOptions{ExtraPatterns: []string{"a(b"}}))
	if err == nil || !strings.Contains(err.Error(), "ScrubbingOptions.ExtraPatterns") {
		t.Fatalf("got %v", err)
	}
}
