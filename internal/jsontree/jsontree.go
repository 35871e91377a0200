// Package jsontree reads a JSON value into a tree that, unlike
// map[string]any, keeps the order of object members, and writes it back
// compactly. The console prints attribute values in their order; scrubbing
// rewrites values inside JSON strings without reordering them.
package jsontree

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strings"
)

// Kind is the type of a JSON value.
type Kind uint8

// The kinds of JSON values.
const (
	Null Kind = iota
	Bool
	Number
	String
	Array
	Object
)

// Value is a parsed JSON value.
type Value struct {
	Kind Kind
	// Text is a string's value, or a number's literal as written.
	Text string
	// Truth is a bool's value.
	Truth bool
	// Items are an array's elements or an object's member values; Keys are
	// the object's member names, in the same order.
	Items []Value
	Keys  []string
}

// MaxDepth bounds how deeply nested a value Parse reads may be, so that
// hostile input cannot exhaust the stack.
const MaxDepth = 100

// ErrTooDeep is the error of Parse for a value nested deeper than MaxDepth.
var ErrTooDeep = errors.New("jsontree: JSON nested too deeply")

// Parse reads one JSON value from s, which must hold nothing else.
func Parse(s string) (Value, error) {
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	v, err := read(dec, 0)
	if err != nil {
		return Value{}, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return Value{}, errors.New("jsontree: data after the JSON value")
	}
	return v, nil
}

func read(dec *json.Decoder, depth int) (Value, error) {
	if depth > MaxDepth {
		return Value{}, ErrTooDeep
	}
	tok, err := dec.Token()
	if err != nil {
		return Value{}, err
	}
	switch t := tok.(type) {
	case nil:
		return Value{Kind: Null}, nil
	case bool:
		return Value{Kind: Bool, Truth: t}, nil
	case json.Number:
		return Value{Kind: Number, Text: t.String()}, nil
	case string:
		return Value{Kind: String, Text: t}, nil
	case json.Delim:
		v := Value{Kind: Array}
		if t == '{' {
			v.Kind = Object
		}
		for dec.More() {
			if v.Kind == Object {
				keyTok, err := dec.Token()
				if err != nil {
					return Value{}, err
				}
				key, _ := keyTok.(string)
				v.Keys = append(v.Keys, key)
			}
			item, err := read(dec, depth+1)
			if err != nil {
				return Value{}, err
			}
			v.Items = append(v.Items, item)
		}
		_, err := dec.Token() // the closing ] or }
		return v, err
	}
	return Value{}, errors.New("jsontree: unexpected JSON token")
}

// Member returns the value of an object's member key.
func (v Value) Member(key string) (Value, bool) {
	if v.Kind != Object {
		return Value{}, false
	}
	for i, k := range v.Keys {
		if k == key {
			return v.Items[i], true
		}
	}
	return Value{}, false
}

// AppendCompact appends v as compact JSON, without escaping HTML
// characters.
func (v Value) AppendCompact(b []byte) []byte {
	switch v.Kind {
	case Null:
		return append(b, "null"...)
	case Bool:
		if v.Truth {
			return append(b, "true"...)
		}
		return append(b, "false"...)
	case Number:
		return append(b, v.Text...)
	case String:
		return AppendString(b, v.Text)
	case Array:
		b = append(b, '[')
		for i, it := range v.Items {
			if i > 0 {
				b = append(b, ',')
			}
			b = it.AppendCompact(b)
		}
		return append(b, ']')
	case Object:
		b = append(b, '{')
		for i, it := range v.Items {
			if i > 0 {
				b = append(b, ',')
			}
			b = AppendString(b, v.Keys[i])
			b = append(b, ':')
			b = it.AppendCompact(b)
		}
		return append(b, '}')
	}
	return b
}

// AppendString appends s as a JSON string, without escaping HTML
// characters.
func AppendString(b []byte, s string) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s) // a string always encodes
	return append(b, bytes.TrimRight(buf.Bytes(), "\n")...)
}
