package pyrandom

import (
	"math"
	"strings"
	"testing"
)

// The expected values below were printed by CPython 3.12.1 (and are the
// same under 3.11.7 and 3.13.0):
//
//	r = random.Random(seed)
//	[r.getrandbits(32) for _ in range(3)], random.Random(seed).random()
//
// getrandbits(32) is one genrand_uint32 output.
func TestNewMatchesCPython(t *testing.T) {
	for _, tc := range []struct {
		seed  string
		words [3]uint32
		float float64
	}{
		{"'support_agent_config':'user123'", [3]uint32{1590682628, 3301171463, 1754014806}, 0.3703596649215659},
		{"'m':'trace_id:0123456789abcdef0123456789abcdef'", [3]uint32{138382863, 1321356092, 3012511491}, 0.032219769862682934},
		{"", [3]uint32{4124137760, 1951988028, 2557274880}, 0.9602256525641875},
		{strings.Repeat("x", 200), [3]uint32{3650749297, 2945716951, 743268842}, 0.8500063097913054},
		{"'v':'é日本\\n'", [3]uint32{1699956530, 517281921, 292243392}, 0.39580196976988824},
	} {
		r := New(tc.seed)
		got := [3]uint32{r.Uint32(), r.Uint32(), r.Uint32()}
		if got != tc.words {
			t.Errorf("New(%q): outputs %v, CPython %v", tc.seed, got, tc.words)
		}
		if f := New(tc.seed).Float64(); f != tc.float {
			t.Errorf("New(%q).Float64() = %v, CPython %v", tc.seed, f, tc.float)
		}
	}
}

// The expected values are CPython's repr() of each string (3.12.1).
func TestReprMatchesCPython(t *testing.T) {
	for in, want := range map[string]string{
		"user123":                  `'user123'`,
		"it's":                     `"it's"`,
		`say "hi"`:                 `'say "hi"'`,
		"both ' and \"":            `'both \' and "'`,
		"tab\tnl\ncr\r":            `'tab\tnl\ncr\r'`,
		"\x00\x1f\x7f":             `'\x00\x1f\x7f'`,
		"é日本":                      `'é日本'`,
		"\u200b\u2028\u00a0\u00ad": `'\u200b\u2028\xa0\xad'`,
		"\U0001F600\U000E0001":     `'😀\U000e0001'`,
		`back\slash`:               `'back\\slash'`,
		"":                         `''`,
	} {
		if got := Repr(in); got != want {
			t.Errorf("Repr(%q) = %s, CPython %s", in, got, want)
		}
	}
}

// TestPick: weights that do not add up to a positive finite number pick
// -1; a population of one is always picked; the bounds of each weight's
// interval are as bisect_right puts them.
func TestPick(t *testing.T) {
	for _, w := range [][]float64{nil, {0}, {0, 0}, {math.Inf(1)}, {-1}} {
		if got := Pick(w, 0.5); got != -1 {
			t.Errorf("Pick(%v) = %d, want -1", w, got)
		}
	}
	for _, u := range []float64{0, 0.5, 0.9999999} {
		if got := Pick([]float64{0.3}, u); got != 0 {
			t.Errorf("Pick([0.3], %v) = %d", u, got)
		}
	}
	for _, tc := range []struct {
		u    float64
		want int
	}{{0, 0}, {0.2499, 0}, {0.25, 1}, {0.4999, 1}, {0.5, 2}, {0.99, 2}} {
		if got := Pick([]float64{0.25, 0.25, 0.5}, tc.u); got != tc.want {
			t.Errorf("Pick([0.25 0.25 0.5], %v) = %d, want %d", tc.u, got, tc.want)
		}
	}
}

// TestSum: compensated, as CPython 3.12's sum(): 0.1+0.2+0.7 is 1.0 where
// plain addition gives 1.0000000000000002 (so no remainder is left for
// the code default either way), and [0.1]*10 is exactly 1.0 where plain
// addition gives 0.9999999999999999 (which would leave a remainder).
func TestSum(t *testing.T) {
	if got := Sum([]float64{0.1, 0.2, 0.7}); got != 1 {
		t.Errorf("Sum(0.1, 0.2, 0.7) = %v", got)
	}
	ten := make([]float64, 10)
	for i := range ten {
		ten[i] = 0.1
	}
	if got := Sum(ten); got != 1 {
		t.Errorf("Sum(0.1 ×10) = %v, CPython 3.12: 1.0", got)
	}
	if got := Sum(nil); got != 0 {
		t.Errorf("Sum() = %v", got)
	}
}
