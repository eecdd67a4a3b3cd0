package connector

import (
	"context"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"time"

	"google.golang.org/genproto/googleapis/api/annotations"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/unimesh/unimesh/pkg/apierr"
	"github.com/unimesh/unimesh/pkg/auth"
	"github.com/unimesh/unimesh/pkg/pagetoken"
	"github.com/unimesh/unimesh/pkg/providerhttp"
	meshv1 "github.com/unimesh/unimesh/proto/unimesh/mesh/v1"
	platformv1 "github.com/unimesh/unimesh/proto/unimesh/platform/v1"
)

// Page sizes of every List method (AIP-158).
const (
	DefaultPageSize = 50
	MaxPageSize     = 200
)

// Registered is one connector of a category.
type Registered[C any] struct {
	Descriptor *Descriptor
	Impl       C
}

// Runtime serves one category's unified API over its connectors: it
// resolves the connection, picks its connector, builds the provider client
// and dispatches the operation.
type Runtime[C any] struct {
	category   platformv1.Category
	name       string
	connectors map[string]Registered[C]
	order      []string
	resolver   *Resolver
	http       *providerhttp.Factory
	logger     *slog.Logger
	changes    ChangeSink
}

// NewRuntime builds the runtime of a category from its connectors.
func NewRuntime[C any](category platformv1.Category, resolver *Resolver, factory *providerhttp.Factory, logger *slog.Logger, connectors ...Registered[C]) (*Runtime[C], error) {
	rt := &Runtime[C]{
		category:   category,
		name:       strings.ToLower(strings.TrimPrefix(category.String(), "CATEGORY_")),
		connectors: map[string]Registered[C]{},
		resolver:   resolver,
		http:       factory,
		logger:     logger,
	}
	for _, c := range connectors {
		if c.Descriptor.Category != category {
			return nil, fmt.Errorf("connector %s is a %s connector, not %s", c.Descriptor.Slug, c.Descriptor.Category, category)
		}
		if _, dup := rt.connectors[c.Descriptor.Slug]; dup {
			return nil, fmt.Errorf("two %s connectors for %s", rt.name, c.Descriptor.Slug)
		}
		rt.connectors[c.Descriptor.Slug] = c
		rt.order = append(rt.order, c.Descriptor.Slug)
	}
	return rt, nil
}

// Entries describes the connectors for the catalog.
func Entries[C any](category platformv1.Category, connectors ...Registered[C]) []Entry {
	out := make([]Entry, 0, len(connectors))
	for _, c := range connectors {
		out = append(out, Entry{Descriptor: c.Descriptor, Objects: Capabilities(category, c.Impl)})
	}
	return out
}

// Call is one operation on one connection.
type Call[C any] struct {
	Conn       *Conn
	Impl       C
	Descriptor *Descriptor
}

// Begin resolves the connection for the caller's project and readies its connector.
func (rt *Runtime[C]) Begin(ctx context.Context, connectionID string) (*Call[C], error) {
	p, ok := auth.FromContext(ctx)
	if !ok {
		return nil, apierr.New(codes.Unauthenticated, apierr.ReasonUnauthenticated, "no caller")
	}
	live, err := rt.resolver.Resolve(ctx, p.ProjectID, connectionID)
	if err != nil {
		return nil, err
	}
	conn := live.Connection
	if err := Usable(connectionID, conn.GetStatus()); err != nil {
		return nil, err
	}
	reg, ok := rt.connectors[conn.GetIntegration()]
	if !ok {
		return nil, apierr.New(codes.FailedPrecondition, apierr.ReasonCategoryMismatch,
			fmt.Sprintf("connection %s is to %s, which serves no %s API here", connectionID, conn.GetIntegration(), rt.name),
			"connection", connectionID, "integration", conn.GetIntegration())
	}
	base, err := reg.Descriptor.ResolveBaseURL(conn.GetConfig())
	if err != nil {
		return nil, apierr.New(codes.FailedPrecondition, apierr.ReasonProviderError,
			fmt.Sprintf("connection %s: %v", connectionID, err))
	}
	authorize, err := reg.Descriptor.Auth(live.Credentials)
	if err != nil {
		return nil, err
	}
	hooks := reg.Descriptor.Hooks
	projectID, prev := p.ProjectID, hooks.OnUnauthorized
	hooks.OnUnauthorized = func(ctx context.Context, detail string) {
		if prev != nil {
			prev(ctx, detail)
		}
		if err := rt.resolver.ReportAuthFailure(context.WithoutCancel(ctx), projectID, connectionID, detail); err != nil {
			rt.logger.WarnContext(ctx, "could not mark connection as needing re-auth", "connection", connectionID, "error", err.Error())
		}
	}
	if live.Refreshable {
		// Every 401 names the token this call started with: connect renews
		// only if it still holds that one, else hands out the newer token.
		refused := live.Credentials.GetOauth2().GetAccessToken()
		hooks.Reauthorize = func(ctx context.Context) (providerhttp.Authorizer, error) {
			fresh, err := rt.resolver.Refresh(ctx, projectID, connectionID, refused)
			if err != nil {
				return nil, err
			}
			if err := Usable(connectionID, fresh.Connection.GetStatus()); err != nil {
				return nil, err
			}
			return reg.Descriptor.Auth(fresh.Credentials)
		}
	}
	client, err := rt.http.Client(reg.Descriptor.Slug, base, authorize, hooks)
	if err != nil {
		return nil, err
	}
	return &Call[C]{
		Conn: &Conn{
			ID: connectionID, ProjectID: p.ProjectID, Integration: reg.Descriptor.Slug,
			Config: conn.GetConfig(), HTTP: client,
		},
		Impl:       reg.Impl,
		Descriptor: reg.Descriptor,
	}, nil
}

// Usable says why a connection in status st cannot serve calls: it needs
// its end user to connect again, or it is disabled. nil when it can.
func Usable(connectionID string, st platformv1.ConnectionStatus) error {
	switch st {
	case platformv1.ConnectionStatus_CONNECTION_STATUS_NEEDS_REAUTH:
		return apierr.New(codes.FailedPrecondition, apierr.ReasonConnectionNeedsReauth,
			fmt.Sprintf("connection %s needs its end user to connect again", connectionID), "connection", connectionID)
	case platformv1.ConnectionStatus_CONNECTION_STATUS_DISABLED:
		return apierr.New(codes.FailedPrecondition, apierr.ReasonConnectionDisabled,
			fmt.Sprintf("connection %s is disabled", connectionID), "connection", connectionID)
	}
	return nil
}

// ListRequest is what every generated List request message offers.
type ListRequest interface {
	proto.Message
	GetConnection() string
	GetPageSize() int32
	GetPageToken() string
	GetModifiedSince() *timestamppb.Timestamp
	GetIncludeRaw() bool
}

// List serves a List method.
func List[T proto.Message, C any](ctx context.Context, rt *Runtime[C], req ListRequest, object string, pick func(C) Object[T]) ([]T, string, error) {
	call, err := rt.Begin(ctx, req.GetConnection())
	if err != nil {
		return nil, "", err
	}
	op := pick(call.Impl).List
	if op == nil {
		return nil, "", apierr.Unimplemented(call.Descriptor.Slug, "list "+object)
	}
	filters := listFilters(req)
	scope := []string{rt.name, object, req.GetConnection()}
	var since time.Time
	if ms := req.GetModifiedSince(); ms != nil {
		since = ms.AsTime()
		scope = append(scope, "since="+since.Format(time.RFC3339Nano))
	}
	keys := make([]string, 0, len(filters))
	for k := range filters {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		scope = append(scope, k+"="+filters[k])
	}
	tokenScope := pagetoken.Scope(scope...)
	cursor, err := pagetoken.Decode(tokenScope, req.GetPageToken())
	if err != nil {
		return nil, "", err
	}
	size := int(req.GetPageSize())
	switch {
	case size == 0:
		size = DefaultPageSize
	case size > MaxPageSize:
		size = MaxPageSize
	}
	page, err := op(ctx, call.Conn, ListParams{
		PageSize: size, Cursor: cursor, ModifiedSince: since, IncludeRaw: req.GetIncludeRaw(), Filters: filters,
	})
	if err != nil {
		return nil, "", err
	}
	if !req.GetIncludeRaw() {
		for _, item := range page.Items {
			clearField(item, "raw")
		}
	}
	return page.Items, pagetoken.Encode(tokenScope, page.NextCursor), nil
}

// Get serves a Get method.
func Get[T proto.Message, C any](ctx context.Context, rt *Runtime[C], connection, id string, includeRaw bool, object string, pick func(C) Object[T]) (T, error) {
	var zero T
	call, err := rt.Begin(ctx, connection)
	if err != nil {
		return zero, err
	}
	op := pick(call.Impl).Get
	if op == nil {
		return zero, apierr.Unimplemented(call.Descriptor.Slug, "get "+object)
	}
	rec, err := op(ctx, call.Conn, id, GetParams{IncludeRaw: includeRaw})
	if err != nil {
		return zero, err
	}
	if !includeRaw {
		clearField(rec, "raw")
	}
	return rec, nil
}

// Create serves a Create method. Output-only fields of the record are
// dropped before the connector sees it.
func Create[T proto.Message, C any](ctx context.Context, rt *Runtime[C], connection string, record T, object string, pick func(C) Object[T]) (T, error) {
	var zero T
	call, err := rt.Begin(ctx, connection)
	if err != nil {
		return zero, err
	}
	op := pick(call.Impl).Create
	if op == nil {
		return zero, apierr.Unimplemented(call.Descriptor.Slug, "create "+object)
	}
	clearOutputOnly(record, true)
	rec, err := op(ctx, call.Conn, record)
	if err != nil {
		return zero, err
	}
	clearField(rec, "raw")
	rt.publish(ctx, call, object, meshv1.ChangeKind_CHANGE_KIND_CREATED, recordID(rec), rec)
	return rec, nil
}

// Update serves an Update method.
func Update[T proto.Message, C any](ctx context.Context, rt *Runtime[C], connection string, record T, mask *fieldmaskpb.FieldMask, object string, pick func(C) Object[T]) (T, error) {
	var zero T
	paths, err := UpdatePaths(record, mask)
	if err != nil {
		return zero, err
	}
	call, err := rt.Begin(ctx, connection)
	if err != nil {
		return zero, err
	}
	op := pick(call.Impl).Update
	if op == nil {
		return zero, apierr.Unimplemented(call.Descriptor.Slug, "update "+object)
	}
	clearOutputOnly(record, false)
	rec, err := op(ctx, call.Conn, record, paths)
	if err != nil {
		return zero, err
	}
	clearField(rec, "raw")
	rt.publish(ctx, call, object, meshv1.ChangeKind_CHANGE_KIND_UPDATED, recordID(rec), rec)
	return rec, nil
}

// Delete serves a Delete method.
func Delete[T proto.Message, C any](ctx context.Context, rt *Runtime[C], connection, id string, object string, pick func(C) Object[T]) error {
	call, err := rt.Begin(ctx, connection)
	if err != nil {
		return err
	}
	op := pick(call.Impl).Delete
	if op == nil {
		return apierr.Unimplemented(call.Descriptor.Slug, "delete "+object)
	}
	if err := op(ctx, call.Conn, id); err != nil {
		return err
	}
	rt.publish(ctx, call, object, meshv1.ChangeKind_CHANGE_KIND_DELETED, id, nil)
	return nil
}

// recordID reads a record's id field.
func recordID(rec proto.Message) string {
	fd := rec.ProtoReflect().Descriptor().Fields().ByName("id")
	if fd == nil || fd.Kind() != protoreflect.StringKind {
		return ""
	}
	return rec.ProtoReflect().Get(fd).String()
}

// listFilters collects an object's own List filters: the request's string
// fields other than connection and page_token, when set.
func listFilters(req proto.Message) map[string]string {
	out := map[string]string{}
	m := req.ProtoReflect()
	m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		name := string(fd.Name())
		if fd.Kind() == protoreflect.StringKind && !fd.IsList() && name != "connection" && name != "page_token" && v.String() != "" {
			out[name] = v.String()
		}
		return true
	})
	return out
}

func clearField(m proto.Message, name protoreflect.Name) {
	r := m.ProtoReflect()
	if !r.IsValid() {
		return
	}
	if fd := r.Descriptor().Fields().ByName(name); fd != nil {
		r.Clear(fd)
	}
}

func behaviors(fd protoreflect.FieldDescriptor) []annotations.FieldBehavior {
	b, _ := proto.GetExtension(fd.Options(), annotations.E_FieldBehavior).([]annotations.FieldBehavior)
	return b
}

func hasBehavior(fd protoreflect.FieldDescriptor, want annotations.FieldBehavior) bool {
	for _, b := range behaviors(fd) {
		if b == want {
			return true
		}
	}
	return false
}

// clearOutputOnly drops the fields a client cannot set (and the id, when dropID).
func clearOutputOnly(m proto.Message, dropID bool) {
	r := m.ProtoReflect()
	fields := r.Descriptor().Fields()
	for i := 0; i < fields.Len(); i++ {
		fd := fields.Get(i)
		if hasBehavior(fd, annotations.FieldBehavior_OUTPUT_ONLY) || (dropID && hasBehavior(fd, annotations.FieldBehavior_IDENTIFIER)) {
			r.Clear(fd)
		}
	}
}

// UpdatePaths turns an update mask into the top-level proto field names to
// change (AIP-134). A missing or empty mask means the fields set in record;
// "*" means every writable field. Paths may use proto or JSON names; a
// nested path changes its top-level field. Output-only fields are ignored
// (a client may send back a record as it read it); unknown and immutable
// fields are refused.
func UpdatePaths(record proto.Message, mask *fieldmaskpb.FieldMask) ([]string, error) {
	r := record.ProtoReflect()
	md := r.Descriptor()
	writable := func(fd protoreflect.FieldDescriptor) bool {
		return !hasBehavior(fd, annotations.FieldBehavior_OUTPUT_ONLY) && !hasBehavior(fd, annotations.FieldBehavior_IDENTIFIER)
	}
	seen := map[string]bool{}
	var out []string
	add := func(fd protoreflect.FieldDescriptor) {
		if name := string(fd.Name()); !seen[name] {
			seen[name] = true
			out = append(out, name)
		}
	}
	var violations []apierr.FieldViolation
	switch {
	case len(mask.GetPaths()) == 0:
		r.Range(func(fd protoreflect.FieldDescriptor, _ protoreflect.Value) bool {
			if writable(fd) && !hasBehavior(fd, annotations.FieldBehavior_IMMUTABLE) {
				add(fd)
			}
			return true
		})
	case len(mask.GetPaths()) == 1 && mask.GetPaths()[0] == "*":
		fields := md.Fields()
		for i := 0; i < fields.Len(); i++ {
			if fd := fields.Get(i); writable(fd) && !hasBehavior(fd, annotations.FieldBehavior_IMMUTABLE) {
				add(fd)
			}
		}
	default:
		for _, p := range mask.GetPaths() {
			for part := range strings.SplitSeq(p, ",") {
				top, _, _ := strings.Cut(strings.TrimSpace(part), ".")
				fd := md.Fields().ByName(protoreflect.Name(top))
				if fd == nil {
					fd = md.Fields().ByJSONName(top)
				}
				switch {
				case fd == nil:
					violations = append(violations, apierr.FieldViolation{Field: "update_mask",
						Description: fmt.Sprintf("%s has no field %q", md.Name(), top), Reason: apierr.ReasonInvalidUpdateMask})
				case !writable(fd):
					// Ignored: output-only and identifying fields are not updated.
				case hasBehavior(fd, annotations.FieldBehavior_IMMUTABLE):
					violations = append(violations, apierr.FieldViolation{Field: "update_mask",
						Description: fmt.Sprintf("%s cannot change after it is created", fd.Name()), Reason: apierr.ReasonInvalidUpdateMask})
				default:
					add(fd)
				}
			}
		}
	}
	if len(violations) > 0 {
		return nil, apierr.InvalidArgument(apierr.ReasonInvalidUpdateMask, violations[0].Description, violations...)
	}
	if len(out) == 0 {
		return nil, apierr.InvalidArgument(apierr.ReasonInvalidUpdateMask, "nothing to update: set update_mask or send the fields to change",
			apierr.FieldViolation{Field: "update_mask", Description: "no writable field named or set", Reason: apierr.ReasonInvalidUpdateMask})
	}
	sort.Strings(out)
	return out, nil
}

// Custom serves a custom method (AIP-136) such as MoveApplication.
func Custom[Req proto.Message, Resp proto.Message, C any](ctx context.Context, rt *Runtime[C], connection, name string, req Req,
	pick func(C) func(context.Context, *Conn, Req) (Resp, error),
) (Resp, error) {
	var zero Resp
	call, err := rt.Begin(ctx, connection)
	if err != nil {
		return zero, err
	}
	op := pick(call.Impl)
	if op == nil {
		return zero, apierr.Unimplemented(call.Descriptor.Slug, name)
	}
	resp, err := op(ctx, call.Conn, req)
	if err != nil {
		return zero, err
	}
	clearField(resp, "raw")
	return resp, nil
}
