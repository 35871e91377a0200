package main

import (
	"fmt"
	"io"
	"math"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/logfire-go/sdk/logfire"
)

// fit is a least-squares line y = a + b·x with the standard error of b,
// both as if the residuals were independent (se) and with the Newey–West
// estimator (Bartlett weights up to lag), which allows for residuals that
// follow each other, as memory does from one second to the next.
type fit struct {
	slope, se, seHAC float64
	n                int
}

func linearFit(x, y []float64, lag int) fit {
	n := len(x)
	if n < 3 || len(y) != n {
		return fit{n: n}
	}
	var mx, my float64
	for i := range n {
		mx += x[i]
		my += y[i]
	}
	mx /= float64(n)
	my /= float64(n)
	var sxx, sxy float64
	for i := range n {
		sxx += (x[i] - mx) * (x[i] - mx)
		sxy += (x[i] - mx) * (y[i] - my)
	}
	if sxx == 0 {
		return fit{n: n}
	}
	b := sxy / sxx
	a := my - b*mx
	// z[i] = (x[i]-mx)·u[i], the slope's score.
	z := make([]float64, n)
	var ssr float64
	for i := range n {
		u := y[i] - a - b*x[i]
		ssr += u * u
		z[i] = (x[i] - mx) * u
	}
	se := math.Sqrt(ssr / float64(n-2) / sxx)
	var s float64
	for i := range n {
		s += z[i] * z[i]
	}
	lag = min(lag, n-1)
	for l := 1; l <= lag; l++ {
		w := 1 - float64(l)/float64(lag+1)
		var c float64
		for i := l; i < n; i++ {
			c += z[i] * z[i-l]
		}
		s += 2 * w * c
	}
	// The small-sample correction n/(n-2), as for se.
	hac := math.Sqrt(max(s, 0)*float64(n)/float64(n-2)) / sxx
	return fit{slope: b, se: se, seHAC: hac, n: n}
}

// flat reports whether the slope is not significantly above zero: below
// twice its (Newey–West) standard error.
func (f fit) flat() bool { return f.n >= 3 && f.slope <= 2*f.seHAC }

// report is what the workload prints at the end.
type report struct {
	o                  options
	sched              schedule
	samples            []sample
	flushes            *flushStats
	producedSpans      int64
	producedLogRecords int64
	requests           int64
	stats              logfire.DeliveryStats
	backend            backendCounts
	shutdownErr        error
	pre, post          sample
	leftover           string // the goroutines after Shutdown, if more than before Configure
	drained            time.Duration
	interrupted        bool
}

const mb = 1 << 20

// window returns the part of the run the trend is measured on: from the
// end of the warm-up, whole cycles of the schedule (all that is left if
// not one fits).
func (r *report) window() (from, to time.Duration, cycles int) {
	from = r.o.warmup
	c := r.sched.cycle()
	cycles = int((r.o.duration - from) / c)
	if cycles == 0 {
		return from, r.o.duration, 0
	}
	return from, from + time.Duration(cycles)*c, cycles
}

// between returns the samples of the run (not of the drain) with from <= t < to.
func (r *report) between(from, to time.Duration) []sample {
	var out []sample
	for _, s := range r.samples {
		if s.phase == "drain" {
			continue
		}
		if t := time.Duration(s.t * float64(time.Second)); t >= from && t < to {
			out = append(out, s)
		}
	}
	return out
}

func median(v []int) int {
	if len(v) == 0 {
		return 0
	}
	s := slices.Clone(v)
	sort.Ints(s)
	return s[len(s)/2]
}

// print writes the summary and returns whether every target was met.
func (r *report) print(out io.Writer) bool {
	ok := true
	p := func(format string, args ...any) { fmt.Fprintf(out, format+"\n", args...) }
	fail := func(format string, args ...any) {
		ok = false
		p("FAIL "+format, args...)
	}
	if r.interrupted {
		fail("the run was interrupted before its end")
	}
	p("== soak summary ==")
	p("run: %v, %d requests (%.0f/s), %d spans and logs, %d OpenTelemetry log records; drained in %v after the end",
		r.o.duration, r.requests, float64(r.requests)/r.o.duration.Seconds(), r.producedSpans, r.producedLogRecords, r.drained.Round(time.Millisecond))
	fs := r.flushes
	p("flushes: %d every %v (5 s context): %d delivered everything, %d kept records for a retry (ErrBuffered), %d reported drops (ErrDropped), %d ended with their context (a slow backend), %d other errors; longest %v",
		fs.calls, r.o.flushEvery, fs.ok, fs.buffered, fs.dropped, fs.deadline, len(fs.other), fs.longest.Round(time.Millisecond))
	for _, e := range fs.other {
		p("  flush error: %s", e)
	}

	// Memory trend after the warm-up.
	from, to, cycles := r.window()
	win := r.between(from, to)
	lag := int((r.o.fault + r.o.up).Seconds())
	p("trend: from %v to %v (%d whole cycles of %v after a warm-up of %v), %d samples; least-squares slope ± standard error (independent residuals; Newey–West, lag %d s)",
		from, to, cycles, r.sched.cycle(), r.o.warmup, len(win), lag)
	x := make([]float64, len(win))
	for i, s := range win {
		x[i] = s.t
	}
	for _, m := range []struct {
		name   string
		target bool
		get    func(sample) int64
	}{
		{"rss", true, func(s sample) int64 { return s.rss }},
		{"heap", true, func(s sample) int64 { return s.heap }},
		{"heap_live", false, func(s sample) int64 { return s.heapLive }},
	} {
		y := make([]float64, len(win))
		var lo, hi, sum float64
		for i, s := range win {
			y[i] = float64(m.get(s)) / mb
			sum += y[i]
			if i == 0 || y[i] < lo {
				lo = y[i]
			}
			hi = max(hi, y[i])
		}
		f := linearFit(x, y, lag)
		// MB per second, shown per hour.
		verdict := "flat (slope below 2 standard errors)"
		if !f.flat() {
			verdict = "RISING (slope above 2 standard errors)"
		}
		p("  %-9s mean %.1f MB (%.1f–%.1f): slope %+.3f MB/h ± %.3f (independent) ± %.3f (Newey–West): %s",
			m.name, sum/float64(max(len(y), 1)), lo, hi, f.slope*3600, f.se*3600, f.seHAC*3600, verdict)
		if m.target && !f.flat() {
			fail("%s rises after the warm-up: %+.3f MB/h, %.1f standard errors", m.name, f.slope*3600, f.slope/f.seHAC)
		}
	}
	// The mean of each cycle, the same picture without the regression.
	if cycles > 0 {
		var parts []string
		for c := range cycles {
			cs := r.between(from+time.Duration(c)*r.sched.cycle(), from+time.Duration(c+1)*r.sched.cycle())
			var rss, heap float64
			for _, s := range cs {
				rss += float64(s.rss) / mb
				heap += float64(s.heap) / mb
			}
			n := float64(max(len(cs), 1))
			parts = append(parts, fmt.Sprintf("%.1f/%.1f", rss/n, heap/n))
		}
		p("  mean RSS/heap of each cycle, MB: %s", strings.Join(parts, ", "))
	}

	// Peak RSS.
	var maxRSS, maxRSSWin int64
	var maxAt float64
	for _, s := range r.samples {
		if s.rss > maxRSS {
			maxRSS, maxAt = s.rss, s.t
		}
	}
	for _, s := range win {
		maxRSSWin = max(maxRSSWin, s.rss)
	}
	p("rss: max %.1f MB at t=%.0fs (%s), max after the warm-up %.1f MB; target ≤ %.0f MB",
		float64(maxRSS)/mb, maxAt, r.phaseAt(maxAt), float64(maxRSSWin)/mb, r.o.maxRSSMB)
	if float64(maxRSS)/mb > r.o.maxRSSMB {
		fail("RSS reached %.1f MB, above %.0f MB", float64(maxRSS)/mb, r.o.maxRSSMB)
	}

	// Goroutines and descriptors after each outage.
	head := r.between(min(10*time.Second, r.o.head/2), r.o.head)
	var gs, ds []int
	for _, s := range head {
		gs = append(gs, s.goroutines)
		ds = append(ds, s.fds)
	}
	baseG, baseD := slices.Max(append(gs, 0)), slices.Max(append(ds, 0))
	p("baseline (backend up, t=%v–%v): goroutines %d–%d (median %d), fds %d–%d (median %d); before Configure: %d goroutines, %d fds",
		min(10*time.Second, r.o.head/2), r.o.head, slices.Min(append(gs, baseG)), baseG, median(gs), slices.Min(append(ds, baseD)), baseD, median(ds), r.pre.goroutines, r.pre.fds)
	fault, after, kinds := r.sched.outages(r.o.duration)
	for i := range fault {
		during := r.between(fault[i].from, after[i].to)
		var peakG, peakD int
		for _, s := range during {
			peakG, peakD = max(peakG, s.goroutines), max(peakD, s.fds)
		}
		rec := r.between(after[i].from, after[i].to)
		back := -1.0
		for _, s := range rec {
			if s.goroutines <= baseG && s.fds <= baseD {
				back = s.t - after[i].from.Seconds()
				break
			}
		}
		// Where they settled: the median of the last 10 s of the up phase
		// (one sample may catch an export in flight, with its connection).
		var lg, ld []int
		for _, s := range rec[max(len(rec)-10, 0):] {
			lg, ld = append(lg, s.goroutines), append(ld, s.fds)
		}
		endG, endD := median(lg), median(ld)
		line := fmt.Sprintf("outage %d (%s, t=%v–%v): peak %d goroutines, %d fds; ", i+1, kinds[i], fault[i].from, fault[i].to, peakG, peakD)
		switch {
		case len(rec) == 0:
			p("%sno up phase after it in the run", line)
			continue
		case back < 0:
			line += "not back to the baseline during the up phase after it"
		default:
			line += fmt.Sprintf("back to the baseline %.0fs after the backend was", back)
		}
		line += fmt.Sprintf("; last 10 s of the up phase: median %d goroutines, %d fds", endG, endD)
		if endG > baseG || endD > baseD {
			fail("%s (baseline at most %d, %d)", line, baseG, baseD)
		} else {
			p("%s", line)
		}
	}
	p("after Shutdown: %d goroutines, %d fds (before Configure: %d, %d)", r.post.goroutines, r.post.fds, r.pre.goroutines, r.pre.fds)
	if r.post.goroutines > r.pre.goroutines || r.post.fds > r.pre.fds {
		fail("Shutdown left %d goroutines and %d fds more than before Configure", r.post.goroutines-r.pre.goroutines, r.post.fds-r.pre.fds)
		if r.leftover != "" {
			p("goroutines after Shutdown:\n%s", r.leftover)
		}
	}

	// Accounting.
	if r.shutdownErr != nil {
		fail("Shutdown: %v", r.shutdownErr)
	}
	b := r.backend
	st := r.stats
	acc := func(name string, s logfire.SignalStats, produced int64, producedWhat string, unique, dups, collector int64) {
		dropped := sumDropped(s)
		p("%s: %s; SDK: delivered %d (resent %d: sent again after an attempt with no answer), dropped %d %v, queued %d, buffered %d; backend: %d unique, %d duplicates; Collector's receiver %d",
			name, producedWhat, s.Delivered, s.Resent, dropped, s.Dropped, s.Queued, s.Buffered, unique, dups, collector)
		if produced >= 0 && s.Delivered+dropped+s.Queued+s.Buffered != produced {
			fail("%s: delivered + dropped + queued + buffered = %d, not %d", name, s.Delivered+dropped+s.Queued+s.Buffered, produced)
		}
		if unique != s.Delivered {
			fail("%s: the backend holds %d unique, the SDK counts %d delivered", name, unique, s.Delivered)
		}
		if collector != unique+dups {
			fail("%s: the Collector's receiver counted %d, the front forwarded %d unique + %d duplicates", name, collector, unique, dups)
		}
	}
	acc("spans", st.Spans, r.producedSpans+b.UniquePending,
		fmt.Sprintf("produced %d + %d pending spans (sent for spans open at an export)", r.producedSpans, b.UniquePending),
		b.UniqueSpans, b.DupSpans, b.Collector.Spans)
	acc("log records", st.Logs, r.producedLogRecords, fmt.Sprintf("produced %d", r.producedLogRecords),
		b.UniqueLogs, b.DupLogs, b.Collector.LogRecords)
	acc("metric points", st.Metrics, -1, "produced by the SDK's reader", b.UniquePoints, b.DupPoints, b.Collector.DataPoints)
	if b.Undecodable > 0 {
		fail("the backend could not decode %d accepted requests", b.Undecodable)
	}
	p("backend answers by phase: %v", b.Answered)
	if ok {
		p("RESULT: every target met")
	} else {
		p("RESULT: targets missed (FAIL lines above)")
	}
	return ok
}

func (r *report) phaseAt(t float64) string {
	ph, _ := r.sched.at(time.Duration(t * float64(time.Second)))
	return ph
}
