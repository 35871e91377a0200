//go:build !unix

package main

import (
	"errors"
	"runtime"
	"time"
)

// usage is the process's resource usage so far.
type usage struct {
	cpu      time.Duration
	maxRSSKB int64
}

func readUsage() (usage, error) {
	return usage{}, errors.New("measuring CPU time needs getrusage, which " + runtime.GOOS + " does not have")
}
