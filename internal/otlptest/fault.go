package otlptest

import (
	"fmt"
	"net/http"
	"time"
)

type faultKind uint8

const (
	kindOK faultKind = iota
	kindRefuse
	kindStatus
	kindHang
	kindReset
	kindTruncated
	kindSlow
	kindPartial
)

// Fault is how the receiver treats a request; see the package doc for what
// each one does on the wire and what it records. The zero Fault is [OK].
// Faults are values: they can be compared with == (two [StatusBody] faults
// are equal only if they are the same value).
type Fault struct {
	kind       faultKind
	code       int
	retryAfter time.Duration
	body       *bodyFunc
	delay      time.Duration
	rejected   int64
}

// bodyFunc is behind a pointer so that Fault stays comparable.
type bodyFunc struct{ fn func(*http.Request) string }

var (
	// OK accepts the request: 200 with an empty Export*ServiceResponse.
	OK = Fault{}
	// Refuse refuses connections. Set for every signal, it closes the
	// listener and every open connection; the next setting that is not
	// Refuse for some signal listens again on the same port. Set for one
	// signal only, or returned by the Decide hook, it resets the request's
	// connection (TCP RST) before answering.
	Refuse = Fault{kind: kindRefuse}
	// Hang reads the whole request and never answers; the connection is
	// reset when the client goes away, the listener is taken down, or the
	// test ends.
	Hang = Fault{kind: kindHang}
	// ResetMidBody reads only the first few bytes of the body and resets
	// the connection (TCP RST, SO_LINGER 0).
	ResetMidBody = Fault{kind: kindReset}
	// Truncated200 reads the request, answers "200 OK" with a Content-Length
	// larger than the bytes that follow and closes the connection: the
	// client gets an unexpected EOF reading the body.
	Truncated200 = Fault{kind: kindTruncated}
)

// Status answers code with a short text/plain body and, when retryAfter > 0,
// a Retry-After header in whole seconds (rounded up). code must be 300..599;
// Status panics otherwise (use [OK] or [PartialSuccess] for success).
func Status(code int, retryAfter time.Duration) Fault {
	return StatusBody(code, retryAfter, nil)
}

// StatusBody is [Status] with the body computed from the request, e.g. to echo
// its Authorization header in a test that checks that errors never show a
// token. A nil body gives Status's default text.
func StatusBody(code int, retryAfter time.Duration, body func(r *http.Request) string) Fault {
	if code < 300 || code > 599 {
		panic(fmt.Sprintf("otlptest: Status(%d): the code must be 300..599", code))
	}
	f := Fault{kind: kindStatus, code: code, retryAfter: retryAfter}
	if body != nil {
		f.body = &bodyFunc{body}
	}
	return f
}

// Slow waits d after reading the request, then accepts it like [OK]. If the
// client goes away first (or the listener is taken down, or the test ends),
// the connection is reset and nothing is recorded.
func Slow(d time.Duration) Fault { return Fault{kind: kindSlow, delay: d} }

// PartialSuccess accepts the request with 200 and a partial_success whose
// rejected_spans, rejected_log_records or rejected_data_points is rejected
// (and an error_message). Every record of the request is still recorded;
// [Receiver.Rejected] adds up the rejected counts.
func PartialSuccess(rejected int64) Fault { return Fault{kind: kindPartial, rejected: rejected} }

// String names the fault as it was built, e.g. "Status(503, 2s)".
func (f Fault) String() string {
	switch f.kind {
	case kindOK:
		return "OK"
	case kindRefuse:
		return "Refuse"
	case kindStatus:
		if f.body != nil {
			return fmt.Sprintf("StatusBody(%d, %v)", f.code, f.retryAfter)
		}
		return fmt.Sprintf("Status(%d, %v)", f.code, f.retryAfter)
	case kindHang:
		return "Hang"
	case kindReset:
		return "ResetMidBody"
	case kindTruncated:
		return "Truncated200"
	case kindSlow:
		return fmt.Sprintf("Slow(%v)", f.delay)
	case kindPartial:
		return fmt.Sprintf("PartialSuccess(%d)", f.rejected)
	}
	return "Fault(?)"
}
