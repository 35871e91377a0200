package config

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

// Error returns "logfire: ", the setting and what is wrong with it.
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
