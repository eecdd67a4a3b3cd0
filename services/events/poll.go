package events

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"time"

	"go.opentelemetry.io/otel/attribute"
	otelcodes "go.opentelemetry.io/otel/codes"
	"google.golang.org/genproto/googleapis/api/annotations"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/unimesh/unimesh/pkg/apierr"
	"github.com/unimesh/unimesh/pkg/auth"
	"github.com/unimesh/unimesh/pkg/connector"
	"github.com/unimesh/unimesh/pkg/store"
	platformv1 "github.com/unimesh/unimesh/proto/unimesh/platform/v1"

	// The unified models, so their List methods and records resolve by name.
	_ "github.com/unimesh/unimesh/proto/unimesh/accounting/v1"
	_ "github.com/unimesh/unimesh/proto/unimesh/ats/v1"
	_ "github.com/unimesh/unimesh/proto/unimesh/crm/v1"
	_ "github.com/unimesh/unimesh/proto/unimesh/hris/v1"
	_ "github.com/unimesh/unimesh/proto/unimesh/ticketing/v1"
)

// pollable is one List method the poller can watch: it takes a connection,
// pages and modified_since, and needs no parent id.
type pollable struct {
	// key is "<category>.<object>", e.g. "crm.contact".
	key    string
	method string // full gRPC method name
	req    protoreflect.MessageType
	resp   protoreflect.MessageType
	items  protoreflect.FieldDescriptor
	next   protoreflect.FieldDescriptor
}

// Pollables lists, per category, the List methods the poller watches,
// derived from the category services' descriptors: a new List method in a
// proto is polled without a change here.
func Pollables() (map[string][]pollable, error) {
	out := map[string][]pollable{}
	var err error
	protoregistry.GlobalFiles.RangeFiles(func(fd protoreflect.FileDescriptor) bool {
		pkg := string(fd.Package())
		category, ok := strings.CutPrefix(pkg, "unimesh.")
		if !ok || !strings.HasSuffix(category, ".v1") {
			return true
		}
		category = strings.TrimSuffix(category, ".v1")
		if category == "platform" || category == "mesh" || category == "common" {
			return true
		}
		for i := 0; i < fd.Services().Len(); i++ {
			svc := fd.Services().Get(i)
			for j := 0; j < svc.Methods().Len(); j++ {
				m := svc.Methods().Get(j)
				p, ok := pollableOf(category, svc, m)
				if !ok {
					continue
				}
				if p.req, err = protoregistry.GlobalTypes.FindMessageByName(m.Input().FullName()); err != nil {
					return false
				}
				if p.resp, err = protoregistry.GlobalTypes.FindMessageByName(m.Output().FullName()); err != nil {
					return false
				}
				out[category] = append(out[category], p)
			}
		}
		return true
	})
	return out, err
}

func pollableOf(category string, svc protoreflect.ServiceDescriptor, m protoreflect.MethodDescriptor) (pollable, bool) {
	if !strings.HasPrefix(string(m.Name()), "List") {
		return pollable{}, false
	}
	in, out := m.Input().Fields(), m.Output().Fields()
	for _, name := range []protoreflect.Name{"connection", "page_size", "page_token", "modified_since"} {
		if in.ByName(name) == nil {
			return pollable{}, false
		}
	}
	// A method that needs more than the connection (a parent id) cannot
	// be polled on its own.
	for i := 0; i < in.Len(); i++ {
		f := in.Get(i)
		if f.Name() == "connection" {
			continue
		}
		behaviors, _ := proto.GetExtension(f.Options(), annotations.E_FieldBehavior).([]annotations.FieldBehavior)
		for _, b := range behaviors {
			if b == annotations.FieldBehavior_REQUIRED {
				return pollable{}, false
			}
		}
	}
	next := out.ByName("next_page_token")
	var items protoreflect.FieldDescriptor
	for i := 0; i < out.Len(); i++ {
		if f := out.Get(i); f.IsList() && f.Kind() == protoreflect.MessageKind {
			if items != nil {
				return pollable{}, false
			}
			items = f
		}
	}
	if next == nil || items == nil || items.Message().Fields().ByName("id") == nil {
		return pollable{}, false
	}
	return pollable{
		key:    category + "." + connector.SnakeCase(string(items.Message().Name())),
		method: fmt.Sprintf("/%s/%s", svc.FullName(), m.Name()),
		items:  items, next: next,
	}, true
}

func (s *Service) pollables(category string) []pollable {
	s.catalogOnce.Do(func() {
		c, err := Pollables()
		if err != nil {
			s.logger.Error("reading the unified API's List methods failed; nothing will be polled", "error", err.Error())
		}
		s.catalog = c
	})
	return s.catalog[category]
}

// pollOverlap is how far before the previous poll's start the next one
// lists from: providers' clocks drift and their search indexes lag, and
// fingerprints make seeing a record twice harmless.
const pollOverlap = 5 * time.Minute

// analyzeAfter is the size of a baseline after which the database's
// statistics are refreshed (store.AnalyzeFingerprints says why).
const analyzeAfter = 10000

// pollLease is how long a poll lease lasts; a long listing extends it.
const pollLease = 2 * time.Minute

// schedulePolling makes sure each connection of a project has a poll schedule.
func (s *Service) schedulePolling(ctx context.Context, projectID string) {
	var after *store.Cursor
	for {
		conns, err := s.store.ListConnections(ctx, projectID, store.ConnectionFilter{}, after, 200)
		if err != nil {
			s.logger.WarnContext(ctx, "schedule polling", "project", projectID, "error", err.Error())
			return
		}
		for _, c := range conns {
			if err := s.store.EnsurePollConnection(ctx, c.ID, projectID, s.now().Add(s.jitter(s.opts.Tick))); err != nil {
				s.logger.WarnContext(ctx, "schedule polling", "connection", c.ID, "error", err.Error())
			}
		}
		if len(conns) < 200 {
			return
		}
		last := conns[len(conns)-1]
		after = &store.Cursor{CreateTime: last.CreateTime, ID: last.ID}
	}
}

// jitter returns a random duration in [0, d).
func (s *Service) jitter(d time.Duration) time.Duration {
	if d <= 0 {
		return 0
	}
	return rand.N(d)
}

// runPoller polls due connections, PollWorkers at a time, until ctx ends.
// Once a minute it makes sure every connection of a project with an
// endpoint is scheduled.
func (s *Service) runPoller(ctx context.Context) {
	sem := make(chan struct{}, s.opts.PollWorkers)
	var wg sync.WaitGroup
	defer wg.Wait()
	lastSync := time.Time{}
	for {
		if s.now().Sub(lastSync) >= time.Minute {
			lastSync = s.now()
			projects, err := s.store.ProjectsWithEndpoints(ctx)
			if err != nil && ctx.Err() == nil {
				s.logger.WarnContext(ctx, "list projects with endpoints", "error", err.Error())
			}
			for _, p := range projects {
				s.schedulePolling(ctx, p)
			}
		}
		due, err := s.store.DuePollConnections(ctx, s.now(), s.opts.PollWorkers*2)
		if err != nil && ctx.Err() == nil {
			s.logger.WarnContext(ctx, "due polls", "error", err.Error())
		}
		for _, pc := range due {
			ok, err := s.store.ClaimPoll(ctx, pc.ConnectionID, s.owner, s.now(), s.now().Add(pollLease))
			if err != nil || !ok {
				continue // another replica has it
			}
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer func() { <-sem }()
				s.pollConnection(ctx, pc)
			}()
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(s.opts.Tick):
		}
	}
}

// pollConnection polls every watched object of one connection, holding
// its lease, and schedules the next poll.
func (s *Service) pollConnection(ctx context.Context, pc store.PollConnection) {
	start := s.now()
	interval := pc.Interval
	if interval <= 0 {
		interval = s.opts.PollInterval
	}
	next := s.pollOnce(ctx, pc, interval)
	took := s.now().Sub(start)
	// A poll may not keep a provider busy more than half the time.
	if next.IsZero() {
		next = start.Add(max(interval, 2*took))
		next = next.Add(s.jitter(interval / 10))
	}
	if err := s.store.FinishPoll(context.WithoutCancel(ctx), pc.ConnectionID, s.owner, next); err != nil {
		s.logger.WarnContext(ctx, "finish poll", "connection", pc.ConnectionID, "error", err.Error())
	}
}

// pollOnce does the work of one poll; it returns a next poll time when it
// wants one other than the regular interval.
func (s *Service) pollOnce(ctx context.Context, pc store.PollConnection, interval time.Duration) time.Time {
	ctx, span := s.tracer.Start(ctx, "events.poll")
	defer span.End()
	span.SetAttributes(attribute.String("unimesh.connection", pc.ConnectionID))
	conn, err := s.store.GetConnection(ctx, pc.ProjectID, pc.ConnectionID)
	if errors.Is(err, store.ErrNotFound) {
		_ = s.store.ForgetConnection(ctx, pc.ConnectionID)
		return time.Time{}
	}
	if err != nil {
		s.logger.WarnContext(ctx, "poll: read connection", "connection", pc.ConnectionID, "error", err.Error())
		return time.Time{}
	}
	if conn.Status != int32(platformv1.ConnectionStatus_CONNECTION_STATUS_ACTIVE) {
		return time.Time{} // looked at again next interval
	}
	endpoints, err := s.enabledEndpoints(ctx, pc.ProjectID)
	if err != nil || len(endpoints) == 0 {
		return time.Time{}
	}
	category := ""
	if s.opts.CategoryOf != nil {
		category = s.opts.CategoryOf(conn.Integration)
	}
	client := s.opts.Categories[category]
	if client == nil {
		return s.now().Add(24 * time.Hour)
	}
	states, err := s.store.PollObjects(ctx, pc.ConnectionID)
	if err != nil {
		s.logger.WarnContext(ctx, "poll: read state", "connection", pc.ConnectionID, "error", err.Error())
		return time.Time{}
	}
	byKey := map[string]store.PollObject{}
	for _, st := range states {
		byKey[st.Object] = st
	}
	lease := &leaseKeeper{s: s, connectionID: pc.ConnectionID, last: s.now()}
	native := s.ensureNative(ctx, conn, category, client)
	ctx = auth.ActAsProject(ctx, pc.ProjectID)
	for _, p := range s.pollables(category) {
		st, ok := byKey[p.key]
		if !ok {
			st = store.PollObject{ConnectionID: pc.ConnectionID, Object: p.key}
		}
		if st.Unsupported && s.now().Sub(st.LastPollTime) < 24*time.Hour {
			continue
		}
		// What the provider pushes is listed only to find deletions.
		if native[p.key] && st.BaselineDone && s.now().Sub(st.LastSweepTime) < s.opts.SweepInterval {
			continue
		}
		w := &objectPoll{s: s, p: p, conn: conn, endpoints: endpoints, lease: lease, client: client}
		st, retry := w.run(ctx, st)
		if err := s.store.PutPollObject(context.WithoutCancel(ctx), st); err != nil {
			s.logger.WarnContext(ctx, "poll: save state", "connection", pc.ConnectionID, "object", p.key, "error", err.Error())
		}
		if !retry.IsZero() {
			span.SetStatus(otelcodes.Error, st.LastError)
			return retry
		}
		if ctx.Err() != nil || lease.lost {
			return time.Time{}
		}
	}
	return time.Time{}
}

// leaseKeeper extends a poll lease while a long listing runs.
type leaseKeeper struct {
	s            *Service
	connectionID string
	last         time.Time
	lost         bool
}

func (l *leaseKeeper) keep(ctx context.Context) bool {
	if l.lost {
		return false
	}
	if l.s.now().Sub(l.last) < pollLease/3 {
		return true
	}
	ok, err := l.s.store.ExtendPoll(ctx, l.connectionID, l.s.owner, l.s.now().Add(pollLease))
	if err != nil || !ok {
		l.lost = true
		return false
	}
	l.last = l.s.now()
	return true
}

// objectPoll polls one object of one connection.
type objectPoll struct {
	s         *Service
	p         pollable
	conn      store.Connection
	endpoints []store.WebhookEndpoint
	lease     *leaseKeeper
	client    grpc.ClientConnInterface
}

// run lists the object — everything on a sweep (the first poll, and every
// SweepInterval, to find deletions), else what changed since the cursor —
// and applies each record. It returns the new state and, when the poll
// must wait (rate limit, re-auth), when to try again.
func (w *objectPoll) run(ctx context.Context, st store.PollObject) (store.PollObject, time.Time) {
	s := w.s
	start := s.now().UTC()
	sweep := !st.BaselineDone || start.Sub(st.LastSweepTime) >= s.opts.SweepInterval
	gen := st.SweepGen
	if sweep {
		gen++
	}
	var since time.Time
	if !sweep {
		since = st.Cursor
	}
	baseline := !st.BaselineDone
	token := ""
	listed := 0
	for {
		if !w.lease.keep(ctx) {
			return st, time.Time{}
		}
		items, next, err := w.list(ctx, since, token)
		if err != nil {
			return w.failed(st, start, err)
		}
		listed += len(items)
		if err := w.applyPage(ctx, items, gen, sweep, baseline); err != nil {
			st.LastError = "could not record changes"
			s.logger.WarnContext(ctx, "poll: apply", "connection", w.conn.ID, "object", w.p.key, "error", err.Error())
			return st, time.Time{}
		}
		if next == "" {
			break
		}
		token = next
	}
	if sweep && !baseline {
		if err := w.sweepDeleted(ctx, gen); err != nil {
			st.LastError = "could not record deletions"
			s.logger.WarnContext(ctx, "poll: sweep", "connection", w.conn.ID, "object", w.p.key, "error", err.Error())
			return st, time.Time{}
		}
	}
	if baseline && listed >= analyzeAfter {
		if err := s.store.AnalyzeFingerprints(ctx); err != nil {
			s.logger.WarnContext(ctx, "poll: analyze", "error", err.Error())
		}
	}
	if sweep {
		st.SweepGen, st.LastSweepTime, st.BaselineDone = gen, start, true
	}
	st.Cursor, st.LastPollTime, st.LastError, st.Unsupported = start.Add(-pollOverlap), start, "", false
	return st, time.Time{}
}

// failed records a failed listing and says when to try again.
func (w *objectPoll) failed(st store.PollObject, start time.Time, err error) (store.PollObject, time.Time) {
	st.LastPollTime = start
	st.LastError = status.Convert(err).Message()
	switch reason := apierr.Reason(err); {
	case status.Code(err) == codes.Unimplemented || reason == apierr.ReasonOperationNotSupported:
		st.Unsupported, st.LastError = true, ""
		return st, time.Time{}
	case reason == apierr.ReasonProviderRateLimited || reason == apierr.ReasonRateLimited:
		wait, ok := apierr.RetryDelay(err)
		if !ok {
			wait = time.Minute
		}
		return st, w.s.now().Add(2 * wait)
	case reason == apierr.ReasonConnectionNeedsReauth || reason == apierr.ReasonConnectionDisabled ||
		reason == apierr.ReasonCategoryMismatch || reason == apierr.ReasonConnectionNotFound:
		return st, w.s.now().Add(w.s.opts.PollInterval)
	}
	w.s.logger.Warn("poll failed", "connection", w.conn.ID, "object", w.p.key, "reason", apierr.Reason(err))
	return st, time.Time{}
}

// list calls the category service's List method for one page.
func (w *objectPoll) list(ctx context.Context, since time.Time, token string) ([]protoreflect.Message, string, error) {
	req := w.p.req.New()
	fields := req.Descriptor().Fields()
	req.Set(fields.ByName("connection"), protoreflect.ValueOfString(w.conn.ID))
	req.Set(fields.ByName("page_size"), protoreflect.ValueOfInt32(200))
	if token != "" {
		req.Set(fields.ByName("page_token"), protoreflect.ValueOfString(token))
	}
	if !since.IsZero() {
		req.Set(fields.ByName("modified_since"), protoreflect.ValueOfMessage(timestamppb.New(since).ProtoReflect()))
	}
	resp := w.p.resp.New()
	if err := w.client.Invoke(ctx, w.p.method, req.Interface(), resp.Interface()); err != nil {
		return nil, "", err
	}
	list := resp.Get(w.p.items).List()
	items := make([]protoreflect.Message, list.Len())
	for i := range items {
		items[i] = list.Get(i).Message()
	}
	return items, resp.Get(w.p.next).String(), nil
}

func recordIDOf(m protoreflect.Message) string {
	return m.Get(m.Descriptor().Fields().ByName("id")).String()
}

// applyPage compares one page of records with what is known: on a
// baseline it stores their fingerprints silently (or as created events,
// with EmitBackfill); else each new or changed record becomes an event.
func (w *objectPoll) applyPage(ctx context.Context, items []protoreflect.Message, gen int64, sweep, baseline bool) error {
	s := w.s
	if len(items) == 0 {
		return nil
	}
	ids := make([]string, len(items))
	hashes := make([][]byte, len(items))
	for i, it := range items {
		ids[i] = recordIDOf(it)
		h, err := Fingerprint(it.Interface())
		if err != nil {
			return err
		}
		hashes[i] = h
	}
	if baseline && !s.opts.EmitBackfill {
		fps := make([]store.Fingerprint, len(items))
		for i := range items {
			fps[i] = store.Fingerprint{RecordID: ids[i], Hash: hashes[i]}
		}
		return s.store.PutFingerprints(ctx, w.conn.ID, w.p.key, fps, gen)
	}
	known, err := s.store.KnownFingerprints(ctx, w.conn.ID, w.p.key, ids)
	if err != nil {
		return err
	}
	var seen []string
	for i, it := range items {
		if old, ok := known[ids[i]]; ok && string(old) == string(hashes[i]) {
			seen = append(seen, ids[i])
			continue
		}
		g := int64(-1)
		if sweep {
			g = gen
		}
		c := recordChange{projectID: w.conn.ProjectID, connectionID: w.conn.ID, integration: w.conn.Integration,
			object: w.p.key, recordID: ids[i], rec: it.Interface(), source: platformv1.EventSource_EVENT_SOURCE_POLL, sweepGen: g}
		if _, err := s.apply(ctx, c, w.endpoints); err != nil {
			return err
		}
	}
	if sweep {
		return s.store.MarkSeen(ctx, w.conn.ID, w.p.key, seen, gen)
	}
	return nil
}

// sweepDeleted turns the records a full listing did not see into deleted events.
func (w *objectPoll) sweepDeleted(ctx context.Context, gen int64) error {
	for {
		gone, err := w.s.store.Unseen(ctx, w.conn.ID, w.p.key, gen, 500)
		if err != nil || len(gone) == 0 {
			return err
		}
		for _, id := range gone {
			c := recordChange{projectID: w.conn.ProjectID, connectionID: w.conn.ID, integration: w.conn.Integration,
				object: w.p.key, recordID: id, source: platformv1.EventSource_EVENT_SOURCE_POLL}
			if _, err := w.s.apply(ctx, c, w.endpoints); err != nil {
				return err
			}
		}
	}
}
