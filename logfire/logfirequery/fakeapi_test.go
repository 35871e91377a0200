package logfirequery

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// testToken is the read token of the tests; its secret part must never
// appear in an error.
const (
	testToken  = "pylf_v1_us_Read0Token0Secret0abc"
	testSecret = "Read0Token0Secret"
)

// fakeAPI is a local Logfire query API, on 127.0.0.1: POST /v2/query and
// GET /v1/read-token-info as Logfire documents them. It answers 401 to
// any token but testToken, 422 to a body without min_timestamp (with
// FastAPI's validation error), 400 to SQL containing "syntax error", and
// otherwise the rows of records in the format the Accept header asks
// for. A test can replace the answer with fail.
type fakeAPI struct {
	srv *httptest.Server

	mu       sync.Mutex
	requests []fakeRequest
	fail     http.HandlerFunc // if set, answers every request instead
}

// fakeRequest is what the server received.
type fakeRequest struct {
	method, path string
	header       http.Header
	body         map[string]any
}

// fakeRecords are the rows the fake API serves.
var fakeRecords = []map[string]any{
	{"message": "payment failed", "level": 17, "span_id": json.Number("9007199254740993"), "attributes": map[string]any{"order_id": 42}},
	{"message": "stock low", "level": 13, "span_id": json.Number("7"), "attributes": nil},
}

// fakeCSV and fakeArrow are what the fake API answers to those formats.
const (
	fakeCSV   = "message,level\npayment failed,17\n\"stock, low\",13\n"
	fakeArrow = "\xff\xff\xff\xff arrow ipc stream bytes"
)

func newFakeAPI(t *testing.T) *fakeAPI {
	t.Helper()
	f := &fakeAPI{}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeAPI) received() []fakeRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]fakeRequest(nil), f.requests...)
}

func (f *fakeAPI) setFail(h http.HandlerFunc) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.fail = h
}

func (f *fakeAPI) serve(w http.ResponseWriter, r *http.Request) {
	raw, _ := io.ReadAll(r.Body)
	req := fakeRequest{method: r.Method, path: r.URL.Path, header: r.Header.Clone()}
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &req.body); err != nil {
			http.Error(w, `{"detail":"body is not JSON"}`, http.StatusBadRequest)
			return
		}
	}
	f.mu.Lock()
	f.requests = append(f.requests, req)
	fail := f.fail
	f.mu.Unlock()
	if fail != nil {
		fail(w, r)
		return
	}
	if r.Header.Get("Authorization") != testToken {
		writeJSON(w, http.StatusUnauthorized, map[string]any{"detail": "Invalid token"})
		return
	}
	switch {
	case r.Method == http.MethodGet && r.URL.Path == "/v1/read-token-info":
		writeJSON(w, http.StatusOK, map[string]any{"organization_name": "acme", "project_name": "shop", "token_id": "t1"})
	case r.Method == http.MethodPost && r.URL.Path == "/v2/query":
		f.query(w, r, req.body)
	default:
		writeJSON(w, http.StatusNotFound, map[string]any{"detail": "Not Found"})
	}
}

func (f *fakeAPI) query(w http.ResponseWriter, r *http.Request, body map[string]any) {
	if _, ok := body["min_timestamp"]; !ok {
		writeJSON(w, http.StatusUnprocessableEntity, map[string]any{"detail": []any{
			map[string]any{"type": "missing", "loc": []any{"body", "min_timestamp"}, "msg": "Field required"},
		}})
		return
	}
	if sql, _ := body["sql"].(string); strings.Contains(sql, "syntax error") {
		writeJSON(w, http.StatusBadRequest, map[string]any{"detail": "Error during planning: table 'nope' not found"})
		return
	}
	switch r.Header.Get("Accept") {
	case "text/csv":
		w.Header().Set("Content-Type", "text/csv")
		_, _ = io.WriteString(w, fakeCSV)
	case "application/vnd.apache.arrow.stream":
		w.Header().Set("Content-Type", "application/vnd.apache.arrow.stream")
		_, _ = io.WriteString(w, fakeArrow)
	default:
		writeJSON(w, http.StatusOK, map[string]any{
			"schema": map[string]any{"fields": []any{
				map[string]any{"name": "message", "data_type": "Utf8", "nullable": false},
				map[string]any{"name": "level", "data_type": "UInt16", "nullable": false},
				map[string]any{"name": "span_id", "data_type": "UInt64", "nullable": false},
				map[string]any{"name": "attributes", "data_type": "Utf8", "nullable": true},
			}},
			"data": fakeRecords,
		})
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
