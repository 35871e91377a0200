package logfire

import (
	"github.com/logfire-go/sdk/config"
	"github.com/logfire-go/sdk/internal/instance"
	"github.com/logfire-go/sdk/internal/testhook"
)

// The settings the SDK's other packages read from an instance (see
// internal/instance): of lf, or of the default instance for a nil one; the
// defaults without an instance. And the test hook's SetDefault.
func init() {
	instance.Default = func() any { return current() }
	testhook.SetDefault = func(v any) {
		lf, _ := v.(*Logfire)
		setDefault(lf)
	}
	instance.Of = func(v any) instance.Settings {
		lf, _ := v.(*Logfire)
		if lf == nil {
			lf = current()
		}
		cfg := config.Default()
		if lf != nil && lf.tp != nil {
			cfg = lf.cfg
		}
		return instance.Settings{HeadSampleRate: cfg.TraceSampleRate, MaxExportBatch: cfg.BatchMaxExportSize}
	}
}
