package salesforce

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/unimesh/unimesh/pkg/apierr"
	"github.com/unimesh/unimesh/pkg/connector"
	"github.com/unimesh/unimesh/pkg/connector/connectortest"
	"github.com/unimesh/unimesh/pkg/emulator"
	commonv1 "github.com/unimesh/unimesh/proto/unimesh/common/v1"
	crmv1 "github.com/unimesh/unimesh/proto/unimesh/crm/v1"
	platformv1 "github.com/unimesh/unimesh/proto/unimesh/platform/v1"
	"github.com/unimesh/unimesh/services/crm/connectors/salesforce/salesforceemu"
)

func TestMinimalDeal(t *testing.T) {
	emu, c := start(t)
	ctx := context.Background()
	conn := Connector()
	d, err := conn.Deals.Create(ctx, c, &crmv1.Deal{Name: "Minimal", Amount: &commonv1.Money{Units: "1500.50", CurrencyCode: "USD"}})
	if err != nil {
		t.Fatal(err)
	}
	pipes := connectortest.ListAll(t, c, conn.Pipelines, 10, time.Time{}, nil)
	first := pipes[0].GetStages()[0]
	if d.GetPipelineId() != "default" || d.GetStageId() != first.GetId() || first.GetName() != "Prospecting" || d.GetStatus() != crmv1.DealStatus_DEAL_STATUS_OPEN {
		t.Fatalf("deal in pipeline %s stage %s (%v); want the first stage %s", d.GetPipelineId(), d.GetStageId(), d.GetStatus(), first.GetId())
	}
	if d.GetProbability() != first.GetProbability() || d.GetAmount().GetUnits() != "1500.50" || d.GetAmount().GetCurrencyCode() != "USD" {
		t.Errorf("deal: %v", d)
	}
	if want := time.Now().UTC().AddDate(0, 0, defaultCloseDays).Format("2006-01-02"); d.GetExpectedCloseDate() != want {
		t.Errorf("close date %s, want %s", d.GetExpectedCloseDate(), want)
	}
	stored, _, _ := emu.Collection("Opportunity").Get(d.GetId())
	if stored["StageName"] != "Prospecting" || stored["Amount"] != "1500.50" {
		t.Errorf("stored: %v", stored)
	}
	// Amount alone, without a currency: the org's.
	d, err = conn.Deals.Create(ctx, c, &crmv1.Deal{Name: "No currency", Amount: &commonv1.Money{Units: "10"}})
	if err != nil || d.GetAmount().GetCurrencyCode() != "USD" || d.GetAmount().GetUnits() != "10.00" {
		t.Fatalf("%v %v", d, err)
	}
	if _, err := conn.Deals.Create(ctx, c, &crmv1.Deal{Name: "x", Amount: &commonv1.Money{Units: "10", CurrencyCode: "EUR"}}); apierr.Violations(err)[0].Field != "deal.amount.currency_code" {
		t.Fatalf("another currency: %v", err)
	}
	// Winning it moves it to the won stage; reopening it, to the first open one.
	upd, err := conn.Deals.Update(ctx, c, &crmv1.Deal{Id: d.GetId(), Status: crmv1.DealStatus_DEAL_STATUS_WON}, []string{"status"})
	if err != nil || upd.GetRemoteStatus() != "Closed Won" || upd.GetProbability() != 100 || upd.GetCloseTime() == nil {
		t.Fatalf("won: %v %v", upd, err)
	}
	upd, err = conn.Deals.Update(ctx, c, &crmv1.Deal{Id: d.GetId(), Status: crmv1.DealStatus_DEAL_STATUS_OPEN, RemoteStatus: "Closed Won"}, []string{"status"})
	if err != nil || upd.GetRemoteStatus() != "Prospecting" || upd.GetStatus() != crmv1.DealStatus_DEAL_STATUS_OPEN {
		t.Fatalf("reopened: %v %v", upd, err)
	}
	// An open deal asked to be open stays where it is.
	mid := pipes[0].GetStages()[3].GetId()
	if _, err := conn.Deals.Update(ctx, c, &crmv1.Deal{Id: d.GetId(), StageId: mid}, []string{"stage_id"}); err != nil {
		t.Fatal(err)
	}
	upd, err = conn.Deals.Update(ctx, c, &crmv1.Deal{Id: d.GetId(), Status: crmv1.DealStatus_DEAL_STATUS_OPEN, Name: "Renamed"}, []string{"name", "status"})
	if err != nil || upd.GetStageId() != mid || upd.GetName() != "Renamed" {
		t.Fatalf("open stays open: %v %v", upd, err)
	}
}

func TestIncludeRawAndCustomFields(t *testing.T) {
	emu, c := start(t)
	ctx := context.Background()
	conn := Connector()
	id := someID(t, emu, "Account", 0)
	got, err := conn.Companies.Get(ctx, c, id, connector.GetParams{IncludeRaw: true})
	if err != nil {
		t.Fatal(err)
	}
	raw := got.GetRaw().AsMap()
	attrs, _ := raw["attributes"].(map[string]any)
	if attrs["type"] != "Account" || raw["Id"] != id || raw["Name"] != got.GetName() {
		t.Fatalf("raw = %v", raw)
	}
	// A read-only custom field is in raw, not in custom_fields: the record can be written back.
	if raw["Customer_Number__c"] == nil || got.GetCustomFields().AsMap()["Customer_Number__c"] != nil || got.GetCustomFields().AsMap()["Region__c"] == nil {
		t.Fatalf("custom fields %v, raw %v", got.GetCustomFields(), raw)
	}
	page, err := conn.Companies.List(ctx, c, connector.ListParams{PageSize: 3, IncludeRaw: true})
	if err != nil || len(page.Items) != 3 || page.Items[2].GetRaw() == nil {
		t.Fatalf("list with raw: %v, %v", page.Items, err)
	}
	if page, _ = conn.Companies.List(ctx, c, connector.ListParams{PageSize: 3}); page.Items[0].GetRaw() != nil {
		t.Fatal("raw without include_raw")
	}
	// Written back whole, the record is unchanged; a custom field changes alone.
	cf := got.GetCustomFields().AsMap()
	cf["Region__c"], cf["Health_Score__c"] = "APAC", 77.0
	got.CustomFields = mustStruct(cf)
	upd, err := conn.Companies.Update(ctx, c, got, []string{"name", "websites", "industry", "employee_count", "annual_revenue", "description",
		"addresses", "phones", "owner_id", "custom_fields"})
	if err != nil {
		t.Fatal(err)
	}
	got.Raw, got.UpdateTime, upd.UpdateTime = nil, nil, nil
	if !equalProto(got, upd) {
		t.Fatalf("round trip changed the record:\n%v\n%v", got, upd)
	}
	if rec, _, _ := emu.Collection("Account").Get(id); rec["Region__c"] != "APAC" || rec["Health_Score__c"] != "77" {
		t.Fatalf("stored: %v %v", rec["Region__c"], rec["Health_Score__c"])
	}
}

func TestProviderValidationBecomesFieldViolations(t *testing.T) {
	emu, c := start(t)
	ctx := context.Background()
	conn := Connector()
	missing := "001Hs0000zzzzzz" + checksum("001Hs0000zzzzzz")
	cases := []struct {
		name      string
		call      func() error
		violation string
		code      string
	}{
		{"contact without a last name", func() error {
			_, err := conn.Contacts.Create(ctx, c, &crmv1.Contact{FirstName: "Ada"})
			return err
		}, "contact.last_name", "REQUIRED_FIELD_MISSING"},
		{"lead without a company", func() error {
			_, err := conn.Leads.Create(ctx, c, &crmv1.Lead{Name: "Grace Hopper"})
			return err
		}, "lead.company_name", "REQUIRED_FIELD_MISSING"},
		{"title too long for Salesforce", func() error {
			_, err := conn.Contacts.Create(ctx, c, &crmv1.Contact{LastName: "X", Title: strings.Repeat("t", 129)})
			return err
		}, "contact.title", "STRING_TOO_LONG"},
		{"bad email", func() error {
			_, err := conn.Leads.Create(ctx, c, &crmv1.Lead{LastName: "X", CompanyName: "Y", Emails: []*commonv1.Email{{Address: "nope"}}})
			return err
		}, "lead.emails", "INVALID_EMAIL_ADDRESS"},
		{"validation rule", func() error {
			_, err := conn.Deals.Create(ctx, c, &crmv1.Deal{Name: "X", Amount: &commonv1.Money{Units: "-5"}})
			return err
		}, "deal.amount", "FIELD_CUSTOM_VALIDATION_EXCEPTION"},
		{"restricted custom picklist", func() error {
			_, err := conn.Companies.Create(ctx, c, &crmv1.Company{Name: "X", CustomFields: mustStruct(map[string]any{"Region__c": "Mars"})})
			return err
		}, "company.custom_fields.Region__c", "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST"},
		{"company that does not exist", func() error {
			_, err := conn.Contacts.Create(ctx, c, &crmv1.Contact{LastName: "X", CompanyId: missing})
			return err
		}, "contact.company_id", "INVALID_CROSS_REFERENCE_KEY"},
		{"inactive owner", func() error {
			var inactive string
			emu.Collection("User").Each(func(r *salesforceemu.Record) bool {
				if (*r)["IsActive"] == false {
					inactive = (*r)["Id"].(string)
				}
				return true
			})
			_, err := conn.Contacts.Create(ctx, c, &crmv1.Contact{LastName: "X", OwnerId: inactive})
			return err
		}, "contact.owner_id", "INACTIVE_OWNER_OR_USER"},
		{"converted status by name", func() error {
			_, err := conn.Leads.Create(ctx, c, &crmv1.Lead{LastName: "X", CompanyName: "Y", RemoteStatus: "Closed - Converted"})
			return err
		}, "lead.status", "FIELD_INTEGRITY_EXCEPTION"},
		{"meeting without an end", func() error {
			_, err := conn.Activities.Create(ctx, c, &crmv1.Activity{Kind: crmv1.ActivityKind_ACTIVITY_KIND_MEETING, StartTime: timestamppb.Now()})
			return err
		}, "activity.end_time", "REQUIRED_FIELD_MISSING"},
		{"meeting ending before it starts", func() error {
			_, err := conn.Activities.Create(ctx, c, &crmv1.Activity{Kind: crmv1.ActivityKind_ACTIVITY_KIND_MEETING, StartTime: timestamppb.Now(),
				EndTime: timestamppb.New(time.Now().Add(-time.Hour))})
			return err
		}, "activity.end_time", "FIELD_INTEGRITY_EXCEPTION"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.call()
			vs := apierr.Violations(err)
			if status.Code(err) != codes.InvalidArgument || apierr.Reason(err) != apierr.ReasonProviderRejected || len(vs) == 0 ||
				vs[0].Field != tc.violation || !strings.HasPrefix(vs[0].Description, tc.code+": ") {
				t.Fatalf("err = %v, violations %+v", err, vs)
			}
		})
	}
	// Salesforce's error code and message are in the error's text.
	_, err := conn.Contacts.Create(ctx, c, &crmv1.Contact{FirstName: "Ada"})
	if !strings.Contains(err.Error(), "REQUIRED_FIELD_MISSING: Required fields are missing: [LastName]") {
		t.Fatalf("message: %v", err)
	}
}

func TestIDs(t *testing.T) {
	emu, c := start(t)
	ctx := context.Background()
	conn := Connector()
	id := someID(t, emu, "Contact", 3)
	calls := func() int64 { return emu.Faults.Calls("", "/") }

	// 15 characters, or 18 with their case lost, name the record; the answer has the 18.
	for _, form := range []string{id[:15], strings.ToLower(id)} {
		got, err := conn.Contacts.Get(ctx, c, form, connector.GetParams{})
		if err != nil || got.GetId() != id {
			t.Fatalf("get %s: %v %v", form, got.GetId(), err)
		}
	}
	before := calls()
	for _, bad := range []string{"42", "003Hs000003gRWE!", id + "X", id[:15] + "999"} {
		_, err := conn.Contacts.Get(ctx, c, bad, connector.GetParams{})
		if vs := apierr.Violations(err); status.Code(err) != codes.InvalidArgument || len(vs) != 1 || vs[0].Field != "id" {
			t.Errorf("get %q: %v", bad, err)
		}
	}
	if err := conn.Contacts.Delete(ctx, c, "not-an-id"); status.Code(err) != codes.InvalidArgument {
		t.Errorf("delete: %v", err)
	}
	_, err := conn.Contacts.Update(ctx, c, &crmv1.Contact{Id: "nope", Title: "x"}, []string{"title"})
	if vs := apierr.Violations(err); len(vs) != 1 || vs[0].Field != "contact.id" {
		t.Errorf("update: %v", err)
	}
	// An account's id names no contact.
	account := someID(t, emu, "Account", 0)
	if _, err := conn.Contacts.Get(ctx, c, account, connector.GetParams{}); apierr.Reason(err) != apierr.ReasonRecordNotFound {
		t.Errorf("wrong object: %v", err)
	}
	if _, err := conn.Activities.Get(ctx, c, id, connector.GetParams{}); apierr.Reason(err) != apierr.ReasonRecordNotFound {
		t.Errorf("a contact as an activity: %v", err)
	}
	if n := calls() - before; n != 0 {
		t.Fatalf("%d calls to Salesforce for ids it cannot hold", n)
	}
	// A well-formed id of nothing, and the recycle bin.
	if _, err := conn.Contacts.Get(ctx, c, "003Hs0000zzzzzz", connector.GetParams{}); apierr.Reason(err) != apierr.ReasonRecordNotFound {
		t.Errorf("missing: %v", err)
	}
	if err := conn.Contacts.Delete(ctx, c, id); err != nil {
		t.Fatal(err)
	}
	if err := conn.Contacts.Delete(ctx, c, id); apierr.Reason(err) != apierr.ReasonRecordNotFound || !strings.Contains(err.Error(), "ENTITY_IS_DELETED") {
		t.Errorf("delete twice: %v", err)
	}
	if _, err := conn.Contacts.Update(ctx, c, &crmv1.Contact{Id: id, Title: "x"}, []string{"title"}); apierr.Reason(err) != apierr.ReasonRecordNotFound {
		t.Errorf("update deleted: %v", err)
	}
	if _, err := conn.Pipelines.Get(ctx, c, "sales", connector.GetParams{}); apierr.Reason(err) != apierr.ReasonRecordNotFound {
		t.Errorf("pipeline: %v", err)
	}
}

func TestListing(t *testing.T) {
	now := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	clock := now
	emu := salesforceemu.New(salesforceemu.Options{Token: testToken, Seed: true, Now: func() time.Time { return clock }})
	srv := httptest.NewServer(emu)
	t.Cleanup(srv.Close)
	c := connectortest.Conn(t, Descriptor().At(srv.URL), "", connectortest.OAuth2(testToken), instance)
	conn := Connector()
	ctx := context.Background()

	for _, size := range []int{1, 7, 200} {
		all := connectortest.ListAll(t, c, conn.Contacts, size, time.Time{}, nil)
		if len(all) != emu.Count("Contact") || len(connectortest.IDs(all)) != len(all) {
			t.Fatalf("pages of %d: %d contacts", size, len(all))
		}
	}
	acts := connectortest.ListAll(t, c, conn.Activities, 7, time.Time{}, nil)
	if len(acts) != emu.Count("Task")+emu.Count("Event") || len(connectortest.IDs(acts)) != len(acts) {
		t.Fatalf("activities: %d", len(acts))
	}
	kinds := map[crmv1.ActivityKind]int{}
	for _, a := range acts {
		kinds[a.GetKind()]++
	}
	if kinds[crmv1.ActivityKind_ACTIVITY_KIND_MEETING] != emu.Count("Event") || kinds[crmv1.ActivityKind_ACTIVITY_KIND_CALL] == 0 {
		t.Fatalf("kinds: %v", kinds)
	}

	// Two contacts changed in the same second: SOQL sees whole seconds, the
	// connector the instant asked for.
	clock = now.Add(100 * time.Millisecond)
	a, err := conn.Contacts.Create(ctx, c, &crmv1.Contact{LastName: "Early"})
	if err != nil {
		t.Fatal(err)
	}
	clock = now.Add(600 * time.Millisecond)
	b, err := conn.Contacts.Create(ctx, c, &crmv1.Contact{LastName: "Late"})
	if err != nil {
		t.Fatal(err)
	}
	got := connectortest.ListAll(t, c, conn.Contacts, 50, now.Add(300*time.Millisecond), nil)
	if len(got) != 1 || got[0].GetId() != b.GetId() {
		t.Fatalf("modified since: %v", connectortest.IDs(got))
	}
	if got = connectortest.ListAll(t, c, conn.Contacts, 50, now, nil); len(got) != 2 || !connectortest.IDs(got)[a.GetId()] {
		t.Fatalf("modified since the second: %v", connectortest.IDs(got))
	}
	// Nothing changed since: no records, and pipelines follow their stages' times.
	if got := connectortest.ListAll(t, c, conn.Pipelines, 10, now, nil); len(got) != 0 {
		t.Fatalf("pipelines changed since now: %v", got)
	}
	if _, err := conn.Contacts.List(ctx, c, connector.ListParams{PageSize: 5, Cursor: "Contact:' OR Name != '"}); apierr.Reason(err) != apierr.ReasonInvalidPageToken {
		t.Fatalf("a cursor with SOQL in it: %v", err)
	}
}

func TestQueryFollowsLocators(t *testing.T) {
	emu, c := start(t)
	for range 450 {
		emu.Collection("Lead").Insert(salesforceemu.Record{"LastName": "Bulk", "Company": "Bulk", "Status": "Open - Not Contacted"})
	}
	ctx := context.Background()
	before := emu.Faults.Calls(http.MethodGet, "/services/data/v60.0/query")
	recs, err := query(ctx, c, "SELECT Id FROM Lead ORDER BY Id", 0)
	if err != nil || len(recs) != emu.Count("Lead") {
		t.Fatalf("%d records, %v", len(recs), err)
	}
	if n := emu.Faults.Calls(http.MethodGet, "/services/data/v60.0/query") - before; n != 1 {
		t.Fatalf("%d calls for %d records in batches of 2000", n, len(recs))
	}
	// A page's worth is one batch; the locators go on past it when all are wanted.
	before = emu.Faults.Calls(http.MethodGet, "/services/data/v60.0/query")
	page, err := query(ctx, c, "SELECT Id FROM Lead ORDER BY Id LIMIT 201", 201)
	if err != nil || len(page) != 201 || emu.Faults.Calls(http.MethodGet, "/services/data/v60.0/query")-before != 1 {
		t.Fatalf("a page: %d %v", len(page), err)
	}
}

func TestProviderFaults(t *testing.T) {
	emu, c := start(t)
	ctx := context.Background()
	conn := Connector()
	before := emu.Count("Contact")
	var last error
	connectortest.Faults{
		Faults: emu.Faults, Limiter: emu.Limiter,
		Read: func() error {
			_, err := conn.Contacts.List(ctx, c, connector.ListParams{PageSize: 5})
			last = err
			return err
		},
		ReadPath: "/services/data/v60.0/query",
		Write: func() error {
			_, err := conn.Contacts.Create(ctx, c, &crmv1.Contact{LastName: "Once"})
			return err
		},
		WritePath: "/services/data/v60.0/sobjects/Contact",
	}.Run(t)
	if n := emu.Count("Contact"); n != before {
		t.Fatalf("%d contacts after a failed create, want %d", n, before)
	}
	// Salesforce answered 403 REQUEST_LIMIT_EXCEEDED with its usage at the
	// allocation: the hook read the usage header.
	if d, _ := apierr.RetryDelay(last); d != allocationWait || !strings.Contains(last.Error(), "REQUEST_LIMIT_EXCEEDED: TotalRequests Limit exceeded.") {
		t.Fatalf("rate limited: %v (retry after %v)", last, d)
	}
	// A limit within the allocation (concurrent requests): a write is sent once and says so.
	emu.Faults.Add(emulator.Fault{Method: http.MethodPost, PathPrefix: "/services/data/v60.0/sobjects/Contact", Status: http.StatusForbidden,
		Header: http.Header{"Sforce-Limit-Info": {"api-usage=18/100000"}, "Content-Type": {"application/json"}},
		Body:   `[{"message":"ConcurrentPerOrgLongTxn Limit exceeded.","errorCode":"REQUEST_LIMIT_EXCEEDED"}]`})
	sent := emu.Faults.Calls(http.MethodPost, "/services/data/v60.0/sobjects/Contact")
	_, err := conn.Contacts.Create(ctx, c, &crmv1.Contact{LastName: "Twice?"})
	if d, _ := apierr.RetryDelay(err); apierr.Reason(err) != apierr.ReasonProviderRateLimited || d != concurrencyWait {
		t.Fatalf("concurrency limit: %v (%v)", err, d)
	}
	if n := emu.Faults.Calls(http.MethodPost, "/services/data/v60.0/sobjects/Contact") - sent; n != 1 {
		t.Fatalf("the write was sent %d times", n)
	}
	// Any other 403 is a permission problem, not a limit.
	emu.Faults.Add(emulator.Fault{Method: http.MethodGet, PathPrefix: "/services/data/v60.0/query", Status: http.StatusForbidden,
		Body: `[{"message":"The REST API is not enabled for this Organization.","errorCode":"API_DISABLED_FOR_ORG"}]`})
	if _, err := conn.Contacts.List(ctx, c, connector.ListParams{PageSize: 5}); apierr.Reason(err) != apierr.ReasonProviderPermission {
		t.Fatalf("403: %v", err)
	}
}

func TestBadCredentials(t *testing.T) {
	emu := salesforceemu.New(salesforceemu.Options{Token: testToken, Seed: true})
	srv := httptest.NewServer(emu)
	defer srv.Close()
	secret := "00DHs0000001abc!AQ4AQExpiredToken123"
	c := connectortest.Conn(t, Descriptor().At(srv.URL), "", connectortest.OAuth2(secret), instance)
	connectortest.BadCredentials(t, func() error {
		_, err := Connector().Contacts.List(context.Background(), c, connector.ListParams{PageSize: 1})
		return err
	}, secret, "INVALID_SESSION_ID: Session expired or invalid")
}

func TestCachesPerConnection(t *testing.T) {
	emu, c := start(t)
	ctx := context.Background()
	conn := Connector()
	describes := func() int64 {
		return emu.Faults.Calls(http.MethodGet, "/services/data/v60.0/sobjects/Opportunity/describe")
	}
	orgs := func() int64 { return emu.Faults.Calls(http.MethodGet, "/services/data/v60.0/query") }
	for range 3 {
		if _, err := conn.Deals.List(ctx, c, connector.ListParams{PageSize: 2}); err != nil {
			t.Fatal(err)
		}
	}
	if n := describes(); n != 1 {
		t.Fatalf("%d describes for one connection", n)
	}
	// 3 lists, one org and one stages query.
	if n := orgs(); n != 5 {
		t.Fatalf("%d queries", n)
	}
	other := *c
	other.ID = "conn_other"
	if _, err := conn.Deals.List(ctx, c, connector.ListParams{PageSize: 2}); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Deals.List(ctx, &other, connector.ListParams{PageSize: 2}); err != nil {
		t.Fatal(err)
	}
	if n := describes(); n != 2 {
		t.Fatalf("%d describes for two connections", n)
	}
	// Another Connector() has caches of its own.
	if _, err := Connector().Deals.List(ctx, c, connector.ListParams{PageSize: 2}); err != nil || describes() != 3 {
		t.Fatalf("%d describes, %v", describes(), err)
	}
}

func TestDescriptor(t *testing.T) {
	d := Descriptor()
	if d.Slug != "salesforce" || len(d.AuthTypes) != 1 || d.AuthTypes[0] != platformv1.AuthType_AUTH_TYPE_OAUTH2 || d.RateLimitPolicy == "" || !d.NativeWebhooks {
		t.Fatalf("descriptor: %+v", d)
	}
	if _, err := d.Auth(connectortest.APIKey("k")); err == nil {
		t.Fatal("an API key was accepted")
	}
	for in, want := range map[string]string{
		"https://acme.my.salesforce.com":                    "https://acme.my.salesforce.com",
		"https://ACME.my.salesforce.com/":                   "https://acme.my.salesforce.com",
		"https://acme--dev.sandbox.my.salesforce.com":       "https://acme--dev.sandbox.my.salesforce.com",
		"https://na224.salesforce.com":                      "https://na224.salesforce.com",
		"https://acme.lightning.force.com":                  "https://acme.lightning.force.com",
		"https://acme.my.cloudforce.com":                    "https://acme.my.cloudforce.com",
		"https://evil.example.com":                          "",
		"http://acme.my.salesforce.com":                     "",
		"https://acme.my.salesforce.com.evil.example":       "",
		"https://acme.my.salesforce.com:8443":               "",
		"https://user:pw@acme.my.salesforce.com":            "",
		"https://acme.my.salesforce.com/services/data":      "",
		"https://acme.my.salesforce.com?x=1":                "",
		"https://salesforce.com":                            "",
		"https://login.salesforce.com":                      "",
		"https://acme_1.my.salesforce.com":                  "",
		"https://evilsalesforce.com":                        "",
		"":                                                  "",
		"acme.my.salesforce.com":                            "",
		"https://acme.my.salesforce.com#frag":               "",
		"https://xn--acm-fla.my.salesforce.com":             "https://xn--acm-fla.my.salesforce.com",
		"https://-acme.my.salesforce.com":                   "",
		"https://acme.my.salesforce.com/../../evil.example": "",
	} {
		got, err := d.ResolveBaseURL(map[string]string{"instance_url": in})
		if got != want || (want == "") != (err != nil) {
			t.Errorf("instance %q: %q %v, want %q", in, got, err, want)
		}
	}
	// Pointed at an emulator, the descriptor still checks the connection's config.
	if _, err := d.At("http://127.0.0.1:9").ResolveBaseURL(map[string]string{"instance_url": "https://evil.example.com"}); err == nil {
		t.Error("At lost the instance check")
	}
	caps := map[string]string{}
	for _, os := range connector.Capabilities(platformv1.Category_CATEGORY_CRM, Connector()) {
		ops := ""
		for _, op := range os.GetOperations() {
			ops += map[platformv1.Operation]string{platformv1.Operation_OPERATION_LIST: "L", platformv1.Operation_OPERATION_GET: "G",
				platformv1.Operation_OPERATION_CREATE: "C", platformv1.Operation_OPERATION_UPDATE: "U", platformv1.Operation_OPERATION_DELETE: "D"}[op]
		}
		caps[os.GetObject()] = ops
	}
	want := map[string]string{"contact": "LGCUD", "company": "LGCUD", "deal": "LGCUD", "lead": "LGCUD", "activity": "LGCUD", "pipeline": "LG", "user": "LG"}
	for k, v := range want {
		if caps[k] != v {
			t.Errorf("%s: %q, want %q", k, caps[k], v)
		}
	}
}

func TestHelpers(t *testing.T) {
	for in, want := range map[[2]string]string{
		{"1.5E7", "2"}: "15000000.00", {"1500.5", "2"}: "1500.50", {"2000.0", "2"}: "2000.00", {"1.895E8", "0"}: "189500000",
		{"-0.5", "2"}: "-0.50", {"5.0E-4", "0"}: "0.0005", {"12", "0"}: "12", {"-0.0", "2"}: "0.00", {"1234567890123.45", "2"}: "1234567890123.45",
		{"1E+3", "1"}: "1000.0",
	} {
		scale := map[string]int{"0": 0, "1": 1, "2": 2}[in[1]]
		if got, ok := plainDecimal(in[0], scale); !ok || got != want {
			t.Errorf("plainDecimal(%s, %d) = %s %v, want %s", in[0], scale, got, ok, want)
		}
	}
	if _, ok := plainDecimal("NaN", 2); ok {
		t.Error("NaN")
	}
	for in, want := range map[string]string{
		"001A0000006Vm9r": "001A0000006Vm9rIAC", "001a0000006vm9riac": "001A0000006Vm9rIAC", "001A0000006VM9RIAC": "001A0000006Vm9rIAC",
	} {
		if got, ok := normalizeID(in); !ok || got != want {
			t.Errorf("normalizeID(%s) = %s %v", in, got, ok)
		}
	}
	for _, bad := range []string{"", "001A0000006Vm9", "001A0000006Vm9r-AC", "001A0000006Vm9rIA9", "0010000000000009AC"} {
		if _, ok := normalizeID(bad); ok {
			t.Errorf("normalizeID(%q) accepted", bad)
		}
	}
	h := http.Header{"Sforce-Limit-Info": {"api-usage=100000/100000"}}
	if d, ok := retryAfter(h, time.Now()); !ok || d != allocationWait {
		t.Errorf("allocation used: %v", d)
	}
	if d, ok := retryAfter(http.Header{"Sforce-Limit-Info": {"api-usage=5/100000"}}, time.Now()); !ok || d != concurrencyWait {
		t.Errorf("within the allocation: %v", d)
	}
	if _, ok := retryAfter(http.Header{"Retry-After": {"7"}}, time.Now()); ok {
		t.Error("a Retry-After is the default's to read")
	}
	if q := quote(`O'Brien \ co`); q != `'O\'Brien \\ co'` {
		t.Errorf("quote: %s", q)
	}
}
