package server

import (
	"fmt"
	"math"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"
	"golang.org/x/time/rate"
)

// secure sets the headers every response carries: nothing is sniffed,
// framed or referred, and a response that is not a page (JSON, exports)
// may load nothing at all. The pages set their own policy, which allows
// their own assets.
func secure(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'")
		next.ServeHTTP(w, r)
	})
}

// limiter allows each client (see clientKey) a steady rate of requests
// with a burst, and answers 429 with Retry-After beyond it.
type limiter struct {
	rate    rate.Limit
	burst   int
	trusted []netip.Prefix
	clients *lru.Cache[string, *rate.Limiter]
}

// maxClients bounds the limiter's memory: the least recently seen clients
// are forgotten first (and start afresh with a full burst).
const maxClients = 65536

func newLimiter(perSecond float64, burst int, trusted []netip.Prefix) *limiter {
	if perSecond <= 0 {
		return nil
	}
	if burst < 1 {
		burst = max(1, int(math.Ceil(perSecond)))
	}
	c, _ := lru.New[string, *rate.Limiter](maxClients)
	return &limiter{rate: rate.Limit(perSecond), burst: burst, trusted: trusted, clients: c}
}

func (l *limiter) wrap(next http.Handler) http.Handler {
	if l == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/healthz" || r.URL.Path == "/livez" || r.URL.Path == "/readyz" {
			// probes are the operator's, and answer from memory
			next.ServeHTTP(w, r)
			return
		}
		key := clientKey(clientAddr(r, l.trusted))
		lim, ok := l.clients.Get(key)
		if !ok {
			lim = rate.NewLimiter(l.rate, l.burst)
			l.clients.Add(key, lim)
		}
		res := lim.Reserve()
		if d := res.Delay(); d > 0 {
			res.Cancel()
			w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(max(d, time.Second).Seconds()))))
			writeRequestError(w, mediaJSON, &requestError{http.StatusTooManyRequests, "RATE_LIMITED",
				"too many requests from this client; retry after the time in Retry-After"})
			return
		}
		next.ServeHTTP(w, r)
	})
}

// peerAddr is the address of the connection's other end.
func peerAddr(r *http.Request) (netip.Addr, bool) {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		return netip.Addr{}, false
	}
	return a.Unmap().WithZone(""), true
}

func trustedProxy(a netip.Addr, trusted []netip.Prefix) bool {
	for _, p := range trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// clientAddr is the address a request came from. Behind trusted proxies
// (their addresses or ranges in trusted), it is the right-most address of
// X-Forwarded-For that is not a trusted proxy's: each proxy appends the
// address it was called from, so every entry left of the first untrusted one
// is the client's to write. From any other peer the header is ignored.
func clientAddr(r *http.Request, trusted []netip.Prefix) netip.Addr {
	peer, ok := peerAddr(r)
	if !ok || !trustedProxy(peer, trusted) {
		return peer
	}
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	client := peer
	for i := len(hops) - 1; i >= 0; i-- {
		h := strings.TrimSpace(hops[i])
		if h == "" {
			continue
		}
		a, err := netip.ParseAddr(h)
		if err != nil {
			// not an address a proxy wrote: the last hop before it called us
			return client
		}
		client = a.Unmap().WithZone("")
		if !trustedProxy(client, trusted) {
			return client
		}
	}
	return client
}

// clientKey is the rate limit's key of an address: an IPv4 address, or the
// /64 of an IPv6 one, which one subscriber is given whole and can rotate
// through freely.
func clientKey(a netip.Addr) string {
	if !a.IsValid() {
		return "unknown"
	}
	if a.Is4() {
		return a.String()
	}
	p, _ := a.Prefix(64)
	return p.String()
}

// ParseTrustedProxies reads --trust-proxy: comma-separated addresses or
// CIDR ranges of the reverse proxies in front of the server.
func ParseTrustedProxies(s string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if p, err := netip.ParsePrefix(f); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(f)
		if err != nil {
			return nil, fmt.Errorf("trusted proxy %q is neither an address nor a CIDR range", f)
		}
		out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
	}
	return out, nil
}
