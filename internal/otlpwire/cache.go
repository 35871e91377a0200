package otlpwire

import (
	"sync"

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
	r *resource.Resource
	// always: the Resource field is there even for an empty resource
	// (spans and metrics); else only when it has attributes (logs).
	always bool
}

type scopeKey struct {
	sc instrumentation.Scope
	// always: the scope field is there even for the zero scope (metrics).
	always bool
}

// headerCache keeps the encoded starts of the resource and scope groups
// of an encoder.
type headerCache struct {
	mu        sync.Mutex
	resources map[resourceKey][]byte
	scopes    map[scopeKey][]byte
}

// resource returns the start of the resource group of r: its Resource
// field (see resourceKey) and its schema URL.
func (c *headerCache) resource(r *resource.Resource, always bool) []byte {
	k := resourceKey{r, always}
	c.mu.Lock()
	defer c.mu.Unlock()
	if b, ok := c.resources[k]; ok {
		return b
	}
	s := state{limit: -1}
	if r != nil && (always || r.Len() > 0) {
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
// scope unless always.
func (c *headerCache) scope(sc instrumentation.Scope, always bool) []byte {
	k := scopeKey{sc, always}
	c.mu.Lock()
	defer c.mu.Unlock()
	if b, ok := c.scopes[k]; ok {
		return b
	}
	s := state{limit: -1}
	if always || sc != (instrumentation.Scope{}) {
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
// every record made there. The first record of a call site encodes each
// of them; the others copy the bytes.

// isSiteKey reports whether k is an attribute whose values are constant per
// call site.
func isSiteKey(k attribute.Key) bool {
	switch k {
	case keys.SpanType, keys.MsgTemplate, keys.CodeFilepath, keys.CodeLineno, keys.CodeFunction, keys.JSONSchema:
		return true
	}
	return false
}

// Bounds of a site cache: past them it starts again empty (a program that
// builds templates at run time would otherwise fill it).
const (
	maxSiteEntries = 4096
	maxSiteBytes   = 1 << 20
)

// siteKey is one attribute of a call site.
type siteKey struct {
	key attribute.Key
	str string
	num int64
}

// siteCache maps an attribute of a call site to its encoded KeyValue field
// (tag, length and message). Each encoding state has its own, so that it
// is read without a lock.
type siteCache struct {
	entries map[siteKey][]byte
	bytes   int
}

// append appends kv, encoded as the field s.siteField, from the cache, and
// reports whether kv is an attribute of a call site (and so was written).
func (c *siteCache) append(s *state, kv attribute.KeyValue) bool {
	if !isSiteKey(kv.Key) {
		return false
	}
	k := siteKey{key: kv.Key}
	switch kv.Value.Type() {
	case attribute.STRING:
		k.str = kv.Value.AsString()
	case attribute.INT64:
		k.num = kv.Value.AsInt64()
	default:
		return false
	}
	if b, ok := c.entries[k]; ok {
		s.b = append(s.b, b...)
		return true
	}
	start := len(s.b)
	s.encodeKeyValue(s.siteField, kv)
	enc := s.b[start:]
	if c.entries == nil || len(c.entries) >= maxSiteEntries || c.bytes+len(enc) > maxSiteBytes {
		c.entries, c.bytes = map[siteKey][]byte{}, 0
	}
	c.entries[k] = append([]byte(nil), enc...)
	c.bytes += len(enc) + len(k.str)
	return true
}
