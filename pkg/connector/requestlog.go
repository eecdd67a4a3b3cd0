package connector

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"go.opentelemetry.io/otel/trace"
	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/unimesh/unimesh/pkg/apierr"
	"github.com/unimesh/unimesh/pkg/auth"
	meshv1 "github.com/unimesh/unimesh/proto/unimesh/mesh/v1"
	platformv1 "github.com/unimesh/unimesh/proto/unimesh/platform/v1"
)

// Metadata the gateway adds to a REST call, so that the request log shows
// the REST path the caller used rather than the gRPC method.
const (
	TransportHeader  = "x-unimesh-transport"
	HTTPMethodHeader = "x-unimesh-http-method"
	HTTPPathHeader   = "x-unimesh-http-path"
)

// RequestLog records the unified API calls made on each connection —
// method, path, status, latency, trace id; never a payload — and sends them
// to connect in batches. A category service is stateless, so connect keeps
// the log; recording never slows a call down: when connect lags, entries
// beyond the buffer are dropped.
type RequestLog struct {
	client meshv1.ConnectInternalServiceClient
	logger *slog.Logger

	pending queue[*meshv1.LoggedRequest]
}

// requestLogBuffer bounds the entries waiting to be sent.
const requestLogBuffer = 10000

// NewRequestLog returns a log sending to connect through client.
func NewRequestLog(client meshv1.ConnectInternalServiceClient, logger *slog.Logger) *RequestLog {
	return &RequestLog{client: client, logger: logger, pending: newQueue[*meshv1.LoggedRequest](requestLogBuffer)}
}

type connectionRequest interface{ GetConnection() string }

// Interceptor records every unary call whose request names a connection.
func (l *RequestLog) Interceptor() grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		start := time.Now()
		resp, err := handler(ctx, req)
		cr, ok := req.(connectionRequest)
		p, authed := auth.FromContext(ctx)
		if !ok || !authed || p.Internal || cr.GetConnection() == "" {
			return resp, err
		}
		st := status.Convert(err)
		entry := &platformv1.RequestLogEntry{
			Time: timestamppb.New(start), Transport: "grpc", Method: "POST", Path: info.FullMethod,
			Status: int32(apierr.HTTPStatus(st.Code())), Code: st.Code().String(), Reason: apierr.Reason(err),
			DurationMs: float64(time.Since(start).Microseconds()) / 1000,
		}
		if md, ok := metadata.FromIncomingContext(ctx); ok {
			if t := first(md, TransportHeader); t != "" {
				entry.Transport = t
				if m, path := first(md, HTTPMethodHeader), first(md, HTTPPathHeader); m != "" && path != "" {
					entry.Method, entry.Path = m, path
				}
			}
		}
		if sc := trace.SpanContextFromContext(ctx); sc.IsValid() {
			entry.TraceId = sc.TraceID().String()
		}
		l.add(&meshv1.LoggedRequest{ProjectId: p.ProjectID, ConnectionId: cr.GetConnection(), Entry: entry})
		return resp, err
	}
}

func first(md metadata.MD, key string) string {
	if v := md.Get(key); len(v) > 0 {
		return v[0]
	}
	return ""
}

func (l *RequestLog) add(r *meshv1.LoggedRequest) {
	// Sent every interval, or at once when 200 wait.
	if l.pending.add(r) >= 200 {
		l.pending.nudge()
	}
}

// Run sends the recorded calls every interval (or sooner when many wait)
// until ctx ends, then sends what is left.
func (l *RequestLog) Run(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
			l.Flush(fctx)
			cancel()
			return
		case <-t.C:
		case <-l.pending.kick:
		}
		l.Flush(ctx)
	}
}

// Flush sends what is recorded now.
func (l *RequestLog) Flush(ctx context.Context) {
	batch := l.pending.take()
	for len(batch) > 0 {
		n := min(len(batch), 500)
		if _, err := l.client.RecordRequests(ctx, &meshv1.RecordRequestsRequest{Requests: batch[:n]}); err != nil {
			l.logger.WarnContext(ctx, "request log not recorded", "entries", n, "error", err.Error())
		}
		batch = batch[n:]
	}
}

// queue is a bounded buffer of items waiting to be sent to another
// service, and the nudge that wakes its sender. Items beyond the bound are
// dropped: the callers record nothing a request must wait for.
type queue[T any] struct {
	mu    sync.Mutex
	items []T
	limit int
	kick  chan struct{}
}

func newQueue[T any](limit int) queue[T] {
	return queue[T]{limit: limit, kick: make(chan struct{}, 1)}
}

// add keeps item unless the queue is full, and returns how many wait.
func (q *queue[T]) add(item T) int {
	q.mu.Lock()
	defer q.mu.Unlock()
	if len(q.items) < q.limit {
		q.items = append(q.items, item)
	}
	return len(q.items)
}

// nudge wakes the sender.
func (q *queue[T]) nudge() {
	select {
	case q.kick <- struct{}{}:
	default:
	}
}

// take returns what waits and empties the queue.
func (q *queue[T]) take() []T {
	q.mu.Lock()
	defer q.mu.Unlock()
	items := q.items
	q.items = nil
	return items
}
