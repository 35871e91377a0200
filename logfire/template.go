package logfire

import (
	"strings"
	"sync"
	"sync/atomic"
	"unicode/utf8"
)

// A message template is text with {name} placeholders filled from the
// attributes of the same call. {{ and }} stand for literal braces. A
// placeholder with no matching attribute is left as written. {name=}
// renders as name=value, as in Python.

// templatePart is a literal run of text or, when field is set, a
// placeholder.
type templatePart struct {
	text  string // literal text, or the placeholder as written
	field string // attribute key of a placeholder
	eq    bool   // {name=}: render as name=value
}

type parsedTemplate struct {
	parts  []templatePart
	fields bool // at least one placeholder
}

// maxCachedTemplates bounds the template cache, so programs that build
// templates dynamically cannot grow it without limit; past it templates are
// parsed on every call.
const maxCachedTemplates = 4096

var (
	templateCache sync.Map // string → *parsedTemplate
	templateCount atomic.Int64
)

// parseTemplate returns the parsed form of t, from the cache when it can.
func parseTemplate(t string) *parsedTemplate {
	if p, ok := templateCache.Load(t); ok {
		return p.(*parsedTemplate)
	}
	p := parseTemplateUncached(t)
	if templateCount.Load() < maxCachedTemplates {
		if _, loaded := templateCache.LoadOrStore(t, p); !loaded {
			templateCount.Add(1)
		}
	}
	return p
}

func parseTemplateUncached(t string) *parsedTemplate {
	p := &parsedTemplate{}
	var lit strings.Builder
	flush := func() {
		if lit.Len() > 0 {
			p.parts = append(p.parts, templatePart{text: lit.String()})
			lit.Reset()
		}
	}
	for i := 0; i < len(t); {
		c := t[i]
		switch {
		case c == '{' && i+1 < len(t) && t[i+1] == '{':
			lit.WriteByte('{')
			i += 2
		case c == '}' && i+1 < len(t) && t[i+1] == '}':
			lit.WriteByte('}')
			i += 2
		case c == '{':
			end := strings.IndexByte(t[i+1:], '}')
			if end < 0 {
				lit.WriteString(t[i:])
				i = len(t)
				continue
			}
			raw := t[i : i+1+end+1]
			name := t[i+1 : i+1+end]
			if j := strings.IndexByte(name, ':'); j >= 0 {
				name = name[:j] // format specs are accepted and ignored
			}
			eq := strings.HasSuffix(name, "=")
			name = strings.TrimSpace(strings.TrimSuffix(name, "="))
			if name == "" || strings.ContainsAny(name, "{") {
				lit.WriteString(raw)
			} else {
				flush()
				p.parts = append(p.parts, templatePart{text: raw, field: name, eq: eq})
				p.fields = true
			}
			i += len(raw)
		default:
			lit.WriteByte(c)
			i++
		}
	}
	flush()
	return p
}

// maxFormattedValue is the longest a value may be inside logfire.msg; a
// longer one keeps its start and end around "...", as in Python.
const maxFormattedValue = 128

func truncateMiddle(s string) string {
	if len(s) <= maxFormattedValue || utf8.RuneCountInString(s) <= maxFormattedValue {
		return s
	}
	r := []rune(s)
	half := (maxFormattedValue - 3) / 2
	return string(r[:half]) + "..." + string(r[len(r)-half:])
}

// format renders the template with values looked up by lookup.
func (p *parsedTemplate) format(template string, lookup func(string) (string, bool)) string {
	if !p.fields {
		if len(p.parts) == 1 {
			return p.parts[0].text
		}
		if len(p.parts) == 0 {
			return ""
		}
	}
	var b strings.Builder
	b.Grow(len(template) + 16)
	for _, part := range p.parts {
		if part.field == "" {
			b.WriteString(part.text)
			continue
		}
		v, ok := lookup(part.field)
		if !ok {
			b.WriteString(part.text)
			continue
		}
		if part.eq {
			b.WriteString(part.field)
			b.WriteByte('=')
		}
		b.WriteString(truncateMiddle(v))
	}
	return b.String()
}
