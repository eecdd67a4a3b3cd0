package connect

import (
	"context"
	"errors"
	"strconv"
	"time"

	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/unimesh/unimesh/pkg/apierr"
	"github.com/unimesh/unimesh/pkg/pagetoken"
	"github.com/unimesh/unimesh/pkg/store"
	meshv1 "github.com/unimesh/unimesh/proto/unimesh/mesh/v1"
	platformv1 "github.com/unimesh/unimesh/proto/unimesh/platform/v1"
)

// requestLogAge is how long the request log keeps an entry.
const requestLogAge = 7 * 24 * time.Hour

// RecordRequests implements the mesh-internal RPC. Entries whose
// connection is not the named project's are dropped.
func (s *Service) RecordRequests(ctx context.Context, req *meshv1.RecordRequestsRequest) (*emptypb.Empty, error) {
	owners := map[string]bool{}
	var rows []store.LoggedRequest
	for _, r := range req.GetRequests() {
		key := r.GetProjectId() + "/" + r.GetConnectionId()
		ok, seen := owners[key]
		if !seen {
			_, err := s.store.GetConnection(ctx, r.GetProjectId(), r.GetConnectionId())
			ok = err == nil
			owners[key] = ok
		}
		if !ok {
			continue
		}
		e := r.GetEntry()
		rows = append(rows, store.LoggedRequest{
			ConnectionID: r.GetConnectionId(), Time: e.GetTime().AsTime(), Transport: clip(e.GetTransport(), 16),
			Method: clip(e.GetMethod(), 16), Path: clip(e.GetPath(), 512), Status: e.GetStatus(), Code: clip(e.GetCode(), 32),
			Reason: clip(e.GetReason(), 64), Duration: time.Duration(e.GetDurationMs() * float64(time.Millisecond)), TraceID: clip(e.GetTraceId(), 32),
		})
	}
	if err := s.store.AppendRequests(ctx, rows, s.now().Add(-requestLogAge)); err != nil {
		return nil, s.internal(ctx, "record requests", err)
	}
	return &emptypb.Empty{}, nil
}

// ListConnectionRequests implements platformv1.ConnectionServiceServer.
func (s *Service) ListConnectionRequests(ctx context.Context, req *platformv1.ListConnectionRequestsRequest) (*platformv1.ListConnectionRequestsResponse, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := s.store.GetConnection(ctx, p.ProjectID, req.GetConnection()); errors.Is(err, store.ErrNotFound) {
		return nil, connectionNotFound(req.GetConnection())
	} else if err != nil {
		return nil, s.internal(ctx, "read connection", err)
	}
	scope := pagetoken.Scope("connection_requests", p.ProjectID, req.GetConnection())
	raw, err := pagetoken.Decode(scope, req.GetPageToken())
	if err != nil {
		return nil, err
	}
	var before int64
	if raw != "" {
		if before, err = strconv.ParseInt(raw, 10, 64); err != nil {
			return nil, apierr.InvalidArgument(apierr.ReasonInvalidPageToken, "page_token is not a token this API issued")
		}
	}
	size := pageSize(req.GetPageSize())
	rows, err := s.store.ListRequests(ctx, req.GetConnection(), before, size+1)
	if err != nil {
		return nil, s.internal(ctx, "list requests", err)
	}
	resp := &platformv1.ListConnectionRequestsResponse{}
	for i, r := range rows {
		if i == size {
			resp.NextPageToken = pagetoken.Encode(scope, strconv.FormatInt(rows[size-1].ID, 10))
			break
		}
		resp.Requests = append(resp.Requests, &platformv1.RequestLogEntry{
			Time: timestamppb.New(r.Time), Transport: r.Transport, Method: r.Method, Path: r.Path, Status: r.Status,
			Code: r.Code, Reason: r.Reason, DurationMs: float64(r.Duration.Microseconds()) / 1000, TraceId: r.TraceID,
		})
	}
	return resp, nil
}
