package logfire

import (
	"context"
	"log/slog"
	"time"
)

// SlogHandler returns a log/slog handler that records every slog record
// as a Logfire log inside the current span of the record's context: the
// message is the template ({name} placeholders are filled from the
// attributes), groups become dotted keys, and the source location comes
// from the record. slog levels map to Logfire levels: below debug is
// trace, debug to below info is debug, info and info+1 are info, info+2
// and info+3 are notice, warn to below error is warn, error to error+3 is
// error, and anything higher is fatal.
//
// To make slog.Info and friends record to Logfire:
//
//	slog.SetDefault(slog.New(lf.SlogHandler()))
//	slog.InfoContext(ctx, "user {id} logged in", "id", 7)
//
// A nil *Logfire gives a handler that uses the default instance (the one
// the last Configure made) at the time of each call.
func (lf *Logfire) SlogHandler() slog.Handler { return &slogHandler{lf: lf} }

type slogHandler struct {
	lf     *Logfire
	pre    callAttrs // attributes from WithAttrs, converted once
	prefix string    // open groups, as "a.b."
}

func (h *slogHandler) instance() *Logfire {
	if h.lf != nil {
		return h.lf
	}
	return current()
}

// slogLevel maps a slog level to a Logfire level, as SlogHandler says.
func slogLevel(l slog.Level) Level {
	switch {
	case l < slog.LevelDebug:
		return LevelTrace
	case l < slog.LevelInfo:
		return LevelDebug
	case l < slog.LevelInfo+2:
		return LevelInfo
	case l < slog.LevelWarn:
		return LevelNotice
	case l < slog.LevelError:
		return LevelWarn
	case l < slog.LevelError+4:
		return LevelError
	}
	return LevelFatal
}

func (h *slogHandler) Enabled(_ context.Context, l slog.Level) bool {
	lf := h.instance()
	if lf == nil {
		noDefault("SlogHandler's logger")
		return false
	}
	return slogLevel(l) >= lf.minLevel
}

func (h *slogHandler) Handle(ctx context.Context, r slog.Record) error {
	lf := h.instance()
	if lf == nil {
		return nil
	}
	level := slogLevel(r.Level)
	if level < lf.minLevel {
		return nil
	}
	c := getCallAttrs()
	defer c.release()
	h.pre.copyTo(c, r.NumAttrs())
	r.Attrs(func(a slog.Attr) bool {
		c.putSlog(h.prefix, a)
		return true
	})
	ts := r.Time
	if ts.IsZero() {
		ts = time.Now()
	}
	if ctx == nil {
		ctx = context.Background()
	}
	lf.emitAttrs(ctx, level, r.Message, c, r.PC, ts)
	return nil
}

func (h *slogHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	if len(attrs) == 0 {
		return h
	}
	nh := *h
	nh.pre = h.pre.clone(len(attrs))
	for _, a := range attrs {
		nh.pre.putSlog(h.prefix, a)
	}
	return &nh
}

func (h *slogHandler) WithGroup(name string) slog.Handler {
	if name == "" {
		return h
	}
	nh := *h
	nh.prefix = h.prefix + name + "."
	return &nh
}
