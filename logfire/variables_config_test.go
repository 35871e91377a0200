package logfire

import (
	"encoding/json"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/attribute"
)

func mustParseVariables(t *testing.T, doc string) *variablesConfig {
	t.Helper()
	c, err := parseVariablesConfig([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func noAttrs() map[string]attribute.Value { return nil }

// TestRolloutMatchesPython: a targeting key lands in the label the Python
// SDK picks for it. The expected labels were computed by CPython (3.11.7,
// 3.12.1 and 3.13.0 agree) with the algorithm of
// logfire.variables.config.Rollout.select_label, for the seed
// f'{name!r}:{targeting_key!r}' that VariableConfig.resolve_label makes:
//
//	population, weights = list(labels), list(labels.values())
//	p_none = 1 - sum(weights)
//	if p_none > 0: population.append(None); weights.append(p_none)
//	random.Random(f'{name!r}:{key!r}').choices(population, weights)[0]
//
// None is the code default ("" here). The labels' order is the JSON's.
func TestRolloutMatchesPython(t *testing.T) {
	keys := []string{"user1", "user2", "user3", "user42", "org-7", "it's", "é日本", "trace_id:0123456789abcdef0123456789abcdef"}
	for _, tc := range []struct {
		name, rollout string
		want          []string
	}{
		{"support_agent_config", `{"control": 0.5, "treatment": 0.5}`,
			[]string{"control", "treatment", "treatment", "control", "control", "control", "treatment", "control"}},
		{"checkout_copy", `{"a": 0.1, "b": 0.2, "c": 0.3}`,
			[]string{"b", "c", "b", "c", "", "b", "", "b"}},
		{"model", `{"gpt": 0.25, "claude": 0.25, "llama": 0.5}`,
			[]string{"llama", "claude", "llama", "gpt", "llama", "llama", "llama", "claude"}},
	} {
		var labels []string
		var ro map[string]float64
		if err := json.Unmarshal([]byte(tc.rollout), &ro); err != nil {
			t.Fatal(err)
		}
		for l := range ro {
			labels = append(labels, `"`+l+`": {"version": 1, "serialized_value": "\"`+l+`\""}`)
		}
		doc := `{"variables": {"` + tc.name + `": {"name": "` + tc.name + `", "labels": {` + strings.Join(labels, ", ") +
			`}, "rollout": {"labels": ` + tc.rollout + `}, "overrides": []}}}`
		c := mustParseVariables(t, doc)
		for i, key := range keys {
			got := c.resolve(tc.name, key, true, noAttrs)
			if got.label != tc.want[i] {
				t.Errorf("%s, key %q: label %q, Python picks %q", tc.name, key, got.label, tc.want[i])
			}
			wantReason := reasonResolved
			if tc.want[i] == "" {
				wantReason = reasonCodeDefault
			}
			if got.reason != wantReason {
				t.Errorf("%s, key %q: reason %q, want %q", tc.name, key, got.reason, wantReason)
			}
		}
	}
}

// TestRolloutOrderMatters: the same weights in another order send a key
// elsewhere, as in Python, so the order of the JSON object is kept.
func TestRolloutOrderMatters(t *testing.T) {
	doc := func(rollout string) *variablesConfig {
		return mustParseVariables(t, `{"variables": {"model": {"name": "model", "labels": {
			"gpt": {"version": 1, "serialized_value": "1"}, "claude": {"version": 2, "serialized_value": "2"},
			"llama": {"version": 3, "serialized_value": "3"}}, "rollout": {"labels": `+rollout+`}, "overrides": []}}}`)
	}
	a := doc(`{"gpt": 0.25, "claude": 0.25, "llama": 0.5}`)
	b := doc(`{"llama": 0.5, "gpt": 0.25, "claude": 0.25}`)
	if la, lb := a.resolve("model", "user42", true, noAttrs).label, b.resolve("model", "user42", true, noAttrs).label; la != "gpt" || lb == la {
		t.Errorf("user42: %q in the first order (Python: gpt), %q in the second", la, lb)
	}
}

// TestResolve: overrides, refs, the latest version, aliases and the code
// default, as the Python SDK's VariableConfig.resolve_value decides them.
func TestResolve(t *testing.T) {
	c := mustParseVariables(t, `{"variables": {
	  "agent": {
	    "name": "agent", "aliases": ["old_agent"],
	    "latest_version": {"version": 3, "serialized_value": "\"v3\""},
	    "labels": {
	      "production": {"version": 1, "serialized_value": "\"v1\""},
	      "canary": {"version": 3, "ref": "latest"},
	      "beta": {"ref": "canary"},
	      "off": {"ref": "code_default"},
	      "loop1": {"ref": "loop2"}, "loop2": {"ref": "loop1"}
	    },
	    "rollout": {"labels": {"production": 1}},
	    "overrides": [
	      {"conditions": [{"kind": "value-equals", "attribute": "plan", "value": "enterprise"}], "rollout": {"labels": {"canary": 1}}},
	      {"conditions": [{"kind": "value-is-in", "attribute": "tier", "values": [2, 3]},
	                      {"kind": "key-is-not-present", "attribute": "legacy"}], "rollout": {"labels": {"beta": 1}}},
	      {"conditions": [{"kind": "value-matches-regex", "attribute": "email", "pattern": "@example\\.com$"}], "rollout": {"labels": {"off": 1}}},
	      {"conditions": [{"kind": "key-is-present", "attribute": "loop"}], "rollout": {"labels": {"loop1": 1}}},
	      {"conditions": [{"kind": "value-equals", "attribute": "half", "value": true}], "rollout": {"labels": {"production": 0.5}}}
	    ]
	  },
	  "empty": {"name": "empty", "rollout": {"labels": {}}, "overrides": []}
	}}`)
	attrs := func(kv ...attribute.KeyValue) func() map[string]attribute.Value {
		return func() map[string]attribute.Value {
			m := map[string]attribute.Value{}
			for _, a := range kv {
				m[string(a.Key)] = a.Value
			}
			return m
		}
	}
	for _, tc := range []struct {
		what   string
		name   string
		attrs  func() map[string]attribute.Value
		value  string // "" for the code default
		label  string
		ver    int
		reason string
	}{
		{"the rollout", "agent", attrs(), `"v1"`, "production", 1, reasonResolved},
		{"by an alias", "old_agent", attrs(), `"v1"`, "production", 1, reasonResolved},
		{"an override to a ref to latest", "agent", attrs(attribute.String("plan", "enterprise")), `"v3"`, "canary", 3, reasonResolved},
		{"no override for another plan", "agent", attrs(attribute.String("plan", "free")), `"v1"`, "production", 1, reasonResolved},
		{"all conditions, a ref to a ref", "agent", attrs(attribute.Int("tier", 3)), `"v3"`, "beta", 3, reasonResolved},
		{"a float equals an int", "agent", attrs(attribute.Float64("tier", 2)), `"v3"`, "beta", 3, reasonResolved},
		{"one condition fails", "agent", attrs(attribute.Int("tier", 3), attribute.Bool("legacy", true)), `"v1"`, "production", 1, reasonResolved},
		{"a ref to the code default", "agent", attrs(attribute.String("email", "a@example.com")), "", "", 0, reasonCodeDefault},
		{"a regex on a non-string", "agent", attrs(attribute.Int("email", 1)), `"v1"`, "production", 1, reasonResolved},
		{"a cycle of refs", "agent", attrs(attribute.Bool("loop", false)), "", "", 0, reasonCodeDefault},
		{"a rollout of no label", "empty", attrs(), "", "", 0, reasonCodeDefault},
		{"an unknown variable", "nope", attrs(), "", "", 0, reasonUnrecognized},
	} {
		got := c.resolve(tc.name, "user1", true, tc.attrs)
		value := ""
		if got.serialized != nil {
			value = *got.serialized
		}
		if value != tc.value || got.label != tc.label || got.version != tc.ver || got.reason != tc.reason {
			t.Errorf("%s: got %s %q v%d %s, want %s %q v%d %s", tc.what, value, got.label, got.version, got.reason, tc.value, tc.label, tc.ver, tc.reason)
		}
	}
	// Half of the keys get production, the others the code default.
	n := 0
	for i := range 1000 {
		if c.resolve("agent", "user"+string(rune('a'+i%26))+strings.Repeat("x", i/26), true, attrs(attribute.Bool("half", true))).label == "production" {
			n++
		}
	}
	if n < 400 || n > 600 {
		t.Errorf("a rollout of 0.5 picked the label for %d keys of 1000", n)
	}
}

// TestPyEqual: the conditions compare as Python's == does.
func TestPyEqual(t *testing.T) {
	num := func(s string) any { return json.Number(s) }
	for _, tc := range []struct {
		v    attribute.Value
		j    any
		want bool
	}{
		{attribute.StringValue("a"), "a", true},
		{attribute.StringValue("1"), num("1"), false},
		{attribute.IntValue(1), num("1"), true},
		{attribute.IntValue(1), num("1.0"), true},
		{attribute.IntValue(1), true, true}, // True == 1
		{attribute.BoolValue(true), num("1"), true},
		{attribute.BoolValue(false), false, true},
		{attribute.Float64Value(0.5), num("0.5"), true},
		{attribute.Int64Value(9007199254740993), num("9007199254740992"), false},
		{attribute.IntValue(1), nil, false},
		{attribute.StringSliceValue([]string{"a", "b"}), []any{"a", "b"}, true},
		{attribute.Int64SliceValue([]int64{1}), []any{num("1"), num("2")}, false},
	} {
		if got := pyEqual(tc.v, tc.j); got != tc.want {
			t.Errorf("pyEqual(%v %s, %#v) = %v", tc.v.Emit(), tc.v.Type(), tc.j, got)
		}
	}
}

// TestVariablesConfigErrors: a configuration that the Python SDK rejects
// is rejected, and the error says where.
func TestVariablesConfigErrors(t *testing.T) {
	for _, tc := range []struct{ doc, want string }{
		{`{"variables": `, "not valid JSON"},
		{`[]`, "a JSON array where the configuration needs a object"},
		{`{}`, `no "variables"`},
		{`{"variables": {"a": null}}`, `variable "a" is null`},
		{`{"variables": {"a": {"name": "b"}}}`, `variable "a": its "name" is "b"`},
		{`{"variables": {"1a": {"name": "1a"}}}`, "not an identifier"},
		{`{"variables": {"a": {"name": "a", "aliases": ["x-y"]}}}`, `alias "x-y"`},
		{`{"variables": {"a": {"name": "a", "rollout": {"labels": {"p": 1}}}}}`, `label "p" is in the rollout but not in "labels"`},
		{`{"variables": {"a": {"name": "a", "labels": {"p": {"version": 1, "serialized_value": "1"}}, "rollout": {"labels": {"p": 0.7, "q": 0.4}}}}}`, "add up to"},
		{`{"variables": {"a": {"name": "a", "labels": {"p": {"version": 1, "serialized_value": "1"}}, "rollout": {"labels": {"p": -0.1}}}}}`, "must not be negative"},
		{`{"variables": {"a": {"name": "a", "rollout": {"labels": {"p": "x"}}}}}`, `the weight of label "p" is not a number`},
		{`{"variables": {"a": {"name": "a", "labels": {"p": {"version": 1}}}}}`, `a label needs "serialized_value" and "version", or "ref"`},
		{`{"variables": {"a": {"name": "a", "labels": {"p": {"ref": "q"}}}}}`, `label "p" refers to "q"`},
		{`{"variables": {"a": {"name": "a", "overrides": [{"conditions": [{"kind": "value-equals", "attribute": "x"}], "rollout": {}}]}}}`, `has no "value"`},
		{`{"variables": {"a": {"name": "a", "overrides": [{"conditions": [{"kind": "bigger", "attribute": "x"}], "rollout": {}}]}}}`, `unknown condition kind "bigger"`},
		{`{"variables": {"a": {"name": "a", "overrides": [{"conditions": [{"kind": "key-is-present"}], "rollout": {}}]}}}`, `no "attribute"`},
		{`{"variables": {"a": {"name": "a", "labels": {}, "overrides": [{"conditions": [], "rollout": {"labels": {"z": 1}}}]}}}`, "overrides[0]"},
		{`{"variables": {}} {}`, "followed by more data"},
	} {
		_, err := parseVariablesConfig([]byte(tc.doc))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one containing %q", tc.doc, err, tc.want)
		}
	}
}

// TestVariablesConfigPatterns: a pattern Go's regexp cannot compile (a
// look-ahead, which Python's re has) does not reject the configuration:
// its override never applies, and the problem is kept to be reported.
func TestVariablesConfigPatterns(t *testing.T) {
	c := mustParseVariables(t, `{"variables": {"a": {"name": "a",
	  "labels": {"p": {"version": 1, "serialized_value": "1"}, "q": {"version": 2, "serialized_value": "2"}},
	  "rollout": {"labels": {"p": 1}},
	  "overrides": [{"conditions": [{"kind": "value-does-not-match-regex", "attribute": "email", "pattern": "(?!x)"}], "rollout": {"labels": {"q": 1}}}]}}}`)
	if len(c.patterns) != 1 || !strings.Contains(c.patterns[0].Error(), `the pattern of a "value-does-not-match-regex" condition on "email"`) {
		t.Errorf("problems %v", c.patterns)
	}
	if got := c.resolve("a", "k", true, func() map[string]attribute.Value { return nil }); got.label != "p" {
		t.Errorf("label %q: the override with a bad pattern applied", got.label)
	}
}

// FuzzVariablesConfig: any document is either rejected with an error or
// resolves every variable, for any targeting key and attributes, without
// a panic: to a label's value ("resolved", with the label), or to the
// default (no value, no label).
func FuzzVariablesConfig(f *testing.F) {
	f.Add([]byte(`{"variables": {"a": {"name": "a", "labels": {"p": {"version": 1, "serialized_value": "1"}, "q": {"ref": "latest"}, "r": {"ref": "p"}},
		"latest_version": {"version": 2, "serialized_value": "2"}, "rollout": {"labels": {"p": 0.3, "q": 0.3, "r": 0.3}},
		"overrides": [{"conditions": [{"kind": "value-is-in", "attribute": "k", "values": [1, "x", true]}], "rollout": {"labels": {"q": 1}}}]}}}`), "user", "x")
	f.Add([]byte(`{"variables": {"b": {"name": "b", "aliases": ["c"], "labels": {"l1": {"ref": "l2"}, "l2": {"ref": "l1"}}, "rollout": {"labels": {"l1": 1}},
		"overrides": [{"conditions": [{"kind": "value-matches-regex", "attribute": "k", "pattern": "^(a|b)+$"}], "rollout": {}}]}}}`), "", "ab")
	f.Add([]byte(`{"variables": {}}`), "k", "v")
	f.Add([]byte(`{"variables": {"e": {"name": "e", "labels": {"": {"version": 1, "serialized_value": "0"}}, "rollout": {"labels": {"": 1}}}}}`), "k", "v")
	f.Fuzz(func(t *testing.T, doc []byte, key, attr string) {
		c, err := parseVariablesConfig(doc)
		if err != nil {
			if err.Error() == "" {
				t.Fatal("an empty error")
			}
			return
		}
		attrs := func() map[string]attribute.Value {
			return map[string]attribute.Value{"k": attribute.StringValue(attr), "n": attribute.IntValue(len(attr))}
		}
		for name := range c.Variables {
			for _, keyed := range []bool{true, false} {
				r := c.resolve(name, key, keyed, attrs)
				if (r.serialized != nil) != (r.reason == reasonResolved) || (r.serialized == nil && (r.label != "" || r.version != 0)) {
					t.Fatalf("variable %q: value %v, label %q, reason %s", name, r.serialized, r.label, r.reason)
				}
			}
		}
	})
}
