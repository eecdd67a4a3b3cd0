package salesforce

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/unimesh/unimesh/pkg/apierr"
	"github.com/unimesh/unimesh/pkg/connector"
	"github.com/unimesh/unimesh/pkg/normalize"
)

// source is one sObject a unified object is read from and written to.
type source[T connector.Record] struct {
	sobject string
	prefix  string
	// fields are the standard fields to read; those the org's describe
	// lacks are left out. Relationship fields (UserRole.Name) make reads
	// go through SOQL.
	fields []string
	// filter narrows lists (SOQL conditions of the connector's own).
	filter []string
	// money and stages load the org's currency and stages before a read.
	money, stages bool
	read          func(r record, x *env) T
	write         func(x *env) connector.Fields[T]
	// finish completes a body after Fields built it: defaults, fields
	// written together.
	finish func(x *env, rec T, mask []string, body map[string]any) error
	// wire maps the sObject's fields to unified ones, for Salesforce's errors.
	wire map[string]string
}

// env is what one call knows: the connection, the sObject's describe, and
// what else the call loaded.
type env struct {
	ctx     context.Context
	s       *state
	c       *connector.Conn
	sobject string
	d       *describe
	org     *orgInfo
	stages  *stageSet
	now     time.Time
	// create is true for a create, false for an update; id is the record's on update.
	create bool
	id     string
	deal   dealWrite
}

func (x *env) loadOrg() (*orgInfo, error) {
	if x.org == nil {
		o, err := x.s.org(x.ctx, x.c)
		if err != nil {
			return nil, err
		}
		x.org = o
	}
	return x.org, nil
}

func (x *env) loadStages() (*stageSet, error) {
	if x.stages == nil {
		st, err := x.s.stageSet(x.ctx, x.c)
		if err != nil {
			return nil, err
		}
		x.stages = st
	}
	return x.stages, nil
}

func newEnv[T connector.Record](ctx context.Context, s *state, c *connector.Conn, src *source[T]) (*env, error) {
	d, err := s.describe(ctx, c, src.sobject)
	if err != nil {
		return nil, err
	}
	x := &env{ctx: ctx, s: s, c: c, sobject: src.sobject, d: d, now: s.now().UTC()}
	if src.money {
		if _, err := x.loadOrg(); err != nil {
			return nil, err
		}
	}
	if src.stages {
		if _, err := x.loadStages(); err != nil {
			return nil, err
		}
	}
	return x, nil
}

// selectFields are the fields a read asks for: the standard ones the org
// has, the times, the currency of multi-currency orgs, and every custom field.
func (src *source[T]) selectFields(x *env) []string {
	out := []string{"Id"}
	seen := map[string]bool{"id": true}
	add := func(f string) {
		if !seen[strings.ToLower(f)] && (strings.Contains(f, ".") || x.d.has(f)) {
			seen[strings.ToLower(f)] = true
			out = append(out, f)
		}
	}
	for _, f := range src.fields {
		add(f)
	}
	add("CreatedDate")
	add("LastModifiedDate")
	if src.money && x.d.multiCurrency() {
		add("CurrencyIsoCode")
	}
	for _, f := range x.d.customFields() {
		add(f.Name)
	}
	return out
}

func (src *source[T]) readRecord(r record, x *env, raw bool) T {
	rec := src.read(r, x)
	if raw {
		connector.SetRaw(rec, normalize.RawStruct(r.raw))
	}
	return rec
}

// object is a unified object served by one or more sObjects.
type object[T connector.Record] struct {
	s       *state
	name    string // the unified object: "contact"
	sources []*source[T]
	// pick is the source a new record goes to, when there are several.
	pick func(rec T) (*source[T], error)
	// beforeUpdate may check or drop fields of the mask against the stored record.
	beforeUpdate func(ctx context.Context, c *connector.Conn, src *source[T], id string, rec T, mask []string) ([]string, error)
	readOnly     bool
}

func (o *object[T]) methods() connector.Object[T] {
	m := connector.Object[T]{List: o.list, Get: o.get}
	if !o.readOnly {
		m.Create, m.Update, m.Delete = o.create, o.update, o.delete
	}
	return m
}

// route checks an id and finds its source: an id that is not a
// Salesforce id is refused (the field named is field); an id of another
// object is no record of this one.
func (o *object[T]) route(id, field string) (string, *source[T], error) {
	n, ok := normalizeID(id)
	if !ok {
		msg := fmt.Sprintf("%q is not a Salesforce id (15 or 18 letters and digits)", id)
		return "", nil, apierr.InvalidArgument(apierr.ReasonInvalidArgument, field+": "+msg,
			apierr.FieldViolation{Field: field, Description: msg, Reason: apierr.ReasonInvalidArgument})
	}
	var prefixes []string
	for _, src := range o.sources {
		if n[:3] == src.prefix {
			return n, src, nil
		}
		prefixes = append(prefixes, src.prefix+" ("+src.sobject+")")
	}
	return "", nil, apierr.NotFound(apierr.ReasonRecordNotFound,
		fmt.Sprintf("Salesforce has no %s %s: %s ids start with %s", o.name, id, o.name, strings.Join(prefixes, " or ")),
		"integration", Slug)
}

// cursor is "<sObject>:<last id>": the source a page continues in and the
// last id read there ("" for its start).
func (o *object[T]) parseCursor(cur string) (int, string, error) {
	if cur == "" {
		return 0, "", nil
	}
	name, after, _ := strings.Cut(cur, ":")
	for i, src := range o.sources {
		if src.sobject != name {
			continue
		}
		if after == "" {
			return i, "", nil
		}
		// The id goes into SOQL: only a real id passes.
		if n, ok := normalizeID(after); ok && n[:3] == src.prefix {
			return i, n, nil
		}
	}
	return 0, "", apierr.InvalidArgument(apierr.ReasonInvalidPageToken, "the page token is not one this connector issued")
}

func (o *object[T]) list(ctx context.Context, c *connector.Conn, p connector.ListParams) (connector.Page[T], error) {
	start, after, err := o.parseCursor(p.Cursor)
	if err != nil {
		return connector.Page[T]{}, err
	}
	var page connector.Page[T]
	for i := start; i < len(o.sources); i++ {
		src := o.sources[i]
		room := p.PageSize - len(page.Items)
		if room <= 0 {
			page.NextCursor = src.sobject + ":"
			return page, nil
		}
		x, err := newEnv(ctx, o.s, c, src)
		if err != nil {
			return connector.Page[T]{}, err
		}
		q := soql{fields: src.selectFields(x), from: src.sobject, order: "Id ASC", limit: room + 1}
		if !p.ModifiedSince.IsZero() {
			q.where = append(q.where, "LastModifiedDate >= "+soqlTime(p.ModifiedSince))
		}
		if after != "" {
			q.where = append(q.where, "Id > "+quote(after))
		}
		q.where = append(q.where, src.filter...)
		recs, err := query(ctx, c, q.String(), room+1)
		if err != nil {
			return connector.Page[T]{}, err
		}
		more := len(recs) > room
		if more {
			recs = recs[:room]
		}
		for _, r := range recs {
			if !p.ModifiedSince.IsZero() && r.time("LastModifiedDate").Before(p.ModifiedSince) {
				continue // changed in the same second, before the instant asked for
			}
			page.Items = append(page.Items, src.readRecord(r, x, p.IncludeRaw))
		}
		if more {
			page.NextCursor = src.sobject + ":" + refOf(recs[len(recs)-1], "Id")
			return page, nil
		}
		after = ""
	}
	return page, nil
}

func (o *object[T]) get(ctx context.Context, c *connector.Conn, id string, p connector.GetParams) (T, error) {
	var zero T
	n, src, err := o.route(id, "id")
	if err != nil {
		return zero, err
	}
	return o.read(ctx, c, src, n, p.IncludeRaw)
}

func (o *object[T]) read(ctx context.Context, c *connector.Conn, src *source[T], id string, raw bool) (T, error) {
	var zero T
	x, err := newEnv(ctx, o.s, c, src)
	if err != nil {
		return zero, err
	}
	fields := src.selectFields(x)
	var r record
	if slices.ContainsFunc(fields, func(f string) bool { return strings.Contains(f, ".") }) {
		// sObject Rows reads no relationship fields; a query does.
		recs, err := query(ctx, c, soql{fields: fields, from: src.sobject, where: []string{"Id = " + quote(id)}}.String(), 1)
		if err != nil {
			return zero, err
		}
		if len(recs) == 0 {
			return zero, apierr.NotFound(apierr.ReasonRecordNotFound, fmt.Sprintf("Salesforce has no %s %s", o.name, id), "integration", Slug)
		}
		r = recs[0]
	} else if r, err = getRecord(ctx, c, src.sobject, id, fields); err != nil {
		return zero, err
	}
	return src.readRecord(r, x, raw), nil
}

func (o *object[T]) create(ctx context.Context, c *connector.Conn, rec T) (T, error) {
	var zero T
	src := o.sources[0]
	if o.pick != nil {
		var err error
		if src, err = o.pick(rec); err != nil {
			return zero, err
		}
	}
	x, err := newEnv(ctx, o.s, c, src)
	if err != nil {
		return zero, err
	}
	x.create = true
	body, err := src.write(x).Body(rec, nil, o.name, Slug)
	if err != nil {
		return zero, err
	}
	if src.finish != nil {
		if err := src.finish(x, rec, nil, body); err != nil {
			return zero, err
		}
	}
	id, err := createRecord(ctx, c, src.sobject, body)
	if err != nil {
		return zero, writeError(err, o.name, src.wire)
	}
	return o.read(ctx, c, src, id, false)
}

func (o *object[T]) update(ctx context.Context, c *connector.Conn, rec T, mask []string) (T, error) {
	var zero T
	id, src, err := o.route(rec.GetId(), o.name+".id")
	if err != nil {
		return zero, err
	}
	if o.beforeUpdate != nil {
		if mask, err = o.beforeUpdate(ctx, c, src, id, rec, mask); err != nil {
			return zero, err
		}
	}
	x, err := newEnv(ctx, o.s, c, src)
	if err != nil {
		return zero, err
	}
	x.id = id
	body := map[string]any{}
	if len(mask) > 0 {
		if body, err = src.write(x).Body(rec, mask, o.name, Slug); err != nil {
			return zero, err
		}
	}
	if src.finish != nil {
		if err := src.finish(x, rec, mask, body); err != nil {
			return zero, err
		}
	}
	if len(body) > 0 {
		if err := updateRecord(ctx, c, src.sobject, id, body); err != nil {
			return zero, writeError(err, o.name, src.wire)
		}
	}
	return o.read(ctx, c, src, id, false)
}

func (o *object[T]) delete(ctx context.Context, c *connector.Conn, id string) error {
	n, src, err := o.route(id, "id")
	if err != nil {
		return err
	}
	return deleteRecord(ctx, c, src.sobject, n)
}

// fieldViolation is a refusal of one unified field found outside Body.
func fieldViolation(object, field, format string, args ...any) error {
	return connector.FieldErrorsOf(object, Slug, connector.BadField(field, format, args...))
}
