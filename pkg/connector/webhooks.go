package connector

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"reflect"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/anypb"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/unimesh/unimesh/pkg/apierr"
	"github.com/unimesh/unimesh/pkg/auth"
	meshv1 "github.com/unimesh/unimesh/proto/unimesh/mesh/v1"
	platformv1 "github.com/unimesh/unimesh/proto/unimesh/platform/v1"
)

// Webhooks is what a connector whose provider pushes change notifications
// does with them. Most providers subscribe per connection: Unimesh gives
// the provider a URL naming the connection and a secret of its own, and the
// provider presents the secret (basic auth) or signs with it. Some (HubSpot)
// tie webhooks to the OAuth app instead: one target URL per app, set by the
// app's developer, deliveries signed with the app's client secret and
// carrying the events of every account that installed the app.
type Webhooks struct {
	// AppLevel says the webhooks belong to the OAuth app: Subscribe and
	// Unsubscribe are nil, deliveries come to /webhooks/apps/{integration}/
	// {project}, and Read keeps what concerns its connection.
	AppLevel bool
	// Subscribe asks the provider to send the connection's changes to
	// target, presenting secret; it returns what Unsubscribe needs.
	Subscribe func(ctx context.Context, c *Conn, target, secret string) (state string, err error)
	// Unsubscribe ends a subscription.
	Unsubscribe func(ctx context.Context, c *Conn, state string) error
	// Read verifies one delivery against secret (returning ErrWebhookRefused
	// when it fails) and reads the changes it tells of for c.
	Read func(ctx context.Context, c *Conn, d Delivery, secret string) ([]Notice, error)
	// Objects are the unified objects the notifications cover ("contact").
	Objects []string
}

// Delivery is one webhook request as the provider sent it.
type Delivery struct {
	Method string
	// URL is the URL the provider called, as it may have signed it.
	URL    string
	Header http.Header
	Body   []byte
}

// Notice is one change a provider's delivery tells of: which record, and
// whether it is gone. The record itself is read through Get, so that a
// change seen natively, by polling or by a write has one normalized form.
type Notice struct {
	Object   string
	RecordID string
	Kind     meshv1.ChangeKind
}

// ErrWebhookRefused means a delivery failed verification.
var ErrWebhookRefused = errors.New("webhook delivery failed verification")

// ReasonWebhookRefused is the reason of a delivery that failed verification.
const ReasonWebhookRefused = "WEBHOOK_VERIFICATION_FAILED"

// WebhookServer serves meshv1.CategoryInternalService over a runtime: the
// events service's calls about native webhooks.
type WebhookServer[C any] struct {
	meshv1.UnimplementedCategoryInternalServiceServer
	rt *Runtime[C]
}

// NewWebhookServer returns the server over rt.
func NewWebhookServer[C any](rt *Runtime[C]) *WebhookServer[C] { return &WebhookServer[C]{rt: rt} }

// Register adds the service to a gRPC server.
func (s *WebhookServer[C]) Register(g *grpc.Server) {
	meshv1.RegisterCategoryInternalServiceServer(g, s)
}

// begin resolves a connection for the events service, which acts for the
// connection's project.
func (s *WebhookServer[C]) begin(ctx context.Context, projectID, connectionID string) (context.Context, *Call[C], *Webhooks, error) {
	ctx = auth.NewContext(ctx, &auth.Principal{ProjectID: projectID, Internal: true,
		Scopes: []platformv1.Scope{platformv1.Scope_SCOPE_WRITE}})
	call, err := s.rt.Begin(ctx, connectionID)
	if err != nil {
		return ctx, nil, nil, err
	}
	w := call.Descriptor.Webhooks
	if w == nil || w.Read == nil {
		return ctx, nil, nil, apierr.Unimplemented(call.Descriptor.Slug, "native webhooks")
	}
	return ctx, call, w, nil
}

// SubscribeWebhooks implements meshv1.CategoryInternalServiceServer.
func (s *WebhookServer[C]) SubscribeWebhooks(ctx context.Context, req *meshv1.SubscribeWebhooksRequest) (*meshv1.SubscribeWebhooksResponse, error) {
	ctx, call, w, err := s.begin(ctx, req.GetProjectId(), req.GetConnectionId())
	if err != nil {
		return nil, err
	}
	if w.Subscribe == nil {
		// App-level webhooks: nothing to subscribe per connection.
		return nil, apierr.Unimplemented(call.Descriptor.Slug, "per-connection webhook subscriptions")
	}
	state, err := w.Subscribe(ctx, call.Conn, req.GetTargetUrl(), req.GetSecret())
	if err != nil {
		return nil, err
	}
	return &meshv1.SubscribeWebhooksResponse{State: state, Objects: w.Objects}, nil
}

// UnsubscribeWebhooks implements meshv1.CategoryInternalServiceServer.
func (s *WebhookServer[C]) UnsubscribeWebhooks(ctx context.Context, req *meshv1.UnsubscribeWebhooksRequest) (*emptypb.Empty, error) {
	ctx, call, w, err := s.begin(ctx, req.GetProjectId(), req.GetConnectionId())
	if err != nil {
		return nil, err
	}
	if w.Unsubscribe != nil {
		if err := w.Unsubscribe(ctx, call.Conn, req.GetState()); err != nil {
			return nil, err
		}
	}
	return &emptypb.Empty{}, nil
}

// ReadWebhook implements meshv1.CategoryInternalServiceServer.
func (s *WebhookServer[C]) ReadWebhook(ctx context.Context, req *meshv1.ReadWebhookRequest) (*meshv1.ReadWebhookResponse, error) {
	ctx, call, w, err := s.begin(ctx, req.GetProjectId(), req.GetConnectionId())
	if err != nil {
		return nil, err
	}
	h := http.Header{}
	for _, kv := range req.GetHeaders() {
		h.Add(kv.GetName(), kv.GetValue())
	}
	notices, err := w.Read(ctx, call.Conn, Delivery{Method: req.GetMethod(), URL: req.GetUrl(), Header: h, Body: req.GetBody()}, req.GetSecret())
	if errors.Is(err, ErrWebhookRefused) {
		return nil, apierr.New(codes.Unauthenticated, ReasonWebhookRefused, "the delivery failed verification")
	}
	if err != nil {
		return nil, apierr.InvalidArgument(apierr.ReasonInvalidArgument, "the delivery cannot be read: "+err.Error())
	}
	resp := &meshv1.ReadWebhookResponse{}
	now := timestamppb.Now()
	for _, n := range notices {
		c := &meshv1.RecordChange{ProjectId: req.GetProjectId(), ConnectionId: req.GetConnectionId(), Integration: call.Conn.Integration,
			Category: s.rt.name, Object: n.Object, Kind: n.Kind, RecordId: n.RecordID, OccurTime: now}
		if n.Kind != meshv1.ChangeKind_CHANGE_KIND_DELETED {
			rec, err := getByName(ctx, call, n.Object, n.RecordID)
			switch {
			case status.Code(err) == codes.NotFound:
				// Gone again by the time it is read: a deletion.
				c.Kind = meshv1.ChangeKind_CHANGE_KIND_DELETED
			case status.Code(err) == codes.Unimplemented:
				continue // an object the connector cannot read one by one
			case err != nil:
				return nil, err
			default:
				a, err := anypb.New(rec)
				if err != nil {
					return nil, apierr.Internal("encode record")
				}
				c.Record = a
			}
		}
		resp.Changes = append(resp.Changes, c)
	}
	return resp, nil
}

// getByName reads one record of the object named like the catalog names
// it ("contact"), through the connector's Get.
func getByName[C any](ctx context.Context, call *Call[C], object, id string) (proto.Message, error) {
	v := reflect.ValueOf(call.Impl)
	if v.Kind() == reflect.Pointer {
		v = v.Elem()
	}
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		if !t.Field(i).IsExported() || ObjectName(t.Field(i).Name) != object {
			continue
		}
		get := v.Field(i).FieldByName("Get")
		if !get.IsValid() || get.IsNil() {
			break
		}
		out := get.Call([]reflect.Value{reflect.ValueOf(ctx), reflect.ValueOf(call.Conn), reflect.ValueOf(id), reflect.ValueOf(GetParams{})})
		if err, _ := out[1].Interface().(error); err != nil {
			return nil, err
		}
		rec := out[0].Interface().(proto.Message)
		clearField(rec, "raw")
		return rec, nil
	}
	return nil, apierr.Unimplemented(call.Descriptor.Slug, fmt.Sprintf("get %s", object))
}
