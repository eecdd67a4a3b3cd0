package emulator

import (
	"encoding/json"
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// WriteJSON writes v as a JSON response.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	if v != nil {
		_ = json.NewEncoder(w).Encode(v)
	}
}

// Limiter is a token bucket per API key, as most providers run: Limit
// requests per Window, refilled continuously.
type Limiter struct {
	mu      sync.Mutex
	limit   int
	window  time.Duration
	now     func() time.Time
	buckets map[string]*bucket
}

type bucket struct {
	tokens float64
	last   time.Time
}

// NewLimiter allows limit requests per window per key.
func NewLimiter(limit int, window time.Duration, now func() time.Time) *Limiter {
	if now == nil {
		now = time.Now
	}
	return &Limiter{limit: limit, window: window, now: now, buckets: map[string]*bucket{}}
}

// Decision is the outcome of one request against the limiter.
type Decision struct {
	Allowed    bool
	Limit      int
	Remaining  int
	RetryAfter time.Duration
	Reset      time.Time
}

// Take spends one token of key.
func (l *Limiter) Take(key string) Decision {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	rate := float64(l.limit) / l.window.Seconds()
	b, ok := l.buckets[key]
	if !ok {
		b = &bucket{tokens: float64(l.limit), last: now}
		l.buckets[key] = b
	}
	b.tokens = math.Min(float64(l.limit), b.tokens+now.Sub(b.last).Seconds()*rate)
	b.last = now
	d := Decision{Limit: l.limit}
	if b.tokens >= 1 {
		b.tokens--
		d.Allowed = true
	} else {
		d.RetryAfter = time.Duration((1 - b.tokens) / rate * float64(time.Second))
	}
	d.Remaining = int(b.tokens)
	d.Reset = now.Add(time.Duration((float64(l.limit) - b.tokens) / rate * float64(time.Second)))
	return d
}

// SetLimit changes the limit (tests drive a provider into its limit).
func (l *Limiter) SetLimit(limit int, window time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.limit, l.window = limit, window
	l.buckets = map[string]*bucket{}
}

// Fault is a failure to inject: the next Times requests matching Method and
// PathPrefix get Status with Header and Body instead of their answer.
type Fault struct {
	Method     string // empty: any
	PathPrefix string // empty: any
	Status     int
	Header     http.Header
	Body       string
	Times      int
	// Delay holds the answer back, to provoke client timeouts.
	Delay time.Duration
}

// Faults injects failures and counts requests; tests use both.
type Faults struct {
	mu     sync.Mutex
	faults []*Fault
	calls  map[string]*atomic.Int64
}

// NewFaults returns an empty fault injector.
func NewFaults() *Faults { return &Faults{calls: map[string]*atomic.Int64{}} }

// Add queues a fault.
func (f *Faults) Add(fault Fault) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if fault.Times <= 0 {
		fault.Times = 1
	}
	f.faults = append(f.faults, &fault)
}

// Calls counts requests seen with method whose path starts with prefix.
func (f *Faults) Calls(method, prefix string) int64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	var n int64
	for k, c := range f.calls {
		m, p, _ := strings.Cut(k, " ")
		if (method == "" || m == method) && strings.HasPrefix(p, prefix) {
			n += c.Load()
		}
	}
	return n
}

// Wrap serves injected faults before next.
func (f *Faults) Wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		key := r.Method + " " + r.URL.Path
		c, ok := f.calls[key]
		if !ok {
			c = &atomic.Int64{}
			f.calls[key] = c
		}
		c.Add(1)
		var hit *Fault
		for i, ft := range f.faults {
			if (ft.Method == "" || ft.Method == r.Method) && strings.HasPrefix(r.URL.Path, ft.PathPrefix) {
				ft.Times--
				hit = ft
				if ft.Times <= 0 {
					f.faults = append(f.faults[:i], f.faults[i+1:]...)
				}
				break
			}
		}
		f.mu.Unlock()
		if hit == nil {
			next.ServeHTTP(w, r)
			return
		}
		if hit.Delay > 0 {
			select {
			case <-time.After(hit.Delay):
			case <-r.Context().Done():
				return
			}
		}
		for k, vs := range hit.Header {
			for _, v := range vs {
				w.Header().Add(k, v)
			}
		}
		if hit.Status == 0 {
			hit.Status = http.StatusInternalServerError
		}
		w.WriteHeader(hit.Status)
		_, _ = w.Write([]byte(hit.Body))
	})
}

// Itoa is strconv.Itoa, for header values.
func Itoa(n int) string { return strconv.Itoa(n) }
