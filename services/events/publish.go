package events

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/structpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/unimesh/unimesh/pkg/auth"
	"github.com/unimesh/unimesh/pkg/store"
	meshv1 "github.com/unimesh/unimesh/proto/unimesh/mesh/v1"
	platformv1 "github.com/unimesh/unimesh/proto/unimesh/platform/v1"
)

// Fingerprint hashes a record's normalized form. Deterministic marshaling
// gives equal records equal bytes within one build; a new field in the
// unified model changes every fingerprint once, which then reads as an
// update of each record — true, as the normalized record did change.
func Fingerprint(rec proto.Message) ([]byte, error) {
	b, err := proto.MarshalOptions{Deterministic: true}.Marshal(rec)
	if err != nil {
		return nil, fmt.Errorf("fingerprint: %w", err)
	}
	sum := sha256.Sum256(b)
	// 128 bits: collisions between two states of one record are out of reach.
	return sum[:16], nil
}

// recordJSON renders a record as the REST API does (lowerCamelCase names).
var recordJSON = protojson.MarshalOptions{UseProtoNames: false}

// recordData is the data of a record event.
func recordData(object, id string, rec proto.Message) (string, error) {
	data := map[string]any{"object": object, "id": id}
	if rec != nil {
		b, err := recordJSON.Marshal(rec)
		if err != nil {
			return "", fmt.Errorf("render record: %w", err)
		}
		data["record"] = json.RawMessage(b)
	}
	b, err := json.Marshal(data)
	if err != nil {
		return "", fmt.Errorf("render event data: %w", err)
	}
	return string(b), nil
}

// kindName is the last word of an event type.
func kindName(kind int) string {
	switch kind {
	case store.ChangeCreated:
		return "created"
	case store.ChangeUpdated:
		return "updated"
	case store.ChangeDeleted:
		return "deleted"
	}
	return ""
}

// Matches reports whether an event type is selected by an endpoint's
// patterns: "*", "crm.*", "crm.contact.*" or an exact type; no patterns
// select everything.
func Matches(patterns []string, eventType string) bool {
	if len(patterns) == 0 {
		return true
	}
	for _, p := range patterns {
		switch {
		case p == "*" || p == eventType:
			return true
		case strings.HasSuffix(p, ".*") && strings.HasPrefix(eventType, strings.TrimSuffix(p, "*")):
			return true
		}
	}
	return false
}

func (s *Service) wants(e store.WebhookEndpoint, eventType, connectionID string) bool {
	if e.Disabled || !Matches(e.EventTypes, eventType) {
		return false
	}
	if len(e.Connections) == 0 || connectionID == "" {
		return true
	}
	for _, c := range e.Connections {
		if c == connectionID {
			return true
		}
	}
	return false
}

// deliveriesFor makes a pending delivery of ev to each endpoint that wants it.
func (s *Service) deliveriesFor(endpoints []store.WebhookEndpoint, ev store.Event) []store.Delivery {
	var out []store.Delivery
	for _, e := range endpoints {
		// An endpoint gets what happens once it exists, not history (that is
		// what a replay is for).
		if !s.wants(e, ev.Type, ev.ConnectionID) || e.CreateTime.After(ev.OccurredTime) {
			continue
		}
		out = append(out, store.Delivery{ID: auth.NewID("whd_"), ProjectID: ev.ProjectID, EndpointID: e.ID, EventID: ev.ID,
			EventType: ev.Type, NextAttemptTime: ev.CreateTime, CreateTime: ev.CreateTime})
	}
	return out
}

// enabledEndpoints lists a project's endpoints that take deliveries.
func (s *Service) enabledEndpoints(ctx context.Context, projectID string) ([]store.WebhookEndpoint, error) {
	all, err := s.store.ListWebhookEndpoints(ctx, projectID)
	if err != nil {
		return nil, err
	}
	out := all[:0]
	for _, e := range all {
		if !e.Disabled {
			out = append(out, e)
		}
	}
	return out, nil
}

// recordChange is one record's new state as seen by a poll, a native
// webhook or a write through Unimesh.
type recordChange struct {
	projectID, connectionID, integration string
	// object is "<category>.<object>", e.g. "crm.contact".
	object   string
	recordID string
	rec      proto.Message // nil: deleted
	// kind forces the event type (a write knows what it did); zero lets
	// the fingerprint store decide.
	kind     int
	source   platformv1.EventSource
	occurred time.Time
	// silent stores the state without an event (a baseline).
	silent   bool
	sweepGen int64
}

// apply stores a record's state and, when it is news, its event with a
// delivery to each endpoint that wants it — in one transaction.
func (s *Service) apply(ctx context.Context, c recordChange, endpoints []store.WebhookEndpoint) (int, error) {
	var hash []byte
	if c.rec != nil {
		h, err := Fingerprint(c.rec)
		if err != nil {
			return 0, err
		}
		hash = h
	}
	category, object, _ := strings.Cut(c.object, ".")
	data, err := recordData(object, c.recordID, c.rec)
	if err != nil {
		return 0, err
	}
	now := s.now().UTC()
	occurred := c.occurred
	if occurred.IsZero() {
		occurred = now
	}
	made := false
	kind, err := s.store.ApplyChange(ctx, store.RecordChange{ConnectionID: c.connectionID, Object: c.object, RecordID: c.recordID,
		Hash: hash, SweepGen: c.sweepGen}, func(found int) (store.Event, []store.Delivery, bool) {
		if c.silent {
			return store.Event{}, nil, false
		}
		k := found
		if c.kind != 0 {
			k = c.kind
		}
		ev := store.Event{ID: auth.NewID("evt_"), ProjectID: c.projectID, Type: category + "." + object + "." + kindName(k),
			ConnectionID: c.connectionID, Integration: c.integration, Source: int32(c.source), OccurredTime: occurred,
			CreateTime: now, Data: data}
		ds := s.deliveriesFor(endpoints, ev)
		made = len(ds) > 0
		return ev, ds, true
	})
	if made {
		s.nudge()
	}
	return kind, err
}

// PublishChanges implements meshv1.EventsInternalServiceServer.
func (s *Service) PublishChanges(ctx context.Context, req *meshv1.PublishChangesRequest) (*emptypb.Empty, error) {
	endpoints := map[string][]store.WebhookEndpoint{}
	for _, c := range req.GetChanges() {
		eps, ok := endpoints[c.GetProjectId()]
		if !ok {
			var err error
			if eps, err = s.enabledEndpoints(ctx, c.GetProjectId()); err != nil {
				return nil, s.internal(ctx, "list endpoints", err)
			}
			endpoints[c.GetProjectId()] = eps
		}
		// A project with nowhere to send events keeps no record of changes.
		if len(eps) == 0 {
			continue
		}
		rc, ok := meshChange(c, platformv1.EventSource_EVENT_SOURCE_UNIMESH)
		if !ok {
			s.logger.WarnContext(ctx, "change without a readable record", "type", c.GetRecord().GetTypeUrl())
			continue
		}
		if _, err := s.apply(ctx, rc, eps); err != nil {
			return nil, s.internal(ctx, "record change", err)
		}
	}
	return &emptypb.Empty{}, nil
}

// eventProto renders a stored event for the API and for deliveries,
// keeping only the record fields in keep (and the id) when keep is set.
func eventProto(e store.Event, keep []string) (*platformv1.Event, error) {
	var data map[string]any
	if err := json.Unmarshal([]byte(e.Data), &data); err != nil {
		return nil, fmt.Errorf("event %s: %w", e.ID, err)
	}
	if rec, ok := data["record"].(map[string]any); ok && len(keep) > 0 {
		trimmed := map[string]any{}
		for _, f := range append([]string{"id"}, keep...) {
			if v, ok := rec[f]; ok {
				trimmed[f] = v
			}
		}
		data["record"] = trimmed
	}
	st, err := structpb.NewStruct(data)
	if err != nil {
		return nil, fmt.Errorf("event %s: %w", e.ID, err)
	}
	return &platformv1.Event{Id: e.ID, Type: e.Type, Connection: e.ConnectionID, Integration: e.Integration,
		OccurTime: timestamppb.New(e.OccurredTime), Source: platformv1.EventSource(e.Source), Data: st}, nil
}
