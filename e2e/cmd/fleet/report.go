package main

import (
	"bufio"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"time"
)

// row is one second of the run, as fleet.csv has it.
type row struct {
	t                 int
	phase             string
	sec               second
	requests          int64
	inFlush           int64 // requests of a process that was in a ForceFlush
	sending           int   // processes that sent a request
	maxOne            int64 // requests of the process that sent most
	dupsTotal         int64
	buffered, maxBuf  int64 // the fleet's, and one process's most, at the end of the second
	queued, produced  int64
	dials, dialErrs   int64   // connections the workers tried to open in the second, and failed to
	recordsPerRequest float64 // of the requests answered 200
}

// procRow is one process in one second, as processes.csv has it.
type procRow struct {
	t, w int
	s    sample
}

// report is what the run came to.
type report struct {
	phases        []phase
	stopAt, end   time.Duration
	rows          []row
	procs         []procRow
	reqs          []request
	inFlush       []bool
	dupList       []duplicate
	windows       map[int][]window
	steady        float64 // requests a second, first up phase after warm-up
	steadyRecords float64 // records accepted a second, same seconds

	peakThrottle, peakAfter       int64
	peakThrottleAt, peakAfterAt   int // seconds since the phase's start
	produced, unique, dups, drops int64
	dropReasons                   map[string]int64
	dupProcs                      int   // processes with a record received twice
	dupsAfterCutFlush             int64 // duplicates whose first copy arrived just after a flush of its process ended unfinished
	resent                        int64 // records the SDK counted as resent (DeliveryStats.Resent)
	peakDials, peakDialErrs       int64 // connections tried (refused) in a second of the refused phase, most
	lost                          int64
	badProcs                      []int // processes whose records do not add up
	backlogAtRecovery, maxOneBuf  int64
	backlogDrained, rateSettled   time.Duration // since recovery; -1: not within the run
	settleBound                   float64       // requests a second that count as settled
	clean, missingFinal           int
	killed                        []int
	shutdownMaxMS                 float64
	flushes, flushErrs            int64
	flushMaxMS                    float64
	workersCPU, driverCPU         time.Duration
	loadBefore, loadAfter         string
}

func (f *fleet) analyse(o options, rcv *receiver, phases []phase, stopAt, end time.Duration) *report {
	r := &report{phases: phases, stopAt: stopAt, end: end, dropReasons: map[string]int64{}, backlogDrained: -1, rateSettled: -1}
	secs, reqs := rcv.snapshot()
	r.reqs = reqs
	n := int(math.Ceil(end.Seconds()))
	for len(secs) < n {
		secs = append(secs, second{})
	}

	// Which requests came while their process was flushing.
	windows := map[int][]window{}
	for _, w := range f.workers {
		w.mu.Lock()
		windows[w.id] = append([]window(nil), w.flushes...)
		w.mu.Unlock()
	}
	r.inFlush = make([]bool, len(reqs))
	perSecond := make([]map[int]int64, len(secs))
	for i := range perSecond {
		perSecond[i] = map[int]int64{}
	}
	for i, q := range reqs {
		ws := windows[q.Worker]
		j := sort.Search(len(ws), func(j int) bool { return ws[j].end >= q.At })
		r.inFlush[i] = j < len(ws) && ws[j].start <= q.At
		s := int(q.At / time.Second)
		if s < len(perSecond) {
			perSecond[s][q.Worker]++
		}
	}

	var dupsTotal int64
	for s, x := range secs {
		rw := row{t: s, phase: phaseAt(phases, time.Duration(s)*time.Second), sec: x}
		rw.requests = x.Requests[0] + x.Requests[1] + x.Requests[2]
		dupsTotal += x.Dups
		rw.dupsTotal = dupsTotal
		for _, c := range perSecond[s] {
			rw.sending++
			rw.maxOne = max(rw.maxOne, c)
		}
		if x.OK > 0 {
			rw.recordsPerRequest = float64(x.Accepted) / float64(x.OK)
		}
		r.rows = append(r.rows, rw)
	}
	for i, q := range reqs {
		if s := int(q.At / time.Second); r.inFlush[i] && s < len(r.rows) {
			r.rows[s].inFlush++
		}
	}

	// Each process's counts at the end of each second.
	for _, w := range f.workers {
		w.mu.Lock()
		k := 0
		var last, before sample
		for s := range r.rows {
			for k < len(w.samples) && w.samples[k].at < time.Duration(s+1)*time.Second {
				last = w.samples[k]
				k++
			}
			r.procs = append(r.procs, procRow{t: s, w: w.id, s: last})
			rw := &r.rows[s]
			rw.buffered += last.buffered
			rw.maxBuf = max(rw.maxBuf, last.buffered)
			rw.queued += last.queued
			rw.produced += last.produced
			rw.dials += last.dials - before.dials
			rw.dialErrs += last.dialErrs - before.dialErrs
			before = last
		}
		w.mu.Unlock()
	}
	for _, x := range r.rows {
		if x.phase == "refused" {
			r.peakDials, r.peakDialErrs = max(r.peakDials, x.dials), max(r.peakDialErrs, x.dialErrs)
		}
	}

	// The steady rate, and the peaks.
	up, throttled, recovered := phases[0], phases[2], phases[3]
	var sum, sumRec float64
	var m int
	for s := int(o.warmup / time.Second); s < int(up.end/time.Second); s++ {
		sum += float64(r.rows[s].requests)
		sumRec += float64(r.rows[s].sec.Accepted)
		m++
	}
	r.steady, r.steadyRecords = sum/float64(m), sumRec/float64(m)
	for s := int(throttled.start / time.Second); s < int(throttled.end/time.Second); s++ {
		if r.rows[s].requests > r.peakThrottle {
			r.peakThrottle, r.peakThrottleAt = r.rows[s].requests, s-int(throttled.start/time.Second)
		}
	}
	recSec, stopSec := int(recovered.start/time.Second), int(stopAt/time.Second)
	for s := recSec; s < stopSec; s++ {
		if r.rows[s].requests > r.peakAfter {
			r.peakAfter, r.peakAfterAt = r.rows[s].requests, s-recSec
		}
	}
	r.settleBound = 1.5 * r.steady
	for s := stopSec - 1; s >= recSec && float64(r.rows[s].requests) <= r.settleBound; s-- {
		r.rateSettled = time.Duration(s-recSec) * time.Second
	}
	if recSec > 0 {
		r.backlogAtRecovery = r.rows[recSec-1].buffered
	}

	// When every process's buffer was empty for good after recovery: for
	// each, the report after the last one with records buffered.
	drained := time.Duration(0)
	for _, w := range f.workers {
		w.mu.Lock()
		lastFull, emptyAt := -1, time.Duration(-1)
		for i, x := range w.samples {
			if x.at >= recovered.start && x.at < stopAt && x.buffered > 0 {
				lastFull = i
			}
			r.maxOneBuf = max(r.maxOneBuf, x.buffered)
		}
		switch {
		case lastFull < 0:
			emptyAt = 0
		case lastFull+1 < len(w.samples) && w.samples[lastFull+1].at < stopAt:
			emptyAt = w.samples[lastFull+1].at - recovered.start
		}
		w.mu.Unlock()
		if emptyAt < 0 {
			drained = -1
			break
		}
		drained = max(drained, emptyAt)
	}
	r.backlogDrained = drained

	// Records: produced, received once, twice, dropped.
	ulogs, uspans := rcv.uniqueOf()
	r.dupList, r.windows = rcv.duplicates(), windows
	dupOf := map[int]bool{}
	for _, d := range r.dupList {
		dupOf[int(d.key>>40)] = true
	}
	r.dupProcs = len(dupOf)
	// A flush whose context ends with a request in flight keeps its
	// records for a retry; if the receiver took the request (it reads it
	// after the client gave up), they arrive twice.
	for _, d := range r.dupList {
		first := reqs[d.first]
		ws := windows[first.Worker]
		j := sort.Search(len(ws), func(j int) bool { return ws[j].end > first.At }) - 1
		if j >= 0 && ws[j].err != "" && first.At-ws[j].end <= 100*time.Millisecond {
			r.dupsAfterCutFlush++
		}
	}
	for _, x := range secs {
		r.dups += x.Dups
	}
	for _, w := range f.workers {
		w.mu.Lock()
		var produced, drops int64
		if w.final != nil {
			produced, drops = w.final.Produced+w.final.Spans, w.final.Dropped
			st := w.final.Stats
			r.resent += st.Spans.Resent + st.Logs.Resent + st.Metrics.Resent
			for _, s := range []map[string]int64{st.Spans.Dropped, st.Logs.Dropped, st.Metrics.Dropped} {
				for k, v := range s {
					r.dropReasons[k] += v
				}
			}
			r.shutdownMaxMS = max(r.shutdownMaxMS, w.final.ShutdownMS)
			r.flushes += w.final.Flushes
			r.flushErrs += w.final.FlushErrs
			r.flushMaxMS = max(r.flushMaxMS, w.final.FlushMaxMS)
			if w.exitErr == nil && !w.killed {
				r.clean++
			}
		} else {
			r.missingFinal++
			if n := len(w.samples); n > 0 {
				produced, drops = w.samples[n-1].produced, w.samples[n-1].drops
			}
		}
		r.workersCPU += w.cpu
		w.mu.Unlock()
		got := ulogs[w.id] + uspans[w.id]
		r.produced += produced
		r.unique += got
		r.drops += drops
		if produced != got+drops {
			r.badProcs = append(r.badProcs, w.id)
		}
	}
	r.lost = r.produced - r.unique - r.drops
	return r
}

// write writes the CSV files and summary.md to o.out.
func (r *report) write(o options) error {
	var errs []error
	csv := func(name string, fill func(w *bufio.Writer)) {
		f, err := os.Create(filepath.Join(o.out, name))
		if err != nil {
			errs = append(errs, err)
			return
		}
		w := bufio.NewWriter(f)
		fill(w)
		if err := w.Flush(); err != nil {
			errs = append(errs, err)
		}
		if err := f.Close(); err != nil {
			errs = append(errs, err)
		}
	}
	csv("fleet.csv", func(w *bufio.Writer) {
		fmt.Fprintln(w, "t,phase,requests,requests_traces,requests_logs,requests_metrics,answered_200,answered_503,answered_429,aborted,requests_in_flush,processes_sending,max_requests_one_process,records_accepted,records_per_request,records_unique,duplicates,duplicates_total,buffered_total,buffered_max,queued_total,produced_total,connections_opened,connections_failed")
		for _, x := range r.rows {
			s := x.sec
			fmt.Fprintf(w, "%d,%s,%d,%d,%d,%d,%d,%d,%d,%d,%d,%d,%d,%d,%.1f,%d,%d,%d,%d,%d,%d,%d,%d,%d\n",
				x.t, x.phase, x.requests, s.Requests[sigTraces], s.Requests[sigLogs], s.Requests[sigMetrics],
				s.OK, s.Throttled[0], s.Throttled[1], s.Aborted, x.inFlush, x.sending, x.maxOne,
				s.Accepted, x.recordsPerRequest, s.Unique, s.Dups, x.dupsTotal, x.buffered, x.maxBuf, x.queued, x.produced, x.dials, x.dialErrs)
		}
	})
	csv("processes.csv", func(w *bufio.Writer) {
		fmt.Fprintln(w, "t,process,buffered,queued,delivered,produced,dropped")
		for _, p := range r.procs {
			fmt.Fprintf(w, "%d,%d,%d,%d,%d,%d,%d\n", p.t, p.w, p.s.buffered, p.s.queued, p.s.delivered, p.s.produced, p.s.drops)
		}
	})
	csv("phases.csv", func(w *bufio.Writer) {
		fmt.Fprintln(w, "phase,start,end")
		for _, p := range r.phases {
			fmt.Fprintf(w, "%s,%g,%g\n", p.name, p.start.Seconds(), p.end.Seconds())
		}
		fmt.Fprintf(w, "shutdown,%g,%g\n", r.stopAt.Seconds(), math.Ceil(r.end.Seconds()))
	})
	csv("requests.csv", func(w *bufio.Writer) {
		fmt.Fprintln(w, "at,process,signal,status,records,in_flush,answered_after_ms")
		for i, q := range r.reqs {
			fmt.Fprintf(w, "%.4f,%d,%s,%d,%d,%t,%.1f\n", q.At.Seconds(), q.Worker, strings.TrimPrefix(signalPaths[q.Signal], "/v1/"),
				q.Status, q.Records, r.inFlush[i], float64(q.Took.Microseconds())/1000)
		}
	})
	csv("flushes.csv", func(w *bufio.Writer) {
		fmt.Fprintln(w, "process,start,end,error")
		ids := make([]int, 0, len(r.windows))
		for id := range r.windows {
			ids = append(ids, id)
		}
		sort.Ints(ids)
		for _, id := range ids {
			for _, x := range r.windows[id] {
				fmt.Fprintf(w, "%d,%.4f,%.4f,%s\n", id, x.start.Seconds(), x.end.Seconds(), x.err)
			}
		}
	})
	csv("duplicates.csv", func(w *bufio.Writer) {
		fmt.Fprintln(w, "process,seq,first_at,first_in_flush,first_answered_after_ms,again_at,again_in_flush")
		for _, d := range r.dupList {
			a, b := r.reqs[d.first], r.reqs[d.again]
			fmt.Fprintf(w, "%d,%d,%.4f,%t,%.1f,%.4f,%t\n", d.key>>40, d.key&(1<<40-1), a.At.Seconds(), r.inFlush[d.first],
				float64(a.Took.Microseconds())/1000, b.At.Seconds(), r.inFlush[d.again])
		}
	})
	csv("summary.md", func(w *bufio.Writer) { _, _ = w.WriteString(r.markdown(o)) })
	csv("steady.txt", func(w *bufio.Writer) { fmt.Fprintf(w, "%.1f\n", r.steady) })
	if len(errs) > 0 {
		return errs[0]
	}
	return nil
}

// markdown is the summary, a block to paste into docs/reliability.md
// between its markers.
func (r *report) markdown(o options) string {
	var b strings.Builder
	date := o.date
	if date == "" {
		date = time.Now().Format("2006-01-02")
	}
	ra := "no `Retry-After`"
	if o.retryAfter > 0 {
		ra = fmt.Sprintf("`Retry-After: %d`", o.retryAfter)
	}
	cpuSec := (r.workersCPU + r.driverCPU).Seconds()
	fmt.Fprintln(&b, "<!-- fleet-summary:start -->")
	sdk := ""
	if o.sdk != "" {
		sdk = ", SDK at " + o.sdk
	}
	fmt.Fprintf(&b, "Run of %s%s: %d processes × %s logs/s", date, sdk, o.procs, strconv.FormatFloat(o.rate, 'g', -1, 64))
	if o.spans {
		fmt.Fprint(&b, " and a span/s")
	}
	if o.flushEvery > 0 {
		fmt.Fprintf(&b, ", `ForceFlush` every %v (context %v)", o.flushEvery, o.flushTimeout)
	}
	fmt.Fprintf(&b, "; receiver up %v, refusing %v, answering %d with %s %v, up %v; then `Shutdown` (context %v).\n",
		o.up, o.down, o.throttleStatus, ra, o.throttle, o.recover, o.shutdownTimeout)
	fmt.Fprintf(&b, "Machine: %d CPUs (%s), %s, %s/%s. Load average (1 min) %s before, %s after; the run used %.0f CPU-seconds in %.0f s (%.0f %% of the machine; workers %.0f s, driver and receiver %.0f s).\n\n",
		runtime.NumCPU(), cpuModel(), runtime.Version(), runtime.GOOS, runtime.GOARCH, r.loadBefore, r.loadAfter,
		cpuSec, r.end.Seconds(), 100*cpuSec/r.end.Seconds()/float64(runtime.NumCPU()), r.workersCPU.Seconds(), r.driverCPU.Seconds())
	fmt.Fprintln(&b, "| measure | value |")
	fmt.Fprintln(&b, "|---|---|")
	fmt.Fprintf(&b, "| steady rate (first up phase, after %v) | %.1f requests/s, %.0f records/s |\n", o.warmup, r.steady, r.steadyRecords)
	fmt.Fprintf(&b, "| while refusing | at most %s connection attempts/s, %s refused (counted by the workers: the receiver sees none) |\n", group(r.peakDials), group(r.peakDialErrs))
	fmt.Fprintf(&b, "| peak while answering %d | %d requests/s (second %d of the phase) |\n", o.throttleStatus, r.peakThrottle, r.peakThrottleAt)
	verdict := "met"
	if float64(r.peakAfter) > 2*r.steady {
		verdict = "missed"
	}
	fmt.Fprintf(&b, "| peak after recovery | %d requests/s (second %d after recovery): **%.1f× steady** (target ≤ 2×: %s) |\n", r.peakAfter, r.peakAfterAt, float64(r.peakAfter)/r.steady, verdict)
	fmt.Fprintf(&b, "| backlog at recovery | %s records buffered in the fleet; at most %s in one process during the run |\n", group(r.backlogAtRecovery), group(r.maxOneBuf))
	fmt.Fprintf(&b, "| backlog drained (every buffer empty) | %s after recovery |\n", dur(r.backlogDrained))
	fmt.Fprintf(&b, "| request rate back to ≤ 1.5× steady (%.0f/s) for good | %s after recovery |\n", r.settleBound, dur(r.rateSettled))
	fmt.Fprintf(&b, "| records produced | %s |\n", group(r.produced))
	fmt.Fprintf(&b, "| received (unique) | %s |\n", group(r.unique))
	fmt.Fprintf(&b, "| duplicates received | %s (from %d processes); the first copy of %s of them arrived ≤ 100 ms after a `ForceFlush` of its process ended with records still buffered |\n",
		group(r.dups), r.dupProcs, group(r.dupsAfterCutFlush))
	fmt.Fprintf(&b, "| counted as resent by the SDK (`DeliveryStats` `Resent`: sent again after an attempt with no answer) | %s |\n", group(r.resent))
	drops := group(r.drops)
	if len(r.dropReasons) > 0 {
		var parts []string
		for k, v := range r.dropReasons {
			parts = append(parts, fmt.Sprintf("%s %s", group(v), k))
		}
		sort.Strings(parts)
		drops += " (" + strings.Join(parts, ", ") + ")"
	}
	fmt.Fprintf(&b, "| dropped (counted by the SDK) | %s |\n", drops)
	fmt.Fprintf(&b, "| **lost** (produced − received − dropped) | **%s** |\n", group(r.lost))
	exits := fmt.Sprintf("%d of %d (longest `Shutdown` %.0f ms)", r.clean, o.procs, r.shutdownMaxMS)
	if len(r.killed) > 0 {
		exits += fmt.Sprintf("; killed: %v", r.killed)
	}
	if r.missingFinal > 0 {
		exits += fmt.Sprintf("; %d without final counts", r.missingFinal)
	}
	fmt.Fprintf(&b, "| processes that exited cleanly | %s |\n", exits)
	fmt.Fprintf(&b, "| flushes | %s, %s returned an error; longest %.0f ms |\n", group(r.flushes), group(r.flushErrs), r.flushMaxMS)
	fmt.Fprintln(&b)
	// The seconds around recovery, where a stampede shows.
	fmt.Fprintln(&b, "| second | phase | requests | of a process in `ForceFlush` | processes sending | most from one process | records/request | buffered (fleet) |")
	fmt.Fprintln(&b, "|---|---|---|---|---|---|---|---|")
	recSec := int(r.phases[3].start / time.Second)
	for s := max(recSec-2, 0); s < min(recSec+10, len(r.rows)); s++ {
		x := r.rows[s]
		fmt.Fprintf(&b, "| %+d | %s | %d | %d | %d | %d | %.1f | %s |\n", s-recSec, x.phase, x.requests, x.inFlush, x.sending, x.maxOne, x.recordsPerRequest, group(x.buffered))
	}
	fmt.Fprintln(&b, "<!-- fleet-summary:end -->")
	return b.String()
}

func dur(d time.Duration) string {
	if d < 0 {
		return "not within the run"
	}
	return fmt.Sprintf("%.1f s", d.Seconds())
}

// group writes n with thousands separators.
func group(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	if neg {
		s = "-" + s
	}
	return s
}

// cpuModel reads the CPU's name from /proc/cpuinfo, where there is one.
func cpuModel() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return "model unknown"
	}
	for l := range strings.SplitSeq(string(b), "\n") {
		if k, v, ok := strings.Cut(l, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "model unknown"
}

// loadAverage is the 1-minute load average, where /proc/loadavg has it.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "n/a"
	}
	if f := strings.Fields(string(b)); len(f) > 0 {
		return f[0]
	}
	return "n/a"
}
