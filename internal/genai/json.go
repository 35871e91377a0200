package genai

import (
	"encoding/json"
	"strings"
	"unsafe"

	"github.com/tidwall/gjson"
)

// Parse returns the JSON value in b without copying it: the strings read
// from the result alias b, so b must not change while they are in use.
// An event's data is reused after Stream.Event returns: keep a string
// read from it with Clone.
func Parse(b []byte) gjson.Result {
	if len(b) == 0 {
		return gjson.Result{}
	}
	return gjson.Parse(unsafe.String(&b[0], len(b)))
}

// Clone returns r's string value in memory of its own.
func Clone(r gjson.Result) string { return strings.Clone(r.String()) }

// Role returns the role field of a message, "user" when it has none (as
// the Python SDK reads it).
func Role(m gjson.Result) string {
	if r := m.Get("role").String(); r != "" {
		return r
	}
	return "user"
}

// JSON returns r as a message part that is kept as it is: its JSON text,
// or, when the text is not valid JSON (a malformed body), the text as a
// string, so that the attribute it goes into still encodes.
func JSON(r gjson.Result) any {
	if json.Valid([]byte(r.Raw)) {
		return json.RawMessage(r.Raw)
	}
	return r.Raw
}

// Raw returns the JSON text of r (compacted by the encoding of the
// attribute that holds it), or "" when r does not exist.
func Raw(r gjson.Result) string {
	if !r.Exists() {
		return ""
	}
	return r.Raw
}

// SetUsage sets u's input and output tokens from the fields in and out of
// usage, when they are numbers, and u.Raw from usage with its null fields
// left out (the Python SDK's model_dump(exclude_none=True)).
func SetUsage(u *Usage, usage gjson.Result, in, out string) {
	if !usage.IsObject() {
		return
	}
	if v := usage.Get(in); v.Type == gjson.Number {
		u.Input, u.HasInput = v.Int(), true
	}
	if v := usage.Get(out); v.Type == gjson.Number {
		u.Output, u.HasOutput = v.Int(), true
	}
	u.Raw = withoutNulls(usage)
}

// withoutNulls returns the JSON of obj without its null fields, at any
// depth.
func withoutNulls(obj gjson.Result) string {
	if !gjson.Valid(obj.Raw) {
		return "" // a malformed body: gjson gives what it could read
	}
	if !strings.Contains(obj.Raw, "null") {
		return strings.Clone(obj.Raw)
	}
	var b strings.Builder
	writeWithoutNulls(&b, obj)
	return b.String()
}

func writeWithoutNulls(b *strings.Builder, v gjson.Result) {
	if !v.IsObject() {
		b.WriteString(v.Raw)
		return
	}
	b.WriteByte('{')
	first := true
	v.ForEach(func(k, val gjson.Result) bool {
		if val.Type == gjson.Null {
			return true
		}
		if !first {
			b.WriteByte(',')
		}
		first = false
		b.WriteString(k.Raw)
		b.WriteByte(':')
		writeWithoutNulls(b, val)
		return true
	})
	b.WriteByte('}')
}
