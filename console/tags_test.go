package console

import (
	"testing"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// TestHideTags: LOGFIRE_CONSOLE_INCLUDE_TAGS=false, or Options.HideTags,
// leaves the tags out of the lines; the variable set to true, or neither,
// keeps them.
func TestHideTags(t *testing.T) {
	records := []sdktrace.ReadOnlySpan{
		pendingSpan(traceA, 1, 0, 1, "tagged span", tags("db", "slow")),
		logRecord(traceA, 1, 2, "one tag", tags("cache")),
	}
	const with = "00:00:01.000 tagged span [db,slow]\n00:00:02.000   one tag [cache]\n"
	const without = "00:00:01.000 tagged span\n00:00:02.000   one tag\n"
	for _, tc := range []struct {
		env  string
		opts *Options
		want string
	}{
		{"", nil, with},
		{"true", nil, with},
		{"false", nil, without},
		{"0", &Options{}, without},
		{"", &Options{HideTags: true}, without},
		{"true", &Options{HideTags: true}, without},
	} {
		s := tc.opts.resolve(env("LOGFIRE_CONSOLE_INCLUDE_TAGS", tc.env))
		got := render(t, records, func(r *settings) { r.tags = s.tags })
		if got != tc.want {
			t.Errorf("env %q, options %+v:\n got %q\nwant %q", tc.env, tc.opts, got, tc.want)
		}
	}
}
