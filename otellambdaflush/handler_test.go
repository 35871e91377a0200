package otellambdaflush

import (
	"context"
	"errors"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/logfire-go/sdk/config"
	"github.com/logfire-go/sdk/internal/keys"
	"github.com/logfire-go/sdk/logfire"
)

func TestHandlerRecordsFailuresColdStartAndTrigger(t *testing.T) {
	exp := &countingExporter{}
	lf, mem := newInstance(t, exp)
	t.Setenv("AWS_LAMBDA_FUNCTION_NAME", "fn")
	r := newRuntimeT(t, lf, WithMode(ModeInHandler))

	type req struct {
		Fail  string `json:"fail"`
		Panic bool   `json:"panic"`
	}
	handler := func(ctx context.Context, in req) (string, error) {
		if in.Panic {
			panic("boom")
		}
		if in.Fail != "" {
			return "", errors.New(in.Fail)
		}
		return "ok", nil
	}

	out, err := invoke(t, r, handler, `{"requestContext":{"http":{"method":"GET"}},"rawPath":"/"}`, 5*time.Second)
	if err != nil || string(out) != `"ok"` {
		t.Fatalf("got %s %v", out, err)
	}
	first := spanNamed(t, mem, "fn")
	if !attrOf(first, "faas.coldstart").AsBool() || attrOf(first, "faas.trigger").AsString() != "http" || first.Status.Code == codes.Error {
		t.Fatalf("first invocation: %v %v", first.Attributes, first.Status)
	}
	if got := exp.names(); len(got) == 0 {
		t.Fatal("nothing flushed after the invocation")
	}

	mem.Reset()
	if _, err := invoke(t, r, handler, `{"fail":"bad input"}`, 5*time.Second); err == nil {
		t.Fatal("want the handler's error")
	}
	failed := spanNamed(t, mem, "fn")
	if failed.Status.Code != codes.Error || failed.Status.Description != "*errors.errorString: bad input" ||
		attrOf(failed, "logfire.level_num").AsInt64() != 17 || attrOf(failed, "faas.coldstart").AsBool() ||
		len(failed.Events) != 1 || failed.Events[0].Name != "exception" {
		t.Fatalf("failed invocation: %+v", failed)
	}

	mem.Reset()
	func() {
		defer func() {
			if recover() == nil {
				t.Fatal("the panic must reach aws-lambda-go")
			}
		}()
		_, _ = invoke(t, r, handler, `{"panic":true}`, 5*time.Second)
	}()
	panicked := spanNamed(t, mem, "fn")
	if panicked.Status.Code != codes.Error || panicked.Status.Description != "panic: boom" || len(panicked.Events) != 1 {
		t.Fatalf("panicked invocation: %+v", panicked)
	}
	// Both failures carry the fingerprint Logfire groups issues by, and
	// they are two issues.
	fpFailed := attrOf(failed, keys.ExceptionFingerprint).AsString()
	fpPanicked := attrOf(panicked, keys.ExceptionFingerprint).AsString()
	if len(fpFailed) != 64 || len(fpPanicked) != 64 || fpFailed == fpPanicked {
		t.Errorf("fingerprints: failed %q, panicked %q", fpFailed, fpPanicked)
	}
	if fp := attrOf(first, keys.ExceptionFingerprint); fp.Type() != attribute.INVALID {
		t.Errorf("a successful invocation has a fingerprint %q", fp.Emit())
	}
}

// TestHandlerTraceAttributes: WithTraceAttributes adds the function's own
// attributes after the package's.
func TestHandlerTraceAttributes(t *testing.T) {
	lf, mem := newInstance(t, &countingExporter{})
	t.Setenv("AWS_LAMBDA_FUNCTION_NAME", "fn")
	r := newRuntimeT(t, lf, WithMode(ModeNone), WithTraceAttributes(func(event []byte) []attribute.KeyValue {
		return []attribute.KeyValue{attribute.Int("event.bytes", len(event))}
	}))
	if _, err := invoke(t, r, func() {}, `{"x":1}`, 5*time.Second); err != nil {
		t.Fatal(err)
	}
	s := spanNamed(t, mem, "fn")
	if !attrOf(s, "faas.coldstart").AsBool() || attrOf(s, "faas.trigger").AsString() != "other" || attrOf(s, "event.bytes").AsInt64() != 7 {
		t.Errorf("invocation span attributes %v", s.Attributes)
	}
}

func TestTrigger(t *testing.T) {
	cases := map[string]string{
		`{"httpMethod":"GET","requestContext":{"resourcePath":"/"}}`:              "http",
		`{"routeKey":"GET /","requestContext":{"http":{"method":"GET"}}}`:         "http",
		`{"requestContext":{"elb":{"targetGroupArn":"x"}},"httpMethod":"GET"}`:    "http",
		`{"Records":[{"eventSource":"aws:sqs","body":"x"}]}`:                      "pubsub",
		`{"Records":[{"EventSource":"aws:sns","Sns":{}}]}`:                        "pubsub",
		`{"Records":[{"eventSource":"aws:s3"}]}`:                                  "datasource",
		`{"source":"aws.events","detail-type":"Scheduled Event","detail":{}}`:     "timer",
		`{"source":"com.example.orders","detail-type":"OrderPlaced","detail":{}}`: "pubsub",
		`{"command":"hello"}`: "other",
		`not json`:            "other",
		``:                    "other",
		`[1,2]`:               "other",
	}
	for in, want := range cases {
		if got := trigger([]byte(in)); got != want {
			t.Errorf("%s: %s, want %s", in, got, want)
		}
	}
}

// TestRuntimeNotMadeByNew: a nil or zero Runtime runs the handler and
// records nothing, without panicking.
func TestRuntimeNotMadeByNew(t *testing.T) {
	clearEnv(t)
	for name, r := range map[string]*Runtime{"nil": nil, "zero": {}} {
		out, err := invoke(t, r, func() (string, error) { return "ok", nil }, `{}`, 5*time.Second)
		if err != nil || string(out) != `"ok"` {
			t.Errorf("%s: %s %v", name, out, err)
		}
		r.Shutdown()
		if m := r.Mode(); m != ModeAuto {
			t.Errorf("%s: mode %v", name, m)
		}
	}
}

// TestNilMeansTheDefaultInstance: New(nil) wraps handlers for the instance
// that logfire.Configure made last.
func TestNilMeansTheDefaultInstance(t *testing.T) {
	clearEnv(t)
	mem := tracetest.NewInMemoryExporter()
	lf, err := logfire.Configure(context.Background(), logfire.WithConsole(nil), logfire.WithSendToLogfire(config.SendNever),
		logfire.WithSpanProcessor(sdktrace.NewSimpleSpanProcessor(mem)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = lf.Shutdown(context.Background()) })
	t.Setenv("AWS_LAMBDA_FUNCTION_NAME", "fn")
	r := newRuntimeT(t, nil, WithMode(ModeInHandler))
	if _, err := invoke(t, r, func() {}, `{}`, 5*time.Second); err != nil {
		t.Fatal(err)
	}
	spanNamed(t, mem, "fn")
}
