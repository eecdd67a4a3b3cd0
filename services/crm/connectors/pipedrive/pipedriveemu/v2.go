package pipedriveemu

import (
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/unimesh/unimesh/pkg/emulator"
)

// v2API serves one API v2 entity: GET list (cursor paging, updated_since,
// ids and the entity's own filters), GET one, POST, PATCH and DELETE (a
// soft delete: the record stays readable with is_deleted true, and leaves
// the lists).
type v2API[T any] struct {
	e *Emulator
	// coll holds the records.
	coll *emulator.Collection[T]
	// notFound is the 404 message, such as "Person not found".
	notFound string
	// entity is the event object of the records' webhooks ("person"),
	// "" when webhooks do not notify about them.
	entity  string
	id      func(*T) int64
	deleted func(*T) bool
	// remove soft-deletes a record, or refuses with a validation error.
	remove func(rec *T, v *validation)
	// present is the record as answered (custom field keys completed...).
	present func(T) any
	// filter builds the list's own filters from the query string.
	filter func(q url.Values, v *validation) func(*T) bool
	// apply writes a request body into rec; old is the record before the
	// change, nil on create. It reports problems through b.
	apply func(rec *T, b *body, old *T)
	// sinceless says the list takes no updated_since (pipelines, stages).
	sinceless bool
}

func registerV2[T any](mux *http.ServeMux, name string, api *v2API[T]) {
	mux.HandleFunc("GET /api/v2/"+name, api.list)
	mux.HandleFunc("POST /api/v2/"+name, api.create)
	mux.HandleFunc("GET /api/v2/"+name+"/{id}", api.get)
	mux.HandleFunc("PATCH /api/v2/"+name+"/{id}", api.update)
	mux.HandleFunc("DELETE /api/v2/"+name+"/{id}", api.delete)
}

// listLimit reads limit: 100 when absent, at most max.
func listLimit(q url.Values, max int, v *validation) int {
	s := q.Get("limit")
	if s == "" {
		return 100
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > max {
		v.add("limit", "must be an integer from 1 to "+strconv.Itoa(max))
		return 0
	}
	return n
}

// sinceParam reads updated_since: RFC 3339.
func sinceParam(q url.Values, v *validation) time.Time {
	s := q.Get("updated_since")
	if s == "" {
		return time.Time{}
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		v.add("updated_since", "must be a date and time in RFC 3339 format, e.g. 2025-01-01T10:20:00Z")
	}
	return t
}

// pathID reads the numeric id of the path.
func pathID(r *http.Request) (int64, bool) {
	n, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	return n, err == nil && n > 0
}

func (a *v2API[T]) list(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	v := &validation{}
	limit := listLimit(q, 500, v)
	var since time.Time
	if !a.sinceless {
		since = sinceParam(q, v)
	}
	if s := q.Get("sort_by"); s != "" && s != "id" {
		v.add("sort_by", "the emulator sorts by id only")
	}
	if s := q.Get("sort_direction"); s != "" && s != "asc" {
		v.add("sort_direction", "the emulator sorts ascending only")
	}
	var ids map[int64]bool
	if s := q.Get("ids"); s != "" {
		ids = map[int64]bool{}
		parts := strings.Split(s, ",")
		if len(parts) > 100 {
			v.add("ids", "at most 100 ids")
		}
		for _, p := range parts {
			n, err := strconv.ParseInt(strings.TrimSpace(p), 10, 64)
			if err != nil {
				v.add("ids", "must be a comma-separated list of integers")
				break
			}
			ids[n] = true
		}
	}
	match := a.live(nil)
	if a.filter != nil {
		// The entity's filter decides about deleted records too (deals
		// list them with status=deleted).
		match = a.filter(q, v)
	}
	if !v.ok() {
		v.write(w)
		return
	}
	items, next, _, err := a.coll.List(emulator.Query[T]{
		After: q.Get("cursor"), Limit: limit, UpdatedSince: since,
		Match: func(rec *T) bool {
			if ids != nil && !ids[a.id(rec)] {
				return false
			}
			return match(rec)
		},
	})
	if errors.Is(err, emulator.ErrBadCursor) {
		writeError(w, http.StatusBadRequest, "Validation failed: cursor: is invalid")
		return
	}
	out := make([]any, 0, len(items))
	for _, it := range items {
		out = append(out, a.present(it))
	}
	var nc *string
	if next != "" {
		nc = &next
	}
	emulator.WriteJSON(w, http.StatusOK, v2List{Success: true, Data: out, AdditionalData: v2AdditionalData{NextCursor: nc}})
}

// live matches what lists show by default: records not deleted.
func (a *v2API[T]) live(filter func(*T) bool) func(*T) bool {
	return func(rec *T) bool { return !a.deleted(rec) && (filter == nil || filter(rec)) }
}

func (a *v2API[T]) get(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r)
	if !ok {
		writeError(w, http.StatusBadRequest, "Validation failed: id: must be a positive integer")
		return
	}
	rec, _, found := a.coll.Get(strconv.FormatInt(id, 10))
	if !found {
		writeError(w, http.StatusNotFound, a.notFound)
		return
	}
	writeOne(w, http.StatusOK, a.present(rec))
}

func (a *v2API[T]) create(w http.ResponseWriter, r *http.Request) {
	raw, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		writeError(w, http.StatusBadRequest, "Validation failed: body: could not be read")
		return
	}
	b, v := parseBody(raw, false)
	if b == nil {
		v.write(w)
		return
	}
	var rec T
	a.apply(&rec, b, nil)
	b.unknown()
	if !b.ok() {
		b.validation.write(w)
		return
	}
	release := a.e.claim(a.entity, "")
	rec = a.coll.Insert(rec)
	release()
	writeOne(w, http.StatusCreated, a.present(rec))
}

func (a *v2API[T]) update(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r)
	if !ok {
		writeError(w, http.StatusBadRequest, "Validation failed: id: must be a positive integer")
		return
	}
	raw, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		writeError(w, http.StatusBadRequest, "Validation failed: body: could not be read")
		return
	}
	release := a.e.claim(a.entity, strconv.FormatInt(id, 10))
	defer release()
	rec, err := a.coll.Update(strconv.FormatInt(id, 10), func(rec *T) error {
		if a.deleted(rec) {
			return notFound{}
		}
		b, v := parseBody(raw, false)
		if b == nil {
			return badRequest{v}
		}
		old := *rec
		a.apply(rec, b, &old)
		b.unknown()
		if !b.ok() {
			return badRequest{b.validation}
		}
		return nil
	})
	if writeUpdateError(w, err, a.notFound) {
		return
	}
	writeOne(w, http.StatusOK, a.present(rec))
}

func (a *v2API[T]) delete(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r)
	if !ok {
		writeError(w, http.StatusBadRequest, "Validation failed: id: must be a positive integer")
		return
	}
	release := a.e.claim(a.entity, strconv.FormatInt(id, 10))
	defer release()
	_, err := a.coll.Update(strconv.FormatInt(id, 10), func(rec *T) error {
		if a.deleted(rec) {
			return notFound{}
		}
		v := &validation{}
		a.remove(rec, v)
		if !v.ok() {
			return badRequest{v}
		}
		return nil
	})
	if writeUpdateError(w, err, a.notFound) {
		return
	}
	writeOne(w, http.StatusOK, map[string]int64{"id": id})
}

// writeUpdateError answers a failed store update; false when err is nil.
func writeUpdateError(w http.ResponseWriter, err error, notFoundMsg string) bool {
	var br badRequest
	switch {
	case err == nil:
		return false
	case errors.As(err, &br):
		br.v.write(w)
	case errors.Is(err, emulator.ErrNotFound), errors.As(err, new(notFound)):
		writeError(w, http.StatusNotFound, notFoundMsg)
	default:
		writeError(w, http.StatusInternalServerError, "Internal server error")
	}
	return true
}

// queryInt reads an optional integer filter of a list.
func queryInt(q url.Values, key string, v *validation) *int64 {
	s := q.Get(key)
	if s == "" {
		return nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		v.add(key, "must be an integer")
		return nil
	}
	return &n
}

func eqPtr(p *int64, want *int64) bool { return want == nil || (p != nil && *p == *want) }
