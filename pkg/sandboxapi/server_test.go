package sandboxapi

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/unimesh/unimesh/pkg/emulator"
)

type item struct {
	Key   string `json:"key,omitempty"`
	Value string `json:"value"`
}

type thing struct {
	ID        string         `json:"id"`
	Name      string         `json:"name"`
	Kind      string         `json:"kind"`
	Count     int            `json:"count"`
	Items     []item         `json:"items"`
	Custom    map[string]any `json:"custom"`
	Computed  string         `json:"computed"`
	CreatedAt time.Time      `json:"created_at"`
	UpdatedAt time.Time      `json:"updated_at"`
}

func newThings(t *testing.T) (*httptest.Server, *Server) {
	t.Helper()
	s := NewServer(Options{APIKeys: KeyIs("k1"), RateLimit: 1000, RateWindow: time.Second})
	c := emulator.NewCollection(s.Store, "things", emulator.SequentialIDs("t", 0), func(r *thing, m emulator.Meta) {
		r.ID, r.CreatedAt, r.UpdatedAt = m.ID, m.Created, m.Updated
	})
	Register(s, Resource[thing]{
		Path: "/v1/things", Collection: c, Ops: "LGCUD", ReadOnly: []string{"computed"}, Immutable: []string{"kind"},
		Validate: func(r *thing, create bool) []FieldError {
			var ch Checker
			ch.Required("name", r.Name)
			r.Computed = strings.ToUpper(r.Name)
			return ch.Errors
		},
		Filter: func(q map[string]string) (func(*thing) bool, []FieldError) {
			for k := range q {
				if k != "kind" {
					return nil, []FieldError{{Field: k, Message: "unknown filter " + k}}
				}
			}
			kind := q["kind"]
			return func(r *thing) bool { return kind == "" || r.Kind == kind }, nil
		},
	})
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	return srv, s
}

func call(t *testing.T, srv *httptest.Server, key, method, path, body string) (int, map[string]any, http.Header) {
	t.Helper()
	req, _ := http.NewRequest(method, srv.URL+path, bytes.NewBufferString(body))
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out, resp.Header
}

func errField(out map[string]any) string {
	errs, _ := out["error"].(map[string]any)["errors"].([]any)
	if len(errs) == 0 {
		return ""
	}
	return errs[0].(map[string]any)["field"].(string)
}

func TestDialect(t *testing.T) {
	srv, s := newThings(t)
	code, out, _ := call(t, srv, "k1", "POST", "/v1/things", `{"name":"a","kind":"x","items":[{"key":"k","value":"1"},{"key":"j","value":"2"}],"custom":{"a":1}}`)
	if code != 201 {
		t.Fatalf("create: %d %v", code, out)
	}
	id := out["data"].(map[string]any)["id"].(string)

	// PATCH replaces arrays whole, with no key inherited from the old element.
	code, out, _ = call(t, srv, "k1", "PATCH", "/v1/things/"+id, `{"items":[{"value":"new"}],"custom":{"b":2}}`)
	d := out["data"].(map[string]any)
	items := d["items"].([]any)
	if code != 200 || len(items) != 1 || items[0].(map[string]any)["key"] != nil || items[0].(map[string]any)["value"] != "new" {
		t.Fatalf("patch items: %d %v", code, d)
	}
	// ...and merges objects key by key; other fields stay.
	if c := d["custom"].(map[string]any); c["a"] != 1.0 || c["b"] != 2.0 || d["name"] != "a" || d["computed"] != "A" {
		t.Fatalf("patch merge: %v", d)
	}
	cases := []struct {
		method, path, body string
		status             int
		field              string
	}{
		{"POST", "/v1/things", `{"kind":"x"}`, 422, "name"},
		{"POST", "/v1/things", `{"name":"a","nickname":"?"}`, 422, "nickname"},
		{"POST", "/v1/things", `{"name":"a","count":"three"}`, 422, "count"},
		{"POST", "/v1/things", `{"name":"a","computed":"X"}`, 422, "computed"},
		{"POST", "/v1/things", `{"name":"a","id":"t9"}`, 422, "id"},
		{"POST", "/v1/things", `[1,2]`, 400, ""},
		{"PATCH", "/v1/things/" + id, `{"kind":"y"}`, 422, "kind"},
		{"PATCH", "/v1/things/" + id, `{"name":""}`, 422, "name"},
		{"PATCH", "/v1/things/" + id, `{"bogus":1}`, 422, "bogus"},
		{"PATCH", "/v1/things/t999", `{"name":"z"}`, 404, ""},
		{"GET", "/v1/things?limit=0", "", 400, "limit"},
		{"GET", "/v1/things?limit=101", "", 400, "limit"},
		{"GET", "/v1/things?updated_since=yesterday", "", 400, "updated_since"},
		{"GET", "/v1/things?cursor=nope", "", 400, "cursor"},
		{"GET", "/v1/things?color=red", "", 400, "color"},
		{"GET", "/v1/things/t999", "", 404, ""},
		{"DELETE", "/v1/things/t999", "", 404, ""},
	}
	for _, tc := range cases {
		code, out, _ := call(t, srv, "k1", tc.method, tc.path, tc.body)
		if code != tc.status || errField(out) != tc.field {
			t.Errorf("%s %s %s: %d field %q; want %d %q (%v)", tc.method, tc.path, tc.body, code, errField(out), tc.status, tc.field, out)
		}
	}
	// A failed PATCH changes nothing.
	_, out, _ = call(t, srv, "k1", "GET", "/v1/things/"+id, "")
	if out["data"].(map[string]any)["kind"] != "x" || out["data"].(map[string]any)["name"] != "a" {
		t.Fatalf("after refused patches: %v", out)
	}
	for i := range 30 {
		call(t, srv, "k1", "POST", "/v1/things", `{"name":"n`+string(rune('a'+i%26))+`","kind":"`+[]string{"x", "y"}[i%2]+`"}`)
	}
	code, out, _ = call(t, srv, "k1", "GET", "/v1/things?kind=y&limit=10", "")
	meta := out["meta"].(map[string]any)
	if code != 200 || len(out["data"].([]any)) != 10 || meta["has_more"] != true || meta["total"] != 15.0 {
		t.Fatalf("filtered page: %v", meta)
	}
	code, _, _ = call(t, srv, "k1", "DELETE", "/v1/things/"+id, "")
	if code != 204 {
		t.Fatalf("delete: %d", code)
	}

	// Auth and rate limits, with the dialect's headers.
	if code, out, _ := call(t, srv, "", "GET", "/v1/things", ""); code != 401 || out["error"].(map[string]any)["type"] != "unauthorized" {
		t.Fatalf("no key: %d %v", code, out)
	}
	if code, _, _ := call(t, srv, "k2", "GET", "/v1/things", ""); code != 401 {
		t.Fatalf("wrong key: %d", code)
	}
	s.Limiter.SetLimit(1, time.Hour)
	_, _, h := call(t, srv, "k1", "GET", "/v1/things", "")
	if h.Get("X-RateLimit-Limit") != "1" || h.Get("X-RateLimit-Reset") == "" {
		t.Fatalf("rate headers: %v", h)
	}
	code, out, h = call(t, srv, "k1", "GET", "/v1/things", "")
	if code != 429 || h.Get("Retry-After") == "" || out["error"].(map[string]any)["type"] != "rate_limited" {
		t.Fatalf("over the limit: %d %v %v", code, h, out)
	}
}
