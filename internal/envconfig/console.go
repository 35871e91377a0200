package envconfig

// The values of LOGFIRE_CONSOLE_COLORS and LOGFIRE_CONSOLE_SPAN_STYLE, as
// config.ColorMode and config.SpanStyle hold them.
const (
	ColorsAuto           = "auto"
	ColorsAlways         = "always"
	ColorsNever          = "never"
	SpanStyleSimple      = "simple"
	SpanStyleIndented    = "indented"
	SpanStyleShowParents = "show-parents"
)

// ConsoleVars lists the variables of the console's settings, each decoded
// into the variable given for it: package config reads them into its
// Config, package console into its settings when used on its own.
func ConsoleVars(colors, spanStyle *string, timestamps, tags, verbose *bool, minLevel *int) []Var {
	return []Var{
		{"LOGFIRE_CONSOLE_COLORS", OneOf(colors, "unknown colour mode %s: accepted values are auto, always, never",
			ColorsAuto, ColorsAlways, ColorsNever)},
		{"LOGFIRE_CONSOLE_SPAN_STYLE", OneOf(spanStyle, "unknown span style %s: accepted values are simple, indented, show-parents",
			SpanStyleSimple, SpanStyleIndented, SpanStyleShowParents)},
		{"LOGFIRE_CONSOLE_INCLUDE_TIMESTAMPS", Bool(timestamps)},
		{"LOGFIRE_CONSOLE_INCLUDE_TAGS", Bool(tags)},
		{"LOGFIRE_CONSOLE_VERBOSE", Bool(verbose)},
		{"LOGFIRE_CONSOLE_MIN_LOG_LEVEL", Level(minLevel)},
	}
}
