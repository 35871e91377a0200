package logfire

import (
	"github.com/logfire-go/sdk/config"
	"github.com/logfire-go/sdk/internal/instance"
)

// The settings the SDK's other packages read from an instance (see
// internal/instance): of lf, or of the default instance for a nil one; the
// defaults without an instance.
func init() {
	instance.Default = func() any { return current() }
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
