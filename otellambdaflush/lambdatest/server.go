package lambdatest

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
)

// API paths served by the emulator.
const (
	pathRuntimeNext      = "/2018-06-01/runtime/invocation/next"
	pathRuntimeResponse  = "/2018-06-01/runtime/invocation/{id}/response"
	pathRuntimeError     = "/2018-06-01/runtime/invocation/{id}/error"
	pathRuntimeInitError = "/2018-06-01/runtime/init/error"
	pathExtRegister      = "/2020-01-01/extension/register"
	pathExtNext          = "/2020-01-01/extension/event/next"
	pathExtInitError     = "/2020-01-01/extension/init/error"
	pathExtExitError     = "/2020-01-01/extension/exit/error"
)

// Headers of the Runtime and Extensions APIs.
const (
	hdrRequestID         = "Lambda-Runtime-Aws-Request-Id"
	hdrDeadline          = "Lambda-Runtime-Deadline-Ms"
	hdrFunctionARN       = "Lambda-Runtime-Invoked-Function-Arn"
	hdrTraceID           = "Lambda-Runtime-Trace-Id"
	hdrClientContext     = "Lambda-Runtime-Client-Context"
	hdrCognitoIdentity   = "Lambda-Runtime-Cognito-Identity"
	hdrTenantID          = "Lambda-Runtime-Aws-Tenant-Id"
	hdrFunctionErrorType = "Lambda-Runtime-Function-Error-Type"
	hdrFunctionErrorBody = "Lambda-Runtime-Function-Error-Body"
	hdrXRayErrorCause    = "Lambda-Runtime-Function-Xray-Error-Cause"
	hdrResponseMode      = "Lambda-Runtime-Function-Response-Mode"
	hdrExtName           = "Lambda-Extension-Name"
	hdrExtID             = "Lambda-Extension-Identifier"
	hdrExtEventID        = "Lambda-Extension-Event-Identifier"
	hdrExtAcceptFeature  = "Lambda-Extension-Accept-Feature"
	hdrExtErrorType      = "Lambda-Extension-Function-Error-Type"
)

// Request body limits. Lambda's synchronous response payload limit is
// 6 MB; other bodies are small JSON documents.
const (
	maxPayloadBytes = 6 * 1024 * 1024
	// maxStreamedBytes is Lambda's limit on a streamed response, 200 MB.
	maxStreamedBytes = 200 * 1024 * 1024
	maxSmallBody     = 1024 * 1024
)

// routes returns the HTTP handler of both APIs. Unknown paths get 404 and
// wrong methods 405 from http.ServeMux.
func (e *Emulator) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+pathRuntimeNext, e.handleRuntimeNext)
	mux.HandleFunc("POST "+pathRuntimeResponse, e.handleRuntimeResponse)
	mux.HandleFunc("POST "+pathRuntimeError, e.handleRuntimeError)
	mux.HandleFunc("POST "+pathRuntimeInitError, e.handleRuntimeInitError)
	mux.HandleFunc("POST "+pathExtRegister, e.handleExtensionRegister)
	mux.HandleFunc("GET "+pathExtNext, e.handleExtensionNext)
	mux.HandleFunc("POST "+pathExtInitError, e.handleExtensionInitError)
	mux.HandleFunc("POST "+pathExtExitError, e.handleExtensionExitError)
	mux.HandleFunc("PUT "+pathTelemetry, e.handleTelemetrySubscribe)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !e.work.begin() {
			writeAPIError(w, http.StatusServiceUnavailable, "ServiceUnavailable", "the emulator is closing")
			return
		}
		defer e.work.end()
		mux.ServeHTTP(w, r)
	})
}

// apiError is the JSON error body of both APIs.
type apiError struct {
	ErrorMessage string `json:"errorMessage"`
	ErrorType    string `json:"errorType"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

func writeAPIError(w http.ResponseWriter, status int, errorType, message string) {
	writeJSON(w, status, apiError{ErrorMessage: message, ErrorType: errorType})
}

// writeAccepted writes the 202 reply the runtime clients expect.
func writeAccepted(w http.ResponseWriter) {
	writeJSON(w, http.StatusAccepted, map[string]string{"status": "OK"})
}

// readBody reads the whole request body (and so its trailers), at most
// limit bytes. On failure it has already written the error response.
func readBody(w http.ResponseWriter, r *http.Request, limit int64) ([]byte, bool) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if err == nil {
		return body, true
	}
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		writeAPIError(w, http.StatusRequestEntityTooLarge, "RequestEntityTooLarge",
			"Exceeded maximum allowed payload size ("+strconv.FormatInt(limit, 10)+" bytes).")
	} else {
		writeAPIError(w, http.StatusBadRequest, "InvalidRequestFormat", "could not read the request body: "+err.Error())
	}
	return nil, false
}
