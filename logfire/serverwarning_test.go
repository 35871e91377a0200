package logfire

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
)

// TestServerWarningSaidOnce: the X-Logfire-Warning header of the backend's
// answers reaches the error handler once per distinct warning, with the
// token redacted, however many answers carry it.
func TestServerWarningSaidOnce(t *testing.T) {
	clearEnv(t)
	const token = "pylf_v1_us_Server0Warning0Secret"
	rcv := &testReceiver{}
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1)%2 == 1 {
			w.Header().Set("X-Logfire-Warning", "Project over its monthly span limit; token "+token+" is rate limited")
		} else {
			w.Header().Set("X-Logfire-Warning", "SDK version is deprecated")
		}
		rcv.handle(w, r)
	}))
	t.Cleanup(srv.Close)
	var warned handlerErrors
	lf, err := Configure(context.Background(), notDefault(), WithConsole(nil), WithToken(token), WithBaseURL(srv.URL),
		WithErrorHandler(warned.handle), WithDistributedTracing(true))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = lf.Shutdown(context.Background()) })
	for i := range 5 {
		lf.Info(context.Background(), "record {i}", "i", i)
		if err := lf.ForceFlush(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	if got := len(rcv.requests()); got < 5 {
		t.Fatalf("%d requests, want at least 5", got)
	}
	got := warned.all()
	if len(got) != 2 {
		t.Fatalf("%d lines, want 2 (one per distinct warning): %q", len(got), got)
	}
	want := []string{
		"Logfire (" + srv.URL + ") warns: Project over its monthly span limit; token [REDACTED] is rate limited",
		"Logfire (" + srv.URL + ") warns: SDK version is deprecated",
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("line %d:\n got %q\nwant %q", i, got[i], want[i])
		}
	}
	for _, l := range got {
		if strings.Contains(l, "Server0Warning0Secret") {
			t.Errorf("the token reached the handler: %q", l)
		}
	}
}
