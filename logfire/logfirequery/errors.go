package logfirequery

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/logfire-go/sdk/internal/redact"
)

// Error is an answer of the query API other than 200: its status, the
// server's message and what to do about it.
type Error struct {
	// Method and Path are the request's, such as POST /v2/query.
	Method, Path string
	// StatusCode is the HTTP status, such as 400 for a query that failed
	// (bad SQL), 401 for a token that was refused or 429 when rate
	// limited.
	StatusCode int
	// Message is what the server said: its "detail" (the message of a
	// failed query, or each invalid field of the request) or the body
	// as text, at most 2 KiB of it, with anything shaped like a token
	// redacted.
	Message string
	// RetryAfter is how long the server asked to wait before trying again
	// (its Retry-After header), or 0.
	RetryAfter time.Duration
}

// Error returns the request, the status, the server's message and a hint.
func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "logfirequery: %s %s: %d %s", e.Method, e.Path, e.StatusCode, http.StatusText(e.StatusCode))
	if e.Message != "" {
		b.WriteString(": ")
		b.WriteString(e.Message)
	}
	if h := e.hint(); h != "" {
		b.WriteString(" (")
		b.WriteString(h)
		b.WriteString(")")
	}
	return b.String()
}

// hint says what a status usually means and what to do.
func (e *Error) hint() string {
	switch s := e.StatusCode; {
	case s == http.StatusBadRequest:
		return "the query failed: fix the SQL"
	case s == http.StatusUnauthorized:
		return "the read token was refused: use a read token (not a write token or an API key) that is not revoked, and the base URL of its region"
	case s == http.StatusForbidden:
		return "the read token may not do this: check that it belongs to the project you mean"
	case s == http.StatusNotFound:
		return "the base URL does not serve the query API: check LOGFIRE_BASE_URL or the token's region"
	case s == http.StatusUnprocessableEntity:
		return "the request was refused as invalid"
	case s == http.StatusTooManyRequests:
		if e.RetryAfter > 0 {
			return "rate limited: try again in " + e.RetryAfter.String()
		}
		return "rate limited: try again later"
	case s >= 500:
		return "Logfire could not answer: try again later"
	}
	return ""
}

// maxMessageBytes bounds Error.Message.
const maxMessageBytes = 2 << 10

// newError reads the *Error of resp, whose status is not 200.
func newError(method, path string, resp *http.Response, tokens *redact.Tokens) *Error {
	e := &Error{Method: method, Path: path, StatusCode: resp.StatusCode}
	if s := resp.Header.Get("Retry-After"); s != "" {
		if n, err := strconv.Atoi(strings.TrimSpace(s)); err == nil && n > 0 {
			e.RetryAfter = time.Duration(min(n, 24*3600)) * time.Second
		} else if t, err := http.ParseTime(s); err == nil {
			e.RetryAfter = max(time.Until(t), 0).Round(time.Second)
		}
	}
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	e.Message = tokens.String(truncate(serverMessage(raw), maxMessageBytes))
	return e
}

// serverMessage is the message in body: FastAPI's {"detail": "..."} or
// {"detail": [{"loc": [...], "msg": "..."}, ...]}, a "message" or "error"
// string, or else the body as text on one line.
func serverMessage(body []byte) string {
	var obj map[string]json.RawMessage
	if json.Unmarshal(body, &obj) == nil {
		for _, key := range []string{"detail", "message", "error"} {
			if m := jsonMessage(obj[key]); m != "" {
				return m
			}
		}
	}
	return strings.Join(strings.Fields(string(body)), " ")
}

// jsonMessage is the text of raw: a string as it is; a list of FastAPI's
// validation errors as "where: what; …"; anything else as JSON.
func jsonMessage(raw json.RawMessage) string {
	if len(raw) == 0 || string(raw) == "null" {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var items []struct {
		Loc []any  `json:"loc"`
		Msg string `json:"msg"`
	}
	if json.Unmarshal(raw, &items) == nil && len(items) > 0 {
		parts := make([]string, 0, len(items))
		for _, it := range items {
			where := make([]string, 0, len(it.Loc))
			for _, l := range it.Loc {
				where = append(where, fmt.Sprint(l))
			}
			if len(where) > 0 {
				parts = append(parts, strings.Join(where, ".")+": "+it.Msg)
			} else {
				parts = append(parts, it.Msg)
			}
		}
		return strings.Join(parts, "; ")
	}
	return string(raw)
}

// truncate cuts s to at most n bytes, at a rune boundary, marking the cut.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	i := n
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return s[:i] + "…"
}
