package logfireaws

// WithLogf replaces the stderr writer of the line about skipped messages,
// for tests.
func WithLogf(f func(format string, args ...any)) Option {
	return optionFunc(func(c *config) { c.logf = f })
}
