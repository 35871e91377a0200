package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// TestRun runs the example against a local stand-in for Logfire's query
// API that answers as Logfire does, and checks what it prints and what
// it asked.
func TestRun(t *testing.T) {
	const token = "pylf_v1_eu_Example0Read0Token"
	var bodies []map[string]any
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/v2/query" || r.Header.Get("Authorization") != token {
			http.Error(w, `{"detail":"Invalid token"}`, http.StatusUnauthorized)
			return
		}
		var body map[string]any
		raw, _ := io.ReadAll(r.Body)
		if err := json.Unmarshal(raw, &body); err != nil {
			http.Error(w, `{"detail":"not JSON"}`, http.StatusUnprocessableEntity)
			return
		}
		bodies = append(bodies, body)
		if r.Header.Get("Accept") == "text/csv" {
			_, _ = io.WriteString(w, "service_name,errors\ncheckout,2\n")
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"schema":{"fields":[{"name":"start_timestamp","data_type":{"Timestamp":["Microsecond","UTC"]},"nullable":false},{"name":"service_name","data_type":"Utf8","nullable":false},{"name":"message","data_type":"Utf8","nullable":false}]},
			"data":[{"start_timestamp":"2026-05-27T13:16:36.517321Z","service_name":"checkout","message":"payment for order 42 failed: card declined"},
			        {"start_timestamp":"2026-05-27T13:10:02.000001Z","service_name":"checkout","message":"stock service timed out"}]}`)
	}))
	defer srv.Close()
	t.Setenv("LOGFIRE_READ_TOKEN", token)
	t.Setenv("LOGFIRE_BASE_URL", srv.URL)

	var out bytes.Buffer
	now := time.Date(2026, 5, 27, 14, 0, 0, 0, time.UTC)
	if err := run(context.Background(), &out, now); err != nil {
		t.Fatal(err)
	}
	want := `2 errors in the last hour
2026-05-27T13:16:36.517321Z  checkout   payment for order 42 failed: card declined
2026-05-27T13:10:02.000001Z  checkout   stock service timed out
service_name,errors
checkout,2
`
	if out.String() != want {
		t.Errorf("printed\n%s\nwant\n%s", out.String(), want)
	}
	if len(bodies) != 2 {
		t.Fatalf("%d queries, want 2", len(bodies))
	}
	for _, b := range bodies {
		if b["min_timestamp"] != "2026-05-27T13:00:00Z" || !strings.Contains(b["sql"].(string), "level >= 'error'") {
			t.Errorf("query %v", b)
		}
	}
	if bodies[0]["limit"] != 20.0 {
		t.Errorf("limit %v", bodies[0]["limit"])
	}
}
