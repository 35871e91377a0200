package e2e_test

import (
	"context"
	"fmt"
	"maps"
	"reflect"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/logfire-go/sdk/e2e/collector"
	"github.com/logfire-go/sdk/internal/testhook"
	"github.com/logfire-go/sdk/logfire"
)

// The scenario whose output the official Node SDK
// (@pydantic/logfire-node 0.18.25) was recorded sending, written with this
// SDK and run in-process against the real collector receiver. The Node SDK was configured with serviceName 'peer-node'; this
// run uses 'peer-go'.
//
// It returns the line of each call, for code.lineno.
func runPeerScenario(ctx context.Context, endpoint string) (lines map[string]int64, err error) {
	lf, err := configurePeer(ctx, endpoint)
	if err != nil {
		return nil, err
	}
	lines = map[string]int64{}
	lines["hello {name}"] = nextLine()
	lf.Info(ctx, "hello {name}", "name", "world")
	lines["outer {x}"] = nextLine()
	octx, outer := lf.Span(ctx, "outer {x}", "x", 1)
	lines["inner {y}"] = nextLine()
	_, inner := lf.Span(octx, "inner {y}", "y", 2)
	time.Sleep(5 * time.Millisecond)
	inner.End()
	lines["it failed: {reason}"] = nextLine()
	lf.Error(octx, "it failed: {reason}", "reason", "boom")
	outer.End()
	if err := lf.ForceFlush(ctx); err != nil {
		return nil, err
	}
	return lines, lf.Shutdown(ctx)
}

// configurePeer configures the instance of the peer scenario, exporting to
// endpoint in one batch: nothing is exported before ForceFlush (a
// schedule delay of a minute, set through the SDK's internal test hook, as
// OTEL_BSP_SCHEDULE_DELAY would). It is not the default instance.
func configurePeer(ctx context.Context, endpoint string, opts ...logfire.Option) (*logfire.Logfire, error) {
	ctx = testhook.With(ctx, testhook.Settings{NotDefault: true, CredentialsDir: "does-not-exist", BatchScheduleDelay: time.Minute})
	return logfire.Configure(ctx, append([]logfire.Option{
		logfire.WithConsole(nil),
		logfire.WithToken("pylf_v1_us_test"),
		logfire.WithBaseURL(endpoint),
		logfire.WithServiceName("peer-go"),
		logfire.WithServiceVersion("0.0.1"),
		logfire.WithEnvironment("test"),
	}, opts...)...)
}

// nextLine returns the line after the one that calls it.
func nextLine() int64 {
	_, _, line, _ := runtime.Caller(1)
	return int64(line + 1)
}

// peerRecord is what one record must carry. node holds the logfire.*
// attributes exactly as the Node SDK sent them (its 'logfire.tags' = []
// left out, see below); goOnly holds what this SDK adds by its own
// conventions (docs/conventions.md).
type peerRecord struct {
	name   string
	parent string // name of the parent record, "" for a root
	user   map[string]any
	node   map[string]any
	goOnly map[string]any
}

var peerRecords = []peerRecord{
	{
		name: "hello {name}", parent: "",
		user: map[string]any{"name": "world"},
		node: map[string]any{
			"logfire.msg_template": "hello {name}",
			"logfire.msg":          "hello world",
			"logfire.level_num":    int64(9),
			"logfire.span_type":    "log",
		},
		goOnly: map[string]any{
			"logfire.json_schema": `{"type":"object","properties":{"name":{}}}`,
		},
	},
	{
		name: "outer {x}", parent: "",
		user: map[string]any{"x": int64(1)},
		node: map[string]any{
			"logfire.msg_template": "outer {x}",
			"logfire.msg":          "outer 1",
			"logfire.level_num":    int64(9),
		},
		goOnly: map[string]any{
			// Node leaves logfire.span_type off real spans ("absence means
			// a real span"); this SDK: span_type span|log|pending_span, as
			// the Python SDK sends.
			"logfire.span_type":   "span",
			"logfire.json_schema": `{"type":"object","properties":{"x":{}}}`,
		},
	},
	{
		name: "inner {y}", parent: "outer {x}",
		user: map[string]any{"y": int64(2)},
		node: map[string]any{
			"logfire.msg_template": "inner {y}",
			"logfire.msg":          "inner 2",
			"logfire.level_num":    int64(9),
		},
		goOnly: map[string]any{
			"logfire.span_type":   "span",
			"logfire.json_schema": `{"type":"object","properties":{"y":{}}}`,
		},
	},
	{
		name: "it failed: {reason}", parent: "outer {x}",
		user: map[string]any{"reason": "boom"},
		node: map[string]any{
			"logfire.msg_template": "it failed: {reason}",
			"logfire.msg":          "it failed: boom",
			"logfire.level_num":    int64(17),
			"logfire.span_type":    "log",
		},
		goOnly: map[string]any{
			"logfire.json_schema": `{"type":"object","properties":{"reason":{}}}`,
		},
	},
}

// The deliberate differences from the Node output (docs/conventions.md), checked below:
//   - logfire.tags: Node sends [] on every record; Go sends it only when
//     there are tags, so here never.
//   - code.filepath, code.lineno, code.function: Node sends none on manual
//     spans; Go sends them always (the Python SDK does too).
//   - logfire.json_schema: Node sends it only for non-primitive values;
//     Go, like Python, lists every user attribute, primitives as {}.
//   - logfire.span_type=span on real spans (see peerRecords).
//   - Pending spans: Node has no same-batch removal, so its output holds
//     the pending spans of 'outer {x}' and 'inner {y}'; Go's exporter drops
//     a pending span whose real span is in the same batch, and this run is
//     one batch, so none arrive.
//   - Logs: Node's have a small duration (two clock reads); Go's start and
//     end at the same instant, as Python's do.
//   - Resource: telemetry.sdk.language go (nodejs), telemetry.sdk.name
//     opentelemetry (logfire); Go adds logfire.version and, as the Python
//     SDK does, os.*, host.arch, host.name and process.runtime.*.
//   - Instrumentation scope: 'logfire' in both; Go also sends the SDK
//     version as the scope version (Node sends none).
//   - Trace ids are ULIDs in both.
func TestNodePeerScenario(t *testing.T) {
	c := collector.Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	lines, err := runPeerScenario(ctx, c.Endpoint())
	if err != nil {
		t.Fatalf("scenario: %v", err)
	}
	spans := c.Spans()
	defer func() {
		if t.Failed() {
			t.Logf("spans that arrived:\n%s", collector.FormatSpans(spans))
		}
	}()

	if p := pendingOf(spans); len(p) > 0 {
		t.Errorf("pending spans arrived in a one-batch run (their real spans were in the same batch):\n%s", collector.FormatSpans(p))
	}
	names := collector.SpanNames(spans)
	var want []string
	for _, r := range peerRecords {
		want = append(want, r.name)
	}
	slices.Sort(names)
	slices.Sort(want)
	if !slices.Equal(names, want) {
		t.Fatalf("span names: got %q, want %q", names, want)
	}

	byName := map[string]collector.Span{}
	for _, s := range spans {
		byName[s.Name] = s
	}
	for _, r := range peerRecords {
		s := byName[r.name]
		checkPeerParent(t, s, r, byName)
		checkPeerAttributes(t, s, r, lines[r.name])
		checkPeerShape(t, s, r)
	}
	checkPeerResource(t, spans)

	// The run is one batch: one trace request.
	if n := c.Requests().Traces; n != 1 {
		t.Errorf("%d trace requests, want 1 (one batch)", n)
	}
}

func pendingOf(spans []collector.Span) []collector.Span {
	var out []collector.Span
	for _, s := range spans {
		if s.IsPending() {
			out = append(out, s)
		}
	}
	return out
}

func checkPeerParent(t *testing.T, s collector.Span, r peerRecord, byName map[string]collector.Span) {
	t.Helper()
	if r.parent == "" {
		if s.ParentSpanID != "" {
			t.Errorf("%q: parent %s, want a root span", s.Name, s.ParentSpanID)
		}
		return
	}
	p := byName[r.parent]
	if !s.Parent(p) {
		t.Errorf("%q: trace %s parent %s, want a child of %q (trace %s span %s)",
			s.Name, s.TraceID, s.ParentSpanID, p.Name, p.TraceID, p.SpanID)
	}
}

// checkPeerAttributes checks the exact set of attributes: the user's, the
// logfire.* ones Node sends, the Go-only ones and code.*, and nothing else.
// line is the line of the call that made the record.
func checkPeerAttributes(t *testing.T, s collector.Span, r peerRecord, line int64) {
	t.Helper()
	// code.filepath is relative to the root of the module holding the
	// file, here the e2e module.
	code := map[string]any{
		"code.filepath": "peer_test.go",
		"code.lineno":   line,
		"code.function": "e2e_test.runPeerScenario",
	}
	want := map[string]any{}
	for _, m := range []map[string]any{r.user, r.node, r.goOnly, code} {
		maps.Copy(want, m)
	}
	for k, v := range want {
		if got, ok := s.Attributes[k]; !ok || !reflect.DeepEqual(got, v) {
			t.Errorf("%q: %s = %s, want %s", s.Name, k, collector.FormatValue(got), collector.FormatValue(v))
		}
	}
	if _, ok := s.Attributes["logfire.tags"]; ok {
		t.Errorf("%q: logfire.tags = %s, want it absent (no tags: only when non-empty)", s.Name, collector.FormatValue(s.Attributes["logfire.tags"]))
	}
	for k := range s.Attributes {
		if _, ok := want[k]; !ok {
			t.Errorf("%q: unexpected attribute %s = %s", s.Name, k, collector.FormatValue(s.Attributes[k]))
		}
	}
}

func checkPeerShape(t *testing.T, s collector.Span, r peerRecord) {
	t.Helper()
	if s.Kind != "internal" {
		t.Errorf("%q: kind %s, want internal (Node: kind=1)", s.Name, s.Kind)
	}
	if s.Flags&0x1 == 0 {
		t.Errorf("%q: flags %#x, want sampled", s.Name, s.Flags)
	}
	if s.ScopeName != "logfire" {
		t.Errorf("%q: scope %q, want \"logfire\"", s.Name, s.ScopeName)
	}
	if s.ScopeVersion != logfire.Version {
		t.Errorf("%q: scope version %q, want the SDK version %q", s.Name, s.ScopeVersion, logfire.Version)
	}
	if len(s.TraceID) != 32 {
		t.Errorf("%q: trace id %q", s.Name, s.TraceID)
	} else if ms := ulidMillis(s.TraceID); ms < time.Now().Add(-time.Minute).UnixMilli() || ms > time.Now().UnixMilli() {
		t.Errorf("%q: trace id %s does not start with a current ULID timestamp", s.Name, s.TraceID)
	}
	switch r.node["logfire.span_type"] {
	case "log":
		if !s.StartTime.Equal(s.EndTime) {
			t.Errorf("log %q: start %v, end %v: want equal", s.Name, s.StartTime, s.EndTime)
		}
	default:
		if r.name == "inner {y}" && s.EndTime.Sub(s.StartTime) < 5*time.Millisecond {
			t.Errorf("%q lasted %v, want at least 5ms", s.Name, s.EndTime.Sub(s.StartTime))
		}
	}
	// Node's error log has status {} (unset): an error-level log without
	// an error value fails nothing. Same here.
	if s.Status.Code != collector.StatusUnset {
		t.Errorf("%q: status %+v, want unset (as Node's)", s.Name, s.Status)
	}
	if len(s.Events) != 0 {
		t.Errorf("%q: events %+v, want none", s.Name, s.Events)
	}
}

// ulidMillis reads the 48-bit millisecond timestamp at the start of a ULID
// trace id.
func ulidMillis(traceID string) int64 {
	var ms int64
	_, _ = fmt.Sscanf(traceID[:12], "%x", &ms)
	return ms
}

func checkPeerResource(t *testing.T, spans []collector.Span) {
	t.Helper()
	want := map[string]any{
		"service.name":                "peer-go", // Node: peer-node
		"service.version":             "0.0.1",
		"deployment.environment.name": "test",
		"telemetry.sdk.language":      "go",            // Node: nodejs
		"telemetry.sdk.name":          "opentelemetry", // Node: logfire
		"logfire.version":             logfire.Version, // Node: none
	}
	for _, s := range spans {
		for k, v := range want {
			if got := s.Resource[k]; !reflect.DeepEqual(got, v) {
				t.Errorf("%q: resource %s = %s, want %s", s.Name, k, collector.FormatValue(got), collector.FormatValue(v))
			}
		}
		if id, _ := s.Resource["service.instance.id"].(string); id == "" {
			t.Errorf("%q: resource service.instance.id missing (Node sends one)", s.Name)
		}
		// The machine, as the Python SDK describes it (Node sends none of
		// these).
		for k, v := range map[string]any{"os.type": runtime.GOOS, "process.runtime.name": "go", "process.runtime.version": runtime.Version()} {
			if got := s.Resource[k]; !reflect.DeepEqual(got, v) {
				t.Errorf("%q: resource %s = %s, want %s", s.Name, k, collector.FormatValue(got), collector.FormatValue(v))
			}
		}
		for _, k := range []string{"os.description", "host.arch", "host.name", "process.runtime.description", "process.pid"} {
			if _, ok := s.Resource[k]; !ok {
				t.Errorf("%q: resource %s missing", s.Name, k)
			}
		}
		if _, ok := s.Resource["os.version"]; runtime.GOOS == "linux" && !ok {
			t.Errorf("%q: resource os.version missing on Linux", s.Name)
		}
	}
}

// The Node output also holds the pending spans of 'outer {x}' and
// 'inner {y}', since Node never drops them. Go sends them when a span is
// still open at export time; flushed mid-scenario, they must have Node's
// shape: the real span as parent, logfire.pending_parent_id = the real
// span's parent (zeros for a root), logfire.span_type = pending_span, zero
// duration, and the real span's attributes.
func TestNodePeerPendingSpans(t *testing.T) {
	c := collector.Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	lf, err := configurePeer(ctx, c.Endpoint())
	if err != nil {
		t.Fatal(err)
	}
	octx, outer := lf.Span(ctx, "outer {x}", "x", 1)
	_, inner := lf.Span(octx, "inner {y}", "y", 2)
	if err := lf.ForceFlush(ctx); err != nil {
		t.Fatal(err)
	}
	inner.End()
	outer.End()
	if err := lf.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	spans := c.Spans()
	defer func() {
		if t.Failed() {
			t.Logf("spans that arrived:\n%s", collector.FormatSpans(spans))
		}
	}()
	real := map[string]collector.Span{}
	for _, s := range collector.WithoutPending(spans) {
		real[s.Name] = s
	}
	pending := pendingOf(spans)
	if len(pending) != 2 || len(real) != 2 {
		t.Fatalf("got %d pending and %d real spans, want 2 and 2", len(pending), len(real))
	}
	wantParentID := map[string]string{
		"outer {x}": "0000000000000000",
		"inner {y}": real["outer {x}"].SpanID,
	}
	for _, p := range pending {
		r, ok := real[p.Name]
		if !ok {
			t.Errorf("pending span %q has no real span", p.Name)
			continue
		}
		if !p.Parent(r) {
			t.Errorf("pending %q: parent %s, want its real span %s", p.Name, p.ParentSpanID, r.SpanID)
		}
		if p.SpanID == r.SpanID {
			t.Errorf("pending %q reuses the real span's id", p.Name)
		}
		if !p.StartTime.Equal(p.EndTime) || !p.StartTime.Equal(r.StartTime) {
			t.Errorf("pending %q: %v..%v, want zero length at the real start %v", p.Name, p.StartTime, p.EndTime, r.StartTime)
		}
		want := maps.Clone(r.Attributes)
		want["logfire.span_type"] = "pending_span"
		want["logfire.pending_parent_id"] = wantParentID[p.Name]
		if !reflect.DeepEqual(p.Attributes, want) {
			t.Errorf("pending %q attributes:\n got %s\nwant %s", p.Name,
				collector.FormatAttributes(p.Attributes), collector.FormatAttributes(want))
		}
	}
}
