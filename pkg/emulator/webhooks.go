package emulator

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// What an emulator needs to push its vendor's native webhooks for real: a
// ChangeFeed learns every committed write of the records the vendor
// notifies about, in commit order, and hands each change to the vendor's
// code outside the store's lock; a WebhookSender delivers the vendor's
// requests asynchronously, with its timeout and retry policy. Neither keeps
// a goroutine when it has nothing to do, so an emulator nobody closes
// leaks nothing once its deliveries are over.

// Change is one committed change of a record.
type Change struct {
	// Kind is the vendor's name of the record's type ("person", "contacts").
	Kind string
	ID   string
	// Before and After are the record as JSON before and after the change:
	// Before is nil for a new record, After nil for a removed one.
	Before, After json.RawMessage
	// At is when the change was committed, on the store's clock.
	At time.Time
	// Source is what Claim said about the writer; nil when nobody claimed
	// the write: the emulator's Go API, not its HTTP API, made it.
	Source any
}

// ChangeFeed turns the store's writes into Changes. Put is meant to be
// called from a collection's setMeta function, which the store calls under
// its lock on every insert and update: so every write is seen, whoever
// makes it (the HTTP handlers, a test calling Collection.Update), and in
// the order the store commits them. The feed keeps the last state of each
// record, the Before of its next change.
//
// Store.Load replaces records behind the feed's back: the first change of
// a loaded record is reported against what the feed saw before the load.
type ChangeFeed struct {
	deliver   func(Change)
	listening func() bool

	mu      sync.Mutex
	armed   bool
	closed  bool
	last    map[string]json.RawMessage
	claims  map[string][]*claim
	queue   []Change
	running bool
	wg      sync.WaitGroup
	pending idleWaiter
}

type claim struct{ source any }

// NewChangeFeed returns a feed that calls deliver with each change, one
// at a time and in commit order, from a goroutine of its own (deliver may
// read the store). listening, when set, is asked under the store's lock
// whether anyone subscribes at all: changes made while it answers false
// are not queued. It must not enter the store.
func NewChangeFeed(deliver func(Change), listening func() bool) *ChangeFeed {
	return &ChangeFeed{deliver: deliver, listening: listening, last: map[string]json.RawMessage{}, claims: map[string][]*claim{}}
}

func feedKey(kind, id string) string { return kind + "\x00" + id }

// Arm starts reporting changes. Until then Put only learns the records:
// the seed an emulator starts with is no change anyone is told about.
func (f *ChangeFeed) Arm() {
	f.mu.Lock()
	f.armed = true
	f.mu.Unlock()
}

// Put tells the feed the state of a record just committed. It runs under
// the store's lock: it must not, and does not, enter the store.
func (f *ChangeFeed) Put(kind, id string, rec any, at time.Time) {
	b, err := json.Marshal(rec)
	if err != nil {
		// The store copies every record through JSON: one that does not
		// marshal never reaches a commit.
		return
	}
	k := feedKey(kind, id)
	f.mu.Lock()
	defer f.mu.Unlock()
	before := f.last[k]
	f.last[k] = b
	var src any
	if c := f.claims[k]; len(c) > 0 {
		src = c[len(c)-1].source
	} else if c := f.claims[feedKey(kind, "")]; before == nil && len(c) > 0 {
		src = c[len(c)-1].source
	}
	f.push(Change{Kind: kind, ID: id, Before: before, After: b, At: at.UTC(), Source: src})
}

// Remove reports a record deleted outright (Collection.Delete calls no
// setMeta, so whoever deletes reports it), with the writer as source.
func (f *ChangeFeed) Remove(kind, id string, at time.Time, source any) {
	k := feedKey(kind, id)
	f.mu.Lock()
	defer f.mu.Unlock()
	before, ok := f.last[k]
	if !ok {
		return
	}
	delete(f.last, k)
	f.push(Change{Kind: kind, ID: id, Before: before, At: at.UTC(), Source: source})
}

// push queues a change and makes sure a goroutine delivers it. f.mu is held.
func (f *ChangeFeed) push(c Change) {
	if !f.armed || f.closed || (f.listening != nil && !f.listening()) {
		return
	}
	f.queue = append(f.queue, c)
	f.pending.add(1)
	if !f.running {
		f.running = true
		f.wg.Add(1)
		go f.run()
	}
}

func (f *ChangeFeed) run() {
	defer f.wg.Done()
	for {
		f.mu.Lock()
		if len(f.queue) == 0 || f.closed {
			dropped := len(f.queue)
			f.queue, f.running = nil, false
			f.mu.Unlock()
			f.pending.add(-dropped)
			return
		}
		c := f.queue[0]
		f.queue[0] = Change{}
		f.queue = f.queue[1:]
		f.mu.Unlock()
		f.deliver(c)
		f.pending.add(-1)
	}
}

// Claim attributes the writes of a record (id "" for new records of
// kind) to source until release is called: an HTTP handler claims what
// it is about to write, so that its changes say they came through the API.
// A write of the same record by someone else meanwhile is attributed to
// the handler too; emulators live with that.
func (f *ChangeFeed) Claim(kind, id string, source any) (release func()) {
	k := feedKey(kind, id)
	c := &claim{source: source}
	f.mu.Lock()
	f.claims[k] = append(f.claims[k], c)
	f.mu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			f.mu.Lock()
			defer f.mu.Unlock()
			list := f.claims[k]
			for i := range list {
				if list[i] == c {
					list = append(list[:i], list[i+1:]...)
					break
				}
			}
			if len(list) == 0 {
				delete(f.claims, k)
			} else {
				f.claims[k] = list
			}
		})
	}
}

// Flush waits until every change queued so far has been delivered.
func (f *ChangeFeed) Flush(ctx context.Context) error { return f.pending.wait(ctx) }

// Close stops delivering: the change being delivered finishes, the queued
// ones are dropped, later ones are not queued.
func (f *ChangeFeed) Close() {
	f.mu.Lock()
	f.closed = true
	f.mu.Unlock()
	f.wg.Wait()
}

// ErrDropDelivery, returned by WebhookDelivery.Request, gives a delivery
// up without counting it as failed: its subscription is gone.
var ErrDropDelivery = errors.New("emulator: webhook delivery dropped")

// WebhookDelivery is one notification to deliver.
type WebhookDelivery struct {
	// Queue orders deliveries: those of one queue go out one after the
	// other in the order sent, each with all its attempts before the next
	// (vendors keep the events of one record and subscription in order).
	// Deliveries without a queue go out at once, concurrently.
	Queue string
	// Request makes the request of an attempt (0 for the first), anew for
	// each: vendors number attempts and sign timestamps in the body and
	// headers. It may answer ErrDropDelivery.
	Request func(attempt int) (*http.Request, error)
	// Retry says whether an attempt's outcome calls for another attempt:
	// status is 0 when err, a transport error or timeout, is set. Nil:
	// retry on every error and on every status but 2xx.
	Retry func(status int, err error) bool
	// Report, when set, learns each attempt's outcome.
	Report func(attempt, status int, err error)
}

// WebhookSenderOptions configure a WebhookSender.
type WebhookSenderOptions struct {
	// Client sends the requests; nil: NewWebhookClient(Timeout).
	Client *http.Client
	// Timeout limits each attempt (the vendor's wait for an answer).
	Timeout time.Duration
	// Delays are the waits before each retry: len(Delays) retries at most.
	Delays []time.Duration
}

// WebhookStats counts what a sender did.
type WebhookStats struct {
	// Sent counts deliveries a receiver accepted (answered 2xx).
	Sent int
	// Failed counts deliveries given up: no retry left, or none called for.
	Failed int
	// Attempts counts requests made, retries included.
	Attempts int
	// Pending counts deliveries not over yet, waiting retries included.
	Pending int
}

// WebhookSender delivers webhooks asynchronously: Send never blocks on the
// network.
type WebhookSender struct {
	client  *http.Client
	timeout time.Duration
	delays  []time.Duration

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu      sync.Mutex
	closed  bool
	queues  map[string][]WebhookDelivery
	pending idleWaiter

	sent, failed, attempts atomic.Int64
}

// NewWebhookClient is a client for webhook deliveries: timeout per
// request, no redirects followed (a redirect is an answer that is not
// 2xx), and no restriction on where it connects, so that receivers on the
// loopback interface (tests, `unimesh dev`) are reached.
func NewWebhookClient(timeout time.Duration) *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	return &http.Client{Timeout: timeout, Transport: tr,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// NewWebhookSender returns a sender with opts' client and policy.
func NewWebhookSender(opts WebhookSenderOptions) *WebhookSender {
	if opts.Timeout <= 0 {
		opts.Timeout = 10 * time.Second
	}
	if opts.Client == nil {
		opts.Client = NewWebhookClient(opts.Timeout)
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &WebhookSender{client: opts.Client, timeout: opts.Timeout, delays: append([]time.Duration(nil), opts.Delays...),
		ctx: ctx, cancel: cancel, queues: map[string][]WebhookDelivery{}}
}

// Send queues a delivery; after Close it is dropped.
func (s *WebhookSender) Send(d WebhookDelivery) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return
	}
	s.pending.add(1)
	if d.Queue == "" {
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			s.deliver(d)
		}()
		return
	}
	q, busy := s.queues[d.Queue]
	s.queues[d.Queue] = append(q, d)
	if !busy { // else the queue's goroutine takes it in turn
		s.wg.Add(1)
		go s.drain(d.Queue)
	}
}

// drain delivers a queue's deliveries in order; the queue's entry lives
// as long as its goroutine.
func (s *WebhookSender) drain(queue string) {
	defer s.wg.Done()
	for {
		s.mu.Lock()
		q := s.queues[queue]
		if len(q) == 0 || s.ctx.Err() != nil {
			delete(s.queues, queue)
			s.mu.Unlock()
			s.pending.add(-len(q))
			return
		}
		d := q[0]
		q[0] = WebhookDelivery{}
		s.queues[queue] = q[1:]
		s.mu.Unlock()
		s.deliver(d)
	}
}

func (s *WebhookSender) deliver(d WebhookDelivery) {
	defer s.pending.add(-1)
	for attempt := 0; ; attempt++ {
		req, err := d.Request(attempt)
		if errors.Is(err, ErrDropDelivery) || s.ctx.Err() != nil {
			return
		}
		if err != nil {
			// The vendor's code could not make the request: nothing to retry.
			s.failed.Add(1)
			return
		}
		status, err := s.do(req)
		if s.ctx.Err() != nil {
			return // closed mid-request: not the receiver's fault
		}
		s.attempts.Add(1)
		if d.Report != nil {
			d.Report(attempt, status, err)
		}
		if err == nil && status >= 200 && status < 300 {
			s.sent.Add(1)
			return
		}
		retry := err != nil || status < 200 || status >= 300
		if d.Retry != nil {
			retry = d.Retry(status, err)
		}
		if !retry || attempt >= len(s.delays) {
			s.failed.Add(1)
			return
		}
		t := time.NewTimer(s.delays[attempt])
		select {
		case <-t.C:
		case <-s.ctx.Done():
			t.Stop()
			return
		}
	}
}

// do makes one attempt: the status, or the transport error or timeout.
func (s *WebhookSender) do(req *http.Request) (int, error) {
	ctx, cancel := context.WithTimeout(s.ctx, s.timeout)
	defer cancel()
	resp, err := s.client.Do(req.WithContext(ctx))
	if err != nil {
		return 0, err
	}
	// Read a little of the answer so that the connection can be reused.
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	_ = resp.Body.Close()
	return resp.StatusCode, nil
}

// Flush waits until every delivery sent so far is over, its retries
// included (with a vendor's real delays, that can take long: bound ctx).
func (s *WebhookSender) Flush(ctx context.Context) error { return s.pending.wait(ctx) }

// Stats counts what the sender did.
func (s *WebhookSender) Stats() WebhookStats {
	return WebhookStats{Sent: int(s.sent.Load()), Failed: int(s.failed.Load()), Attempts: int(s.attempts.Load()),
		Pending: s.pending.count()}
}

// Close stops the sender: requests under way are cancelled, waiting
// retries and queued deliveries dropped, and Close returns once its
// goroutines are gone. Later sends are dropped.
func (s *WebhookSender) Close() {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	s.cancel()
	s.wg.Wait()
}

// idleWaiter counts work under way and lets callers wait for none.
type idleWaiter struct {
	mu   sync.Mutex
	n    int
	idle chan struct{} // closed when n drops to 0; nil when nobody waits
}

func (w *idleWaiter) add(d int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.n += d
	if w.n <= 0 && w.idle != nil {
		close(w.idle)
		w.idle = nil
	}
}

func (w *idleWaiter) count() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.n
}

func (w *idleWaiter) wait(ctx context.Context) error {
	w.mu.Lock()
	if w.n <= 0 {
		w.mu.Unlock()
		return nil
	}
	if w.idle == nil {
		w.idle = make(chan struct{})
	}
	ch := w.idle
	w.mu.Unlock()
	select {
	case <-ch:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
