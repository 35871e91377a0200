package console

import (
	"io"
	"os"
	"time"

	"github.com/logfire-go/sdk/config"
)

// Option configures a [Processor]; pass options to [New].
type Option func(*settings)

// settings is what the options fill in. New resolves it once; the processor
// never reads the options again.
type settings struct {
	writer     io.Writer
	colors     config.ColorMode
	style      config.SpanStyle
	timestamps bool
	verbose    bool
	minLevel   config.Level
	location   *time.Location
	getenv     func(string) string
	// isTerminal decides whether colours are used in auto mode. Tests replace
	// it to pretend that a buffer is a terminal.
	isTerminal func(io.Writer) bool
}

// defaultSettings matches the Python SDK's console defaults.
func defaultSettings() settings {
	return settings{
		writer:     os.Stdout,
		colors:     config.ColorsAuto,
		style:      config.SpanStyleShowParents,
		timestamps: true,
		minLevel:   config.LevelInfo,
		location:   time.Local,
		getenv:     os.Getenv,
		isTerminal: isTerminal,
	}
}

// WithWriter sends the output to w instead of standard output. A nil w keeps
// standard output. The processor calls w.Write from a single goroutine, with
// whole lines only.
func WithWriter(w io.Writer) Option {
	return func(s *settings) {
		if w != nil {
			s.writer = w
		}
	}
}

// WithColors sets when the output carries ANSI colour codes. With
// [config.ColorsAuto] (the default) colours are used only when the writer is a
// terminal and the NO_COLOR environment variable is unset or empty;
// [config.ColorsAlways] forces them, even with NO_COLOR;
// [config.ColorsNever] turns them off. An unknown mode means auto.
func WithColors(mode config.ColorMode) Option {
	return func(s *settings) { s.colors = mode }
}

// WithSpanStyle sets how nested spans are laid out. The default is
// [config.SpanStyleShowParents]; an unknown style means the default.
func WithSpanStyle(style config.SpanStyle) Option {
	return func(s *settings) { s.style = style }
}

// WithTimestamps sets whether each line starts with its time, as
// HH:MM:SS.mmm. The default is true.
func WithTimestamps(on bool) Option {
	return func(s *settings) { s.timestamps = on }
}

// WithVerbose sets whether each line is followed by its source location and
// level, its attributes and its recorded exceptions. The default is false.
// The attributes are those named by logfire.json_schema, in its order;
// their values print as Python literals ('text', True, None, objects and
// arrays over several lines), as in the Python SDK's console.
func WithVerbose(on bool) Option {
	return func(s *settings) { s.verbose = on }
}

// WithMinLevel hides spans and logs whose level is below level. The default
// is [config.LevelInfo]. A record without logfire.level_num counts as info,
// or as error when its status is Error. What a hidden span holds is lined
// up as if it were directly inside the hidden span's parent.
func WithMinLevel(level config.Level) Option {
	return func(s *settings) { s.minLevel = level }
}

// WithLocation sets the time zone of the timestamps. The default, and the
// value used for nil, is [time.Local]. Tests use a fixed zone such as
// [time.UTC] to get the same output everywhere.
func WithLocation(loc *time.Location) Option {
	return func(s *settings) {
		if loc == nil {
			loc = time.Local
		}
		s.location = loc
	}
}

// WithGetenv replaces [os.Getenv] for reading the NO_COLOR environment
// variable, so that tests can decide whether it is set. A nil getenv keeps
// os.Getenv.
func WithGetenv(getenv func(key string) string) Option {
	return func(s *settings) {
		if getenv != nil {
			s.getenv = getenv
		}
	}
}
