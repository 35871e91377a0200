package console

import (
	"io"
	"os"

	"github.com/logfire-go/sdk/config"
)

// style is an ANSI SGR sequence, such as "\x1b[32m" for green; the empty
// style means plain text.
type style string

// The styles of the console, the same colours that the Python SDK asks rich
// for with its standard colour system.
const (
	plain   style = ""
	green   style = "\x1b[32m"   // timestamps
	red     style = "\x1b[31m"   // messages at error and above
	yellow  style = "\x1b[33m"   // messages at warn and above
	blue    style = "\x1b[34m"   // the │ bar of verbose details
	cyan    style = "\x1b[36m"   // tags, source locations
	dim     style = "\x1b[2m"    // trace and debug messages, re-printed parents
	boldRed style = "\x1b[1;31m" // exception type and message
)

// reset ends a styled piece of text.
const reset = "\x1b[0m"

// painter appends text to a buffer, wrapped in a style when colours are on.
type painter struct {
	colors bool
}

// add appends text in style st. Empty text appends nothing, not even the
// escape codes.
func (p painter) add(buf []byte, st style, text string) []byte {
	if text == "" {
		return buf
	}
	if !p.colors || st == plain {
		return append(buf, text...)
	}
	buf = append(buf, st...)
	buf = append(buf, text...)
	return append(buf, reset...)
}

// useColors resolves the colour mode for the configured writer.
func useColors(s *settings) bool {
	switch s.colors {
	case config.ColorsAlways:
		return true
	case config.ColorsNever:
		return false
	}
	// Auto, and anything unknown: https://no-color.org says that a non-empty
	// NO_COLOR turns colours off.
	if s.getenv("NO_COLOR") != "" {
		return false
	}
	return s.isTerminal(s.writer)
}

// isTerminal reports whether w is a file that is a character device, which is
// what a terminal is. Pipes, regular files and any other writer are not.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok || f == nil {
		return false
	}
	info, err := f.Stat()
	if err != nil {
		return false
	}
	return info.Mode()&os.ModeCharDevice != 0
}
