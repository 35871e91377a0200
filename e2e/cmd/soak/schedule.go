package main

import "time"

// schedule is the backend's phases over time: up for head, then cycles of
// three faults (refused, 503, slow), each lasting fault and followed by up
// for up.
type schedule struct {
	head, fault, up time.Duration
}

var faults = [3]string{phaseRefused, phase503, phaseSlow}

// cycle is the length of one cycle of the three faults.
func (s schedule) cycle() time.Duration { return 3 * (s.fault + s.up) }

// at returns the phase at t since the start, and the number of the
// outage (0, 1, …) that t is in or last followed (-1 before the first).
func (s schedule) at(t time.Duration) (phase string, outage int) {
	if t < s.head {
		return phaseUp, -1
	}
	u := t - s.head
	pair := s.fault + s.up
	n := int(u / pair)
	if u%pair < s.fault {
		return faults[n%3], n
	}
	return phaseUp, n
}

// span is an interval of time since the start.
type span struct{ from, to time.Duration }

// outages returns the outages that begin before end: each fault and the
// up phase after it, cut at end.
func (s schedule) outages(end time.Duration) (fault, after []span, kinds []string) {
	pair := s.fault + s.up
	for n := 0; ; n++ {
		from := s.head + time.Duration(n)*pair
		if from >= end {
			return
		}
		fault = append(fault, span{from, min(from+s.fault, end)})
		after = append(after, span{min(from+s.fault, end), min(from+pair, end)})
		kinds = append(kinds, faults[n%3])
	}
}

// boundaries returns the times at which the phase changes, before end,
// with the phase from then on.
func (s schedule) boundaries(end time.Duration) []change {
	var out []change
	fault, after, kinds := s.outages(end)
	for i := range fault {
		out = append(out, change{fault[i].from, kinds[i]})
		if after[i].from < end {
			out = append(out, change{after[i].from, phaseUp})
		}
	}
	return out
}

type change struct {
	at    time.Duration
	phase string
}
