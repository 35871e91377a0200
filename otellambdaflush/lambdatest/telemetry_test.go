//go:build linux

package lambdatest_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/logfire-go/sdk/otellambdaflush/lambdatest"
)

// The Telemetry API under the emulator. testdata/fn subscribes its
// internal extension fn-telemetry (FN_TELEMETRY) and writes every batch it
// receives, with its arrival time, to a file.

// platformEvent is an event as the Telemetry API delivers it.
type platformEvent struct {
	Time   string         `json:"time"`
	Type   string         `json:"type"`
	Record map[string]any `json:"record"`
}

// batch is one delivery.
type batch struct {
	Arrived time.Time
	Events  []platformEvent
}

// readBatches reads the batches testdata/fn wrote to path.
func readBatches(t *testing.T, path string) []batch {
	t.Helper()
	f, err := os.Open(path)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []batch
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 4<<20)
	for sc.Scan() {
		at, body, _ := strings.Cut(sc.Text(), " ")
		ns, err := strconv.ParseInt(at, 10, 64)
		if err != nil {
			t.Fatalf("line %q: %v", sc.Text(), err)
		}
		b := batch{Arrived: time.Unix(0, ns)}
		if err := json.Unmarshal([]byte(body), &b.Events); err != nil {
			t.Fatalf("batch %s: %v", body, err)
		}
		out = append(out, b)
	}
	return out
}

// events flattens batches, keeping each event's arrival.
func events(batches []batch) (evs []platformEvent, arrived []time.Time) {
	for _, b := range batches {
		for _, ev := range b.Events {
			evs = append(evs, ev)
			arrived = append(arrived, b.Arrived)
		}
	}
	return evs, arrived
}

// sequence renders events as "type" or "type/<request id prefix>".
func sequence(evs []platformEvent, ids map[string]string) []string {
	var out []string
	for _, ev := range evs {
		s := ev.Type
		if id, ok := ev.Record["requestId"].(string); ok {
			s += "/" + ids[id]
		}
		out = append(out, s)
	}
	return out
}

// find returns the event of type typ for request id (any if id is "").
func find(t *testing.T, evs []platformEvent, typ, id string) platformEvent {
	t.Helper()
	for _, ev := range evs {
		if ev.Type == typ && (id == "" || ev.Record["requestId"] == id) {
			return ev
		}
	}
	t.Fatalf("no %s for %q in %v", typ, id, evs)
	return platformEvent{}
}

// metric returns record.metrics[name], failing if absent.
func metric(t *testing.T, ev platformEvent, name string) float64 {
	t.Helper()
	m, _ := ev.Record["metrics"].(map[string]any)
	v, ok := m[name].(float64)
	if !ok {
		t.Fatalf("%s has no metrics.%s: %v", ev.Type, name, ev.Record)
	}
	return v
}

// ms is d in milliseconds with three decimals, as the events give it.
func ms(d time.Duration) float64 { return math.Round(float64(d)/1e3) / 1000 }

// TestTelemetryColdWarmAndShutdown: a subscribed extension gets the INIT
// events (initStart, sent before it subscribed, first), then platform.start,
// platform.runtimeDone and platform.report of each invocation, with the
// emulator's own figures; a report is made when its invocation completes
// and arrives only once the environment is thawed: the first with the
// second invocation, the second during the shutdown. Nothing arrives
// while the process is frozen.
func TestTelemetryColdWarmAndShutdown(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	file := filepath.Join(t.TempDir(), "telemetry")
	e := start(t, lambdatest.WithEnv("FN_TELEMETRY", file), lambdatest.WithEnv("FN_WATCH_SIGTERM", "1"),
		lambdatest.WithEnv("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "256"))
	inv1 := invoke(t, ctx, e, `{"action":"sleep","sleepMs":60}`)
	requireFrozen(t, inv1)
	inv2 := invoke(t, ctx, e, `{"action":"echo"}`)
	requireFrozen(t, inv2)
	rep, err := e.Shutdown(ctx)
	if err != nil || rep == nil || rep.SIGTERMSent.IsZero() {
		t.Fatalf("Shutdown: %v %+v", err, rep)
	}
	if !strings.Contains(e.Stdout(), "telemetry subscribe 2022-12-13: 200 \"OK\"") {
		t.Fatalf("subscription: %s", e.Stdout())
	}

	evs, arrived := events(readBatches(t, file))
	ids := map[string]string{inv1.RequestID: "1", inv2.RequestID: "2"}
	want := []string{"platform.initStart", "platform.telemetrySubscription", "platform.initRuntimeDone", "platform.extension", "platform.initReport",
		"platform.start/1", "platform.runtimeDone/1", "platform.report/1",
		"platform.start/2", "platform.runtimeDone/2", "platform.report/2"}
	if got := sequence(evs, ids); !slices.Equal(got, want) {
		t.Fatalf("events\n %q\nwant\n %q", got, want)
	}
	for i, at := range arrived {
		for _, inv := range []*lambdatest.Invocation{inv1, inv2} {
			thawed := rep.Started
			if inv == inv1 {
				thawed = inv2.Resumed
			}
			if at.After(inv.FreezeSent) && at.Before(thawed) {
				t.Errorf("%s arrived at %v, while the process was frozen", evs[i].Type, at)
			}
		}
	}
	if r1 := slices.Index(sequence(evs, ids), "platform.report/1"); arrived[r1].Before(inv2.Resumed) {
		t.Errorf("the report of the first invocation arrived before the second thawed the process")
	}
	if r2 := len(evs) - 1; arrived[r2].Before(rep.Started) {
		t.Errorf("the report of the second invocation arrived before the shutdown")
	}

	initStart := find(t, evs, "platform.initStart", "")
	if r := initStart.Record; r["initializationType"] != "on-demand" || r["phase"] != "init" ||
		r["functionName"] != "lambdatest-function" || r["functionVersion"] != "$LATEST" || r["instanceMaxMemory"] != float64(256<<20) {
		t.Errorf("initStart %v", r)
	}
	if r := find(t, evs, "platform.initReport", "").Record; r["status"] != "success" || r["initializationType"] != "on-demand" {
		t.Errorf("initReport %v", r)
	}
	if r := find(t, evs, "platform.extension", "").Record; r["name"] != "fn-telemetry" || r["state"] != "Ready" || fmt.Sprint(r["events"]) != "[]" {
		t.Errorf("extension %v", r)
	}
	if d := metric(t, find(t, evs, "platform.initReport", ""), "durationMs"); d != ms(inv1.InitDuration) {
		t.Errorf("initReport durationMs %v, want %v", d, ms(inv1.InitDuration))
	}
	if r := find(t, evs, "platform.start", inv1.RequestID).Record; r["version"] != "$LATEST" ||
		r["tracing"].(map[string]any)["value"] != inv1.TraceID {
		t.Errorf("start %v", r)
	}
	done := find(t, evs, "platform.runtimeDone", inv1.RequestID)
	if done.Record["status"] != "success" || metric(t, done, "producedBytes") != float64(len(inv1.Response)) ||
		metric(t, done, "durationMs") < 60 || metric(t, done, "durationMs") > ms(inv1.Completed.Sub(inv1.HandedOut)) {
		t.Errorf("runtimeDone %v", done.Record)
	}
	for _, inv := range []*lambdatest.Invocation{inv1, inv2} {
		r := find(t, evs, "platform.report", inv.RequestID)
		d := inv.Completed.Sub(inv.HandedOut)
		billed := d
		if inv.ColdStart {
			billed += inv.InitDuration
		}
		if got := metric(t, r, "durationMs"); r.Record["status"] != "success" || got != ms(d) {
			t.Errorf("report %v: want success, durationMs %v", r.Record, ms(d))
		}
		if got, want := metric(t, r, "billedDurationMs"), math.Ceil(float64(billed)/1e6); got != want {
			t.Errorf("billedDurationMs %v, want %v", got, want)
		}
		if used := metric(t, r, "maxMemoryUsedMB"); metric(t, r, "memorySizeMB") != 256 || used < 1 || used > 256 {
			t.Errorf("memory %v", r.Record["metrics"])
		}
		_, hasInit := r.Record["metrics"].(map[string]any)["initDurationMs"]
		if hasInit != inv.ColdStart || inv.ColdStart && metric(t, r, "initDurationMs") != ms(inv.InitDuration) {
			t.Errorf("cold start %v, report metrics %v", inv.ColdStart, r.Record["metrics"])
		}
	}
}

// TestTelemetryTimeout: the runtimeDone and report of an invocation that
// times out (status timeout) are sent before the reset, so the runtime,
// which gets SIGTERM, receives them; the next invocation starts a new
// process, which subscribes anew and gets the events of its own
// environment only.
func TestTelemetryTimeout(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	file := filepath.Join(t.TempDir(), "telemetry")
	e := start(t, lambdatest.WithTimeout(time.Second), lambdatest.WithEnv("FN_TELEMETRY", file),
		lambdatest.WithEnv("FN_WATCH_SIGTERM", "1"))
	inv := invoke(t, ctx, e, `{"action":"sleep","sleepMs":3000}`)
	if !inv.TimedOut || inv.Reset == nil || inv.Reset.SIGTERMSent.IsZero() {
		t.Fatalf("invocation: %+v", inv)
	}
	next := invoke(t, ctx, e, `{"action":"echo"}`)
	requireFrozen(t, next)
	if !next.ColdStart {
		t.Fatal("the invocation after the timeout was not a cold start")
	}
	if _, err := e.Shutdown(ctx); err != nil { // delivers what the frozen process has not received
		t.Fatal(err)
	}
	evs, arrived := events(readBatches(t, file))
	ids := map[string]string{inv.RequestID: "timeout", next.RequestID: "next"}
	want := []string{"platform.initStart", "platform.telemetrySubscription", "platform.initRuntimeDone", "platform.extension", "platform.initReport",
		"platform.start/timeout", "platform.runtimeDone/timeout", "platform.report/timeout",
		"platform.initStart", "platform.telemetrySubscription", "platform.initRuntimeDone", "platform.extension", "platform.initReport",
		"platform.start/next", "platform.runtimeDone/next", "platform.report/next"}
	if got := sequence(evs, ids); !slices.Equal(got, want) {
		t.Fatalf("events\n %q\nwant\n %q", got, want)
	}
	for _, typ := range []string{"platform.runtimeDone", "platform.report"} {
		ev := find(t, evs, typ, inv.RequestID)
		if ev.Record["status"] != "timeout" || ev.Record["errorType"] != "Sandbox.Timedout" || metric(t, ev, "durationMs") < 1000 {
			t.Errorf("%s %v", typ, ev.Record)
		}
		at := arrived[slices.IndexFunc(evs, func(x platformEvent) bool { return x.Type == typ && x.Record["requestId"] == inv.RequestID })]
		if at.Before(inv.Deadline) || at.After(inv.Reset.Exited) {
			t.Errorf("%s arrived at %v, not between the deadline %v and the end of the reset %v", typ, at, inv.Deadline, inv.Reset.Exited)
		}
	}
	if got := metric(t, find(t, evs, "platform.report", inv.RequestID), "billedDurationMs"); got < 1000 {
		t.Errorf("billed %v ms for a 1 s timeout", got)
	}
}

// observer is an external extension played by the test process: it
// registers during INIT, subscribes to the Telemetry API with a listener
// of its own, and keeps calling /event/next.
type observer struct {
	mu      sync.Mutex
	batches [][]platformEvent
}

// observe registers the external extension "observer" while e's process
// is in INIT (its FN_INIT_SLEEP gives the time) and subscribes it.
func observe(t *testing.T, ctx context.Context, e *lambdatest.Emulator) *observer {
	t.Helper()
	o := &observer{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var evs []platformEvent
		if err := json.NewDecoder(r.Body).Decode(&evs); err != nil {
			t.Errorf("observer: %v", err)
		}
		o.mu.Lock()
		o.batches = append(o.batches, evs)
		o.mu.Unlock()
	}))
	t.Cleanup(srv.Close)
	base := "http://" + e.Addr()
	var id string
	for deadline := time.Now().Add(5 * time.Second); id == "" && time.Now().Before(deadline); {
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, base+"/2020-01-01/extension/register", strings.NewReader(`{"events":["SHUTDOWN"]}`))
		req.Header.Set("Lambda-Extension-Name", "observer")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_ = resp.Body.Close()
		id = resp.Header.Get("Lambda-Extension-Identifier")
		if id == "" {
			time.Sleep(10 * time.Millisecond) // no process yet
		}
	}
	if id == "" {
		t.Fatal("the observer could not register")
	}
	port := srv.Listener.Addr().(*net.TCPAddr).Port
	body := fmt.Sprintf(`{"schemaVersion":"2022-12-13","types":["platform"],"buffering":{"timeoutMs":25},`+
		`"destination":{"protocol":"HTTP","URI":"http://sandbox.localdomain:%d/"}}`, port)
	req, _ := http.NewRequestWithContext(ctx, http.MethodPut, base+"/2022-07-01/telemetry", strings.NewReader(body))
	req.Header.Set("Lambda-Extension-Identifier", id)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	msg, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("observer subscription: %d %s", resp.StatusCode, msg)
	}
	go func() {
		for range 10 {
			req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+"/2020-01-01/extension/event/next", nil)
			req.Header.Set("Lambda-Extension-Identifier", id)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				return
			}
			_ = resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				return
			}
		}
	}()
	return o
}

func (o *observer) events() []platformEvent {
	o.mu.Lock()
	defer o.mu.Unlock()
	var out []platformEvent
	for _, b := range o.batches {
		out = append(out, b...)
	}
	return out
}

// TestTelemetryOutOfMemory: a function that allocates past its memory size
// has its runtime process killed, as Lambda's memory limit does; the
// invocation is recorded as an out-of-memory crash, and Lambda's events
// for it, runtimeDone and report with status error and errorType
// Runtime.OutOfMemory and the whole memory size used, reach the
// subscriber that survived it (an external extension) before SHUTDOWN.
// The internal extension, which died with the runtime, gets none of them.
func TestTelemetryOutOfMemory(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	file := filepath.Join(t.TempDir(), "telemetry")
	e := start(t, lambdatest.WithExternalExtensions("observer"), lambdatest.WithEnv("FN_INIT_SLEEP", "300ms"),
		lambdatest.WithEnv("FN_TELEMETRY", file))
	p, err := e.Send(ctx, []byte(`{"action":"alloc","allocMB":400,"sleepMs":2000}`))
	if err != nil {
		t.Fatal(err)
	}
	o := observe(t, ctx, e)
	inv, err := p.Wait(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !inv.Crashed || !inv.OutOfMemory || !strings.Contains(inv.ExitState, "killed") || inv.Reset == nil {
		t.Fatalf("invocation: crashed %v, out of memory %v, %q, reset %+v", inv.Crashed, inv.OutOfMemory, inv.ExitState, inv.Reset)
	}
	evs := o.events()
	for _, typ := range []string{"platform.runtimeDone", "platform.report"} {
		ev := find(t, evs, typ, inv.RequestID)
		if ev.Record["status"] != "error" || ev.Record["errorType"] != "Runtime.OutOfMemory" {
			t.Errorf("%s %v", typ, ev.Record)
		}
	}
	report := find(t, evs, "platform.report", inv.RequestID)
	if metric(t, report, "maxMemoryUsedMB") != 128 || metric(t, report, "memorySizeMB") != 128 {
		t.Errorf("report metrics %v: want the whole 128 MB used", report.Record["metrics"])
	}
	own, _ := events(readBatches(t, file))
	for _, ev := range own {
		if ev.Type == "platform.runtimeDone" || ev.Type == "platform.report" {
			t.Errorf("the killed process received %s", ev.Type)
		}
	}
}

// TestTelemetryManagedInstances: on Lambda Managed Instances only the
// 2025-01-29 schema is accepted, the process is never frozen, there is no
// platform.runtimeDone, and a report gives the status and the duration
// only, as the Runtime Interface Emulator's managed instances mode does.
func TestTelemetryManagedInstances(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	file := filepath.Join(t.TempDir(), "telemetry")
	e := start(t, lambdatest.WithManagedInstances(2), lambdatest.WithEnv("FN_TELEMETRY", file),
		lambdatest.WithEnv("FN_TELEMETRY_SCHEMAS", "2022-12-13,2025-01-29"), lambdatest.WithEnv("FN_WATCH_SIGTERM", "1"))
	inv := invoke(t, ctx, e, `{"action":"echo"}`)
	failed := invoke(t, ctx, e, `{"action":"error","message":"no"}`)
	if _, err := e.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	out := e.Stdout()
	if !strings.Contains(out, "telemetry subscribe 2022-12-13: 400") || !strings.Contains(out, "telemetry subscribe 2025-01-29: 200") {
		t.Fatalf("subscriptions:\n%s", out)
	}
	evs, _ := events(readBatches(t, file))
	if r := find(t, evs, "platform.initStart", "").Record; r["initializationType"] != "lambda-managed-instances" {
		t.Errorf("initStart %v", r)
	}
	ids := map[string]string{inv.RequestID: "ok", failed.RequestID: "failed"}
	want := []string{"platform.initStart", "platform.telemetrySubscription", "platform.initRuntimeDone", "platform.extension", "platform.initReport",
		"platform.start/ok", "platform.report/ok", "platform.start/failed", "platform.report/failed"}
	if got := sequence(evs, ids); !slices.Equal(got, want) {
		t.Errorf("events\n %q\nwant\n %q", got, want)
	}
	for _, c := range []struct {
		inv               *lambdatest.Invocation
		status, errorType string
	}{{inv, "success", ""}, {failed, "error", "Runtime.Unknown"}} {
		r := find(t, evs, "platform.report", c.inv.RequestID)
		m := r.Record["metrics"].(map[string]any)
		if len(m) != 1 || metric(t, r, "durationMs") != ms(c.inv.Responded.Sub(c.inv.HandedOut)) {
			t.Errorf("report metrics %v: want durationMs only", m)
		}
		if got, _ := r.Record["errorType"].(string); r.Record["status"] != c.status || got != c.errorType {
			t.Errorf("report %v: want %s %q", r.Record, c.status, c.errorType)
		}
	}
}

// TestTelemetrySubscriptionClosedAfterInit: subscriptions are taken during
// INIT only; a registered extension that subscribes later gets 403
// Telemetry.SubscriptionClosed, and an unknown one 403 too.
func TestTelemetrySubscriptionClosedAfterInit(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	e := start(t, lambdatest.WithEnv("FN_TELEMETRY", filepath.Join(t.TempDir(), "telemetry")))
	requireFrozen(t, invoke(t, ctx, e, `{}`))
	var id string
	for _, x := range e.Extensions() {
		if x.Name == "fn-telemetry" {
			id = x.ID
		}
	}
	body := `{"schemaVersion":"2022-12-13","types":["platform"],"destination":{"protocol":"HTTP","URI":"http://sandbox.localdomain:9/"}}`
	for _, c := range []struct {
		id, errorType string
	}{{id, "Telemetry.SubscriptionClosed"}, {"bogus", "Extension.UnknownExtensionIdentifier"}, {"", "Extension.MissingHeader"}} {
		req, _ := http.NewRequestWithContext(ctx, http.MethodPut, "http://"+e.Addr()+"/2022-07-01/telemetry", strings.NewReader(body))
		if c.id != "" {
			req.Header.Set("Lambda-Extension-Identifier", c.id)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var reply struct{ ErrorType string }
		_ = json.NewDecoder(resp.Body).Decode(&reply)
		_ = resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden || reply.ErrorType != c.errorType {
			t.Errorf("id %q: %d %q, want 403 %q", c.id, resp.StatusCode, reply.ErrorType, c.errorType)
		}
	}
}
