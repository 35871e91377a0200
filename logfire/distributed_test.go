package logfire

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/baggage"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
)

// incomingHeaders are the headers of a request from another service: its
// span context and a baggage member.
func incomingHeaders(t *testing.T) (http.Header, trace.SpanContext) {
	t.Helper()
	tid, _ := trace.TraceIDFromHex("0af7651916cd43dd8448eb211c80319c")
	sid, _ := trace.SpanIDFromHex("b7ad6b7169203331")
	sc := trace.NewSpanContext(trace.SpanContextConfig{TraceID: tid, SpanID: sid, TraceFlags: trace.FlagsSampled, Remote: true})
	h := http.Header{}
	h.Set("traceparent", "00-"+tid.String()+"-"+sid.String()+"-01")
	h.Set("baggage", "tenant=acme")
	return h, sc
}

// TestDistributedTracing: unset, the caller's trace is continued and a
// warning said once; true continues it quietly; false (the variable or
// the option) starts a new trace linked to the caller's span, and keeps
// the baggage.
func TestDistributedTracing(t *testing.T) {
	cases := []struct {
		name      string
		env       string
		opts      []Option
		continues bool
		warnings  int
	}{
		{name: "unset", continues: true, warnings: 1},
		{name: "env true", env: "true", continues: true},
		{name: "option true", opts: []Option{WithDistributedTracing(true)}, continues: true},
		{name: "env false", env: "false"},
		{name: "option false over env true", env: "1", opts: []Option{WithDistributedTracing(false)}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			clearEnv(t)
			if tc.env != "" {
				t.Setenv("LOGFIRE_DISTRIBUTED_TRACING", tc.env)
			}
			var warned handlerErrors
			lf, mem := newTestInstance(t, append([]Option{WithErrorHandler(warned.handle)}, tc.opts...)...)
			h, remote := incomingHeaders(t)
			for i := range 2 {
				ctx := lf.Propagator().Extract(context.Background(), propagation.HeaderCarrier(h))
				if got := baggage.FromContext(ctx).Member("tenant").Value(); got != "acme" {
					t.Errorf("baggage lost: %q", got)
				}
				_, span := lf.Span(ctx, "handling request {i}", "i", i)
				span.End()
			}
			spans := mem.GetSpans()
			if len(spans) != 2 {
				t.Fatalf("%d spans, want 2", len(spans))
			}
			for _, s := range spans {
				if tc.continues {
					if !s.Parent.Equal(remote) || s.SpanContext.TraceID() != remote.TraceID() || len(s.Links) != 0 {
						t.Errorf("%s: parent %v, %d links; want the caller's span as parent", s.Name, s.Parent, len(s.Links))
					}
					continue
				}
				if s.Parent.IsValid() || s.SpanContext.TraceID() == remote.TraceID() {
					t.Errorf("%s: parent %v trace %v; want a new trace", s.Name, s.Parent, s.SpanContext.TraceID())
				}
				if len(s.Links) != 1 || s.Links[0].SpanContext.SpanID() != remote.SpanID() || s.Links[0].SpanContext.TraceID() != remote.TraceID() {
					t.Errorf("%s: links %+v; want one to the caller's span", s.Name, s.Links)
				}
			}
			got := warned.all()
			if len(got) != tc.warnings {
				t.Fatalf("%d warnings, want %d: %q", len(got), tc.warnings, got)
			}
			for _, w := range got {
				if !strings.Contains(w, "Found propagated trace context") || !strings.Contains(w, "LOGFIRE_DISTRIBUTED_TRACING=true") {
					t.Errorf("warning %q", w)
				}
			}
		})
	}
}

// TestRefusedParentOnlyForTheRoot: with distributed tracing off, only the
// span that starts the new trace links to the caller; its children do
// not, and a context without an incoming trace gives no link.
func TestRefusedParentOnlyForTheRoot(t *testing.T) {
	clearEnv(t)
	lf, mem := newTestInstance(t, WithDistributedTracing(false))
	h, _ := incomingHeaders(t)
	ctx := lf.Propagator().Extract(context.Background(), propagation.HeaderCarrier(h))
	ctx, root := lf.Span(ctx, "root")
	_, child := lf.Span(ctx, "child")
	child.End()
	root.End()
	plain := lf.Propagator().Extract(context.Background(), propagation.HeaderCarrier(http.Header{}))
	_, other := lf.Span(plain, "no caller")
	other.End()
	links := map[string]int{}
	for _, s := range mem.GetSpans() {
		links[s.Name] = len(s.Links)
	}
	if links["root"] != 1 || links["child"] != 0 || links["no caller"] != 0 || len(links) != 3 {
		t.Errorf("links per span %v; want root 1, child 0, no caller 0", links)
	}
}
