package config

import (
	"errors"
	"strings"
	"testing"
)

// apiKeySecret is the secret part of the test API keys: no error may
// quote it.
const apiKeySecret = "ApiKey0Secret0xyz"

// TestAPIKey: LOGFIRE_API_KEY is read (blanks around it dropped);
// logfire.WithAPIKey's value is checked by Validate; a malformed key is an
// error naming its setting that never quotes the key.
func TestAPIKey(t *testing.T) {
	clearEnv(t)
	key := "pylf_v2_eu_9f9ba85a-b759-4181-9527-d812e03f9f7f_" + apiKeySecret
	t.Setenv("LOGFIRE_API_KEY", " "+key+"\n")
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	if c.APIKey != key {
		t.Fatalf("APIKey = %q", c.APIKey)
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}

	for _, bad := range []string{
		"pylf_v1_us_" + apiKeySecret + " extra",  // a space
		"Bearer pylf_v1_us_" + apiKeySecret,      // pasted with its scheme
		"sk-" + apiKeySecret,                     // another vendor's key
		"pylf_v1_" + apiKeySecret,                // no region
		"pylf_v1_us_" + strings.Repeat("a", 600), // too long
	} {
		t.Setenv("LOGFIRE_API_KEY", bad)
		_, err := Load()
		var ce *Error
		if !errors.As(err, &ce) || ce.Setting != "LOGFIRE_API_KEY" || !strings.Contains(err.Error(), "pylf_v<N>_<region>_<secret>") {
			t.Errorf("%.20q: error %v does not name LOGFIRE_API_KEY and say what is accepted", bad, err)
		}
		if err != nil && (strings.Contains(err.Error(), apiKeySecret) || strings.Contains(err.Error(), "aaaaaaaa")) {
			t.Errorf("the error quotes the key: %v", err)
		}

		c := Default()
		c.APIKey = bad
		err = c.Validate()
		if !errors.As(err, &ce) || ce.Setting != "logfire.WithAPIKey" {
			t.Errorf("%.20q: Validate's error %v does not name logfire.WithAPIKey", bad, err)
		}
		if err != nil && strings.Contains(err.Error(), apiKeySecret) {
			t.Errorf("Validate's error quotes the key: %v", err)
		}
	}

	// A bad base URL beside the key: its error does not quote the key.
	c = Default()
	c.APIKey = key
	c.BaseURL = "ftp://x/" + key
	if err := c.Validate(); err == nil || strings.Contains(err.Error(), apiKeySecret) {
		t.Errorf("Validate with a bad base URL: %v", err)
	}
}
