package logfire

import (
	"errors"
	"sync"

	"go.opentelemetry.io/otel"

	"github.com/logfire-go/sdk/internal/instance"
	"github.com/logfire-go/sdk/internal/redact"
	"github.com/logfire-go/sdk/internal/selflog"
)

// The SDK's own problems, such as a token that names an unknown region,
// an export that failed, or an error of OpenTelemetry's, go to one
// handler per instance (WithErrorHandler). They are not the program's
// errors: the SDK goes on as well as it can.

// WithErrorHandler sends the instance's own problems to h instead of the
// default handler, which writes each one as a line on standard error
// ("logfire: ..."), at most one line of a kind a minute. Each error's
// message has the instance's tokens redacted. h is called from the SDK's
// goroutines, at any time until Shutdown returns: it must be safe for
// concurrent use and return quickly. A nil h keeps the default.
//
// The errors OpenTelemetry reports with otel.Handle go to the handler of
// the instance the last Configure made: Configure installs a global
// OpenTelemetry error handler (otel.SetErrorHandler) that forwards them.
func WithErrorHandler(h func(error)) Option {
	return optionFunc(func(s *settings) { s.errorHandler = h })
}

// defaultErrorLines is the default handler's rate limit, shared by every
// instance.
var defaultErrorLines selflog.Kinds

// defaultErrorHandler writes err as a rate-limited line on standard error.
func defaultErrorHandler(err error) { defaultErrorLines.Printf("%v", err) }

// handleError gives err, its tokens redacted, to the handler of
// Configure's settings; for the problems found while Configure builds the
// instance.
func (s *settings) handleError(err error) {
	if err == nil {
		return
	}
	h := s.errorHandler
	if h == nil {
		h = defaultErrorHandler
	}
	h(redactError(s.tokens(), err))
}

// ownLines returns where the lines the instance rate-limits itself (about
// outages and drops) go: to the handler of WithErrorHandler, as errors
// with the tokens redacted by redact, or else to standard error. They
// skip the default handler, whose limit of one line of a kind a minute
// would hold back what their own limits let through.
func (s *settings) ownLines(redact func(string) string) func(line string) {
	if h := s.errorHandler; h != nil {
		return func(line string) { h(errors.New(redact(line))) }
	}
	return func(line string) { selflog.Printf("%s", line) }
}

// handleError gives err, its tokens redacted, to the instance's handler;
// a nil lf stands for the default instance, and with none the default
// handler takes err.
func (lf *Logfire) handleError(err error) {
	if err == nil {
		return
	}
	if lf == nil {
		lf = current()
	}
	h := defaultErrorHandler
	var tokens *redact.Tokens
	if lf != nil {
		tokens = scrubberTokens(lf.scrubber)
		if lf.errorHandler != nil {
			h = lf.errorHandler
		}
	}
	h(redactError(tokens, err))
}

// otelErrors is the global OpenTelemetry error handler Configure
// installs: it forwards to the default instance's handler.
type otelErrors struct{}

// Handle implements otel.ErrorHandler.
func (otelErrors) Handle(err error) { (*Logfire)(nil).handleError(err) }

var installOTelErrors sync.Once

// forwardOTelErrors makes OpenTelemetry's otel.Handle report to the
// default instance's handler, once per process.
func forwardOTelErrors() {
	installOTelErrors.Do(func() { otel.SetErrorHandler(otelErrors{}) })
}

func init() {
	instance.HandleError = func(lf any, err error) {
		l, _ := lf.(*Logfire)
		l.handleError(err)
	}
}
