package lambdatest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"
)

// Extension describes a registered extension.
type Extension struct {
	// Name is the Lambda-Extension-Name it registered with.
	Name string
	// ID is the Lambda-Extension-Identifier it was given.
	ID string
	// Events are the events it subscribed to ("INVOKE", "SHUTDOWN"); empty
	// for registrations such as aws-lambda-go's GoLangEnableSIGTERM.
	Events []string
	// External reports that the name was declared with
	// WithExternalExtensions; every other extension is internal.
	External bool
	// Registered is when it registered.
	Registered time.Time
}

// extensionError is an error an extension posted to /extension/init/error
// or /extension/exit/error.
type extensionError struct {
	// Name and ID identify the extension.
	Name, ID string
	// Kind is "init" or "exit".
	Kind string
	// ErrorType is the Lambda-Extension-Function-Error-Type header.
	ErrorType string
	// Body is the posted body.
	Body []byte
	// Time is when it was posted.
	Time time.Time
}

// Extensions returns the extensions registered by the running process.
func (e *Emulator) Extensions() []Extension {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.gen == nil {
		return nil
	}
	out := make([]Extension, 0, len(e.gen.exts))
	for _, x := range e.gen.exts {
		out = append(out, Extension{
			Name:       x.name,
			ID:         x.id,
			Events:     slices.Clone(x.events),
			External:   x.external,
			Registered: x.registered,
		})
	}
	return out
}

// registerResponse is the body of a successful registration.
type registerResponse struct {
	FunctionName    string `json:"functionName"`
	FunctionVersion string `json:"functionVersion"`
	Handler         string `json:"handler"`
	AccountID       string `json:"accountId,omitempty"`
}

// handleExtensionRegister serves POST /extension/register.
func (e *Emulator) handleExtensionRegister(w http.ResponseWriter, r *http.Request) {
	name := r.Header.Get(hdrExtName)
	if name == "" {
		writeAPIError(w, http.StatusForbidden, "Extension.InvalidExtensionName", "Empty extension name")
		return
	}
	body, ok := readBody(w, r, maxSmallBody)
	if !ok {
		return
	}
	var req struct {
		Events []string `json:"events"`
	}
	if err := json.Unmarshal(body, &req); err != nil {
		writeAPIError(w, http.StatusForbidden, "InvalidRequestFormat", err.Error())
		return
	}

	e.mu.Lock()
	x, status, apiErr := e.registerLocked(name, req.Events)
	e.mu.Unlock()
	if x == nil {
		e.logf("rejected registration of extension %q %v: %s: %s", name, req.Events, apiErr.ErrorType, apiErr.ErrorMessage)
		writeJSON(w, status, apiErr)
		return
	}
	e.logf("extension %q registered for %v", name, req.Events)
	resp := registerResponse{
		FunctionName:    e.cfg.functionName,
		FunctionVersion: e.cfg.functionVer,
		Handler:         e.cfg.handler,
	}
	for _, f := range strings.Split(r.Header.Get(hdrExtAcceptFeature), ",") {
		if strings.TrimSpace(f) == "accountId" {
			resp.AccountID = accountID
		}
	}
	w.Header().Set(hdrExtID, x.id)
	writeJSON(w, http.StatusOK, resp)
}

// registerLocked validates and records a registration. It returns a nil
// extension and the error reply when the registration is refused.
func (e *Emulator) registerLocked(name string, events []string) (*extension, int, apiError) {
	refuse := func(errorType, format string, args ...any) (*extension, int, apiError) {
		return nil, http.StatusForbidden, apiError{ErrorType: errorType, ErrorMessage: fmt.Sprintf(format, args...)}
	}
	g := e.gen
	if g == nil || g.runtimeReady || g.tearingDown || isClosed(g.initFailed) {
		return refuse("Extension.RegistrationClosed", "Extension registration closed already")
	}
	for _, x := range g.exts {
		if x.name == name {
			return refuse("Extension.InvalidExtensionState", "Extension with this name already registered")
		}
	}
	if len(g.exts) >= maxExtensions {
		return refuse("Extension.TooManyExtensions", "Extension limit (%d) reached", maxExtensions)
	}
	external := e.cfg.external[name]
	x := &extension{
		gen:        g,
		id:         newUUID(),
		name:       name,
		external:   external,
		registered: time.Now(),
		queue:      make(chan extensionEvent, 4),
	}
	for _, ev := range events {
		switch {
		case ev == "INVOKE" && e.cfg.managed:
			return refuse("Extension.InvalidEventType", "%s: event not supported on Lambda Managed Instances", ev)
		case ev == "INVOKE":
			x.invoke = true
		case ev == "SHUTDOWN" && !external:
			return refuse("Extension.InvalidEventType", "%s: event not supported for internal extensions", ev)
		case ev == "SHUTDOWN":
			x.shutdown = true
		default:
			return refuse("Extension.InvalidEventType", "%s: unknown event type", ev)
		}
		if !slices.Contains(x.events, ev) {
			x.events = append(x.events, ev)
		}
	}
	g.exts = append(g.exts, x)
	e.exts[x.id] = x
	return x, http.StatusOK, apiError{}
}

// lookupExtension finds the extension named by the identifier header. On
// failure it has already written the error reply.
func (e *Emulator) lookupExtensionLocked(w http.ResponseWriter, r *http.Request) *extension {
	id := r.Header.Get(hdrExtID)
	if id == "" {
		writeAPIError(w, http.StatusForbidden, "Extension.MissingHeader", "Missing "+hdrExtID+" header")
		return nil
	}
	x := e.exts[id]
	if x == nil {
		writeAPIError(w, http.StatusForbidden, "Extension.UnknownExtensionIdentifier", "Unknown extension "+id)
		return nil
	}
	return x
}

// handleExtensionNext serves GET /extension/event/next: it acknowledges the
// event delivered by the previous call (which may complete an invocation or
// INIT) and long-polls for the next event. An extension subscribed to no
// events blocks until its process exits.
func (e *Emulator) handleExtensionNext(w http.ResponseWriter, r *http.Request) {
	e.mu.Lock()
	x := e.lookupExtensionLocked(w, r)
	if x == nil {
		e.mu.Unlock()
		return
	}
	g := x.gen
	now := time.Now()
	if x.delivered != "" {
		x.acked = x.delivered
	}
	if !x.calledNext {
		x.calledNext = true
		g.checkInitLocked(now)
	}
	if cur := g.current; cur != nil {
		e.checkCompleteLocked(cur, now)
	}
	e.mu.Unlock()

	select {
	case ev := <-x.queue:
		e.mu.Lock()
		x.delivered = ev.key
		e.mu.Unlock()
		w.Header().Set(hdrExtEventID, newUUID())
		writeJSON(w, http.StatusOK, ev.body)
	case <-r.Context().Done():
	case <-g.proc.exited:
		writeAPIError(w, http.StatusGone, "ExecutionEnvironmentGone", "the function process has exited")
	case <-e.closed:
		writeAPIError(w, http.StatusGone, "ExecutionEnvironmentGone", "the emulator is closed")
	}
}

// handleExtensionInitError serves POST /extension/init/error. During INIT
// it fails the INIT phase, as on Lambda.
func (e *Emulator) handleExtensionInitError(w http.ResponseWriter, r *http.Request) {
	e.handleExtensionError(w, r, "init")
}

// handleExtensionExitError serves POST /extension/exit/error. The error is
// recorded; the environment is not reset.
func (e *Emulator) handleExtensionExitError(w http.ResponseWriter, r *http.Request) {
	e.handleExtensionError(w, r, "exit")
}

func (e *Emulator) handleExtensionError(w http.ResponseWriter, r *http.Request, kind string) {
	errType := r.Header.Get(hdrExtErrorType)
	body, ok := readBody(w, r, maxSmallBody)
	if !ok {
		return
	}
	e.mu.Lock()
	x := e.lookupExtensionLocked(w, r)
	if x == nil {
		e.mu.Unlock()
		return
	}
	if errType == "" {
		e.mu.Unlock()
		writeAPIError(w, http.StatusForbidden, "Extension.MissingHeader", "Missing "+hdrExtErrorType+" header")
		return
	}
	e.extErrors = append(e.extErrors, extensionError{
		Name: x.name, ID: x.id, Kind: kind, ErrorType: errType, Body: body, Time: time.Now(),
	})
	if kind == "init" && !x.gen.tearingDown {
		ep := parseErrorPayload(body, errType, "")
		if ep.Message == "" {
			ep.Message = "extension " + x.name + " reported an init error"
		}
		x.gen.failInitLocked(ep)
	}
	e.mu.Unlock()
	e.logf("extension %q posted an %s error %s: %.200q", x.name, kind, errType, body)
	writeAccepted(w)
}
