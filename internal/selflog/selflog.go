// Package selflog is how the SDK reports its own problems: one line on
// standard error, prefixed "logfire: ", written directly (never through the
// SDK's own telemetry, which may be what is failing). Lines that could
// repeat are rate-limited with a Limiter.
package selflog

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/logfire-go/sdk/internal/redact"
)

// tokenShaped redacts whatever looks like a Logfire write token from every
// line, whether or not an instance is configured.
var tokenShaped = redact.NewTokens()

var (
	mu  sync.Mutex
	out io.Writer = os.Stderr
	// redactors rewrite every line before it is written; the SDK registers
	// one per configured token so that no line can carry it.
	redactors = map[int]func(string) string{}
	nextID    int
)

// SetOutput sends the lines to w instead of standard error and returns a
// function that restores the previous writer. For tests.
func SetOutput(w io.Writer) (restore func()) {
	mu.Lock()
	defer mu.Unlock()
	prev := out
	out = w
	return func() {
		mu.Lock()
		defer mu.Unlock()
		out = prev
	}
}

// AddRedactor registers f, which every line passes through before it is
// written. It returns a function that removes f.
func AddRedactor(f func(string) string) (remove func()) {
	mu.Lock()
	defer mu.Unlock()
	nextID++
	id := nextID
	redactors[id] = f
	return func() {
		mu.Lock()
		defer mu.Unlock()
		delete(redactors, id)
	}
}

// Printf writes one line: "logfire: " and the formatted message.
func Printf(format string, args ...any) {
	line := fmt.Sprintf(format, args...)
	line = strings.TrimRight(line, "\n")
	mu.Lock()
	defer mu.Unlock()
	for _, r := range redactors {
		line = r(line)
	}
	line = tokenShaped.String(line)
	_, _ = io.WriteString(out, "logfire: "+line+"\n")
}

// Limiter lets at most one line through per interval; the lines it holds
// back are counted and the next line that passes says how many there were.
// The zero value lets one line through per minute.
type Limiter struct {
	// Every is the least time between two lines; zero means a minute.
	Every time.Duration
	// Out, if set, receives the lines that pass instead of standard
	// error.
	Out func(line string)

	mu         sync.Mutex
	last       time.Time
	suppressed int
}

// Printf writes the line unless another one was written less than Every
// ago, in which case it is counted and dropped.
func (l *Limiter) Printf(format string, args ...any) {
	every := l.Every
	if every <= 0 {
		every = time.Minute
	}
	now := time.Now()
	l.mu.Lock()
	if !l.last.IsZero() && now.Sub(l.last) < every {
		l.suppressed++
		l.mu.Unlock()
		return
	}
	l.last = now
	n := l.suppressed
	l.suppressed = 0
	l.mu.Unlock()
	if n > 0 {
		format += fmt.Sprintf(" (%d similar lines held back)", n)
	}
	if l.Out != nil {
		l.Out(fmt.Sprintf(format, args...))
		return
	}
	Printf(format, args...)
}
