package config

import "strings"

// ColorMode says when the console uses ANSI colours
// (LOGFIRE_CONSOLE_COLORS).
type ColorMode string

// The accepted colour modes.
const (
	// ColorsAuto colours output written to a terminal when NO_COLOR is unset.
	ColorsAuto ColorMode = "auto"
	// ColorsAlways always colours, even when piped and even with NO_COLOR.
	ColorsAlways ColorMode = "always"
	// ColorsNever never colours.
	ColorsNever ColorMode = "never"
)

// Decode implements envconfig.Decoder.
func (m *ColorMode) Decode(value string) error {
	if m == nil {
		return errNilDecode
	}
	switch v := ColorMode(strings.ToLower(strings.TrimSpace(value))); v {
	case "":
		return nil
	case ColorsAuto, ColorsAlways, ColorsNever:
		*m = v
		return nil
	}
	return badValue("unknown colour mode %s: accepted values are auto, always, never", value)
}

// SpanStyle says how the console lays out nested spans
// (LOGFIRE_CONSOLE_SPAN_STYLE).
type SpanStyle string

// The accepted span styles.
const (
	// SpanStyleSimple prints every line flush left.
	SpanStyleSimple SpanStyle = "simple"
	// SpanStyleIndented indents each line two spaces per nesting level.
	SpanStyleIndented SpanStyle = "indented"
	// SpanStyleShowParents indents like SpanStyleIndented and, when output
	// switches between interleaved traces, re-prints the dimmed parent lines
	// of the trace being continued.
	SpanStyleShowParents SpanStyle = "show-parents"
)

// Decode implements envconfig.Decoder.
func (s *SpanStyle) Decode(value string) error {
	if s == nil {
		return errNilDecode
	}
	switch v := SpanStyle(strings.ToLower(strings.TrimSpace(value))); v {
	case "":
		return nil
	case SpanStyleSimple, SpanStyleIndented, SpanStyleShowParents:
		*s = v
		return nil
	}
	return badValue("unknown span style %s: accepted values are simple, indented, show-parents", value)
}
