package otlpwire

import (
	"go.opentelemetry.io/otel/attribute"
	"google.golang.org/protobuf/encoding/protowire"
)

// Fields of opentelemetry.proto.common.v1.
const (
	kvKey   protowire.Number = 1
	kvValue protowire.Number = 2

	anyString protowire.Number = 1
	anyBool   protowire.Number = 2
	anyInt    protowire.Number = 3
	anyDouble protowire.Number = 4
	anyArray  protowire.Number = 5
	anyKVList protowire.Number = 6
	anyBytes  protowire.Number = 7

	listValues protowire.Number = 1 // ArrayValue.values, KeyValueList.values

	scopeName    protowire.Number = 1
	scopeVersion protowire.Number = 2
	scopeAttrs   protowire.Number = 3

	resourceAttrs protowire.Number = 1
)

// attrs appends each of kvs as the KeyValue field num.
func (s *state) attrs(num protowire.Number, kvs []attribute.KeyValue) {
	for i := range kvs {
		s.keyValue(num, &kvs[i])
	}
}

// iter appends each attribute of it as the KeyValue field num.
func (s *state) iter(num protowire.Number, it attribute.Iterator) {
	for it.Next() {
		kv := it.Attribute()
		s.keyValue(num, &kv)
	}
}

// keyValue appends kv as the KeyValue field num: from the call-site cache
// when its key is one whose values are constant per call site.
func (s *state) keyValue(num protowire.Number, kv *attribute.KeyValue) {
	if s.limit < 0 && num == s.siteField && s.sites.append(s, num, kv) {
		return
	}
	s.encodeKeyValue(num, kv)
}

// encodeKeyValue appends kv as the KeyValue field num.
func (s *state) encodeKeyValue(num protowire.Number, kv *attribute.KeyValue) {
	var m int
	s.b, m = openMsg(s.b, num, smallMsg)
	s.sites.appendKey(s, string(kv.Key))
	s.value(kvValue, &kv.Value)
	s.b = closeMsg(s.b, m)
}

// value appends v as the AnyValue field num. The message is always
// there, empty for an EMPTY value, as OpenTelemetry's exporters send it; a
// member of the oneof is written even when it is a zero value.
func (s *state) value(num protowire.Number, v *attribute.Value) {
	var m int
	s.b, m = openMsg(s.b, num, smallMsg)
	switch v.Type() {
	case attribute.BOOL:
		s.b = protowire.AppendTag(s.b, anyBool, protowire.VarintType)
		s.b = protowire.AppendVarint(s.b, protowire.EncodeBool(v.AsBool()))
	case attribute.INT64:
		s.b = protowire.AppendTag(s.b, anyInt, protowire.VarintType)
		s.b = protowire.AppendVarint(s.b, uint64(v.AsInt64()))
	case attribute.FLOAT64:
		s.b = appendOptionalDouble(s.b, anyDouble, v.AsFloat64())
	case attribute.STRING:
		s.b = protowire.AppendTag(s.b, anyString, protowire.BytesType)
		s.b = protowire.AppendString(s.b, shorten(valid(v.AsString()), s.limit))
	case attribute.BYTESLICE:
		bs := v.AsByteSlice()
		if s.limit >= 0 && len(bs) > s.limit {
			bs = bs[:s.limit]
		}
		s.b = protowire.AppendTag(s.b, anyBytes, protowire.BytesType)
		s.b = protowire.AppendBytes(s.b, bs)
	case attribute.BOOLSLICE:
		a := s.openArray()
		for _, e := range v.AsBoolSlice() {
			var em int
			s.b, em = openMsg(s.b, listValues, smallMsg)
			s.b = protowire.AppendTag(s.b, anyBool, protowire.VarintType)
			s.b = protowire.AppendVarint(s.b, protowire.EncodeBool(e))
			s.b = closeMsg(s.b, em)
		}
		s.b = closeMsg(s.b, a)
	case attribute.INT64SLICE:
		a := s.openArray()
		for _, e := range v.AsInt64Slice() {
			var em int
			s.b, em = openMsg(s.b, listValues, smallMsg)
			s.b = protowire.AppendTag(s.b, anyInt, protowire.VarintType)
			s.b = protowire.AppendVarint(s.b, uint64(e))
			s.b = closeMsg(s.b, em)
		}
		s.b = closeMsg(s.b, a)
	case attribute.FLOAT64SLICE:
		a := s.openArray()
		for _, e := range v.AsFloat64Slice() {
			var em int
			s.b, em = openMsg(s.b, listValues, smallMsg)
			s.b = appendOptionalDouble(s.b, anyDouble, e)
			s.b = closeMsg(s.b, em)
		}
		s.b = closeMsg(s.b, a)
	case attribute.STRINGSLICE:
		a := s.openArray()
		for _, e := range v.AsStringSlice() {
			var em int
			s.b, em = openMsg(s.b, listValues, smallMsg)
			s.b = protowire.AppendTag(s.b, anyString, protowire.BytesType)
			s.b = protowire.AppendString(s.b, shorten(valid(e), s.limit))
			s.b = closeMsg(s.b, em)
		}
		s.b = closeMsg(s.b, a)
	case attribute.SLICE:
		a := s.openArray()
		vs := v.AsSlice()
		for i := range vs {
			s.value(listValues, &vs[i])
		}
		s.b = closeMsg(s.b, a)
	case attribute.MAP:
		var l int
		s.b, l = openMsg(s.b, anyKVList, smallMsg)
		kvs := v.AsMap()
		for i := range kvs {
			s.encodeKeyValue(listValues, &kvs[i])
		}
		s.b = closeMsg(s.b, l)
	case attribute.EMPTY:
	default:
		s.b = protowire.AppendTag(s.b, anyString, protowire.BytesType)
		s.b = protowire.AppendString(s.b, "INVALID")
	}
	s.b = closeMsg(s.b, m)
}

// openArray opens the ArrayValue member of an AnyValue.
func (s *state) openArray() int {
	var a int
	s.b, a = openMsg(s.b, anyArray, smallMsg)
	return a
}
