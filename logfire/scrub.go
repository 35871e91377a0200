package logfire

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"regexp"
	"regexp/syntax"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"go.opentelemetry.io/otel/attribute"

	"github.com/logfire-go/sdk/config"
	"github.com/logfire-go/sdk/internal/jsontree"
	"github.com/logfire-go/sdk/internal/keys"
	"github.com/logfire-go/sdk/internal/redact"
)

// Scrubbing redacts values that look like secrets before they leave the
// process: every span processor, log processor and exporter of an instance
// sees the scrubbed spans and logs (see WithScrubbing). An attribute whose key names a secret ("password", "api_key",
// "Authorization", ...) loses its value; a string value that mentions one
// is redacted too, unless the whole value is that word. The replacement
// says what matched, as in the other Logfire SDKs:
//
//	password=hunter2  →  password="[Scrubbed due to 'password']"
//
// Every redaction is noted in logfire.scrubbed, a JSON list of
// {"path": [...], "matched_substring": "..."}.

// scrubSafeKeys are attribute keys never scrubbed: the SDK's own keys and
// well-known ones whose values are not secrets (the Python SDK's list).
var scrubSafeKeys = map[string]struct{}{}

func init() {
	for _, k := range []string{
		keys.Msg, keys.MsgTemplate, keys.JSONSchema, keys.Tags, "logfire.level_name", keys.LevelNum,
		keys.SpanType, keys.PendingParentID, keys.SampleRate, "logfire.logger_name", keys.Scrubbed,
		"logfire.config", "logfire.package_versions", keys.ResourceVersion,
		keys.CodeFilepath, keys.CodeLineno, keys.CodeFunction,
		"exception.stacktrace", "exception.type", "exception.message", "error.type",
		"http.method", "http.status_code", "http.scheme", "http.url", "http.target", "http.route",
		"http.request.method", "http.response.status_code",
		"db.statement", "db.query.text", "db.plan",
		"url.full", "url.path", "url.query", "event.name", "rpc.method", "do_not_scrub",
		"gen_ai.input.messages", "gen_ai.output.messages", "gen_ai.system_instructions",
		"gen_ai.tool.definitions", "gen_ai.tool.name", "gen_ai.tool.call.id",
		"gen_ai.usage.input_tokens", "gen_ai.usage.output_tokens",
		"gen_ai.usage.cache_read.input_tokens", "gen_ai.usage.cache_creation.input_tokens",
		"gen_ai.usage.raw", "gen_ai.conversation.id", "gen_ai.system", "gen_ai.provider.name",
		"gen_ai.request.model", "gen_ai.response.model",
	} {
		scrubSafeKeys[k] = struct{}{}
	}
}

// ScrubbingOptions are the options of WithScrubbing.
type ScrubbingOptions struct {
	// ExtraPatterns mark, besides the default ones, an attribute key or
	// value as a likely secret. Each is an RE2 regular expression
	// (https://github.com/google/re2/wiki/Syntax), matched without regard
	// to case; one that does not compile makes Configure fail.
	ExtraPatterns []string
	// Callback, if set, decides about each value scrubbing is about to
	// redact: returning ok=true keeps replacement in place of the
	// redaction (return m.Value to keep the value as it is); ok=false
	// redacts it.
	Callback func(m ScrubMatch) (replacement attribute.Value, ok bool)
}

// WithScrubbing sets how likely secrets are redacted: with o nil, they are
// not (URL attributes and the SDK's tokens still are); with o non-nil,
// they are, with o's extra patterns and callback. It replaces
// LOGFIRE_SCRUBBING, which is on by default. Every span processor, log
// processor and exporter of the instance (Logfire's, the console and those
// added with options) receives spans and OpenTelemetry log records with
// likely secrets redacted; see ScrubMatch for what is redacted and how it
// is noted.
func WithScrubbing(o *ScrubbingOptions) Option {
	return optionFunc(func(s *settings) {
		s.scrubbing = scrubbingSettings{}
		if o != nil {
			s.scrubbing.patterns = append([]string(nil), o.ExtraPatterns...)
			s.scrubbing.callback = o.Callback
		}
		s.cfg.Scrubbing = o != nil
	})
}

// scrubbingSettings are what WithScrubbing set, one field of settings.
type scrubbingSettings struct {
	patterns []string
	callback func(ScrubMatch) (attribute.Value, bool)
}

// ScrubMatch is a value scrubbing is about to redact, as given to
// ScrubbingOptions.Callback.
type ScrubMatch struct {
	// Path locates the value: "attributes" and the key for a span or log
	// attribute, then object keys and array indexes inside a JSON value;
	// "otel_events", the event's index, "attributes" and the key for an
	// event attribute; "message" and the placeholder for a value formatted
	// into logfire.msg.
	Path []string
	// Value is the value that would be redacted.
	Value attribute.Value
	// Matched is the text that matched a pattern, in the key or the value.
	Matched string
}

// maxScrubKeyCache bounds the cache of key verdicts.
const maxScrubKeyCache = 4096

// scrubber is what every span and log of an instance passes through
// before any exporter or the console sees it: it finds likely secrets in
// keys and values (when patterns is set, that is, with scrubbing on),
// redacts URL attributes and, always, the SDK's own tokens (see
// redact.go).
type scrubber struct {
	patterns bool           // scrubbing is on: the patterns are matched
	tokens   *redact.Tokens // always redacted
	extra    *regexp.Regexp // nil without extra patterns
	callback func(ScrubMatch) (attribute.Value, bool)

	keyCache     sync.Map // key → matched substring, "" for a clean key; with extra only
	keyCacheSize atomic.Int64
}

// newScrubber compiles the default patterns and extra, which are RE2
// regular expressions matched case-insensitively.
func newScrubber(extra []string, cb func(ScrubMatch) (attribute.Value, bool)) (*scrubber, error) {
	sc := &scrubber{patterns: true, callback: cb}
	if len(extra) > 0 {
		for _, p := range extra {
			if _, err := regexp.Compile(p); err != nil {
				var se *syntax.Error
				why := "it does not compile"
				if errors.As(err, &se) {
					why = string(se.Code) // the RE2 error without the pattern, which may be long
				}
				return nil, &config.Error{Setting: "logfire.ScrubbingOptions.ExtraPatterns", Err: fmt.Errorf("%s is not an RE2 regular expression (%s): accepted values are RE2 expressions, see https://github.com/google/re2/wiki/Syntax", redact.Excerpt(p, nil), why)}
			}
		}
		sc.extra = regexp.MustCompile(`(?i)(?:` + strings.Join(extra, ")|(?:") + `)`)
	}
	return sc, nil
}

// match returns the first text in s that a pattern matches: the leftmost
// match of the default patterns or the extra ones.
func (sc *scrubber) match(s string) (string, bool) {
	if !sc.patterns {
		return "", false
	}
	start, end, ok := matchDefault(s)
	if sc.extra != nil {
		if loc := sc.extra.FindStringIndex(s); loc != nil && loc[1] > loc[0] && (!ok || loc[0] < start) {
			return s[loc[0]:loc[1]], true
		}
	}
	if !ok {
		return "", false
	}
	return s[start:end], true
}

// matchKey is match for attribute keys. Keys repeat, so with extra
// patterns (package regexp, slow) the verdicts are cached; the default
// patterns alone are matched faster than a cache lookup.
func (sc *scrubber) matchKey(k string) (string, bool) {
	if !sc.patterns || sc.extra == nil {
		return sc.match(k)
	}
	if v, ok := sc.keyCache.Load(k); ok {
		m := v.(string)
		return m, m != ""
	}
	m, ok := sc.match(k)
	if sc.keyCacheSize.Load() < maxScrubKeyCache {
		if _, loaded := sc.keyCache.LoadOrStore(k, m); !loaded {
			sc.keyCacheSize.Add(1)
		}
	}
	return m, ok
}

func scrubbedText(matched string) string {
	return "[Scrubbed due to '" + matched + "']"
}

// scrubNote is one entry of logfire.scrubbed.
type scrubNote struct {
	Path    []string `json:"path"`
	Matched string   `json:"matched_substring"`
}

// redact returns what replaces v, found under path because of matched:
// the callback's choice, or the scrubbed text (a list of one for a list).
func (sc *scrubber) redact(path []string, v attribute.Value, matched string, notes *[]scrubNote) attribute.Value {
	if sc.callback != nil {
		if r, ok := sc.callback(ScrubMatch{Path: path, Value: v, Matched: matched}); ok {
			return r
		}
	}
	*notes = append(*notes, scrubNote{Path: path, Matched: matched})
	switch v.Type() {
	case attribute.STRINGSLICE, attribute.INT64SLICE, attribute.FLOAT64SLICE, attribute.BOOLSLICE, attribute.SLICE:
		return attribute.StringSliceValue([]string{scrubbedText(matched)})
	}
	return attribute.StringValue(scrubbedText(matched))
}

// attrs scrubs kvs, whose paths start with prefix. It returns nil when
// nothing changes, so clean records cost no allocation.
func (sc *scrubber) attrs(prefix []string, kvs []attribute.KeyValue, notes *[]scrubNote) []attribute.KeyValue {
	var out []attribute.KeyValue
	for i, kv := range kvs {
		nv, changed := sc.attr(prefix, kv, notes)
		if !changed {
			if out != nil {
				out = append(out, kv)
			}
			continue
		}
		if out == nil {
			out = make([]attribute.KeyValue, i, len(kvs)+1)
			copy(out, kvs[:i])
		}
		out = append(out, attribute.KeyValue{Key: kv.Key, Value: nv})
	}
	return out
}

// attr scrubs one attribute.
func (sc *scrubber) attr(prefix []string, kv attribute.KeyValue, notes *[]scrubNote) (attribute.Value, bool) {
	k := string(kv.Key)
	v, urlChanged := kv.Value, false
	if mayBeURLKey(kv.Key) {
		v, urlChanged = sc.urlAttr(kv.Key, kv.Value)
	}
	if !sc.patterns {
		return v, urlChanged
	}
	if _, safe := scrubSafeKeys[k]; safe {
		return v, urlChanged
	}
	if m, ok := sc.matchKey(k); ok {
		return sc.redact(joinPath(prefix, k), kv.Value, m, notes), true
	}
	if nv, changed := sc.value(prefix, k, v, notes); changed {
		return nv, true
	}
	return v, urlChanged
}

// joinPath returns a new path: prefix then k.
func joinPath(prefix []string, k string) []string {
	return append(append(make([]string, 0, len(prefix)+1), prefix...), k)
}

// value scrubs a value found under prefix and k whose key is clean:
// strings by their content, lists and maps member by member.
func (sc *scrubber) value(prefix []string, k string, v attribute.Value, notes *[]scrubNote) (attribute.Value, bool) {
	switch v.Type() {
	case attribute.STRING:
		return sc.stringValue(prefix, k, v.AsString(), notes)
	case attribute.STRINGSLICE:
		ss := v.AsStringSlice()
		var out []string
		for i, s := range ss {
			nv, changed := sc.stringValue(joinPath(prefix, k), strconv.Itoa(i), s, notes)
			if !changed {
				continue
			}
			if out == nil {
				out = append([]string(nil), ss...)
			}
			out[i] = nv.Emit()
		}
		if out == nil {
			return v, false
		}
		return attribute.StringSliceValue(out), true
	case attribute.SLICE:
		vs := v.AsSlice()
		var out []attribute.Value
		for i, e := range vs {
			nv, changed := sc.value(joinPath(prefix, k), strconv.Itoa(i), e, notes)
			if !changed {
				continue
			}
			if out == nil {
				out = append([]attribute.Value(nil), vs...)
			}
			out[i] = nv
		}
		if out == nil {
			return v, false
		}
		return attribute.SliceValue(out...), true
	case attribute.MAP:
		if out := sc.attrs(joinPath(prefix, k), v.AsMap(), notes); out != nil {
			return attribute.MapValue(out...), true
		}
	}
	return v, false
}

// stringValue scrubs a string found under prefix and k: kept when no
// pattern matches it or it is exactly the matched word; scrubbed inside
// when it is a JSON object or array; redacted whole otherwise.
func (sc *scrubber) stringValue(prefix []string, k string, s string, notes *[]scrubNote) (attribute.Value, bool) {
	m, ok := sc.match(s)
	if !ok || len(m) == len(s) {
		return attribute.Value{}, false
	}
	path := joinPath(prefix, k)
	if t := strings.TrimSpace(s); len(t) > 1 && t[0] == '"' && t[len(t)-1] == '"' {
		// A JSON string (how errors and byte slices travel): the
		// replacement is a JSON string too, so the value still decodes.
		var inner string
		if json.Unmarshal([]byte(t), &inner) == nil {
			red := sc.redact(path, attribute.StringValue(inner), m, notes)
			return attribute.StringValue(quoteJSON(red.AsString())), true
		}
	}
	if t := strings.TrimSpace(s); len(t) > 1 && (t[0] == '{' || t[0] == '[') {
		if doc, err := jsontree.Parse(t); err == nil {
			if !sc.json(path, &doc, notes) {
				// Only exact words inside: the value stays as it was.
				return attribute.Value{}, false
			}
			return attribute.StringValue(string(doc.AppendCompact(nil))), true
		}
	}
	return sc.redact(path, attribute.StringValue(s), m, notes), true
}

// messageValue is what the value v of k becomes inside logfire.msg:
// scrubbed by its content, else with its tokens redacted, before the
// message shortens it (so that no part of a token is left).
func (sc *scrubber) messageValue(k, v string, notes *[]scrubNote) string {
	if nv, changed := sc.stringValue(messagePath, k, v, notes); changed {
		return nv.Emit()
	}
	return sc.tokens.String(v)
}

// json scrubs a parsed JSON value found at path, in place, and reports
// whether anything in it changed.
func (sc *scrubber) json(path []string, v *jsontree.Value, notes *[]scrubNote) bool {
	changed := false
	switch v.Kind {
	case jsontree.Object:
		for i, k := range v.Keys {
			if _, safe := scrubSafeKeys[k]; safe {
				continue
			}
			if m, ok := sc.matchKey(k); ok {
				v.Items[i] = jsonFromAttr(sc.redact(joinPath(path, k), attrFromJSON(v.Items[i]), m, notes))
				changed = true
				continue
			}
			changed = sc.json(joinPath(path, k), &v.Items[i], notes) || changed
		}
	case jsontree.Array:
		for i := range v.Items {
			changed = sc.json(joinPath(path, strconv.Itoa(i)), &v.Items[i], notes) || changed
		}
	case jsontree.String:
		if m, ok := sc.match(v.Text); ok && len(m) != len(v.Text) {
			*v = jsonFromAttr(sc.redact(path, attribute.StringValue(v.Text), m, notes))
			changed = true
		}
	}
	return changed
}

// attrFromJSON is v as an attribute value, for ScrubbingOptions.Callback: a string
// as itself, anything else as its JSON text.
func attrFromJSON(v jsontree.Value) attribute.Value {
	if v.Kind == jsontree.String {
		return attribute.StringValue(v.Text)
	}
	return attribute.StringValue(string(v.AppendCompact(nil)))
}

// jsonFromAttr is the JSON form of an attribute value that replaces a
// member: the redaction text, a list of one, or what a callback returned.
func jsonFromAttr(a attribute.Value) jsontree.Value {
	switch a.Type() {
	case attribute.STRING:
		return jsontree.Value{Kind: jsontree.String, Text: a.AsString()}
	case attribute.STRINGSLICE:
		v := jsontree.Value{Kind: jsontree.Array}
		for _, s := range a.AsStringSlice() {
			v.Items = append(v.Items, jsontree.Value{Kind: jsontree.String, Text: s})
		}
		return v
	case attribute.BOOL:
		return jsontree.Value{Kind: jsontree.Bool, Truth: a.AsBool()}
	case attribute.INT64:
		return jsontree.Value{Kind: jsontree.Number, Text: a.Emit()}
	case attribute.FLOAT64:
		if f := a.AsFloat64(); !math.IsNaN(f) && !math.IsInf(f, 0) {
			return jsontree.Value{Kind: jsontree.Number, Text: a.Emit()}
		}
	}
	if v, err := jsontree.Parse(a.Emit()); err == nil && a.Type() != attribute.EMPTY {
		return v
	}
	return jsontree.Value{Kind: jsontree.String, Text: a.Emit()}
}

// notesValue merges new notes into the JSON list already in existing.
func notesValue(existing string, notes []scrubNote) string {
	var all []scrubNote
	if existing != "" {
		_ = json.Unmarshal([]byte(existing), &all)
	}
	all = append(all, notes...)
	b, _ := json.Marshal(all)
	return string(b)
}
