package llmreplay

import (
	"fmt"
	"reflect"
	"slices"

	"go.opentelemetry.io/otel/attribute"
)

// Diff compares a span's attributes with want, every attribute but those
// named in skip: it returns one line for each attribute that is missing,
// has another value or is not in want, sorted. Integer values compare as
// int64 and float values as float64; a string slice as []string.
func Diff(got []attribute.KeyValue, want map[string]any, skip ...string) []string {
	var out []string
	seen := map[string]bool{}
	for _, kv := range got {
		k := string(kv.Key)
		if slices.Contains(skip, k) {
			continue
		}
		seen[k] = true
		w, ok := want[k]
		if !ok {
			out = append(out, fmt.Sprintf("unexpected %s = %#v", k, kv.Value.AsInterface()))
			continue
		}
		if g := kv.Value.AsInterface(); !reflect.DeepEqual(g, normal(w)) {
			out = append(out, fmt.Sprintf("%s = %#v, want %#v", k, g, w))
		}
	}
	for k, w := range want {
		if !seen[k] {
			out = append(out, fmt.Sprintf("missing %s (want %#v)", k, w))
		}
	}
	slices.Sort(out)
	return out
}

func normal(v any) any {
	switch v := v.(type) {
	case int:
		return int64(v)
	case float32:
		return float64(v)
	}
	return v
}

// With returns a copy of attrs changed by extra: each of its values
// replaces or adds the attribute, and a nil value removes it.
func With(attrs, extra map[string]any) map[string]any {
	out := make(map[string]any, len(attrs)+len(extra))
	for k, v := range attrs {
		out[k] = v
	}
	for k, v := range extra {
		if v == nil {
			delete(out, k)
		} else {
			out[k] = v
		}
	}
	return out
}
