package otlpwire

import (
	"sync"
	"unsafe"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/instrumentation"
	"go.opentelemetry.io/otel/sdk/resource"
	"google.golang.org/protobuf/encoding/protowire"

	"github.com/logfire-go/sdk/internal/keys"
)

// The resource and instrumentation scope of a provider are the same in
// every request: the start of their groups (the Resource or
// InstrumentationScope field and the schema URL) is encoded once and
// copied.

// Fields of the resource and scope groups of every signal
// (ResourceSpans, ScopeLogs, ...): the resource or scope, the records, the
// schema URL.
const (
	groupHead    protowire.Number = 1
	groupRecords protowire.Number = 2
	groupSchema  protowire.Number = 3
)

// maxCached bounds each cache; past it the cache starts again empty.
const maxCached = 64

type resourceKey struct {
	r    *resource.Resource
	when presence
}

// presence says when a group has its Resource field, as OpenTelemetry's
// exporter of each signal sends it.
type presence int

const (
	ifNotNil   presence = iota // spans: unless the resource is nil
	ifNotEmpty                 // logs: when it has attributes
	always                     // metrics: always, empty for none
)

type scopeKey struct {
	sc instrumentation.Scope
	// all: the scope field is there even for the zero scope (metrics).
	all bool
}

// headerCache keeps the encoded starts of the resource and scope groups
// of an encoder.
type headerCache struct {
	mu        sync.Mutex
	resources map[resourceKey][]byte
	scopes    map[scopeKey][]byte
}

// resource returns the start of the resource group of r: its Resource
// field (see presence) and its schema URL.
func (c *headerCache) resource(r *resource.Resource, when presence) []byte {
	k := resourceKey{r, when}
	c.mu.Lock()
	defer c.mu.Unlock()
	if b, ok := c.resources[k]; ok {
		return b
	}
	s := state{limit: -1}
	if when == always || (when == ifNotNil && r != nil) || (when == ifNotEmpty && r.Len() > 0) {
		var m int
		s.b, m = openMsg(s.b, groupHead, groupMsg)
		s.iter(resourceAttrs, r.Iter())
		s.b = closeMsg(s.b, m)
	}
	s.name(groupSchema, r.SchemaURL())
	if c.resources == nil || len(c.resources) >= maxCached {
		c.resources = map[resourceKey][]byte{}
	}
	c.resources[k] = s.b
	return s.b
}

// scope returns the start of the scope group of sc: its
// InstrumentationScope field and schema URL, or nothing for the zero
// scope unless all.
func (c *headerCache) scope(sc instrumentation.Scope, all bool) []byte {
	k := scopeKey{sc, all}
	c.mu.Lock()
	defer c.mu.Unlock()
	if b, ok := c.scopes[k]; ok {
		return b
	}
	s := state{limit: -1}
	if all || sc != (instrumentation.Scope{}) {
		var m int
		s.b, m = openMsg(s.b, groupHead, smallMsg)
		s.name(scopeName, sc.Name)
		s.name(scopeVersion, sc.Version)
		s.iter(scopeAttrs, sc.Attributes.Iter())
		s.b = closeMsg(s.b, m)
		s.name(groupSchema, sc.SchemaURL)
	}
	if c.scopes == nil || len(c.scopes) >= maxCached {
		c.scopes = map[scopeKey][]byte{}
	}
	c.scopes[k] = s.b
	return s.b
}

// The attributes that the Logfire API sets from its call site (the span
// type, the message template, code.*, the JSON schema) are the same for
// every record made there, and are the very same strings: the API builds
// them once per call site. So the first record of a call site encodes each
// of them, and the others copy the bytes, found by the address of the
// strings rather than by their content (hashing the content would cost
// about what encoding it does). The keys of all attributes are cached the
// same way.

// siteSlots is the size of a site cache: a direct-mapped table, where a
// string that maps to a taken slot replaces what is there.
const siteSlots = 512

// siteEntry is one cached KeyValue field (or, with value empty, the key
// field of a KeyValue). It holds the strings, so that their memory cannot
// be reused for other strings while the entry is there: the same address
// and length then mean the same content.
type siteEntry struct {
	key, value string
	num        int64 // an int value (code.lineno)
	typ        attribute.Type
	field      protowire.Number
	enc        []byte
}

// siteCache is the per-state cache of encoded call-site attributes and
// keys. Each encoding state has its own, so that it is read without a
// lock.
type siteCache struct {
	attrs [siteSlots]siteEntry
	keys  [siteSlots]siteEntry
}

// slot is where the string s goes in a table.
func slot(s string) int {
	p := uintptr(unsafe.Pointer(unsafe.StringData(s)))
	return int((p>>3)^(p>>12)^uintptr(len(s))) & (siteSlots - 1)
}

// same reports whether a and b are the same string: the same bytes at the
// same address.
func same(a, b string) bool {
	return len(a) == len(b) && unsafe.StringData(a) == unsafe.StringData(b)
}

// isSiteKey reports whether k is an attribute whose values are constant
// per call site.
func isSiteKey(k attribute.Key) bool {
	switch k {
	case keys.SpanType, keys.MsgTemplate, keys.CodeFilepath, keys.CodeLineno, keys.CodeFunction, keys.JSONSchema:
		return true
	}
	return false
}

// append appends kv, encoded as the KeyValue field num, from the cache,
// and reports whether kv is an attribute of a call site (and so was
// written).
func (c *siteCache) append(s *state, num protowire.Number, kv *attribute.KeyValue) bool {
	if !isSiteKey(kv.Key) {
		return false
	}
	var str string
	var n int64
	switch kv.Value.Type() {
	case attribute.STRING:
		str = kv.Value.AsString()
	case attribute.INT64:
		n = kv.Value.AsInt64()
	default:
		return false
	}
	key, typ := string(kv.Key), kv.Value.Type()
	e := &c.attrs[slot(key)^slotOf(str, n)]
	if e.field == num && e.typ == typ && same(e.key, key) && same(e.value, str) && e.num == n {
		s.b = append(s.b, e.enc...)
		return true
	}
	start := len(s.b)
	s.encodeKeyValue(num, kv)
	*e = siteEntry{key: key, value: str, num: n, typ: typ, field: num, enc: append(e.enc[:0], s.b[start:]...)}
	return true
}

// slotOf is the slot of a value: its string's, or its number's.
func slotOf(str string, n int64) int {
	if str != "" {
		return slot(str)
	}
	return int(uint64(n)*0x9E3779B97F4A7C15>>55) & (siteSlots - 1)
}

// appendKey appends the key field of a KeyValue, from the cache.
func (c *siteCache) appendKey(s *state, key string) {
	e := &c.keys[slot(key)]
	if same(e.key, key) {
		s.b = append(s.b, e.enc...)
		return
	}
	start := len(s.b)
	s.name(kvKey, key)
	*e = siteEntry{key: key, enc: append(e.enc[:0], s.b[start:]...)}
}
