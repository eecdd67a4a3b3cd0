package pipedriveemu

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

const token = "pd-test-token"

var fixedNow = time.Date(2025, 6, 2, 9, 30, 0, 0, time.UTC)

func start(t *testing.T) (*Emulator, *httptest.Server) {
	t.Helper()
	e := New(Options{Token: token, Seed: true, Now: func() time.Time { return fixedNow }, RateLimit: 1 << 20})
	srv := httptest.NewServer(e)
	t.Cleanup(srv.Close)
	return e, srv
}

type response struct {
	status int
	header http.Header
	body   map[string]any
	raw    string
}

func call(t *testing.T, srv *httptest.Server, method, path, body string, header ...string) response {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, srv.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("x-api-token", token)
	for i := 0; i+1 < len(header); i += 2 {
		if header[i+1] == "" {
			req.Header.Del(header[i])
		} else {
			req.Header.Set(header[i], header[i+1])
		}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	out := response{status: resp.StatusCode, header: resp.Header, raw: string(b)}
	_ = json.Unmarshal(b, &out.body)
	return out
}

func (r response) data() map[string]any { m, _ := r.body["data"].(map[string]any); return m }

func (r response) list() []any { l, _ := r.body["data"].([]any); return l }

// wantError checks Pipedrive's error envelope.
func wantError(t *testing.T, r response, status int, msg string) {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d: %s", r.status, status, r.raw)
	}
	for _, k := range []string{"success", "error", "error_info", "data", "additional_data"} {
		if _, ok := r.body[k]; !ok {
			t.Fatalf("error body lacks %q: %s", k, r.raw)
		}
	}
	if r.body["success"] != false || r.body["data"] != nil || r.body["additional_data"] != nil || r.body["error_info"] == "" {
		t.Fatalf("error body: %s", r.raw)
	}
	if got, _ := r.body["error"].(string); !strings.Contains(got, msg) {
		t.Fatalf("error %q, want it to contain %q", got, msg)
	}
}

var (
	rfc3339RE = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$`)
	v1TimeRE  = regexp.MustCompile(`^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$`)
	isoMsRE   = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$`)
)

func TestAuthentication(t *testing.T) {
	_, srv := start(t)
	wantError(t, call(t, srv, "GET", "/api/v2/persons", "", "x-api-token", ""), 401, "You need to be authorized")
	wantError(t, call(t, srv, "GET", "/api/v2/persons", "", "x-api-token", "wrong"), 401, "unauthorized access")
	if r := call(t, srv, "GET", "/api/v2/persons?api_token="+token, "", "x-api-token", ""); r.status != 200 {
		t.Fatalf("api_token query parameter: %d", r.status)
	}
	if r := call(t, srv, "GET", "/api/v2/persons", "", "x-api-token", "", "Authorization", "Bearer "+token); r.status != 200 {
		t.Fatalf("OAuth bearer: %d", r.status)
	}
}

func TestV2CursorPagingAndFormats(t *testing.T) {
	e, srv := start(t)
	seen := map[float64]bool{}
	cursor := ""
	pages := 0
	for {
		path := "/api/v2/persons?limit=7"
		if cursor != "" {
			path += "&cursor=" + cursor
		}
		r := call(t, srv, "GET", path, "")
		if r.status != 200 || r.body["success"] != true {
			t.Fatalf("list: %s", r.raw)
		}
		items := r.list()
		if len(items) > 7 {
			t.Fatalf("page of %d", len(items))
		}
		for _, it := range items {
			p := it.(map[string]any)
			seen[p["id"].(float64)] = true
			if !rfc3339RE.MatchString(p["add_time"].(string)) || !rfc3339RE.MatchString(p["update_time"].(string)) {
				t.Fatalf("v2 times are RFC 3339: %v %v", p["add_time"], p["update_time"])
			}
			cf := p["custom_fields"].(map[string]any)
			if len(cf) != 3 {
				t.Fatalf("custom_fields has every custom key: %v", cf)
			}
			for k := range cf {
				if !hashKeyRE.MatchString(k) {
					t.Fatalf("custom field key %q is not a 40-character hash", k)
				}
			}
			if _, ok := p["owner_id"].(float64); !ok {
				t.Fatalf("v2 references are plain ids: %v", p["owner_id"])
			}
		}
		pages++
		next, _ := r.body["additional_data"].(map[string]any)["next_cursor"].(string)
		if next == "" {
			if r.body["additional_data"].(map[string]any)["next_cursor"] != nil {
				t.Fatal("next_cursor is null on the last page")
			}
			break
		}
		cursor = next
	}
	if len(seen) != e.Count("persons") || len(seen) < 25 || pages != 5 {
		t.Fatalf("%d persons over %d pages", len(seen), pages)
	}
	wantError(t, call(t, srv, "GET", "/api/v2/persons?cursor=bogus", ""), 400, "cursor")
	wantError(t, call(t, srv, "GET", "/api/v2/persons?limit=501", ""), 400, "limit")
}

func TestUpdatedSince(t *testing.T) {
	_, srv := start(t)
	since := fixedNow.Add(-24 * time.Hour).Format(time.RFC3339)
	all := call(t, srv, "GET", "/api/v2/deals?limit=500", "").list()
	recent := call(t, srv, "GET", "/api/v2/deals?limit=500&updated_since="+since, "").list()
	want := 0
	for _, d := range all {
		u, _ := time.Parse(time.RFC3339, d.(map[string]any)["update_time"].(string))
		if !u.Before(fixedNow.Add(-24 * time.Hour)) {
			want++
		}
	}
	if len(recent) != want || len(all) < 15 {
		t.Fatalf("%d of %d deals since %s, want %d", len(recent), len(all), since, want)
	}
	wantError(t, call(t, srv, "GET", "/api/v2/deals?updated_since=yesterday", ""), 400, "updated_since")
}

func TestMinimalDealLandsInDefaultPipelineFirstStage(t *testing.T) {
	_, srv := start(t)
	r := call(t, srv, "POST", "/api/v2/deals", `{"title":"Tiny deal","value":1234.50}`)
	if r.status != 201 {
		t.Fatalf("create: %s", r.raw)
	}
	d := r.data()
	pipes := call(t, srv, "GET", "/api/v2/pipelines", "").list()
	def := pipes[0].(map[string]any)
	stages := call(t, srv, "GET", "/api/v2/stages?pipeline_id="+strconv.Itoa(int(def["id"].(float64))), "").list()
	first := stages[0].(map[string]any)
	if d["pipeline_id"] != def["id"] || d["stage_id"] != first["id"] || d["status"] != "open" || d["currency"] != "USD" {
		t.Fatalf("deal %v; default pipeline %v first stage %v", d, def["id"], first["id"])
	}
	if !strings.Contains(r.raw, `"value":1234.50`) {
		t.Fatalf("the amount's exact text is kept: %s", r.raw)
	}
	if d["probability"] != nil || d["close_time"] != nil {
		t.Fatalf("an open deal has no probability of its own nor close time: %v", d)
	}
	won := call(t, srv, "PATCH", "/api/v2/deals/"+strconv.Itoa(int(d["id"].(float64))), `{"status":"won"}`).data()
	if won["won_time"] == nil || won["close_time"] != won["won_time"] {
		t.Fatalf("winning sets won_time and close_time: %v", won)
	}
	wantError(t, call(t, srv, "PATCH", "/api/v2/deals/"+strconv.Itoa(int(d["id"].(float64))), `{"lost_reason":"x"}`), 400, "lost_reason")
}

func TestValidationErrors(t *testing.T) {
	_, srv := start(t)
	wantError(t, call(t, srv, "POST", "/api/v2/deals", `{}`), 400, "Validation failed: title: is required")
	wantError(t, call(t, srv, "POST", "/api/v2/deals", `{"title":"x","value":"12"}`), 400, "value: must be a number")
	wantError(t, call(t, srv, "POST", "/api/v2/persons", `{"first_name":"Ada"}`), 400, "either name or both first_name and last_name")
	wantError(t, call(t, srv, "POST", "/api/v2/persons", `{"name":"Ada","org_id":99999}`), 400, "org_id: organization 99999 does not exist")
	wantError(t, call(t, srv, "POST", "/api/v2/persons", `{"name":"Ada","custom_fields":{"nope":1}}`), 400, "custom_fields.nope")
	wantError(t, call(t, srv, "POST", "/api/v2/persons", `{"name":"Ada","nickname":"A"}`), 400, "nickname")
	wantError(t, call(t, srv, "POST", "/api/v2/activities", `{"type":"call","person_id":1}`), 400, "person_id: is read-only")
	wantError(t, call(t, srv, "POST", "/api/v1/leads", `{"title":"Orphan"}`), 400, "linked to a person or an organization")
	wantError(t, call(t, srv, "POST", "/api/v1/notes", `{"content":"x"}`), 400, "must be attached")
}

func TestNotFound(t *testing.T) {
	_, srv := start(t)
	wantError(t, call(t, srv, "GET", "/api/v2/deals/999999", ""), 404, "Deal not found")
	wantError(t, call(t, srv, "GET", "/api/v1/leads/"+leadUUID(999), ""), 404, "Lead not found")
	wantError(t, call(t, srv, "GET", "/api/v1/notes/999999", ""), 404, "Note not found")
	wantError(t, call(t, srv, "GET", "/api/v1/users/1", ""), 404, "User not found")
	wantError(t, call(t, srv, "GET", "/api/v1/leads/not-a-uuid", ""), 400, "UUID")
}

func TestSoftDelete(t *testing.T) {
	e, srv := start(t)
	before := e.Count("persons")
	if r := call(t, srv, "DELETE", "/api/v2/persons/3", ""); r.status != 200 || r.data()["id"] != 3.0 {
		t.Fatalf("delete: %s", r.raw)
	}
	if r := call(t, srv, "GET", "/api/v2/persons/3", ""); r.status != 200 || r.data()["is_deleted"] != true {
		t.Fatalf("a deleted person stays readable, marked deleted: %s", r.raw)
	}
	if n := len(call(t, srv, "GET", "/api/v2/persons?limit=500", "").list()); n != before-1 {
		t.Fatalf("lists leave deleted persons out: %d", n)
	}
	wantError(t, call(t, srv, "PATCH", "/api/v2/persons/3", `{"name":"x"}`), 404, "Person not found")
}

func TestV1LeadsNotesUsersAndFields(t *testing.T) {
	e, srv := start(t)
	r := call(t, srv, "GET", "/api/v1/leads?limit=3", "")
	pag := r.body["additional_data"].(map[string]any)["pagination"].(map[string]any)
	if len(r.list()) != 3 || pag["more_items_in_collection"] != true || pag["next_start"] != 3.0 || pag["start"] != 0.0 || pag["limit"] != 3.0 {
		t.Fatalf("v1 paging: %s", r.raw)
	}
	lead := r.list()[0].(map[string]any)
	if !uuidRE.MatchString(lead["id"].(string)) || !isoMsRE.MatchString(lead["add_time"].(string)) {
		t.Fatalf("lead ids are UUIDs and times ISO 8601: %v %v", lead["id"], lead["add_time"])
	}
	active := len(call(t, srv, "GET", "/api/v1/leads?limit=500", "").list())
	archived := len(call(t, srv, "GET", "/api/v1/leads/archived?limit=500", "").list())
	if active+archived != e.Count("leads") || archived != 2 {
		t.Fatalf("%d active and %d archived leads", active, archived)
	}

	// Leads take the deal custom fields, set at their top level the v1 way.
	var enumKey, setKey, moneyKey string
	var enumOpt, setOpts []float64
	for _, f := range call(t, srv, "GET", "/api/v1/dealFields?limit=500", "").list() {
		f := f.(map[string]any)
		opts, _ := f["options"].([]any)
		switch f["name"] {
		case "Forecast category":
			enumKey, enumOpt = f["key"].(string), []float64{opts[1].(map[string]any)["id"].(float64)}
		case "Competitors":
			setKey = f["key"].(string)
			setOpts = []float64{opts[0].(map[string]any)["id"].(float64), opts[2].(map[string]any)["id"].(float64)}
		case "Contract value":
			moneyKey = f["key"].(string)
		}
	}
	body := `{"title":"Fields","person_id":1,"` + enumKey + `":"` + strconv.Itoa(int(enumOpt[0])) + `","` + setKey + `":"` +
		strconv.Itoa(int(setOpts[0])) + `,` + strconv.Itoa(int(setOpts[1])) + `","` + moneyKey + `":99.5,"` + moneyKey + `_currency":"EUR"}`
	created := call(t, srv, "POST", "/api/v1/leads", body)
	if created.status != 201 {
		t.Fatalf("create lead: %s", created.raw)
	}
	l := created.data()
	if l[enumKey] != strconv.Itoa(int(enumOpt[0])) || l[setKey] != strconv.Itoa(int(setOpts[0]))+","+strconv.Itoa(int(setOpts[1])) ||
		l[moneyKey] != 99.5 || l[moneyKey+"_currency"] != "EUR" {
		t.Fatalf("v1 custom field formats: %s", created.raw)
	}
	patched := call(t, srv, "PATCH", "/api/v1/leads/"+l["id"].(string), `{"is_archived":true,"`+enumKey+`":null}`).data()
	if patched["is_archived"] != true || patched[enumKey] != nil {
		t.Fatalf("patch lead: %v", patched)
	}

	n := call(t, srv, "GET", "/api/v1/notes?limit=1", "").list()[0].(map[string]any)
	if !v1TimeRE.MatchString(n["add_time"].(string)) || n["user"] == nil {
		t.Fatalf("v1 note: %v", n)
	}
	users := call(t, srv, "GET", "/api/v1/users", "").list()
	u := users[0].(map[string]any)
	if len(users) < 5 || u["is_admin"] != 1.0 || u["is_you"] != true || !v1TimeRE.MatchString(u["created"].(string)) {
		t.Fatalf("users: %v", u)
	}
}

func TestRateLimitHeaders(t *testing.T) {
	e, srv := start(t)
	e.Limiter.SetLimit(2, 2*time.Second)
	first := call(t, srv, "GET", "/api/v2/pipelines", "")
	if first.header.Get("x-ratelimit-limit") != "2" || first.header.Get("x-ratelimit-remaining") != "1" || first.header.Get("x-ratelimit-reset") == "" {
		t.Fatalf("rate-limit headers: %v", first.header)
	}
	call(t, srv, "GET", "/api/v2/pipelines", "")
	r := call(t, srv, "GET", "/api/v2/pipelines", "")
	wantError(t, r, 429, "Request over limit")
	if ra, err := strconv.Atoi(r.header.Get("Retry-After")); err != nil || ra < 1 || r.header.Get("x-ratelimit-remaining") != "0" {
		t.Fatalf("429 headers: %v", r.header)
	}
}

func TestActivityParticipantsAndDates(t *testing.T) {
	_, srv := start(t)
	r := call(t, srv, "POST", "/api/v2/activities",
		`{"type":"meeting","subject":"Kick-off","due_date":"2025-07-01","due_time":"09:30","duration":"01:15","participants":[{"person_id":2},{"person_id":4,"primary":true}]}`)
	if r.status != 201 {
		t.Fatalf("create: %s", r.raw)
	}
	a := r.data()
	if a["person_id"] != 4.0 || a["due_time"] != "09:30" || a["duration"] != "01:15" {
		t.Fatalf("activity: %v", a)
	}
	wantError(t, call(t, srv, "POST", "/api/v2/activities", `{"type":"séance"}`), 400, "type")
	wantError(t, call(t, srv, "POST", "/api/v2/activities", `{"type":"call","due_time":"25:00","due_date":"2025-07-01"}`), 400, "due_time")
}

func TestSeedIsDeterministic(t *testing.T) {
	a, srvA := start(t)
	_, srvB := start(t)
	for _, path := range []string{"/api/v2/persons?limit=500", "/api/v2/deals?limit=500", "/api/v1/leads?limit=500", "/api/v2/activities?limit=500"} {
		if x, y := call(t, srvA, "GET", path, "").raw, call(t, srvB, "GET", path, "").raw; x != y {
			t.Fatalf("%s differs between two seeded emulators", path)
		}
	}
	if a.Count("organizations") < 10 || a.Count("deals") < 15 || a.Count("persons") < 25 || a.Count("activities")+a.Count("notes") < 30 {
		t.Fatal("the demo account is too small")
	}
}

func TestSaveAndLoadKeepEverything(t *testing.T) {
	e, srv := start(t)
	path := t.TempDir() + "/pipedrive.json"
	lead := call(t, srv, "GET", "/api/v1/leads?limit=500", "").raw
	if err := e.Store.Save(path); err != nil {
		t.Fatal(err)
	}
	fresh := New(Options{Token: token, Now: func() time.Time { return fixedNow }, RateLimit: 1 << 20})
	if ok, err := fresh.Store.Load(path); !ok || err != nil {
		t.Fatalf("load: %v %v", ok, err)
	}
	srv2 := httptest.NewServer(fresh)
	defer srv2.Close()
	if got := call(t, srv2, "GET", "/api/v1/leads?limit=500", "").raw; got != lead {
		t.Fatalf("leads (and their custom fields) changed through Save and Load:\n%s\n%s", lead, got)
	}
	// The token's user is still the author of what it creates.
	n := call(t, srv2, "POST", "/api/v1/notes", `{"content":"after a restart","person_id":1}`)
	if n.status != 201 || n.data()["user"].(map[string]any)["is_you"] != true {
		t.Fatalf("note after load: %s", n.raw)
	}
}
