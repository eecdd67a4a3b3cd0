package sandboxapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"google.golang.org/grpc/codes"

	"github.com/unimesh/unimesh/pkg/apierr"
	"github.com/unimesh/unimesh/pkg/connector"
	"github.com/unimesh/unimesh/pkg/providerhttp"
)

// Item is one record as the provider sent it: decoded, and as raw JSON for
// the unified record's raw field.
type Item[T any] struct {
	Rec T
	Raw json.RawMessage
}

type listEnvelope[D any] struct {
	Data []D  `json:"data"`
	Meta Meta `json:"meta"`
}

type oneEnvelope struct {
	Data json.RawMessage `json:"data"`
}

func decodeItem[T any](integration string, raw json.RawMessage) (Item[T], error) {
	var rec T
	if err := json.Unmarshal(raw, &rec); err != nil {
		return Item[T]{}, apierr.New(codes.Unavailable, apierr.ReasonProviderError,
			integration+" answered a record that does not decode", "integration", integration)
	}
	return Item[T]{Rec: rec, Raw: raw}, nil
}

// List reads one page of a resource. The unified page size is capped at
// the dialect's 100; the connector passes the cursor back and forth as is.
func List[T any](ctx context.Context, c *connector.Conn, path string, p connector.ListParams, filters url.Values) ([]Item[T], string, error) {
	q := url.Values{}
	for k, vs := range filters {
		q[k] = vs
	}
	q.Set("limit", strconv.Itoa(min(max(p.PageSize, 1), MaxLimit)))
	if p.Cursor != "" {
		q.Set("cursor", p.Cursor)
	}
	if !p.ModifiedSince.IsZero() {
		q.Set("updated_since", p.ModifiedSince.UTC().Format(time.RFC3339Nano))
	}
	var (
		items []Item[T]
		meta  Meta
	)
	if p.IncludeRaw {
		// The raw payload of each record is kept: decode in two steps.
		var env listEnvelope[json.RawMessage]
		if err := c.HTTP.JSON(ctx, http.MethodGet, path, q, nil, &env); err != nil {
			return nil, "", err
		}
		items, meta = make([]Item[T], 0, len(env.Data)), env.Meta
		for _, raw := range env.Data {
			it, err := decodeItem[T](c.Integration, raw)
			if err != nil {
				return nil, "", err
			}
			items = append(items, it)
		}
	} else {
		// One pass: a list is the hot path, and parsing every record twice
		// doubled its allocations.
		var env listEnvelope[T]
		if err := c.HTTP.JSON(ctx, http.MethodGet, path, q, nil, &env); err != nil {
			return nil, "", err
		}
		items, meta = make([]Item[T], 0, len(env.Data)), env.Meta
		for _, rec := range env.Data {
			items = append(items, Item[T]{Rec: rec})
		}
	}
	next := ""
	if meta.HasMore && meta.NextCursor != nil {
		next = *meta.NextCursor
	}
	return items, next, nil
}

// Get reads one record.
func Get[T any](ctx context.Context, c *connector.Conn, path, id string) (Item[T], error) {
	return one[T](ctx, c, http.MethodGet, path+"/"+url.PathEscape(id), nil)
}

// Create creates a record from body.
func Create[T any](ctx context.Context, c *connector.Conn, path string, body any) (Item[T], error) {
	return one[T](ctx, c, http.MethodPost, path, body)
}

// Patch changes the fields of body on a record.
func Patch[T any](ctx context.Context, c *connector.Conn, path, id string, body any) (Item[T], error) {
	return one[T](ctx, c, http.MethodPatch, path+"/"+url.PathEscape(id), body)
}

// Delete deletes a record.
func Delete(ctx context.Context, c *connector.Conn, path, id string) error {
	return c.HTTP.JSON(ctx, http.MethodDelete, path+"/"+url.PathEscape(id), nil, nil, nil)
}

func one[T any](ctx context.Context, c *connector.Conn, method, path string, body any) (Item[T], error) {
	var env oneEnvelope
	if err := c.HTTP.JSON(ctx, method, path, nil, body, &env); err != nil {
		return Item[T]{}, err
	}
	return decodeItem[T](c.Integration, env.Data)
}

// Describe gives the provider's own error message, for error messages.
func Describe(resp *providerhttp.Response) string {
	var body ErrorBody
	if json.Unmarshal(resp.Body, &body) != nil {
		return ""
	}
	return body.Error.Message
}

// Hooks are the dialect's HTTP client hooks.
func Hooks() providerhttp.Hooks { return providerhttp.Hooks{Describe: Describe} }

// FieldErrors rewrites a validation failure of the provider into the
// unified API's INVALID_ARGUMENT, naming the unified fields: fields maps the
// provider's field names (as the dialect reports them, e.g. "emails") to the
// unified ones under prefix (e.g. "contact.emails"). Other errors pass as they are.
func FieldErrors(err error, prefix string, fields map[string]string) error {
	var pe *providerhttp.Error
	if !errors.As(err, &pe) || (pe.Response.StatusCode != http.StatusUnprocessableEntity && pe.Response.StatusCode != http.StatusBadRequest) {
		return err
	}
	var body ErrorBody
	if json.Unmarshal(pe.Response.Body, &body) != nil || len(body.Error.Errors) == 0 {
		return err
	}
	var vs []apierr.FieldViolation
	for _, fe := range body.Error.Errors {
		path := prefix
		if unified, ok := lookupField(fields, fe.Field); ok {
			path = prefix + "." + unified
		}
		vs = append(vs, apierr.FieldViolation{Field: path, Description: fe.Message, Reason: apierr.ReasonProviderRejected})
	}
	return apierr.InvalidArgument(apierr.ReasonProviderRejected,
		fmt.Sprintf("the provider rejected the %s: %s", prefix, body.Error.Message), vs...)
}

// lookupField maps "emails" and also "emails[0].address" (by its top field).
func lookupField(fields map[string]string, f string) (string, bool) {
	if u, ok := fields[f]; ok {
		return u, true
	}
	for i, r := range f {
		if r == '[' || r == '.' {
			if u, ok := fields[f[:i]]; ok {
				return u + f[i:], true
			}
			break
		}
	}
	return "", false
}
