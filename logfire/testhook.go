package logfire

import (
	"errors"
	"fmt"
	"time"

	"github.com/logfire-go/sdk/config"
	"github.com/logfire-go/sdk/internal/credentials"
	"github.com/logfire-go/sdk/internal/envconfig"
)

// The settings of internal/testhook: what the SDK's tests give Configure
// beyond its options (see that package). They win over the environment.

// Bounds of the hook's delivery settings.
const (
	maxQueueBytesLimit = 1 << 30 // export queue
	maxProbeTimeout    = time.Minute
)

// applyHook writes the hook's settings that the configuration holds into
// s.cfg.
func (s *settings) applyHook() {
	h := s.hook
	if h.CredentialsDir != "" {
		s.cfg.CredentialsDir = h.CredentialsDir
	}
	if h.BatchScheduleDelay != 0 {
		s.cfg.BatchScheduleDelay = h.BatchScheduleDelay
	}
	if h.BatchExportTimeout != 0 {
		s.cfg.BatchExportTimeout = h.BatchExportTimeout
	}
	if h.BatchMaxQueueSize != 0 {
		s.cfg.BatchMaxQueueSize = h.BatchMaxQueueSize
	}
	if h.BatchMaxExportSize != 0 {
		s.cfg.BatchMaxExportSize = h.BatchMaxExportSize
	}
}

// destinations returns the hook's destinations, nil if it gives none.
func (s *settings) destinations() []credentials.Destination {
	if s.hook.Destinations == nil {
		return nil
	}
	out := make([]credentials.Destination, len(s.hook.Destinations))
	for i, d := range s.hook.Destinations {
		out[i] = credentials.Destination{Token: d.Token, BaseURL: d.BaseURL}
	}
	return out
}

// validateHook checks the hook's delivery settings.
func (s *settings) validateHook() error {
	const where = "testhook.Settings"
	h := s.hook
	var errs []error
	if len(h.Destinations) > envconfig.MaxTokens {
		errs = append(errs, &config.Error{Setting: where + ".Destinations", Err: fmt.Errorf("%d destinations: accepted values are at most %d", len(h.Destinations), envconfig.MaxTokens)})
	}
	for _, d := range s.destinations() {
		errs = append(errs, d.Validate(where+".Destinations"))
	}
	if h.OutageProbe < 0 || h.OutageProbe > maxProbeTimeout {
		errs = append(errs, &config.Error{Setting: where + ".OutageProbe", Err: fmt.Errorf("%v is not a probe timeout: accepted values are above 0 and at most %v", h.OutageProbe, maxProbeTimeout)})
	}
	if h.MaxQueueBytes < 0 || h.MaxQueueBytes > maxQueueBytesLimit {
		errs = append(errs, &config.Error{Setting: where + ".MaxQueueBytes", Err: fmt.Errorf("%d is not a queue size: accepted values are 1 to %d bytes", h.MaxQueueBytes, maxQueueBytesLimit)})
	}
	return errors.Join(errs...)
}
