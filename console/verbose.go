package console

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"go.opentelemetry.io/otel/attribute"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"

	"github.com/logfire-go/sdk/internal/keys"

	"github.com/logfire-go/sdk/internal/jsontree"
)

// details appends the verbose lines under the line of a record at nesting
// level depth, each starting with a │ bar lined up under the message:
//
//	│ main.go:42 info
//	│ name='world'
//	│ ValueError: bad input
//	│ <stack trace>
func (f *formatter) details(buf []byte, s sdktrace.ReadOnlySpan, r *record, depth int) []byte {
	margin := f.margin(depth)
	attrs := s.Attributes()

	buf = f.bar(buf, margin)
	if loc := location(attrs); loc != "" {
		buf = f.styled(buf, cyan, loc)
		buf = append(buf, ' ')
	}
	buf = append(buf, r.level.String()...)
	buf = append(buf, '\n')

	buf = f.arguments(buf, attrs, margin)

	for _, ev := range s.Events() {
		if ev.Name == semconv.ExceptionEventName {
			buf = f.exception(buf, ev.Attributes, margin)
		}
	}
	return buf
}

// bar starts a detail line: the margin, a blue │ and a space.
func (f *formatter) bar(buf []byte, margin int) []byte {
	buf = appendSpaces(buf, margin)
	buf = f.paint.add(buf, blue, "│")
	return append(buf, ' ')
}

// location is "code.filepath:code.lineno", or the file alone, or "".
func location(attrs []attribute.KeyValue) string {
	var file, line string
	for _, kv := range attrs {
		switch kv.Key {
		case keys.CodeFilepath:
			file = kv.Value.Emit()
		case keys.CodeLineno:
			switch kv.Value.Type() {
			case attribute.INT64:
				line = strconv.FormatInt(kv.Value.AsInt64(), 10)
			case attribute.FLOAT64, attribute.STRING:
				line = kv.Value.Emit()
			}
		}
	}
	if file == "" || line == "" {
		return file
	}
	return file + ":" + line
}

// arguments appends one "key=value" block per property of the
// logfire.json_schema attribute, in the schema's order. A property whose
// schema is not empty holds JSON, which is parsed and spread over several
// lines; JSON that does not parse is printed as the string it is. Properties
// without an attribute are skipped, as is a schema that does not parse.
func (f *formatter) arguments(buf []byte, attrs []attribute.KeyValue, margin int) []byte {
	var raw string
	for _, kv := range attrs {
		if kv.Key == keys.JSONSchema && kv.Value.Type() == attribute.STRING {
			raw = kv.Value.AsString()
		}
	}
	if raw == "" {
		return buf
	}
	schema, err := jsontree.Parse(raw)
	if err != nil {
		return buf
	}
	props, ok := schema.Member("properties")
	if !ok || props.Kind != jsontree.Object {
		return buf
	}
	lookup := attributeLookup(attrs, len(props.Keys))
	var value []byte
	for i, key := range props.Keys {
		v, ok := lookup(key)
		if !ok {
			continue
		}
		value = value[:0]
		if sub := props.Items[i]; sub.Kind == jsontree.Object && len(sub.Keys) > 0 && v.Type() == attribute.STRING {
			if parsed, err := jsontree.Parse(v.AsString()); err == nil {
				value = appendPyJSON(value, parsed, 0)
			} else {
				value = appendPyAttr(value, v)
			}
		} else {
			value = appendPyAttr(value, v)
		}
		buf = f.argument(buf, key, value, margin)
	}
	return buf
}

// argument appends "│ key=value"; the lines after the first line of value
// are lined up under its start.
func (f *formatter) argument(buf []byte, key string, value []byte, margin int) []byte {
	first, rest, more := strings.Cut(string(value), "\n")
	buf = f.bar(buf, margin)
	if f.paint.colors {
		buf = append(buf, blue...)
	}
	buf = appendSafe(buf, key)
	buf = append(buf, '=')
	if f.paint.colors {
		buf = append(buf, reset...)
	}
	buf = append(buf, first...)
	buf = append(buf, '\n')
	for more {
		var line string
		line, rest, more = strings.Cut(rest, "\n")
		buf = f.bar(buf, margin)
		buf = appendSpaces(buf, utf8.RuneCountInString(key)+1)
		buf = append(buf, line...)
		buf = append(buf, '\n')
	}
	return buf
}

// attributeLookup returns a function that finds the value of a key among
// attrs; the last value of a repeated key wins. With many lookups into many
// attributes it indexes them first.
func attributeLookup(attrs []attribute.KeyValue, lookups int) func(string) (attribute.Value, bool) {
	if lookups*len(attrs) <= 256 {
		return func(key string) (attribute.Value, bool) {
			for i := len(attrs) - 1; i >= 0; i-- {
				if string(attrs[i].Key) == key {
					return attrs[i].Value, true
				}
			}
			return attribute.Value{}, false
		}
	}
	index := make(map[string]attribute.Value, len(attrs))
	for _, kv := range attrs {
		index[string(kv.Key)] = kv.Value
	}
	return func(key string) (attribute.Value, bool) {
		v, ok := index[key]
		return v, ok
	}
}

// exception appends a recorded exception: "│ type: message" in bold red,
// then each line of the stack trace after a bar.
func (f *formatter) exception(buf []byte, attrs []attribute.KeyValue, margin int) []byte {
	var typ, msg, stack string
	for _, kv := range attrs {
		switch kv.Key {
		case semconv.ExceptionTypeKey:
			typ = kv.Value.Emit()
		case semconv.ExceptionMessageKey:
			msg = kv.Value.Emit()
		case semconv.ExceptionStacktraceKey:
			stack = kv.Value.Emit()
		}
	}
	head := typ
	switch {
	case typ != "" && msg != "":
		head = typ + ": " + msg
	case typ == "":
		head = msg
	}
	if head != "" {
		buf = f.bar(buf, margin)
		buf = f.styled(buf, boldRed, strings.ReplaceAll(head, "\n", " "))
		buf = append(buf, '\n')
	}
	stack = strings.TrimRight(stack, "\n")
	for stack != "" {
		var line string
		line, stack, _ = strings.Cut(stack, "\n")
		buf = f.bar(buf, margin)
		buf = appendSafe(buf, strings.TrimSuffix(line, "\r"))
		buf = append(buf, '\n')
	}
	return buf
}
