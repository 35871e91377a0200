package config

import (
	"strconv"
	"strings"
)

// Level is a Logfire severity level. Its numeric value is what travels on the
// wire as logfire.level_num; the numbers match OpenTelemetry's SeverityNumber.
type Level int

// The Logfire levels, from least to most severe.
const (
	LevelTrace  Level = 1
	LevelDebug  Level = 5
	LevelInfo   Level = 9
	LevelNotice Level = 10
	LevelWarn   Level = 13
	LevelError  Level = 17
	LevelFatal  Level = 21
)

// levelNames lists the accepted names; the first name of a level is its
// canonical one.
var levelNames = []struct {
	name  string
	level Level
}{
	{"trace", LevelTrace},
	{"debug", LevelDebug},
	{"info", LevelInfo},
	{"notice", LevelNotice},
	{"warn", LevelWarn},
	{"warning", LevelWarn},
	{"error", LevelError},
	{"fatal", LevelFatal},
}

// acceptedLevels is the human-readable list of names used in error messages.
const acceptedLevels = "trace, debug, info, notice, warn (or warning), error, fatal, or a number from 1 to 24"

// String returns the canonical lower-case name of the level, such as "info".
// A level between two named ones prints as its number.
func (l Level) String() string {
	for _, n := range levelNames {
		if n.level == l {
			return n.name
		}
	}
	return strconv.Itoa(int(l))
}

// valid reports whether l is a level a user may set: 1 to 24.
func (l Level) valid() bool { return l >= 1 && l <= 24 }

// ParseLevel parses a level name (case-insensitive) or a number from 1 to 24.
func ParseLevel(s string) (Level, error) {
	t := strings.ToLower(strings.TrimSpace(s))
	for _, n := range levelNames {
		if n.name == t {
			return n.level, nil
		}
	}
	if n, err := strconv.Atoi(t); err == nil && n >= 1 && n <= 24 {
		return Level(n), nil
	}
	return 0, badValue("unknown level %s: accepted values are "+acceptedLevels, s)
}

// Decode implements envconfig.Decoder.
func (l *Level) Decode(value string) error {
	if l == nil {
		return errNilDecode
	}
	if strings.TrimSpace(value) == "" {
		return nil
	}
	v, err := ParseLevel(value)
	if err != nil {
		return err
	}
	*l = v
	return nil
}
