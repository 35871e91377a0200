package collector

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"sync"
	"testing"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/durationpb"
)

// Reject returns an error that makes the receiver answer a request with
// the HTTP status httpStatus. The statuses the receiver can produce are
// 400, 401, 403, 404, 429, 500 and 503; Reject panics on any other. For 429
// and 503 a positive retryAfter becomes a Retry-After header (whole
// seconds, as the receiver writes it) and an OTLP RetryInfo detail.
func Reject(httpStatus int, retryAfter time.Duration) error {
	var c codes.Code
	switch httpStatus {
	case http.StatusBadRequest:
		c = codes.InvalidArgument
	case http.StatusUnauthorized:
		c = codes.Unauthenticated
	case http.StatusForbidden:
		c = codes.PermissionDenied
	case http.StatusNotFound:
		c = codes.Unimplemented
	case http.StatusTooManyRequests:
		c = codes.ResourceExhausted
	case http.StatusInternalServerError:
		c = codes.Internal
	case http.StatusServiceUnavailable:
		c = codes.Unavailable
	default:
		panic(fmt.Sprintf("collector.Reject: the OTLP receiver cannot answer with HTTP status %d", httpStatus))
	}
	st := status.New(c, "rejected by the e2e collector with HTTP "+strconv.Itoa(httpStatus))
	if retryAfter > 0 {
		withInfo, err := st.WithDetails(&errdetails.RetryInfo{RetryDelay: durationpb.New(retryAfter)})
		if err != nil {
			panic(fmt.Sprintf("collector.Reject: %v", err))
		}
		st = withInfo
	}
	return st.Err()
}

// StartHanging starts a TCP listener on 127.0.0.1 that accepts connections,
// reads whatever the client sends and never answers. It returns its base
// URL, "http://127.0.0.1:PORT", for exporters that should time out. The
// listener and every connection it accepted are closed when t's test ends.
func StartHanging(t testing.TB) (endpoint string) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("collector: hanging listener: %v", err)
	}
	var (
		mu     sync.Mutex
		conns  []net.Conn
		closed bool
		wg     sync.WaitGroup
	)
	wg.Go(func() {
		for {
			conn, err := l.Accept()
			if err != nil {
				return // the listener was closed
			}
			mu.Lock()
			if closed {
				mu.Unlock()
				conn.Close()
				return
			}
			conns = append(conns, conn)
			mu.Unlock()
			// Drain the request so the client finishes sending and waits
			// for an answer that never comes.
			wg.Go(func() { _, _ = io.Copy(io.Discard, conn) })
		}
	})
	t.Cleanup(func() {
		l.Close()
		mu.Lock()
		closed = true
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
		done := make(chan struct{})
		go func() { wg.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Errorf("collector: hanging listener goroutines did not stop within 5s")
		}
	})
	return "http://" + l.Addr().String()
}

// RefusedEndpoint returns a base URL, "http://127.0.0.1:PORT", on which
// nothing listens, so connecting is refused. The port was bound and
// released a moment ago; the kernel hands out ephemeral ports in turn, so
// it is very unlikely to be reused during a test, though not guaranteed.
func RefusedEndpoint(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("collector: finding a free port: %v", err)
	}
	addr := l.Addr().String()
	if err := l.Close(); err != nil && !errors.Is(err, net.ErrClosed) {
		t.Fatalf("collector: releasing port: %v", err)
	}
	return "http://" + addr
}
