package logfire

import (
	"context"
	"encoding/hex"
	"testing"
)

func TestPendingSpansOnTheWire(t *testing.T) {
	clearEnv(t)
	rcv := newTestReceiver(t)
	lf, err := Configure(context.Background(), notDefault(), WithConsole(nil),
		WithToken(testToken), WithBaseURL(rcv.URL()))
	if err != nil {
		t.Fatal(err)
	}
	defer lf.Shutdown(context.Background())
	ctx := context.Background()

	// Open spans are flushed: their pending spans are sent.
	octx, outer := lf.Span(ctx, "outer {x}", "x", 1)
	_, inner := lf.Span(octx, "inner {y}", "y", 2)
	lf.Info(octx, "a log has no pending span")
	if err := lf.ForceFlush(ctx); err != nil {
		t.Fatal(err)
	}
	outerID, innerID := outer.SpanContext().SpanID(), inner.SpanContext().SpanID()
	pending := map[string]map[string]any{}
	for _, s := range rcv.spans() {
		a := attrMap(s.Attributes)
		if a["logfire.span_type"] != "pending_span" {
			continue
		}
		pending[s.Name] = a
		if s.StartTimeUnixNano != s.EndTimeUnixNano {
			t.Errorf("%s: pending span has a duration", s.Name)
		}
		switch s.Name {
		case "outer {x}":
			if hex.EncodeToString(s.ParentSpanId) != outerID.String() || a["logfire.pending_parent_id"] != "0000000000000000" {
				t.Errorf("outer pending: parent %x, pending_parent_id %v", s.ParentSpanId, a["logfire.pending_parent_id"])
			}
		case "inner {y}":
			if hex.EncodeToString(s.ParentSpanId) != innerID.String() || a["logfire.pending_parent_id"] != outerID.String() {
				t.Errorf("inner pending: parent %x, pending_parent_id %v", s.ParentSpanId, a["logfire.pending_parent_id"])
			}
		default:
			t.Errorf("unexpected pending span %q", s.Name)
		}
		if string(s.SpanId) == string(outerID[:]) || string(s.SpanId) == string(innerID[:]) {
			t.Errorf("%s: pending span reuses the real span id", s.Name)
		}
	}
	if len(pending) != 2 || pending["outer {x}"]["logfire.msg"] != "outer 1" || pending["inner {y}"]["y"] != int64(2) {
		t.Fatalf("pending spans: %v", pending)
	}
	inner.End()
	outer.End()

	// A span that starts and ends within one batch sends no pending span.
	before := len(rcv.spans())
	_, quick := lf.Span(ctx, "quick")
	quick.End()
	if err := lf.ForceFlush(ctx); err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, s := range rcv.spans()[before:] {
		names = append(names, s.Name+"/"+attrMap(s.Attributes)["logfire.span_type"].(string))
	}
	want := map[string]bool{"inner {y}/span": true, "outer {x}/span": true, "quick/span": true}
	if len(names) != len(want) {
		t.Fatalf("second flush sent %v, want the three real spans only", names)
	}
	for _, n := range names {
		if !want[n] {
			t.Fatalf("second flush sent %v", names)
		}
	}
}
