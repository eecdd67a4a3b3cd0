package hubspot

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"google.golang.org/grpc/codes"

	"github.com/unimesh/unimesh/pkg/apierr"
	"github.com/unimesh/unimesh/pkg/connector"
	"github.com/unimesh/unimesh/pkg/normalize"
	"github.com/unimesh/unimesh/pkg/providerhttp"
)

// spec maps one HubSpot object type to one unified object.
type spec[T connector.Record] struct {
	object   string   // unified object name: "contact"
	typ      string   // HubSpot object type: "contacts"
	modified string   // the property a modified-since search filters on
	props    []string // the HubSpot properties the mapping reads
	assocs   []string // the object types whose associations it reads
	// currentFields are the unified fields whose writes depend on the
	// record as it is (associations, read-only values given back): an
	// update masking one of them reads the record first.
	currentFields []string
	// wire maps HubSpot property names to unified fields, for errors.
	wire map[string]string
	// account: the mapping needs the account's currency.
	account bool
	read    func(rc *readCtx, o *object) T
	// prepare reads, once per page, what the mapping needs beyond the
	// records (a lead's contact).
	prepare func(ctx context.Context, c *connector.Conn, rc *readCtx, objs []object) error
	fields  func(wc *writeCtx) connector.Fields[T]
	// before runs before the body is built, with the current record on
	// update when alwaysCurrent (a deal's stage depends on its pipeline).
	before        func(wc *writeCtx, rec T, mask []string) error
	alwaysCurrent bool
	// finish completes the properties of a write (defaults HubSpot requires).
	finish func(wc *writeCtx, rec T, props map[string]string)
}

// readCtx is what mapping one page of records needs.
type readCtx struct {
	ctx      context.Context
	c        *connector.Conn
	h        *hub
	defs     propDefs
	currency string
	raw      bool
	contacts map[string]object // leads: their primary contacts
	pipes    []pipeline        // deals: the pipelines, when a status needs them
}

// writeCtx is what building one write needs, and what it collects besides
// the properties.
type writeCtx struct {
	ctx      context.Context
	c        *connector.Conn
	h        *hub
	defs     propDefs
	currency string
	update   bool    // the write is an update
	cur      *object // update: the record as it is, when the mapping needs it
	links    []*link
	// deals: the pipeline and stage the write resolved to ("" = unchanged),
	// and the stage the deal ends up in.
	pipeline, stage string
	effective       *stage
	// leads: the properties to write on the lead's contact.
	contact map[string]any
}

func (wc *writeCtx) addLink(l *link) { wc.links = append(wc.links, l) }

func (h *hub) readCtx(ctx context.Context, c *connector.Conn, typ string, account, raw bool) (*readCtx, error) {
	defs, err := h.defs(ctx, c, typ)
	if err != nil {
		return nil, err
	}
	rc := &readCtx{ctx: ctx, c: c, h: h, defs: defs, raw: raw}
	if account {
		a, err := h.account(ctx, c)
		if err != nil {
			return nil, err
		}
		rc.currency = a.CompanyCurrency
	}
	return rc, nil
}

func (h *hub) writeCtx(ctx context.Context, c *connector.Conn, typ string, account bool) (*writeCtx, error) {
	rc, err := h.readCtx(ctx, c, typ, account, false)
	if err != nil {
		return nil, err
	}
	return &writeCtx{ctx: ctx, c: c, h: h, defs: rc.defs, currency: rc.currency}, nil
}

// account returns the account's details, cached per connection.
func (h *hub) account(ctx context.Context, c *connector.Conn) (accountInfo, error) {
	return h.accounts.Load(ctx, c.ID, func(ctx context.Context) (accountInfo, time.Duration, error) {
		resp, err := c.HTTP.Do(ctx, providerhttp.Request{Method: http.MethodGet, Path: "/account-info/v3/details"})
		if err != nil {
			return accountInfo{}, 0, err
		}
		var a accountInfo
		if err := decode(c, resp.Body, &a); err != nil {
			return accountInfo{}, 0, err
		}
		return a, cacheTTL, nil
	})
}

// mapPage maps records, with their raw payload when asked for.
func mapPage[T connector.Record](s *spec[T], rc *readCtx, objs []object) ([]T, error) {
	if s.prepare != nil {
		if err := s.prepare(rc.ctx, rc.c, rc, objs); err != nil {
			return nil, err
		}
	}
	out := make([]T, 0, len(objs))
	for i := range objs {
		rec := s.read(rc, &objs[i])
		if rc.raw {
			connector.SetRaw(rec, normalize.RawStruct(objs[i].raw))
		}
		out = append(out, rec)
	}
	return out, nil
}

// cursor is the connector's own page cursor. A plain list carries
// HubSpot's `after`; a modified-since list is a search, which pages by
// offset and stops at 10,000 results, so its cursor also carries the
// instant it searches from: past 10,000 it starts again from the last
// record's change time.
type cursor struct {
	search bool
	since  time.Time
	after  string
}

func (k cursor) String() string {
	if k.search {
		return "s." + strconv.FormatInt(k.since.UnixMilli(), 10) + "." + k.after
	}
	return "l." + k.after
}

func parseCursor(s string) (cursor, error) {
	if s == "" {
		return cursor{}, nil
	}
	kind, rest, _ := strings.Cut(s, ".")
	switch kind {
	case "l":
		if rest != "" {
			return cursor{after: rest}, nil
		}
	case "s":
		ms, after, ok := strings.Cut(rest, ".")
		n, err := strconv.ParseInt(ms, 10, 64)
		if ok && err == nil && isDigits(after) {
			return cursor{search: true, since: time.UnixMilli(n).UTC(), after: after}, nil
		}
	}
	return cursor{}, apierr.InvalidArgument(apierr.ReasonInvalidPageToken, "the page token is not one HubSpot's connector issued")
}

// listRecords reads one page of a HubSpot object: a list, or a search for
// records changed at or after the given instant, oldest change first.
func listRecords(ctx context.Context, c *connector.Conn, typ, modified string, props, assocs []string, p connector.ListParams) ([]object, string, error) {
	k, err := parseCursor(p.Cursor)
	if err != nil {
		return nil, "", err
	}
	if !k.search && p.ModifiedSince.IsZero() {
		objs, after, err := listObjects(ctx, c, typ, min(p.PageSize, maxListLimit), k.after, props, assocs)
		if err != nil || after == "" {
			return objs, "", err
		}
		return objs, cursor{after: after}.String(), nil
	}
	if !k.search {
		k = cursor{search: true, since: p.ModifiedSince, after: "0"}
	}
	offset, _ := strconv.Atoi(k.after)
	objs, pg, err := searchObjects(ctx, c, typ, searchRequest{
		FilterGroups: []filterGroup{{Filters: []filter{{PropertyName: modified, Operator: "GTE",
			Value: strconv.FormatInt(k.since.UnixMilli(), 10)}}}},
		Sorts:      []searchSort{{PropertyName: modified, Direction: "ASCENDING"}},
		Properties: props,
		Limit:      min(p.PageSize, maxSearchLimit),
		After:      k.after,
	})
	if err != nil {
		return nil, "", err
	}
	if err := hydrateLinks(ctx, c, typ, objs, assocs); err != nil {
		return nil, "", err
	}
	next := pg.Paging.after()
	seen := offset + len(objs)
	n, _ := strconv.Atoi(next)
	switch {
	case len(objs) == 0:
		return objs, "", nil
	case (next == "" && pg.Total > seen) || n >= searchCap:
		// The search will not page further: start again from the last
		// change seen. Records changed at that very instant come again.
		last, ok := parseTime(objs[len(objs)-1].prop(modified))
		if !ok || !last.After(k.since) {
			return nil, "", apierr.New(codes.FailedPrecondition, apierr.ReasonProviderError,
				fmt.Sprintf("more than %d HubSpot %s changed at %s: the search cannot page through them", searchCap, typ, k.since.Format(time.RFC3339)))
		}
		return objs, cursor{search: true, since: last, after: "0"}.String(), nil
	case next == "":
		return objs, "", nil
	}
	return objs, cursor{search: true, since: k.since, after: next}.String(), nil
}

// newObject builds the unified object of a spec.
func newObject[T connector.Record](h *hub, s *spec[T]) connector.Object[T] {
	return connector.Object[T]{
		List: func(ctx context.Context, c *connector.Conn, p connector.ListParams) (connector.Page[T], error) {
			rc, err := h.readCtx(ctx, c, s.typ, s.account, p.IncludeRaw)
			if err != nil {
				return connector.Page[T]{}, err
			}
			objs, next, err := listRecords(ctx, c, s.typ, s.modified, readProps(s.props, rc.defs), s.assocs, p)
			if err != nil {
				return connector.Page[T]{}, err
			}
			items, err := mapPage(s, rc, objs)
			return connector.Page[T]{Items: items, NextCursor: next}, err
		},
		Get: func(ctx context.Context, c *connector.Conn, id string, p connector.GetParams) (T, error) {
			var zero T
			if err := checkRecordID(s.object, id); err != nil {
				return zero, err
			}
			return getRecord(ctx, c, h, s, id, p.IncludeRaw)
		},
		Create: func(ctx context.Context, c *connector.Conn, rec T) (T, error) {
			return createRecord(ctx, c, h, s, rec)
		},
		Update: func(ctx context.Context, c *connector.Conn, rec T, mask []string) (T, error) {
			return updateRecord(ctx, c, h, s, rec, mask)
		},
		Delete: func(ctx context.Context, c *connector.Conn, id string) error {
			if err := checkRecordID(s.object, id); err != nil {
				return err
			}
			return archiveObject(ctx, c, s.typ, id)
		},
	}
}

// getRecord reads and maps one record.
func getRecord[T connector.Record](ctx context.Context, c *connector.Conn, h *hub, s *spec[T], id string, raw bool) (T, error) {
	var zero T
	rc, err := h.readCtx(ctx, c, s.typ, s.account, raw)
	if err != nil {
		return zero, err
	}
	o, err := getObject(ctx, c, s.typ, id, readProps(s.props, rc.defs), s.assocs)
	if err != nil {
		return zero, err
	}
	items, err := mapPage(s, rc, []object{o})
	if err != nil {
		return zero, err
	}
	return items[0], nil
}

// buildWrite builds a write's properties (and, in wc, its links).
func buildWrite[T connector.Record](wc *writeCtx, s *spec[T], rec T, mask []string) (map[string]string, error) {
	if s.before != nil {
		if err := s.before(wc, rec, mask); err != nil {
			return nil, connector.FieldErrorsOf(s.object, Slug, err)
		}
	}
	body, err := s.fields(wc).Body(rec, mask, s.object, Slug)
	if err != nil {
		return nil, err
	}
	props := stringProps(body)
	if s.finish != nil {
		s.finish(wc, rec, props)
	}
	return props, nil
}

// stringProps turns a body into HubSpot's properties: every value a string.
func stringProps(body map[string]any) map[string]string {
	out := make(map[string]string, len(body))
	for k, v := range body {
		switch x := v.(type) {
		case string:
			out[k] = x
		case nil:
			out[k] = ""
		default:
			out[k] = fmt.Sprint(x)
		}
	}
	return out
}

// createRecord creates a record with its associations, then reads it back
// as HubSpot stored it (the create's answer has no associations).
func createRecord[T connector.Record](ctx context.Context, c *connector.Conn, h *hub, s *spec[T], rec T) (T, error) {
	var zero T
	wc, err := h.writeCtx(ctx, c, s.typ, s.account)
	if err != nil {
		return zero, err
	}
	props, err := buildWrite(wc, s, rec, nil)
	if err != nil {
		return zero, err
	}
	o, err := createObject(ctx, c, s.typ, props, createInputs(wc.links))
	if err != nil {
		return zero, writeError(err, s.object, s.wire, wc.defs, wc.links)
	}
	return getRecord(ctx, c, h, s, o.ID, false)
}

// updateRecord writes the masked fields: the properties with PATCH, the
// associations with the v4 endpoints; then reads the record back.
func updateRecord[T connector.Record](ctx context.Context, c *connector.Conn, h *hub, s *spec[T], rec T, mask []string) (T, error) {
	var zero T
	id := rec.GetId()
	if err := checkRecordID(s.object, id); err != nil {
		return zero, err
	}
	wc, err := h.writeCtx(ctx, c, s.typ, s.account)
	if err != nil {
		return zero, err
	}
	wc.update = true
	if s.alwaysCurrent || slices.ContainsFunc(mask, func(f string) bool { return slices.Contains(s.currentFields, f) }) {
		cur, err := getObject(ctx, c, s.typ, id, s.props, s.assocs)
		if err != nil {
			return zero, err
		}
		wc.cur = &cur
	}
	props, err := buildWrite(wc, s, rec, mask)
	if err != nil {
		return zero, err
	}
	if len(props) > 0 {
		if err := patchObject(ctx, c, s.typ, id, props); err != nil {
			return zero, writeError(err, s.object, s.wire, wc.defs, wc.links)
		}
	}
	if len(wc.links) > 0 {
		if err := applyLinks(ctx, c, s.typ, id, wc.cur, wc.links); err != nil {
			return zero, writeError(err, s.object, s.wire, wc.defs, wc.links)
		}
	}
	return getRecord(ctx, c, h, s, id, false)
}

// --- field writers shared by the objects --------------------------------------

// setProp is a writer of a string field to one property ("" clears it).
func setProp[T any](prop string, get func(T) string) func(T, map[string]any) error {
	return func(rec T, b map[string]any) error { b[prop] = get(rec); return nil }
}

// ownerWriter writes owner_id to hubspot_owner_id; owners have numeric ids.
func ownerWriter[T any](get func(T) string) func(T, map[string]any) error {
	return func(rec T, b map[string]any) error {
		id := get(rec)
		if err := checkID("owner_id", id); err != nil {
			return err
		}
		b["hubspot_owner_id"] = id
		return nil
	}
}

// unstorable is the writer of a field HubSpot has no place for: an empty
// value is accepted (nothing is lost, and a record read and written back
// with every field keeps working), any other refused.
func unstorable[T any](field, why string, empty func(T) bool) func(T, map[string]any) error {
	return func(rec T, _ map[string]any) error {
		if empty(rec) {
			return nil
		}
		return connector.BadField(field, "%s", why)
	}
}
