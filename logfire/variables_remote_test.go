package logfire

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/logfire-go/sdk/internal/instance"
	"github.com/logfire-go/sdk/internal/testhook"
	"github.com/logfire-go/sdk/internal/varstest"
)

const testAPIKey = varstest.Key

// modelConfig is a configuration whose variable "model" has one label,
// production, at version, with value.
func modelConfig(version int, value string) string { return varstest.Single("model", version, value) }

// remoteInstance configures an instance that reads variables from url with
// testAPIKey, its errors going to seen.
func remoteInstance(t *testing.T, url string, seen *handlerErrors, opts ...Option) *Logfire {
	t.Helper()
	lf, _ := newTestInstance(t, append([]Option{WithAPIKey(testAPIKey), WithBaseURL(url), WithErrorHandler(seen.handle)}, opts...)...)
	if lf.vars == nil || lf.vars.remote == nil {
		t.Fatal("no remote variables")
	}
	return lf
}

// onDemandInstance serves model at version 1 ("gpt-4o-mini") from a fake
// API on 127.0.0.1 to an instance that fetches on demand, as on Lambda,
// whenever it reads (the interval is 1 ns).
func onDemandInstance(t *testing.T) (*varstest.Running, *Logfire, *handlerErrors) {
	t.Helper()
	clearEnv(t)
	t.Setenv("AWS_LAMBDA_FUNCTION_NAME", "fn")
	srv := varstest.Start(t, testAPIKey)
	srv.Set(modelConfig(1, "gpt-4o-mini"))
	seen := &handlerErrors{}
	lf := remoteInstance(t, srv.URL, seen, hooked(func(h *testhook.Settings) { h.VariablesInterval = time.Nanosecond }))
	return srv, lf, seen
}

// checkNoKey fails if the API key appears in any of texts.
func checkNoKey(t *testing.T, texts ...string) {
	t.Helper()
	for _, s := range texts {
		if strings.Contains(s, testAPIKey) || strings.Contains(s, testAPIKey[len("pylf_v2_us_"):]) {
			t.Errorf("the API key is in %q", s)
		}
	}
}

// TestRemoteOverLoopback runs the remote source against the fake API on
// 127.0.0.1 as it runs on AWS Lambda (no goroutines; every Get whose last
// fetch is older than the interval fetches first, here always), so that
// each step is one request: values, ETag and 304, a new version, the
// failures the API answers with (each reported once, the last values
// served meanwhile), an answer that never comes, and a configuration that
// is not valid.
func TestRemoteOverLoopback(t *testing.T) {
	srv, lf, seen := onDemandInstance(t)
	model := Var(lf, "model", "default-model")
	ctx := context.Background()
	get := func(want string, wantVersion int) {
		t.Helper()
		r, err := model.Get(ctx)
		if err != nil || r.Value != want || r.Version != wantVersion {
			t.Fatalf("Get = %+v, %v; want %q at version %d", r, err, want, wantVersion)
		}
	}
	lastError := func() string {
		t.Helper()
		errs := seen.all()
		if len(errs) == 0 {
			t.Fatal("nothing reported")
		}
		return errs[len(errs)-1]
	}

	get("gpt-4o-mini", 1)
	st := srv.Stats()
	if st.Gets != 1 || st.IfNoneMatch[0] != "" || st.Authorizations[0] != "bearer "+testAPIKey {
		t.Fatalf("first fetch: %+v", st)
	}

	// Unchanged: a conditional GET, answered 304, keeps the values.
	get("gpt-4o-mini", 1)
	if st := srv.Stats(); st.Gets != 2 || st.NotModified != 1 || st.IfNoneMatch[1] != srv.ETag() {
		t.Fatalf("second fetch: %+v (ETag %s)", st, srv.ETag())
	}

	// A new version.
	srv.Set(modelConfig(2, "gpt-4o"))
	get("gpt-4o", 2)

	// Failures: the last values are served; each kind is reported once.
	srv.Fail(varstest.Variables, 2, http.StatusServiceUnavailable, `{"detail": "upstream down"}`)
	get("gpt-4o", 2)
	get("gpt-4o", 2)
	if errs := seen.all(); len(errs) != 1 {
		t.Fatalf("two 503s reported %d times: %q", len(errs), errs)
	}
	want := "logfire: managed variables: fetching " + srv.URL + "/v1/variables/ failed: 503 Service Unavailable: upstream down (the next fetch retries); serving the values fetched at "
	if got := lastError(); !strings.HasPrefix(got, want) || !strings.HasSuffix(got, " until a fetch succeeds") {
		t.Errorf("reported %q\nwant     %s…", got, want)
	}
	for i, tc := range []struct {
		status int
		body   string
		want   string
	}{
		{429, `{"detail": "Too many requests"}`, "429 Too Many Requests: Too many requests (the next fetch retries)"},
		{500, "Internal Server Error\ntraceback...", "500 Internal Server Error: Internal Server Error (the next fetch retries)"},
		{401, `{"detail": "Invalid API key"}`, "401 Unauthorized: Invalid API key (check LOGFIRE_API_KEY: an API key of the project with the project:read_variables scope)"},
		{403, `{"detail": [{"msg": "missing scope project:read_variables"}]}`, `403 Forbidden: [{"msg":"missing scope project:read_variables"}] (check LOGFIRE_API_KEY`},
		{404, `{"message": "no such project"}`, "404 Not Found: no such project (check LOGFIRE_BASE_URL, or the region the API key names)"},
	} {
		srv.Fail(varstest.Variables, 1, tc.status, tc.body)
		get("gpt-4o", 2)
		if errs := seen.all(); len(errs) != i+2 || !strings.Contains(errs[i+1], tc.want) {
			t.Errorf("%d: reported %q, want a new line containing %q", tc.status, errs[len(errs)-1], tc.want)
		}
	}

	// Back: reported again at the next failure of a kind seen before.
	get("gpt-4o", 2)
	srv.Fail(varstest.Variables, 1, http.StatusServiceUnavailable, `{"detail": "down again"}`)
	get("gpt-4o", 2)
	if got := lastError(); !strings.Contains(got, "down again") {
		t.Errorf("after a success, a 503 reported %q", got)
	}

	// An answer that never comes: Get waits a quarter of what is left of
	// ctx (it is on Lambda), then serves the last values.
	srv.Hang(varstest.Variables)
	hctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	start := time.Now()
	r, err := model.Get(hctx)
	took := time.Since(start)
	cancel()
	if err != nil || r.Value != "gpt-4o" {
		t.Errorf("Get while the API hangs = %+v, %v", r, err)
	}
	if took > 1500*time.Millisecond {
		t.Errorf("Get while the API hangs took %v, more than its bound", took)
	}
	if got := lastError(); !strings.Contains(got, "context deadline exceeded") {
		t.Errorf("a hang reported %q", got)
	}
	srv.Heal(varstest.Variables)

	// A configuration that is not valid: the last one stays, and so does
	// its ETag.
	etag := srv.ETag()
	srv.Set(`{"variables": {"model": {"name": "other"}}}`)
	get("gpt-4o", 2)
	if got := lastError(); !strings.Contains(got, `the configuration the API answered is not valid: variable "model": its "name" is "other"`) {
		t.Errorf("a bad configuration reported %q", got)
	}
	srv.Set(modelConfig(3, "o3"))
	get("o3", 3)
	if st := srv.Stats(); st.IfNoneMatch[len(st.IfNoneMatch)-1] != etag {
		t.Errorf("after a bad configuration, If-None-Match %q, want the last good ETag %s", st.IfNoneMatch[len(st.IfNoneMatch)-1], etag)
	}

	// A server that stops sending ETags: no If-None-Match after.
	srv.OmitETag(true)
	get("o3", 3)
	get("o3", 3)
	if st := srv.Stats(); st.IfNoneMatch[len(st.IfNoneMatch)-1] != "" {
		t.Errorf("If-None-Match %q after an answer without an ETag", st.IfNoneMatch[len(st.IfNoneMatch)-1])
	}

	checkNoKey(t, seen.all()...)
}

// TestRemoteFirstFetchFails: before any fetch succeeds, Get serves the
// default (missing_config), and the report says so; the key is never in
// it, even when the server echoes it.
func TestRemoteFirstFetchFails(t *testing.T) {
	clearEnv(t)
	t.Setenv("AWS_LAMBDA_FUNCTION_NAME", "fn")
	srv := varstest.Start(t, testAPIKey)
	srv.Fail(varstest.Variables, 1, http.StatusUnauthorized, fmt.Sprintf(`{"detail": "key %s is not valid"}`, testAPIKey))
	seen := &handlerErrors{}
	lf := remoteInstance(t, srv.URL, seen)
	r, err := Var(lf, "model", "default-model").Get(context.Background())
	if err != nil || r.Value != "default-model" || r.Reason != "missing_config" {
		t.Errorf("Get = %+v, %v", r, err)
	}
	errs := seen.all()
	if len(errs) != 1 || !strings.Contains(errs[0], "401 Unauthorized: key [REDACTED] is not valid") || !strings.HasSuffix(errs[0], "serving the code defaults until a fetch succeeds") {
		t.Errorf("reported %q", errs)
	}
	checkNoKey(t, errs...)
}

// TestRemoteStreamOverLoopback runs the remote source as in a
// long-running process, against the fake API on 127.0.0.1: the first Get
// waits for the first fetch; an update announced on the event stream is
// fetched at once (and again after the follow-up delay); a stream that is
// dropped, or ended, or refused, is reconnected, and every reconnection
// fetches, for the updates missed while it was down; Shutdown ends it all.
func TestRemoteStreamOverLoopback(t *testing.T) {
	clearEnv(t)
	srv := varstest.Start(t, testAPIKey)
	srv.Set(modelConfig(1, "gpt-4o-mini"))
	seen := &handlerErrors{}
	lf := remoteInstance(t, srv.URL, seen)
	p := lf.vars.remote
	p.minBackoff = 5 * time.Millisecond
	p.followUp = 20 * time.Millisecond
	fetches := make(chan struct{}, 100)
	p.fetched = func() { fetches <- struct{}{} }
	model := Var(lf, "model", "default-model")

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	// awaitValue waits for fetches until Get serves want.
	awaitValue := func(want string) {
		t.Helper()
		for {
			if r, _ := model.Get(ctx); r.Value == want {
				return
			}
			select {
			case <-fetches:
			case <-ctx.Done():
				t.Fatalf("Get never served %q; stats %+v", want, srv.Stats())
			}
		}
	}
	await := func(what string, cond func(varstest.Stats) bool) {
		t.Helper()
		if err := srv.Await(ctx, cond); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}

	if r, _ := model.Get(ctx); r.Value != "gpt-4o-mini" || srv.Stats().Gets != 1 {
		t.Fatalf("first Get = %+v, after %d fetches", r, srv.Stats().Gets)
	}
	await("the stream opens", func(s varstest.Stats) bool { return s.OpenStreams == 1 && s.Connects == 1 })

	// An update: fetched at once, then once more after the follow-up
	// (answered 304).
	srv.Set(modelConfig(2, "gpt-4o"))
	awaitValue("gpt-4o")
	await("the follow-up fetch", func(s varstest.Stats) bool { return s.Gets == 3 && s.NotModified == 1 })

	// A dropped stream, then an ended one: reconnected, and each
	// reconnection fetches (and follows up).
	srv.Drop()
	await("reconnected after a drop, and fetched", func(s varstest.Stats) bool { return s.Connects == 2 && s.OpenStreams == 1 && s.Gets >= 4 })
	srv.End()
	await("reconnected after an end, and fetched", func(s varstest.Stats) bool { return s.Connects == 3 && s.OpenStreams == 1 && s.Gets >= 6 })

	// A refused stream is retried until it is accepted.
	srv.Fail(varstest.Updates, 2, http.StatusServiceUnavailable, `{"detail": "busy"}`)
	srv.Drop()
	await("reconnected after two refusals", func(s varstest.Stats) bool { return s.Connects == 6 && s.OpenStreams == 1 && s.Gets >= 8 })
	srv.Set(modelConfig(3, "o3"))
	awaitValue("o3")

	if err := lf.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	await("the stream is closed at shutdown", func(s varstest.Stats) bool { return s.OpenStreams == 0 })
	if errs := seen.all(); len(errs) != 0 {
		t.Errorf("reported %q", errs)
	}
	for _, a := range srv.Stats().Authorizations {
		if a != "bearer "+testAPIKey {
			t.Errorf("Authorization %q", a)
		}
	}
}

// TestBeforeInvocation: the Lambda integration's hook refreshes a stale
// configuration before the handler runs, and from then on Get leaves the
// refreshes to it; in a program that declares no variable, or without an
// API key, it does nothing.
func TestBeforeInvocation(t *testing.T) {
	srv, lf, seen := onDemandInstance(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()

	declared := declaredVariables.Swap(0)
	instance.BeforeInvocation(ctx, lf)
	if n := srv.Stats().Gets; n != 0 {
		t.Errorf("with no variable declared, the hook fetched %d times", n)
	}
	declaredVariables.Store(declared)

	model := Var(lf, "model", "default-model")
	for i := range 3 {
		instance.BeforeInvocation(ctx, lf)
		if n := srv.Stats().Gets; n != i+1 {
			t.Fatalf("invocation %d: %d fetches before the handler, want %d", i, n, i+1)
		}
		if r, _ := model.Get(ctx); r.Value != "gpt-4o-mini" {
			t.Errorf("Get = %+v", r)
		}
		if n := srv.Stats().Gets; n != i+1 {
			t.Errorf("invocation %d: Get fetched too", i)
		}
	}
	instance.BeforeInvocation(ctx, nil) // the default instance: none here
	plain, _ := newTestInstance(t)
	instance.BeforeInvocation(ctx, plain)
	if err := lf.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	instance.BeforeInvocation(ctx, lf) // after Shutdown: nothing
	if n := srv.Stats().Gets; n != 3 {
		t.Errorf("%d fetches, want 3", n)
	}
	if errs := seen.all(); len(errs) != 0 {
		t.Errorf("reported %q", errs)
	}
}

// TestRemoteServerWarning: an X-Logfire-Warning answered with the
// variables is said once, as the warnings answered to exports are.
func TestRemoteServerWarning(t *testing.T) {
	srv, lf, seen := onDemandInstance(t)
	srv.Warn("this project is over its variables quota")
	model := Var(lf, "model", "default-model")
	for range 3 {
		if r, _ := model.Get(context.Background()); r.Value != "gpt-4o-mini" {
			t.Fatalf("Get = %+v", r)
		}
	}
	want := "Logfire (" + srv.URL + ") warns: this project is over its variables quota"
	if errs := seen.all(); len(errs) != 1 || errs[0] != want {
		t.Errorf("reported %q, want once %q", errs, want)
	}
}

// lookAhead is a configuration whose override has a pattern Go cannot
// compile.
const lookAhead = `{"variables": {"model": {"name": "model",
  "labels": {"production": {"version": 1, "serialized_value": "\"a\""}, "beta": {"version": 2, "serialized_value": "\"b\""}},
  "rollout": {"labels": {"production": 1}},
  "overrides": [{"conditions": [{"kind": "value-matches-regex", "attribute": "email", "pattern": "^(?!admin)"}], "rollout": {"labels": {"beta": 1}}}]}}}`

// TestPatternGoCannotCompile: a pattern RE2 cannot compile makes its
// override never apply, and is reported once: at Configure for a local
// configuration, at the first fetch of one from the API.
func TestPatternGoCannotCompile(t *testing.T) {
	want := `logfire: managed variables: variable "model": the pattern of a "value-matches-regex" condition on "email": error parsing regexp: invalid or unsupported Perl syntax: ` + "`(?!`" + `; the override never applies`
	clearEnv(t)
	local := &handlerErrors{}
	lf, _ := newTestInstance(t, WithLocalVariables([]byte(lookAhead)), WithErrorHandler(local.handle))
	if r, _ := Var(lf, "model", "").Get(context.Background(), "email", "someone@example.com"); r.Label != "production" {
		t.Errorf("local: %+v", r)
	}
	if errs := local.all(); len(errs) != 1 || errs[0] != want {
		t.Errorf("local: reported %q\nwant %q", errs, want)
	}

	srv, lf, seen := onDemandInstance(t)
	srv.Set(lookAhead)
	srv.OmitETag(true) // every fetch a 200 with the whole configuration
	model := Var(lf, "model", "")
	for range 3 {
		if r, _ := model.Get(context.Background(), "email", "someone@example.com"); r.Label != "production" {
			t.Errorf("remote: %+v", r)
		}
	}
	if errs := seen.all(); len(errs) != 1 || errs[0] != want {
		t.Errorf("remote: reported %q\nwant %q", errs, want)
	}
}
