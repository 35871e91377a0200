package logfire

import (
	"cmp"
	"encoding"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
)

// The entries of logfire.json_schema for values that travel as JSON say
// what the JSON holds, the way the Python SDK's do, so that the Logfire UI
// shows a Go value as the kind of value it was: a struct as an object with
// its type's name (the UI's "dataclass"), an error as an exception, a
// time.Time as a date, anywhere inside a struct, map or slice. Only entries
// that say something are written: a property or item that is a plain
// number or string has none, as in Python.

// Bounds of the schema of one value, so that a large value cannot make a
// larger schema: nesting deeper than maxSchemaDepth, the members of a map
// or struct past maxSchemaMembers and the items of a slice past
// maxSchemaItems are not described.
const (
	maxSchemaDepth   = 4
	maxSchemaMembers = 64
	maxSchemaItems   = 32
	maxWrappedErrors = 16
)

var (
	marshalerType     = reflect.TypeFor[json.Marshaler]()
	textMarshalerType = reflect.TypeFor[encoding.TextMarshaler]()
)

// schemaOf returns the schema entry of the JSON encoding of rv, a struct,
// map, slice or array (or anything inside one): schemaPlain where there is
// nothing to say.
func schemaOf(rv reflect.Value, depth int) string {
	var b strings.Builder
	if !writeSchema(&b, rv, depth) {
		return schemaPlain
	}
	return b.String()
}

// writeSchema writes the schema entry of rv and reports whether it wrote
// one; a value with nothing to say (a number, a string, a type with its
// own MarshalJSON) writes nothing.
func writeSchema(b *strings.Builder, rv reflect.Value, depth int) bool {
	for rv.Kind() == reflect.Pointer || rv.Kind() == reflect.Interface {
		if rv.IsNil() {
			b.WriteString(schemaNull)
			return true
		}
		rv = rv.Elem()
	}
	if !rv.IsValid() {
		b.WriteString(schemaNull)
		return true
	}
	t := rv.Type()
	if t == timeType {
		b.WriteString(schemaDateTime)
		return true
	}
	if depth >= maxSchemaDepth || customJSON(t) {
		return false
	}
	switch rv.Kind() {
	case reflect.Struct:
		b.WriteString(`{"type":"object"`)
		if t.Name() != "" {
			b.WriteString(`,"title":`)
			writeJSONString(b, t.String())
			b.WriteString(`,"x-python-datatype":"dataclass"`)
		}
		writeProperties(b, structMembers(rv), depth)
		b.WriteByte('}')
		return true
	case reflect.Map:
		if rv.IsNil() {
			b.WriteString(schemaNull)
			return true
		}
		b.WriteString(`{"type":"object"`)
		writeTitle(b, t)
		writeProperties(b, mapMembers(rv), depth)
		b.WriteByte('}')
		return true
	case reflect.Slice, reflect.Array:
		if rv.Kind() == reflect.Slice && rv.IsNil() {
			b.WriteString(schemaNull)
			return true
		}
		if t.Elem().Kind() == reflect.Uint8 {
			return false // encoding/json writes bytes as base64 text
		}
		b.WriteString(`{"type":"array"`)
		writeTitle(b, t)
		writeItems(b, rv, depth)
		b.WriteByte('}')
		return true
	}
	return false
}

// customJSON reports whether values of t encode themselves.
func customJSON(t reflect.Type) bool {
	return t.Implements(marshalerType) || reflect.PointerTo(t).Implements(marshalerType) ||
		t.Implements(textMarshalerType) || reflect.PointerTo(t).Implements(textMarshalerType)
}

// writeTitle names a named map or slice type, as Python names a Mapping
// or Sequence subclass.
func writeTitle(b *strings.Builder, t reflect.Type) {
	if t.Name() != "" {
		b.WriteString(`,"title":`)
		writeJSONString(b, t.String())
	}
}

// member is one property of an object: its JSON name and value.
type member struct {
	name  string
	value reflect.Value
}

// plainSchema reports whether entry says nothing a reader needs to know
// of a member or item (a plain value, a null, an object or array with no
// more to say), as the Python SDK's PLAIN_SCHEMAS: such members and items
// have no entry of their own.
func plainSchema(entry string) bool {
	switch entry {
	case schemaPlain, schemaNull, `{"type":"object"}`, `{"type":"array"}`:
		return true
	}
	return false
}

// writeProperties writes "properties" for the members with something to
// say, if any.
func writeProperties(b *strings.Builder, members []member, depth int) {
	var props strings.Builder
	n := 0
	for _, m := range members {
		mark := props.Len()
		if n > 0 {
			props.WriteByte(',')
		}
		writeJSONString(&props, m.name)
		props.WriteByte(':')
		start := props.Len()
		if writeSchema(&props, m.value, depth+1) && !plainSchema(props.String()[start:]) {
			n++
			continue
		}
		s := props.String()[:mark]
		props.Reset()
		props.WriteString(s)
	}
	if n > 0 {
		b.WriteString(`,"properties":{`)
		b.WriteString(props.String())
		b.WriteByte('}')
	}
}

// writeItems writes "items" when every item has the same entry, or
// "prefixItems" when they differ, as Python does; nothing when no item has
// anything to say.
func writeItems(b *strings.Builder, rv reflect.Value, depth int) {
	n := min(rv.Len(), maxSchemaItems)
	if n == 0 {
		return
	}
	items := make([]string, n)
	same, some := true, false
	for i := range n {
		items[i] = schemaOf(rv.Index(i), depth+1)
		some = some || !plainSchema(items[i])
		same = same && items[i] == items[0]
	}
	switch {
	case !some:
	case same:
		b.WriteString(`,"items":`)
		b.WriteString(items[0])
	case n == rv.Len():
		b.WriteString(`,"prefixItems":[`)
		b.WriteString(strings.Join(items, ","))
		b.WriteByte(']')
	}
}

// mapMembers lists the entries of a map in the order of their keys, as
// encoding/json writes them, at most maxSchemaMembers.
func mapMembers(rv reflect.Value) []member {
	out := make([]member, 0, min(rv.Len(), maxSchemaMembers))
	it := rv.MapRange()
	for it.Next() {
		out = append(out, member{name: mapKey(it.Key()), value: it.Value()})
	}
	slices.SortFunc(out, func(a, b member) int { return cmp.Compare(a.name, b.name) })
	if len(out) > maxSchemaMembers {
		out = out[:maxSchemaMembers]
	}
	return out
}

// mapKey is the JSON name of a map key: what encoding/json writes for
// string, integer and TextMarshaler keys, and what fmt prints for others
// (see stringKeys).
func mapKey(k reflect.Value) string {
	if k.Kind() == reflect.String {
		return k.String()
	}
	if k.CanInterface() {
		if tm, ok := k.Interface().(encoding.TextMarshaler); ok {
			if txt, err := tm.MarshalText(); err == nil {
				return string(txt)
			}
		}
	}
	return fmt.Sprint(k)
}

// jsonField is a struct field as encoding/json writes it.
type jsonField struct {
	index     []int
	name      string
	omitEmpty bool
}

// jsonFields caches the fields of struct types.
var jsonFields sync.Map // reflect.Type → []jsonField

// structMembers lists the fields of a struct value that encoding/json
// writes, at most maxSchemaMembers.
func structMembers(rv reflect.Value) []member {
	fields := fieldsOf(rv.Type())
	out := make([]member, 0, min(len(fields), maxSchemaMembers))
	for _, f := range fields {
		v, err := rv.FieldByIndexErr(f.index)
		if err != nil || (f.omitEmpty && v.IsZero()) {
			continue
		}
		out = append(out, member{name: f.name, value: v})
		if len(out) == maxSchemaMembers {
			break
		}
	}
	return out
}

func fieldsOf(t reflect.Type) []jsonField {
	if v, ok := jsonFields.Load(t); ok {
		return v.([]jsonField)
	}
	fields := collectFields(t, nil, 0)
	v, _ := jsonFields.LoadOrStore(t, fields)
	return v.([]jsonField)
}

// collectFields follows encoding/json's main rules: exported fields, named
// by their json tag if any, "-" left out, and the fields of an embedded
// struct without a tag promoted into the outer one.
func collectFields(t reflect.Type, index []int, depth int) []jsonField {
	var out []jsonField
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		idx := append(slices.Clone(index), i)
		ft := f.Type
		if ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		if f.Anonymous && name == "" && ft.Kind() == reflect.Struct {
			if depth < maxSchemaDepth {
				out = append(out, collectFields(ft, idx, depth+1)...)
			}
			continue
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		out = append(out, jsonField{index: idx, name: name, omitEmpty: strings.Contains(opts, "omitempty") || strings.Contains(opts, "omitzero")})
	}
	return out
}

// exceptionSchema is the schema entry of an error value: an object named
// by the error's type, which the Logfire UI shows as an exception (as the
// Python SDK sends exceptions), and, when the error wraps others, their
// types under "x-go-wrapped", outermost first.
func exceptionSchema(err error) string {
	var b strings.Builder
	b.WriteString(`{"type":"object","title":`)
	writeJSONString(&b, errorTypeName(err))
	b.WriteString(`,"x-python-datatype":"Exception"`)
	if wrapped := wrappedErrors(err); len(wrapped) > 0 {
		b.WriteString(`,"x-go-wrapped":[`)
		for i, w := range wrapped {
			if i > 0 {
				b.WriteByte(',')
			}
			writeJSONString(&b, errorTypeName(w))
		}
		b.WriteByte(']')
	}
	b.WriteByte('}')
	return b.String()
}

// errorTypeName is the Go type of err as %T prints it, such as
// "*fs.PathError".
func errorTypeName(err error) string { return fmt.Sprintf("%T", err) }

// wrappedErrors returns the errors err wraps (errors.Unwrap and
// Unwrap() []error), depth first, at most maxWrappedErrors; an Unwrap
// method that panics ends the walk.
func wrappedErrors(err error) (out []error) {
	defer func() { _ = recover() }()
	var walk func(error)
	walk = func(e error) {
		for _, w := range unwrapAll(e) {
			if len(out) == maxWrappedErrors || w == nil {
				return
			}
			out = append(out, w)
			walk(w)
		}
	}
	walk(err)
	return out
}

// unwrapAll returns what err wraps: one error, several, or none.
func unwrapAll(err error) []error {
	switch u := err.(type) {
	case interface{ Unwrap() []error }:
		return u.Unwrap()
	}
	if w := errors.Unwrap(err); w != nil {
		return []error{w}
	}
	return nil
}

// jsonStringSchema reports whether a schema entry is that of a value sent
// as a JSON string (an error, bytes), which a message shows unquoted.
func jsonStringSchema(schema string) bool {
	return schema == schemaBytes || schema == schemaDateTime || strings.HasSuffix(schema, `"x-python-datatype":"Exception"}`) ||
		strings.Contains(schema, `"x-python-datatype":"Exception","x-go-wrapped"`)
}
