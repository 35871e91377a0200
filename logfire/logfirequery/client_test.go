package logfirequery

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/logfire-go/sdk/internal/credentials"
)

// clearEnv unsets the variables New reads.
func clearEnv(t *testing.T) {
	t.Helper()
	for _, k := range []string{"LOGFIRE_READ_TOKEN", "LOGFIRE_BASE_URL"} {
		t.Setenv(k, "")
		os.Unsetenv(k)
	}
}

// newTestClient is a client of f.
func newTestClient(t *testing.T, f *fakeAPI) *Client {
	t.Helper()
	clearEnv(t)
	c, err := New(WithReadToken(testToken), WithBaseURL(f.srv.URL+"/"))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

var (
	minTS = time.Date(2026, 5, 27, 13, 16, 36, 517321000, time.FixedZone("CEST", 2*3600))
	maxTS = time.Date(2026, 5, 27, 15, 0, 0, 0, time.UTC)
)

// TestQueryJSON: the request is the one the Python SDK sends (body,
// headers, the raw token), and the rows come back with their columns,
// 64-bit integers whole, and decode into structs.
func TestQueryJSON(t *testing.T) {
	f := newFakeAPI(t)
	c := newTestClient(t, f)
	res, err := c.QueryJSON(context.Background(), Query{
		SQL:          "SELECT message, level FROM records",
		MinTimestamp: minTS,
		MaxTimestamp: maxTS,
		Limit:        500,
		Timezone:     "Europe/Paris",
		Environments: []string{"prod", ""},
	})
	if err != nil {
		t.Fatal(err)
	}

	reqs := f.received()
	if len(reqs) != 1 {
		t.Fatalf("%d requests, want 1", len(reqs))
	}
	r := reqs[0]
	wantBody := map[string]any{
		"sql":                    "SELECT message, level FROM records",
		"min_timestamp":          "2026-05-27T11:16:36.517321Z",
		"max_timestamp":          "2026-05-27T15:00:00Z",
		"limit":                  500.0,
		"timezone":               "Europe/Paris",
		"deployment_environment": []any{"prod", ""},
		"explain":                false,
		"include_schema":         true,
	}
	if r.method != "POST" || r.path != "/v2/query" || !reflect.DeepEqual(r.body, wantBody) {
		t.Errorf("request %s %s %v\nwant body %v", r.method, r.path, r.body, wantBody)
	}
	for h, want := range map[string]string{
		"Authorization": testToken, // raw, as the other Logfire SDKs send it
		"Accept":        "application/json",
		"Content-Type":  "application/json",
		"User-Agent":    userAgent,
	} {
		if got := r.header.Get(h); got != want {
			t.Errorf("header %s = %q, want %q", h, got, want)
		}
	}

	if len(res.Columns) != 4 || res.Columns[0].Name != "message" || string(res.Columns[2].DataType) != `"UInt64"` || !res.Columns[3].Nullable {
		t.Errorf("columns %+v", res.Columns)
	}
	if len(res.Rows) != 2 {
		t.Fatalf("%d rows, want 2", len(res.Rows))
	}
	if got := res.Rows[0]["span_id"]; got != json.Number("9007199254740993") {
		t.Errorf("span_id %#v: a 64-bit integer lost digits", got)
	}
	if got := res.Rows[0]["attributes"].(map[string]any)["order_id"]; got != json.Number("42") {
		t.Errorf("attributes.order_id %#v", got)
	}
	if res.Rows[1]["attributes"] != nil || res.Rows[1]["message"] != "stock low" {
		t.Errorf("row 2 %v", res.Rows[1])
	}

	var rows []struct {
		Message string `json:"message"`
		Level   int    `json:"level"`
		SpanID  uint64 `json:"span_id"`
	}
	if err := res.Decode(&rows); err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 || rows[0].Message != "payment failed" || rows[0].Level != 17 || rows[0].SpanID != 9007199254740993 || rows[1].Level != 13 {
		t.Errorf("decoded %+v", rows)
	}
	var wrong []struct {
		Level string `json:"level"`
	}
	if err := res.Decode(&wrong); err == nil || !strings.Contains(err.Error(), "do not decode into") {
		t.Errorf("decoding level into a string: %v", err)
	}
}

// TestQueryCSVAndArrow: each asks for its format and returns the body as
// it came; the CSV reads with encoding/csv.
func TestQueryCSVAndArrow(t *testing.T) {
	f := newFakeAPI(t)
	c := newTestClient(t, f)
	q := Query{SQL: "SELECT message, level FROM records", MinTimestamp: minTS}

	b, err := c.QueryCSV(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	records, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{{"message", "level"}, {"payment failed", "17"}, {"stock, low", "13"}}
	if !reflect.DeepEqual(records, want) {
		t.Errorf("CSV %q", records)
	}

	a, err := c.QueryArrow(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	if string(a) != fakeArrow {
		t.Errorf("Arrow %q", a)
	}

	reqs := f.received()
	if len(reqs) != 2 || reqs[0].header.Get("Accept") != "text/csv" || reqs[1].header.Get("Accept") != "application/vnd.apache.arrow.stream" {
		t.Fatalf("requests %+v", reqs)
	}
	if _, ok := reqs[0].body["max_timestamp"]; ok {
		t.Error("max_timestamp sent though not set")
	}
	for _, k := range []string{"limit", "timezone", "deployment_environment"} {
		if _, ok := reqs[1].body[k]; ok {
			t.Errorf("%s sent though not set", k)
		}
	}
}

// TestInfo: the project the token reads.
func TestInfo(t *testing.T) {
	f := newFakeAPI(t)
	c := newTestClient(t, f)
	info, err := c.Info(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if info != (TokenInfo{OrganizationName: "acme", ProjectName: "shop"}) {
		t.Errorf("info %+v", info)
	}
	if r := f.received(); len(r) != 1 || r[0].method != "GET" || r[0].path != "/v1/read-token-info" {
		t.Errorf("requests %+v", r)
	}
}

// TestErrorAnswers: every error status the API answers with is an
// *Error with the status, the server's message (a FastAPI detail, a list
// of invalid fields, plain text or a proxy's HTML on one line) and a hint;
// the token never appears, even when the server echoes it.
func TestErrorAnswers(t *testing.T) {
	cases := []struct {
		name        string
		status      int
		contentType string
		body        string
		header      map[string]string
		message     string
		hint        string
		retryAfter  time.Duration
	}{
		{"bad SQL", 400, "application/json", `{"detail":"Error during planning: table 'nope' not found"}`, nil,
			"Error during planning: table 'nope' not found", "fix the SQL", 0},
		{"refused token", 401, "application/json", `{"detail":"Invalid token ` + testToken + `"}`, nil,
			"Invalid token [REDACTED]", "the read token was refused", 0},
		{"forbidden", 403, "application/json", `{"detail":"Token does not have access to this project"}`, nil,
			"Token does not have access to this project", "belongs to the project", 0},
		{"not found", 404, "text/html", "<html>\n<body>404 page not found</body>\n</html>", nil,
			"<html> <body>404 page not found</body> </html>", "does not serve the query API", 0},
		{"invalid request", 422, "application/json", `{"detail":[{"type":"missing","loc":["body","min_timestamp"],"msg":"Field required"},{"loc":["body","limit"],"msg":"Input should be less than or equal to 10000"}]}`, nil,
			"body.min_timestamp: Field required; body.limit: Input should be less than or equal to 10000", "refused as invalid", 0},
		{"rate limited", 429, "application/json", `{"detail":"Rate limit exceeded"}`, map[string]string{"Retry-After": "7"},
			"Rate limit exceeded", "try again in 7s", 7 * time.Second},
		{"server error", 500, "text/plain", "Internal Server Error", nil,
			"Internal Server Error", "try again later", 0},
		{"bad gateway", 502, "text/plain", "", nil, "", "try again later", 0},
		{"unavailable", 503, "application/json", `{"message":"maintenance"}`, nil, "maintenance", "try again later", 0},
		{"long body", 500, "text/plain", strings.Repeat("é", 3000), nil, strings.Repeat("é", 1024) + "…", "try again later", 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeAPI(t)
			c := newTestClient(t, f)
			f.setFail(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", tc.contentType)
				for k, v := range tc.header {
					w.Header().Set(k, v)
				}
				w.WriteHeader(tc.status)
				_, _ = w.Write([]byte(tc.body))
			})
			_, err := c.QueryJSON(context.Background(), Query{SQL: "SELECT 1", MinTimestamp: minTS})
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error %v is not an *Error", err)
			}
			if e.StatusCode != tc.status || e.Message != tc.message || e.RetryAfter != tc.retryAfter || e.Method != "POST" || e.Path != "/v2/query" {
				t.Errorf("got %+v\nwant status %d message %q retry after %v", e, tc.status, tc.message, tc.retryAfter)
			}
			if !strings.Contains(err.Error(), tc.hint) || !strings.Contains(err.Error(), http.StatusText(tc.status)) {
				t.Errorf("error %q does not say %q", err, tc.hint)
			}
			if strings.Contains(err.Error(), testSecret) {
				t.Errorf("the error quotes the token: %v", err)
			}
			if n := len(f.received()); n != 1 {
				t.Errorf("%d requests, want 1 (no retries)", n)
			}
		})
	}
}

// TestTheFakeAPIsOwnChecks: the statuses the fake API answers by itself
// (a wrong token, no min_timestamp, bad SQL) reach the caller as
// *Errors, and Info shares the error path.
func TestTheFakeAPIsOwnChecks(t *testing.T) {
	f := newFakeAPI(t)
	c := newTestClient(t, f)
	_, err := c.QueryJSON(context.Background(), Query{SQL: "SELECT syntax error", MinTimestamp: minTS})
	var e *Error
	if !errors.As(err, &e) || e.StatusCode != 400 || !strings.Contains(e.Message, "table 'nope' not found") {
		t.Errorf("bad SQL: %v", err)
	}

	other, err := New(WithReadToken("pylf_v1_us_Another0Secret"), WithBaseURL(f.srv.URL))
	if err != nil {
		t.Fatal(err)
	}
	_, err = other.Info(context.Background())
	if !errors.As(err, &e) || e.StatusCode != 401 || e.Path != "/v1/read-token-info" || strings.Contains(err.Error(), "Another0Secret") {
		t.Errorf("wrong token: %v", err)
	}
}

// TestQueryChecks: a query the API would refuse is an error naming the
// field, and no request is sent.
func TestQueryChecks(t *testing.T) {
	f := newFakeAPI(t)
	c := newTestClient(t, f)
	cases := []struct {
		q    Query
		says []string
	}{
		{Query{}, []string{"Query.SQL is empty", "Query.MinTimestamp is not set"}},
		{Query{SQL: "SELECT 1", MinTimestamp: maxTS, MaxTimestamp: minTS}, []string{"Query.MaxTimestamp (2026-05-27T11:16:36.517321Z) is not after MinTimestamp (2026-05-27T15:00:00Z)"}},
		{Query{SQL: "SELECT 1", MinTimestamp: minTS, Limit: MaxLimit + 1}, []string{"Query.Limit is 10001: accepted values are 1 to 10000"}},
		{Query{SQL: "SELECT 1", MinTimestamp: minTS, Limit: -1}, []string{"Query.Limit is -1"}},
		{Query{SQL: "SELECT 1", MinTimestamp: minTS, Timezone: "Mars/Olympus"}, []string{`Query.Timezone "Mars/Olympus" is not a time zone`}},
	}
	for _, tc := range cases {
		_, err := c.QueryJSON(context.Background(), tc.q)
		for _, s := range tc.says {
			if err == nil || !strings.Contains(err.Error(), s) {
				t.Errorf("%+v: error %v does not say %q", tc.q, err, s)
			}
		}
	}
	if n := len(f.received()); n != 0 {
		t.Errorf("%d requests sent for invalid queries", n)
	}
}

// TestNew: the token and base URL come from the environment unless
// options say otherwise; the token's region gives the base URL; bad
// settings are errors naming the setting, without the token.
func TestNew(t *testing.T) {
	clearEnv(t)
	t.Setenv("LOGFIRE_READ_TOKEN", " pylf_v1_eu_Env0Secret\n")
	c, err := New()
	if err != nil || c.baseURL != credentials.BaseURLEU || c.token != "pylf_v1_eu_Env0Secret" {
		t.Fatalf("from the environment: %v %v", c, err)
	}
	t.Setenv("LOGFIRE_BASE_URL", "http://127.0.0.1:9/")
	if c, err = New(); err != nil || c.baseURL != "http://127.0.0.1:9" {
		t.Fatalf("LOGFIRE_BASE_URL: %v %v", c, err)
	}
	if c, err = New(WithBaseURL("http://127.0.0.1:10"), WithReadToken("legacy0token0Secret"), nil); err != nil || c.baseURL != "http://127.0.0.1:10" || c.token != "legacy0token0Secret" {
		t.Fatalf("options: %v %v", c, err)
	}

	cases := []struct {
		env  map[string]string
		opts []Option
		says string
	}{
		{nil, nil, "LOGFIRE_READ_TOKEN: no read token"},
		{map[string]string{"LOGFIRE_READ_TOKEN": "pylf_v1_mars_Mars0Secret"}, nil,
			`LOGFIRE_READ_TOKEN: the read token starting "pylf_v1_mars_" names the region "mars", which this SDK does not know (it knows eu, stagingeu, stagingus, us): set LOGFIRE_BASE_URL (or logfirequery.WithBaseURL)`},
		{nil, []Option{WithReadToken("Bearer pylf_v1_us_Bearer0Secret")}, "logfirequery.WithReadToken: the read token is not shaped like one"},
		{map[string]string{"LOGFIRE_READ_TOKEN": testToken, "LOGFIRE_BASE_URL": "ftp://127.0.0.1"}, nil, "LOGFIRE_BASE_URL: "},
		{map[string]string{"LOGFIRE_READ_TOKEN": testToken}, []Option{WithBaseURL("http://" + testToken + "@127.0.0.1")}, "logfirequery.WithBaseURL: "},
		{map[string]string{"LOGFIRE_BASE_URL": "http://127.0.0.1:9"}, []Option{WithReadToken("has space0Secret")}, "logfirequery.WithReadToken: the read token: token 1 of 1 holds a space"},
	}
	for _, tc := range cases {
		clearEnv(t)
		for k, v := range tc.env {
			t.Setenv(k, v)
		}
		_, err := New(tc.opts...)
		if err == nil || !strings.Contains(err.Error(), tc.says) {
			t.Errorf("%v %d options: error %v does not say %q", tc.env, len(tc.opts), err, tc.says)
		}
		if err != nil && strings.Contains(err.Error(), "0Secret") {
			t.Errorf("the error quotes the token: %v", err)
		}
	}
}

// TestAnswerBounds: an answer the client cannot read, one larger than
// the bound, and a server that does not answer before the context ends
// are errors, each said plainly.
func TestAnswerBounds(t *testing.T) {
	f := newFakeAPI(t)
	c := newTestClient(t, f)
	q := Query{SQL: "SELECT 1", MinTimestamp: minTS}

	f.setFail(func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte(`{"rows": []}`)) })
	if _, err := c.QueryJSON(context.Background(), q); err == nil || !strings.Contains(err.Error(), `no "schema" or no "data"`) {
		t.Errorf("not the API's shape: %v", err)
	}

	defer func(n int) { maxResponseBytes = n }(maxResponseBytes)
	maxResponseBytes = 1 << 20
	f.setFail(func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write(bytes.Repeat([]byte("a"), 1<<20+1)) })
	if _, err := c.QueryCSV(context.Background(), q); err == nil || !strings.Contains(err.Error(), "larger than 1 MiB") {
		t.Errorf("too large: %v", err)
	}

	// A server that holds the request: the call ends when its context
	// does, cancelled once the server has the request.
	started := make(chan struct{}, 1)
	f.setFail(func(w http.ResponseWriter, r *http.Request) {
		started <- struct{}{}
		<-r.Context().Done()
	})
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		<-started
		cancel()
	}()
	if _, err := c.QueryCSV(ctx, q); err == nil || !strings.Contains(err.Error(), "context canceled") {
		t.Errorf("a cancelled context: %v", err)
	}
}
