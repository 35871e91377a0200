package logfire

import (
	"context"
	"maps"
	"net/http"
	"slices"
	"strings"
	"testing"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/baggage"
	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/logfire-go/sdk/config"
)

// keepGlobals restores the default instance and the global propagator when
// the test ends.
func keepGlobals(t *testing.T) {
	t.Helper()
	old, oldProp := current(), otel.GetTextMapPropagator()
	t.Cleanup(func() {
		defaultInstance.Store(old)
		otel.SetTextMapPropagator(oldProp)
	})
}

func fields(p propagation.TextMapPropagator) []string {
	f := slices.Clone(p.Fields())
	slices.Sort(f)
	return f
}

func TestConfigureInstallsW3CPropagator(t *testing.T) {
	clearEnv(t)
	keepGlobals(t)
	otel.SetTextMapPropagator(propagation.NewCompositeTextMapPropagator())

	lf, err := Configure(context.Background(), WithConsole(nil), WithSendToLogfire(config.SendNever))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = lf.Shutdown(context.Background()) })

	want := []string{"baggage", "traceparent", "tracestate"}
	if got := fields(lf.Propagator()); !slices.Equal(got, want) {
		t.Errorf("lf.Propagator() fields = %v, want %v", got, want)
	}
	if got := fields(otel.GetTextMapPropagator()); !slices.Equal(got, want) {
		t.Errorf("global propagator fields = %v, want %v", got, want)
	}
}

func TestWithPropagatorReplacesIt(t *testing.T) {
	clearEnv(t)
	keepGlobals(t)
	only := propagation.TraceContext{}

	lf, err := Configure(context.Background(), WithConsole(nil), WithSendToLogfire(config.SendNever), WithPropagator(only))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = lf.Shutdown(context.Background()) })
	if got := fields(lf.Propagator()); !slices.Equal(got, []string{"traceparent", "tracestate"}) {
		t.Errorf("lf.Propagator() fields = %v", got)
	}
	if got := fields(otel.GetTextMapPropagator()); !slices.Equal(got, []string{"traceparent", "tracestate"}) {
		t.Errorf("global propagator fields = %v", got)
	}

	// nil keeps the default.
	lf2, _ := newTestInstance(t, WithPropagator(nil))
	if got := fields(lf2.Propagator()); len(got) != 3 {
		t.Errorf("WithPropagator(nil): fields = %v, want the default's three", got)
	}
}

func TestNonDefaultInstanceLeavesGlobalPropagator(t *testing.T) {
	clearEnv(t)
	keepGlobals(t)
	none := propagation.NewCompositeTextMapPropagator()
	otel.SetTextMapPropagator(none)

	lf, _ := newTestInstance(t) // notDefault()
	if got := otel.GetTextMapPropagator().Fields(); len(got) != 0 {
		t.Errorf("global propagator changed by a non-default instance: fields %v", got)
	}
	if got := fields(lf.Propagator()); len(got) != 3 {
		t.Errorf("lf.Propagator() fields = %v, want the default's three", got)
	}
	var nilLF *Logfire
	if got := fields(nilLF.Propagator()); len(got) != 3 {
		t.Errorf("nil instance: fields = %v, want the default's three", got)
	}
}

// TestPropagatorRoundTrip: what one instance injects into HTTP headers,
// another extracts as the remote parent of its spans, baggage included.
func TestPropagatorRoundTrip(t *testing.T) {
	clearEnv(t)
	front, _ := newTestInstance(t)
	back, backSpans := newTestInstance(t)

	m, _ := baggage.NewMember("tenant", "acme")
	bag, _ := baggage.New(m)
	ctx := baggage.ContextWithBaggage(context.Background(), bag)
	ctx, span := front.Span(ctx, "calling the back end")
	h := http.Header{}
	front.Propagator().Inject(ctx, propagation.HeaderCarrier(h))
	span.End()

	tp := h.Get("traceparent")
	want := "00-" + span.SpanContext().TraceID().String() + "-" + span.SpanContext().SpanID().String() + "-01"
	if tp != want {
		t.Fatalf("traceparent = %q, want %q", tp, want)
	}
	if got := h.Get("baggage"); got != "tenant=acme" {
		t.Errorf("baggage header = %q", got)
	}

	in := back.Propagator().Extract(context.Background(), propagation.HeaderCarrier(h))
	if got := baggage.FromContext(in).Member("tenant").Value(); got != "acme" {
		t.Errorf("extracted baggage tenant = %q", got)
	}
	_, child := back.Span(in, "handling the call")
	child.End()
	got := backSpans.GetSpans()
	if len(got) != 1 {
		t.Fatalf("%d spans, want 1", len(got))
	}
	if got[0].Parent.SpanID() != span.SpanContext().SpanID() || got[0].SpanContext.TraceID() != span.SpanContext().TraceID() || !got[0].Parent.IsRemote() {
		t.Errorf("child parent = %v trace %v, want remote %v", got[0].Parent.SpanID(), got[0].SpanContext.TraceID(), span.SpanContext().SpanID())
	}
}

func withBaggage(t *testing.T, ctx context.Context, kv ...string) context.Context {
	t.Helper()
	bag := baggage.FromContext(ctx)
	for i := 0; i+1 < len(kv); i += 2 {
		m, err := baggage.NewMemberRaw(kv[i], kv[i+1])
		if err != nil {
			t.Fatal(err)
		}
		if bag, err = bag.SetMember(m); err != nil {
			t.Fatal(err)
		}
	}
	return baggage.ContextWithBaggage(ctx, bag)
}

func userAttrs(attrs []attribute.KeyValue) map[string]string {
	out := map[string]string{}
	for _, kv := range attrs {
		k := string(kv.Key)
		if strings.HasPrefix(k, "logfire.") || strings.HasPrefix(k, "code.") {
			continue
		}
		out[k] = kv.Value.Emit()
	}
	return out
}

// TestBaggageAttributes follows the Python SDK's
// test_baggage_goes_to_span_attributes.
func TestBaggageAttributes(t *testing.T) {
	for _, on := range []bool{true, false} {
		t.Run(map[bool]string{true: "on", false: "off"}[on], func(t *testing.T) {
			clearEnv(t)
			lf, mem := newTestInstance(t, WithBaggageAttributes(on))
			ctx := withBaggage(t, context.Background(), "a", "1")
			ctx, outer := lf.Span(ctx, "outer")
			ctx = withBaggage(t, ctx, "b", "2")
			ctx, outerMiddle := lf.Span(ctx, "outer-middle")
			ctx = withBaggage(t, ctx, "a", "3")
			ctx, innerMiddle := lf.Span(ctx, "inner-middle", "a", "3") // same value: nothing happens
			ctx, inner := lf.Span(ctx, "inner", "a", "4")              // other value: baggage key renamed
			lf.Info(ctx, "info")
			for _, s := range []*SpanHandle{inner, innerMiddle, outerMiddle, outer} {
				s.End()
			}

			want := map[string]map[string]string{
				"outer":        {"a": "1"},
				"outer-middle": {"a": "1", "b": "2"},
				"inner-middle": {"a": "3", "b": "2"},
				"inner":        {"a": "4", "baggage_conflict.a": "3", "b": "2"},
				"info":         {"a": "3", "b": "2"},
			}
			if !on {
				want = map[string]map[string]string{
					"outer": {}, "outer-middle": {}, "inner-middle": {"a": "3"}, "inner": {"a": "4"}, "info": {},
				}
			}
			spans := mem.GetSpans()
			if len(spans) != len(want) {
				t.Fatalf("%d spans, want %d", len(spans), len(want))
			}
			for _, s := range spans {
				got := userAttrs(s.Attributes)
				if w := want[s.Name]; !maps.Equal(got, w) {
					t.Errorf("%s: attributes %v, want %v", s.Name, got, w)
				}
			}
		})
	}
}

// TestBaggageAttributesOnPendingSpans: the baggage processor runs before the
// pending-span processor, so pending spans carry the attributes too.
func TestBaggageAttributesOnPendingSpans(t *testing.T) {
	clearEnv(t)
	// Pending spans reach the processors behind the pending-span processor
	// through OnEnd, when their real span starts.
	rec := tracetest.NewSpanRecorder()
	lf, _ := newTestInstance(t, WithBaggageAttributes(true), withLogfireProcessor(rec))
	ctx := withBaggage(t, context.Background(), "tenant", "acme")
	_, s := lf.Span(ctx, "work")
	s.End()
	var pending int
	for _, sp := range rec.Ended() {
		if typ, _ := findAttribute(sp.Attributes(), "logfire.span_type"); typ.AsString() != "pending_span" {
			continue
		}
		pending++
		if v, ok := findAttribute(sp.Attributes(), "tenant"); !ok || v.AsString() != "acme" {
			t.Errorf("pending span attributes %v lack tenant=acme", sp.Attributes())
		}
	}
	if pending != 1 {
		t.Errorf("saw %d pending spans, want 1", pending)
	}
}

// TestBaggageAttributesOnOTelSpans: spans of other instrumentation get
// them too (the processor is on the provider).
func TestBaggageAttributesOnOTelSpans(t *testing.T) {
	clearEnv(t)
	lf, mem := newTestInstance(t, WithBaggageAttributes(true))
	ctx := withBaggage(t, context.Background(), "user.id", "42", "empty", "")
	_, s := lf.TracerProvider().Tracer("other").Start(ctx, "GET /", trace.WithAttributes(attribute.Int("user.id", 42)))
	s.End()
	got := userAttrs(mem.GetSpans()[0].Attributes)
	// An existing non-string attribute with the same key is a conflict.
	want := map[string]string{"user.id": "42", "baggage_conflict.user.id": "42", "empty": ""}
	if !maps.Equal(got, want) {
		t.Errorf("attributes %v, want %v", got, want)
	}
}

func TestTruncateString(t *testing.T) {
	long := strings.Repeat("b", 2000)
	got := truncateString(long, 1000)
	// Python: half = (1000-3)//2 = 498 characters each side of "...".
	if want := strings.Repeat("b", 498) + "..." + strings.Repeat("b", 498); got != want {
		t.Errorf("len %d, want %d", len(got), len(want))
	}
	if got := truncateString(strings.Repeat("b", 1000), 1000); len(got) != 1000 {
		t.Errorf("1000 characters were cut: len %d", len(got))
	}
	// Characters, not bytes: 1000 two-byte runes stay whole, 1001 are cut
	// on rune boundaries.
	if got := truncateString(strings.Repeat("é", 1000), 1000); got != strings.Repeat("é", 1000) {
		t.Errorf("1000 runes were cut")
	}
	got = truncateString(strings.Repeat("é", 1001), 1000)
	if want := strings.Repeat("é", 498) + "..." + strings.Repeat("é", 498); got != want {
		t.Errorf("rune truncation: got %d bytes, want %d", len(got), len(want))
	}
}

func TestBaggageValueTruncatedOnSpans(t *testing.T) {
	clearEnv(t)
	lf, mem := newTestInstance(t, WithBaggageAttributes(true))
	ctx := withBaggage(t, context.Background(), "d", strings.Repeat("e", 2000))
	lf.Info(ctx, "hi")
	got := userAttrs(mem.GetSpans()[0].Attributes)["d"]
	if len(got) != 999 || !strings.Contains(got, "e...e") {
		t.Errorf("d has %d characters: %.20q…", len(got), got)
	}
}

// TestBaggageProcessorCostsNothingWithoutBaggage: the processor's OnStart
// runs for every span, so with no baggage in the context it must not
// allocate; and with the option off it is not installed at all.
func TestBaggageProcessorCostsNothingWithoutBaggage(t *testing.T) {
	if opts := (propagationSettings{}).tracerProviderOptions(); len(opts) != 0 {
		t.Errorf("baggage attributes off: %d tracer provider options, want none", len(opts))
	}
	tp := sdktrace.NewTracerProvider()
	t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	_, s := tp.Tracer("t").Start(context.Background(), "s")
	defer s.End()
	span := s.(sdktrace.ReadWriteSpan)
	var p baggageAttributesProcessor
	for name, ctx := range map[string]context.Context{
		"no baggage":    context.Background(),
		"empty baggage": baggage.ContextWithBaggage(context.Background(), baggage.Baggage{}),
	} {
		if n := testing.AllocsPerRun(100, func() { p.OnStart(ctx, span) }); n != 0 {
			t.Errorf("%s: OnStart allocates %v times per span, want 0", name, n)
		}
	}
	if got := len(span.Attributes()); got != 0 {
		t.Errorf("OnStart without baggage set %d attributes", got)
	}
}
