package config

// The constants of ColorMode, SpanStyle and SendMode are the values that
// their environment variables take, as internal/envconfig decodes them.

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

func (m ColorMode) valid() bool {
	return m == ColorsAuto || m == ColorsAlways || m == ColorsNever
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

func (s SpanStyle) valid() bool {
	return s == SpanStyleSimple || s == SpanStyleIndented || s == SpanStyleShowParents
}

// SendMode says whether telemetry is sent to Logfire
// (LOGFIRE_SEND_TO_LOGFIRE: true, false or if-token-present; the
// booleans 1, t, 0, f are accepted too).
type SendMode string

// The accepted send modes.
const (
	// SendAlways sends to Logfire and requires a token.
	SendAlways SendMode = "true"
	// SendNever sends nothing to Logfire, even with a token.
	SendNever SendMode = "false"
	// SendIfTokenPresent sends when a token is configured (the default), so
	// that a program without a token still runs and prints to the console.
	SendIfTokenPresent SendMode = "if-token-present"
)

func (m SendMode) valid() bool {
	return m == SendAlways || m == SendNever || m == SendIfTokenPresent
}
