package otlpwire

import (
	"errors"

	"google.golang.org/protobuf/encoding/protowire"
)

// A request the backend refuses as too large (HTTP 413) is sent again in
// two halves, by records. The request may come from the retry buffer,
// where only its bytes are kept, so the halves are cut from the encoded
// request: the records are whole byte ranges, copied as they are, and
// the messages around them (resource, scope, metric) are copied into each
// half that keeps some of their records.

// Signal says which kind of request a body is.
type Signal int

// The signals, as the delivery layer numbers them.
const (
	Spans Signal = iota
	Logs
	Metrics
)

// path lists, level by level from the request down, the fields that lead
// to the records; the last level's fields are the records.
type path [][]protowire.Number

var paths = [...]path{
	Spans: {{groupHead}, {groupRecords}, {groupRecords}},
	Logs:  {{groupHead}, {groupRecords}, {groupRecords}},
	Metrics: {{groupHead}, {groupRecords}, {groupRecords},
		{metricGauge, metricSum, metricHistogram, metricExponential, metricSummary}, {dataPoints}},
}

// errMalformed is the error for a body that is not an encoded request.
var errMalformed = errors.New("otlpwire: not an encoded OTLP request")

// Count returns the records (spans, log records, data points) of an
// encoded request of sig.
func Count(sig Signal, body []byte) (int, error) {
	if sig < Spans || sig > Metrics {
		return 0, errMalformed
	}
	return count(body, paths[sig])
}

// Split returns the two halves of an encoded request of sig, by records,
// with their record counts. It fails for a body that does not decode or
// holds fewer than two records.
func Split(sig Signal, body []byte) (halves [2][]byte, counts [2]int, err error) {
	total, err := Count(sig, body)
	if err != nil {
		return halves, counts, err
	}
	if total < 2 {
		return halves, counts, errors.New("otlpwire: a request of one record cannot be split")
	}
	half := total / 2
	for i, r := range [2][2]int{{0, half}, {half, total}} {
		idx := 0
		halves[i] = cut(make([]byte, 0, len(body)/2+64), body, paths[sig], &idx, r[0], r[1])
	}
	return halves, [2]int{half, total - half}, nil
}

// fieldAt reads the field at the start of msg: its number, whether it
// leads down path's first level, its value (for one that does) and its
// whole length.
func fieldAt(msg []byte, level []protowire.Number) (down bool, value []byte, n int, err error) {
	num, typ, tn := protowire.ConsumeTag(msg)
	if tn < 0 {
		return false, nil, 0, errMalformed
	}
	vn := protowire.ConsumeFieldValue(num, typ, msg[tn:])
	if vn < 0 {
		return false, nil, 0, errMalformed
	}
	if typ == protowire.BytesType {
		for _, l := range level {
			if num == l {
				v, _ := protowire.ConsumeBytes(msg[tn:])
				return true, v, tn + vn, nil
			}
		}
	}
	return false, nil, tn + vn, nil
}

// count returns the records under msg, the content of a message at the
// level path starts with.
func count(msg []byte, p path) (int, error) {
	total := 0
	for len(msg) > 0 {
		down, v, n, err := fieldAt(msg, p[0])
		if err != nil {
			return 0, err
		}
		if down {
			if len(p) == 1 {
				total++
			} else {
				c, err := count(v, p[1:])
				if err != nil {
					return 0, err
				}
				total += c
			}
		}
		msg = msg[n:]
	}
	return total, nil
}

// cut appends to dst the content of msg with only the records numbered
// [from, to) (numbered from *idx on, which it advances): every other field
// is kept, and a message on the way down is kept only if it holds some of
// those records. msg was counted by Count, so it decodes.
func cut(dst, msg []byte, p path, idx *int, from, to int) []byte {
	for len(msg) > 0 {
		down, v, n, _ := fieldAt(msg, p[0])
		whole := msg[:n]
		msg = msg[n:]
		if !down {
			dst = append(dst, whole...)
			continue
		}
		if len(p) == 1 {
			if *idx >= from && *idx < to {
				dst = append(dst, whole...)
			}
			*idx++
			continue
		}
		c, _ := count(v, p[1:])
		switch first := *idx; {
		case first+c <= from || first >= to: // none of its records
			*idx += c
		case first >= from && first+c <= to: // all of them
			dst = append(dst, whole...)
			*idx += c
		default:
			num, _, _ := protowire.ConsumeTag(whole)
			var m int
			dst, m = openMsg(dst, num, groupMsg)
			dst = cut(dst, v, p[1:], idx, from, to)
			dst = closeMsg(dst, m)
		}
	}
	return dst
}
