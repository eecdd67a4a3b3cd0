package salesforceemu

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"
)

// ids reads the Ids of a query answer.
func ids(t *testing.T, a answer) []string {
	t.Helper()
	var res struct {
		Records []map[string]any `json:"records"`
	}
	if err := json.Unmarshal(a.body, &res); err != nil {
		t.Fatalf("%d %s", a.status, a.body)
	}
	var out []string
	for _, r := range res.Records {
		id, _ := r["Id"].(string)
		out = append(out, id)
	}
	return out
}

func TestQueryLanguage(t *testing.T) {
	now := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	e, c := newClient(t, Options{Seed: true, Now: func() time.Time { return now }})
	count := func(where string) int {
		t.Helper()
		a := c.query("SELECT COUNT() FROM Contact WHERE " + where)
		if a.status != 200 {
			t.Fatalf("%s: %d %s", where, a.status, a.body)
		}
		return int(a.json(t)["totalSize"].(float64))
	}
	all := e.Collection("Contact").All()
	match := func(fn func(Record) bool) int {
		n := 0
		for _, r := range all {
			if fn(r) {
				n++
			}
		}
		return n
	}
	s := func(r Record, k string) string { v, _ := r[k].(string); return v }
	first := all[0]
	cases := []struct {
		where string
		want  int
	}{
		{"LastName = '" + strings.ToUpper(s(first, "LastName")) + "'", match(func(r Record) bool { return strings.EqualFold(s(r, "LastName"), s(first, "LastName")) })},
		{"AccountId = null", match(func(r Record) bool { return r["AccountId"] == nil })},
		{"AccountId != null AND MobilePhone != null", match(func(r Record) bool { return r["AccountId"] != nil && r["MobilePhone"] != nil })},
		{"(MailingCity = 'London' OR MailingCity = 'Berlin') AND NOT Newsletter_Opt_In__c = true",
			match(func(r Record) bool {
				return (r["MailingCity"] == "London" || r["MailingCity"] == "Berlin") && r["Newsletter_Opt_In__c"] != true
			})},
		{"MailingCity IN ('Paris', 'Tokyo')", match(func(r Record) bool { return r["MailingCity"] == "Paris" || r["MailingCity"] == "Tokyo" })},
		{"MailingCity NOT IN ('Paris', 'Tokyo')", match(func(r Record) bool { return r["MailingCity"] != "Paris" && r["MailingCity"] != "Tokyo" })},
		{"Email LIKE 'a%'", match(func(r Record) bool { return strings.HasPrefix(s(r, "Email"), "a") })},
		{"Lead_Score__c >= 50", match(func(r Record) bool {
			var n int
			_, err := fmt.Sscan(s(r, "Lead_Score__c"), &n)
			return err == nil && n >= 50
		})},
		{"CreatedDate >= 2025-03-01T00:00:00Z", match(func(r Record) bool {
			t, _ := parseTime(s(r, "CreatedDate"))
			return !t.Before(time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC))
		})},
		{"CreatedDate < 2025-03-01T01:00:00+01:00", match(func(r Record) bool {
			t, _ := parseTime(s(r, "CreatedDate"))
			return t.Before(time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC))
		})},
		{"LastModifiedDate = LAST_N_DAYS:30", match(func(r Record) bool {
			t, _ := parseTime(s(r, "LastModifiedDate"))
			return !t.Before(time.Date(2025, 5, 2, 0, 0, 0, 0, time.UTC))
		})},
		{"Id = '" + s(first, "Id")[:15] + "'", 1},
		{"Id > '" + s(all[9], "Id") + "'", len(all) - 10},
		{"Account.Industry = 'Technology'", match(func(r Record) bool {
			_, acct, ok := e.find(s(r, "AccountId"))
			return ok && acct["Industry"] == "Technology"
		})},
	}
	for _, tc := range cases {
		if tc.want == 0 && !strings.Contains(tc.where, "NOT IN") {
			t.Logf("%s matches nothing in the seed", tc.where)
		}
		if got := count(tc.where); got != tc.want {
			t.Errorf("WHERE %s: %d, want %d", tc.where, got, tc.want)
		}
	}
	// Dates against a date field.
	a := c.query("SELECT Id, CloseDate FROM Opportunity WHERE CloseDate > 2025-06-01 AND IsClosed = false ORDER BY CloseDate DESC NULLS LAST, Id LIMIT 5 OFFSET 1")
	var res struct {
		TotalSize int              `json:"totalSize"`
		Records   []map[string]any `json:"records"`
	}
	if err := json.Unmarshal(a.body, &res); err != nil || res.TotalSize != len(res.Records) || len(res.Records) == 0 {
		t.Fatalf("%d %s", a.status, a.body)
	}
	for i := 1; i < len(res.Records); i++ {
		if res.Records[i]["CloseDate"].(string) > res.Records[i-1]["CloseDate"].(string) {
			t.Fatalf("not in descending order: %v", res.Records)
		}
	}
	// Relationship fields nest as the related record, null when there is none.
	a = c.query("SELECT Name, Account.Name, Owner.Name FROM Contact WHERE AccountId = null LIMIT 1")
	if !regexp.MustCompile(`"Account":null,"Owner":\{"attributes":\{"type":"User","url":"/services/data/v60.0/sobjects/User/005\w{15}"\},"Name":"[^"]+"\}`).Match(a.body) {
		t.Fatalf("relationships: %s", a.body)
	}
}

func TestQueryErrors(t *testing.T) {
	_, c := newClient(t, Options{Seed: true})
	cases := []struct{ q, code, message string }{
		{"SELECT Id FORM Contact", "MALFORMED_QUERY", "\nSELECT Id FORM Contact\n          ^\nERROR at Row:1:Column:11\nunexpected token: FORM"},
		{"SELECT Id, Nme FROM Contact", "INVALID_FIELD", "\nSELECT Id, Nme FROM Contact\n           ^\nERROR at Row:1:Column:12\nNo such column 'Nme' on entity 'Contact'. " +
			"If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names."},
		{"SELECT Id FROM Contacts", "INVALID_TYPE", "\nSELECT Id FROM Contacts\n               ^\nERROR at Row:1:Column:16\nsObject type 'Contacts' is not supported. " +
			"If you are attempting to use a custom object, be sure to append the '__c' after the entity name. Please reference your WSDL or the describe call for the appropriate names."},
		{"SELECT Id FROM Contact WHERE LastModifiedDate >= '2024-01-01'", "INVALID_FIELD", "\nSELECT Id FROM Contact WHERE LastModifiedDate >= '2024-01-01'\n" +
			strings.Repeat(" ", 49) + "^\nERROR at Row:1:Column:50\nvalue of filter criterion for field 'LastModifiedDate' must be of type dateTime and should not be enclosed in quotes"},
		{"SELECT Id FROM Contact WHERE LastName = 5", "INVALID_FIELD", ""},
		{"SELECT Id FROM Contact WHERE CloseDate = 2024-01-01", "INVALID_FIELD", ""},
		{"SELECT Id FROM Opportunity WHERE CloseDate = 2024-01-01T00:00:00Z", "INVALID_FIELD", ""},
		{"SELECT Id FROM Contact LIMIT", "MALFORMED_QUERY", ""},
		{"SELECT Id FROM Contact WHERE Name = 'unterminated", "MALFORMED_QUERY", ""},
		{"SELECT Id FROM Contact ORDER BY Id LIMIT 5 OFFSET 2001", "NUMBER_OUTSIDE_VALID_RANGE", "Maximum SOQL offset allowed is 2000"},
		{"SELECT Id, Foo.Name FROM Contact", "INVALID_FIELD", ""},
	}
	for _, tc := range cases {
		a := c.query(tc.q)
		if a.status != 400 {
			t.Errorf("%s: %d %s", tc.q, a.status, a.body)
			continue
		}
		e := a.errs(t)[0]
		if e.ErrorCode != tc.code || tc.message != "" && e.Message != tc.message || e.Fields != nil {
			t.Errorf("%s: %+v", tc.q, e)
		}
	}
}

func TestQueryLocators(t *testing.T) {
	e, c := newClient(t, Options{Seed: true})
	for i := range 300 {
		e.Collection("Contact").Insert(Record{"LastName": fmt.Sprintf("Bulk %03d", i), "Name": fmt.Sprintf("Bulk %03d", i), "OwnerId": e.apiUser})
	}
	total := e.Count("Contact")
	a := c.query("SELECT Id, Name FROM Contact ORDER BY Id", "Sforce-Query-Options", "batchSize=150")
	var seen []string
	for pages := 0; ; pages++ {
		var res queryAnswer
		if err := json.Unmarshal(a.body, &res); err != nil || a.status != 200 {
			t.Fatalf("%d %s", a.status, a.body)
		}
		if res.TotalSize != total {
			t.Fatalf("totalSize %d, want %d", res.TotalSize, total)
		}
		// batchSize is at least 200.
		if !res.Done && len(res.Records) != 200 {
			t.Fatalf("a batch of %d records", len(res.Records))
		}
		for _, r := range res.Records {
			seen = append(seen, r["Id"].(string))
		}
		if res.Done {
			if res.NextRecordsURL != "" {
				t.Fatal("nextRecordsUrl on the last batch")
			}
			break
		}
		if !regexp.MustCompile(`^/services/data/v60\.0/query/01g\w{15}-\d+$`).MatchString(res.NextRecordsURL) {
			t.Fatalf("nextRecordsUrl %q", res.NextRecordsURL)
		}
		a = c.do("GET", res.NextRecordsURL, "")
	}
	if len(seen) != total {
		t.Fatalf("%d records over the batches, want %d", len(seen), total)
	}
	for i := 1; i < len(seen); i++ {
		if seen[i] <= seen[i-1] {
			t.Fatalf("ids out of order or repeated at %d", i)
		}
	}
	if a := c.do("GET", dataPath+"/query/01gHs0000000000AAA-200", ""); a.status != 400 || a.errs(t)[0].ErrorCode != "INVALID_QUERY_LOCATOR" {
		t.Fatalf("unknown locator: %d %s", a.status, a.body)
	}
}

type queryAnswer struct {
	TotalSize      int              `json:"totalSize"`
	Done           bool             `json:"done"`
	NextRecordsURL string           `json:"nextRecordsUrl"`
	Records        []map[string]any `json:"records"`
}

func TestJSONForms(t *testing.T) {
	cases := map[string]string{"0": "0.0", "15000": "15000.0", "1500.50": "1500.5", "15000000.00": "1.5E7", "12345678.9": "1.23456789E7",
		"-0.0005": "-5.0E-4", "0.001": "0.001", "9999999.99": "9999999.99", "-42": "-42.0"}
	for in, want := range cases {
		if got := javaDouble(in); got != want {
			t.Errorf("javaDouble(%s) = %s, want %s", in, got, want)
		}
	}
	f := &field{Name: "Amount", Label: "Amount", Type: tCurrency, Precision: 16, Scale: 2}
	for in, want := range map[string]string{"10.555": "10.56", "10.554": "10.55", "-10.555": "-10.56", "1e3": "1000.00"} {
		v, err := convert(f, json.Number(in))
		if err != nil || v != want {
			t.Errorf("convert(%s) = %v %v, want %s", in, v, err, want)
		}
	}
	if _, err := convert(f, json.Number("123456789012345")); err == nil || err.ErrorCode != "NUMBER_OUTSIDE_VALID_RANGE" {
		t.Errorf("too big: %v", err)
	}
	dt := &field{Name: "StartDateTime", Label: "Start", Type: tDatetime}
	for _, in := range []string{"2024-01-05T10:00:00Z", "2024-01-05T11:00:00+01:00", "2024-01-05T10:00:00.000+0000", "2024-01-05T05:00:00.000-0500"} {
		if v, err := convert(dt, in); err != nil || v != "2024-01-05T10:00:00.000+0000" {
			t.Errorf("convert(%s) = %v %v", in, v, err)
		}
	}
}

func TestIDs(t *testing.T) {
	id := makeID("003", 12345)
	if len(id) != 18 || id[:5] != "003Hs" {
		t.Fatalf("id %s", id)
	}
	// The real algorithm: 001A0000006Vm9r → 001A0000006Vm9rIAC.
	if got := to18("001A0000006Vm9r"); got != "001A0000006Vm9rIAC" {
		t.Fatalf("checksum: %s", got)
	}
	for in, want := range map[string]string{
		"001A0000006Vm9r": "001A0000006Vm9rIAC", "001a0000006vm9riac": "001A0000006Vm9rIAC", "001A0000006Vm9rIAC": "001A0000006Vm9rIAC",
	} {
		if got, ok := canonicalID(in); !ok || got != want {
			t.Errorf("canonicalID(%s) = %s %v", in, got, ok)
		}
	}
	for _, bad := range []string{"", "001A0000006Vm9", "001A0000006Vm9r!AC", "0010000000000009AA", "001A0000006Vm9rIA"} {
		if _, ok := canonicalID(bad); ok {
			t.Errorf("canonicalID(%q) accepted", bad)
		}
	}
	if makeID("003", 61) >= makeID("003", 62) || makeID("003", 62) >= makeID("003", 3844) {
		t.Fatal("ids do not sort as created")
	}
}
