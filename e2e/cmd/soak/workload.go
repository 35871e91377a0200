package main

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"runtime"
	"runtime/metrics"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/otel/attribute"
	otellog "go.opentelemetry.io/otel/log"
	"go.opentelemetry.io/otel/metric"

	"github.com/logfire-go/sdk/logfire"
)

type options struct {
	endpoint, control string
	duration          time.Duration
	head, fault, up   time.Duration
	warmup            time.Duration
	slowDelay         time.Duration
	retryAfter        time.Duration
	rate, workers     int
	flushEvery        time.Duration
	csv               string
	maxRSSMB          float64
}

func (o *options) check() error {
	for _, u := range []string{o.endpoint, o.control} {
		p, err := url.Parse(u)
		if err != nil || p.Scheme != "http" || p.Path != "" || p.Port() == "" {
			return fmt.Errorf("-endpoint and -control: want http://127.0.0.1:PORT, got %q", u)
		}
		if ip := net.ParseIP(p.Hostname()); ip == nil || !ip.IsLoopback() {
			return fmt.Errorf("%q: the host must be a loopback IP address such as 127.0.0.1", u)
		}
	}
	if o.duration <= 0 || o.head < 0 || o.fault <= 0 || o.up <= 0 || o.rate <= 0 || o.workers <= 0 || o.flushEvery <= 0 {
		return errors.New("-duration, -fault, -up, -rate, -workers and -flush-every must be positive, -head not negative")
	}
	if o.warmup == 0 {
		o.warmup = o.head + schedule{o.head, o.fault, o.up}.cycle()
	}
	if o.warmup >= o.duration {
		return fmt.Errorf("the warm-up (%v) leaves nothing of -duration %v to measure", o.warmup, o.duration)
	}
	return nil
}

// sample is one row of the CSV.
type sample struct {
	t          float64 // seconds since the start
	phase      string
	rss        int64 // bytes, VmRSS
	heap       int64 // bytes, /memory/classes/heap/objects:bytes
	heapLive   int64 // bytes, /gc/heap/live:bytes
	goroutines int
	fds        int
	produced   int64 // records the workload made (spans, logs, log records)
	delivered  int64 // DeliveryStats, all signals
	queued     int64
	buffered   int64
	dropped    int64
	outage     bool
}

const csvHeader = "t,phase,rss_bytes,heap_bytes,heap_live_bytes,goroutines,fds,produced,delivered,queued,buffered,dropped,outage"

func (s sample) csv() string {
	o := 0
	if s.outage {
		o = 1
	}
	return fmt.Sprintf("%.1f,%s,%d,%d,%d,%d,%d,%d,%d,%d,%d,%d,%d", s.t, s.phase, s.rss, s.heap, s.heapLive,
		s.goroutines, s.fds, s.produced, s.delivered, s.queued, s.buffered, s.dropped, o)
}

// probe reads the process's own numbers.
type probe struct {
	ms []metrics.Sample
}

func newProbe() *probe {
	return &probe{ms: []metrics.Sample{
		{Name: "/memory/classes/heap/objects:bytes"},
		{Name: "/gc/heap/live:bytes"},
	}}
}

func (p *probe) read(s *sample) error {
	metrics.Read(p.ms)
	s.heap = int64(p.ms[0].Value.Uint64())
	s.heapLive = int64(p.ms[1].Value.Uint64())
	s.goroutines = runtime.NumGoroutine()
	rss, err := readRSS()
	if err != nil {
		return err
	}
	s.rss = rss
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return err
	}
	// ReadDir's own descriptor on the directory is listed too.
	s.fds = len(ents) - 1
	return nil
}

// readRSS returns VmRSS of /proc/self/status, in bytes.
func readRSS() (int64, error) {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, fmt.Errorf("reading the RSS (Linux only): %w", err)
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			if err != nil {
				return 0, fmt.Errorf("VmRSS %q: %w", v, err)
			}
			return kb << 10, nil
		}
	}
	return 0, errors.New("no VmRSS in /proc/self/status")
}

// totals sums DeliveryStats over the signals.
func totals(st logfire.DeliveryStats) (delivered, queued, buffered, dropped int64) {
	for _, s := range []logfire.SignalStats{st.Spans, st.Logs, st.Metrics} {
		delivered += s.Delivered
		queued += s.Queued
		buffered += s.Buffered
		dropped += sumDropped(s)
	}
	return
}

func sumDropped(s logfire.SignalStats) int64 {
	var n int64
	for _, v := range s.Dropped {
		n += v
	}
	return n
}

// produced counts what the workload made.
type produced struct {
	spans      atomic.Int64 // spans and Logfire logs (Info, Warn): the SDK's spans
	logRecords atomic.Int64 // OpenTelemetry log records
	requests   atomic.Int64
}

// service is the workload: a handler of requests with its instruments.
type service struct {
	lf       *logfire.Logfire
	logger   otellog.Logger
	requests metric.Int64Counter
	latency  metric.Float64Histogram
	n        *produced
}

var routes = []string{"GET /orders/{id}", "POST /orders", "GET /health"}

// handle serves one request: a span, a child span for a query, a log,
// now and then a warning and an OpenTelemetry log record, and metrics.
func (s *service) handle(ctx context.Context, id int64, rng *rand.Rand) {
	start := time.Now()
	route := routes[id%int64(len(routes))]
	ctx, span := s.lf.Span(ctx, "{http.route} {order_id}", "http.route", route, "order_id", id)
	qctx, q := s.lf.Span(ctx, "query {table}", "table", "orders", "db.system", "postgresql")
	// A little work, as a handler does: hash a payload.
	payload := fmt.Appendf(nil, `{"order":%d,"items":%d,"note":"%x"}`, id, rng.IntN(9)+1, rng.Uint64())
	sum := sha256.Sum256(payload)
	q.End()
	s.lf.Info(qctx, "order {order_id} loaded: {items} items, digest {digest}", "order_id", id, "items", len(payload)%9+1, "digest", fmt.Sprintf("%x", sum[:4]))
	spans := int64(3)
	status := 200
	if id%10 == 0 {
		status = 500
		s.lf.Warn(ctx, "order {order_id} took the slow path", "order_id", id)
		spans++
	}
	if id%5 == 0 {
		var r otellog.Record
		r.SetTimestamp(time.Now())
		r.SetSeverity(otellog.SeverityInfo)
		r.SetBody(attribute.StringValue("request served"))
		r.AddAttributes(attribute.Int64("soak.seq", id), attribute.String("http.route", route))
		s.logger.Emit(ctx, r)
		s.n.logRecords.Add(1)
	}
	attrs := metric.WithAttributes(attribute.String("http.route", route), attribute.Int("http.status_code", status))
	s.requests.Add(ctx, 1, attrs)
	s.latency.Record(ctx, float64(time.Since(start).Microseconds())/1000, attrs)
	span.End()
	s.n.spans.Add(spans)
	s.n.requests.Add(1)
}

// controller sets the backend's phase.
type controller struct {
	base   string
	client *http.Client
	o      options
}

func (c controller) set(ctx context.Context, phase string) error {
	q := url.Values{"name": {phase}}
	switch phase {
	case phaseSlow:
		q.Set("delay", c.o.slowDelay.String())
	case phase503:
		q.Set("retry_after", c.o.retryAfter.String())
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+"/phase?"+q.Encode(), nil)
	if err != nil {
		return err
	}
	resp, err := c.client.Do(req)
	if err != nil {
		return fmt.Errorf("setting the backend's phase to %s: %w", phase, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("setting the backend's phase to %s: %s", phase, resp.Status)
	}
	return nil
}

func (c controller) counts(ctx context.Context) (backendCounts, error) {
	var bc backendCounts
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base+"/counts", nil)
	if err != nil {
		return bc, err
	}
	resp, err := c.client.Do(req)
	if err != nil {
		return bc, fmt.Errorf("reading the backend's counts: %w", err)
	}
	defer resp.Body.Close()
	return bc, json.NewDecoder(resp.Body).Decode(&bc)
}

// flushStats are the workload's ForceFlush calls.
type flushStats struct {
	mu       sync.Mutex
	calls    int
	ok       int
	buffered int // returned an error matching ErrBuffered
	dropped  int // matching ErrDropped
	deadline int // its context ended first
	other    []string
	longest  time.Duration
}

func (f *flushStats) add(d time.Duration, err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	f.longest = max(f.longest, d)
	switch {
	case err == nil:
		f.ok++
	case errors.Is(err, logfire.ErrDropped):
		f.dropped++
	case errors.Is(err, logfire.ErrBuffered):
		f.buffered++
	case errors.Is(err, context.DeadlineExceeded):
		// A slow backend: waiting for its answers is bounded by the
		// flush's context alone.
		f.deadline++
	default:
		if len(f.other) < 5 {
			f.other = append(f.other, strings.ReplaceAll(err.Error(), "\n", "; "))
		}
	}
}

// clearEnv unsets every LOGFIRE_* and OTEL_* variable: the soak measures
// the SDK's defaults, exporting to the backend only.
func clearEnv() []string {
	var cleared []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "LOGFIRE_") || strings.HasPrefix(k, "OTEL_") {
			os.Unsetenv(k)
			cleared = append(cleared, k)
		}
	}
	return cleared
}

// runWorkload runs the soak and prints its summary; ok is whether every
// target was met.
func runWorkload(ctx context.Context, o options) (ok bool, err error) {
	if cleared := clearEnv(); len(cleared) > 0 {
		fmt.Printf("note: unset %s for the run\n", strings.Join(cleared, ", "))
	}
	f, err := os.Create(o.csv)
	if err != nil {
		return false, err
	}
	defer f.Close()
	w := bufio.NewWriter(f)
	fmt.Fprintln(w, csvHeader)

	ctl := controller{base: o.control, o: o, client: &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}}
	if err := ctl.set(ctx, phaseUp); err != nil {
		return false, err
	}
	before, err := ctl.counts(ctx)
	if err != nil {
		return false, err
	}
	p := newProbe()
	var pre sample
	if err := p.read(&pre); err != nil {
		return false, err
	}

	lf, err := logfire.Configure(ctx, logfire.WithToken("soak-fake-token"), logfire.WithBaseURL(o.endpoint),
		logfire.WithConsole(nil), logfire.WithServiceName("soak"))
	if err != nil {
		return false, err
	}
	meter := lf.MeterProvider().Meter("soak")
	svc := &service{lf: lf, logger: lf.LoggerProvider().Logger("soak"), n: &produced{}}
	if svc.requests, err = meter.Int64Counter("http.server.requests"); err != nil {
		return false, err
	}
	if svc.latency, err = meter.Float64Histogram("http.server.duration", metric.WithUnit("ms")); err != nil {
		return false, err
	}

	sched := schedule{o.head, o.fault, o.up}
	start := time.Now()
	var phase atomic.Value
	phase.Store(phaseUp)
	runCtx, stopRun := context.WithDeadline(ctx, start.Add(o.duration))
	defer stopRun()

	var wg sync.WaitGroup
	// The backend's phases.
	var phaseErr atomic.Value
	wg.Go(func() {
		for _, c := range sched.boundaries(o.duration) {
			select {
			case <-runCtx.Done():
				return
			case <-time.After(time.Until(start.Add(c.at))):
			}
			if err := ctl.set(runCtx, c.phase); err != nil {
				if runCtx.Err() == nil {
					phaseErr.Store(err)
				}
				return
			}
			phase.Store(c.phase)
		}
	})
	// The workers, each at its share of the rate.
	var nextID atomic.Int64
	every := time.Duration(float64(time.Second) * float64(o.workers) / float64(o.rate))
	for i := range o.workers {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(i), 42))
			t := time.NewTicker(every)
			defer t.Stop()
			for {
				select {
				case <-runCtx.Done():
					return
				case <-t.C:
				}
				svc.handle(runCtx, nextID.Add(1), rng)
			}
		})
	}
	// The flushes.
	var fs flushStats
	wg.Go(func() {
		t := time.NewTicker(o.flushEvery)
		defer t.Stop()
		for {
			select {
			case <-runCtx.Done():
				return
			case <-t.C:
			}
			fctx, cancel := context.WithTimeout(runCtx, 5*time.Second)
			t0 := time.Now()
			err := lf.ForceFlush(fctx)
			cancel()
			if runCtx.Err() == nil {
				fs.add(time.Since(t0), err)
			}
		}
	})
	// The samples, until the end of the drain.
	var (
		samples  []sample
		sampleMu sync.Mutex
		probeErr error
	)
	stopSampling := make(chan struct{})
	var sampler sync.WaitGroup
	takeSample := func(ph string) {
		s := sample{t: time.Since(start).Seconds(), phase: ph}
		if err := p.read(&s); err != nil {
			probeErr = err
			return
		}
		s.produced = svc.n.spans.Load() + svc.n.logRecords.Load()
		st := lf.DeliveryStats()
		s.delivered, s.queued, s.buffered, s.dropped = totals(st)
		s.outage = st.Outage != ""
		sampleMu.Lock()
		samples = append(samples, s)
		sampleMu.Unlock()
		fmt.Fprintln(w, s.csv())
		_ = w.Flush()
	}
	var draining atomic.Bool
	sampler.Go(func() {
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			select {
			case <-stopSampling:
				return
			case <-t.C:
			}
			ph := phase.Load().(string)
			if draining.Load() {
				ph = "drain"
			}
			takeSample(ph)
		}
	})

	fmt.Printf("soak: %v of %d requests/s on %d workers; backend up %v, then cycles of refused/503/slow (%v each, %v up after each); warm-up %v; CSV %s\n",
		o.duration, o.rate, o.workers, o.head, o.fault, o.up, o.warmup, o.csv)
	fmt.Printf("warmup_seconds=%g\n", o.warmup.Seconds())
	<-runCtx.Done()
	wg.Wait()
	interrupted := ctx.Err() != nil
	if v := phaseErr.Load(); v != nil {
		err = v.(error)
	}

	// Drain: the backend up, flush until nothing is queued or buffered
	// (at most a minute), then shut down.
	draining.Store(true)
	drainStart := time.Now()
	dctx, cancelDrain := context.WithTimeout(context.Background(), time.Minute)
	defer cancelDrain()
	if serr := ctl.set(dctx, phaseUp); serr != nil {
		err = errors.Join(err, serr)
	}
	for dctx.Err() == nil {
		fctx, cancel := context.WithTimeout(dctx, 10*time.Second)
		_ = lf.ForceFlush(fctx)
		cancel()
		_, q, b, _ := totals(lf.DeliveryStats())
		if q == 0 && b == 0 {
			break
		}
		time.Sleep(time.Second)
	}
	drained := time.Since(drainStart)
	close(stopSampling)
	sampler.Wait()
	sctx, cancelShutdown := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancelShutdown()
	shutdownErr := lf.Shutdown(sctx)
	// Goroutines that are on their way out may take a moment.
	var post sample
	for range 50 {
		if perr := p.read(&post); perr != nil {
			err = errors.Join(err, perr)
			break
		}
		if post.goroutines <= pre.goroutines && post.fds <= pre.fds {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	var leftover string
	if post.goroutines > pre.goroutines {
		var b strings.Builder
		_ = pprof.Lookup("goroutine").WriteTo(&b, 1)
		leftover = b.String()
	}
	after, cerr := ctl.counts(context.Background())
	if err = errors.Join(err, cerr, probeErr); err != nil {
		return false, err
	}
	if err := w.Flush(); err != nil {
		return false, err
	}
	r := report{
		o: o, sched: sched, samples: samples, flushes: &fs,
		producedSpans: svc.n.spans.Load(), producedLogRecords: svc.n.logRecords.Load(), requests: svc.n.requests.Load(),
		stats: lf.DeliveryStats(), backend: after.sub(before), shutdownErr: shutdownErr,
		pre: pre, post: post, leftover: leftover, drained: drained, interrupted: interrupted,
	}
	return r.print(os.Stdout), nil
}

// sub returns the counts received since before was taken.
func (c backendCounts) sub(before backendCounts) backendCounts {
	out := c
	out.Collector = c.Collector.Sub(before.Collector)
	out.UniqueSpans -= before.UniqueSpans
	out.UniquePending -= before.UniquePending
	out.UniqueLogs -= before.UniqueLogs
	out.UniquePoints -= before.UniquePoints
	out.DupSpans -= before.DupSpans
	out.DupLogs -= before.DupLogs
	out.DupPoints -= before.DupPoints
	out.Undecodable -= before.Undecodable
	return out
}
