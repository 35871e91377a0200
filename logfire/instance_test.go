package logfire

import (
	"testing"

	"github.com/logfire-go/sdk/internal/instance"
	"github.com/logfire-go/sdk/internal/testhook"
)

// TestInstanceSettings: what internal/instance reads is the instance's
// own; nil stands for the default instance; without any, the defaults.
func TestInstanceSettings(t *testing.T) {
	clearEnv(t)
	old := current()
	t.Cleanup(func() { setDefault(old) })
	setDefault(nil)
	if s := instance.Of((*Logfire)(nil)); s.HeadSampleRate != 1 || s.MaxExportBatch != 512 {
		t.Errorf("no instance: %+v, want the defaults", s)
	}
	lf, _ := newTestInstance(t, withHeadRate(0.25), withBatchSizes(0, 64))
	if s := instance.Of(lf); s.HeadSampleRate != 0.25 || s.MaxExportBatch != 64 {
		t.Errorf("Of(lf) = %+v", s)
	}
	if got, _ := instance.Default().(*Logfire); got != nil {
		t.Errorf("Default() = %p before any default", got)
	}
	testhook.SetDefault(lf)
	if got, _ := instance.Default().(*Logfire); got != lf {
		t.Errorf("Default() = %p, want %p", got, lf)
	}
	if s := instance.Of(nil); s.HeadSampleRate != 0.25 {
		t.Errorf("Of(nil) with lf the default: %+v", s)
	}
	if s := instance.Of(&Logfire{}); s.HeadSampleRate != 1 {
		t.Errorf("a zero Logfire: %+v, want the defaults", s)
	}
}
