package logfireaws

// Skipped returns how many messages this process has sent without the
// trace context, for tests.
func Skipped() uint64 { return skipped.Load() }
