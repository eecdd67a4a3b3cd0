package sandboxapi

import (
	"context"

	"google.golang.org/protobuf/types/known/structpb"

	"github.com/unimesh/unimesh/pkg/connector"
	"github.com/unimesh/unimesh/pkg/normalize"
)

// Mapping is how one sandbox resource maps to one unified object.
type Mapping[W any, T connector.Record] struct {
	// Path is the resource's collection path, such as "/v1/people".
	Path string
	// Object is the unified object's name, such as "contact".
	Object string
	// Integration is the connector's slug, for error messages.
	Integration string
	// Read converts a provider record.
	Read func(W) T
	// Write builds request bodies; nil makes the object read-only.
	Write connector.Fields[T]
	// Wire maps the provider's field names (in its validation errors) to unified ones.
	Wire map[string]string
}

// Object builds the five operations of a plain resource from its mapping.
func Object[W any, T connector.Record](m Mapping[W, T]) connector.Object[T] {
	o := connector.Object[T]{
		List: func(ctx context.Context, c *connector.Conn, p connector.ListParams) (connector.Page[T], error) {
			return ListPage(ctx, c, m.Path, p, nil, m.Read)
		},
		Get: func(ctx context.Context, c *connector.Conn, id string, p connector.GetParams) (T, error) {
			return GetOne(ctx, c, m.Path, id, p, m.Read)
		},
	}
	if m.Write == nil {
		return o
	}
	o.Create = func(ctx context.Context, c *connector.Conn, rec T) (T, error) {
		var zero T
		body, err := m.Write.Body(rec, nil, m.Object, m.Integration)
		if err != nil {
			return zero, err
		}
		it, err := Create[W](ctx, c, m.Path, body)
		if err != nil {
			return zero, FieldErrors(err, m.Object, m.Wire)
		}
		return m.Read(it.Rec), nil
	}
	o.Update = func(ctx context.Context, c *connector.Conn, rec T, mask []string) (T, error) {
		var zero T
		body, err := m.Write.Body(rec, mask, m.Object, m.Integration)
		if err != nil {
			return zero, err
		}
		it, err := Patch[W](ctx, c, m.Path, rec.GetId(), body)
		if err != nil {
			return zero, FieldErrors(err, m.Object, m.Wire)
		}
		return m.Read(it.Rec), nil
	}
	o.Delete = func(ctx context.Context, c *connector.Conn, id string) error {
		return Delete(ctx, c, m.Path, id)
	}
	return o
}

// ListPage reads one page and converts it, with raw payloads when asked for.
// filters are the resource's own query filters.
func ListPage[W any, T connector.Record](ctx context.Context, c *connector.Conn, path string, p connector.ListParams, filters map[string]string, read func(W) T) (connector.Page[T], error) {
	q := map[string][]string{}
	for k, v := range filters {
		q[k] = []string{v}
	}
	items, next, err := List[W](ctx, c, path, p, q)
	if err != nil {
		return connector.Page[T]{}, err
	}
	out := make([]T, 0, len(items))
	for _, it := range items {
		rec := read(it.Rec)
		if p.IncludeRaw {
			connector.SetRaw(rec, normalize.RawStruct(it.Raw))
		}
		out = append(out, rec)
	}
	return connector.Page[T]{Items: out, NextCursor: next}, nil
}

// GetOne reads one record and converts it, with its raw payload when asked for.
func GetOne[W any, T connector.Record](ctx context.Context, c *connector.Conn, path, id string, p connector.GetParams, read func(W) T) (T, error) {
	it, err := Get[W](ctx, c, path, id)
	if err != nil {
		var zero T
		return zero, err
	}
	rec := read(it.Rec)
	if p.IncludeRaw {
		connector.SetRaw(rec, normalize.RawStruct(it.Raw))
	}
	return rec, nil
}

// SetID writes an optional numeric reference: a number, or null to clear it.
func SetID(b map[string]any, key, field, id string) error {
	n, err := connector.IntID(field, id)
	if err != nil {
		return err
	}
	if n == nil {
		b[key] = nil
	} else {
		b[key] = *n
	}
	return nil
}

// SetIDs writes a list of numeric references.
func SetIDs(b map[string]any, key, field string, ids []string) error {
	v, err := connector.IntIDs(field, ids)
	b[key] = v
	return err
}

// NonNil turns a nil list into an empty one, so that a write clears the list.
func NonNil[E any](s []E) []E {
	if s == nil {
		return []E{}
	}
	return s
}

// Custom is the body of the "custom" object: the unified custom fields.
func Custom(s *structpb.Struct) map[string]any {
	if m := normalize.Map(s); m != nil {
		return m
	}
	return map[string]any{}
}
