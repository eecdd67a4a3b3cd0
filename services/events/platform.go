package events

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"github.com/unimesh/unimesh/pkg/store"
	platformv1 "github.com/unimesh/unimesh/proto/unimesh/platform/v1"
)

// platformCursor names the reader of connect's platform events.
const platformCursor = "platform_events"

// platformLookback is how far behind its position the reader looks again:
// connect replicas commit events out of time order, and an event committed
// late must still be read. Event ids make a second reading harmless.
const platformLookback = time.Minute

// runPlatformEvents turns connect's platform events into webhook events
// (connection.created, connection.needs_reauth, connection.deleted, ...)
// and starts or ends a connection's polling with them.
func (s *Service) runPlatformEvents(ctx context.Context) {
	for {
		if err := s.readPlatformEvents(ctx); err != nil && ctx.Err() == nil {
			s.logger.WarnContext(ctx, "read platform events", "error", err.Error())
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(s.opts.Tick):
		}
	}
}

// readPlatformEvents reads what is new, if this replica holds the reader.
func (s *Service) readPlatformEvents(ctx context.Context) error {
	lease, err := s.store.ClaimCursor(ctx, platformCursor, s.owner, s.now(), s.now().Add(30*time.Second))
	if err != nil || !lease.Held {
		return err
	}
	from := time.UnixMicro(lease.Position).Add(-platformLookback)
	for {
		evs, err := s.store.PlatformEventsAfter(ctx, from, 500)
		if err != nil {
			return err
		}
		for _, pe := range evs {
			if err := s.platformEvent(ctx, pe); err != nil {
				return err
			}
		}
		if len(evs) > 0 {
			last := evs[len(evs)-1].OccurredTime
			if err := s.store.AdvanceCursor(ctx, platformCursor, s.owner, last.UnixMicro()); err != nil {
				return err
			}
			if len(evs) == 500 {
				if !last.After(from) {
					// 500 events in one microsecond: move on rather than loop.
					last = last.Add(time.Microsecond)
				}
				from = last
				continue
			}
		}
		return nil
	}
}

// platformEvent handles one platform event.
func (s *Service) platformEvent(ctx context.Context, pe store.PlatformEvent) error {
	if !strings.HasPrefix(pe.Type, "connection.") {
		return nil // operator events (an endpoint disabled) are not sent to the endpoints
	}
	var data map[string]any
	_ = json.Unmarshal([]byte(pe.Data), &data)
	integration, _ := data["integration"].(string)
	// Scheduling is also done by the poller's periodic sweep of projects, so
	// a failure here is logged, not retried: it must not hold up the events.
	switch pe.Type {
	case "connection.created", "connection.reconnected":
		if err := s.store.EnsurePollConnection(ctx, pe.ConnectionID, pe.ProjectID, s.now()); err != nil {
			s.logger.WarnContext(ctx, "schedule polling", "connection", pe.ConnectionID, "error", err.Error())
		}
	case "connection.deleted":
		if err := s.store.ForgetConnection(ctx, pe.ConnectionID); err != nil {
			s.logger.WarnContext(ctx, "forget connection", "connection", pe.ConnectionID, "error", err.Error())
		}
	}
	endpoints, err := s.enabledEndpoints(ctx, pe.ProjectID)
	if err != nil || len(endpoints) == 0 {
		return err
	}
	if data == nil {
		data = map[string]any{}
	}
	data["connection"] = pe.ConnectionID
	raw, err := json.Marshal(data)
	if err != nil {
		return err
	}
	// The platform event's id is the webhook event's: reading it twice
	// makes one event.
	ev := store.Event{ID: pe.ID, ProjectID: pe.ProjectID, Type: pe.Type, ConnectionID: pe.ConnectionID, Integration: integration,
		Source: int32(platformv1.EventSource_EVENT_SOURCE_PLATFORM), OccurredTime: pe.OccurredTime, CreateTime: s.now().UTC(), Data: string(raw)}
	made, err := s.store.AppendEvent(ctx, ev, s.deliveriesFor(endpoints, ev))
	if made {
		s.nudge()
	}
	return err
}
