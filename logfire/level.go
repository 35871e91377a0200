package logfire

import "github.com/logfire-go/sdk/config"

// Level is a Logfire severity level, sent as logfire.level_num.
type Level = config.Level

// The Logfire levels, from least to most severe.
const (
	LevelTrace  = config.LevelTrace
	LevelDebug  = config.LevelDebug
	LevelInfo   = config.LevelInfo
	LevelNotice = config.LevelNotice
	LevelWarn   = config.LevelWarn
	LevelError  = config.LevelError
	LevelFatal  = config.LevelFatal
)
