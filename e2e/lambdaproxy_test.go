package e2e_test

import (
	"errors"
	"io"
	"net"
	"sync"
	"testing"
	"time"
)

// proxyMode is what the switchable backend does with connections.
type proxyMode int

const (
	// proxyForward forwards every connection to the collector.
	proxyForward proxyMode = iota
	// proxyHang accepts connections, reads what the client sends and never
	// answers (collector.StartHanging's behaviour).
	proxyHang
	// proxyDown closes the listener: connecting is refused
	// (collector.RefusedEndpoint's behaviour), on the same address.
	proxyDown
	// proxy503 is not a mode of the proxy: the collector behind it
	// answers 503 (see testBackendFault).
	proxy503
)

func (m proxyMode) String() string {
	return [...]string{"forward", "hang", "down", "503"}[m]
}

// switchProxy is a TCP forwarder on a fixed 127.0.0.1 address standing in
// for the Logfire backend of a function process, whose LOGFIRE_BASE_URL
// cannot change while it runs. It can be switched between forwarding to
// the collector, hanging and refusing connections. Switching closes every
// connection it has open, so the client's next request meets the new mode.
// Everything is closed when the test ends.
type switchProxy struct {
	t      testing.TB
	addr   string // host:port, stable across modes
	target string // host:port of the collector

	mu     sync.Mutex
	mode   proxyMode
	ln     net.Listener // nil while down
	conns  map[net.Conn]struct{}
	closed bool
	wg     sync.WaitGroup
}

// startSwitchProxy starts forwarding to target ("http://host:port" or
// "host:port").
func startSwitchProxy(t testing.TB, target string) *switchProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("proxy: %v", err)
	}
	if len(target) > 7 && target[:7] == "http://" {
		target = target[7:]
	}
	p := &switchProxy{t: t, addr: ln.Addr().String(), target: target, ln: ln, conns: map[net.Conn]struct{}{}}
	p.wg.Go(func() { p.serve(ln) })
	t.Cleanup(p.close)
	return p
}

// URL is the proxy's base URL, for LOGFIRE_BASE_URL.
func (p *switchProxy) URL() string { return "http://" + p.addr }

// set switches the mode.
func (p *switchProxy) set(mode proxyMode) {
	p.t.Helper()
	p.mu.Lock()
	defer p.mu.Unlock()
	if mode == p.mode {
		return
	}
	for c := range p.conns {
		c.Close()
	}
	switch {
	case mode == proxyDown:
		p.ln.Close()
		p.ln = nil
	case p.mode == proxyDown:
		// Listen again on the same address; a closed listening socket can
		// be rebound at once (SO_REUSEADDR), retry briefly all the same.
		var ln net.Listener
		var err error
		for range 20 {
			if ln, err = net.Listen("tcp", p.addr); err == nil {
				break
			}
			time.Sleep(50 * time.Millisecond)
		}
		if err != nil {
			p.t.Fatalf("proxy: listening again on %s: %v", p.addr, err)
		}
		p.ln = ln
		p.wg.Go(func() { p.serve(ln) })
	}
	p.mode = mode
}

func (p *switchProxy) serve(ln net.Listener) {
	for {
		c, err := ln.Accept()
		if err != nil {
			return // closed
		}
		p.mu.Lock()
		if p.closed || p.ln != ln {
			p.mu.Unlock()
			c.Close()
			return
		}
		mode := p.mode
		p.conns[c] = struct{}{}
		p.mu.Unlock()
		p.wg.Go(func() {
			defer p.forget(c)
			if mode == proxyHang {
				_, _ = io.Copy(io.Discard, c)
				return
			}
			p.forward(c)
		})
	}
}

func (p *switchProxy) forward(c net.Conn) {
	up, err := net.DialTimeout("tcp", p.target, 2*time.Second)
	if err != nil {
		return
	}
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		up.Close()
		return
	}
	p.conns[up] = struct{}{}
	p.mu.Unlock()
	defer p.forget(up)
	done := make(chan struct{}, 2)
	go func() { _, _ = io.Copy(up, c); done <- struct{}{} }()
	go func() { _, _ = io.Copy(c, up); done <- struct{}{} }()
	<-done // one side ended: end both
	c.Close()
	up.Close()
	<-done
}

func (p *switchProxy) forget(c net.Conn) {
	c.Close()
	p.mu.Lock()
	delete(p.conns, c)
	p.mu.Unlock()
}

func (p *switchProxy) close() {
	p.mu.Lock()
	p.closed = true
	if p.ln != nil {
		p.ln.Close()
	}
	for c := range p.conns {
		c.Close()
	}
	p.mu.Unlock()
	done := make(chan struct{})
	go func() { p.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		p.t.Errorf("proxy: goroutines did not stop within 5s")
	}
}

// refused reports whether connecting to the proxy is refused now.
func (p *switchProxy) refused() bool {
	c, err := net.DialTimeout("tcp", p.addr, time.Second)
	if err == nil {
		c.Close()
		return false
	}
	var op *net.OpError
	return errors.As(err, &op)
}
