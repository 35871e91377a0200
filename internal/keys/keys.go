// Package keys names the attributes that make up Logfire's wire conventions.
//
// Every package of the SDK that writes or reads a Logfire attribute takes its
// name from here, so the conventions live in one place. docs/conventions.md
// explains each key.
package keys

// Span and log attributes that Logfire's backend reads.
const (
	MsgTemplate     = "logfire.msg_template"
	Msg             = "logfire.msg"
	LevelNum        = "logfire.level_num"
	SpanType        = "logfire.span_type"
	PendingParentID = "logfire.pending_parent_id"
	JSONSchema      = "logfire.json_schema"
	Tags            = "logfire.tags"
	Scrubbed        = "logfire.scrubbed"
	SampleRate      = "logfire.sample_rate"
	// ExceptionFingerprint groups the exceptions of failed records into
	// issues.
	ExceptionFingerprint = "logfire.exception.fingerprint"
	DisableConsole       = "logfire.disable_console_log"

	CodeFilepath = "code.filepath"
	CodeLineno   = "code.lineno"
	CodeFunction = "code.function"
)

// Values of the SpanType attribute.
const (
	SpanTypeSpan    = "span"
	SpanTypeLog     = "log"
	SpanTypePending = "pending_span"
)

// Resource attributes set by the SDK.
const (
	ResourceVersion = "logfire.version"
)
