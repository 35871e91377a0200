package logfire

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strconv"
	"strings"

	"go.opentelemetry.io/otel/attribute"
)

// Scrubbing rewrites JSON strings in place. encoding/json's maps lose the
// order of object keys, so JSON values are read into this small tree,
// which keeps it, and written back compactly.

type jsonKind uint8

const (
	jsonLiteral jsonKind = iota // number, true, false, null: text as written
	jsonString                  // text is the decoded string
	jsonObject
	jsonArray
)

type jsonNode struct {
	kind    jsonKind
	text    string
	members []jsonMember
	items   []jsonNode
}

type jsonMember struct {
	key   string
	value jsonNode
}

// maxScrubJSONDepth bounds the nesting read, so a hostile value cannot
// exhaust the stack.
const maxScrubJSONDepth = 64

var errJSONTooDeep = errors.New("JSON nested too deeply to scrub")

// parseOrderedJSON reads one JSON value, keeping object key order.
func parseOrderedJSON(s string) (jsonNode, error) {
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	n, err := readJSONNode(dec, 0)
	if err != nil {
		return jsonNode{}, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return jsonNode{}, errors.New("trailing data after JSON value")
	}
	return n, nil
}

func readJSONNode(dec *json.Decoder, depth int) (jsonNode, error) {
	if depth > maxScrubJSONDepth {
		return jsonNode{}, errJSONTooDeep
	}
	tok, err := dec.Token()
	if err != nil {
		return jsonNode{}, err
	}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			n := jsonNode{kind: jsonObject}
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return jsonNode{}, err
				}
				k, _ := kt.(string)
				v, err := readJSONNode(dec, depth+1)
				if err != nil {
					return jsonNode{}, err
				}
				n.members = append(n.members, jsonMember{key: k, value: v})
			}
			_, err := dec.Token() // '}'
			return n, err
		case '[':
			n := jsonNode{kind: jsonArray}
			for dec.More() {
				v, err := readJSONNode(dec, depth+1)
				if err != nil {
					return jsonNode{}, err
				}
				n.items = append(n.items, v)
			}
			_, err := dec.Token() // ']'
			return n, err
		}
		return jsonNode{}, errors.New("unexpected delimiter")
	case string:
		return jsonNode{kind: jsonString, text: t}, nil
	case json.Number:
		return jsonNode{kind: jsonLiteral, text: t.String()}, nil
	case bool:
		return jsonNode{kind: jsonLiteral, text: strconv.FormatBool(t)}, nil
	case nil:
		return jsonNode{kind: jsonLiteral, text: "null"}, nil
	}
	return jsonNode{}, errors.New("unexpected JSON token")
}

// write appends n as compact JSON.
func (n jsonNode) write(b *strings.Builder) {
	switch n.kind {
	case jsonLiteral:
		b.WriteString(n.text)
	case jsonString:
		writeJSONStringRaw(b, n.text)
	case jsonObject:
		b.WriteByte('{')
		for i, m := range n.members {
			if i > 0 {
				b.WriteByte(',')
			}
			writeJSONStringRaw(b, m.key)
			b.WriteByte(':')
			m.value.write(b)
		}
		b.WriteByte('}')
	case jsonArray:
		b.WriteByte('[')
		for i, it := range n.items {
			if i > 0 {
				b.WriteByte(',')
			}
			it.write(b)
		}
		b.WriteByte(']')
	}
}

// writeJSONStringRaw writes s as a JSON string without escaping HTML
// characters, as the SDK's other JSON does.
func writeJSONStringRaw(b *strings.Builder, s string) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s)
	b.Write(bytes.TrimRight(buf.Bytes(), "\n"))
}

// asValue is n as an attribute value: a string as itself, anything else
// as its JSON text.
func (n jsonNode) asValue() attribute.Value {
	if n.kind == jsonString {
		return attribute.StringValue(n.text)
	}
	var b strings.Builder
	n.write(&b)
	return attribute.StringValue(b.String())
}

// nodeFromValue is the JSON form of an attribute value.
func nodeFromValue(v attribute.Value) jsonNode {
	switch v.Type() {
	case attribute.STRING:
		return jsonNode{kind: jsonString, text: v.AsString()}
	case attribute.STRINGSLICE:
		n := jsonNode{kind: jsonArray}
		for _, s := range v.AsStringSlice() {
			n.items = append(n.items, jsonNode{kind: jsonString, text: s})
		}
		return n
	case attribute.BOOL, attribute.INT64, attribute.FLOAT64:
		return jsonNode{kind: jsonLiteral, text: v.Emit()}
	}
	b, err := json.Marshal(v.AsInterface())
	if err != nil {
		return jsonNode{kind: jsonString, text: v.Emit()}
	}
	return jsonNode{kind: jsonLiteral, text: string(b)}
}
