package lambdatest

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"time"
)

// handleRuntimeNext serves GET /runtime/invocation/next: a long poll that
// returns the next event. A call after the response of the invocation in
// flight marks the runtime as done with it. The poll never times out; it
// ends when the process exits, the client goes away or the emulator closes.
func (e *Emulator) handleRuntimeNext(w http.ResponseWriter, r *http.Request) {
	e.mu.Lock()
	g := e.gen
	if g == nil {
		e.mu.Unlock()
		writeAPIError(w, http.StatusForbidden, "InvalidStateTransition", "no execution environment is running")
		return
	}
	now := time.Now()
	if !g.runtimeReady {
		g.runtimeReady = true
		g.checkInitLocked(now)
	} else if cur := g.current; cur != nil && cur.responded && !cur.runtimeDone {
		cur.runtimeDone = true
		e.checkCompleteLocked(cur, now)
	}
	e.mu.Unlock()

	select {
	case inv := <-g.nextCh:
		e.mu.Lock()
		inv.rec.HandedOut = time.Now()
		e.deliverInvokeLocked(g, inv)
		headers := e.invocationHeadersLocked(inv)
		payload := inv.rec.Payload
		e.mu.Unlock()
		for k, v := range headers {
			w.Header().Set(k, v)
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(payload)
	case <-r.Context().Done():
	case <-g.proc.exited:
		writeAPIError(w, http.StatusGone, "ExecutionEnvironmentGone", "the function process has exited")
	case <-e.closed:
		writeAPIError(w, http.StatusGone, "ExecutionEnvironmentGone", "the emulator is closed")
	}
}

// deliverInvokeLocked queues the INVOKE event for every extension
// subscribed to it, at the moment the runtime receives the invocation.
func (e *Emulator) deliverInvokeLocked(g *generation, inv *invState) {
	for _, x := range g.exts {
		if !x.invoke {
			continue
		}
		ev := invokeEvent{
			EventType:          "INVOKE",
			DeadlineMs:         inv.rec.Deadline.UnixMilli(),
			RequestID:          inv.rec.RequestID,
			InvokedFunctionArn: e.cfg.functionARN(),
			Tracing:            eventTracing{Type: "X-Amzn-Trace-Id", Value: inv.rec.TraceID},
		}
		if !x.enqueueLocked(extensionEvent{key: inv.rec.RequestID, body: ev}) {
			e.logf("extension %s is not consuming events; INVOKE %s dropped", x.name, inv.rec.RequestID)
		}
	}
}

// lookupForPostLocked finds the invocation a /response or /error post is
// for. If there is none it returns the error reply to send.
func (e *Emulator) lookupForPostLocked(id string) (*invState, int, apiError) {
	inv := e.invs[id]
	switch {
	case inv == nil || inv.rec.HandedOut.IsZero():
		return nil, http.StatusBadRequest, apiError{ErrorType: "InvalidRequestID", ErrorMessage: "Invalid request ID"}
	case inv.expired:
		// Answered once; the invocation is forgotten afterwards.
		if isClosed(inv.done) {
			delete(e.invs, id)
		}
		return nil, http.StatusGone, apiError{ErrorType: "InvokeTimeout", ErrorMessage: "Invoke timeout"}
	case inv.responded:
		return nil, http.StatusForbidden, apiError{ErrorType: "InvalidStateTransition",
			ErrorMessage: "a response or error has already been posted for this invocation"}
	}
	return inv, 0, apiError{}
}

// handleRuntimeResponse serves POST /runtime/invocation/{id}/response.
// A response sent with chunked transfer encoding, or with the header
// Lambda-Runtime-Function-Response-Mode: streaming, is streamed, as Lambda
// streams it to the client (up to 200 MB): the invocation is responded
// when its last chunk has arrived, and the arrival of the first byte is
// recorded. A Lambda-Runtime-Function-Error-Type trailer (set by
// aws-lambda-go when reading the streamed body fails) turns it into an
// error, with the Lambda-Runtime-Function-Error-Body trailer (base64 JSON)
// as its payload.
func (e *Emulator) handleRuntimeResponse(w http.ResponseWriter, r *http.Request) {
	streamed := r.ContentLength < 0 || strings.EqualFold(r.Header.Get(hdrResponseMode), "streaming")
	limit := int64(maxPayloadBytes)
	if streamed {
		limit = maxStreamedBytes
	}
	first := &firstByteReader{r: r.Body}
	r.Body = first
	body, ok := readBody(w, r, limit)
	if !ok {
		return
	}
	var ep *ErrorPayload
	if t := r.Trailer.Get(hdrFunctionErrorType); t != "" {
		raw, err := base64.StdEncoding.DecodeString(r.Trailer.Get(hdrFunctionErrorBody))
		if err != nil {
			raw = []byte(r.Trailer.Get(hdrFunctionErrorBody))
		}
		ep = parseErrorPayload(raw, t, "")
	}
	e.acceptPost(w, r.PathValue("id"), "response", func(inv *invState) {
		inv.rec.Streamed = streamed
		inv.rec.FirstByte = first.at
		if ep != nil {
			inv.rec.ErrorPayload = ep
			if streamed {
				// What the client received before the error.
				inv.rec.Response = body
			}
		} else {
			inv.rec.Response = body
			inv.rec.ResponseContentType = r.Header.Get("Content-Type")
		}
	})
}

// firstByteReader is a request body that records when its first byte
// arrived.
type firstByteReader struct {
	r  io.ReadCloser
	at time.Time
}

func (f *firstByteReader) Read(p []byte) (int, error) {
	n, err := f.r.Read(p)
	if n > 0 && f.at.IsZero() {
		f.at = time.Now()
	}
	return n, err
}

func (f *firstByteReader) Close() error { return f.r.Close() }

// handleRuntimeError serves POST /runtime/invocation/{id}/error.
func (e *Emulator) handleRuntimeError(w http.ResponseWriter, r *http.Request) {
	body, ok := readBody(w, r, maxPayloadBytes)
	if !ok {
		return
	}
	ep := parseErrorPayload(body, r.Header.Get(hdrFunctionErrorType), r.Header.Get(hdrXRayErrorCause))
	e.acceptPost(w, r.PathValue("id"), "error", func(inv *invState) { inv.rec.ErrorPayload = ep })
}

// acceptPost ends a /response or /error post (what) for invocation id: if
// the invocation may still respond, record fills in its record, it is
// marked responded and the post gets 202; otherwise the post gets the
// error reply of lookupForPostLocked.
func (e *Emulator) acceptPost(w http.ResponseWriter, id, what string, record func(*invState)) {
	e.mu.Lock()
	inv, status, apiErr := e.lookupForPostLocked(id)
	if inv != nil {
		record(inv)
		e.markRespondedLocked(inv, time.Now())
	}
	e.mu.Unlock()
	if inv == nil {
		e.logf("rejected %s for %q: %s", what, id, apiErr.ErrorType)
		writeJSON(w, status, apiErr)
		return
	}
	writeAccepted(w)
}

// handleRuntimeInitError serves POST /runtime/init/error. It is accepted
// only during INIT; the environment is then reset.
func (e *Emulator) handleRuntimeInitError(w http.ResponseWriter, r *http.Request) {
	body, ok := readBody(w, r, maxSmallBody)
	if !ok {
		return
	}
	ep := parseErrorPayload(body, r.Header.Get(hdrFunctionErrorType), "")
	e.mu.Lock()
	accepted := e.gen != nil && !e.gen.tearingDown && e.gen.failInitLocked(ep)
	e.mu.Unlock()
	if !accepted {
		writeAPIError(w, http.StatusForbidden, "InvalidStateTransition", "init errors can only be reported during INIT")
		return
	}
	writeAccepted(w)
}

// parseErrorPayload decodes an error body leniently: a body that is not the
// documented JSON object is kept in Raw only.
func parseErrorPayload(body []byte, headerType, xrayCause string) *ErrorPayload {
	ep := &ErrorPayload{Raw: body, XRayErrorCause: xrayCause}
	var doc struct {
		ErrorMessage string          `json:"errorMessage"`
		ErrorType    string          `json:"errorType"`
		StackTrace   json.RawMessage `json:"stackTrace"`
	}
	if json.Unmarshal(body, &doc) == nil {
		ep.Type = doc.ErrorType
		ep.Message = doc.ErrorMessage
		ep.StackTrace = doc.StackTrace
	}
	if ep.Type == "" {
		ep.Type = headerType
	}
	return ep
}
