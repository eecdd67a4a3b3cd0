// Package sandboxapi is the API dialect of Unimesh's sandbox providers:
// imaginary vendors (one per category) that share one set of conventions, as
// a real vendor's product line would. This package holds both halves of the
// dialect: the server side the sandbox emulators are built from, and the
// client side their connectors use.
//
// The dialect, as a vendor would document it:
//
//   - Auth: "Authorization: Bearer <api key>"; anything else is 401.
//   - Records: JSON objects with snake_case fields, integer or string ids
//     (per product), RFC 3339 UTC timestamps created_at and updated_at,
//     dates as YYYY-MM-DD, and customer-defined fields under "custom".
//   - GET    /v1/<resource>?limit=&cursor=&updated_since=&<filters>
//     → 200 {"data": [...], "meta": {"next_cursor": "..."|null, "has_more": bool, "total": n}}
//     limit is 1..100 (default 25); cursors are opaque.
//   - GET    /v1/<resource>/<id>          → 200 {"data": {...}}
//   - POST   /v1/<resource>               → 201 {"data": {...}}
//   - PATCH  /v1/<resource>/<id>          → 200 {"data": {...}} (fields present are replaced;
//     objects such as "custom" are merged key by key)
//   - DELETE /v1/<resource>/<id>          → 204
//   - Errors: {"error": {"type": "...", "message": "...", "errors": [{"field": "...", "message": "..."}]}}
//     with 400 invalid_request, 401 unauthorized, 404 not_found, 405
//     method_not_allowed, 422 validation_failed, 429 rate_limited, 500 server_error.
//   - Every answer carries X-RateLimit-Limit, X-RateLimit-Remaining and
//     X-RateLimit-Reset (epoch seconds); a 429 also carries Retry-After (seconds).
package sandboxapi

import (
	"bytes"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/unimesh/unimesh/pkg/emulator"
)

// DefaultLimit and MaxLimit bound the dialect's page size.
const (
	DefaultLimit = 25
	MaxLimit     = 100
)

// FieldError names one bad field of a request body.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// ErrorBody is the dialect's error envelope.
type ErrorBody struct {
	Error struct {
		Type    string       `json:"type"`
		Message string       `json:"message"`
		Errors  []FieldError `json:"errors,omitempty"`
	} `json:"error"`
}

// Meta is the metadata of a list answer.
type Meta struct {
	NextCursor *string `json:"next_cursor"`
	HasMore    bool    `json:"has_more"`
	Total      int     `json:"total"`
}

// Server is one sandbox vendor's API.
type Server struct {
	mux     *http.ServeMux
	keys    func(string) bool
	Limiter *emulator.Limiter
	Faults  *emulator.Faults
	Store   *emulator.Store
	handler http.Handler
}

// Options configure a Server.
type Options struct {
	// APIKeys decides which keys are accepted.
	APIKeys func(key string) bool
	// RateLimit is requests per RateWindow per key (600 per minute by default).
	RateLimit  int
	RateWindow time.Duration
	// Now is the clock (time.Now when nil).
	Now func() time.Time
}

// NewServer returns a server with no resources yet.
func NewServer(opts Options) *Server {
	if opts.RateLimit == 0 {
		opts.RateLimit, opts.RateWindow = 600, time.Minute
	}
	s := &Server{
		mux:     http.NewServeMux(),
		keys:    opts.APIKeys,
		Limiter: emulator.NewLimiter(opts.RateLimit, opts.RateWindow, opts.Now),
		Faults:  emulator.NewFaults(),
		Store:   emulator.NewStore(opts.Now),
	}
	// Whoami: any valid key may call it, so that a connect page can check
	// a key before it saves it.
	s.mux.HandleFunc("GET /v1/whoami", func(w http.ResponseWriter, _ *http.Request) {
		emulator.WriteJSON(w, http.StatusOK, map[string]any{"authenticated": true})
	})
	s.handler = s.Faults.Wrap(http.HandlerFunc(s.serve))
	return s
}

// ServeHTTP serves the API.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// Handle registers a custom route (for non-CRUD endpoints).
func (s *Server) Handle(pattern string, h http.HandlerFunc) { s.mux.HandleFunc(pattern, h) }

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	scheme, key, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	if !strings.EqualFold(scheme, "Bearer") || key == "" || s.keys == nil || !s.keys(key) {
		WriteError(w, http.StatusUnauthorized, "unauthorized", "missing or invalid API key")
		return
	}
	d := s.Limiter.Take(key)
	w.Header().Set("X-RateLimit-Limit", strconv.Itoa(d.Limit))
	w.Header().Set("X-RateLimit-Remaining", strconv.Itoa(d.Remaining))
	w.Header().Set("X-RateLimit-Reset", strconv.FormatInt(d.Reset.Unix(), 10))
	if !d.Allowed {
		w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(d.RetryAfter.Seconds()))))
		WriteError(w, http.StatusTooManyRequests, "rate_limited", "rate limit exceeded")
		return
	}
	s.mux.ServeHTTP(w, r)
}

// KeyIs accepts exactly key, compared in constant time.
func KeyIs(key string) func(string) bool {
	return func(got string) bool { return subtle.ConstantTimeCompare([]byte(got), []byte(key)) == 1 }
}

// WriteError writes the dialect's error envelope.
func WriteError(w http.ResponseWriter, status int, typ, msg string, fields ...FieldError) {
	var body ErrorBody
	body.Error.Type, body.Error.Message, body.Error.Errors = typ, msg, fields
	emulator.WriteJSON(w, status, body)
}

// Resource describes one REST resource of the dialect over a collection.
type Resource[T any] struct {
	// Path is the collection path, such as "/v1/people".
	Path string
	// Collection holds the records.
	Collection *emulator.Collection[T]
	// Ops lists the allowed operations: some of "LGCUD".
	Ops string
	// ReadOnly lists the JSON fields a client may not send (besides id,
	// created_at and updated_at).
	ReadOnly []string
	// Immutable lists the JSON fields a client may send on create only.
	Immutable []string
	// Validate checks a record about to be stored (create: true for a new
	// record) and may fill in defaults.
	Validate func(rec *T, create bool) []FieldError
	// Filter reads the resource's own list filters from the query.
	Filter func(q map[string]string) (func(*T) bool, []FieldError)
	// BeforeDelete may refuse a delete (409) with a message.
	BeforeDelete func(id string) error
	// Redact, when set, shapes the record written out (e.g. computed fields).
	Present func(rec T) any
}

// Register adds a resource's routes to the server.
func Register[T any](s *Server, res Resource[T]) {
	readOnly := map[string]bool{"id": true, "created_at": true, "updated_at": true}
	for _, f := range res.ReadOnly {
		readOnly[f] = true
	}
	immutable := map[string]bool{}
	for k := range readOnly {
		immutable[k] = true
	}
	for _, f := range res.Immutable {
		immutable[f] = true
	}
	present := func(rec T) any {
		if res.Present != nil {
			return res.Present(rec)
		}
		return rec
	}
	allowed := func(w http.ResponseWriter, op byte) bool {
		if strings.IndexByte(res.Ops, op) < 0 {
			WriteError(w, http.StatusMethodNotAllowed, "method_not_allowed", "this resource does not support that method")
			return false
		}
		return true
	}
	s.mux.HandleFunc("GET "+res.Path, func(w http.ResponseWriter, r *http.Request) {
		if !allowed(w, 'L') {
			return
		}
		q, errs := listQuery[T](r)
		if res.Filter != nil {
			filters := map[string]string{}
			for k, v := range r.URL.Query() {
				if k != "limit" && k != "cursor" && k != "updated_since" && len(v) > 0 {
					filters[k] = v[0]
				}
			}
			match, ferrs := res.Filter(filters)
			errs = append(errs, ferrs...)
			q.Match = match
		}
		if len(errs) > 0 {
			WriteError(w, http.StatusBadRequest, "invalid_request", errs[0].Message, errs...)
			return
		}
		items, next, total, err := res.Collection.List(q)
		if errors.Is(err, emulator.ErrBadCursor) {
			WriteError(w, http.StatusBadRequest, "invalid_request", "invalid cursor", FieldError{Field: "cursor", Message: "invalid cursor"})
			return
		}
		out := make([]any, 0, len(items))
		for _, it := range items {
			out = append(out, present(it))
		}
		meta := Meta{HasMore: next != "", Total: total}
		if next != "" {
			meta.NextCursor = &next
		}
		emulator.WriteJSON(w, http.StatusOK, map[string]any{"data": out, "meta": meta})
	})
	s.mux.HandleFunc("GET "+res.Path+"/{id}", func(w http.ResponseWriter, r *http.Request) {
		if !allowed(w, 'G') {
			return
		}
		rec, _, ok := res.Collection.Get(r.PathValue("id"))
		if !ok {
			WriteError(w, http.StatusNotFound, "not_found", "no such record")
			return
		}
		emulator.WriteJSON(w, http.StatusOK, map[string]any{"data": present(rec)})
	})
	s.mux.HandleFunc("POST "+res.Path, func(w http.ResponseWriter, r *http.Request) {
		if !allowed(w, 'C') {
			return
		}
		var rec T
		if ferrs, status := decodeBody(r, &rec, readOnly); len(ferrs) > 0 {
			WriteError(w, status, errType(status), ferrs[0].Message, ferrs...)
			return
		}
		if res.Validate != nil {
			if ferrs := res.Validate(&rec, true); len(ferrs) > 0 {
				WriteError(w, http.StatusUnprocessableEntity, "validation_failed", ferrs[0].Message, ferrs...)
				return
			}
		}
		stored := res.Collection.Insert(rec)
		emulator.WriteJSON(w, http.StatusCreated, map[string]any{"data": present(stored)})
	})
	s.mux.HandleFunc("PATCH "+res.Path+"/{id}", func(w http.ResponseWriter, r *http.Request) {
		if !allowed(w, 'U') {
			return
		}
		body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		if err != nil {
			WriteError(w, http.StatusBadRequest, "invalid_request", "unreadable body")
			return
		}
		var ferrs []FieldError
		status := http.StatusUnprocessableEntity
		updated, err := res.Collection.Update(r.PathValue("id"), func(rec *T) error {
			merged, ferrs0, status0 := mergePatch(*rec, body)
			if len(ferrs0) > 0 {
				ferrs, status = ferrs0, status0
				return errInvalid
			}
			r2 := r.Clone(r.Context())
			r2.Body = io.NopCloser(bytes.NewReader(body))
			// Decode onto a fresh record: encoding/json would reuse the old
			// elements of an array, and an element sent without a key would
			// inherit the old one's.
			var fresh T
			if ferrs, status = decodeChecked(r2, merged, &fresh, immutable); len(ferrs) > 0 {
				return errInvalid
			}
			*rec = fresh
			if res.Validate != nil {
				if ferrs = res.Validate(rec, false); len(ferrs) > 0 {
					status = http.StatusUnprocessableEntity
					return errInvalid
				}
			}
			return nil
		})
		switch {
		case errors.Is(err, emulator.ErrNotFound):
			WriteError(w, http.StatusNotFound, "not_found", "no such record")
		case errors.Is(err, errInvalid):
			WriteError(w, status, errType(status), ferrs[0].Message, ferrs...)
		case err != nil:
			WriteError(w, http.StatusInternalServerError, "server_error", "internal error")
		default:
			emulator.WriteJSON(w, http.StatusOK, map[string]any{"data": present(updated)})
		}
	})
	s.mux.HandleFunc("DELETE "+res.Path+"/{id}", func(w http.ResponseWriter, r *http.Request) {
		if !allowed(w, 'D') {
			return
		}
		id := r.PathValue("id")
		if !res.Collection.Exists(id) {
			WriteError(w, http.StatusNotFound, "not_found", "no such record")
			return
		}
		if res.BeforeDelete != nil {
			if err := res.BeforeDelete(id); err != nil {
				WriteError(w, http.StatusConflict, "conflict", err.Error())
				return
			}
		}
		res.Collection.Delete(id)
		w.WriteHeader(http.StatusNoContent)
	})
}

var errInvalid = errors.New("invalid")

func errType(status int) string {
	if status == http.StatusBadRequest {
		return "invalid_request"
	}
	return "validation_failed"
}

func listQuery[T any](r *http.Request) (emulator.Query[T], []FieldError) {
	q := emulator.Query[T]{Limit: DefaultLimit, After: r.URL.Query().Get("cursor")}
	var errs []FieldError
	if v := r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > MaxLimit {
			errs = append(errs, FieldError{Field: "limit", Message: fmt.Sprintf("limit must be between 1 and %d", MaxLimit)})
		} else {
			q.Limit = n
		}
	}
	if v := r.URL.Query().Get("updated_since"); v != "" {
		t, err := time.Parse(time.RFC3339Nano, v)
		if err != nil {
			errs = append(errs, FieldError{Field: "updated_since", Message: "updated_since must be an RFC 3339 timestamp"})
		} else {
			q.UpdatedSince = t
		}
	}
	return q, errs
}

var unknownField = regexp.MustCompile(`unknown field "([^"]+)"`)

// mergePatch applies a PATCH body to a stored record as the dialect says:
// fields present replace the stored ones, arrays whole; objects (such as
// "custom") are merged key by key, one level deep.
func mergePatch[T any](stored T, patch []byte) ([]byte, []FieldError, int) {
	var p map[string]json.RawMessage
	if err := json.Unmarshal(patch, &p); err != nil {
		return nil, []FieldError{{Field: "", Message: "the body must be a JSON object"}}, http.StatusBadRequest
	}
	cur, err := json.Marshal(stored)
	if err != nil {
		return nil, []FieldError{{Field: "", Message: "internal error"}}, http.StatusInternalServerError
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(cur, &m); err != nil {
		return nil, []FieldError{{Field: "", Message: "internal error"}}, http.StatusInternalServerError
	}
	for k, v := range p {
		var oldObj, newObj map[string]json.RawMessage
		if json.Unmarshal(m[k], &oldObj) == nil && oldObj != nil && json.Unmarshal(v, &newObj) == nil && newObj != nil {
			for nk, nv := range newObj {
				oldObj[nk] = nv
			}
			merged, _ := json.Marshal(oldObj)
			m[k] = merged
			continue
		}
		m[k] = v
	}
	out, _ := json.Marshal(m)
	return out, nil, 0
}

// decodeChecked checks the client's body for fields it may not send, then
// decodes the full record (body merged with what is stored) into rec.
func decodeChecked(r *http.Request, full []byte, rec any, readOnly map[string]bool) ([]FieldError, int) {
	if ferrs, status := decodeBody(r, new(map[string]any), readOnly); len(ferrs) > 0 {
		return ferrs, status
	}
	dec := json.NewDecoder(bytes.NewReader(full))
	dec.DisallowUnknownFields()
	return decodeErr(dec.Decode(rec))
}

// decodeBody decodes a JSON object onto rec, refusing read-only and unknown
// fields and wrongly typed values, each as a field error.
func decodeBody(r *http.Request, rec any, readOnly map[string]bool) ([]FieldError, int) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		return []FieldError{{Field: "", Message: "unreadable body"}}, http.StatusBadRequest
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(body, &top); err != nil {
		return []FieldError{{Field: "", Message: "the body must be a JSON object"}}, http.StatusBadRequest
	}
	var errs []FieldError
	for k := range top {
		if readOnly[k] {
			errs = append(errs, FieldError{Field: k, Message: k + " cannot be set"})
		}
	}
	if len(errs) > 0 {
		return errs, http.StatusUnprocessableEntity
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	return decodeErr(dec.Decode(rec))
}

// decodeErr turns a JSON decoding error into field errors.
func decodeErr(err error) ([]FieldError, int) {
	if err != nil {
		var te *json.UnmarshalTypeError
		switch {
		case errors.As(err, &te):
			return []FieldError{{Field: te.Field, Message: fmt.Sprintf("%s must be a %s", te.Field, jsonType(te.Type.Kind().String()))}}, http.StatusUnprocessableEntity
		case unknownField.MatchString(err.Error()):
			f := unknownField.FindStringSubmatch(err.Error())[1]
			return []FieldError{{Field: f, Message: "unknown field " + f}}, http.StatusUnprocessableEntity
		default:
			return []FieldError{{Field: "", Message: "malformed JSON body"}}, http.StatusBadRequest
		}
	}
	return nil, 0
}

func jsonType(kind string) string {
	switch {
	case strings.HasPrefix(kind, "int"), strings.HasPrefix(kind, "uint"), strings.HasPrefix(kind, "float"):
		return "number"
	case kind == "slice":
		return "list"
	case kind == "struct", kind == "map":
		return "object"
	}
	return kind
}
