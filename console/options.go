package console

import (
	"io"
	"os"
	"time"

	"github.com/logfire-go/sdk/config"
	"github.com/logfire-go/sdk/internal/envconfig"
	"github.com/logfire-go/sdk/internal/selflog"
)

// Options configure the console, as slog.HandlerOptions configure a
// handler. A zero field takes its value from the environment variable
// named on it, and when that is unset too, from the default.
type Options struct {
	// Writer is where the lines go; the processor calls its Write from a
	// single goroutine, with whole lines only. Default: standard output.
	Writer io.Writer
	// Colors says when lines carry ANSI colour codes: with
	// [config.ColorsAuto] only when Writer is a terminal and the NO_COLOR
	// environment variable is unset or empty; [config.ColorsAlways] even
	// with NO_COLOR; never with [config.ColorsNever]. An unknown mode
	// means auto. Env: LOGFIRE_CONSOLE_COLORS. Default: auto.
	Colors config.ColorMode
	// SpanStyle says how nested spans are laid out; an unknown style
	// means the default. Env: LOGFIRE_CONSOLE_SPAN_STYLE. Default:
	// [config.SpanStyleShowParents].
	SpanStyle config.SpanStyle
	// MinLevel hides spans and logs whose level is below it. A record
	// without logfire.level_num counts as info, or as error when its
	// status is Error. What a hidden span holds is lined up as if it were
	// directly inside the hidden span's parent.
	// Env: LOGFIRE_CONSOLE_MIN_LOG_LEVEL. Default: info.
	MinLevel config.Level
	// Verbose follows each line with its source location and level, its
	// attributes and its recorded exceptions. The attributes are those
	// named by logfire.json_schema, in its order; their values print as
	// Python literals ('text', True, None, objects and arrays over several
	// lines), as in the Python SDK's console.
	// Env: LOGFIRE_CONSOLE_VERBOSE. Default: false.
	Verbose bool
	// HideTimestamps leaves out the time (HH:MM:SS.mmm, local time) that
	// starts each line. Env: LOGFIRE_CONSOLE_INCLUDE_TIMESTAMPS=false.
	// Default: false.
	HideTimestamps bool
	// HideTags leaves out the tags ([a,b]) that end a line.
	// Env: LOGFIRE_CONSOLE_INCLUDE_TAGS=false. Default: false.
	HideTags bool
	// HideProjectLink keeps logfire.Configure from printing the Logfire
	// project's URL on standard error when it knows it (from the
	// credentials file). The console on its own (New) prints no link.
	// Env: LOGFIRE_CONSOLE_SHOW_PROJECT_LINK=false. Default: false.
	HideProjectLink bool
}

// settings are the options resolved against the environment and the
// defaults. newProcessor reads them once; tests build them directly, to
// fix the time zone, the environment and what counts as a terminal.
type settings struct {
	writer     io.Writer
	colors     config.ColorMode
	style      config.SpanStyle
	timestamps bool
	tags       bool
	verbose    bool
	minLevel   config.Level
	location   *time.Location
	getenv     func(string) string
	// isTerminal decides whether colours are used in auto mode.
	isTerminal func(io.Writer) bool
}

// defaultSettings matches the Python SDK's console defaults.
func defaultSettings() settings {
	return settings{
		writer:     os.Stdout,
		colors:     config.ColorsAuto,
		style:      config.SpanStyleShowParents,
		timestamps: true,
		tags:       true,
		minLevel:   envconfig.LevelInfo,
		location:   time.Local,
		getenv:     os.Getenv,
		isTerminal: isTerminal,
	}
}

// resolve returns the settings of o (nil: no options) over those of the
// environment that getenv reads, over the defaults. A variable with a
// value it cannot accept is said on standard error, once per call, and
// its default is used.
func (o *Options) resolve(getenv func(string) string) settings {
	s := defaultSettings()
	s.getenv = getenv
	envconfig.Read(envconfig.ConsoleVars((*string)(&s.colors), (*string)(&s.style), &s.timestamps, &s.tags, &s.verbose, (*int)(&s.minLevel)),
		getenv, nil, func(name string, err error) {
			selflog.Printf("%s: %v; the console uses its default", name, err)
		})
	if o == nil {
		return s
	}
	if o.Writer != nil {
		s.writer = o.Writer
	}
	if o.Colors != "" {
		s.colors = o.Colors
	}
	if o.SpanStyle != "" {
		s.style = o.SpanStyle
	}
	if o.MinLevel != 0 {
		s.minLevel = o.MinLevel
	}
	if o.Verbose {
		s.verbose = true
	}
	if o.HideTimestamps {
		s.timestamps = false
	}
	if o.HideTags {
		s.tags = false
	}
	return s
}
