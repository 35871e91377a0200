package logfirequery

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"
)

// MaxLimit is the most rows one query may ask for (Query.Limit); the
// query API's own bound.
const MaxLimit = 10000

// maxResponseBytes bounds the answer read into memory: far more than
// MaxLimit rows of ordinary records, and an error, not a crash, past it.
var maxResponseBytes = 512 << 20 // a variable so that a test can lower it

// Query is one SQL query and its bounds. SQL and MinTimestamp are
// required.
type Query struct {
	// SQL is the SELECT to run, over the records and metrics tables (see
	// Logfire's SQL reference).
	SQL string
	// MinTimestamp is the earliest start_timestamp (records) or
	// recorded_timestamp (metrics) read. It is required: the query API
	// asks for it, and it keeps a query from scanning a project's whole
	// history.
	MinTimestamp time.Time
	// MaxTimestamp, if not zero, is the latest timestamp read.
	MaxTimestamp time.Time
	// Limit is the most rows returned, from 1 to MaxLimit; it wins over a
	// LIMIT in SQL. 0 means the API's default, 100 rows.
	Limit int
	// Timezone, if set, is the IANA time zone the query runs in, such as
	// "Europe/Paris".
	Timezone string
	// Environments, if not empty, keeps the rows of these deployment
	// environments (deployment.environment.name) only; "" matches the
	// rows that have none.
	Environments []string
}

// body is the JSON body of POST /v2/query, as the Python SDK sends it.
type body struct {
	SQL          string   `json:"sql"`
	MinTimestamp string   `json:"min_timestamp"`
	MaxTimestamp string   `json:"max_timestamp,omitempty"`
	Limit        int      `json:"limit,omitempty"`
	Timezone     string   `json:"timezone,omitempty"`
	Environments []string `json:"deployment_environment,omitempty"`
	Explain      bool     `json:"explain"`
	Schema       bool     `json:"include_schema"`
}

// timestampLayout is ISO 8601 with microseconds, the precision of
// Logfire's timestamps.
const timestampLayout = "2006-01-02T15:04:05.999999Z07:00"

// request checks q and makes its body. The errors name the field and say
// what is accepted.
func (q Query) request() ([]byte, error) {
	var errs []error
	bad := func(field, format string, args ...any) {
		errs = append(errs, fmt.Errorf("logfirequery: Query.%s %s", field, fmt.Sprintf(format, args...)))
	}
	if q.SQL == "" {
		bad("SQL", "is empty: set it to a SELECT over records or metrics")
	}
	if q.MinTimestamp.IsZero() {
		bad("MinTimestamp", "is not set: the query API requires a lower time bound, such as time.Now().Add(-24*time.Hour)")
	}
	if !q.MaxTimestamp.IsZero() && !q.MaxTimestamp.After(q.MinTimestamp) {
		bad("MaxTimestamp", "(%s) is not after MinTimestamp (%s)", q.MaxTimestamp.UTC().Format(timestampLayout), q.MinTimestamp.UTC().Format(timestampLayout))
	}
	if q.Limit < 0 || q.Limit > MaxLimit {
		bad("Limit", "is %d: accepted values are 1 to %d, or 0 for the API's default (100)", q.Limit, MaxLimit)
	}
	if q.Timezone != "" {
		if _, err := time.LoadLocation(q.Timezone); err != nil {
			bad("Timezone", "%q is not a time zone: accepted values are IANA names such as Europe/Paris or UTC", q.Timezone)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	b := body{
		SQL:          q.SQL,
		MinTimestamp: q.MinTimestamp.UTC().Format(timestampLayout),
		Limit:        q.Limit,
		Timezone:     q.Timezone,
		Environments: q.Environments,
		Schema:       true,
	}
	if !q.MaxTimestamp.IsZero() {
		b.MaxTimestamp = q.MaxTimestamp.UTC().Format(timestampLayout)
	}
	return json.Marshal(b)
}

// Result is the answer of QueryJSON: the columns and the rows.
type Result struct {
	// Columns describe the columns, in the order of the SELECT.
	Columns []Column
	// Rows map each column's name to its value: a string, a bool, a
	// json.Number (so that 64-bit integers keep every digit), nil, or,
	// for a JSON column such as attributes, a map[string]any or []any.
	Rows []map[string]any

	data json.RawMessage // the rows as received, for Decode
}

// Column describes one column of a Result.
type Column struct {
	// Name is the column's name.
	Name string `json:"name"`
	// DataType is the column's Apache Arrow type as the API writes it,
	// such as "Utf8" or {"Timestamp":["Microsecond","UTC"]}.
	DataType json.RawMessage `json:"data_type"`
	// Nullable says whether a value may be null.
	Nullable bool `json:"nullable"`
}

// Decode stores the rows in v, a pointer to a slice of structs (or of
// maps), as json.Unmarshal does: a struct's fields take the columns of
// their JSON names.
func (r *Result) Decode(v any) error {
	if r == nil || r.data == nil {
		return errors.New("logfirequery: Decode of a Result that QueryJSON did not return")
	}
	if err := json.Unmarshal(r.data, v); err != nil {
		return fmt.Errorf("logfirequery: the rows do not decode into %T: %w", v, err)
	}
	return nil
}

// QueryJSON runs q and returns its rows.
func (c *Client) QueryJSON(ctx context.Context, q Query) (*Result, error) {
	raw, err := c.query(ctx, q, "application/json")
	if err != nil {
		return nil, err
	}
	var answer struct {
		Schema *struct {
			Fields []Column `json:"fields"`
		} `json:"schema"`
		Data json.RawMessage `json:"data"`
	}
	if err := decodeJSON(raw, &answer); err != nil {
		return nil, c.unexpected(queryPath, err)
	}
	if answer.Schema == nil || answer.Data == nil {
		return nil, c.unexpected(queryPath, errors.New(`the answer has no "schema" or no "data"`))
	}
	res := &Result{Columns: answer.Schema.Fields, data: answer.Data}
	if err := decodeJSON(answer.Data, &res.Rows); err != nil {
		return nil, c.unexpected(queryPath, fmt.Errorf(`"data" is not a list of rows: %w`, err))
	}
	return res, nil
}

// QueryCSV runs q and returns its rows as CSV, with a header line of the
// column names; encoding/csv reads it. JSON columns such as attributes
// are JSON text.
func (c *Client) QueryCSV(ctx context.Context, q Query) ([]byte, error) {
	return c.query(ctx, q, "text/csv")
}

// QueryArrow runs q and returns its rows as an Apache Arrow IPC stream,
// the format Arrow's readers take (in Go, ipc.NewReader of
// github.com/apache/arrow-go): the columns keep their types, and large
// results are smaller and faster to read than JSON. This package reads
// no Arrow itself, so that programs that do not use Arrow do not carry
// its code.
func (c *Client) QueryArrow(ctx context.Context, q Query) ([]byte, error) {
	return c.query(ctx, q, "application/vnd.apache.arrow.stream")
}

const queryPath = "/v2/query"

// query sends q to /v2/query asking for accept, and returns the answer.
func (c *Client) query(ctx context.Context, q Query, accept string) ([]byte, error) {
	if c == nil || c.http == nil {
		return nil, errors.New("logfirequery: the Client is nil or was not made by New")
	}
	b, err := q.request()
	if err != nil {
		return nil, err
	}
	return c.do(ctx, http.MethodPost, queryPath, accept, b)
}

// do sends one request and returns the body of a 200 answer, or the
// *Error of any other.
func (c *Client) do(ctx context.Context, method, path, accept string, payload []byte) ([]byte, error) {
	if ctx == nil {
		ctx = context.Background()
	}
	var rd io.Reader
	if payload != nil {
		rd = bytes.NewReader(payload)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.baseURL+path, rd)
	if err != nil {
		return nil, fmt.Errorf("logfirequery: %s %s: %w", method, path, err)
	}
	req.Header.Set("Authorization", c.token)
	req.Header.Set("User-Agent", userAgent)
	req.Header.Set("Accept", accept)
	if payload != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("logfirequery: %s %s: %s", method, path, c.tokens.String(err.Error()))
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, newError(method, path, resp, c.tokens)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, int64(maxResponseBytes)+1))
	if err != nil {
		return nil, fmt.Errorf("logfirequery: %s %s: reading the answer: %s", method, path, c.tokens.String(err.Error()))
	}
	if len(data) > maxResponseBytes {
		return nil, fmt.Errorf("logfirequery: %s %s: the answer is larger than %d MiB: ask for less (a smaller Limit, fewer columns or a shorter time range)", method, path, maxResponseBytes>>20)
	}
	return data, nil
}

// decodeJSON decodes data into v with numbers kept as json.Number.
func decodeJSON(data []byte, v any) error {
	d := json.NewDecoder(bytes.NewReader(data))
	d.UseNumber()
	return d.Decode(v)
}

// unexpected is the error of a 200 answer this package cannot read.
func (c *Client) unexpected(path string, err error) error {
	return fmt.Errorf("logfirequery: %s answered 200 with a body this client cannot read (is %s a Logfire API?): %s", path, c.baseURL, c.tokens.String(err.Error()))
}
