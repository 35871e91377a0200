package logfire

import (
	"strings"
	"sync"
	"unicode"
)

// serverWarnings says each distinct X-Logfire-Warning the backend answers
// with once, as the Python SDK shows each as a LogfireServerWarning: on
// the instance's own lines (the error handler, or standard error), with
// tokens redacted. It remembers at most maxServerWarnings messages; past
// that, a new one is not said (a backend that varies its warning on every
// answer would otherwise fill the log).
type serverWarnings struct {
	out    func(line string)
	redact func(string) string

	mu   sync.Mutex
	seen map[string]bool
}

const (
	maxServerWarnings     = 32
	maxServerWarningBytes = 1 << 10
)

func (w *serverWarnings) say(warning, where string) {
	warning = strings.TrimSpace(strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, warning))
	if len(warning) > maxServerWarningBytes {
		warning = strings.ToValidUTF8(warning[:maxServerWarningBytes], "") + "…"
	}
	if warning == "" {
		return
	}
	w.mu.Lock()
	if w.seen[warning] || len(w.seen) >= maxServerWarnings {
		w.mu.Unlock()
		return
	}
	if w.seen == nil {
		w.seen = map[string]bool{}
	}
	w.seen[warning] = true
	w.mu.Unlock()
	w.out(w.redact("Logfire (" + where + ") warns: " + warning))
}
