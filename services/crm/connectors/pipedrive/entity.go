package pipedrive

import (
	"context"
	"net/http"
	"strings"

	"google.golang.org/protobuf/types/known/structpb"

	"github.com/unimesh/unimesh/pkg/apierr"
	"github.com/unimesh/unimesh/pkg/connector"
	"github.com/unimesh/unimesh/pkg/normalize"
)

// v2Entity maps one API v2 entity (persons, organizations, deals) to a
// unified object with all five operations.
type v2Entity[W any, T connector.Record] struct {
	// path is the collection path, such as "/api/v2/persons".
	path string
	// object is the unified object's name, such as "contact".
	object string
	// fields is the entity of the *Fields endpoint that defines its custom fields.
	fields string
	// wire maps Pipedrive's field names in validation errors to unified ones.
	wire    wireMap
	read    func(W, *fieldSet) T
	deleted func(W) bool
	write   func(*fieldSet) connector.Fields[T]
	// custom is a record's custom_fields, to know which names a write needs.
	custom func(T) *structpb.Struct
	// prepareCreate completes a create's body with what Pipedrive needs
	// along with the fields set; may be nil.
	prepareCreate func(body map[string]any)
	// prepare completes an update's body with what Pipedrive needs along
	// with the masked fields (the other half of a name...); may be nil.
	prepare func(ctx context.Context, c *connector.Conn, id string, body map[string]any) error
}

// gone is the answer for a record Pipedrive keeps soft-deleted: deleted
// for the unified API, though Pipedrive still shows it for 30 days.
func gone(object, id string) error {
	return apierr.NotFound(apierr.ReasonRecordNotFound, "Pipedrive has deleted the "+object+" "+id, "integration", Slug)
}

func withRaw[T connector.Record](rec T, raw []byte, include bool) T {
	if include {
		connector.SetRaw(rec, normalize.RawStruct(raw))
	}
	return rec
}

func (e v2Entity[W, T]) build(fc *fieldsCache) connector.Object[T] {
	fieldsFor := func(ctx context.Context, c *connector.Conn, rec T) (*fieldSet, error) {
		if e.custom != nil && len(e.custom(rec).GetFields()) > 0 {
			return fc.forWrite(ctx, c, e.fields, e.custom(rec))
		}
		return fc.get(ctx, c, e.fields, false)
	}
	return connector.Object[T]{
		List: func(ctx context.Context, c *connector.Conn, p connector.ListParams) (connector.Page[T], error) {
			fs, err := fc.get(ctx, c, e.fields, false)
			if err != nil {
				return connector.Page[T]{}, err
			}
			items, next, err := listV2[W](ctx, c, e.path, nil, p.PageSize, p.Cursor, p.ModifiedSince)
			if err != nil {
				return connector.Page[T]{}, err
			}
			out := make([]T, 0, len(items))
			for _, it := range items {
				if !e.deleted(it.rec) {
					out = append(out, withRaw(e.read(it.rec, fs), it.raw, p.IncludeRaw))
				}
			}
			return connector.Page[T]{Items: out, NextCursor: next}, nil
		},
		Get: func(ctx context.Context, c *connector.Conn, id string, p connector.GetParams) (T, error) {
			var zero T
			if _, err := numericID("id", id); err != nil {
				return zero, err
			}
			fs, err := fc.get(ctx, c, e.fields, false)
			if err != nil {
				return zero, err
			}
			it, err := one[W](ctx, c, http.MethodGet, e.path+"/"+id, nil)
			if err != nil {
				return zero, err
			}
			if e.deleted(it.rec) {
				return zero, gone(e.object, id)
			}
			return withRaw(e.read(it.rec, fs), it.raw, p.IncludeRaw), nil
		},
		Create: func(ctx context.Context, c *connector.Conn, rec T) (T, error) {
			var zero T
			fs, err := fieldsFor(ctx, c, rec)
			if err != nil {
				return zero, err
			}
			body, err := e.write(fs).Body(rec, nil, e.object, Slug)
			if err != nil {
				return zero, err
			}
			if e.prepareCreate != nil {
				e.prepareCreate(body)
			}
			it, err := one[W](ctx, c, http.MethodPost, e.path, body)
			if err != nil {
				return zero, rejected(err, e.object, e.wire, fs.name)
			}
			return e.read(it.rec, fs), nil
		},
		Update: func(ctx context.Context, c *connector.Conn, rec T, mask []string) (T, error) {
			var zero T
			id := rec.GetId()
			if _, err := numericID(e.object+".id", id); err != nil {
				return zero, err
			}
			fs, err := fieldsFor(ctx, c, rec)
			if err != nil {
				return zero, err
			}
			body, err := e.write(fs).Body(rec, mask, e.object, Slug)
			if err != nil {
				return zero, err
			}
			if e.prepare != nil {
				if err := e.prepare(ctx, c, id, body); err != nil {
					return zero, err
				}
			}
			method := http.MethodPatch
			if len(body) == 0 {
				// Nothing to change: answer the record as it is.
				method, body = http.MethodGet, nil
			}
			it, err := one[W](ctx, c, method, e.path+"/"+id, body)
			if err != nil {
				return zero, rejected(err, e.object, e.wire, fs.name)
			}
			if e.deleted(it.rec) {
				return zero, gone(e.object, id)
			}
			return e.read(it.rec, fs), nil
		},
		Delete: func(ctx context.Context, c *connector.Conn, id string) error {
			if _, err := numericID("id", id); err != nil {
				return err
			}
			return remove(ctx, c, e.path+"/"+id)
		},
	}
}

// setRef writes a reference: an integer id, or null to clear it.
func setRef(b map[string]any, key, field, id string) error {
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

// setRequiredRef writes a reference Pipedrive always holds (an owner, a
// pipeline): clearing it is refused.
func setRequiredRef(b map[string]any, key, field, id, what string) error {
	if id == "" {
		return connector.BadField(field, "Pipedrive always has %s; set another one instead of clearing it", what)
	}
	return setRef(b, key, field, id)
}

// oneRef reads a unified list of references Pipedrive holds one of.
func oneRef(b map[string]any, key, field string, ids []string, what string) error {
	switch len(ids) {
	case 0:
		b[key] = nil
		return nil
	case 1:
		return setRef(b, key, field+"[0]", ids[0])
	}
	return connector.BadField(field, "Pipedrive links one %s here, not %d", what, len(ids))
}

// refList is a one-element list of a reference, empty for none.
func refList(r ref) []string {
	if r == 0 {
		return nil
	}
	return []string{r.id()}
}

// nonEmpty drops empty strings.
func nonEmpty(ss ...string) []string {
	var out []string
	for _, s := range ss {
		if strings.TrimSpace(s) != "" {
			out = append(out, s)
		}
	}
	return out
}
