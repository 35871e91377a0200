package logfire

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"log/slog"
	"math"
	"reflect"
	"strconv"
	"time"
	"unicode/utf8"

	"go.opentelemetry.io/otel/attribute"
)

// JSON schema entries for logfire.json_schema. Primitive values have the
// empty schema; other values travel as JSON strings and say what they are.
const (
	schemaPlain    = `{}`
	schemaNull     = `{"type":"null"}`
	schemaObject   = `{"type":"object"}`
	schemaArray    = `{"type":"array"}`
	schemaDateTime = `{"type":"string","format":"date-time","x-python-datatype":"datetime"}`
	schemaBytes    = `{"type":"string","x-python-datatype":"bytes"}`
)

// timeType is time.Time's type, recognised behind pointers and inside
// structs, maps and slices.
var timeType = reflect.TypeFor[time.Time]()

// convertValue turns any Go value into an attribute value and its schema
// entry. OpenTelemetry's own types pass through; anything else that is not
// a string, number or bool becomes compact JSON. It never panics.
func convertValue(v any) (val attribute.Value, schema string) {
	switch x := v.(type) {
	case nil:
		return attribute.StringValue("null"), schemaNull
	case string:
		return attribute.StringValue(x), schemaPlain
	case bool:
		return attribute.BoolValue(x), schemaPlain
	case int:
		return attribute.IntValue(x), schemaPlain
	case int64:
		return attribute.Int64Value(x), schemaPlain
	case int32:
		return attribute.Int64Value(int64(x)), schemaPlain
	case int16:
		return attribute.Int64Value(int64(x)), schemaPlain
	case int8:
		return attribute.Int64Value(int64(x)), schemaPlain
	case uint8:
		return attribute.Int64Value(int64(x)), schemaPlain
	case uint16:
		return attribute.Int64Value(int64(x)), schemaPlain
	case uint32:
		return attribute.Int64Value(int64(x)), schemaPlain
	case uint:
		return uintValue(uint64(x)), schemaPlain
	case uint64:
		return uintValue(x), schemaPlain
	case float64:
		return floatValue(x), schemaPlain
	case float32:
		return floatValue(float64(x)), schemaPlain
	case time.Time:
		return timeValue(x), schemaDateTime
	case *time.Time:
		if x == nil {
			return attribute.StringValue("null"), schemaNull
		}
		return timeValue(*x), schemaDateTime
	case time.Duration:
		return attribute.StringValue(x.String()), schemaPlain
	case []byte:
		return bytesValue(x)
	case attribute.Value:
		return x, schemaPlain
	case slog.Value:
		return convertSlogValue(x)
	case error:
		return errorValue(x)
	case json.Marshaler:
		// Checked before fmt.Stringer: a type that says how it is JSON
		// knows best.
		return jsonValue(v)
	case fmt.Stringer:
		if isNilPointer(x) {
			return attribute.StringValue("null"), schemaNull
		}
		return attribute.StringValue(safeString(x.String)), schemaPlain
	}
	return reflectValue(v)
}

// timeValue is t as a JSON string of RFC 3339 with nanoseconds, as the
// Python SDK sends a datetime: a JSON string, which a reader that decodes
// the value by its date-time schema (the Logfire UI, the Python console)
// shows as a date.
func timeValue(t time.Time) attribute.Value {
	return attribute.StringValue(`"` + t.Format(time.RFC3339Nano) + `"`)
}

func uintValue(u uint64) attribute.Value {
	if u > math.MaxInt64 {
		return attribute.StringValue(strconv.FormatUint(u, 10))
	}
	return attribute.Int64Value(int64(u))
}

func floatValue(f float64) attribute.Value {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return attribute.StringValue(strconv.FormatFloat(f, 'g', -1, 64))
	}
	return attribute.Float64Value(f)
}

func convertSlogValue(v slog.Value) (attribute.Value, string) {
	v = v.Resolve()
	switch v.Kind() {
	case slog.KindString:
		return attribute.StringValue(v.String()), schemaPlain
	case slog.KindInt64:
		return attribute.Int64Value(v.Int64()), schemaPlain
	case slog.KindUint64:
		return uintValue(v.Uint64()), schemaPlain
	case slog.KindFloat64:
		return floatValue(v.Float64()), schemaPlain
	case slog.KindBool:
		return attribute.BoolValue(v.Bool()), schemaPlain
	case slog.KindDuration:
		return attribute.StringValue(v.Duration().String()), schemaPlain
	case slog.KindTime:
		return timeValue(v.Time()), schemaDateTime
	case slog.KindGroup:
		m := make(map[string]any, len(v.Group()))
		for _, a := range v.Group() {
			m[a.Key] = a.Value.Resolve().Any()
		}
		return jsonValue(m)
	}
	return convertValue(v.Any())
}

// reflectValue handles the kinds a type switch cannot name: pointers,
// named primitive types, time.Time behind a pointer, maps, slices, arrays
// and structs.
func reflectValue(v any) (attribute.Value, string) {
	rv := reflect.ValueOf(v)
	for rv.Kind() == reflect.Pointer || rv.Kind() == reflect.Interface {
		if rv.IsNil() {
			return attribute.StringValue("null"), schemaNull
		}
		rv = rv.Elem()
	}
	if rv.Type() == timeType && rv.CanInterface() {
		return convertValue(rv.Interface())
	}
	switch rv.Kind() {
	case reflect.String:
		return attribute.StringValue(rv.String()), schemaPlain
	case reflect.Bool:
		return attribute.BoolValue(rv.Bool()), schemaPlain
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return attribute.Int64Value(rv.Int()), schemaPlain
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return uintValue(rv.Uint()), schemaPlain
	case reflect.Float32, reflect.Float64:
		return floatValue(rv.Float()), schemaPlain
	case reflect.Map, reflect.Slice:
		if rv.IsNil() {
			return attribute.StringValue("null"), schemaNull
		}
	case reflect.Struct, reflect.Array:
	default:
		// Channels, functions and other values JSON cannot encode.
		return attribute.StringValue(unserializable(v)), schemaPlain
	}
	val, schema := jsonValue(v)
	if rv.Kind() == reflect.Map && val.AsString() == unserializable(v) {
		// encoding/json takes only string, integer and TextMarshaler keys;
		// other keys are written as fmt prints them.
		val, schema = jsonValue(stringKeys(rv))
	}
	if schema == schemaObject || schema == schemaArray {
		if s := schemaOf(rv, 0); s != schemaPlain {
			schema = s
		}
	}
	return val, schema
}

// stringKeys copies a map with keys that JSON cannot encode into one with
// the keys as fmt prints them.
func stringKeys(rv reflect.Value) map[string]any {
	m := make(map[string]any, rv.Len())
	it := rv.MapRange()
	for it.Next() {
		if it.Value().CanInterface() {
			m[fmt.Sprint(it.Key())] = it.Value().Interface()
		}
	}
	return m
}

// unserializable is what a value that cannot be encoded becomes.
func unserializable(v any) string { return fmt.Sprintf("[unserializable %T]", v) }

// jsonValue encodes v as compact JSON. A value that cannot be encoded (a
// cycle, a channel, a MarshalJSON that fails or panics) becomes a short
// description instead.
func jsonValue(v any) (val attribute.Value, schema string) {
	defer func() {
		if recover() != nil {
			val, schema = attribute.StringValue(unserializable(v)), schemaPlain
		}
	}()
	b, err := marshalJSON(v)
	if err != nil {
		return attribute.StringValue(unserializable(v)), schemaPlain
	}
	switch {
	case len(b) > 0 && b[0] == '{':
		return attribute.StringValue(string(b)), schemaObject
	case len(b) > 0 && b[0] == '[':
		return attribute.StringValue(string(b)), schemaArray
	case string(b) == "null":
		return attribute.StringValue("null"), schemaNull
	}
	return attribute.StringValue(string(b)), schemaPlain
}

// bytesValue is a []byte as Python sends bytes: a JSON string of the text,
// or of its base64 form when it is not UTF-8.
func bytesValue(b []byte) (attribute.Value, string) {
	if b == nil {
		return attribute.StringValue("null"), schemaNull
	}
	s := string(b)
	if !utf8.Valid(b) {
		s = base64.StdEncoding.EncodeToString(b)
	}
	return attribute.StringValue(quoteJSON(s)), schemaBytes
}

// errorValue is an error as Python sends an exception: its message as a
// JSON string, with a schema that names its type and the types of the
// errors it wraps (see exceptionSchema).
func errorValue(err error) (attribute.Value, string) {
	if isNilPointer(err) {
		return attribute.StringValue("null"), schemaNull
	}
	return attribute.StringValue(quoteJSON(safeString(err.Error))), exceptionSchema(err)
}

// quoteJSON returns s as a JSON string.
func quoteJSON(s string) string {
	b, err := marshalJSON(s)
	if err != nil {
		return `""` // a string always encodes
	}
	return string(b)
}

// marshalJSON is json.Marshal without the escaping of <, > and & that
// only matters inside HTML: values read as they were written, as in the
// Python SDK.
func marshalJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// safeString calls a String or Error method, turning a panic (for example
// from a nil receiver) into a description.
func safeString(f func() string) (s string) {
	defer func() {
		if r := recover(); r != nil {
			s = fmt.Sprintf("[panic in String: %v]", r)
		}
	}()
	return f()
}

func isNilPointer(v any) bool {
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Pointer, reflect.Map, reflect.Slice, reflect.Interface, reflect.Func, reflect.Chan:
		return rv.IsNil()
	}
	return false
}

// formatValue renders an attribute value inside logfire.msg.
func formatValue(v attribute.Value) string {
	switch v.Type() {
	case attribute.STRING:
		return v.AsString()
	case attribute.INT64:
		return strconv.FormatInt(v.AsInt64(), 10)
	case attribute.BOOL:
		return strconv.FormatBool(v.AsBool())
	case attribute.FLOAT64:
		return strconv.FormatFloat(v.AsFloat64(), 'g', -1, 64)
	}
	return v.Emit()
}
