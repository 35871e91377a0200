package logfire

import (
	"testing"
	"time"
)

// TestPlainMembersHaveNoSchema: inside a map, struct or slice, a member or
// item whose schema says nothing (a plain value, null, a plain list or
// object) has no entry, as in the Python SDK, which leaves out the entries
// in its PLAIN_SCHEMAS; an entry that says something stays.
func TestPlainMembersHaveNoSchema(t *testing.T) {
	when := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	type row struct {
		Tags []string       `json:"tags"`
		Meta map[string]int `json:"meta"`
		Next *row           `json:"next"`
		At   time.Time      `json:"at"`
	}
	cases := []struct {
		name string
		v    any
		want string
	}{
		{"map with a nested list", map[string]any{"ids": []int{1, 2}, "none": nil, "sub": map[string]int{"x": 1}, "n": 3},
			`{"type":"object"}`},
		{"map with a date beside them", map[string]any{"ids": []int{1, 2}, "when": when},
			`{"type":"object","properties":{"when":{"type":"string","format":"date-time","x-python-datatype":"datetime"}}}`},
		{"list of lists", [][]int{{1}, {2, 3}}, `{"type":"array"}`},
		{"list of lists with a date", [][]any{{when}}, `{"type":"array","items":{"type":"array","items":{"type":"string","format":"date-time","x-python-datatype":"datetime"}}}`},
		{"list of maps", []map[string]int{{"a": 1}}, `{"type":"array"}`},
		{"struct", row{Tags: []string{"a"}, Meta: map[string]int{"a": 1}, At: when},
			`{"type":"object","title":"logfire.row","x-python-datatype":"dataclass","properties":{"at":{"type":"string","format":"date-time","x-python-datatype":"datetime"}}}`},
	}
	for _, tc := range cases {
		_, schema := convertValue(tc.v)
		if schema != tc.want {
			t.Errorf("%s:\n got %s\nwant %s", tc.name, schema, tc.want)
		}
	}
}
