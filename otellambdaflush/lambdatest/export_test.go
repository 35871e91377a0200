package lambdatest

import "time"

// What the tests of this package reach inside the emulator for. None of it
// is part of the package's API.

// ErrClosed is the error of operations on a closed Emulator.
var ErrClosed = errClosed

// Addr returns the host:port of the API server, the value given to the
// function as AWS_LAMBDA_RUNTIME_API.
func (e *Emulator) Addr() string { return e.addr }

// PID returns the process id of the running function process, or 0 if no
// process is running.
func (e *Emulator) PID() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.gen == nil {
		return 0
	}
	return e.gen.proc.pid
}

// Frozen reports whether the function process is currently stopped by the
// emulator.
func (e *Emulator) Frozen() bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.gen != nil && e.gen.frozen
}

// ExtensionErrors returns the errors extensions have posted so far, across
// all processes.
func (e *Emulator) ExtensionErrors() []extensionError {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]extensionError(nil), e.extErrors...)
}

// TrackedInvocations returns how many invocations the emulator still keeps
// by request id, for leak tests.
func (e *Emulator) TrackedInvocations() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return len(e.invs)
}

// SetMaxExpiredTracked sets maxExpiredTracked and returns a func that
// restores it.
func SetMaxExpiredTracked(n int) (restore func()) {
	old := maxExpiredTracked
	maxExpiredTracked = n
	return func() { maxExpiredTracked = old }
}

// WithInitTimeout shortens Lambda's 10 s bound on the INIT phase, so that a
// test of the init timeout does not wait that long.
func WithInitTimeout(d time.Duration) Option {
	return optionFunc(func(c *config) { c.initTimeout = d })
}
