package logfire

import (
	"encoding/json"
	"log/slog"
	"slices"
	"strings"
	"sync"

	"go.opentelemetry.io/otel/attribute"

	"github.com/logfire-go/sdk/internal/keys"
)

// badKey is the key of a value that came without one, as in log/slog.
const badKey = "!BADKEY"

// callAttrs collects what the args of one call say: user attributes with
// their schema entries, errors to record, tags.
type callAttrs struct {
	attrs   []attribute.KeyValue
	schemas []string // schema entry of attrs[i]
	errs    []error
	tags    []string
	level   Level // set by AtLevel; spans only

	// record is room for the complete attribute list of a log (see
	// recordAttrs), reused with the callAttrs.
	record []attribute.KeyValue
}

// A log's callAttrs is needed only until its span has ended (OpenTelemetry
// copies what it keeps), so logs take theirs from a pool: in the steady
// state, collecting the attributes of a log allocates nothing.
var callAttrsPool = sync.Pool{New: func() any { return new(callAttrs) }}

// maxPooledAttrs bounds the lists a pooled callAttrs keeps, so that one
// call with very many attributes does not pin its memory.
const maxPooledAttrs = 64

func getCallAttrs() *callAttrs { return callAttrsPool.Get().(*callAttrs) }

// release clears c and returns it to the pool. c must not be used after.
func (c *callAttrs) release() {
	if cap(c.attrs) > maxPooledAttrs || cap(c.record) > maxPooledAttrs+16 {
		return
	}
	clear(c.attrs)
	clear(c.schemas)
	clear(c.errs)
	clear(c.tags)
	clear(c.record)
	*c = callAttrs{attrs: c.attrs[:0], schemas: c.schemas[:0], errs: c.errs[:0], tags: c.tags[:0], record: c.record[:0]}
	callAttrsPool.Put(c)
}

// add interprets args the way log/slog does: each arg is an
// attribute.KeyValue, a slog.Attr, a CallOption, or a string key followed by
// its value. A bare error is recorded under the key "error". Anything else
// is stored under the key "!BADKEY".
func (c *callAttrs) add(args []any) {
	// Room for key-value pairs at once, rather than growing one by one.
	c.attrs = growKV(c.attrs, len(c.attrs)+(len(args)+1)/2)
	c.schemas = growStrings(c.schemas, len(c.schemas)+(len(args)+1)/2)
	for i := 0; i < len(args); i++ {
		switch a := args[i].(type) {
		case string:
			if i+1 >= len(args) {
				c.put(badKey, a)
				continue
			}
			c.put(a, args[i+1])
			i++
		case attribute.KeyValue:
			c.attrs = append(c.attrs, a)
			c.schemas = append(c.schemas, schemaPlain)
		case slog.Attr:
			c.putSlog("", a)
		case CallOption:
			a.applyCall(c)
		case error:
			c.put("error", a)
		default:
			c.put(badKey, a)
		}
	}
}

func (c *callAttrs) put(key string, v any) {
	if err, ok := v.(error); ok && !isNilPointer(err) {
		c.errs = append(c.errs, err)
	}
	val, schema := convertValue(v)
	c.attrs = append(c.attrs, attribute.KeyValue{Key: attribute.Key(key), Value: val})
	c.schemas = append(c.schemas, schema)
}

// putSlog adds a slog attribute; the members of a group become dotted keys.
func (c *callAttrs) putSlog(prefix string, a slog.Attr) {
	a.Value = a.Value.Resolve()
	if a.Equal(slog.Attr{}) {
		return // slog's convention: the empty attribute is ignored
	}
	if a.Value.Kind() == slog.KindGroup {
		p := prefix
		if a.Key != "" {
			p = prefix + a.Key + "."
		}
		for _, g := range a.Value.Group() {
			c.putSlog(p, g)
		}
		return
	}
	c.put(prefix+a.Key, a.Value.Any())
}

// clone returns a copy of c with room for extra more attributes, so the
// copy can grow without touching c.
func (c *callAttrs) clone(extra int) callAttrs {
	var out callAttrs
	c.copyTo(&out, extra)
	return out
}

// copyTo makes dst (empty) a copy of c with room for extra more
// attributes.
func (c *callAttrs) copyTo(dst *callAttrs, extra int) {
	dst.level = c.level
	dst.attrs = append(growKV(dst.attrs, len(c.attrs)+extra), c.attrs...)
	dst.schemas = append(growStrings(dst.schemas, len(c.schemas)+extra), c.schemas...)
	dst.errs = append(dst.errs, c.errs...)
	dst.tags = append(dst.tags, c.tags...)
}

// growKV returns s, keeping its contents, with room for n elements in all.
func growKV(s []attribute.KeyValue, n int) []attribute.KeyValue {
	if n > cap(s) {
		return slices.Grow(s, n-len(s))
	}
	return s
}

// growStrings is growKV for strings.
func growStrings(s []string, n int) []string {
	if n > cap(s) {
		return slices.Grow(s, n-len(s))
	}
	return s
}

// lookup returns the formatted value of the last attribute named key.
func (c *callAttrs) lookup(key string) (string, bool) {
	for i := len(c.attrs) - 1; i >= 0; i-- {
		if string(c.attrs[i].Key) == key {
			if i < len(c.schemas) && jsonStringSchema(c.schemas[i]) {
				// An error or bytes: its text, not the JSON string.
				var text string
				if json.Unmarshal([]byte(c.attrs[i].Value.AsString()), &text) == nil {
					return text, true
				}
			}
			return formatValue(c.attrs[i].Value), true
		}
	}
	return "", false
}

// jsonSchema returns logfire.json_schema for the user attributes: an
// object schema with one property per key (the last entry of a repeated
// key wins), in order of first appearance.
func (c *callAttrs) jsonSchema() string {
	if len(c.attrs) == 0 {
		return ""
	}
	var b strings.Builder
	b.Grow(40 + 12*len(c.attrs))
	b.WriteString(`{"type":"object","properties":{`)
	first := true
	for i, kv := range c.attrs {
		if c.seenLater(i) {
			continue
		}
		if !first {
			b.WriteByte(',')
		}
		first = false
		writeJSONString(&b, string(kv.Key))
		b.WriteByte(':')
		b.WriteString(c.schemas[i])
	}
	b.WriteString(`}}`)
	return b.String()
}

// seenLater reports whether attrs[i]'s key appears again after i.
func (c *callAttrs) seenLater(i int) bool {
	for j := i + 1; j < len(c.attrs); j++ {
		if c.attrs[j].Key == c.attrs[i].Key {
			return true
		}
	}
	return false
}

func writeJSONString(b *strings.Builder, s string) {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == '"' || c == '\\' || c >= 0x80 {
			q, _ := json.Marshal(s)
			b.Write(q)
			return
		}
	}
	b.WriteByte('"')
	b.WriteString(s)
	b.WriteByte('"')
}

// CallOption changes one Span or log call. Pass it among the attributes,
// for example logfire.Info(ctx, "deployed", "version", v, logfire.Tags("ops")).
// Make one with Tags or AtLevel; the zero CallOption changes nothing.
type CallOption struct {
	// o is a pointer so that a CallOption fits in an interface value (the
	// args ...any) without an allocation of its own.
	o *callOption
}

type callOption struct {
	tags  []string
	level Level // 0: unchanged
}

func (o CallOption) applyCall(c *callAttrs) {
	if o.o == nil {
		return
	}
	c.tags = append(c.tags, o.o.tags...)
	if o.o.level != 0 {
		c.level = o.o.level
	}
}

// Tags adds tags to the span or log (logfire.tags).
func Tags(tags ...string) CallOption {
	return CallOption{&callOption{tags: append([]string(nil), tags...)}}
}

// keyTags is the attribute key of the tags list.
var keyTags = attribute.Key(keys.Tags)

// levelOptions are the CallOptions of AtLevel for levels 1 to 24, made
// once so that AtLevel allocates nothing.
var levelOptions = func() (o [25]callOption) {
	for i := range o {
		o[i].level = Level(i)
	}
	return o
}()

// AtLevel sets the level of a span (logfire.level_num); spans are info by
// default. A span below the minimum level is not recorded. Logs take their
// level from the function called and ignore this option.
func AtLevel(level Level) CallOption {
	if level >= 1 && int(level) < len(levelOptions) {
		return CallOption{&levelOptions[level]}
	}
	return CallOption{&callOption{level: level}}
}
