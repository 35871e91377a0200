package config

import (
	"errors"
	"fmt"

	"github.com/kelseyhightower/envconfig"

	"github.com/logfire-go/sdk/internal/redact"
)

// Error is a setting with a value the SDK cannot accept. Setting names the
// environment variable or code option; the message says what is accepted.
// It quotes at most a short prefix of the bad value, with anything that
// looks like a token redacted.
type Error struct {
	// Setting is the environment variable (such as LOGFIRE_BASE_URL) or the
	// code option (such as logfire.WithBaseURL) that holds the bad value.
	Setting string
	// Err says what is wrong and what would be accepted.
	Err error
}

func (e *Error) Error() string {
	if e == nil || e.Err == nil {
		return "logfire: invalid setting"
	}
	return "logfire: " + e.Setting + ": " + e.Err.Error()
}

// Unwrap returns the underlying cause.
func (e *Error) Unwrap() error {
	if e == nil {
		return nil
	}
	return e.Err
}

// valueError is a value a Decode method cannot accept. It keeps the value
// so that the message can quote it with the tokens known where the error
// is reported redacted (see quote).
type valueError struct {
	// format has one %s, where the quoted value goes.
	format string
	value  string
	tokens *redact.Tokens
}

// badValue returns the error for value; format has one %s for the quoted
// value.
func badValue(format, value string) error { return &valueError{format: format, value: value} }

func (e *valueError) Error() string { return fmt.Sprintf(e.format, quote(e.value, e.tokens)) }

// quote is how an error shows a bad value: a short prefix, quoted, with
// tokens (those in tokens and anything shaped like one) and URL
// credentials redacted.
func quote(value string, tokens *redact.Tokens) string { return redact.Excerpt(value, tokens) }

// errNilDecode is what a Decode method called on a nil pointer returns.
var errNilDecode = errors.New("config: Decode called on a nil pointer: decode into a variable")

// describeEnvError turns an error of envconfig into an *Error that names
// the variable, says what it accepts, and quotes no token.
func describeEnvError(err error, tokens *redact.Tokens) error {
	var pe *envconfig.ParseError
	if !errors.As(err, &pe) {
		return fmt.Errorf("logfire: reading the environment: %s", redact.Excerpt(err.Error(), tokens))
	}
	cause := pe.Err
	var ve *valueError
	if errors.As(cause, &ve) {
		cp := *ve
		cp.tokens = tokens
		if b, ok := boundFor(pe.KeyName); ok {
			// The type's message knows nothing of this variable's range.
			cp.format = "%s is out of range or not a whole number: " + b.accepted()
		}
		cause = &cp
	}
	if ve == nil {
		// An error of envconfig's own, which may quote the whole value.
		cause = fmt.Errorf("%s is not a valid %s", quote(pe.Value, tokens), pe.TypeName)
	}
	if pe.KeyName == "LOGFIRE_TOKEN" {
		// Never echo a token, even in part.
		cause = errors.New("the value could not be read")
	}
	return &Error{Setting: pe.KeyName, Err: cause}
}
