package logfire

import "github.com/logfire-go/sdk/config"

// Level is a Logfire severity level, sent as logfire.level_num. It is
// config.Level, so that LOGFIRE_MIN_LEVEL and the console's settings
// take the same values.
type Level = config.Level

// The Logfire levels, from least to most severe. Their numbers are
// OpenTelemetry's SeverityNumber values; a number between two of them is
// a level too.
const (
	LevelTrace  Level = 1
	LevelDebug  Level = 5
	LevelInfo   Level = 9
	LevelNotice Level = 10
	LevelWarn   Level = 13
	LevelError  Level = 17
	LevelFatal  Level = 21
)
