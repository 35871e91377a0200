package main

import (
	"context"
	"time"
)

// tick is how often pace wakes up to record what is due: 10 ms, so that
// 5,000 records a second leave in bursts of 50.
const tick = 10 * time.Millisecond

// pace calls record rate times a second for d: rate×d calls in all, in
// bursts every tick, each burst bringing the count up to what is due by
// then (so a late wake-up is made up for, and the total does not depend
// on the ticker's accuracy). It returns the number of calls, short of the
// total only if ctx ended first, with ctx's error. A rate of 0 calls
// record flat out (see flatOut).
func pace(ctx context.Context, rate int, d time.Duration, record func()) (int, error) {
	if rate == 0 {
		return flatOut(ctx, d, record)
	}
	total := int(float64(rate) * d.Seconds())
	t := time.NewTicker(tick)
	defer t.Stop()
	start := time.Now()
	n := 0
	for {
		due := min(total, int(time.Since(start).Seconds()*float64(rate)))
		for ; n < due; n++ {
			record()
		}
		if n >= total {
			return n, nil
		}
		select {
		case <-t.C:
		case <-ctx.Done():
			return n, ctx.Err()
		}
	}
}

// flatOut calls record as fast as it returns, until d has passed or ctx
// ends, and returns how many times it called it.
func flatOut(ctx context.Context, d time.Duration, record func()) (int, error) {
	end := time.Now().Add(d)
	n := 0
	for {
		for range 256 {
			record()
		}
		n += 256
		if ctx.Err() != nil {
			return n, ctx.Err()
		}
		if !time.Now().Before(end) {
			return n, nil
		}
	}
}
