package connector

import (
	"context"
	"log/slog"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/anypb"
	"google.golang.org/protobuf/types/known/timestamppb"

	meshv1 "github.com/unimesh/unimesh/proto/unimesh/mesh/v1"
)

// ChangeSink is told of every record written through the unified API.
type ChangeSink interface {
	Publish(ctx context.Context, change *meshv1.RecordChange)
}

// ChangePublisher sends the changes written through a category service to
// the events service, so their events go out at once and the next poll
// knows them. It never slows a write down: changes are sent by a
// background loop as soon as they come, and when the events service is
// away they are dropped after a few tries — polling still finds them,
// only later.
type ChangePublisher struct {
	client meshv1.EventsInternalServiceClient
	logger *slog.Logger

	pending queue[*meshv1.RecordChange]
}

// changeBuffer bounds the changes waiting to be sent.
const changeBuffer = 10000

// NewChangePublisher returns a publisher sending through client.
func NewChangePublisher(client meshv1.EventsInternalServiceClient, logger *slog.Logger) *ChangePublisher {
	return &ChangePublisher{client: client, logger: logger, pending: newQueue[*meshv1.RecordChange](changeBuffer)}
}

// Publish implements ChangeSink.
func (p *ChangePublisher) Publish(_ context.Context, c *meshv1.RecordChange) {
	p.pending.add(c)
	p.pending.nudge()
}

// Run sends changes as they come until ctx ends, then sends what is left.
func (p *ChangePublisher) Run(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
			p.Flush(fctx)
			cancel()
			return
		case <-p.pending.kick:
		}
		p.Flush(ctx)
	}
}

// Flush sends what is waiting now, trying each batch three times.
func (p *ChangePublisher) Flush(ctx context.Context) {
	batch := p.pending.take()
	for len(batch) > 0 {
		n := min(len(batch), 500)
		var err error
		for try := 0; try < 3; try++ {
			if try > 0 {
				select {
				case <-ctx.Done():
					return
				case <-time.After(time.Duration(try) * 200 * time.Millisecond):
				}
			}
			if _, err = p.client.PublishChanges(ctx, &meshv1.PublishChangesRequest{Changes: batch[:n]}); err == nil {
				break
			}
		}
		if err != nil {
			p.logger.WarnContext(ctx, "changes not published; polling will find them", "changes", n, "error", err.Error())
		}
		batch = batch[n:]
	}
}

// publish tells the runtime's sink of a write, if it has one.
func (rt *Runtime[C]) publish(ctx context.Context, call *Call[C], object string, kind meshv1.ChangeKind, id string, rec proto.Message) {
	if rt.changes == nil {
		return
	}
	c := &meshv1.RecordChange{
		ProjectId: call.Conn.ProjectID, ConnectionId: call.Conn.ID, Integration: call.Conn.Integration,
		Category: rt.name, Object: object, Kind: kind, RecordId: id, OccurTime: timestamppb.Now(),
	}
	if rec != nil {
		a, err := anypb.New(rec)
		if err != nil {
			rt.logger.WarnContext(ctx, "change not published", "object", object, "error", err.Error())
			return
		}
		c.Record = a
	}
	rt.changes.Publish(ctx, c)
}

// SetChanges makes the runtime tell sink of every write.
func (rt *Runtime[C]) SetChanges(sink ChangeSink) { rt.changes = sink }
