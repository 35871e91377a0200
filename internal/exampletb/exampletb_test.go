package exampletb

import (
	"os"
	"strings"
	"testing"
)

// TestDoneRunsCleanupsAndRemovesDirs: Done runs the cleanups last first
// and removes the temporary directories; a failure panics with its
// message.
func TestDoneRunsCleanupsAndRemovesDirs(t *testing.T) {
	tb := New()
	var order []int
	tb.Cleanup(func() { order = append(order, 1) })
	tb.Cleanup(func() { order = append(order, 2) })
	dir := tb.TempDir()
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		t.Fatalf("TempDir %q: %v", dir, err)
	}
	tb.Done()
	if len(order) != 2 || order[0] != 2 || order[1] != 1 {
		t.Errorf("cleanups ran in order %v, want [2 1]", order)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("%s still there: %v", dir, err)
	}
	defer func() {
		if r := recover(); r == nil || !strings.Contains(r.(string), "no span 7") {
			t.Errorf("recovered %v", r)
		}
	}()
	tb.Fatalf("no span %d", 7)
}
