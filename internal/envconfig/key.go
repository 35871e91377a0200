package envconfig

import (
	"fmt"
	"regexp"
)

// keyShape is the shape of a Logfire API key or read token, as the Logfire
// UI makes them: pylf_v<N>_<region>_, an optional organization UUID and _,
// then the secret.
var keyShape = regexp.MustCompile(`^pylf_v[0-9]+_[a-z]+_(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}_)?[A-Za-z0-9]+$`)

// KeyProblem says what is wrong with key, a Logfire API key or read token
// (what names it: "API key", "read token"), or returns nil for a key of
// the right shape. Its message never quotes the key.
func KeyProblem(what, key string) error {
	why := ""
	switch {
	case key == "":
		why = "is empty"
	case len(key) > MaxTokenLength:
		why = fmt.Sprintf("is %d bytes long (at most %d)", len(key), MaxTokenLength)
	case !keyShape.MatchString(key):
		why = "is not shaped like one"
	default:
		return nil
	}
	return fmt.Errorf("the %s %s: accepted values are the %ss the Logfire UI makes, shaped pylf_v<N>_<region>_<secret>", what, why, what)
}
