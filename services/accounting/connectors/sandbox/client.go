package sandbox

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"

	"github.com/unimesh/unimesh/pkg/apierr"
	"github.com/unimesh/unimesh/pkg/connector"
	"github.com/unimesh/unimesh/pkg/normalize"
	"github.com/unimesh/unimesh/pkg/providerhttp"
	"github.com/unimesh/unimesh/pkg/sandboxapi"
)

// resource is how one Sandbox Ledger resource maps to one unified object.
// (sandboxapi.Object builds all five operations and maps only the top
// level of field names in errors; the unified accounting API offers fewer
// operations on most objects, and its documents have lines.)
type resource[W any, T connector.Record] struct {
	path   string
	object string // the unified object's name, for errors
	ops    string // the unified operations offered: some of "LGCUD"
	read   func(W) T
	write  connector.Fields[T]
	// wire maps Sandbox Ledger's field paths in its validation errors to
	// unified ones; "[]" stands for any index, as in "lines[].qty".
	wire map[string]string
	// defaults fills in, on a copy of a record to create, what the unified
	// API leaves to defaults and Sandbox Ledger requires.
	defaults func(T)
}

func (r resource[W, T]) build() connector.Object[T] {
	var o connector.Object[T]
	has := func(op byte) bool { return strings.IndexByte(r.ops, op) >= 0 }
	if has('L') {
		o.List = func(ctx context.Context, c *connector.Conn, p connector.ListParams) (connector.Page[T], error) {
			return sandboxapi.ListPage(ctx, c, r.path, p, nil, r.read)
		}
	}
	if has('G') {
		o.Get = func(ctx context.Context, c *connector.Conn, id string, p connector.GetParams) (T, error) {
			return sandboxapi.GetOne(ctx, c, r.path, id, p, r.read)
		}
	}
	if has('C') {
		o.Create = r.create
	}
	if has('U') {
		o.Update = r.update
	}
	if has('D') {
		o.Delete = func(ctx context.Context, c *connector.Conn, id string) error {
			return r.refusal(sandboxapi.Delete(ctx, c, r.path, id))
		}
	}
	return o
}

func (r resource[W, T]) create(ctx context.Context, c *connector.Conn, rec T) (T, error) {
	var zero T
	if r.defaults != nil {
		rec = proto.Clone(rec).(T)
		r.defaults(rec)
	}
	body, err := r.write.Body(rec, nil, r.object, Slug)
	if err != nil {
		return zero, err
	}
	it, err := sandboxapi.Create[W](ctx, c, r.path, body)
	if err != nil {
		return zero, r.refusal(err)
	}
	return r.read(it.Rec), nil
}

func (r resource[W, T]) update(ctx context.Context, c *connector.Conn, rec T, mask []string) (T, error) {
	var zero T
	body, err := r.write.Body(rec, mask, r.object, Slug)
	if err != nil {
		return zero, err
	}
	it, err := sandboxapi.Patch[W](ctx, c, r.path, rec.GetId(), body)
	if err != nil {
		return zero, r.refusal(err)
	}
	return r.read(it.Rec), nil
}

// refusal rewrites Sandbox Ledger's refusals of a write: a validation
// failure becomes field violations of the unified fields; a conflict (such
// as deleting an invoice that is not a draft) becomes FAILED_PRECONDITION
// with the ledger's reason. Other errors pass as they are.
func (r resource[W, T]) refusal(err error) error {
	var pe *providerhttp.Error
	if !errors.As(err, &pe) {
		return err
	}
	switch pe.Response.StatusCode {
	case http.StatusConflict:
		return apierr.New(codes.FailedPrecondition, apierr.ReasonProviderRejected,
			fmt.Sprintf("Sandbox Ledger refused to change the %s: %s", r.object, sandboxapi.Describe(pe.Response)),
			"integration", Slug, "provider_status", strconv.Itoa(pe.Response.StatusCode))
	case http.StatusBadRequest, http.StatusUnprocessableEntity:
		return fieldErrors(pe, r.object, r.wire)
	}
	return err
}

// fieldErrors turns the ledger's field errors into the unified API's
// INVALID_ARGUMENT, naming the unified fields under object.
func fieldErrors(pe *providerhttp.Error, object string, wire map[string]string) error {
	var body sandboxapi.ErrorBody
	if json.Unmarshal(pe.Response.Body, &body) != nil || len(body.Error.Errors) == 0 {
		return pe
	}
	var vs []apierr.FieldViolation
	for _, fe := range body.Error.Errors {
		path := object
		if unified, ok := unifiedField(wire, fe.Field); ok {
			path += "." + unified
		}
		vs = append(vs, apierr.FieldViolation{Field: path, Description: fe.Message, Reason: apierr.ReasonProviderRejected})
	}
	return apierr.InvalidArgument(apierr.ReasonProviderRejected,
		fmt.Sprintf("Sandbox Ledger rejected the %s: %s", object, body.Error.Message), vs...)
}

var indexRe = regexp.MustCompile(`\[[0-9]+\]`)

// unifiedField maps a ledger field path such as "lines[2].qty" with wire:
// the longest mapped prefix of its pattern ("lines[].qty", then "lines[]",
// then "lines") is replaced, its indexes kept: "line_items[2].quantity".
func unifiedField(wire map[string]string, field string) (string, bool) {
	pattern := indexRe.ReplaceAllString(field, "[]")
	indexes := indexRe.FindAllString(field, -1)
	for end := len(pattern); end > 0; end-- {
		if end < len(pattern) && pattern[end] != '.' && pattern[end] != '[' {
			continue
		}
		unified, ok := wire[pattern[:end]]
		if !ok {
			continue
		}
		out := unified + pattern[end:]
		for _, ix := range indexes {
			out = strings.Replace(out, "[]", ix, 1)
		}
		return out, true
	}
	return "", false
}

// nest adds to top the mapping of a list's element fields: nest(m,
// "lines[]", "line_items[]", {"qty": "quantity"}) maps "lines[].qty" to
// "line_items[].quantity".
func nest(top map[string]string, from, to string, fields map[string]string) map[string]string {
	out := make(map[string]string, len(top)+len(fields))
	for k, v := range top {
		out[k] = v
	}
	for k, v := range fields {
		out[from+"."+k] = to + "." + v
	}
	return out
}

// --- references ---------------------------------------------------------------

// idFormat is the shape of one kind of Sandbox Ledger id, checked before a
// write so that a wrong id is refused with the field that holds it.
type idFormat struct {
	re      *regexp.Regexp
	example string
}

var (
	partyIDs   = idFormat{regexp.MustCompile(`^pty_[0-9]{6,}$`), "pty_000042"}
	taxRateIDs = idFormat{regexp.MustCompile(`^txr_[0-9]+$`), "txr_1"}
	invoiceIDs = idFormat{regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`), "a UUID"}
)

// ref checks an optional reference: nil for none, to clear it.
func (f idFormat) ref(field, id string) (*string, error) {
	if id == "" {
		return nil, nil
	}
	if !f.re.MatchString(id) {
		return nil, connector.BadField(field, "%q is not an id of this provider (such as %s)", id, f.example)
	}
	return &id, nil
}

// set writes an optional reference under key: the id, or null.
func (f idFormat) set(b map[string]any, key, field, id string) error {
	v, err := f.ref(field, id)
	if v == nil {
		b[key] = nil
	} else {
		b[key] = *v
	}
	return err
}

// setRequired writes a reference the ledger requires: "" leaves it for the
// ledger to refuse.
func (f idFormat) setRequired(b map[string]any, key, field, id string) error {
	_, err := f.ref(field, id)
	b[key] = id
	return err
}

// setNumber writes a numeric reference the ledger requires (0 when empty,
// for the ledger to refuse).
func setNumber(b map[string]any, key, field, id string) error {
	n, err := connector.IntID(field, id)
	if n == nil {
		b[key] = 0
	} else {
		b[key] = *n
	}
	return err
}

// within returns the object under key of a request body, creating it, so
// that several unified fields can write into one nested ledger object.
func within(b map[string]any, key string) map[string]any {
	m, ok := b[key].(map[string]any)
	if !ok {
		m = map[string]any{}
		b[key] = m
	}
	return m
}

// putSet writes a string only when it is not empty.
func putSet(b map[string]any, key, v string) {
	if v != "" {
		b[key] = v
	}
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// --- singletons -------------------------------------------------------------------

// getSingleton reads a resource that has no id, such as /v1/company.
// (sandboxapi.GetOne always reads <path>/<id>.)
func getSingleton[W any, T connector.Record](ctx context.Context, c *connector.Conn, path string, p connector.GetParams, read func(W) T) (T, error) {
	var zero T
	var env struct {
		Data json.RawMessage `json:"data"`
	}
	if err := c.HTTP.JSON(ctx, http.MethodGet, path, nil, nil, &env); err != nil {
		return zero, err
	}
	var rec W
	if err := json.Unmarshal(env.Data, &rec); err != nil {
		return zero, apierr.New(codes.Unavailable, apierr.ReasonProviderError, Slug+" answered a record that does not decode", "integration", Slug)
	}
	out := read(rec)
	if p.IncludeRaw {
		connector.SetRaw(out, normalize.RawStruct(env.Data))
	}
	return out, nil
}
