package config

import "github.com/logfire-go/sdk/internal/envconfig"

// checkAPIKey checks the API key set by setting (LOGFIRE_API_KEY or
// logfire.WithAPIKey); an empty key is unset. The error never quotes the
// key.
func checkAPIKey(key, setting string) error {
	if key == "" {
		return nil
	}
	if err := envconfig.KeyProblem("API key", key); err != nil {
		return &Error{Setting: setting, Err: err}
	}
	return nil
}
