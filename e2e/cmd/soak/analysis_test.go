package main

import (
	"math"
	"testing"
	"time"
)

func TestLinearFit(t *testing.T) {
	// y = 2 + 0.5·x exactly: the slope, no error.
	var x, y []float64
	for i := range 100 {
		x = append(x, float64(i))
		y = append(y, 2+0.5*float64(i))
	}
	f := linearFit(x, y, 10)
	if math.Abs(f.slope-0.5) > 1e-12 || f.se > 1e-9 || f.seHAC > 1e-9 || !(f.n == 100) {
		t.Errorf("exact line: %+v", f)
	}
	if f.flat() {
		t.Error("a rising line is flat")
	}
	// A flat sawtooth: slope near zero, within its errors.
	y = y[:0]
	for i := range x {
		y = append(y, float64(i%20))
	}
	x, y = x[:80], y[:80] // whole periods
	f = linearFit(x, y, 20)
	if !f.flat() || f.seHAC <= 0 {
		t.Errorf("flat sawtooth: %+v", f)
	}
	// Residuals that follow each other make the Newey–West error larger
	// than the independent one.
	if f.seHAC <= f.se {
		t.Errorf("sawtooth: Newey–West %v not above independent %v", f.seHAC, f.se)
	}
}

func TestSchedule(t *testing.T) {
	s := schedule{head: 60 * time.Second, fault: 20 * time.Second, up: 40 * time.Second}
	for _, c := range []struct {
		at     time.Duration
		phase  string
		outage int
	}{
		{0, phaseUp, -1},
		{59 * time.Second, phaseUp, -1},
		{60 * time.Second, phaseRefused, 0},
		{80 * time.Second, phaseUp, 0},
		{120 * time.Second, phase503, 1},
		{180 * time.Second, phaseSlow, 2},
		{240 * time.Second, phaseRefused, 3},
	} {
		if p, o := s.at(c.at); p != c.phase || o != c.outage {
			t.Errorf("at %v: %s, %d; want %s, %d", c.at, p, o, c.phase, c.outage)
		}
	}
	if got := s.cycle(); got != 180*time.Second {
		t.Errorf("cycle %v", got)
	}
	b := s.boundaries(10 * time.Minute)
	if len(b) != 18 || b[0] != (change{60 * time.Second, phaseRefused}) || b[len(b)-1] != (change{560 * time.Second, phaseUp}) {
		t.Errorf("boundaries: %v", b)
	}
	// Every phase change agrees with at.
	for _, c := range b {
		if p, _ := s.at(c.at); p != c.phase {
			t.Errorf("boundary %v says %s, at says %s", c.at, c.phase, p)
		}
	}
}
