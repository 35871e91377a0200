package otlpwire

// Generated inputs for the differential test (differential_test.go):
// a deterministic source of bytes, the generator of values, and the
// inputs of each signal.

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/instrumentation"
	sdklog "go.opentelemetry.io/otel/sdk/log"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/logfire-go/sdk/internal/keys"
)

// The source of generated inputs.

// genSource hands out the choices of a generator from a byte slice. Past
// its end every choice is zero, and a zero choice always makes the
// smallest thing, so any slice makes a finite input.
type genSource struct {
	data []byte
	pos  int
}

// byte returns the next byte, 0 past the end.
func (s *genSource) byte() byte {
	if s.pos >= len(s.data) {
		return 0
	}
	b := s.data[s.pos]
	s.pos++
	return b
}

// intn returns a choice in [0, n) for n ≤ 65536; 0 for n ≤ 1.
func (s *genSource) intn(n int) int {
	switch {
	case n <= 1:
		return 0
	case n <= 256:
		return int(s.byte()) % n
	default:
		return (int(s.byte())<<8 | int(s.byte())) % n
	}
}

// oneIn is true one time in n (never past the end of the bytes).
func (s *genSource) oneIn(n int) bool { return s.intn(n) == n-1 }

// uint64 returns the next 8 bytes as a number.
func (s *genSource) uint64() uint64 {
	var b [8]byte
	for i := range b {
		b[i] = s.byte()
	}
	return binary.LittleEndian.Uint64(b[:])
}

// genSeedBytes returns the bytes of seed number seed: a pseudo-random
// stream long enough for a full-sized input.
func genSeedBytes(seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, 0x6f746c7077697265))
	b := make([]byte, 6<<10)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

// The generator of values.

// generator makes inputs from a genSource.
//
// In UTF-8 mode (badUTF8) it puts invalid UTF-8 into some strings; with
// fix set as well it then passes every string through strings.ToValidUTF8,
// which gives the input the reference exporter must send for the invalid
// one. So that fixing strings changes nothing else, keys in UTF-8 mode are
// unique (a counter as their prefix, the same in both inputs): no two keys
// become one when fixed (the SDK would then deduplicate one input but not
// the other), and sorted sets keep their order.
type generator struct {
	src     *genSource
	badUTF8 bool
	fix     bool
	keyN    int // keys made, for unique keys in UTF-8 mode
	invalid int // strings made that are not valid UTF-8 (before fixing)
}

// genSampleStrings are strings every generated input may hold.
var genSampleStrings = []string{
	"", "a", "name", "ключ", "名前", "emoji 🎉", "with\x00nul", "tab\tnew\nline",
	"\uFFFD", "é", `quote" back\slash`, "https://opentelemetry.io/schemas/1.26.0",
}

// genRunes make up random strings: ASCII and runes of 2, 3 and 4 bytes.
var genRunes = []rune{'a', 'z', '0', ' ', '.', '_', 'é', 'ж', '€', '中', '𝄞', '😀', 0x7f, 0x80, 0x10FFFF}

// genInvalid are byte sequences that are not UTF-8: a lone continuation
// byte, bytes never used, an overlong encoding, a surrogate, a code point
// past U+10FFFF, truncated sequences.
var genInvalid = []string{"\x80", "\xff", "\xfe\xfe", "\xc0\x80", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xe2\x82", "\xf0\x9f\x98", "\xc3"}

// siteKeys are the keys whose values the encoder caches per call site.
var genSiteKeys = []string{keys.SpanType, keys.MsgTemplate, keys.CodeFilepath, keys.CodeLineno, keys.CodeFunction, keys.JSONSchema}

// intn returns a choice in [0, n).
func (g *generator) intn(n int) int { return g.src.intn(n) }

// oneIn is true one time in n.
func (g *generator) oneIn(n int) bool { return g.src.oneIn(n) }

// bool returns a choice of true or false.
func (g *generator) bool() bool { return g.src.byte()&1 == 1 }

// byte returns any byte.
func (g *generator) byte() byte { return g.src.byte() }

// rawUint64 returns any uint64 (uint64 prefers edges).
func (g *generator) rawUint64() uint64 { return g.src.uint64() }

// str returns a string: a sample, random runes, or rarely a long one (its
// length near where a length prefix needs one more byte); in UTF-8 mode
// possibly with invalid bytes, fixed if g.fix.
func (g *generator) str() string {
	var s string
	switch c := g.intn(16); {
	case c < 8:
		s = genSampleStrings[g.intn(len(genSampleStrings))]
	case c < 15:
		var b strings.Builder
		for range g.intn(24) {
			b.WriteRune(genRunes[g.intn(len(genRunes))])
		}
		s = b.String()
	default:
		n := 100 + g.intn(60) // around 127/128 bytes
		if g.oneIn(8) {
			n = 16300 + g.intn(200) // around 16383/16384 bytes
		}
		s = strings.Repeat(string(genRunes[g.intn(len(genRunes))]), n)
		s = s[:n]
		for !utf8.ValidString(s) {
			s = s[:len(s)-1]
		}
	}
	if g.badUTF8 && g.oneIn(3) {
		at := g.intn(len(s) + 1)
		s = s[:at] + genInvalid[g.intn(len(genInvalid))] + s[at:]
	}
	if !utf8.ValidString(s) {
		g.invalid++
	}
	if g.fix {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	return s
}

// key returns an attribute key: often one of few (so that keys repeat and
// the SDK deduplicates), or one of the call-site keys; unique in UTF-8
// mode.
func (g *generator) key() attribute.Key {
	var k string
	switch g.intn(6) {
	case 0:
		k = genSiteKeys[g.intn(len(genSiteKeys))]
	case 1, 2:
		k = []string{"a", "b", "k", "ключ", "", "exception.message"}[g.intn(6)]
	default:
		k = g.str()
	}
	if g.badUTF8 {
		g.keyN++
		k = fmt.Sprintf("%05d.", g.keyN) + k
	}
	return attribute.Key(k)
}

// int64 returns an int64: an edge of some range or any number.
func (g *generator) int64() int64 {
	switch g.intn(12) {
	case 0:
		return 0
	case 1:
		return 1
	case 2:
		return -1
	case 3:
		return math.MaxInt64
	case 4:
		return math.MinInt64
	case 5:
		return 127
	case 6:
		return -129
	case 7:
		return math.MaxInt32 + 1
	default:
		return int64(g.rawUint64())
	}
}

// uint64 returns a uint64: an edge or any number.
func (g *generator) uint64() uint64 {
	switch g.intn(6) {
	case 0:
		return 0
	case 1:
		return 1
	case 2:
		return 128
	case 3:
		return math.MaxUint64
	default:
		return g.rawUint64() >> g.intn(64)
	}
}

// float returns a float64: zeros of both signs, large and small values,
// infinities, NaNs with several payloads, or any bits.
func (g *generator) float() float64 {
	switch g.intn(20) {
	case 0:
		return 0
	case 1:
		return math.Copysign(0, -1)
	case 2:
		return 1.5
	case 3:
		return -2.25
	case 4:
		return 0.1
	case 5:
		return math.MaxFloat64
	case 6:
		return -math.MaxFloat64
	case 7:
		return math.SmallestNonzeroFloat64
	case 8:
		return -math.SmallestNonzeroFloat64
	case 9:
		return 1e300
	case 10:
		return -1e-300
	case 11:
		return math.Inf(1)
	case 12:
		return math.Inf(-1)
	case 13:
		return math.NaN()
	case 14:
		return math.Float64frombits(0xfff8000000000001) // a negative NaN with a payload
	case 15:
		return 1 << 53
	default:
		return math.Float64frombits(g.rawUint64())
	}
}

// bytes returns a byte slice: nil, empty or random.
func (g *generator) bytes() []byte {
	switch g.intn(5) {
	case 0:
		return nil
	case 1:
		return []byte{}
	default:
		b := make([]byte, g.intn(40))
		for i := range b {
			b[i] = g.byte()
		}
		return b
	}
}

// value returns an attribute value of any type, nested up to depth 3.
func (g *generator) value(depth int) attribute.Value {
	types := 10
	if depth < 3 {
		types = 12
	}
	switch g.intn(types) {
	case 0:
		return attribute.Value{} // EMPTY
	case 1:
		return attribute.BoolValue(g.bool())
	case 2:
		return attribute.Int64Value(g.int64())
	case 3:
		return attribute.Float64Value(g.float())
	case 4:
		return attribute.StringValue(g.str())
	case 5:
		v := make([]bool, g.intn(5))
		for i := range v {
			v[i] = g.bool()
		}
		return attribute.BoolSliceValue(v)
	case 6:
		v := make([]int64, g.intn(5))
		for i := range v {
			v[i] = g.int64()
		}
		return attribute.Int64SliceValue(v)
	case 7:
		v := make([]float64, g.intn(5))
		for i := range v {
			v[i] = g.float()
		}
		return attribute.Float64SliceValue(v)
	case 8:
		v := make([]string, g.intn(5))
		for i := range v {
			v[i] = g.str()
		}
		return attribute.StringSliceValue(v)
	case 9:
		return attribute.ByteSliceValue(g.bytes())
	case 10:
		v := make([]attribute.Value, g.intn(4))
		for i := range v {
			v[i] = g.value(depth + 1)
		}
		return attribute.SliceValue(v...)
	default:
		v := make([]attribute.KeyValue, g.intn(4))
		for i := range v {
			v[i] = attribute.KeyValue{Key: g.key(), Value: g.value(depth + 1)}
		}
		return attribute.MapValue(v...)
	}
}

// attrs returns up to limit attributes; call-site keys mostly get string
// or int values (the ones the encoder caches), including "" and 0, which
// a cache keyed by value must tell apart.
func (g *generator) attrs(limit int) []attribute.KeyValue {
	kvs := make([]attribute.KeyValue, g.intn(limit+1))
	for i := range kvs {
		k := g.key()
		var v attribute.Value
		if slices.Contains(genSiteKeys, string(k)) && !g.oneIn(4) {
			if g.bool() {
				v = attribute.StringValue([]string{"", "span", "log", "0", g.str()}[g.intn(5)])
			} else {
				v = attribute.Int64Value([]int64{0, 1, 42, g.int64()}[g.intn(4)])
			}
		} else {
			v = g.value(0)
		}
		kvs[i] = attribute.KeyValue{Key: k, Value: v}
	}
	return kvs
}

// count returns a dropped count: small, negative, or past uint32.
func (g *generator) count() int {
	switch g.intn(10) {
	case 0, 1, 2:
		return 0
	case 3:
		return 1
	case 4:
		return -1
	case 5:
		return math.MaxUint32
	case 6:
		return int(int64(math.MaxUint32) + 1)
	case 7:
		return math.MinInt
	case 8:
		return 128
	default:
		return int(g.rawUint64() >> 2)
	}
}

// genBaseTime is a time in the 2020s, in nanoseconds since 1970.
const genBaseTime = 1_700_000_000_000_000_000

// time returns a time: zero, around 1970, before 1970, at or past the
// limit of UnixNano, or a usual one.
func (g *generator) time() time.Time {
	switch g.intn(12) {
	case 0:
		return time.Time{}
	case 1:
		return time.Unix(0, 0)
	case 2:
		return time.Unix(0, 1)
	case 3:
		return time.Unix(-1, 0)
	case 4:
		return time.Date(1969, 7, 20, 20, 17, 40, 0, time.UTC)
	case 5:
		return time.Unix(0, math.MaxInt64)
	case 6:
		return time.Date(1500, 1, 1, 0, 0, 0, 0, time.UTC) // UnixNano overflows
	case 7:
		return time.Date(2500, 1, 1, 0, 0, 0, 0, time.UTC) // UnixNano overflows
	default:
		return time.Unix(0, genBaseTime+int64(g.rawUint64()>>34))
	}
}

// nonZeroTime returns a time that is not the zero time (for which the SDK
// would take the clock).
func (g *generator) nonZeroTime() time.Time {
	if t := g.time(); !t.IsZero() {
		return t
	}
	return time.Unix(0, genBaseTime)
}

// traceID returns a trace ID: zero (invalid), all ones, or random.
func (g *generator) traceID() trace.TraceID {
	var id trace.TraceID
	switch g.intn(8) {
	case 0:
	case 1:
		for i := range id {
			id[i] = 0xff
		}
	default:
		binary.LittleEndian.PutUint64(id[:8], g.rawUint64())
		binary.LittleEndian.PutUint64(id[8:], g.rawUint64()|1)
	}
	return id
}

// spanID returns a span ID: zero (invalid), all ones, or random.
func (g *generator) spanID() trace.SpanID {
	var id trace.SpanID
	switch g.intn(8) {
	case 0:
	case 1:
		for i := range id {
			id[i] = 0xff
		}
	default:
		binary.LittleEndian.PutUint64(id[:], g.rawUint64()|1)
	}
	return id
}

// genTraceStates are W3C trace states, parsed by trace.ParseTraceState.
var genTraceStates = []string{"", "a=1", "vendor=value,other@tenant=x-y", "k=v,k2=v2,k3=v3", "congo=t61rcWkgMzE,rojo=00f067aa0ba902b7"}

// traceState returns a trace state, often empty.
func (g *generator) traceState() trace.TraceState {
	ts, err := trace.ParseTraceState(genTraceStates[g.intn(len(genTraceStates))])
	if err != nil {
		panic(err)
	}
	return ts
}

// traceFlags returns trace flags: unsampled, sampled, or any byte.
func (g *generator) traceFlags() trace.TraceFlags {
	switch g.intn(4) {
	case 0:
		return 0
	case 1:
		return trace.FlagsSampled
	default:
		return trace.TraceFlags(g.byte())
	}
}

// spanContext returns a span context, valid or not, remote or not.
func (g *generator) spanContext() trace.SpanContext {
	return trace.NewSpanContext(trace.SpanContextConfig{
		TraceID:    g.traceID(),
		SpanID:     g.spanID(),
		TraceFlags: g.traceFlags(),
		TraceState: g.traceState(),
		Remote:     g.bool(),
	})
}

// resource returns a resource: empty, without a schema URL, with one, or
// with the attributes of an earlier one and another schema URL (OpenTelemetry
// groups records by attributes only); nil if allowNil.
func (g *generator) resource(earlier []*resource.Resource, allowNil bool) *resource.Resource {
	switch g.intn(8) {
	case 0:
		return resource.Empty()
	case 1:
		if allowNil {
			return nil
		}
		return resource.Empty()
	case 2:
		if len(earlier) > 0 {
			prev := earlier[g.intn(len(earlier))]
			return resource.NewWithAttributes(g.str(), prev.Attributes()...)
		}
		return resource.NewSchemaless(g.attrs(4)...)
	case 3:
		return resource.NewSchemaless(g.attrs(4)...)
	default:
		return resource.NewWithAttributes(g.str(), g.attrs(5)...)
	}
}

// scope returns an instrumentation scope: zero, with only some parts, or
// full.
func (g *generator) scope() instrumentation.Scope {
	switch g.intn(6) {
	case 0:
		return instrumentation.Scope{}
	case 1:
		return instrumentation.Scope{Version: g.str()}
	default:
		return instrumentation.Scope{
			Name:       g.str(),
			Version:    g.str(),
			SchemaURL:  g.str(),
			Attributes: attribute.NewSet(g.attrs(3)...),
		}
	}
}

// limit returns a count or length limit of the SDK: unlimited, 0, or
// small.
func (g *generator) limit() int {
	switch g.intn(4) {
	case 0:
		return -1
	default:
		return g.intn(6)
	}
}

// Inputs.

// genSignal says which kind of input a test makes.
type genSignal int

const (
	genSpans genSignal = iota
	genLogs
	genMetrics
)

var genSignalNames = [...]string{genSpans: "spans", genLogs: "logs", genMetrics: "metrics"}

func (s genSignal) String() string { return genSignalNames[s] }

// genInput is one generated input of a signal.
type genInput struct {
	spans   []sdktrace.ReadOnlySpan
	logs    []sdklog.Record
	metrics *metricdata.ResourceMetrics
	invalid int // strings made with invalid UTF-8
}

// generate makes the input of sig from data; see generator for badUTF8
// and fix.
func generate(sig genSignal, data []byte, badUTF8, fix bool) genInput {
	g := &generator{src: &genSource{data: data}, badUTF8: badUTF8, fix: fix}
	var in genInput
	switch sig {
	case genSpans:
		in.spans = g.spans()
	case genLogs:
		in.logs = g.logs()
	case genMetrics:
		in.metrics = g.metrics()
	}
	in.invalid = g.invalid
	return in
}
