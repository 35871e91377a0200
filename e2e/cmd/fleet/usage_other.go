//go:build !unix

package main

import "time"

// selfCPU is 0 where getrusage is missing: the summary then counts the
// workers' CPU time alone.
func selfCPU() time.Duration { return 0 }
