// Package llmreplay is a local stand-in for the OpenAI and Anthropic APIs:
// an HTTP server on 127.0.0.1 that answers chat completions, the Responses
// API, embeddings and Anthropic messages with answers of the shape the
// real APIs send (JSON and server-sent-event streams, tool calls, usage
// with cached tokens). The tests of logfireopenai and logfireanthropic,
// the e2e tests and examples/llm run the real clients against it.
//
// A request that offers tools and does not answer a tool call gets a tool
// call back; one that answers it gets the final text. FailNext and
// CutNextStream inject the faults the tests need: a 429 with Retry-After,
// a stream cut in the middle.
package llmreplay

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Server is a running stand-in.
type Server struct {
	srv *httptest.Server

	mu       sync.Mutex
	failNext int
	cutNext  bool
	holdNext bool
	requests []Request
}

// Request is a request the server received.
type Request struct {
	Path   string
	Header http.Header
	Body   map[string]any
}

// Start starts a server on 127.0.0.1. Close it when done.
func Start() *Server {
	s := &Server{}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	return s
}

// Close stops the server and waits for the requests in flight.
func (s *Server) Close() { s.srv.Close() }

// OpenAIURL is the base URL for openai-go's option.WithBaseURL.
func (s *Server) OpenAIURL() string { return s.srv.URL + "/v1/" }

// AnthropicURL is the base URL for anthropic-sdk-go's option.WithBaseURL.
func (s *Server) AnthropicURL() string { return s.srv.URL + "/" }

// FailNext makes the next n requests fail with 429 Too Many Requests and
// Retry-After: 0 (the clients retry at once).
func (s *Server) FailNext(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failNext = n
}

// CutNextStream makes the next streamed answer stop in the middle: the
// connection is closed after half of its events.
func (s *Server) CutNextStream() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cutNext = true
}

// HoldNextStream makes the next streamed answer stop in the middle and
// keep the connection open, until the client goes away or for 10 seconds:
// a stream that a program stops reading.
func (s *Server) HoldNextStream() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.holdNext = true
}

// maxRequests is how many requests Requests keeps: the last ones.
const maxRequests = 64

// Requests returns the requests received so far (the last 64).
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	raw, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	var body map[string]any
	if len(raw) > 0 && json.Unmarshal(raw, &body) != nil {
		writeError(w, http.StatusBadRequest, "invalid_request_error", "the body is not a JSON object")
		return
	}
	s.mu.Lock()
	if len(s.requests) == maxRequests {
		s.requests = append(s.requests[:0], s.requests[1:]...)
	}
	s.requests = append(s.requests, Request{Path: r.URL.Path, Header: r.Header.Clone(), Body: body})
	fail := s.failNext > 0
	if fail {
		s.failNext--
	}
	s.mu.Unlock()
	if fail {
		w.Header().Set("Retry-After", "0")
		writeError(w, http.StatusTooManyRequests, "rate_limit_error", "Rate limit reached for requests. Please try again in 0s.")
		return
	}
	model, _ := body["model"].(string)
	stream, _ := body["stream"].(bool)
	var a answer
	switch {
	case r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/chat/completions"):
		a = chatAnswer(model, wantsToolCall(body, "messages"), stream && includeUsage(body), pieces(body))
	case r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/responses"):
		a = responsesAnswer(model)
	case r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/embeddings"):
		a = answer{json: embeddingsJSON(model)}
	case r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/v1/messages"):
		a = messagesAnswer(model, wantsToolCall(body, "messages"), pieces(body))
	default:
		writeError(w, http.StatusNotFound, "not_found_error", "no such endpoint: "+r.Method+" "+r.URL.Path)
		return
	}
	if !stream {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, a.json)
		return
	}
	s.mu.Lock()
	cut, hold := s.cutNext, s.holdNext
	s.cutNext, s.holdNext = false, false
	s.mu.Unlock()
	writeStream(w, r, a.events, cut, hold)
}

// answer is what the server sends for one request: a JSON body, or the
// events of a stream.
type answer struct {
	json   string
	events []event
}

// event is one server-sent event (name is "" for OpenAI's, which have
// only data).
type event struct {
	name string
	data string
}

func writeStream(w http.ResponseWriter, r *http.Request, events []event, cut, hold bool) {
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	flusher, _ := w.(http.Flusher)
	n := len(events)
	if cut || hold {
		n /= 2
	}
	for _, e := range events[:n] {
		if e.name != "" {
			fmt.Fprintf(w, "event: %s\n", e.name)
		}
		fmt.Fprintf(w, "data: %s\n\n", e.data)
		if flusher != nil {
			flusher.Flush()
		}
	}
	if hold {
		select {
		case <-r.Context().Done():
		case <-time.After(10 * time.Second):
		}
		return
	}
	if cut {
		// The connection is closed without the end of the chunked body:
		// the client's read fails.
		panic(http.ErrAbortHandler)
	}
}

func writeError(w http.ResponseWriter, status int, typ, message string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	b, _ := json.Marshal(map[string]any{
		"type":  "error",
		"error": map[string]any{"type": typ, "message": message},
	})
	_, _ = w.Write(b)
}

// pieces is the text of the answer to a request, as a stream sends it:
// the weather after a tool result, else the sum.
func pieces(body map[string]any) []string {
	msgs, _ := body["messages"].([]any)
	if len(msgs) > 0 && isToolResult(msgs[len(msgs)-1]) {
		return weatherPieces
	}
	return answerPieces
}

// isToolResult reports whether a message answers a tool call.
func isToolResult(msg any) bool {
	m, _ := msg.(map[string]any)
	if m["role"] == "tool" {
		return true
	}
	parts, _ := m["content"].([]any)
	for _, p := range parts {
		if b, _ := p.(map[string]any); b["type"] == "tool_result" {
			return true
		}
	}
	return false
}

// wantsToolCall reports whether the request offers tools and its last
// message is not the result of a tool call.
func wantsToolCall(body map[string]any, field string) bool {
	tools, _ := body["tools"].([]any)
	msgs, _ := body[field].([]any)
	if len(tools) == 0 || len(msgs) == 0 {
		return false
	}
	return !isToolResult(msgs[len(msgs)-1])
}

func includeUsage(body map[string]any) bool {
	o, _ := body["stream_options"].(map[string]any)
	v, _ := o["include_usage"].(bool)
	return v
}

// quote returns s as a JSON string.
func quote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// Port is the server's port, as server.port holds it.
func (s *Server) Port() int64 {
	u, err := url.Parse(s.srv.URL)
	if err != nil {
		return 0
	}
	p, _ := strconv.ParseInt(u.Port(), 10, 64)
	return p
}
