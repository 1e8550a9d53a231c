package server

import (
	"math"
	"net"
	"net/http"
	"strconv"
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

// limiter allows each client (by remote address) a steady rate of requests
// with a burst, and answers 429 with Retry-After beyond it.
type limiter struct {
	rate    rate.Limit
	burst   int
	clients *lru.Cache[string, *rate.Limiter]
}

// maxClients bounds the limiter's memory: the least recently seen clients
// are forgotten first (and start afresh with a full burst).
const maxClients = 65536

func newLimiter(perSecond float64, burst int) *limiter {
	if perSecond <= 0 {
		return nil
	}
	if burst < 1 {
		burst = max(1, int(math.Ceil(perSecond)))
	}
	c, _ := lru.New[string, *rate.Limiter](maxClients)
	return &limiter{rate: rate.Limit(perSecond), burst: burst, clients: c}
}

func (l *limiter) wrap(next http.Handler) http.Handler {
	if l == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/healthz", "/metrics":
			// probes and scrapes are the operator's, not a client's
			next.ServeHTTP(w, r)
			return
		}
		host, _, err := net.SplitHostPort(r.RemoteAddr)
		if err != nil {
			host = r.RemoteAddr
		}
		lim, ok := l.clients.Get(host)
		if !ok {
			lim = rate.NewLimiter(l.rate, l.burst)
			l.clients.Add(host, lim)
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
