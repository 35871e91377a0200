//go:build unix

package main

import (
	"runtime"
	"syscall"
	"time"
)

// usage is the process's resource usage so far.
type usage struct {
	cpu      time.Duration // user and system time, all threads
	maxRSSKB int64         // peak resident set size, in KiB
}

func readUsage() (usage, error) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return usage{}, err
	}
	rss := int64(ru.Maxrss)
	if runtime.GOOS == "darwin" {
		rss /= 1024 // bytes there, KiB on Linux and the BSDs
	}
	return usage{cpu: time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), maxRSSKB: rss}, nil
}
