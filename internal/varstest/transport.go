package varstest

import (
	"errors"
	"io"
	"net/http"
	"sync"
)

// Transport returns a RoundTripper that serves each request with h in a
// goroutine of its own, without a network, streaming the body as h writes
// it: for a client under testing/synctest, whose bubble cannot wait on
// real connections. A handler that panics with http.ErrAbortHandler ends
// the body with io.ErrUnexpectedEOF, as a dropped connection does.
func Transport(h http.Handler) http.RoundTripper { return transport{h} }

type transport struct{ h http.Handler }

func (t transport) RoundTrip(req *http.Request) (*http.Response, error) {
	pr, pw := io.Pipe()
	w := &pipeWriter{header: http.Header{}, body: pw, ready: make(chan struct{})}
	go func() {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					w.writeHeader(http.StatusOK)
					pw.CloseWithError(io.ErrUnexpectedEOF)
					return
				}
				panic(v)
			}
			w.writeHeader(http.StatusOK)
			pw.Close()
		}()
		t.h.ServeHTTP(w, req)
	}()
	select {
	case <-w.ready:
	case <-req.Context().Done():
		pr.CloseWithError(req.Context().Err())
		return nil, req.Context().Err()
	}
	if w.status == http.StatusNotModified {
		pr.Close()
	}
	return &http.Response{
		Status:     http.StatusText(w.status),
		StatusCode: w.status,
		Proto:      "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header:  w.sent,
		Body:    cancelBody{pr, req},
		Request: req,
	}, nil
}

// cancelBody ends the body when the request's context ends, as a client
// connection does.
type cancelBody struct {
	*io.PipeReader
	req *http.Request
}

func (b cancelBody) Read(p []byte) (int, error) {
	if err := b.req.Context().Err(); err != nil {
		return 0, err
	}
	return b.PipeReader.Read(p)
}

type pipeWriter struct {
	header http.Header
	sent   http.Header
	body   *io.PipeWriter
	status int
	once   sync.Once
	ready  chan struct{}
}

func (w *pipeWriter) Header() http.Header { return w.header }

func (w *pipeWriter) WriteHeader(status int) { w.writeHeader(status) }

func (w *pipeWriter) writeHeader(status int) {
	w.once.Do(func() {
		w.status = status
		w.sent = w.header.Clone()
		close(w.ready)
	})
}

func (w *pipeWriter) Write(p []byte) (int, error) {
	w.writeHeader(http.StatusOK)
	n, err := w.body.Write(p)
	if errors.Is(err, io.ErrClosedPipe) {
		return n, http.ErrHandlerTimeout
	}
	return n, err
}

// Flush implements http.Flusher: the pipe delivers every write at once.
func (w *pipeWriter) Flush() { w.writeHeader(http.StatusOK) }
