package delivery

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
	"unicode/utf8"

	"google.golang.org/protobuf/encoding/protowire"
)

// result is what one attempt to send a request came to.
type result int

const (
	sent      result = iota // 2xx, read whole
	retryable               // 408, 429, 5xx, a network error, a truncated answer
	tooLarge                // 413: split and send again
	refused                 // any other status: the backend will not take it
)

// attempt describes one try.
type attempt struct {
	result     result
	retryAfter time.Duration // from a Retry-After header; 0 if none
	// rejected counts the records a 2xx answer says the backend did not
	// take (a partial success), with its message in cause.
	rejected int64
	cause    string // what went wrong, in words
	// down says the backend is plainly unreachable (refused, or no answer
	// in time), not just failing this request.
	down bool
	// unknown says the request may have reached the backend, which may
	// have kept its records: no answer came (in time, or whole).
	unknown bool
}

// maxErrorBody is how much of an error answer is read, and maxQuotedBody
// how much of it is quoted in a message.
const (
	maxErrorBody   = 64 << 10
	maxQuotedBody  = 200
	maxAnswerBody  = 4 << 20 // a 2xx answer (an OTLP response message)
	maxRetryAfter  = 10 * time.Minute
	initialBackoff = 100 * time.Millisecond
	maxBackoff     = 5 * time.Second
)

// partialSuccess reads the partial success of an OTLP answer (every
// signal's Export*ServiceResponse has it as field 1, with the rejected
// count as field 1 and a message as field 2): the records the backend did
// not take, and why. An answer that is not one reads as none.
func partialSuccess(body []byte) (rejected int64, msg string) {
	for len(body) > 0 {
		num, typ, n := protowire.ConsumeTag(body)
		if n < 0 {
			return 0, ""
		}
		body = body[n:]
		if num == 1 && typ == protowire.BytesType {
			ps, m := protowire.ConsumeBytes(body)
			if m < 0 {
				return 0, ""
			}
			rejected, msg = readPartialSuccess(ps)
			body = body[m:]
			continue
		}
		if m := protowire.ConsumeFieldValue(num, typ, body); m >= 0 {
			body = body[m:]
			continue
		}
		return 0, ""
	}
	return rejected, msg
}

func readPartialSuccess(b []byte) (rejected int64, msg string) {
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return 0, ""
		}
		b = b[n:]
		switch {
		case num == 1 && typ == protowire.VarintType:
			v, m := protowire.ConsumeVarint(b)
			if m < 0 {
				return 0, ""
			}
			rejected, b = int64(v), b[m:]
		case num == 2 && typ == protowire.BytesType:
			v, m := protowire.ConsumeBytes(b)
			if m < 0 {
				return 0, ""
			}
			msg, b = strings.ToValidUTF8(string(v), "\uFFFD"), b[m:]
		default:
			m := protowire.ConsumeFieldValue(num, typ, b)
			if m < 0 {
				return 0, ""
			}
			b = b[m:]
		}
	}
	return rejected, msg
}

// classify reads resp (which it closes) or err into an attempt. where
// names the request in messages ("http://host/v1/traces").
func classify(resp *http.Response, err error, where string) attempt {
	if err != nil {
		return attempt{result: retryable, cause: fmt.Sprintf("sending to %s: %s", where, networkCause(err)), down: unreachable(err), unknown: !notSent(err)}
	}
	defer resp.Body.Close()
	code := resp.StatusCode
	if code >= 200 && code < 300 {
		body, rerr := io.ReadAll(io.LimitReader(resp.Body, maxAnswerBody))
		if rerr != nil && resp.Request != nil && resp.Request.Context().Err() != nil {
			// The backend said 2xx, and our own deadline cut the rest of
			// its answer (a partial success at most): it has the records,
			// and sending them again would deliver them twice.
			return attempt{result: sent}
		}
		if rerr != nil {
			// The backend's answer broke off: whether it kept the data is
			// unknown, and an OTLP receiver that failed to answer in full
			// is treated as having failed.
			return attempt{result: retryable, cause: fmt.Sprintf("reading the answer of %s: %s", where, networkCause(rerr)), unknown: true}
		}
		rejected, msg := partialSuccess(body)
		return attempt{result: sent, rejected: rejected, cause: msg}
	}
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "application/x-protobuf") {
		// An OTLP/HTTP error answer is a google.rpc.Status: its message,
		// not its bytes, says what went wrong.
		msg = []byte(statusMessage(msg))
	}
	a := attempt{cause: fmt.Sprintf("%s answered HTTP %s%s", where, statusText(resp), quoteBody(msg))}
	switch {
	case code == http.StatusRequestTimeout, code == http.StatusTooManyRequests, code >= 500:
		a.result = retryable
		a.retryAfter = retryAfter(resp.Header.Get("Retry-After"), time.Now())
		if a.retryAfter > 0 {
			a.cause += fmt.Sprintf(" (Retry-After %v)", a.retryAfter.Round(time.Second))
		}
	case code == http.StatusRequestEntityTooLarge:
		a.result = tooLarge
	default:
		a.result = refused
	}
	return a
}

// statusMessage returns the message (field 2) of an encoded
// google.rpc.Status, or "" if body is not one. Read with protowire, as
// the exporters write: the generated statuspb type would link the
// protobuf runtime into every program, for an error message.
func statusMessage(body []byte) string {
	msg := ""
	for len(body) > 0 {
		num, typ, n := protowire.ConsumeTag(body)
		if n < 0 {
			return ""
		}
		body = body[n:]
		if num == 2 && typ == protowire.BytesType {
			v, m := protowire.ConsumeBytes(body)
			if m < 0 {
				return ""
			}
			msg, body = string(v), body[m:]
			continue
		}
		m := protowire.ConsumeFieldValue(num, typ, body)
		if m < 0 {
			return ""
		}
		body = body[m:]
	}
	return msg
}

func statusText(resp *http.Response) string {
	if t := http.StatusText(resp.StatusCode); t != "" {
		return strconv.Itoa(resp.StatusCode) + " " + t
	}
	return strconv.Itoa(resp.StatusCode)
}

// quoteBody quotes the start of an error answer, as valid UTF-8 on one
// line.
func quoteBody(b []byte) string {
	s := strings.TrimSpace(strings.ToValidUTF8(string(b), "\uFFFD"))
	if s == "" {
		return ""
	}
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > maxQuotedBody {
		cut := maxQuotedBody
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	return ": " + s
}

// networkCause describes a transport error without the request's method
// and URL, which the caller says once.
func networkCause(err error) string {
	var u *url.Error
	if errors.As(err, &u) {
		err = u.Err
	}
	return err.Error()
}

// errNoAnswer is the error of an attempt whose context ended first.
var errNoAnswer = errors.New("no answer before the export's deadline")

// unreachable reports whether err says the backend cannot be reached at
// all: the connection was refused, or no answer came in time.
func unreachable(err error) bool {
	return errors.Is(err, errNoAnswer) || errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, os.ErrDeadlineExceeded)
}

// notSent reports whether err says the request cannot have reached the
// backend: the connection was refused, or never made.
func notSent(err error) bool {
	if errors.Is(err, syscall.ECONNREFUSED) {
		return true
	}
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial"
}

// retryAfter parses a Retry-After value, whole seconds or an HTTP date, at
// now. It returns 0 for none or nonsense, and caps the wait.
func retryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	var d time.Duration
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		if n <= 0 {
			return 0
		}
		if n > int64(maxRetryAfter/time.Second) {
			return maxRetryAfter
		}
		d = time.Duration(n) * time.Second
	} else if t, err := http.ParseTime(v); err == nil {
		d = t.Sub(now)
	}
	return min(max(d, 0), maxRetryAfter)
}
