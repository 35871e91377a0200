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
	if lf == nil || level < lf.minLevel {
		return
	}
	lf.emit(ctx, level, template, args, callerPC(1))
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
	if lf == nil || LevelTrace < lf.minLevel {
		return
	}
	lf.emit(ctx, LevelTrace, template, args, callerPC(1))
}

// Debug records a log at level debug. See Log.
func (lf *Logfire) Debug(ctx context.Context, template string, args ...any) {
	if lf == nil || LevelDebug < lf.minLevel {
		return
	}
	lf.emit(ctx, LevelDebug, template, args, callerPC(1))
}

// Info records a log at level info. See Log.
func (lf *Logfire) Info(ctx context.Context, template string, args ...any) {
	if lf == nil || LevelInfo < lf.minLevel {
		return
	}
	lf.emit(ctx, LevelInfo, template, args, callerPC(1))
}

// Notice records a log at level notice. See Log.
func (lf *Logfire) Notice(ctx context.Context, template string, args ...any) {
	if lf == nil || LevelNotice < lf.minLevel {
		return
	}
	lf.emit(ctx, LevelNotice, template, args, callerPC(1))
}

// Warn records a log at level warn. See Log.
func (lf *Logfire) Warn(ctx context.Context, template string, args ...any) {
	if lf == nil || LevelWarn < lf.minLevel {
		return
	}
	lf.emit(ctx, LevelWarn, template, args, callerPC(1))
}

// Error records a log at level error. See Log.
func (lf *Logfire) Error(ctx context.Context, template string, args ...any) {
	if lf == nil || LevelError < lf.minLevel {
		return
	}
	lf.emit(ctx, LevelError, template, args, callerPC(1))
}

// Fatal records a log at level fatal. It does not exit the program. See
// Log.
func (lf *Logfire) Fatal(ctx context.Context, template string, args ...any) {
	if lf == nil || LevelFatal < lf.minLevel {
		return
	}
	lf.emit(ctx, LevelFatal, template, args, callerPC(1))
}

func (lf *Logfire) emit(ctx context.Context, level Level, template string, args []any, pc uintptr) {
	if lf.tracer == nil {
		return // a zero Logfire, not made by Configure
	}
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
		recordError(span, err, ts, level >= LevelError)
	}
	span.End(trace.WithTimestamp(ts))
}

// Log records a log at level with the default instance. See
// (*Logfire).Log.
func Log(ctx context.Context, level Level, template string, args ...any) {
	lf := Default()
	if lf == nil {
		noDefault("Log")
		return
	}
	if level >= lf.minLevel {
		lf.emit(ctx, level, template, args, callerPC(1))
	}
}

// Enabled reports whether the default instance would record a log at
// level; false if there is no default instance. See (*Logfire).Enabled.
func Enabled(level Level) bool { return Default().Enabled(level) }

// Trace records a log at level trace with the default instance.
func Trace(ctx context.Context, template string, args ...any) {
	lf := Default()
	if lf == nil {
		noDefault("Trace")
		return
	}
	if LevelTrace >= lf.minLevel {
		lf.emit(ctx, LevelTrace, template, args, callerPC(1))
	}
}

// Debug records a log at level debug with the default instance.
func Debug(ctx context.Context, template string, args ...any) {
	lf := Default()
	if lf == nil {
		noDefault("Debug")
		return
	}
	if LevelDebug >= lf.minLevel {
		lf.emit(ctx, LevelDebug, template, args, callerPC(1))
	}
}

// Info records a log at level info with the default instance.
func Info(ctx context.Context, template string, args ...any) {
	lf := Default()
	if lf == nil {
		noDefault("Info")
		return
	}
	if LevelInfo >= lf.minLevel {
		lf.emit(ctx, LevelInfo, template, args, callerPC(1))
	}
}

// Notice records a log at level notice with the default instance.
func Notice(ctx context.Context, template string, args ...any) {
	lf := Default()
	if lf == nil {
		noDefault("Notice")
		return
	}
	if LevelNotice >= lf.minLevel {
		lf.emit(ctx, LevelNotice, template, args, callerPC(1))
	}
}

// Warn records a log at level warn with the default instance.
func Warn(ctx context.Context, template string, args ...any) {
	lf := Default()
	if lf == nil {
		noDefault("Warn")
		return
	}
	if LevelWarn >= lf.minLevel {
		lf.emit(ctx, LevelWarn, template, args, callerPC(1))
	}
}

// Error records a log at level error with the default instance.
func Error(ctx context.Context, template string, args ...any) {
	lf := Default()
	if lf == nil {
		noDefault("Error")
		return
	}
	if LevelError >= lf.minLevel {
		lf.emit(ctx, LevelError, template, args, callerPC(1))
	}
}

// Fatal records a log at level fatal with the default instance. It does
// not exit the program.
func Fatal(ctx context.Context, template string, args ...any) {
	lf := Default()
	if lf == nil {
		noDefault("Fatal")
		return
	}
	if LevelFatal >= lf.minLevel {
		lf.emit(ctx, LevelFatal, template, args, callerPC(1))
	}
}
