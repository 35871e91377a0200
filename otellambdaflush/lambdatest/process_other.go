//go:build !unix

package lambdatest

import "time"

func (p *process) start(processSpec) error { return errUnsupported }

func (p *process) signalGroup(signal) error { return errUnsupported }

func (p *process) signalLeader(signal) error { return errUnsupported }

func (p *process) groupAlive() bool { return false }

func (p *process) waitStopped(time.Duration) bool { return true }
