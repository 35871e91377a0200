// Package varstest is a fake of the Logfire API's managed-variables
// endpoints, for the SDK's tests: GET /v1/variables/ answers the
// configuration it holds with an ETag, and 304 to an If-None-Match that
// matches it; GET /v1/variable-updates/ is a server-sent event stream
// that announces every change. A test can make it fail in the ways the
// real API fails (401, 403, 404, 429, 5xx with a JSON body, an answer that
// never comes, a stream that ends or is dropped) and count what it was
// asked.
//
//	srv := varstest.Start(t, "pylf_v2_us_…")     // on 127.0.0.1
//	srv.Set(`{"variables": {…}}`)                 // a new version, announced on the stream
//	srv.Fail(varstest.Variables, 2, 503, `{"detail":"down"}`)
//
// The server is an http.Handler; Transport runs one without a network,
// for tests in a testing/synctest bubble.
package varstest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// Key has the shape of a Logfire API key, for tests.
const Key = "pylf_v2_us_0123456789abcdef0123456789abcdef"

// Paths of the endpoints.
const (
	Variables = "/v1/variables/"
	Updates   = "/v1/variable-updates/"
)

// Server is the fake API. Its methods are safe for concurrent use.
type Server struct {
	key string

	mu      sync.Mutex
	config  string
	etag    string
	noETag  bool
	warning string // the X-Logfire-Warning of every answer
	faults  map[string][]fault
	hang    map[string]bool
	streams map[chan string]struct{} // open event streams
	done    chan struct{}            // closed by Close: hung requests return
	closed  bool
	gets    int           // GET /v1/variables/
	matches int           // of which answered 304
	etags   []string      // the If-None-Match of each GET /v1/variables/
	getAt   []time.Time   // when each GET /v1/variables/ arrived
	connect int           // GET /v1/variable-updates/
	auths   []string      // the Authorization header of every request
	events  int           // events written to streams
	changed chan struct{} // closed and replaced whenever the stats change
}

type fault struct {
	status int
	body   string
}

// New returns a server that accepts the API key key and holds an empty
// configuration ({"variables": {}}).
func New(key string) *Server {
	s := &Server{key: key, faults: map[string][]fault{}, hang: map[string]bool{},
		streams: map[chan string]struct{}{}, done: make(chan struct{}), changed: make(chan struct{})}
	s.Set(`{"variables": {}}`)
	return s
}

// Start serves a new server on 127.0.0.1 until the test ends, and returns
// it with its URL in URL.
func Start(tb testing.TB, key string) *Running {
	s := New(key)
	hs := httptest.NewServer(s)
	tb.Cleanup(func() {
		s.Close()
		hs.Close()
	})
	return &Running{Server: s, URL: hs.URL}
}

// Running is a server serving on 127.0.0.1.
type Running struct {
	*Server
	URL string
}

// Set replaces the configuration (a JSON document of the API's shape),
// gives it a new ETag and announces it on every open stream as an
// "updated" event.
func (s *Server) Set(config string) {
	sum := sha256.Sum256([]byte(config))
	s.mu.Lock()
	defer s.mu.Unlock()
	s.config = config
	s.etag = `"` + hex.EncodeToString(sum[:8]) + `"`
	s.announceLocked(`{"event": "updated"}`)
}

// Warn makes the server add an X-Logfire-Warning header with warning to
// every answer ("" for none), as Logfire does to say something about the
// project.
func (s *Server) Warn(warning string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.warning = warning
}

// OmitETag makes the server answer without an ETag (as a server without
// support for them does), or with one again.
func (s *Server) OmitETag(omit bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.noETag = omit
}

// Announce writes data as the data of one event on every open stream.
func (s *Server) Announce(data string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.announceLocked(data)
}

func (s *Server) announceLocked(data string) {
	for ch := range s.streams {
		select {
		case ch <- data:
		default: // the stream is not reading: drop it, as a slow client
		}
	}
}

// Fail makes the next n requests to path answer status with body (JSON
// if it starts with "{"); n < 0 means every request until Heal.
func (s *Server) Fail(path string, n, status int, body string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if n < 0 {
		n = 1 << 30
	}
	f := make([]fault, 0, min(n, 16))
	for range min(n, 16) {
		f = append(f, fault{status, body})
	}
	if n > 16 {
		f = append(f, fault{status: -status, body: body}) // sticky
	}
	s.faults[path] = f
}

// Hang makes requests to path wait, without an answer, until the client
// gives up, Heal is called or the server is closed.
func (s *Server) Hang(path string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.hang[path] = true
}

// Heal ends every failure and hang set for path.
func (s *Server) Heal(path string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.faults, path)
	delete(s.hang, path)
}

// Drop ends every open stream abruptly, without the end of the chunked
// body, as a connection lost mid-stream.
func (s *Server) Drop() {
	s.Announce("\x00drop")
}

// End ends every open stream cleanly, as a proxy that limits the life of
// a connection.
func (s *Server) End() {
	s.Announce("\x00end")
}

// Close makes every hung request and open stream return.
func (s *Server) Close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.closed {
		s.closed = true
		close(s.done)
	}
}

// Stats are what the server was asked.
type Stats struct {
	// Gets counts the requests to /v1/variables/, NotModified those
	// answered 304, IfNoneMatch their If-None-Match headers in order,
	// GetTimes when they arrived.
	Gets, NotModified int
	IfNoneMatch       []string
	GetTimes          []time.Time
	// Connects counts the requests to /v1/variable-updates/, Events the
	// events written to the streams, OpenStreams the streams open now.
	Connects, Events, OpenStreams int
	// Authorizations are the Authorization headers of every request.
	Authorizations []string
}

// Stats returns what the server was asked so far.
func (s *Server) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return Stats{Gets: s.gets, NotModified: s.matches, IfNoneMatch: append([]string(nil), s.etags...), GetTimes: append([]time.Time(nil), s.getAt...),
		Connects: s.connect, Events: s.events, OpenStreams: len(s.streams), Authorizations: append([]string(nil), s.auths...)}
}

// changedLocked wakes the callers of Await.
func (s *Server) changedLocked() {
	close(s.changed)
	s.changed = make(chan struct{})
}

// Await waits until cond holds for the server's stats, or ctx is done
// (then it returns ctx's error with the last stats in the message).
func (s *Server) Await(ctx context.Context, cond func(Stats) bool) error {
	for {
		s.mu.Lock()
		ch := s.changed
		s.mu.Unlock()
		st := s.Stats()
		if cond(st) {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return fmt.Errorf("varstest: %w; stats %+v", ctx.Err(), st)
		}
	}
}

// ETag is the ETag of the configuration held.
func (s *Server) ETag() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.etag
}

// ServeHTTP serves the two endpoints.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.auths = append(s.auths, r.Header.Get("Authorization"))
	switch r.URL.Path {
	case Variables:
		s.gets++
		s.etags = append(s.etags, r.Header.Get("If-None-Match"))
		s.getAt = append(s.getAt, time.Now())
	case Updates:
		s.connect++
	}
	s.changedLocked()
	hang := s.hang[r.URL.Path]
	var f *fault
	if q := s.faults[r.URL.Path]; len(q) > 0 {
		f = &q[0]
		if f.status > 0 {
			s.faults[r.URL.Path] = q[1:]
		} else {
			f = &fault{status: -f.status, body: f.body}
		}
	}
	done := s.done
	if s.warning != "" {
		w.Header().Set("X-Logfire-Warning", s.warning)
	}
	s.mu.Unlock()

	if hang {
		select {
		case <-r.Context().Done():
		case <-done:
		}
		return
	}
	if f != nil {
		writeBody(w, f.status, f.body)
		return
	}
	if r.Method != http.MethodGet {
		writeBody(w, http.StatusMethodNotAllowed, `{"detail": "Method Not Allowed"}`)
		return
	}
	if !strings.EqualFold(r.Header.Get("Authorization"), "bearer "+s.key) || s.key == "" {
		writeBody(w, http.StatusUnauthorized, `{"detail": "Invalid API key"}`)
		return
	}
	switch r.URL.Path {
	case Variables:
		s.serveVariables(w, r)
	case Updates:
		s.serveUpdates(w, r, done)
	default:
		writeBody(w, http.StatusNotFound, `{"detail": "Not Found"}`)
	}
}

func writeBody(w http.ResponseWriter, status int, body string) {
	if strings.HasPrefix(body, "{") {
		w.Header().Set("Content-Type", "application/json")
	} else {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	}
	w.WriteHeader(status)
	_, _ = w.Write([]byte(body))
}

func (s *Server) serveVariables(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	config, etag, noETag := s.config, s.etag, s.noETag
	if !noETag && r.Header.Get("If-None-Match") == etag {
		s.matches++
		s.changedLocked()
		s.mu.Unlock()
		w.Header().Set("ETag", etag)
		w.WriteHeader(http.StatusNotModified)
		return
	}
	s.mu.Unlock()
	if !noETag {
		w.Header().Set("ETag", etag)
	}
	writeBody(w, http.StatusOK, config)
}

func (s *Server) serveUpdates(w http.ResponseWriter, r *http.Request, done <-chan struct{}) {
	ch := make(chan string, 16)
	s.mu.Lock()
	s.streams[ch] = struct{}{}
	s.changedLocked()
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.streams, ch)
		s.changedLocked()
		s.mu.Unlock()
	}()
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	_, _ = fmt.Fprint(w, ": connected\n\n")
	flush(w)
	for {
		select {
		case <-r.Context().Done():
			return
		case <-done:
			return
		case data := <-ch:
			switch data {
			case "\x00drop":
				panic(http.ErrAbortHandler)
			case "\x00end":
				return
			}
			_, _ = fmt.Fprintf(w, "data: %s\n\n", data)
			flush(w)
			s.mu.Lock()
			s.events++
			s.changedLocked()
			s.mu.Unlock()
		}
	}
}

func flush(w http.ResponseWriter) {
	if f, ok := w.(http.Flusher); ok {
		f.Flush()
	}
}

// Variable returns the configuration of the variable name whose labels
// each hold a value at a version (Go values, encoded to JSON; null if they
// do not encode), with the rollout weights given, in their order.
func Variable(name string, labels []Label, rollout ...Weight) string {
	type labelJSON struct {
		Version    int    `json:"version"`
		Serialized string `json:"serialized_value"`
	}
	ls := map[string]labelJSON{}
	for _, l := range labels {
		b, err := json.Marshal(l.Value)
		if err != nil {
			b = []byte("null")
		}
		ls[l.Name] = labelJSON{l.Version, string(b)}
	}
	lb, _ := json.Marshal(ls)
	var weights []string
	for _, w := range rollout {
		weights = append(weights, fmt.Sprintf("%q: %v", w.Label, w.Weight))
	}
	return fmt.Sprintf(`{"name": %q, "labels": %s, "rollout": {"labels": {%s}}, "overrides": []}`, name, lb, strings.Join(weights, ", "))
}

// Single returns a configuration of one variable, name, whose label
// production holds value at version and gets every request.
func Single(name string, version int, value any) string {
	return Config(Variable(name, []Label{{Name: "production", Version: version, Value: value}}, Weight{Label: "production", Weight: 1}))
}

// Label is one label of Variable.
type Label struct {
	Name    string
	Version int
	Value   any
}

// Weight is one label's weight in a rollout.
type Weight struct {
	Label  string
	Weight float64
}

// Config wraps variables (as Variable returns them) into a configuration.
func Config(variables ...string) string {
	var parts []string
	for _, v := range variables {
		var head struct {
			Name string `json:"name"`
		}
		_ = json.Unmarshal([]byte(v), &head)
		parts = append(parts, fmt.Sprintf("%q: %s", head.Name, v))
	}
	return `{"variables": {` + strings.Join(parts, ", ") + `}}`
}
