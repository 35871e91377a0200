package credentials

import (
	"errors"
	"strings"
	"testing"

	"github.com/logfire-go/sdk/config"
)

// TestAPIBaseURL: the API key's region gives the base URL, as a token's
// does, and LOGFIRE_BASE_URL wins; an unknown region, a malformed key or
// none is an error naming the setting, without the key.
func TestAPIBaseURL(t *testing.T) {
	const secret = "Key0Secret0abc"
	for key, want := range map[string]string{
		"pylf_v1_us_" + secret: BaseURLUS,
		"pylf_v1_eu_" + secret: BaseURLEU,
		"pylf_v2_stagingeu_9f9ba85a-b759-4181-9527-d812e03f9f7f_" + secret: BaseURLStagingEU,
		"pylf_v2_stagingus_" + secret:                                      BaseURLStagingUS,
	} {
		c := config.Default()
		c.APIKey = key
		if got, err := APIBaseURL(&c); got != want || err != nil {
			t.Errorf("%s: got %q, %v; want %q", TokenPrefix(key), got, err, want)
		}
	}

	c := config.Default()
	c.APIKey = "pylf_v1_mars_" + secret
	c.BaseURL = "http://127.0.0.1:8000"
	if got, err := APIBaseURL(&c); got != c.BaseURL || err != nil {
		t.Errorf("with a base URL: got %q, %v", got, err)
	}

	cases := []struct{ key, setting, says string }{
		{"pylf_v1_mars_" + secret, "LOGFIRE_API_KEY", `names the region "mars", which this SDK does not know (it knows eu, stagingeu, stagingus, us): set LOGFIRE_BASE_URL`},
		{"mars_" + secret, "LOGFIRE_API_KEY", "is not shaped like one"},
		{"", "LOGFIRE_API_KEY", "is not set"},
	}
	for _, tc := range cases {
		c := config.Default()
		c.APIKey = tc.key
		_, err := APIBaseURL(&c)
		var ce *config.Error
		if !errors.As(err, &ce) || ce.Setting != tc.setting || !strings.Contains(err.Error(), tc.says) {
			t.Errorf("%q: error %v, want one naming %s that says %q", TokenPrefix(tc.key), err, tc.setting, tc.says)
		}
		if err != nil && strings.Contains(err.Error(), secret) {
			t.Errorf("the error quotes the key: %v", err)
		}
	}
	if _, err := APIBaseURL(nil); err == nil {
		t.Error("nil config: no error")
	}
}
