//go:build linux

package e2e_test

import (
	"encoding/json"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/logfire-go/sdk/e2e/rie"
)

// The tests of this file record what AWS's emulator offers an internal
// extension that subscribes to the Telemetry API, with
// testdata/telemetryprobe: what the SDK's subscription has to deal with
// under the real emulator, pinned so that a new emulator version that
// changes it fails here first.

// probeObservation is one line of testdata/telemetryprobe's output.
type probeObservation struct {
	Kind        string `json:"kind"`
	Request     string `json:"request"`
	When        string `json:"when"`
	Status      int    `json:"status"`
	Body        string `json:"body"`
	Path        string `json:"path"`
	ContentType string `json:"contentType"`
}

// telemetryEvent is one event of a Telemetry API batch.
type telemetryEvent struct {
	Time   string         `json:"time"`
	Type   string         `json:"type"`
	Record map[string]any `json:"record"`
}

// probeRun is what one run of the probe showed.
type probeRun struct {
	obs     []probeObservation
	events  []telemetryEvent // of every batch, in order
	answers []*rie.Response
	ids     []string // request ids handed out
	// endedAlone is true if the emulator ended on its own after a
	// timed-out last invocation.
	endedAlone bool
}

func (p probeRun) find(kind, request, when string) (probeObservation, bool) {
	for _, o := range p.obs {
		if o.Kind == kind && (request == "" || strings.Contains(o.Request, request)) && o.When == when {
			return o, true
		}
	}
	return probeObservation{}, false
}

// runTelemetryProbe runs testdata/telemetryprobe under the emulator with
// opts, subscribing with each of schemas, invokes it with each of events
// in turn, stops it and returns what it printed.
func runTelemetryProbe(t *testing.T, schemas string, events []string, opts ...rie.Option) probeRun {
	t.Helper()
	bin := buildFunction(t, "./e2e/testdata/telemetryprobe")
	opts = append([]rie.Option{rie.WithFunctionName("telemetryprobe"), rie.WithEnv("PROBE_SCHEMAS", schemas)}, opts...)
	e := rie.Start(t, bin, opts...)
	ctx := rieContext(t)
	var run probeRun
	for _, ev := range events {
		r, err := e.Invoke(ctx, []byte(ev))
		if err != nil {
			t.Fatalf("%s: %v", ev, err)
		}
		run.answers = append(run.answers, r)
		time.Sleep(100 * time.Millisecond) // past the 25 ms buffering: one batch per invocation
	}
	if last := run.answers[len(run.answers)-1]; last.ErrorType() == "Sandbox.Timedout" {
		// The timed-out handler answers late; see whether that ends the
		// emulator.
		select {
		case <-e.Done():
			run.endedAlone = true
		case <-time.After(5 * time.Second):
		}
	}
	if _, err := e.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	run.ids = e.RequestIDs()
	for line := range strings.Lines(e.Output()) {
		rest, ok := strings.CutPrefix(line, "probe ")
		if !ok {
			continue
		}
		var o probeObservation
		if err := json.Unmarshal([]byte(rest), &o); err != nil {
			t.Fatalf("probe line %q: %v", line, err)
		}
		t.Logf("%s", strings.TrimSpace(rest))
		run.obs = append(run.obs, o)
		if o.Kind == "batch" {
			var batch []telemetryEvent
			if err := json.Unmarshal([]byte(o.Body), &batch); err != nil {
				t.Fatalf("batch %s: %v", o.Body, err)
			}
			run.events = append(run.events, batch...)
		}
	}
	return run
}

// TestRIETelemetryAPIManagedInstances: the Managed Instances mode refuses
// an internal extension that registers for INVOKE (403
// Extension.InvalidEventType) and accepts one with no events; it accepts
// a subscription with schema 2025-01-29 only (2022-12-13: 400
// ValidationError), during INIT only (then 403
// Telemetry.SubscriptionClosed); it posts the batches to the destination's
// port on 127.0.0.1 at path "/" (the URI's path is dropped), as JSON; its
// events are, in order, platform.initStart, platform.telemetrySubscription,
// platform.initRuntimeDone, platform.extension for each extension,
// platform.initReport, then platform.start and platform.report for each
// invocation, and no platform.runtimeDone. A report has a status (success,
// error, timeout) with errorType when not success, and metrics.durationMs
// alone: no billed duration, no memory. After a timeout the late response
// is refused (410) and the runtime exits (aws-lambda-go ends the process),
// which ends the emulator.
func TestRIETelemetryAPIManagedInstances(t *testing.T) {
	run := runTelemetryProbe(t, "2022-12-13,2025-01-29",
		[]string{`{}`, `{"fail":true}`, `{"sleepMs":1500}`},
		rie.WithManagedInstances(2), rie.WithTimeout(time.Second))

	want := []struct {
		kind, request, when string
		status              int
		body                string // what the body holds
	}{
		{"register", `["INVOKE"]`, "", 403, `{"errorMessage":"No events allowed for internal extensions","errorType":"Extension.InvalidEventType"}`},
		{"register", `[]`, "", 200, `"functionName":"telemetryprobe"`},
		{"subscribe", "2022-12-13", "init", 400, `"errorType": "ValidationError"`},
		{"subscribe", "2025-01-29", "init", 200, `"OK"`},
		{"subscribe", "2025-01-29", "invoke", 403, `{"errorMessage":"Telemetry API subscription is closed","errorType":"Telemetry.SubscriptionClosed"}`},
	}
	if !run.endedAlone {
		t.Error("the emulator went on after the timed-out handler's late response")
	}
	for _, w := range want {
		o, ok := run.find(w.kind, w.request, w.when)
		if !ok || o.Status != w.status || !strings.Contains(o.Body, w.body) {
			t.Errorf("%s %s %s: %v %d %s, want %d and %s", w.kind, w.request, w.when, ok, o.Status, o.Body, w.status, w.body)
		}
	}
	for _, o := range run.obs {
		if o.Kind == "batch" && (o.Path != "/" || o.ContentType != "application/json") {
			t.Errorf("batch at %q as %q, want / as application/json", o.Path, o.ContentType)
		}
	}

	var types []string
	for _, ev := range run.events {
		types = append(types, ev.Type)
	}
	wantTypes := []string{"platform.initStart", "platform.telemetrySubscription", "platform.initRuntimeDone",
		"platform.extension", "platform.extension", "platform.initReport"}
	for range run.answers {
		wantTypes = append(wantTypes, "platform.start", "platform.report")
	}
	if !slices.Equal(types, wantTypes) {
		t.Fatalf("event types %q, want %q", types, wantTypes)
	}
	if r := run.events[0].Record; r["initializationType"] != "lambda-managed-instances" || r["phase"] != "init" {
		t.Errorf("platform.initStart: %v", r)
	}
	if r := run.events[5].Record; r["status"] != "success" || !onlyDuration(r["metrics"]) {
		t.Errorf("platform.initReport: %v", r)
	}
	outcomes := []struct{ status, errorType, answerType string }{
		{"success", "", ""},
		{"error", "Runtime.Unknown", "Runtime.Unknown"},
		{"timeout", "Sandbox.Timedout", "Sandbox.Timedout"},
	}
	if len(run.ids) != len(outcomes) {
		t.Fatalf("request ids %q", run.ids)
	}
	for i, o := range outcomes {
		start, report := run.events[6+2*i].Record, run.events[7+2*i].Record
		if start["requestId"] != run.ids[i] || report["requestId"] != run.ids[i] {
			t.Errorf("invocation %d: platform.start %v, platform.report %v, want request id %s", i, start, report, run.ids[i])
		}
		errorType, _ := report["errorType"].(string)
		if report["status"] != o.status || errorType != o.errorType || !onlyDuration(report["metrics"]) {
			t.Errorf("invocation %d: platform.report %v, want status %s, errorType %q, metrics durationMs alone", i, report, o.status, o.errorType)
		}
		if got := run.answers[i].ErrorType(); got != o.answerType {
			t.Errorf("invocation %d: Error-Type %q, want %q", i, got, o.answerType)
		}
	}
}

// onlyDuration reports whether metrics is {"durationMs": <number>}.
func onlyDuration(metrics any) bool {
	m, ok := metrics.(map[string]any)
	if !ok {
		return false
	}
	_, isNumber := m["durationMs"].(float64)
	return isNumber && slices.Equal(slices.Collect(maps.Keys(m)), []string{"durationMs"})
}

// TestRIETelemetryAPIClassic: the classic mode accepts an internal
// extension registered for INVOKE and hands it each invocation (deadlineMs
// the function's timeout after the start), but has no Telemetry API: every
// subscription, whatever the schema, is answered 202
// Telemetry.NotSupported, and no batch ever comes.
func TestRIETelemetryAPIClassic(t *testing.T) {
	run := runTelemetryProbe(t, "2022-12-13,2025-01-29", []string{`{}`}, rie.WithTimeout(3*time.Second))

	if o, ok := run.find("register", `["INVOKE"]`, ""); !ok || o.Status != 200 {
		t.Errorf("register for INVOKE: %v %+v", ok, o)
	}
	const notSupported = `{"errorMessage":"Telemetry API is not supported","errorType":"Telemetry.NotSupported"}`
	for _, s := range []struct{ schema, when string }{{"2022-12-13", "init"}, {"2025-01-29", "init"}, {"2025-01-29", "invoke"}} {
		if o, ok := run.find("subscribe", s.schema, s.when); !ok || o.Status != 202 || o.Body != notSupported {
			t.Errorf("subscribe %s during %s: %v %d %s, want 202 %s", s.schema, s.when, ok, o.Status, o.Body, notSupported)
		}
	}
	if len(run.events) != 0 {
		t.Errorf("%d telemetry events arrived, want none", len(run.events))
	}
	var invoke map[string]any
	for _, o := range run.obs {
		if o.Kind == "event" && o.Status == 200 {
			if err := json.Unmarshal([]byte(o.Body), &invoke); err != nil {
				t.Fatal(err)
			}
			break
		}
	}
	deadline, _ := invoke["deadlineMs"].(float64)
	start := run.answers[0].Sent
	if len(run.ids) != 1 || invoke["eventType"] != "INVOKE" || invoke["requestId"] != run.ids[0] ||
		invoke["invokedFunctionArn"] != "arn:aws:lambda:us-east-1:012345678912:function:telemetryprobe" ||
		time.UnixMilli(int64(deadline)).Sub(start).Round(time.Second) != 3*time.Second {
		t.Errorf("the INVOKE event %v (ids %q), want its request id and a deadline 3 s after %v", invoke, run.ids, start)
	}
}
