package logfire

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"go.opentelemetry.io/otel/attribute"

	"github.com/logfire-go/sdk/internal/pyrandom"
)

// The configuration of managed variables: the JSON that GET /v1/variables/
// answers and that WithLocalVariables takes, and how a variable's value is
// chosen from it for a targeting key and attributes. It follows the Python
// SDK's logfire.variables.config, field for field and rule for rule.

// variableName is the pattern of a variable name (and of an alias).
var variableName = regexp.MustCompile(`^[a-zA-Z_][a-zA-Z0-9_]*$`)

// Labels that refs name and that are not labels.
const (
	refLatest      = "latest"
	refCodeDefault = "code_default"
)

// variablesConfig is {"variables": {name: variable}}.
type variablesConfig struct {
	Variables map[string]*variableConfig `json:"variables"`
	aliases   map[string]string          // alias → name
	// patterns are the problems of regular expressions Go cannot compile
	// (RE2 has no look-around or back-references); conditions with them
	// never match.
	patterns []error
}

// variableConfig is one variable: its labels, each a value at a version
// or a ref to another label; the rollout that picks a label; the overrides
// that replace the rollout for matching attributes.
type variableConfig struct {
	Name          string                `json:"name"`
	Labels        map[string]labelValue `json:"labels"`
	Rollout       rollout               `json:"rollout"`
	Overrides     []rolloutOverride     `json:"overrides"`
	LatestVersion *latestVersion        `json:"latest_version"`
	Aliases       []string              `json:"aliases"`
}

// labelValue is a label: a value at a version (Serialized set), or a ref
// to another label, "latest" or "code_default".
type labelValue struct {
	Version    *int
	Serialized *string
	Ref        string
}

func (l *labelValue) UnmarshalJSON(data []byte) error {
	var raw struct {
		Version    *int    `json:"version"`
		Serialized *string `json:"serialized_value"`
		Ref        *string `json:"ref"`
	}
	if err := json.Unmarshal(data, &raw); err != nil {
		return err
	}
	switch {
	case raw.Serialized != nil && raw.Version != nil:
		*l = labelValue{Version: raw.Version, Serialized: raw.Serialized}
	case raw.Ref != nil:
		*l = labelValue{Version: raw.Version, Ref: *raw.Ref}
	default:
		return errors.New(`a label needs "serialized_value" and "version", or "ref"`)
	}
	return nil
}

type latestVersion struct {
	Version    int    `json:"version"`
	Serialized string `json:"serialized_value"`
}

// rollout is the weight of each label, in the order the JSON gives them
// (the order decides which label a targeting key lands in). What the
// weights leave of 1 goes to the code default.
type rollout struct {
	labels  []string
	weights []float64
}

func (r *rollout) UnmarshalJSON(data []byte) error {
	var raw struct {
		Labels json.RawMessage `json:"labels"`
	}
	if err := json.Unmarshal(data, &raw); err != nil {
		return err
	}
	*r = rollout{}
	if len(raw.Labels) == 0 || string(raw.Labels) == "null" {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw.Labels))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return errors.New(`"labels" must be an object of label names and weights`)
	}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return err
		}
		name, _ := t.(string)
		var w float64
		if err := dec.Decode(&w); err != nil {
			return fmt.Errorf("the weight of label %q is not a number", name)
		}
		if i := slices.Index(r.labels, name); i >= 0 {
			r.weights[i] = w // as a Python dict keeps the last value, in the first place
			continue
		}
		r.labels = append(r.labels, name)
		r.weights = append(r.weights, w)
	}
	total := 0.0
	for i, w := range r.weights {
		if w < 0 {
			return fmt.Errorf("the weight of label %q is %v: weights must not be negative", r.labels[i], w)
		}
		total += w
	}
	if total > 1+1e-9 {
		return fmt.Errorf("the weights add up to %v: they must not add up to more than 1", total)
	}
	return nil
}

// pick returns the label the rollout picks for seed (if seeded, else at
// random), or false for the code default, as the Python SDK's
// Rollout.select_label does.
func (r *rollout) pick(seed string, seeded bool) (string, bool) {
	if len(r.labels) == 0 {
		return "", false
	}
	weights := r.weights
	if rest := 1 - pyrandom.Sum(r.weights); rest > 0 {
		weights = append(slices.Clip(weights), rest)
	}
	var i int
	switch {
	case len(weights) == 1:
		i = 0 // the only choice, whatever the draw
	case seeded:
		i = pyrandom.Pick(weights, pyrandom.New(seed).Float64())
	default:
		i = pyrandom.Pick(weights, rand.Float64())
	}
	if i < 0 || i >= len(r.labels) {
		return "", false
	}
	return r.labels[i], true
}

type rolloutOverride struct {
	Conditions []condition `json:"conditions"`
	Rollout    rollout     `json:"rollout"`
}

// condition is one condition of an override, on one attribute.
type condition struct {
	Kind      string
	Attribute string
	Value     any   // value-equals, value-does-not-equal
	Values    []any // value-is-in, value-is-not-in
	Pattern   *regexp.Regexp
	badRegexp error // the pattern Go could not compile
}

// Condition kinds.
const (
	condEquals        = "value-equals"
	condNotEquals     = "value-does-not-equal"
	condIn            = "value-is-in"
	condNotIn         = "value-is-not-in"
	condMatches       = "value-matches-regex"
	condNotMatches    = "value-does-not-match-regex"
	condKeyPresent    = "key-is-present"
	condKeyNotPresent = "key-is-not-present"
)

func (c *condition) UnmarshalJSON(data []byte) error {
	var raw struct {
		Kind      string          `json:"kind"`
		Attribute *string         `json:"attribute"`
		Value     json.RawMessage `json:"value"`
		Values    json.RawMessage `json:"values"`
		Pattern   *string         `json:"pattern"`
	}
	if err := json.Unmarshal(data, &raw); err != nil {
		return err
	}
	if raw.Attribute == nil {
		return fmt.Errorf("a %q condition has no \"attribute\"", raw.Kind)
	}
	*c = condition{Kind: raw.Kind, Attribute: *raw.Attribute}
	switch raw.Kind {
	case condEquals, condNotEquals:
		if raw.Value == nil {
			return fmt.Errorf("a %q condition has no \"value\"", raw.Kind)
		}
		return decodeJSONValue(raw.Value, &c.Value)
	case condIn, condNotIn:
		if raw.Values == nil {
			return fmt.Errorf("a %q condition has no \"values\"", raw.Kind)
		}
		return decodeJSONValue(raw.Values, &c.Values)
	case condMatches, condNotMatches:
		if raw.Pattern == nil {
			return fmt.Errorf("a %q condition has no \"pattern\"", raw.Kind)
		}
		re, err := regexp.Compile(*raw.Pattern)
		if err != nil {
			c.badRegexp = fmt.Errorf("the pattern of a %q condition on %q: %w", raw.Kind, *raw.Attribute, err)
		}
		c.Pattern = re
	case condKeyPresent, condKeyNotPresent:
	default:
		return fmt.Errorf("unknown condition kind %q: accepted kinds are %s", raw.Kind,
			strings.Join([]string{condEquals, condNotEquals, condIn, condNotIn, condMatches, condNotMatches, condKeyPresent, condKeyNotPresent}, ", "))
	}
	return nil
}

// decodeJSONValue decodes data into v, numbers as json.Number so that
// integers compare exactly.
func decodeJSONValue(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	return dec.Decode(v)
}

// matches reports whether the condition holds for attrs, as the Python
// SDK's condition classes decide it: a missing attribute equals nothing
// and is in no list; only strings match a pattern.
func (c *condition) matches(attrs map[string]attribute.Value) bool {
	v, ok := attrs[c.Attribute]
	switch c.Kind {
	case condEquals:
		return ok && pyEqual(v, c.Value)
	case condNotEquals:
		return !ok || !pyEqual(v, c.Value)
	case condIn:
		return ok && slices.ContainsFunc(c.Values, func(x any) bool { return pyEqual(v, x) })
	case condNotIn:
		return !ok || !slices.ContainsFunc(c.Values, func(x any) bool { return pyEqual(v, x) })
	case condMatches:
		return c.Pattern != nil && ok && v.Type() == attribute.STRING && c.Pattern.MatchString(v.AsString())
	case condNotMatches:
		if c.Pattern == nil {
			return false
		}
		return !ok || v.Type() != attribute.STRING || !c.Pattern.MatchString(v.AsString())
	case condKeyPresent:
		return ok
	case condKeyNotPresent:
		return !ok
	}
	return false
}

// pyEqual is Python's == between an attribute value and a JSON value:
// strings equal strings, numbers equal numbers of the same value whatever
// their type (a bool is the number 0 or 1), lists equal lists element by
// element; null equals nothing an attribute can hold.
func pyEqual(v attribute.Value, j any) bool {
	switch v.Type() {
	case attribute.STRING:
		s, ok := j.(string)
		return ok && s == v.AsString()
	case attribute.BOOL:
		return numberEqual(boolNumber(v.AsBool()), j)
	case attribute.INT64:
		return numberEqual(float64(v.AsInt64()), j) && intEqual(v.AsInt64(), j)
	case attribute.FLOAT64:
		return numberEqual(v.AsFloat64(), j)
	case attribute.STRINGSLICE:
		return listEqual(v.AsStringSlice(), j, attribute.StringValue)
	case attribute.BOOLSLICE:
		return listEqual(v.AsBoolSlice(), j, attribute.BoolValue)
	case attribute.INT64SLICE:
		return listEqual(v.AsInt64Slice(), j, attribute.Int64Value)
	case attribute.FLOAT64SLICE:
		return listEqual(v.AsFloat64Slice(), j, attribute.Float64Value)
	}
	return false
}

func boolNumber(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// numberEqual reports whether the JSON value j is a number (or a bool)
// equal to f.
func numberEqual(f float64, j any) bool {
	switch x := j.(type) {
	case bool:
		return f == boolNumber(x)
	case json.Number:
		g, err := strconv.ParseFloat(string(x), 64)
		return err == nil && f == g
	}
	return false
}

// intEqual refines numberEqual for integers beyond 2^53, which float64
// cannot tell apart: a JSON integer must be exactly i.
func intEqual(i int64, j any) bool {
	n, ok := j.(json.Number)
	if !ok {
		return true
	}
	if k, err := strconv.ParseInt(string(n), 10, 64); err == nil {
		return k == i
	}
	return true // a float, already compared
}

func listEqual[E any](got []E, j any, value func(E) attribute.Value) bool {
	list, ok := j.([]any)
	if !ok || len(list) != len(got) {
		return false
	}
	for i, e := range got {
		if !pyEqual(value(e), list[i]) {
			return false
		}
	}
	return true
}

// parseVariablesConfig decodes and checks a configuration, with the
// Python SDK's checks: every variable's key is its name, names and
// aliases are identifiers, and every label a rollout or a ref names
// exists. The error says where the problem is.
func parseVariablesConfig(data []byte) (*variablesConfig, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	var c variablesConfig
	if err := dec.Decode(&c); err != nil {
		return nil, jsonProblem(data, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("the JSON document is followed by more data")
	}
	if c.Variables == nil {
		return nil, errors.New(`it has no "variables": it must be an object like {"variables": {"name": {...}}}`)
	}
	c.aliases = map[string]string{}
	names := make([]string, 0, len(c.Variables))
	for k := range c.Variables {
		names = append(names, k)
	}
	slices.Sort(names) // the first problem reported is the same every time
	for _, key := range names {
		v := c.Variables[key]
		if v == nil {
			return nil, fmt.Errorf("variable %q is null", key)
		}
		if err := v.check(key); err != nil {
			return nil, fmt.Errorf("variable %q: %w", key, err)
		}
		for _, a := range v.Aliases {
			c.aliases[a] = v.Name
		}
		for _, o := range v.Overrides {
			for _, cond := range o.Conditions {
				if cond.badRegexp != nil {
					c.patterns = append(c.patterns, fmt.Errorf("variable %q: %w; the override never applies", key, cond.badRegexp))
				}
			}
		}
	}
	return &c, nil
}

// jsonProblem describes a decoding error by its position, without quoting
// the document.
func jsonProblem(data []byte, err error) error {
	switch {
	case errors.Is(err, io.EOF):
		return errors.New(`it is empty: it must be a JSON object like {"variables": {"name": {...}}}`)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return fmt.Errorf("it is not valid JSON: it ends too soon, at byte %d", len(data))
	}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Errorf("it is not valid JSON (at byte %d of %d): %w", se.Offset, len(data), err)
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return fmt.Errorf("at %q (byte %d): a JSON %s where the configuration needs a %s", te.Field, te.Offset, te.Value, jsonKind(te.Type.Kind().String()))
	}
	return err
}

func jsonKind(goKind string) string {
	switch goKind {
	case "map", "struct", "ptr":
		return "object"
	case "slice":
		return "list"
	case "int", "float64":
		return "number"
	}
	return goKind
}

func (v *variableConfig) check(key string) error {
	if v.Name != key {
		return fmt.Errorf("its \"name\" is %q: it must be the key it is stored under", v.Name)
	}
	if !variableName.MatchString(v.Name) {
		return errors.New("the name is not an identifier (letters, digits and _, not starting with a digit)")
	}
	for _, a := range v.Aliases {
		if !variableName.MatchString(a) {
			return fmt.Errorf("the alias %q is not an identifier", a)
		}
	}
	for _, l := range v.Rollout.labels {
		if _, ok := v.Labels[l]; !ok {
			return fmt.Errorf("label %q is in the rollout but not in \"labels\"", l)
		}
	}
	for i, o := range v.Overrides {
		for _, l := range o.Rollout.labels {
			if _, ok := v.Labels[l]; !ok {
				return fmt.Errorf("label %q is in the rollout of overrides[%d] but not in \"labels\"", l, i)
			}
		}
	}
	for name, l := range v.Labels {
		if l.Serialized == nil && l.Ref != refLatest && l.Ref != refCodeDefault {
			if _, ok := v.Labels[l.Ref]; !ok {
				return fmt.Errorf("label %q refers to %q, which is not in \"labels\"", name, l.Ref)
			}
		}
	}
	return nil
}

// lookup returns the variable named name, or whose alias it is.
func (c *variablesConfig) lookup(name string) *variableConfig {
	if v := c.Variables[name]; v != nil {
		return v
	}
	if n, ok := c.aliases[name]; ok {
		return c.Variables[n]
	}
	return nil
}

// resolution is what the configuration says about a variable for one
// targeting key and set of attributes.
type resolution struct {
	serialized *string // nil: the code default
	label      string
	version    int
	reason     string
}

// Why a value was chosen (the Python SDK's ResolutionReason values).
const (
	reasonResolved     = "resolved"
	reasonCodeDefault  = "code_default"
	reasonUnrecognized = "unrecognized_variable"
	reasonMissing      = "missing_config"
	reasonNoProvider   = "no_provider"
	reasonValidation   = "validation_error"
	reasonOther        = "other_error"
)

// resolve picks the value of the variable name: the first override whose
// conditions all hold replaces the rollout, the rollout picks a label
// (deterministically for a targeting key: the seed is the Python repr of
// the name and of the key, joined by ":"), and refs are followed. attrs
// is called only if an override needs the attributes.
func (c *variablesConfig) resolve(name string, key string, keyed bool, attrs func() map[string]attribute.Value) resolution {
	v := c.lookup(name)
	if v == nil {
		return resolution{reason: reasonUnrecognized}
	}
	r := &v.Rollout
	if len(v.Overrides) > 0 {
		a := attrs()
		for i := range v.Overrides {
			o := &v.Overrides[i]
			if !slices.ContainsFunc(o.Conditions, func(c condition) bool { return !c.matches(a) }) {
				r = &o.Rollout
				break
			}
		}
	}
	seed := ""
	if keyed {
		seed = pyrandom.Repr(v.Name) + ":" + pyrandom.Repr(key)
	}
	label, ok := r.pick(seed, keyed)
	if !ok {
		return resolution{reason: reasonCodeDefault}
	}
	serialized, version := v.follow(v.Labels[label], map[string]bool{})
	if serialized == nil {
		return resolution{reason: reasonCodeDefault}
	}
	return resolution{serialized: serialized, label: label, version: version, reason: reasonResolved}
}

// follow returns the value and version a label stands for, following
// refs; nil for the code default, a cycle or a missing label.
func (v *variableConfig) follow(l labelValue, seen map[string]bool) (*string, int) {
	if l.Serialized != nil {
		return l.Serialized, derefInt(l.Version)
	}
	switch l.Ref {
	case refCodeDefault:
		return nil, 0
	case refLatest:
		if v.LatestVersion != nil {
			return &v.LatestVersion.Serialized, v.LatestVersion.Version
		}
		return nil, derefInt(l.Version)
	}
	if seen[l.Ref] {
		return nil, derefInt(l.Version)
	}
	seen[l.Ref] = true
	target, ok := v.Labels[l.Ref]
	if !ok {
		return nil, derefInt(l.Version)
	}
	return v.follow(target, seen)
}

func derefInt(p *int) int {
	if p == nil {
		return 0
	}
	return *p
}
