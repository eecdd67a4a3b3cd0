package events

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/unimesh/unimesh/pkg/apierr"
	"github.com/unimesh/unimesh/pkg/auth"
	"github.com/unimesh/unimesh/pkg/connector"
	"github.com/unimesh/unimesh/pkg/pagetoken"
	"github.com/unimesh/unimesh/pkg/store"
	"github.com/unimesh/unimesh/pkg/webhook"
	platformv1 "github.com/unimesh/unimesh/proto/unimesh/platform/v1"
)

// Reasons of the events service's errors.
const (
	ReasonEndpointNotFound = "WEBHOOK_ENDPOINT_NOT_FOUND"
	ReasonEventNotFound    = "EVENT_NOT_FOUND"
	ReasonTooManyEndpoints = "TOO_MANY_WEBHOOK_ENDPOINTS"
	ReasonReplayTooOld     = "REPLAY_TOO_OLD"
)

// maxEndpoints bounds a project's endpoints: each event fans out to all.
const maxEndpoints = 20

func endpointProto(e store.WebhookEndpoint, now time.Time) *platformv1.WebhookEndpoint {
	p := &platformv1.WebhookEndpoint{
		Id: e.ID, Url: e.URL, Description: e.Description, EventTypes: e.EventTypes, Connections: e.Connections,
		Fields: e.Fields, Disabled: e.Disabled, DisabledReason: e.DisabledReason,
		CreateTime: timestamppb.New(e.CreateTime), UpdateTime: timestamppb.New(e.UpdateTime),
	}
	if len(e.PrevSealedSecret) > 0 && now.Before(e.PrevExpire) {
		p.PreviousSecretExpireTime = timestamppb.New(e.PrevExpire)
	}
	return p
}

func endpointNotFound(id string) error {
	return apierr.NotFound(ReasonEndpointNotFound, fmt.Sprintf("webhook endpoint %s not found", id), "webhook_endpoint", id)
}

func (s *Service) endpoint(ctx context.Context, projectID, id string) (store.WebhookEndpoint, error) {
	e, err := s.store.GetWebhookEndpoint(ctx, projectID, id)
	if errors.Is(err, store.ErrNotFound) {
		return e, endpointNotFound(id)
	}
	if err != nil {
		return e, s.internal(ctx, "read webhook endpoint", err)
	}
	return e, nil
}

// ListWebhookEndpoints implements platformv1.WebhookServiceServer.
func (s *Service) ListWebhookEndpoints(ctx context.Context, _ *platformv1.ListWebhookEndpointsRequest) (*platformv1.ListWebhookEndpointsResponse, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	all, err := s.store.ListWebhookEndpoints(ctx, p.ProjectID)
	if err != nil {
		return nil, s.internal(ctx, "list webhook endpoints", err)
	}
	resp := &platformv1.ListWebhookEndpointsResponse{}
	for _, e := range all {
		resp.WebhookEndpoints = append(resp.WebhookEndpoints, endpointProto(e, s.now()))
	}
	return resp, nil
}

// GetWebhookEndpoint implements platformv1.WebhookServiceServer.
func (s *Service) GetWebhookEndpoint(ctx context.Context, req *platformv1.GetWebhookEndpointRequest) (*platformv1.WebhookEndpoint, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	e, err := s.endpoint(ctx, p.ProjectID, req.GetId())
	if err != nil {
		return nil, err
	}
	return endpointProto(e, s.now()), nil
}

// CreateWebhookEndpoint implements platformv1.WebhookServiceServer.
func (s *Service) CreateWebhookEndpoint(ctx context.Context, req *platformv1.CreateWebhookEndpointRequest) (*platformv1.CreateWebhookEndpointResponse, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	existing, err := s.store.ListWebhookEndpoints(ctx, p.ProjectID)
	if err != nil {
		return nil, s.internal(ctx, "list webhook endpoints", err)
	}
	if len(existing) >= maxEndpoints {
		return nil, apierr.New(codes.FailedPrecondition, ReasonTooManyEndpoints,
			fmt.Sprintf("a project has at most %d webhook endpoints; delete one first", maxEndpoints))
	}
	in := req.GetWebhookEndpoint()
	id := auth.NewID("whe_")
	secret := webhook.NewSecret()
	keyID, sealed, err := s.keyring.Seal([]byte(secret), secretOwner(id))
	if err != nil {
		return nil, s.internal(ctx, "seal signing secret", err)
	}
	now := s.now().UTC()
	e := store.WebhookEndpoint{ID: id, ProjectID: p.ProjectID, URL: in.GetUrl(), Description: in.GetDescription(),
		EventTypes: in.GetEventTypes(), Connections: in.GetConnections(), Fields: in.GetFields(), Disabled: in.GetDisabled(),
		KeyID: keyID, SealedSecret: sealed, CreateTime: now, UpdateTime: now}
	if e.Disabled {
		e.DisabledReason = "disabled by the project"
	}
	if err := s.store.CreateWebhookEndpoint(ctx, e); err != nil {
		return nil, s.internal(ctx, "create webhook endpoint", err)
	}
	s.logger.InfoContext(ctx, "webhook endpoint created", "endpoint", id, "project", p.ProjectID)
	// Polling starts for the project's connections now that events have somewhere to go.
	s.schedulePolling(ctx, p.ProjectID)
	return &platformv1.CreateWebhookEndpointResponse{WebhookEndpoint: endpointProto(e, now), SigningSecret: secret}, nil
}

// UpdateWebhookEndpoint implements platformv1.WebhookServiceServer.
func (s *Service) UpdateWebhookEndpoint(ctx context.Context, req *platformv1.UpdateWebhookEndpointRequest) (*platformv1.WebhookEndpoint, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	in := req.GetWebhookEndpoint()
	paths, err := connector.UpdatePaths(in, req.GetUpdateMask())
	if err != nil {
		return nil, err
	}
	e, err := s.endpoint(ctx, p.ProjectID, in.GetId())
	if err != nil {
		return nil, err
	}
	for _, path := range paths {
		switch path {
		case "url":
			if in.GetUrl() == "" {
				return nil, apierr.InvalidArgument(apierr.ReasonInvalidArgument, "url cannot be empty",
					apierr.FieldViolation{Field: "webhook_endpoint.url", Description: "required"})
			}
			e.URL = in.GetUrl()
		case "description":
			e.Description = in.GetDescription()
		case "event_types":
			e.EventTypes = in.GetEventTypes()
		case "connections":
			e.Connections = in.GetConnections()
		case "fields":
			e.Fields = in.GetFields()
		case "disabled":
			if in.GetDisabled() != e.Disabled {
				e.Disabled = in.GetDisabled()
				e.DisabledReason = ""
				if e.Disabled {
					e.DisabledReason = "disabled by the project"
				}
				// A re-enabled endpoint starts with a clean record.
				e.FailingSince = time.Time{}
			}
		}
	}
	e.UpdateTime = s.now().UTC()
	if err := s.store.UpdateWebhookEndpoint(ctx, e); errors.Is(err, store.ErrNotFound) {
		return nil, endpointNotFound(e.ID)
	} else if err != nil {
		return nil, s.internal(ctx, "update webhook endpoint", err)
	}
	if !e.Disabled {
		s.schedulePolling(ctx, p.ProjectID)
	}
	return endpointProto(e, s.now()), nil
}

// DeleteWebhookEndpoint implements platformv1.WebhookServiceServer.
func (s *Service) DeleteWebhookEndpoint(ctx context.Context, req *platformv1.DeleteWebhookEndpointRequest) (*emptypb.Empty, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	if err := s.store.DeleteWebhookEndpoint(ctx, p.ProjectID, req.GetId()); errors.Is(err, store.ErrNotFound) {
		return nil, endpointNotFound(req.GetId())
	} else if err != nil {
		return nil, s.internal(ctx, "delete webhook endpoint", err)
	}
	return &emptypb.Empty{}, nil
}

// defaultOverlap is how long a rotated secret keeps signing by default.
const defaultOverlap = 24 * time.Hour

// RotateWebhookSecret implements platformv1.WebhookServiceServer.
func (s *Service) RotateWebhookSecret(ctx context.Context, req *platformv1.RotateWebhookSecretRequest) (*platformv1.RotateWebhookSecretResponse, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	e, err := s.endpoint(ctx, p.ProjectID, req.GetId())
	if err != nil {
		return nil, err
	}
	overlap := defaultOverlap
	if req.GetOverlap() != nil {
		overlap = req.GetOverlap().AsDuration()
	}
	secret := webhook.NewSecret()
	keyID, sealed, err := s.keyring.Seal([]byte(secret), secretOwner(e.ID))
	if err != nil {
		return nil, s.internal(ctx, "seal signing secret", err)
	}
	now := s.now().UTC()
	e.PrevKeyID, e.PrevSealedSecret, e.PrevExpire = e.KeyID, e.SealedSecret, now.Add(overlap)
	if overlap == 0 {
		e.PrevKeyID, e.PrevSealedSecret, e.PrevExpire = "", nil, time.Time{}
	}
	e.KeyID, e.SealedSecret, e.UpdateTime = keyID, sealed, now
	if err := s.store.UpdateWebhookEndpoint(ctx, e); err != nil {
		return nil, s.internal(ctx, "rotate signing secret", err)
	}
	s.logger.InfoContext(ctx, "webhook signing secret rotated", "endpoint", e.ID, "overlap", overlap.String())
	return &platformv1.RotateWebhookSecretResponse{WebhookEndpoint: endpointProto(e, now), SigningSecret: secret}, nil
}

// listCursor is the position a page token carries: create time and id.
func encodeCursor(scope string, t time.Time, id string) string {
	return pagetoken.Encode(scope, fmt.Sprintf("%d/%s", t.UnixMicro(), id))
}

func decodeCursor(scope, token string) (*store.Cursor, error) {
	raw, err := pagetoken.Decode(scope, token)
	if err != nil || raw == "" {
		return nil, err
	}
	ts, id, ok := strings.Cut(raw, "/")
	var micros int64
	if _, err := fmt.Sscan(ts, &micros); !ok || err != nil {
		return nil, apierr.InvalidArgument(apierr.ReasonInvalidPageToken, "invalid page token")
	}
	return &store.Cursor{CreateTime: time.UnixMicro(micros).UTC(), ID: id}, nil
}

func pageSize(n int32) int {
	if n <= 0 {
		return 50
	}
	return int(min(n, 200))
}

// ListWebhookDeliveries implements platformv1.WebhookServiceServer.
func (s *Service) ListWebhookDeliveries(ctx context.Context, req *platformv1.ListWebhookDeliveriesRequest) (*platformv1.ListWebhookDeliveriesResponse, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := s.endpoint(ctx, p.ProjectID, req.GetEndpoint()); err != nil {
		return nil, err
	}
	scope := pagetoken.Scope("deliveries", p.ProjectID, req.GetEndpoint(), req.GetState().String(), req.GetEvent())
	before, err := decodeCursor(scope, req.GetPageToken())
	if err != nil {
		return nil, err
	}
	size := pageSize(req.GetPageSize())
	ds, err := s.store.ListDeliveries(ctx, p.ProjectID, req.GetEndpoint(), store.DeliveryFilter{State: int32(req.GetState()), EventID: req.GetEvent()}, before, size+1)
	if err != nil {
		return nil, s.internal(ctx, "list deliveries", err)
	}
	resp := &platformv1.ListWebhookDeliveriesResponse{}
	if len(ds) > size {
		ds = ds[:size]
		last := ds[len(ds)-1]
		resp.NextPageToken = encodeCursor(scope, last.CreateTime, last.ID)
	}
	for _, d := range ds {
		dp := &platformv1.WebhookDelivery{Id: d.ID, Endpoint: d.EndpointID, Event: d.EventID, EventType: d.EventType,
			State: platformv1.DeliveryState(d.State), CreateTime: timestamppb.New(d.CreateTime)}
		if d.State == store.DeliveryPending {
			dp.NextAttemptTime = timestamppb.New(d.NextAttemptTime)
		} else if !d.CompleteTime.IsZero() {
			dp.CompleteTime = timestamppb.New(d.CompleteTime)
		}
		for _, a := range d.AttemptLog {
			dp.Attempts = append(dp.Attempts, &platformv1.DeliveryAttempt{AttemptTime: timestamppb.New(a.Time),
				HttpStatus: int32(a.HTTPStatus), Latency: durationpb.New(a.Latency), Error: a.Error})
		}
		resp.Deliveries = append(resp.Deliveries, dp)
	}
	return resp, nil
}

// replayLimit bounds the events one replay sends.
const replayLimit = 10000

// ReplayEvents implements platformv1.WebhookServiceServer.
func (s *Service) ReplayEvents(ctx context.Context, req *platformv1.ReplayEventsRequest) (*platformv1.ReplayEventsResponse, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	e, err := s.endpoint(ctx, p.ProjectID, req.GetEndpoint())
	if err != nil {
		return nil, err
	}
	if e.Disabled {
		return nil, apierr.New(codes.FailedPrecondition, apierr.ReasonInvalidArgument,
			fmt.Sprintf("webhook endpoint %s is disabled (%s): enable it first", e.ID, e.DisabledReason))
	}
	now := s.now().UTC()
	var events []store.Event
	if id := req.GetEvent(); id != "" {
		ev, err := s.store.GetEvent(ctx, p.ProjectID, id)
		if errors.Is(err, store.ErrNotFound) {
			return nil, apierr.NotFound(ReasonEventNotFound, fmt.Sprintf("event %s not found", id), "event", id)
		}
		if err != nil {
			return nil, s.internal(ctx, "read event", err)
		}
		events = append(events, ev)
	} else {
		since := req.GetSince().AsTime()
		if now.Sub(since) > eventRetention {
			return nil, apierr.InvalidArgument(ReasonReplayTooOld, "events are kept for 30 days: since must be later",
				apierr.FieldViolation{Field: "since", Description: "at most 30 days ago"})
		}
		var before *store.Cursor
		for len(events) < replayLimit {
			page, err := s.store.ListEvents(ctx, p.ProjectID, store.EventFilter{Since: since}, before, 500)
			if err != nil {
				return nil, s.internal(ctx, "list events", err)
			}
			for _, ev := range page {
				if s.wants(e, ev.Type, ev.ConnectionID) {
					events = append(events, ev)
				}
			}
			if len(page) < 500 {
				break
			}
			last := page[len(page)-1]
			before = &store.Cursor{CreateTime: last.CreateTime, ID: last.ID}
		}
		// Oldest first, so a receiver sees them roughly in order.
		slices.Reverse(events)
	}
	ds := make([]store.Delivery, 0, len(events))
	for _, ev := range events {
		ds = append(ds, store.Delivery{ID: auth.NewID("whd_"), ProjectID: p.ProjectID, EndpointID: e.ID, EventID: ev.ID,
			EventType: ev.Type, NextAttemptTime: now, CreateTime: now})
	}
	if err := s.store.AddDeliveries(ctx, ds); err != nil {
		return nil, s.internal(ctx, "replay", err)
	}
	s.nudge()
	return &platformv1.ReplayEventsResponse{DeliveryCount: int32(len(ds))}, nil
}

// ListEvents implements platformv1.WebhookServiceServer.
func (s *Service) ListEvents(ctx context.Context, req *platformv1.ListEventsRequest) (*platformv1.ListEventsResponse, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	f := store.EventFilter{ConnectionID: req.GetConnection()}
	switch t := req.GetType(); {
	case t == "" || t == "*":
	case strings.HasSuffix(t, ".*"):
		f.TypePrefix = strings.TrimSuffix(t, "*")
	default:
		f.Type = t
	}
	if req.GetSince() != nil {
		f.Since = req.GetSince().AsTime()
	}
	scope := pagetoken.Scope("events", p.ProjectID, req.GetType(), req.GetConnection(), f.Since.String())
	before, err := decodeCursor(scope, req.GetPageToken())
	if err != nil {
		return nil, err
	}
	size := pageSize(req.GetPageSize())
	evs, err := s.store.ListEvents(ctx, p.ProjectID, f, before, size+1)
	if err != nil {
		return nil, s.internal(ctx, "list events", err)
	}
	resp := &platformv1.ListEventsResponse{}
	if len(evs) > size {
		evs = evs[:size]
		last := evs[len(evs)-1]
		resp.NextPageToken = encodeCursor(scope, last.CreateTime, last.ID)
	}
	for _, ev := range evs {
		pe, err := eventProto(ev, nil)
		if err != nil {
			return nil, s.internal(ctx, "render event", err)
		}
		resp.Events = append(resp.Events, pe)
	}
	return resp, nil
}

// GetEvent implements platformv1.WebhookServiceServer.
func (s *Service) GetEvent(ctx context.Context, req *platformv1.GetEventRequest) (*platformv1.Event, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	ev, err := s.store.GetEvent(ctx, p.ProjectID, req.GetId())
	if errors.Is(err, store.ErrNotFound) {
		return nil, apierr.NotFound(ReasonEventNotFound, fmt.Sprintf("event %s not found", req.GetId()), "event", req.GetId())
	}
	if err != nil {
		return nil, s.internal(ctx, "read event", err)
	}
	pe, err := eventProto(ev, nil)
	if err != nil {
		return nil, s.internal(ctx, "render event", err)
	}
	return pe, nil
}

func (s *Service) pollingProto(ctx context.Context, connectionID string) (*platformv1.ConnectionPolling, error) {
	pc, err := s.store.GetPollConnection(ctx, connectionID)
	if err != nil {
		return nil, err
	}
	out := &platformv1.ConnectionPolling{Connection: connectionID, Disabled: pc.Disabled, NextPollTime: timestamppb.New(pc.NextPollTime)}
	if pc.Interval > 0 {
		out.Interval = durationpb.New(pc.Interval)
	}
	objs, err := s.store.PollObjects(ctx, connectionID)
	if err != nil {
		return nil, err
	}
	for _, o := range objs {
		n, err := s.store.CountFingerprints(ctx, connectionID, o.Object)
		if err != nil {
			return nil, err
		}
		po := &platformv1.PolledObject{Object: o.Object, BaselineDone: o.BaselineDone, RecordCount: n, LastError: o.LastError}
		if o.Unsupported {
			po.LastError = "the provider does not offer this list"
		}
		if !o.LastPollTime.IsZero() && o.LastPollTime.Unix() > 0 {
			po.LastPollTime = timestamppb.New(o.LastPollTime)
		}
		if !o.LastSweepTime.IsZero() && o.LastSweepTime.Unix() > 0 {
			po.LastSweepTime = timestamppb.New(o.LastSweepTime)
		}
		out.Objects = append(out.Objects, po)
	}
	return out, nil
}

// projectConnection checks that a connection is the caller's and makes sure it has a schedule.
func (s *Service) projectConnection(ctx context.Context, projectID, connectionID string) error {
	_, err := s.store.GetConnection(ctx, projectID, connectionID)
	if errors.Is(err, store.ErrNotFound) {
		return apierr.NotFound(apierr.ReasonConnectionNotFound, fmt.Sprintf("connection %s not found", connectionID), "connection", connectionID)
	}
	if err != nil {
		return s.internal(ctx, "read connection", err)
	}
	if err := s.store.EnsurePollConnection(ctx, connectionID, projectID, s.now()); err != nil {
		return s.internal(ctx, "schedule polling", err)
	}
	return nil
}

// GetConnectionPolling implements platformv1.WebhookServiceServer.
func (s *Service) GetConnectionPolling(ctx context.Context, req *platformv1.GetConnectionPollingRequest) (*platformv1.ConnectionPolling, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	if err := s.projectConnection(ctx, p.ProjectID, req.GetConnection()); err != nil {
		return nil, err
	}
	out, err := s.pollingProto(ctx, req.GetConnection())
	if err != nil {
		return nil, s.internal(ctx, "read polling", err)
	}
	return out, nil
}

// UpdateConnectionPolling implements platformv1.WebhookServiceServer.
func (s *Service) UpdateConnectionPolling(ctx context.Context, req *platformv1.UpdateConnectionPollingRequest) (*platformv1.ConnectionPolling, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	in := req.GetPolling()
	paths, err := connector.UpdatePaths(in, req.GetUpdateMask())
	if err != nil {
		return nil, err
	}
	if err := s.projectConnection(ctx, p.ProjectID, in.GetConnection()); err != nil {
		return nil, err
	}
	pc, err := s.store.GetPollConnection(ctx, in.GetConnection())
	if err != nil {
		return nil, s.internal(ctx, "read polling", err)
	}
	for _, path := range paths {
		switch path {
		case "interval":
			pc.Interval = in.GetInterval().AsDuration()
		case "disabled":
			pc.Disabled = in.GetDisabled()
		}
	}
	// The new interval counts from now.
	next := s.now()
	if err := s.store.SetPollSettings(ctx, in.GetConnection(), pc.Interval, pc.Disabled, next); err != nil {
		return nil, s.internal(ctx, "update polling", err)
	}
	out, err := s.pollingProto(ctx, in.GetConnection())
	if err != nil {
		return nil, s.internal(ctx, "read polling", err)
	}
	return out, nil
}
