package config

import "github.com/logfire-go/sdk/internal/envconfig"

// Level is a Logfire severity level, one of the logfire.Level constants
// (such as logfire.LevelInfo) or a number between them. Its numeric value
// is what travels on the wire as logfire.level_num; the numbers match
// OpenTelemetry's SeverityNumber. In the environment (LOGFIRE_MIN_LEVEL,
// LOGFIRE_CONSOLE_MIN_LOG_LEVEL) it is written as a name (trace, debug,
// info, notice, warn or warning, error, fatal; any case) or a number from
// 1 to 24.
type Level int

// The levels this package's defaults use.
const levelInfo Level = envconfig.LevelInfo

// String returns the canonical lower-case name of the level, such as "info".
// A level between two named ones prints as its number.
func (l Level) String() string { return envconfig.LevelName(int(l)) }

// valid reports whether l is a level a user may set: 1 to 24.
func (l Level) valid() bool { return l >= envconfig.MinLevel && l <= envconfig.MaxLevel }
