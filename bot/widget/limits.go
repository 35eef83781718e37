package widget

import (
	"net"
	"net/http"
	"strings"
	"sync"
	"time"
)

// windowLimiter allows up to n events per key in each fixed window of time.
// Keys of finished windows are swept as the map grows.
type windowLimiter struct {
	mu     sync.Mutex
	n      int
	window time.Duration
	m      map[string]*windowCount
	swept  time.Time
}

type windowCount struct {
	start time.Time
	count int
}

func newWindowLimiter(n int, window time.Duration) *windowLimiter {
	return &windowLimiter{n: n, window: window, m: make(map[string]*windowCount)}
}

// allow counts an event of key at now and reports whether it is within the limit.
func (l *windowLimiter) allow(key string, now time.Time) bool {
	if l.n <= 0 {
		return true
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Sub(l.swept) > l.window {
		for k, c := range l.m {
			if now.Sub(c.start) >= l.window {
				delete(l.m, k)
			}
		}
		l.swept = now
	}
	c := l.m[key]
	if c == nil || now.Sub(c.start) >= l.window {
		c = &windowCount{start: now}
		l.m[key] = c
	}
	if c.count >= l.n {
		return false
	}
	c.count++
	return true
}

// connCounter counts open connections per client address.
type connCounter struct {
	mu sync.Mutex
	n  map[string]int
}

// add counts a connection from ip unless ip has max already.
func (c *connCounter) add(ip string, max int) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if max > 0 && c.n[ip] >= max {
		return false
	}
	c.n[ip]++
	return true
}

func (c *connCounter) done(ip string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.n[ip]--; c.n[ip] <= 0 {
		delete(c.n, ip)
	}
}

// clientIP returns the address limits count a request under: the last
// address of the configured header (the one the shop's reverse proxy added;
// earlier ones are whatever the client sent), else the peer's. IPv6
// addresses count by /64, the block one subscriber usually gets.
func (h *Handler) clientIP(r *http.Request) string {
	var ip net.IP
	if name := h.opts.ClientIPHeader; name != "" {
		if v := r.Header.Values(name); len(v) > 0 {
			all := strings.Split(v[len(v)-1], ",")
			ip = net.ParseIP(strings.TrimSpace(all[len(all)-1]))
		}
	}
	if ip == nil {
		host, _, err := net.SplitHostPort(r.RemoteAddr)
		if err != nil {
			host = r.RemoteAddr
		}
		if ip = net.ParseIP(host); ip == nil {
			return host
		}
	}
	if ip.To4() == nil {
		return ip.Mask(net.CIDRMask(64, 128)).String() + "/64"
	}
	return ip.String()
}
