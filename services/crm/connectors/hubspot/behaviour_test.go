package hubspot

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/unimesh/unimesh/pkg/apierr"
	"github.com/unimesh/unimesh/pkg/connector"
	"github.com/unimesh/unimesh/pkg/connector/connectortest"
	"github.com/unimesh/unimesh/pkg/providerhttp"
	commonv1 "github.com/unimesh/unimesh/proto/unimesh/common/v1"
	crmv1 "github.com/unimesh/unimesh/proto/unimesh/crm/v1"
	"github.com/unimesh/unimesh/services/crm/connectors/hubspot/hubspotemu"
)

var bg = context.Background()

func TestProviderFaults(t *testing.T) {
	emu, c, conn := start(t)
	connectortest.Faults{
		Faults: emu.Faults, Limiter: emu.Limiter,
		Read: func() error {
			_, err := conn.Contacts.List(bg, c, connector.ListParams{PageSize: 5})
			return err
		},
		ReadPath: "/crm/v3/objects/contacts",
		Write: func() error {
			_, err := conn.Contacts.Create(bg, c, &crmv1.Contact{LastName: "Once"})
			return err
		},
		WritePath: "/crm/v3/objects/contacts",
	}.Run(t)
	if n := emu.Len("contacts"); n != 40 {
		t.Fatalf("%d contacts after a failed create", n)
	}
	// The wait of a rate-limited answer is read off HubSpot's headers: the
	// emulator's rolling window is 10 seconds.
	emu.Limiter.SetLimit(0, time.Hour)
	_, err := conn.Contacts.List(bg, c, connector.ListParams{PageSize: 5})
	if d, ok := apierr.RetryDelay(err); apierr.Reason(err) != apierr.ReasonProviderRateLimited || !ok || d != 10*time.Second {
		t.Fatalf("429: %v (retry after %v)", err, d)
	}
	if !strings.Contains(err.Error(), "TEN_SECONDLY_ROLLING") {
		t.Fatalf("the policy HubSpot names is not in the error: %v", err)
	}
}

func TestSearchRateLimit(t *testing.T) {
	emu, c, conn := start(t)
	emu.SearchLimiter.SetLimit(1, time.Hour)
	// A search is retried like a read; with a budget shorter than the
	// second HubSpot's search limit asks for, the caller gets the wait.
	p := connectortest.FastPolicy()
	p.RateLimitBudget = 100 * time.Millisecond
	c.HTTP = c.HTTP.WithPolicy(p)
	since := time.Now().AddDate(-1, 0, 0)
	if _, err := conn.Deals.List(bg, c, connector.ListParams{PageSize: 5, ModifiedSince: since}); err != nil {
		t.Fatal(err)
	}
	before := emu.Faults.Calls(http.MethodPost, "/crm/v3/objects/deals/search")
	_, err := conn.Deals.List(bg, c, connector.ListParams{PageSize: 5, ModifiedSince: since})
	if d, ok := apierr.RetryDelay(err); apierr.Reason(err) != apierr.ReasonProviderRateLimited || !ok || d != time.Second {
		t.Fatalf("search over its limit: %v (retry after %v)", err, d)
	}
	if n := emu.Faults.Calls(http.MethodPost, "/crm/v3/objects/deals/search") - before; n != 1 {
		t.Fatalf("search sent %d times", n)
	}
}

func TestRetryAfterReadsHubSpotHeaders(t *testing.T) {
	now := time.Now()
	h := func(kv ...string) http.Header {
		out := http.Header{}
		for i := 0; i < len(kv); i += 2 {
			out.Set(kv[i], kv[i+1])
		}
		return out
	}
	cases := []struct {
		name string
		h    http.Header
		want time.Duration
	}{
		{"rolling window spent", h("X-HubSpot-RateLimit-Remaining", "0", "X-HubSpot-RateLimit-Interval-Milliseconds", "10000",
			"X-HubSpot-RateLimit-Secondly-Remaining", "0"), 10 * time.Second},
		{"window length bounded", h("X-HubSpot-RateLimit-Remaining", "0", "X-HubSpot-RateLimit-Interval-Milliseconds", "3600000"), maxIntervalWait},
		{"short window", h("X-HubSpot-RateLimit-Remaining", "0", "X-HubSpot-RateLimit-Interval-Milliseconds", "2500"), 2500 * time.Millisecond},
		{"per-second limit", h("X-HubSpot-RateLimit-Remaining", "40", "X-HubSpot-RateLimit-Secondly-Remaining", "0"), time.Second},
		{"daily allowance spent", h("X-HubSpot-RateLimit-Daily-Remaining", "0", "X-HubSpot-RateLimit-Remaining", "0",
			"X-HubSpot-RateLimit-Interval-Milliseconds", "10000"), time.Hour},
		{"search: no headers at all", http.Header{}, time.Second},
		{"a Retry-After wins", h("Retry-After", "3", "X-HubSpot-RateLimit-Remaining", "0", "X-HubSpot-RateLimit-Interval-Milliseconds", "10000"), 3 * time.Second},
	}
	for _, tc := range cases {
		if got, ok := retryAfter(tc.h, now); !ok || got != tc.want {
			t.Errorf("%s: %v %v, want %v", tc.name, got, ok, tc.want)
		}
	}
	if got := classify(&providerhttp.Response{StatusCode: 477}); got != http.StatusServiceUnavailable {
		t.Errorf("477 classified as %d", got)
	}
}

func TestBadCredentials(t *testing.T) {
	emu := hubspotemu.New(hubspotemu.Options{Token: testToken, Seed: true})
	srv := httptest.NewServer(emu)
	defer srv.Close()
	c := connectortest.Conn(t, Descriptor().At(srv.URL), "", connectortest.APIKey("pat-na1-wrong-secret-99"), nil)
	connectortest.BadCredentials(t, func() error {
		_, err := Connector().Contacts.List(bg, c, connector.ListParams{PageSize: 1})
		return err
	}, "pat-na1-wrong-secret-99", "Authentication credentials not found")

	// An OAuth access token past its six hours.
	oauth := "CJT8oqW5MxICAQEYu4OgByDi"
	emu2 := hubspotemu.New(hubspotemu.Options{Token: oauth, Seed: true})
	emu2.Expire(oauth)
	srv2 := httptest.NewServer(emu2)
	defer srv2.Close()
	c2 := connectortest.Conn(t, Descriptor().At(srv2.URL), "", connectortest.OAuth2(oauth), nil)
	connectortest.BadCredentials(t, func() error {
		_, err := Connector().Deals.Get(bg, c2, firstDeal, connector.GetParams{})
		return err
	}, oauth, "EXPIRED_AUTHENTICATION")
}

func TestOAuthToken(t *testing.T) {
	oauth := "CJT8oqW5MxICAQEYu4OgByDi"
	emu := hubspotemu.New(hubspotemu.Options{Token: oauth, Seed: true})
	srv := httptest.NewServer(emu)
	defer srv.Close()
	c := connectortest.Conn(t, Descriptor().At(srv.URL), "", connectortest.OAuth2(oauth), nil)
	if _, err := Connector().Companies.Get(bg, c, firstCompany, connector.GetParams{}); err != nil {
		t.Fatal(err)
	}
	if Descriptor().DefaultBaseURL != "https://api.hubapi.com" || Descriptor().BaseURL != nil {
		t.Fatal("HubSpot's base URL is fixed")
	}
}

func TestIncludeRawAndCustomFieldsSurvive(t *testing.T) {
	_, c, conn := start(t)
	got, err := conn.Contacts.Get(bg, c, firstContact, connector.GetParams{IncludeRaw: true})
	if err != nil {
		t.Fatal(err)
	}
	raw := got.GetRaw().AsMap()
	props, _ := raw["properties"].(map[string]any)
	if raw["id"] != firstContact || props["hs_object_id"] != firstContact || props["lifecyclestage"] == nil || raw["associations"] == nil {
		t.Fatalf("raw = %v", raw)
	}
	if got.GetCustomFields().AsMap()["preferred_language"] == nil {
		t.Fatalf("seeded custom field missing: %v", got.GetCustomFields())
	}
	for _, since := range []time.Time{{}, time.Now().AddDate(-1, 0, 0)} {
		page, err := conn.Contacts.List(bg, c, connector.ListParams{PageSize: 3, IncludeRaw: true, ModifiedSince: since})
		if err != nil || len(page.Items) != 3 || page.Items[2].GetRaw() == nil {
			t.Fatalf("list with raw (since %v): %v, %v", since, page.Items, err)
		}
	}
	// Custom fields and the rest survive an update of one field, and the
	// record read back with every field can be written back as it is.
	before, _ := conn.Contacts.Get(bg, c, firstContact, connector.GetParams{})
	upd, err := conn.Contacts.Update(bg, c, &crmv1.Contact{Id: firstContact, Title: "Chief Analyst"}, []string{"title"})
	if err != nil {
		t.Fatal(err)
	}
	if upd.GetTitle() != "Chief Analyst" || !proto.Equal(upd.GetCustomFields(), before.GetCustomFields()) ||
		upd.GetCompanyId() != before.GetCompanyId() || len(upd.GetEmails()) != len(before.GetEmails()) {
		t.Fatalf("before %v\nafter %v", before, upd)
	}
	all := []string{"first_name", "last_name", "name", "title", "emails", "phones", "addresses", "company_id", "owner_id", "tags", "custom_fields"}
	for _, id := range []string{firstContact, "51006"} { // the second has additional emails
		cur, _ := conn.Contacts.Get(bg, c, id, connector.GetParams{})
		back, err := conn.Contacts.Update(bg, c, cur, all)
		if err != nil {
			t.Fatalf("writing back contact %s as read: %v", id, err)
		}
		if back.GetCompanyId() != cur.GetCompanyId() || len(back.GetEmails()) != len(cur.GetEmails()) || back.GetName() != cur.GetName() {
			t.Fatalf("write-back changed contact %s:\n%v\n%v", id, cur, back)
		}
	}
	deal, _ := conn.Deals.Get(bg, c, firstDeal, connector.GetParams{})
	if _, err := conn.Deals.Update(bg, c, deal, []string{"name", "amount", "status", "remote_status", "pipeline_id", "stage_id",
		"probability", "expected_close_date", "lost_reason", "company_id", "contact_ids", "owner_id", "source", "custom_fields"}); err != nil {
		t.Fatalf("writing back a deal as read: %v", err)
	}
}

func TestUnsupportedFieldsAreRefusedBeforeAnyCall(t *testing.T) {
	emu, c, conn := start(t)
	posts := func() int64 { return emu.Faults.Calls(http.MethodPost, "/crm/v3/objects/") }
	before := posts()
	cases := []struct {
		field string
		call  func() error
	}{
		{"contact.tags", func() error {
			_, err := conn.Contacts.Create(bg, c, &crmv1.Contact{LastName: "X", Tags: []string{"vip"}})
			return err
		}},
		{"company.websites", func() error {
			_, err := conn.Companies.Create(bg, c, &crmv1.Company{Name: "X", Websites: []string{"https://a.example", "https://b.example"}})
			return err
		}},
		{"deal.probability", func() error {
			_, err := conn.Deals.Create(bg, c, &crmv1.Deal{Name: "X", Probability: 55})
			return err
		}},
		{"deal.pipeline_id", func() error {
			_, err := conn.Deals.Create(bg, c, &crmv1.Deal{Name: "X", PipelineId: "999"})
			return err
		}},
		{"deal.stage_id", func() error {
			_, err := conn.Deals.Create(bg, c, &crmv1.Deal{Name: "X", PipelineId: "default", StageId: "1045000001"})
			return err
		}},
		{"lead.source", func() error {
			_, err := conn.Leads.Create(bg, c, &crmv1.Lead{Name: "X", Source: "webinar"})
			return err
		}},
		{"activity.subject", func() error {
			_, err := conn.Activities.Create(bg, c, &crmv1.Activity{Kind: crmv1.ActivityKind_ACTIVITY_KIND_NOTE, Subject: "x", Body: "y"})
			return err
		}},
		{"activity.kind", func() error {
			_, err := conn.Activities.Create(bg, c, &crmv1.Activity{Body: "kindless"})
			return err
		}},
		{"activity.remote_kind", func() error {
			_, err := conn.Activities.Create(bg, c, &crmv1.Activity{RemoteKind: "SMS"})
			return err
		}},
		{"contact.custom_fields.favourite_colour", func() error {
			_, err := conn.Contacts.Create(bg, c, &crmv1.Contact{LastName: "X", CustomFields: mustStruct(map[string]any{"favourite_colour": "teal"})})
			return err
		}},
	}
	for _, tc := range cases {
		err := tc.call()
		if vs := apierr.Violations(err); status.Code(err) != codes.InvalidArgument || len(vs) == 0 || vs[0].Field != tc.field {
			t.Errorf("%s: %v %+v", tc.field, err, vs)
		}
	}
	if n := posts() - before; n != 0 {
		t.Fatalf("%d creates reached HubSpot", n)
	}
}

func TestVendorValidationBecomesFieldViolations(t *testing.T) {
	_, c, conn := start(t)
	cases := []struct {
		field string
		call  func() error
	}{
		{"company.industry", func() error {
			_, err := conn.Companies.Create(bg, c, &crmv1.Company{Name: "X", Industry: "Software"})
			return err
		}},
		{"contact.owner_id", func() error {
			_, err := conn.Contacts.Create(bg, c, &crmv1.Contact{LastName: "X", OwnerId: "999"})
			return err
		}},
		{"contact.custom_fields.preferred_language", func() error {
			_, err := conn.Contacts.Update(bg, c, &crmv1.Contact{Id: firstContact, CustomFields: mustStruct(map[string]any{"preferred_language": "tlh"})},
				[]string{"custom_fields"})
			return err
		}},
		{"contact.emails", func() error {
			_, err := conn.Contacts.Create(bg, c, &crmv1.Contact{Emails: []*commonv1.Email{{Address: "not an email"}}})
			return err
		}},
		{"activity.due_time", func() error {
			_, err := conn.Activities.Create(bg, c, &crmv1.Activity{Kind: crmv1.ActivityKind_ACTIVITY_KIND_TASK, Subject: "No due date"})
			return err
		}},
		{"activity.contact_ids", func() error {
			_, err := conn.Activities.Create(bg, c, &crmv1.Activity{Kind: crmv1.ActivityKind_ACTIVITY_KIND_NOTE, Body: "x", ContactIds: []string{"999"}})
			return err
		}},
		{"deal.amount.currency_code", func() error {
			_, err := conn.Deals.Create(bg, c, &crmv1.Deal{Name: "X", Amount: &commonv1.Money{Units: "1", CurrencyCode: "JPY"}})
			return err
		}},
		{"deal.company_id", func() error {
			_, err := conn.Deals.Update(bg, c, &crmv1.Deal{Id: firstDeal, CompanyId: "18549999999"}, []string{"company_id"})
			return err
		}},
	}
	for _, tc := range cases {
		err := tc.call()
		vs := apierr.Violations(err)
		if status.Code(err) != codes.InvalidArgument || len(vs) == 0 || vs[0].Field != tc.field || vs[0].Description == "" {
			t.Errorf("%s: %v %+v", tc.field, err, vs)
		}
	}
	// A contact whose email HubSpot already has.
	existing, _ := conn.Contacts.Get(bg, c, "51002", connector.GetParams{})
	_, err := conn.Contacts.Create(bg, c, &crmv1.Contact{Emails: []*commonv1.Email{{Address: strings.ToUpper(existing.GetEmails()[0].GetAddress())}}})
	if status.Code(err) != codes.AlreadyExists || apierr.Info(err).GetMetadata()["existing_id"] != "51002" {
		t.Fatalf("duplicate email: %v", err)
	}
}

func TestNotFoundAndMalformedIDs(t *testing.T) {
	emu, c, conn := start(t)
	notFound := []func() error{
		func() error { _, err := conn.Contacts.Get(bg, c, "999999", connector.GetParams{}); return err },
		func() error {
			_, err := conn.Companies.Update(bg, c, &crmv1.Company{Id: "18549999999", Name: "x"}, []string{"name"})
			return err
		},
		func() error { _, err := conn.Activities.Get(bg, c, "call-999", connector.GetParams{}); return err },
		func() error { _, err := conn.Users.Get(bg, c, "424242", connector.GetParams{}); return err },
		func() error { _, err := conn.Pipelines.Get(bg, c, "nope", connector.GetParams{}); return err },
		func() error { _, err := conn.Leads.Get(bg, c, "999", connector.GetParams{}); return err },
	}
	for i, call := range notFound {
		if err := call(); status.Code(err) != codes.NotFound || apierr.Reason(err) != apierr.ReasonRecordNotFound {
			t.Errorf("#%d: %v", i, err)
		}
	}
	calls := func() int64 { return emu.Faults.Calls("", "/") }
	before := calls()
	malformed := []func() error{
		func() error { _, err := conn.Contacts.Get(bg, c, "abc", connector.GetParams{}); return err },
		func() error { return conn.Deals.Delete(bg, c, "21870000001x") },
		func() error { _, err := conn.Activities.Get(bg, c, "60290000001", connector.GetParams{}); return err },
		func() error { _, err := conn.Activities.Get(bg, c, "sms-1", connector.GetParams{}); return err },
		func() error {
			_, err := conn.Activities.Update(bg, c, &crmv1.Activity{Id: "call-x", Body: "y"}, []string{"body"})
			return err
		},
		func() error { _, err := conn.Users.Get(bg, c, "owner-1", connector.GetParams{}); return err },
		func() error {
			_, err := conn.Contacts.List(bg, c, connector.ListParams{PageSize: 5, Cursor: "zz"})
			return err
		},
		func() error {
			_, err := conn.Activities.List(bg, c, connector.ListParams{PageSize: 5, Cursor: "sms|l.1"})
			return err
		},
	}
	for i, call := range malformed {
		if err := call(); status.Code(err) != codes.InvalidArgument {
			t.Errorf("#%d: %v", i, err)
		}
	}
	if n := calls() - before; n != 0 {
		t.Fatalf("%d calls reached HubSpot with malformed ids", n)
	}
	// HubSpot's DELETE answers 204 for a record that is gone already.
	if err := conn.Contacts.Delete(bg, c, "999999"); err != nil {
		t.Fatal(err)
	}
}

func TestModifiedSinceRestartsPastTheSearchCap(t *testing.T) {
	emu, c, conn := start(t)
	emu.SetSearchCap(5)
	emu.SearchLimiter.SetLimit(1000, time.Second)
	got := connectortest.ListAll(t, c, conn.Contacts, 3, time.Now().AddDate(-2, 0, 0), nil)
	ids := connectortest.IDs(got)
	if len(ids) != emu.Len("contacts") {
		t.Fatalf("%d distinct contacts through a search capped at 5, want %d", len(ids), emu.Len("contacts"))
	}
	for i := 1; i < len(got); i++ {
		if got[i].GetUpdateTime().AsTime().Before(got[i-1].GetUpdateTime().AsTime()) {
			t.Fatalf("not in change order at %d", i)
		}
	}
	// Associations of searched records come from the v4 batch read.
	if calls := emu.Faults.Calls(http.MethodPost, "/crm/v4/associations/contacts/companies/batch/read"); calls == 0 {
		t.Fatal("no association batch read")
	}
	withCompany := 0
	for _, ct := range got {
		if ct.GetCompanyId() != "" {
			withCompany++
		}
	}
	if withCompany < 30 {
		t.Fatalf("%d searched contacts have a company", withCompany)
	}
}

func TestActivitiesAcrossTheFiveObjects(t *testing.T) {
	emu, c, conn := start(t)
	all := connectortest.ListAll(t, c, conn.Activities, 7, time.Time{}, nil)
	if len(all) != activityCount(emu) {
		t.Fatalf("%d activities, want %d", len(all), activityCount(emu))
	}
	byKind := map[crmv1.ActivityKind]string{}
	for _, a := range all {
		prefix, _, _ := strings.Cut(a.GetId(), "-")
		if kindNamed(prefix) == nil || kindNamed(prefix).kind != a.GetKind() {
			t.Fatalf("id %s for a %v", a.GetId(), a.GetKind())
		}
		byKind[a.GetKind()] = a.GetId()
	}
	if len(byKind) != 5 {
		t.Fatalf("kinds: %v", byKind)
	}
	for kind, id := range byKind {
		got, err := conn.Activities.Get(bg, c, id, connector.GetParams{})
		if err != nil || got.GetKind() != kind || len(got.GetContactIds()) == 0 {
			t.Fatalf("get %s: %v %v", id, got, err)
		}
	}
	// A call's times and direction, written and read back.
	start := timestamppb.New(time.Date(2026, 2, 2, 15, 0, 0, 0, time.UTC))
	call, err := conn.Activities.Create(bg, c, &crmv1.Activity{Kind: crmv1.ActivityKind_ACTIVITY_KIND_CALL, Subject: "Check-in",
		StartTime: start, EndTime: timestamppb.New(start.AsTime().Add(25 * time.Minute)),
		Direction: crmv1.ActivityDirection_ACTIVITY_DIRECTION_OUTBOUND, ContactIds: []string{firstContact}, LeadIds: []string{"342000001"}})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(call.GetId(), "call-") || call.GetEndTime().AsTime().Sub(call.GetStartTime().AsTime()) != 25*time.Minute ||
		call.GetDirection() != crmv1.ActivityDirection_ACTIVITY_DIRECTION_OUTBOUND || len(call.GetLeadIds()) != 1 {
		t.Fatalf("call: %v", call)
	}
	// Its end moves with only end_time given: the start is read from HubSpot.
	moved, err := conn.Activities.Update(bg, c, &crmv1.Activity{Id: call.GetId(), EndTime: timestamppb.New(start.AsTime().Add(time.Hour))}, []string{"end_time"})
	if err != nil || moved.GetEndTime().AsTime().Sub(moved.GetStartTime().AsTime()) != time.Hour {
		t.Fatalf("moved end: %v %v", moved, err)
	}
	if _, err := conn.Activities.Update(bg, c, &crmv1.Activity{Id: call.GetId(), Kind: crmv1.ActivityKind_ACTIVITY_KIND_NOTE}, []string{"body"}); apierr.Violations(err) == nil {
		t.Fatalf("changing the kind: %v", err)
	}
	// A note logged without a time is logged now.
	note, err := conn.Activities.Create(bg, c, &crmv1.Activity{Kind: crmv1.ActivityKind_ACTIVITY_KIND_NOTE, Body: "<p>Called back</p>"})
	if err != nil || note.GetStartTime() == nil || time.Since(note.GetStartTime().AsTime()) > time.Minute {
		t.Fatalf("note: %v %v", note, err)
	}
	if err := conn.Activities.Delete(bg, c, note.GetId()); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Activities.Get(bg, c, note.GetId(), connector.GetParams{}); status.Code(err) != codes.NotFound {
		t.Fatalf("deleted note: %v", err)
	}
}

func TestUsersAreOwners(t *testing.T) {
	_, c, conn := start(t)
	all := connectortest.ListAll(t, c, conn.Users, 3, time.Time{}, nil)
	active := 0
	for _, u := range all {
		if u.GetActive() {
			active++
		}
		if u.GetEmail() == "" || u.GetName() == "" {
			t.Fatalf("user %v", u)
		}
	}
	if len(all) != 8 || active != 7 || all[len(all)-1].GetActive() {
		t.Fatalf("%d users, %d active: %v", len(all), active, all)
	}
	archived, err := conn.Users.Get(bg, c, all[len(all)-1].GetId(), connector.GetParams{IncludeRaw: true})
	if err != nil || archived.GetActive() || archived.GetRaw().AsMap()["archived"] != true {
		t.Fatalf("archived owner: %v %v", archived, err)
	}
	if recent := connectortest.ListAll(t, c, conn.Users, 10, time.Now().Add(-time.Minute), nil); len(recent) != 0 {
		t.Fatalf("users changed in the last minute: %v", recent)
	}
	if conn.Users.Create != nil || conn.Users.Update != nil || conn.Users.Delete != nil || conn.Pipelines.Delete != nil {
		t.Fatal("users are read-only and pipelines cannot be deleted through the unified API")
	}
}

func TestLeadOnAnExistingContact(t *testing.T) {
	emu, c, conn := start(t)
	contact, _ := conn.Contacts.Get(bg, c, firstContact, connector.GetParams{})
	before := emu.Len("contacts")
	lead, err := conn.Leads.Create(bg, c, &crmv1.Lead{Name: "Renewal interest", Emails: contact.GetEmails()[:1],
		Status: crmv1.LeadStatus_LEAD_STATUS_WORKING})
	if err != nil {
		t.Fatal(err)
	}
	if emu.Len("contacts") != before || lead.GetFirstName() != contact.GetFirstName() || lead.GetName() != "Renewal interest" ||
		lead.GetRemoteStatus() != "attempting-stage-id" {
		t.Fatalf("lead on contact %v: %v", contact, lead)
	}
	// A lead HubSpot refuses leaves no contact behind.
	_, err = conn.Leads.Create(bg, c, &crmv1.Lead{FirstName: "Ghost", Emails: []*commonv1.Email{{Address: "ghost@x.example"}},
		OwnerId: "999"})
	if vs := apierr.Violations(err); len(vs) == 0 || vs[0].Field != "lead.owner_id" {
		t.Fatalf("lead with an unknown owner: %v", err)
	}
	if emu.Len("contacts") != before {
		t.Fatal("the contact made for a refused lead is left behind")
	}
}

func TestDealStages(t *testing.T) {
	_, c, conn := start(t)
	d, err := conn.Deals.Create(bg, c, &crmv1.Deal{Name: "Partner deal", PipelineId: "763000002"})
	if err != nil || d.GetStageId() != "1045000001" {
		t.Fatalf("first open stage of the given pipeline: %v %v", d, err)
	}
	won, err := conn.Deals.Update(bg, c, &crmv1.Deal{Id: d.GetId(), Status: crmv1.DealStatus_DEAL_STATUS_WON}, []string{"status"})
	if err != nil || won.GetStageId() != "1045000003" || won.GetStatus() != crmv1.DealStatus_DEAL_STATUS_WON || won.GetProbability() != 100 {
		t.Fatalf("won: %v %v", won, err)
	}
	moved, err := conn.Deals.Update(bg, c, &crmv1.Deal{Id: d.GetId(), PipelineId: "default"}, []string{"pipeline_id"})
	if err != nil || moved.GetPipelineId() != "default" || moved.GetStageId() != "appointmentscheduled" {
		t.Fatalf("moved to the default pipeline: %v %v", moved, err)
	}
	byRemote, err := conn.Deals.Update(bg, c, &crmv1.Deal{Id: d.GetId(), Status: crmv1.DealStatus_DEAL_STATUS_OTHER, RemoteStatus: "contractsent"},
		[]string{"status", "remote_status"})
	if err != nil || byRemote.GetStageId() != "contractsent" || byRemote.GetProbability() != 90 {
		t.Fatalf("stage by remote_status: %v %v", byRemote, err)
	}
	_, err = conn.Deals.Update(bg, c, &crmv1.Deal{Id: d.GetId(), Status: crmv1.DealStatus_DEAL_STATUS_WON, StageId: "closedlost"},
		[]string{"status", "stage_id"})
	if vs := apierr.Violations(err); len(vs) == 0 || vs[0].Field != "deal.status" {
		t.Fatalf("contradicting status and stage: %v", err)
	}
	_, err = conn.Deals.Update(bg, c, &crmv1.Deal{Id: d.GetId()}, []string{"stage_id"})
	if vs := apierr.Violations(err); len(vs) == 0 || vs[0].Field != "deal.stage_id" {
		t.Fatalf("clearing the stage: %v", err)
	}
}

func TestPipelineWrites(t *testing.T) {
	_, c, conn := start(t)
	p, err := conn.Pipelines.Create(bg, c, &crmv1.Pipeline{Name: "Upsell", Stages: []*crmv1.Stage{{Name: "Open", Probability: 30}, {Name: "Won", IsWon: true}}})
	if err != nil {
		t.Fatal(err)
	}
	renamed, err := conn.Pipelines.Update(bg, c, &crmv1.Pipeline{Id: p.GetId(), Name: "Upsells", DisplayOrder: 5}, []string{"name", "display_order"})
	if err != nil || renamed.GetName() != "Upsells" || renamed.GetDisplayOrder() != 5 || len(renamed.GetStages()) != 2 {
		t.Fatalf("renamed: %v %v", renamed, err)
	}
	// The pipeline cache is dropped on writes: a deal can land in it at once.
	d, err := conn.Deals.Create(bg, c, &crmv1.Deal{Name: "In the new pipeline", PipelineId: p.GetId()})
	if err != nil || d.GetStageId() != p.GetStages()[0].GetId() {
		t.Fatalf("deal in the new pipeline: %v %v", d, err)
	}
	_, err = conn.Pipelines.Update(bg, c, &crmv1.Pipeline{Id: p.GetId(), Stages: []*crmv1.Stage{{Name: "Only"}}}, []string{"stages"})
	if status.Code(err) != codes.InvalidArgument || !strings.Contains(err.Error(), "still has records") {
		t.Fatalf("removing a stage with a deal in it: %v", err)
	}
}

// TestEmulatorTimeIsTheStoreClock checks that the emulator can run on a
// fixed clock: the seed is spread before it.
func TestEmulatorTimeIsTheStoreClock(t *testing.T) {
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	emu := hubspotemu.New(hubspotemu.Options{Token: testToken, Seed: true, Now: func() time.Time { return now }})
	srv := httptest.NewServer(emu)
	defer srv.Close()
	c := connectortest.Conn(t, Descriptor().At(srv.URL), "", connectortest.APIKey(testToken), nil)
	got := connectortest.ListAll(t, c, Connector().Deals, 50, now.AddDate(0, 0, -30), nil)
	for _, d := range got {
		if u := d.GetUpdateTime().AsTime(); u.Before(now.AddDate(0, 0, -30)) || u.After(now) {
			t.Fatalf("deal updated %v", u)
		}
	}
}
