package instance

import "go.opentelemetry.io/otel/attribute"

// CodeAttributes returns code.filepath, code.lineno and code.function of
// the call site whose return program counter is pc, as the SDK's own
// records have them (paths relative to the module, cached per call site).
// Package logfire sets it; the integrations that start spans for a
// program's calls (logfireopenai, logfireanthropic) use it.
var CodeAttributes func(pc uintptr) [3]attribute.KeyValue
