// Package envconfig decodes the SDK's environment variables: the decoder
// of each kind of value, the levels and their names, and the
// OpenTelemetry variables that package logfire reads itself.
//
// It sits below package config, so it cannot make a *config.Error: the
// functions that find a bad value call a report function with the
// variable's name and what is wrong, and the caller makes its error.
// Every message says what is accepted and quotes at most a short prefix
// of the value, with tokens and URL credentials redacted.
package envconfig

import (
	"fmt"

	"github.com/logfire-go/sdk/internal/redact"
)

// Var is one environment variable and the decoder of its value.
type Var struct {
	// Name is the variable, such as LOGFIRE_CONSOLE_COLORS.
	Name string
	// Decode stores the value where it belongs, or returns what is wrong
	// with it. It is called with non-empty values only; a value of
	// blanks leaves the default in place (but for the plain strings).
	Decode func(value string) error
}

// Report receives a variable whose value cannot be used, and why.
type Report func(name string, err error)

// Read decodes each variable of vars that getenv returns non-empty (a
// variable set to the empty string counts as unset) and reports those it
// cannot accept, their values quoted with tokens redacted.
func Read(vars []Var, getenv func(string) string, tokens *redact.Tokens, report Report) {
	for _, v := range vars {
		value := getenv(v.Name)
		if value == "" {
			continue
		}
		if err := v.Decode(value); err != nil && report != nil {
			report(v.Name, withTokens(err, tokens))
		}
	}
}

// valueError is a value a decoder cannot accept. It keeps the value so
// that the message quotes it with the tokens known to Read redacted.
type valueError struct {
	// format has one %s, where the quoted value goes.
	format string
	value  string
	tokens *redact.Tokens
}

// BadValue returns the error for value; format has one %s, where a short
// prefix of the value goes, quoted, with tokens and URL credentials
// redacted.
func BadValue(format, value string) error { return &valueError{format: format, value: value} }

func (e *valueError) Error() string { return fmt.Sprintf(e.format, Quote(e.value, e.tokens)) }

// withTokens returns err, which quotes its value with tokens redacted.
func withTokens(err error, tokens *redact.Tokens) error {
	ve, ok := err.(*valueError)
	if !ok || tokens == nil {
		return err
	}
	cp := *ve
	cp.tokens = tokens
	return &cp
}

// Quote is how an error shows a value: a short prefix, quoted, with
// tokens (those in tokens and anything shaped like one) and URL
// credentials redacted.
func Quote(value string, tokens *redact.Tokens) string { return redact.Excerpt(value, tokens) }
