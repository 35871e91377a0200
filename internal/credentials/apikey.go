package credentials

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/logfire-go/sdk/config"
	"github.com/logfire-go/sdk/internal/envconfig"
)

// RegionBaseURL returns the base URL of the region named by key, a
// Logfire API key or read token (what names it in messages: "API key",
// "read token"). Unlike a write token, whose telemetry goes to the US
// when its region is unknown, a key for reading must reach its own
// region: a malformed key, or a region this SDK does not know, is an
// error that names the region and says to set the base URL (setting names
// where). The error never quotes the key.
func RegionBaseURL(what, key, setting string) (string, error) {
	if err := envconfig.KeyProblem(what, key); err != nil {
		return "", err
	}
	m := tokenRegion.FindStringSubmatch(key)
	if u, ok := regionURLs[m[1]]; ok {
		return u, nil
	}
	return "", fmt.Errorf("the %s starting %q names the region %q, which this SDK does not know (it knows %s): set %s to the region's base URL, such as %s", what, TokenPrefix(key), m[1], knownRegions(), setting, BaseURLEU)
}

// knownRegions lists the regions of regionURLs, sorted.
func knownRegions() string {
	names := make([]string, 0, len(regionURLs))
	for r := range regionURLs {
		names = append(names, r)
	}
	slices.Sort(names)
	return strings.Join(names, ", ")
}

// APIBaseURL returns the base URL of the Logfire API that c.APIKey reads
// from: c.BaseURL if set, else the region the key names (see
// RegionBaseURL). With no key it returns an error that says how to set
// one. Errors are *config.Error values naming LOGFIRE_API_KEY or
// LOGFIRE_BASE_URL; none quotes the key.
func APIBaseURL(c *config.Config) (string, error) {
	if c == nil || c.APIKey == "" {
		return "", &config.Error{Setting: "LOGFIRE_API_KEY", Err: errors.New("is not set: set it (or use logfire.WithAPIKey) to an API key made in the Logfire UI under Settings > API Keys")}
	}
	if err := envconfig.KeyProblem("API key", c.APIKey); err != nil {
		return "", &config.Error{Setting: "LOGFIRE_API_KEY", Err: err}
	}
	if c.BaseURL != "" {
		return c.BaseURL, nil
	}
	u, err := RegionBaseURL("API key", c.APIKey, "LOGFIRE_BASE_URL (or logfire.WithBaseURL)")
	if err != nil {
		return "", &config.Error{Setting: "LOGFIRE_API_KEY", Err: err}
	}
	return u, nil
}
