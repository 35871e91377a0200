package delivery

import (
	"context"
	"sync/atomic"
	"time"
)

// An export call tells the Transport, through the context of the request
// the OpenTelemetry exporter makes, what the request carries: which signal,
// how many records (so that they can be counted without decoding the
// body) and whether it is part of a flush.
type call struct {
	signal Signal
	count  int
	// seen is set by the Transport when the request reached it: an export
	// that failed without it never made a request (it could not encode).
	seen bool
}

type callKey struct{}

// WithCall returns ctx for an export of count records of sig. The returned
// function reports, after the export, whether the Transport saw its
// request.
func WithCall(ctx context.Context, sig Signal, count int) (context.Context, func() bool) {
	c := &call{signal: sig, count: count}
	return context.WithValue(ctx, callKey{}, c), func() bool { return c.seen }
}

func callFrom(ctx context.Context) *call {
	c, _ := ctx.Value(callKey{}).(*call)
	return c
}

// Modes say how hard an export tries while the backend is failing.
type mode int

const (
	// background: the export queue's own exports. While the breaker is
	// open they send nothing until a probe is due.
	background mode = iota
	// flush: ForceFlush. While the breaker is open it probes once, briefly.
	flush
	// final: Shutdown. It tries everything within its context.
	final
)

type modeKey struct{}

// flushState is what the exports of one flush or Shutdown share.
type flushState struct {
	mode mode
	// probed is set once an export of this flush has probed a failing
	// backend in vain: the others keep their records without trying, so
	// that the flush costs at most one probe's time.
	probed atomic.Bool
	// start is when the flush began: its probes of a failing backend end
	// by start plus the probe timeout, so that the flush as a whole, not
	// each of its exports, is bounded by the probe.
	start time.Time
}

// WithFlush marks ctx as that of a ForceFlush: exports in it probe a
// failing backend once instead of waiting for the next probe.
func WithFlush(ctx context.Context) context.Context {
	return context.WithValue(ctx, modeKey{}, &flushState{mode: flush, start: time.Now()})
}

// WithShutdown marks ctx as that of a Shutdown: exports in it try to
// deliver everything within the context, outage or not.
func WithShutdown(ctx context.Context) context.Context {
	return context.WithValue(ctx, modeKey{}, &flushState{mode: final})
}

func flushFrom(ctx context.Context) *flushState {
	f, _ := ctx.Value(modeKey{}).(*flushState)
	return f
}

func modeFrom(ctx context.Context) mode {
	if f := flushFrom(ctx); f != nil {
		return f.mode
	}
	return background
}

type keepKey struct{}

// KeepOnly returns a context, not done, for an export whose own context
// has ended: the Transport keeps its request in the retry buffer without
// sending it. (An OpenTelemetry exporter given a done context returns at
// once, without a request, and the records would be lost.)
func KeepOnly(ctx context.Context) context.Context {
	return context.WithValue(context.WithoutCancel(ctx), keepKey{}, true)
}

func keepOnly(ctx context.Context) bool {
	v, _ := ctx.Value(keepKey{}).(bool)
	return v
}
