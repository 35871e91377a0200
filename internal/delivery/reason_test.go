package delivery

import "testing"

// TestReasonKeysAndDescriptions: every reason has its own key and
// description, so that no two reasons share a line of DeliveryStats.
func TestReasonKeysAndDescriptions(t *testing.T) {
	keys, descriptions := map[string]Reason{}, map[string]Reason{}
	for _, r := range Reasons {
		k, d := r.Key(), r.String()
		if k == "unknown" || d == "unknown reason" {
			t.Errorf("reason %d has no key or description", int(r))
		}
		if prev, ok := keys[k]; ok {
			t.Errorf("reasons %d and %d share the key %q", int(prev), int(r), k)
		}
		if prev, ok := descriptions[d]; ok {
			t.Errorf("reasons %d and %d share the description %q", int(prev), int(r), d)
		}
		keys[k], descriptions[d] = r, r
	}
	if len(keys) != int(numReasons) {
		t.Errorf("%d keys for %d reasons", len(keys), int(numReasons))
	}
}
