package otellambdaflush_test

import (
	"context"
	"errors"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/logfire-go/sdk/otellambdaflush"
)

const (
	xrayTrace  = "5759e988bd862e3fe1be46a994272793"
	xrayParent = "53995c3f42cd8ad8"
)

func TestParseXRayTraceHeader(t *testing.T) {
	cases := []struct {
		name    string
		header  string
		trace   string
		span    string
		sampled bool
		err     error
	}{
		{"canonical", "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1", xrayTrace, xrayParent, true, nil},
		{"not sampled", "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=0", xrayTrace, xrayParent, false, nil},
		{"sampling deferred", "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=?", xrayTrace, xrayParent, false, nil},
		{"no Sampled", "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8", xrayTrace, xrayParent, false, nil},
		{"other order", "Sampled=1;Parent=53995c3f42cd8ad8;Root=1-5759e988-bd862e3fe1be46a994272793", xrayTrace, xrayParent, true, nil},
		{"other case", "sampled=1;PARENT=53995C3F42CD8AD8;root=1-5759E988-BD862E3FE1BE46A994272793", "", "", false, otellambdaflush.ErrXRayHeader},
		{"upper-case hex", "Root=1-5759E988-BD862E3FE1BE46A994272793;Parent=53995C3F42CD8AD8", "", "", false, otellambdaflush.ErrXRayHeader},
		{"extra fields", "Self=1-67891234-12456789abcdef012345678;Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1;Lineage=a87bd80c:1|68fd508a:5", xrayTrace, xrayParent, true, nil},
		{"last Root wins", "Root=1-00000001-000000000000000000000001;Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8", xrayTrace, xrayParent, false, nil},
		{"empty", "", "", "", false, otellambdaflush.ErrXRayHeader},
		{"garbage", ";;=;==", "", "", false, otellambdaflush.ErrXRayHeader},
		{"Root without =", "Root;Parent=53995c3f42cd8ad8", "", "", false, otellambdaflush.ErrXRayHeader},
		{"ALB: Root only", "Root=1-5c34e7d4-00ca239424b68028d4c56d68", "", "", false, otellambdaflush.ErrXRayHeader},
		{"empty Root", "Root=;Parent=53995c3f42cd8ad8", "", "", false, otellambdaflush.ErrXRayHeader},
		{"version 2", "Root=2-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8", "", "", false, otellambdaflush.ErrXRayHeader},
		{"short Root", "Root=1-5759e988-bd862e3fe1be46a99427279;Parent=53995c3f42cd8ad8", "", "", false, otellambdaflush.ErrXRayHeader},
		{"long Root", "Root=1-5759e988-bd862e3fe1be46a9942727930;Parent=53995c3f42cd8ad8", "", "", false, otellambdaflush.ErrXRayHeader},
		{"no dash", "Root=1-5759e988xbd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8", "", "", false, otellambdaflush.ErrXRayHeader},
		{"non-hex epoch", "Root=1-5759e98g-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8", "", "", false, otellambdaflush.ErrXRayHeader},
		{"non-hex id", "Root=1-5759e988-bd862e3fe1be46a99427279z;Parent=53995c3f42cd8ad8", "", "", false, otellambdaflush.ErrXRayHeader},
		{"zero Root", "Root=1-00000000-000000000000000000000000;Parent=53995c3f42cd8ad8", "", "", false, otellambdaflush.ErrXRayHeader},
		{"multi-byte Root", "Root=1-5759e988-bd862e3fe1be46a9942727é;Parent=53995c3f42cd8ad8", "", "", false, otellambdaflush.ErrXRayHeader},
		{"short Parent", "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad", "", "", false, otellambdaflush.ErrXRayHeader},
		{"non-hex Parent", "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8adx", "", "", false, otellambdaflush.ErrXRayHeader},
		{"zero Parent", "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=0000000000000000", "", "", false, otellambdaflush.ErrXRayHeader},
		{"W3C traceparent", tp1, "", "", false, otellambdaflush.ErrXRayHeader},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			sc, err := otellambdaflush.ParseXRayTraceHeader(c.header)
			if c.err != nil {
				if !errors.Is(err, c.err) {
					t.Fatalf("error %v, want %v", err, c.err)
				}
				if sc.IsValid() {
					t.Errorf("an error came with a valid span context %v", sc)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if sc.TraceID().String() != c.trace || sc.SpanID().String() != c.span || sc.IsSampled() != c.sampled || !sc.IsRemote() {
				t.Errorf("got %s/%s sampled=%v remote=%v, want %s/%s sampled=%v", sc.TraceID(), sc.SpanID(), sc.IsSampled(), sc.IsRemote(), c.trace, c.span, c.sampled)
			}
		})
	}
}

// xrayModeNames names the modes in the names of subtests.
var xrayModeNames = map[otellambdaflush.XRayMode]string{
	otellambdaflush.XRayAsLink: "link", otellambdaflush.XRayAsParent: "parent", otellambdaflush.XRayOff: "off",
}

const (
	xraySampled    = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"
	xrayNotSampled = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=0"
)

func apigwEvent(t *testing.T, headers map[string]string) []byte {
	return mustJSON(t, events.APIGatewayProxyRequest{HTTPMethod: "GET", Path: "/", Headers: headers,
		RequestContext: events.APIGatewayProxyRequestContext{Stage: "prod", HTTPMethod: "GET"}})
}

func links(s *tracetest.SpanStub) []string {
	var out []string
	for _, l := range s.Links {
		out = append(out, l.SpanContext.TraceID().String()+"/"+l.SpanContext.SpanID().String())
	}
	return out
}

// TestXRaySampledZeroDoesNotSuppressExport is the acceptance test of issue
// 6: the header Lambda sends with passive tracing (Sampled=0) never drops
// the function's spans, whether X-Ray is a link (the default) or the
// parent.
func TestXRaySampledZeroDoesNotSuppressExport(t *testing.T) {
	noContext := apigwEvent(t, map[string]string{"host": "x"})

	t.Run("premise: honouring Sampled=0 would drop everything", func(t *testing.T) {
		iv := newInvokerWithPropagator(t, naiveXRayPropagator{})
		if inv, child := iv.invoke(t, noContext, xrayNotSampled); inv != nil || child != nil {
			t.Fatalf("the naive propagator's spans were exported; the test below proves nothing")
		}
	})

	for _, mode := range []otellambdaflush.XRayMode{otellambdaflush.XRayAsLink, otellambdaflush.XRayAsParent} {
		t.Run(xrayModeNames[mode], func(t *testing.T) {
			iv := newInvoker(t, mode)
			inv, child := iv.invoke(t, noContext, xrayNotSampled)
			if inv == nil || child == nil {
				t.Fatalf("spans not exported with Sampled=0 (invocation %v, child %v)", inv != nil, child != nil)
			}
			switch mode {
			case otellambdaflush.XRayAsLink:
				if inv.Parent.IsValid() || inv.SpanContext.TraceID().String() == xrayTrace {
					t.Errorf("link mode: parent %v trace %v, want a new trace", inv.Parent, inv.SpanContext.TraceID())
				}
				if got := links(inv); len(got) != 1 || got[0] != xrayTrace+"/"+xrayParent {
					t.Errorf("links %v, want the X-Ray context", got)
				}
			case otellambdaflush.XRayAsParent:
				if inv.SpanContext.TraceID().String() != xrayTrace || inv.Parent.SpanID().String() != xrayParent || !inv.Parent.IsRemote() {
					t.Errorf("parent mode: trace %v parent %v, want %s/%s", inv.SpanContext.TraceID(), inv.Parent.SpanID(), xrayTrace, xrayParent)
				}
				if !inv.SpanContext.IsSampled() {
					t.Errorf("the invocation span is not sampled")
				}
				if got := links(inv); len(got) != 0 {
					t.Errorf("links %v, want none: X-Ray is the parent", got)
				}
			}
		})
	}
}

// TestXRayModes covers the rest of the matrix: an event context wins over
// X-Ray; the SDK's sample rate, not X-Ray's flag, decides; XRayOff; a
// malformed header.
func TestXRayModes(t *testing.T) {
	withParent := apigwEvent(t, map[string]string{"traceparent": tp1})
	noContext := apigwEvent(t, nil)

	t.Run("link mode, event context is the parent and X-Ray is not used", func(t *testing.T) {
		inv, _ := newInvoker(t, otellambdaflush.XRayAsLink).invoke(t, withParent, xraySampled)
		if inv == nil || inv.SpanContext.TraceID().String() != tid1 || inv.Parent.SpanID().String() != sid1 {
			t.Fatalf("invocation span %v", inv)
		}
		if got := links(inv); len(got) != 0 {
			t.Errorf("links %v, want none: the event gave the context", got)
		}
	})
	t.Run("parent mode, event context wins and X-Ray is not used", func(t *testing.T) {
		inv, _ := newInvoker(t, otellambdaflush.XRayAsParent).invoke(t, withParent, xrayNotSampled)
		if inv == nil || inv.SpanContext.TraceID().String() != tid1 || inv.Parent.SpanID().String() != sid1 {
			t.Fatalf("invocation span %v", inv)
		}
		if got := links(inv); len(got) != 0 {
			t.Errorf("links %v, want none: the event gave the context", got)
		}
	})
	t.Run("parent mode, sample rate 0 drops even Sampled=1", func(t *testing.T) {
		t.Setenv("LOGFIRE_TRACE_SAMPLE_RATE", "0") // a head rate of 0 is the environment's to give
		inv, child := newInvoker(t, otellambdaflush.XRayAsParent).invoke(t, noContext, xraySampled)
		if inv != nil || child != nil {
			t.Errorf("exported with sample rate 0")
		}
	})
	t.Run("off", func(t *testing.T) {
		inv, _ := newInvoker(t, otellambdaflush.XRayOff).invoke(t, noContext, xraySampled)
		if inv == nil || inv.Parent.IsValid() || len(inv.Links) != 0 {
			t.Fatalf("invocation span %+v", inv)
		}
	})
	for _, mode := range []otellambdaflush.XRayMode{otellambdaflush.XRayAsLink, otellambdaflush.XRayAsParent} {
		for _, h := range []string{"", "Root=1-5759e988-bd862e3fe1be46a994272793", "Root=garbage;Parent=x;Sampled=1", "\x00\xff"} {
			t.Run(xrayModeNames[mode]+" malformed "+h, func(t *testing.T) {
				inv, _ := newInvoker(t, mode).invoke(t, noContext, h)
				if inv == nil || inv.Parent.IsValid() || len(inv.Links) != 0 {
					t.Fatalf("invocation span %+v, want a new trace without links", inv)
				}
			})
		}
	}
}

// naiveXRayPropagator makes the X-Ray header the parent as it is, Sampled
// flag included: what a straightforward X-Ray setup does.
type naiveXRayPropagator struct{}

func (naiveXRayPropagator) Inject(context.Context, propagation.TextMapCarrier) {}
func (naiveXRayPropagator) Fields() []string                                   { return nil }
func (naiveXRayPropagator) Extract(ctx context.Context, _ propagation.TextMapCarrier) context.Context {
	sc, ok := otellambdaflush.XRaySpanContext(ctx)
	if !ok {
		return ctx
	}
	return trace.ContextWithRemoteSpanContext(ctx, sc)
}
