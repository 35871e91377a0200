package otlptest

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"strconv"
	"time"

	"google.golang.org/protobuf/proto"
)

const (
	// resetAfterBytes is how much of the body ResetMidBody reads.
	resetAfterBytes = 8
	// truncatedMissing is how many bytes Truncated200 announces and does not
	// send.
	truncatedMissing = 16
	protobufType     = "application/x-protobuf"
)

func (r *Receiver) handle(g *generation, w http.ResponseWriter, req *http.Request) {
	r.wg.Add(1) // the connection's count is held, so this Add is safe
	defer r.wg.Done()
	r.mu.Lock()
	r.inflight++
	r.broadcast()
	r.mu.Unlock()
	defer func() {
		r.mu.Lock()
		r.inflight--
		r.broadcast()
		r.mu.Unlock()
	}()

	sig, ok := signalOf(req.URL.Path)
	if !ok {
		http.NotFound(w, req)
		return
	}
	if req.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "otlptest: only POST", http.StatusMethodNotAllowed)
		return
	}

	r.mu.Lock()
	r.requests[sig]++
	n := r.requests[sig]
	r.headers = append(r.headers, req.Header.Clone())
	fault := r.faults[sig]
	r.broadcast()
	r.mu.Unlock()

	switch fault.kind {
	case kindRefuse:
		reset(w)
		return
	case kindReset:
		_, _ = io.ReadFull(req.Body, make([]byte, resetAfterBytes))
		reset(w)
		return
	}

	body, code, err := r.readBody(w, req)
	if err != nil {
		http.Error(w, "otlptest: "+err.Error(), code)
		return
	}
	b, err := decode(sig, body, n)
	if err != nil {
		http.Error(w, "otlptest: decoding "+sig.String()+": "+err.Error(), http.StatusBadRequest)
		return
	}
	if fault == OK && r.cfg.decide != nil {
		fault = r.cfg.decide(Request{Signal: sig, N: n, Header: req.Header.Clone(), Items: len(b.keys), Size: len(body)})
	}

	switch fault.kind {
	case kindRefuse, kindReset:
		reset(w)
	case kindStatus:
		writeStatus(w, req, fault)
	case kindHang:
		r.hold(g, req, nil)
		reset(w)
	case kindTruncated:
		truncate(w, sig)
	case kindSlow:
		t := time.NewTimer(fault.delay)
		defer t.Stop()
		if !r.hold(g, req, t.C) {
			reset(w)
			return
		}
		r.accept(g, w, sig, b, 0)
	default: // OK, PartialSuccess
		r.accept(g, w, sig, b, fault.rejected)
	}
}

// readBody reads and decompresses the body; on failure it returns the status
// to answer.
func (r *Receiver) readBody(w http.ResponseWriter, req *http.Request) ([]byte, int, error) {
	if ct := req.Header.Get("Content-Type"); ct != "" {
		if mt, _, _ := mime.ParseMediaType(ct); mt != protobufType {
			return nil, http.StatusUnsupportedMediaType, fmt.Errorf("Content-Type %q, want %s", ct, protobufType)
		}
	}
	limit := r.cfg.maxBody
	raw, err := io.ReadAll(http.MaxBytesReader(w, req.Body, max(limit, defaultMaxBody)))
	if err != nil {
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			return nil, http.StatusRequestEntityTooLarge, err
		}
		return nil, http.StatusBadRequest, err
	}
	var rd io.Reader = bytes.NewReader(raw)
	switch enc := req.Header.Get("Content-Encoding"); enc {
	case "", "identity":
	case "gzip":
		zr, err := gzip.NewReader(rd)
		if err != nil {
			return nil, http.StatusBadRequest, fmt.Errorf("gzip: %w", err)
		}
		rd = zr
	default:
		return nil, http.StatusUnsupportedMediaType, fmt.Errorf("Content-Encoding %q", enc)
	}
	body, err := io.ReadAll(io.LimitReader(rd, limit+1))
	if err != nil {
		return nil, http.StatusBadRequest, fmt.Errorf("gzip: %w", err)
	}
	if int64(len(body)) > limit {
		return nil, http.StatusRequestEntityTooLarge, fmt.Errorf("body over %d bytes", limit)
	}
	return body, 0, nil
}

// hold waits for until; it returns false if the client goes away, the
// generation goes down or the receiver closes first. A nil until never
// comes.
func (r *Receiver) hold(g *generation, req *http.Request, until <-chan time.Time) bool {
	select {
	case <-until:
		return true
	case <-req.Context().Done():
	case <-g.downCh:
	case <-r.done:
	}
	return false
}

// accept records b and answers 200. Recording and answering happen under
// the generation's read lock, so that Refuse, which takes the write lock
// before closing the connections, never cuts off a 200 that was recorded.
func (r *Receiver) accept(g *generation, w http.ResponseWriter, sig Signal, b batch, rejected int64) {
	g.mu.RLock()
	defer g.mu.RUnlock()
	r.mu.Lock()
	if g.down || r.closed {
		r.mu.Unlock()
		reset(w)
		return
	}
	r.spans = append(r.spans, b.spans...)
	r.logs = append(r.logs, b.logs...)
	r.points = append(r.points, b.points...)
	for _, k := range b.keys {
		if r.seen[sig][k] {
			r.dups[sig]++
		}
		r.seen[sig][k] = true
	}
	r.rejected[sig] += max(rejected, 0)
	r.broadcast()
	r.mu.Unlock()

	out, _ := proto.Marshal(response(sig, rejected))
	w.Header().Set("Content-Type", protobufType)
	w.Header().Set("Content-Length", strconv.Itoa(len(out)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(out)
	_ = http.NewResponseController(w).Flush()
}

func writeStatus(w http.ResponseWriter, req *http.Request, f Fault) {
	if f.retryAfter > 0 {
		secs := (f.retryAfter + time.Second - 1) / time.Second
		w.Header().Set("Retry-After", strconv.FormatInt(int64(secs), 10))
	}
	body := fmt.Sprintf("otlptest: %d %s\n", f.code, http.StatusText(f.code))
	if f.body != nil {
		body = f.body.fn(req)
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(f.code)
	_, _ = io.WriteString(w, body)
}

// hijack takes the connection over from the server; if it cannot, the
// handler is aborted, which closes the connection without an answer.
func hijack(w http.ResponseWriter) (net.Conn, *bufio.ReadWriter) {
	conn, buf, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	return conn, buf
}

// reset closes the connection with a TCP RST, without an answer.
func reset(w http.ResponseWriter) {
	conn, _ := hijack(w)
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	_ = conn.Close()
}

// truncate answers 200 with a Content-Length truncatedMissing bytes larger
// than the body written, and closes the connection.
func truncate(w http.ResponseWriter, sig Signal) {
	out, _ := proto.Marshal(response(sig, 0))
	conn, buf := hijack(w)
	_, _ = fmt.Fprintf(buf, "HTTP/1.1 200 OK\r\nContent-Type: %s\r\nContent-Length: %d\r\n\r\n", protobufType, len(out)+truncatedMissing)
	_, _ = buf.Write(out)
	_ = buf.Flush()
	_ = conn.Close()
}
