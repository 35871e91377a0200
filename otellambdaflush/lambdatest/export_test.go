package lambdatest

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
