package testhook

import (
	"context"
	"testing"
	"time"
)

// TestWithFrom: the settings travel in the context; a context without them,
// or a nil one, has none.
func TestWithFrom(t *testing.T) {
	ctx := With(context.Background(), Settings{NotDefault: true, BatchScheduleDelay: time.Minute})
	s, ok := From(ctx)
	if !ok || !s.NotDefault || s.BatchScheduleDelay != time.Minute {
		t.Errorf("From = %+v, %v", s, ok)
	}
	if _, ok := From(context.Background()); ok {
		t.Error("settings in a plain context")
	}
	if _, ok := From(nil); ok { //nolint:staticcheck // a nil context on purpose
		t.Error("settings in a nil context")
	}
	if s, ok := From(With(nil, Settings{MaxQueueBytes: 1})); !ok || s.MaxQueueBytes != 1 { //nolint:staticcheck // a nil context on purpose
		t.Errorf("With(nil, …): %+v, %v", s, ok)
	}
}
