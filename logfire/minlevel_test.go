package logfire_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/logfire-go/sdk/logfire"
	"github.com/logfire-go/sdk/logfiretest"
)

// named counts the records with the template.
func named(c *logfiretest.Capture, template string) int {
	n := 0
	for _, x := range c.All() {
		if x.Template() == template {
			n++
		}
	}
	return n
}

// A span whose level (info, or what AtLevel says) is below the minimum is
// not recorded, whatever the minimum; nor is its pending span.
func TestSpanLevelsAgainstMinLevel(t *testing.T) {
	levels := []logfire.Level{logfire.LevelTrace, logfire.LevelDebug, logfire.LevelInfo, logfire.LevelNotice, logfire.LevelWarn}
	for _, min := range append([]logfire.Level{0}, levels...) {
		t.Run(fmt.Sprint("min=", min), func(t *testing.T) {
			lf, c := logfiretest.New(t, logfire.WithMinLevel(min))
			ctx := context.Background()
			for _, l := range levels {
				_, s := lf.Span(ctx, l.String(), logfire.AtLevel(l))
				s.End()
				_ = lf.Do(ctx, "do "+l.String(), func(context.Context) error { return nil }, logfire.AtLevel(l))
			}
			_, s := lf.Span(ctx, "default level")
			s.End()
			for _, l := range levels {
				want := 0
				if l >= min {
					want = 2 // the pending span and the span
				}
				if got := named(c, l.String()); got != want {
					t.Errorf("span at %s: %d records, want %d", l, got, want)
				}
				if got := named(c, "do "+l.String()); got != want {
					t.Errorf("Do at %s: %d records, want %d", l, got, want)
				}
			}
			want := 0
			if logfire.LevelInfo >= min {
				want = 2
			}
			if got := named(c, "default level"); got != want {
				t.Errorf("span at the default level (info): %d records, want %d", got, want)
			}
		})
	}
}
