package salesforceemu

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
)

const testToken = "00DHs0000001abc!AQ4AQTestToken"

type client struct {
	t   *testing.T
	url string
}

type answer struct {
	status int
	header http.Header
	body   []byte
}

func (a answer) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(a.body, &m); err != nil {
		t.Fatalf("body %s: %v", a.body, err)
	}
	return m
}

// errs reads Salesforce's error array.
func (a answer) errs(t *testing.T) []sfError {
	t.Helper()
	var e []sfError
	if err := json.Unmarshal(a.body, &e); err != nil || len(e) == 0 {
		t.Fatalf("not an error array: %s", a.body)
	}
	return e
}

func newClient(t *testing.T, opts Options) (*Emulator, *client) {
	t.Helper()
	if opts.Token == "" {
		opts.Token = testToken
	}
	e := New(opts)
	srv := httptest.NewServer(e)
	t.Cleanup(srv.Close)
	return e, &client{t: t, url: srv.URL}
}

func (c *client) do(method, path, body string, hdr ...string) answer {
	c.t.Helper()
	req, err := http.NewRequest(method, c.url+path, strings.NewReader(body))
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+testToken)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return answer{status: resp.StatusCode, header: resp.Header, body: b}
}

func (c *client) query(q string, hdr ...string) answer {
	return c.do("GET", dataPath+"/query?q="+url.QueryEscape(q), "", hdr...)
}

var (
	idRe       = regexp.MustCompile(`^[0-9A-Za-z]{18}$`)
	datetimeRe = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000$`)
)

func TestAuthAndLimits(t *testing.T) {
	e, c := newClient(t, Options{Seed: false})
	// The versions resource needs no session.
	if a := c.do("GET", "/services/data", ""); a.status != 200 || !strings.Contains(string(a.body), `"version":"60.0"`) {
		t.Fatalf("versions: %d %s", a.status, a.body)
	}
	req, _ := http.NewRequest("GET", c.url+dataPath+"/sobjects/Contact/describe", nil)
	req.Header.Set("Authorization", "Bearer wrong")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 401 || string(b) != `[{"message":"Session expired or invalid","errorCode":"INVALID_SESSION_ID"}]` {
		t.Fatalf("bad testToken: %d %s", resp.StatusCode, b)
	}
	a := c.do("GET", dataPath+"/limits", "")
	if a.status != 200 || a.header.Get("Sforce-Limit-Info") != "api-usage=1/100000" {
		t.Fatalf("limits: %d %v", a.status, a.header)
	}
	e.Limiter.SetLimit(2, time.Hour)
	c.do("GET", dataPath+"/limits", "")
	c.do("GET", dataPath+"/limits", "")
	a = c.do("GET", dataPath+"/sobjects", "")
	if a.status != 403 || a.errs(t)[0].ErrorCode != "REQUEST_LIMIT_EXCEEDED" || a.errs(t)[0].Message != "TotalRequests Limit exceeded." {
		t.Fatalf("past the limit: %d %s", a.status, a.body)
	}
	if a.header.Get("Sforce-Limit-Info") != "api-usage=2/2" || a.header.Get("Retry-After") != "" {
		t.Fatalf("limit headers: %v", a.header)
	}
	if a := c.do("GET", "/services/data/v59.0/limits", ""); a.status != 403 {
		t.Fatalf("other versions count too: %d", a.status)
	}
}

func TestCreateGetUpdateDelete(t *testing.T) {
	e, c := newClient(t, Options{Seed: true})
	account := e.Collection("Account").All()[0]["Id"].(string)
	a := c.do("POST", dataPath+"/sobjects/Contact", `{"FirstName":"Ada","LastName":"Lovelace","AccountId":"`+account[:15]+`","Email":"ada@engines.example","Lead_Score__c":87}`)
	if a.status != 201 {
		t.Fatalf("create: %d %s", a.status, a.body)
	}
	created := a.json(t)
	id, _ := created["id"].(string)
	if !idRe.MatchString(id) || id[:3] != "003" || created["success"] != true || len(created["errors"].([]any)) != 0 {
		t.Fatalf("create answer: %s", a.body)
	}
	if got, ok := canonicalID(id); !ok || got != id {
		t.Fatalf("the id's checksum is wrong: %s", id)
	}
	// The 15-character form and a case-mangled 18-character form name it too.
	for _, form := range []string{id[:15], strings.ToLower(id)} {
		a = c.do("GET", dataPath+"/sobjects/Contact/"+form+"?fields=Name,AccountId,CreatedDate,Lead_Score__c", "")
		if a.status != 200 {
			t.Fatalf("get %s: %d %s", form, a.status, a.body)
		}
	}
	// ?fields= keeps their order, adds Id, and the lookup is stored in its 18-character form.
	want := `{"attributes":{"type":"Contact","url":"/services/data/v60.0/sobjects/Contact/` + id + `"},"Name":"Ada Lovelace","AccountId":"` + account + `","CreatedDate":"`
	if !strings.HasPrefix(string(a.body), want) || !strings.HasSuffix(string(a.body), `"Lead_Score__c":87.0,"Id":"`+id+`"}`) {
		t.Fatalf("get body: %s", a.body)
	}
	if cd := a.json(t)["CreatedDate"].(string); !datetimeRe.MatchString(cd) {
		t.Fatalf("datetime %q", cd)
	}
	if a = c.do("PATCH", dataPath+"/sobjects/Contact/"+id, `{"Title":"Countess","Email":null}`); a.status != 204 || len(a.body) != 0 {
		t.Fatalf("update: %d %s", a.status, a.body)
	}
	got := c.do("GET", dataPath+"/sobjects/Contact/"+id, "").json(t)
	if got["Title"] != "Countess" || got["Email"] != nil || got["LastName"] != "Lovelace" || got["MailingAddress"] != nil {
		t.Fatalf("after update: %v", got)
	}
	if a = c.do("DELETE", dataPath+"/sobjects/Contact/"+id, ""); a.status != 204 {
		t.Fatalf("delete: %d %s", a.status, a.body)
	}
	// In the recycle bin: GET is 404 NOT_FOUND, PATCH and DELETE are ENTITY_IS_DELETED.
	if a = c.do("GET", dataPath+"/sobjects/Contact/"+id, ""); a.status != 404 || a.errs(t)[0].ErrorCode != "NOT_FOUND" {
		t.Fatalf("get deleted: %d %s", a.status, a.body)
	}
	for _, m := range []string{"PATCH", "DELETE"} {
		if a = c.do(m, dataPath+"/sobjects/Contact/"+id, `{"Title":"x"}`); a.status != 404 || a.errs(t)[0].ErrorCode != "ENTITY_IS_DELETED" {
			t.Fatalf("%s deleted: %d %s", m, a.status, a.body)
		}
	}
	// An id of another object is read as an external id value.
	if a = c.do("GET", dataPath+"/sobjects/Contact/"+account, ""); a.status != 404 ||
		a.errs(t)[0].Message != "Provided external ID field does not exist or is not accessible: "+account {
		t.Fatalf("wrong object: %d %s", a.status, a.body)
	}
	if a = c.do("GET", dataPath+"/sobjects/Nope/"+account, ""); a.status != 404 {
		t.Fatalf("unknown object: %d %s", a.status, a.body)
	}
}

func TestCascadeDelete(t *testing.T) {
	e, c := newClient(t, Options{Seed: true})
	var account string
	e.Collection("Contact").Each(func(r *Record) bool {
		if id, ok := (*r)["AccountId"].(string); ok {
			account = id
			return false
		}
		return true
	})
	before := e.Count("Contact")
	if a := c.do("DELETE", dataPath+"/sobjects/Account/"+account, ""); a.status != 204 {
		t.Fatalf("delete: %d %s", a.status, a.body)
	}
	n := c.query("SELECT COUNT() FROM Contact WHERE AccountId = '" + account + "'").json(t)["totalSize"]
	if n != 0.0 || e.Count("Contact") >= before {
		t.Fatalf("the account's contacts were not deleted with it: %v", n)
	}
}

func TestValidationErrors(t *testing.T) {
	e, c := newClient(t, Options{Seed: true})
	account := e.Collection("Account").All()[0]["Id"].(string)
	contact := e.Collection("Contact").All()[0]["Id"].(string)
	cases := []struct {
		name, object, body string
		code               string
		fields             []string
		message            string
	}{
		{"required", "Contact", `{"FirstName":"Ada"}`, "REQUIRED_FIELD_MISSING", []string{"LastName"}, "Required fields are missing: [LastName]"},
		{"opportunity requires three", "Opportunity", `{"Amount":10}`, "REQUIRED_FIELD_MISSING", []string{"Name", "StageName", "CloseDate"},
			"Required fields are missing: [Name, StageName, CloseDate]"},
		{"lead company", "Lead", `{"LastName":"Hopper"}`, "REQUIRED_FIELD_MISSING", []string{"Company"}, ""},
		{"too long", "Contact", `{"LastName":"` + strings.Repeat("x", 81) + `"}`, "STRING_TOO_LONG", []string{"LastName"}, ""},
		{"email", "Contact", `{"LastName":"X","Email":"not-an-email"}`, "INVALID_EMAIL_ADDRESS", []string{"Email"}, "Email: invalid email address: not-an-email"},
		{"restricted picklist", "Account", `{"Name":"X","Region__c":"Mars"}`, "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST", []string{"Region__c"},
			"Region: bad value for restricted picklist field: Mars"},
		{"malformed id", "Contact", `{"LastName":"X","AccountId":"nope"}`, "MALFORMED_ID", []string{"AccountId"}, "Account ID: id value of incorrect type: nope"},
		{"id of the wrong object", "Contact", `{"LastName":"X","AccountId":"` + contact + `"}`, "FIELD_INTEGRITY_EXCEPTION", []string{"AccountId"}, ""},
		{"no such record", "Contact", `{"LastName":"X","AccountId":"001Hs0000zzzzzz"}`, "INVALID_CROSS_REFERENCE_KEY", []string{"AccountId"}, ""},
		{"unknown field", "Contact", `{"LastName":"X","Nickname":"Y"}`, "INVALID_FIELD", nil, "No such column 'Nickname' on sobject of type Contact"},
		{"read-only field", "Contact", `{"LastName":"X","Name":"Y"}`, "INVALID_FIELD_FOR_INSERT_UPDATE", []string{"Name"}, ""},
		{"validation rule", "Opportunity", `{"Name":"X","StageName":"Prospecting","CloseDate":"2030-01-01","Amount":-1,"AccountId":"` + account + `"}`,
			"FIELD_CUSTOM_VALIDATION_EXCEPTION", []string{"Amount"}, "Amount cannot be negative."},
		{"wrong JSON type", "Opportunity", `{"Name":"X","StageName":"Prospecting","CloseDate":"2030-13-45"}`, "JSON_PARSER_ERROR", nil, ""},
		{"converted status", "Lead", `{"LastName":"X","Company":"Y","Status":"Closed - Converted"}`, "FIELD_INTEGRITY_EXCEPTION", []string{"Status"}, ""},
		{"event without end", "Event", `{"Subject":"X","StartDateTime":"2030-01-01T10:00:00Z"}`, "REQUIRED_FIELD_MISSING", []string{"EndDateTime"}, ""},
		{"calculated field", "Task", `{"Subject":"X","IsClosed":true}`, "INVALID_FIELD_FOR_INSERT_UPDATE", []string{"IsClosed"}, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a := c.do("POST", dataPath+"/sobjects/"+tc.object, tc.body)
			if a.status != 400 {
				t.Fatalf("%d %s", a.status, a.body)
			}
			e := a.errs(t)[0]
			if e.ErrorCode != tc.code || tc.message != "" && e.Message != tc.message || strings.Join(e.Fields, ",") != strings.Join(tc.fields, ",") {
				t.Fatalf("got %+v", e)
			}
		})
	}
	if a := c.do("POST", dataPath+"/sobjects/Contact", `{"LastName":`); a.status != 400 || a.errs(t)[0].ErrorCode != "JSON_PARSER_ERROR" {
		t.Fatalf("bad JSON: %d %s", a.status, a.body)
	}
	if a := c.do("POST", dataPath+"/sobjects/OpportunityStage", `{"MasterLabel":"X"}`); a.status != 400 || a.errs(t)[0].ErrorCode != "INVALID_TYPE_FOR_OPERATION" {
		t.Fatalf("read-only object: %d %s", a.status, a.body)
	}
	if a := c.do("PUT", dataPath+"/sobjects/Contact/"+contact, `{}`); a.status != 405 {
		t.Fatalf("PUT: %d %s", a.status, a.body)
	}
}

func TestDerivedFields(t *testing.T) {
	_, c := newClient(t, Options{Seed: true})
	a := c.do("POST", dataPath+"/sobjects/Opportunity", `{"Name":"X","StageName":"Closed Won","CloseDate":"2030-01-01","Amount":15000000}`)
	id := a.json(t)["id"].(string)
	got := c.do("GET", dataPath+"/sobjects/Opportunity/"+id+"?fields=IsClosed,IsWon,Probability,ForecastCategoryName,Amount", "")
	if !strings.Contains(string(got.body), `"IsClosed":true,"IsWon":true,"Probability":100.0,"ForecastCategoryName":"Closed","Amount":1.5E7`) {
		t.Fatalf("derived from the stage, Java doubles: %s", got.body)
	}
	// A probability sent with the stage wins over the stage's default.
	c.do("PATCH", dataPath+"/sobjects/Opportunity/"+id, `{"StageName":"Prospecting","Probability":35,"Amount":1500.5}`)
	got = c.do("GET", dataPath+"/sobjects/Opportunity/"+id+"?fields=IsClosed,Probability,Amount", "")
	if !strings.Contains(string(got.body), `"IsClosed":false,"Probability":35.0,"Amount":1500.5`) {
		t.Fatalf("reopened: %s", got.body)
	}
	a = c.do("POST", dataPath+"/sobjects/Event", `{"Subject":"Demo","StartDateTime":"2030-01-01T10:00:00.000+0000","DurationInMinutes":45}`)
	ev := c.do("GET", dataPath+"/sobjects/Event/"+a.json(t)["id"].(string), "").json(t)
	if ev["EndDateTime"] != "2030-01-01T10:45:00.000+0000" || ev["ActivityDateTime"] != "2030-01-01T10:00:00.000+0000" || ev["ActivityDate"] != "2030-01-01" {
		t.Fatalf("event times: %v", ev)
	}
	a = c.do("POST", dataPath+"/sobjects/Task", `{"Subject":"Call back","TaskSubtype":"Call"}`)
	tid := a.json(t)["id"].(string)
	task := c.do("GET", dataPath+"/sobjects/Task/"+tid, "").json(t)
	if task["Status"] != "Not Started" || task["Priority"] != "Normal" || task["IsClosed"] != false || task["CompletedDateTime"] != nil {
		t.Fatalf("task defaults: %v", task)
	}
	c.do("PATCH", dataPath+"/sobjects/Task/"+tid, `{"Status":"Completed"}`)
	task = c.do("GET", dataPath+"/sobjects/Task/"+tid, "").json(t)
	if task["IsClosed"] != true || task["CompletedDateTime"] == nil {
		t.Fatalf("completed task: %v", task)
	}
	if a := c.do("PATCH", dataPath+"/sobjects/Task/"+tid, `{"TaskSubtype":"Email"}`); a.status != 400 || a.errs(t)[0].ErrorCode != "INVALID_FIELD_FOR_INSERT_UPDATE" {
		t.Fatalf("subtype update: %d %s", a.status, a.body)
	}
}

func TestDescribeMatchesRecords(t *testing.T) {
	e, c := newClient(t, Options{Seed: true})
	for _, object := range []string{"Account", "Contact", "Opportunity", "Lead", "Task", "Event", "User", "OpportunityStage", "Organization"} {
		d := c.do("GET", dataPath+"/sobjects/"+object+"/describe", "").json(t)
		fields := map[string]map[string]any{}
		for _, f := range d["fields"].([]any) {
			fm := f.(map[string]any)
			fields[fm["name"].(string)] = fm
		}
		all := e.Collection(object).All()
		if len(all) == 0 {
			t.Fatalf("no %s records", object)
		}
		customWithValue := 0
		for _, rec := range all {
			for k, v := range rec {
				f, ok := fields[k]
				if !ok {
					t.Fatalf("%s record has %s, which describe does not list", object, k)
				}
				if f["custom"] == true && v != nil {
					customWithValue++
				}
			}
		}
		switch object {
		case "Account", "Contact", "Opportunity", "Lead":
			if customWithValue == 0 {
				t.Errorf("no %s seed record has a custom field value", object)
			}
		}
		full := c.do("GET", dataPath+"/sobjects/"+object+"/"+all[0]["Id"].(string), "").json(t)
		for k := range full {
			if _, ok := fields[k]; !ok && k != "attributes" {
				t.Errorf("%s GET shows %s, which describe does not list", object, k)
			}
		}
		if len(full) != len(fields)+1 {
			t.Errorf("%s GET shows %d fields, describe %d", object, len(full)-1, len(fields))
		}
	}
	d := c.do("GET", dataPath+"/sobjects/Account/describe", "").json(t)
	if d["keyPrefix"] != "001" || d["name"] != "Account" {
		t.Fatalf("describe: %v", d["keyPrefix"])
	}
}

func TestSeed(t *testing.T) {
	now := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	e := New(Options{Token: testToken, Seed: true, Now: func() time.Time { return now }})
	for object, least := range map[string]int{"User": 8, "Account": 10, "Contact": 25, "Opportunity": 15, "Lead": 10, "Task": 20, "Event": 10, "OpportunityStage": 10} {
		if n := e.Count(object); n < least {
			t.Errorf("%d %s records, want at least %d", n, object, least)
		}
	}
	e.Collection("Contact").Each(func(r *Record) bool {
		c, _ := parseTime((*r)["CreatedDate"].(string))
		m, _ := parseTime((*r)["LastModifiedDate"].(string))
		if !c.Before(now) || m.Before(c) || !m.Before(now) {
			t.Errorf("times %v %v", c, m)
		}
		return true
	})
	converted := 0
	e.Collection("Lead").Each(func(r *Record) bool {
		if (*r)["IsConverted"] == true {
			converted++
		}
		return true
	})
	if converted == 0 {
		t.Error("no converted lead")
	}
	again := New(Options{Token: testToken, Seed: true, Now: func() time.Time { return now }})
	a, _ := json.Marshal(e.Collection("Opportunity").All())
	b, _ := json.Marshal(again.Collection("Opportunity").All())
	if string(a) != string(b) {
		t.Error("the seed is not deterministic")
	}
}

// TestConcurrentClients runs writes and queries side by side (run with -race).
func TestConcurrentClients(t *testing.T) {
	e, c := newClient(t, Options{Seed: true})
	before := e.Count("Contact")
	done := make(chan struct{})
	for i := range 8 {
		go func() {
			defer func() { done <- struct{}{} }()
			a := c.do("POST", dataPath+"/sobjects/Contact", `{"LastName":"Parallel `+string(rune('A'+i))+`"}`)
			if a.status != 201 {
				t.Errorf("create: %d %s", a.status, a.body)
				return
			}
			id := a.json(t)["id"].(string)
			if a := c.do("PATCH", dataPath+"/sobjects/Contact/"+id, `{"Title":"T"}`); a.status != 204 {
				t.Errorf("update: %d", a.status)
			}
			if a := c.query("SELECT Id, Name FROM Contact ORDER BY Name LIMIT 10"); a.status != 200 {
				t.Errorf("query: %d", a.status)
			}
		}()
	}
	for range 8 {
		<-done
	}
	if n := e.Count("Contact"); n != before+8 {
		t.Fatalf("%d contacts, want %d", n, before+8)
	}
}
