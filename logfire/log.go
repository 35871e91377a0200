package logfire

import (
	"context"
	"time"

	"go.opentelemetry.io/otel/trace"
)

// Log records a log at level: a span with start = end, named by the
// message template, with logfire.span_type=log. The args are attributes,
// given as in log/slog: key-value pairs ("name", "world"), slog.Attr or
// attribute.KeyValue values, and CallOptions such as Tags. Placeholders
// like {name} in the template are filled from them. An error among the
// values is recorded as an exception; at level error and above it also
// marks the log as failed. A nil ctx counts as context.Background(); a
// nil *Logfire records nothing.
func (lf *Logfire) Log(ctx context.Context, level Level, template string, args ...any) {
	lf.log(ctx, level, template, args)
}

// Enabled reports whether a log at level would be recorded, that is,
// whether level is at or above the minimum level. The log methods check
// this first themselves, so a call below the minimum returns at once;
// but Go converts non-constant arguments to any (which may allocate)
// before the call, so guard a hot log whose arguments are variables:
//
//	if lf.Enabled(logfire.LevelDebug) {
//		lf.Debug(ctx, "cache {key} hit", "key", key)
//	}
func (lf *Logfire) Enabled(level Level) bool {
	return lf != nil && lf.tracer != nil && level >= lf.minLevel
}

// Trace records a log at level trace. See Log.
func (lf *Logfire) Trace(ctx context.Context, template string, args ...any) {
	lf.log(ctx, LevelTrace, template, args)
}

// Debug records a log at level debug. See Log.
func (lf *Logfire) Debug(ctx context.Context, template string, args ...any) {
	lf.log(ctx, LevelDebug, template, args)
}

// Info records a log at level info. See Log.
func (lf *Logfire) Info(ctx context.Context, template string, args ...any) {
	lf.log(ctx, LevelInfo, template, args)
}

// Notice records a log at level notice. See Log.
func (lf *Logfire) Notice(ctx context.Context, template string, args ...any) {
	lf.log(ctx, LevelNotice, template, args)
}

// Warn records a log at level warn. See Log.
func (lf *Logfire) Warn(ctx context.Context, template string, args ...any) {
	lf.log(ctx, LevelWarn, template, args)
}

// Error records a log at level error. See Log.
func (lf *Logfire) Error(ctx context.Context, template string, args ...any) {
	lf.log(ctx, LevelError, template, args)
}

// Fatal records a log at level fatal. It does not exit the program. See
// Log.
func (lf *Logfire) Fatal(ctx context.Context, template string, args ...any) {
	lf.log(ctx, LevelFatal, template, args)
}

// log is the one path of every log call, as log/slog's Logger.log: the
// level check, then emit. It is small enough to be inlined, so that a log
// below the minimum level costs one comparison. A nil lf records nothing.
func (lf *Logfire) log(ctx context.Context, level Level, template string, args []any) {
	if lf == nil || level < lf.minLevel {
		return
	}
	lf.emit(ctx, level, template, args)
}

// defaultFor returns the default instance for the package-level function
// fn; before Configure it says that fn records nothing, and returns nil.
func defaultFor(fn string) *Logfire {
	lf := current()
	if lf == nil {
		noDefault(fn)
	}
	return lf
}

// emit records a log whose call site is the line that called the
// exported function that called log.
func (lf *Logfire) emit(ctx context.Context, level Level, template string, args []any) {
	if lf.tracer == nil {
		return // a zero Logfire, not made by Configure
	}
	pc := callerPC(3) // emit, log, the exported function, its caller
	c := getCallAttrs()
	c.add(args)
	lf.emitAttrs(ctx, level, template, c, pc, time.Now())
	c.release()
}

// emitAttrs records a log: a span that starts and ends at ts. A nil ctx
// means context.Background().
func (lf *Logfire) emitAttrs(ctx context.Context, level Level, template string, c *callAttrs, pc uintptr, ts time.Time) {
	if lf.tracer == nil {
		return
	}
	if lf.shutDown.Load() {
		lf.afterShutdown("a log was made")
		return
	}
	if ctx == nil {
		ctx = context.Background()
	}
	_, span := lf.tracer.Start(markLog(ctx), template,
		trace.WithTimestamp(ts),
		trace.WithAttributes(c.recordAttrs(template, spanTypeLog, level, pc, lf.scrubber)...),
	)
	for _, err := range c.errs {
		recordError(span, err, ts, level >= LevelError, false)
	}
	span.End(trace.WithTimestamp(ts))
}

// Log records a log at level with the default instance. See
// (*Logfire).Log.
func Log(ctx context.Context, level Level, template string, args ...any) {
	defaultFor("Log").log(ctx, level, template, args)
}

// Enabled reports whether the default instance would record a log at
// level; false if there is no default instance. See (*Logfire).Enabled.
func Enabled(level Level) bool { return current().Enabled(level) }

// Trace records a log at level trace with the default instance.
func Trace(ctx context.Context, template string, args ...any) {
	defaultFor("Trace").log(ctx, LevelTrace, template, args)
}

// Debug records a log at level debug with the default instance.
func Debug(ctx context.Context, template string, args ...any) {
	defaultFor("Debug").log(ctx, LevelDebug, template, args)
}

// Info records a log at level info with the default instance.
func Info(ctx context.Context, template string, args ...any) {
	defaultFor("Info").log(ctx, LevelInfo, template, args)
}

// Notice records a log at level notice with the default instance.
func Notice(ctx context.Context, template string, args ...any) {
	defaultFor("Notice").log(ctx, LevelNotice, template, args)
}

// Warn records a log at level warn with the default instance.
func Warn(ctx context.Context, template string, args ...any) {
	defaultFor("Warn").log(ctx, LevelWarn, template, args)
}

// Error records a log at level error with the default instance.
func Error(ctx context.Context, template string, args ...any) {
	defaultFor("Error").log(ctx, LevelError, template, args)
}

// Fatal records a log at level fatal with the default instance. It does
// not exit the program.
func Fatal(ctx context.Context, template string, args ...any) {
	defaultFor("Fatal").log(ctx, LevelFatal, template, args)
}
