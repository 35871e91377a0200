package envconfig

import (
	"strconv"
	"strings"
)

// The Logfire levels, from least to most severe: the numbers that travel
// as logfire.level_num, OpenTelemetry's SeverityNumber values. Package
// logfire exports them as its Level constants; config and console use
// these.
const (
	LevelTrace  = 1
	LevelDebug  = 5
	LevelInfo   = 9
	LevelNotice = 10
	LevelWarn   = 13
	LevelError  = 17
	LevelFatal  = 21
)

// MinLevel and MaxLevel bound the levels a user may set.
const (
	MinLevel = 1
	MaxLevel = 24
)

// levelNames lists the accepted names; the first name of a level is its
// canonical one.
var levelNames = []struct {
	name  string
	level int
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

// acceptedLevels is the list of accepted values used in error messages.
const acceptedLevels = "trace, debug, info, notice, warn (or warning), error, fatal, or a number from 1 to 24"

// LevelName returns the canonical lower-case name of level, such as
// "info", or its number for a level between two named ones.
func LevelName(level int) string {
	for _, n := range levelNames {
		if n.level == level {
			return n.name
		}
	}
	return strconv.Itoa(level)
}

// ParseLevel parses a level name (in any case) or a number from 1 to 24.
func ParseLevel(s string) (int, error) {
	t := strings.ToLower(strings.TrimSpace(s))
	for _, n := range levelNames {
		if n.name == t {
			return n.level, nil
		}
	}
	if n, err := strconv.Atoi(t); err == nil && n >= MinLevel && n <= MaxLevel {
		return n, nil
	}
	return 0, BadValue("unknown level %s: accepted values are "+acceptedLevels, s)
}

// Level accepts what ParseLevel does.
func Level(p *int) func(string) error {
	return func(value string) error {
		if strings.TrimSpace(value) == "" {
			return nil
		}
		n, err := ParseLevel(value)
		if err != nil {
			return err
		}
		*p = n
		return nil
	}
}
