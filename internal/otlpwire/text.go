package otlpwire

import (
	"slices"
	"strings"
	"unicode/utf8"

	"go.opentelemetry.io/otel/attribute"
	"google.golang.org/protobuf/encoding/protowire"
)

// Protobuf refuses a string that is not valid UTF-8, and a receiver
// rejects a request that holds one: one bad byte in one attribute would
// lose every record of the request. So every string is checked as it is
// written, and invalid bytes become U+FFFD.
//
// A record whose strings together exceed MaxRecordBytes is encoded again
// with its strings shortened, each to a share of MaxRecordBytes, so that
// one record can never make a request too large for its neighbours.

// MaxRecordBytes bounds the strings of one encoded record, well under the
// size at which requests are split.
const MaxRecordBytes = 4 << 20

// TruncatedMark ends a string that was shortened.
const TruncatedMark = "…[truncated]"

// valid returns s, or s with its invalid bytes replaced by U+FFFD.
func valid(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	return strings.ToValidUTF8(s, "\uFFFD")
}

// shorten cuts s to at most limit bytes (on a character boundary) and
// marks the cut; limit < 0 leaves s alone.
func shorten(s string, limit int) string {
	if limit < 0 || len(s) <= limit {
		return s
	}
	cut := max(limit-len(TruncatedMark), 0)
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + TruncatedMark
}

// text appends the string field num, made valid and, with a limit set,
// shortened; an empty string is left out.
func (s *state) text(num protowire.Number, v string) {
	s.b = appendString(s.b, num, shorten(valid(v), s.limit))
}

// name appends a string that is never shortened (keys, scope and resource
// strings), made valid.
func (s *state) name(num protowire.Number, v string) {
	s.b = appendString(s.b, num, valid(v))
}

// perStringLimit is the limit of each string of a record whose strings
// take total bytes in count strings: none if they fit, else a share of
// MaxRecordBytes each, at least 1 KiB.
func perStringLimit(total, count int) int {
	if total <= MaxRecordBytes {
		return -1
	}
	return max(MaxRecordBytes/max(count, 1), 1024)
}

// stringBytes adds to total and count the bytes and strings of v.
func stringBytes(v attribute.Value, total, count *int) {
	switch v.Type() {
	case attribute.STRING, attribute.BYTESLICE:
		*total += len(v.AsString())
		*count++
	case attribute.STRINGSLICE:
		for _, e := range v.AsStringSlice() {
			*total += len(e)
			*count++
		}
	case attribute.SLICE:
		for _, e := range v.AsSlice() {
			stringBytes(e, total, count)
		}
	case attribute.MAP:
		for _, kv := range v.AsMap() {
			*total += len(kv.Key)
			stringBytes(kv.Value, total, count)
		}
	}
}

// attrsStringBytes adds the bytes and strings of kvs, keys included.
func attrsStringBytes(kvs []attribute.KeyValue, total, count *int) {
	for _, kv := range kvs {
		*total += len(kv.Key)
		stringBytes(kv.Value, total, count)
	}
}

// ValidAttributes returns kvs with every string (keys included) made
// valid UTF-8, and whether any had to change; kvs itself when none did.
// It is for what the SDK hands to other processors as well as to its own
// exporters, such as the resource.
func ValidAttributes(kvs []attribute.KeyValue) ([]attribute.KeyValue, bool) {
	changed := false
	var out []attribute.KeyValue
	for i, kv := range kvs {
		v, vc := validValue(kv.Value)
		k := valid(string(kv.Key))
		if !vc && k == string(kv.Key) {
			if out != nil {
				out = append(out, kv)
			}
			continue
		}
		if out == nil {
			out = append(make([]attribute.KeyValue, 0, len(kvs)), kvs[:i]...)
		}
		changed = true
		out = append(out, attribute.KeyValue{Key: attribute.Key(k), Value: v})
	}
	if !changed {
		return kvs, false
	}
	return out, true
}

// validValue returns v with its strings made valid, and whether any had
// to change.
func validValue(v attribute.Value) (attribute.Value, bool) {
	switch v.Type() {
	case attribute.STRING:
		if s := v.AsString(); !utf8.ValidString(s) {
			return attribute.StringValue(valid(s)), true
		}
	case attribute.STRINGSLICE:
		ss := v.AsStringSlice()
		changed := false
		for i, s := range ss {
			if !utf8.ValidString(s) {
				if !changed {
					ss = slices.Clone(ss)
				}
				ss[i], changed = valid(s), true
			}
		}
		if changed {
			return attribute.StringSliceValue(ss), true
		}
	case attribute.SLICE:
		vs := v.AsSlice()
		changed := false
		for i, e := range vs {
			if f, c := validValue(e); c {
				if !changed {
					vs = slices.Clone(vs)
				}
				vs[i], changed = f, true
			}
		}
		if changed {
			return attribute.SliceValue(vs...), true
		}
	case attribute.MAP:
		if kvs, c := ValidAttributes(v.AsMap()); c {
			return attribute.MapValue(kvs...), true
		}
	}
	return v, false
}
