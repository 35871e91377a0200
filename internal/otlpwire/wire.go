// Package otlpwire encodes what the OpenTelemetry SDK hands an exporter
// (spans, log records, metric data) straight into OTLP protobuf requests,
// and splits encoded requests by records.
//
// It writes the same messages OpenTelemetry's OTLP exporters send for the
// same input (a differential test and a fuzz target check this by decoding
// both with the official go.opentelemetry.io/proto/otlp types), without
// building those message types first: every field is appended to a byte
// slice with google.golang.org/protobuf/encoding/protowire. The resource
// and instrumentation scope of a request are encoded once and copied, and
// so are the attributes that are the same for every record of a call site
// (see siteCache).
//
// What it encodes is made fit to send on the way: every string is made
// valid UTF-8 (protobuf requires it, and one bad byte would otherwise lose
// a whole request), and a record whose strings exceed MaxRecordBytes is
// encoded again with its strings shortened (see limits.go).
package otlpwire

import (
	"math"

	"google.golang.org/protobuf/encoding/protowire"
)

// The low-level writing: a message nested in another is written in place
// after a reserved length prefix, which is filled in (and the message moved
// if the length needs more or fewer bytes than were reserved) when the
// message is closed. Reserving what the usual length needs makes the move
// rare.

// Reservations for the length prefix of nested messages, in bytes: a
// varint of n bytes holds lengths below 2^(7n).
const (
	smallMsg  = 1 // attributes, values, status: below 128 bytes
	recordMsg = 2 // a span, log record or data point: below 16 KiB
	groupMsg  = 3 // a resource or scope group: below 2 MiB
)

// openMsg appends the tag of the message field num and reserves n bytes for
// its length; the returned mark is given to closeMsg.
func openMsg(b []byte, num protowire.Number, n int) ([]byte, int) {
	b = protowire.AppendTag(b, num, protowire.BytesType)
	mark := len(b)
	for range n {
		b = append(b, 0)
	}
	return b, mark<<3 | n
}

// closeMsg writes the length of the message opened at mark, which ends at
// the end of b, moving the message if its length does not take exactly
// the reserved bytes.
func closeMsg(b []byte, mark int) []byte {
	at, reserved := mark>>3, mark&7
	start := at + reserved
	size := len(b) - start
	need := protowire.SizeVarint(uint64(size))
	if need != reserved {
		if need > reserved {
			b = append(b, make([]byte, need-reserved)...)
		}
		copy(b[at+need:], b[start:start+size])
		b = b[:at+need+size]
	}
	// The varint, written over the reserved bytes.
	v := uint64(size)
	for i := range need - 1 {
		b[at+i] = byte(v) | 0x80
		v >>= 7
	}
	b[at+need-1] = byte(v)
	return b
}

// appendString appends the string field num when s is not empty (proto3
// leaves empty strings out). s must be valid UTF-8: see text.
func appendString(b []byte, num protowire.Number, s string) []byte {
	if s == "" {
		return b
	}
	b = protowire.AppendTag(b, num, protowire.BytesType)
	return protowire.AppendString(b, s)
}

// appendBytes appends the bytes field num when v is not empty.
func appendBytes(b []byte, num protowire.Number, v []byte) []byte {
	if len(v) == 0 {
		return b
	}
	b = protowire.AppendTag(b, num, protowire.BytesType)
	return protowire.AppendBytes(b, v)
}

// appendVarint appends the varint field num (uint32, uint64, int64, enum)
// when v is not zero.
func appendVarint(b []byte, num protowire.Number, v uint64) []byte {
	if v == 0 {
		return b
	}
	b = protowire.AppendTag(b, num, protowire.VarintType)
	return protowire.AppendVarint(b, v)
}

// appendFixed64 appends the fixed64 field num when v is not zero.
func appendFixed64(b []byte, num protowire.Number, v uint64) []byte {
	if v == 0 {
		return b
	}
	b = protowire.AppendTag(b, num, protowire.Fixed64Type)
	return protowire.AppendFixed64(b, v)
}

// appendFixed32 appends the fixed32 field num when v is not zero.
func appendFixed32(b []byte, num protowire.Number, v uint32) []byte {
	if v == 0 {
		return b
	}
	b = protowire.AppendTag(b, num, protowire.Fixed32Type)
	return protowire.AppendFixed32(b, v)
}

// appendDouble appends the double field num when v is not +0 (proto3
// leaves out a zero, but not a negative zero).
func appendDouble(b []byte, num protowire.Number, v float64) []byte {
	bits := math.Float64bits(v)
	if bits == 0 {
		return b
	}
	b = protowire.AppendTag(b, num, protowire.Fixed64Type)
	return protowire.AppendFixed64(b, bits)
}

// appendOptionalDouble appends the double field num whatever its value (a
// field with explicit presence, or a member of a oneof).
func appendOptionalDouble(b []byte, num protowire.Number, v float64) []byte {
	b = protowire.AppendTag(b, num, protowire.Fixed64Type)
	return protowire.AppendFixed64(b, math.Float64bits(v))
}

// unixNano is t's Unix time in nanoseconds, 0 for times before 1970 (and
// the zero time), as OpenTelemetry's exporters send it.
func unixNano(n int64) uint64 {
	return uint64(max(0, n))
}

// clampUint32 is v as a uint32 count, as OpenTelemetry's exporters send
// dropped counts.
func clampUint32(v int) uint64 {
	if v < 0 {
		return 0
	}
	if int64(v) > math.MaxUint32 {
		return math.MaxUint32
	}
	return uint64(v)
}
