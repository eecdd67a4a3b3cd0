package hubspot

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/testing/protocmp"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/unimesh/unimesh/pkg/connector/connectortest"
	commonv1 "github.com/unimesh/unimesh/proto/unimesh/common/v1"
	crmv1 "github.com/unimesh/unimesh/proto/unimesh/crm/v1"
)

// obj builds a record as HubSpot would send it.
func obj(id string, props map[string]string, links map[string][]assocLink) *object {
	o := &object{ID: id, Properties: map[string]*string{}, links: links,
		CreatedAt: ts("2025-02-03T04:05:06.789Z"), UpdatedAt: ts("2025-03-04T05:06:07.001Z")}
	for k, v := range props {
		o.Properties[k] = &v
	}
	return o
}

var testDefs = propDefs{
	"firstname":          {Name: "firstname", Type: "string"},
	"hs_object_id":       {Name: "hs_object_id", Type: "number", ReadOnly: true},
	"nps_score":          {Name: "nps_score", Type: "number", Custom: true},
	"newsletter_opt_in":  {Name: "newsletter_opt_in", Type: "bool", FieldType: "booleancheckbox", Custom: true},
	"product_interests":  {Name: "product_interests", Type: "enumeration", FieldType: "checkbox", Custom: true},
	"renewal_date":       {Name: "renewal_date", Type: "date", FieldType: "date", Custom: true},
	"last_audit":         {Name: "last_audit", Type: "datetime", FieldType: "date", Custom: true},
	"preferred_language": {Name: "preferred_language", Type: "enumeration", FieldType: "select", Custom: true},
	"score_formula":      {Name: "score_formula", Type: "number", Custom: true, ReadOnly: true},
}

var (
	created = timestamppb.New(ts("2025-02-03T04:05:06.789Z"))
	updated = timestamppb.New(ts("2025-03-04T05:06:07.001Z"))
)

func TestReadNormalization(t *testing.T) {
	rc := &readCtx{defs: testDefs, currency: "USD"}
	cases := []struct {
		name string
		got  proto.Message
		want proto.Message
	}{
		{
			name: "contact: names, primary and additional emails, phones international and national, country name, primary company, typed custom fields",
			got: contactFrom(rc, obj("51001", map[string]string{
				"firstname": "Ada", "lastname": "Lovelace", "jobtitle": "CTO", "email": "ada@engines.example",
				"hs_additional_emails": "ada@home.example;ADA@ENGINES.EXAMPLE", "phone": "+44 20 7946 0958", "mobilephone": "07700 900123",
				"fax": "0044 20 7946 0000", "address": "1 King Street", "city": "London", "zip": "EC1A 1BB", "country": "United Kingdom",
				"hubspot_owner_id": "81734002", "nps_score": "9.5", "newsletter_opt_in": "true", "product_interests": "crm;analytics",
				"renewal_date": "2026-01-31", "last_audit": "1704448800000", "preferred_language": "en",
			}, map[string][]assocLink{
				"companies": {{ID: "18540000001"}, {ID: "18540000002", Primary: true}},
				"deals":     {{ID: "21870000003"}},
			})),
			want: &crmv1.Contact{
				Id: "51001", FirstName: "Ada", LastName: "Lovelace", Name: "Ada Lovelace", Title: "CTO",
				Emails: []*commonv1.Email{{Address: "ada@engines.example", Type: commonv1.EmailType_EMAIL_TYPE_WORK},
					{Address: "ada@home.example", Type: commonv1.EmailType_EMAIL_TYPE_OTHER}},
				Phones: []*commonv1.Phone{
					{Number: "+442079460958", RawNumber: "+44 20 7946 0958", Type: commonv1.PhoneType_PHONE_TYPE_WORK},
					{RawNumber: "07700 900123", Type: commonv1.PhoneType_PHONE_TYPE_MOBILE},
					{Number: "+442079460000", RawNumber: "0044 20 7946 0000", Type: commonv1.PhoneType_PHONE_TYPE_FAX},
				},
				Addresses: []*commonv1.Address{{Street_1: "1 King Street", City: "London", PostalCode: "EC1A 1BB", CountryCode: "GB",
					Type: commonv1.AddressType_ADDRESS_TYPE_WORK}},
				CompanyId: "18540000002", OwnerId: "81734002", DealIds: []string{"21870000003"},
				CustomFields: mustStruct(map[string]any{"nps_score": 9.5, "newsletter_opt_in": true, "product_interests": []any{"crm", "analytics"},
					"renewal_date": "2026-01-31", "last_audit": "2024-01-05T10:00:00.000Z", "preferred_language": "en"}),
				CreateTime: created, UpdateTime: updated,
			},
		},
		{
			name: "contact without a primary company takes the first; unknown country name keeps no code",
			got: contactFrom(rc, obj("51002", map[string]string{"lastname": "Solo", "country": "Atlantis"},
				map[string][]assocLink{"companies": {{ID: "7"}, {ID: "8"}}})),
			want: &crmv1.Contact{Id: "51002", LastName: "Solo", Name: "Solo", CompanyId: "7", DealIds: []string{},
				CreateTime: created, UpdateTime: updated},
		},
		{
			name: "company: domains with additional ones, revenue in the account currency, second street line, code as country",
			got: companyFrom(rc, obj("18540000001", map[string]string{
				"name": "Northwind", "domain": "northwind.example", "hs_additional_domains": "nw.example;northwind-group.example",
				"website": "https://www.northwind.example", "industry": "LOGISTICS_AND_SUPPLY_CHAIN", "numberofemployees": "420",
				"annualrevenue": "98765432109876543.21", "address": "400 Pine Street", "address2": "Suite 2", "city": "Seattle",
				"state": "WA", "zip": "98101", "country": "us", "phone": "(206) 555-0142",
			}, nil)),
			want: &crmv1.Company{
				Id: "18540000001", Name: "Northwind", Domains: []string{"northwind.example", "nw.example", "northwind-group.example"},
				Websites: []string{"https://www.northwind.example"}, Industry: "LOGISTICS_AND_SUPPLY_CHAIN", EmployeeCount: 420,
				AnnualRevenue: &commonv1.Money{Units: "98765432109876543.21", CurrencyCode: "USD"},
				Addresses: []*commonv1.Address{{Street_1: "400 Pine Street", Street_2: "Suite 2", City: "Seattle", Region: "WA", PostalCode: "98101", CountryCode: "US",
					Type: commonv1.AddressType_ADDRESS_TYPE_WORK}},
				Phones:     []*commonv1.Phone{{RawNumber: "(206) 555-0142", Type: commonv1.PhoneType_PHONE_TYPE_WORK}},
				CreateTime: created, UpdateTime: updated,
			},
		},
		{
			name: "won deal: exact amount and currency, probability without float noise, close date and time from closedate",
			got: dealFrom(rc, obj("21870000001", map[string]string{
				"dealname": "Pilot", "amount": "12345678901234567.89", "deal_currency_code": "EUR", "dealstage": "closedwon",
				"pipeline": "default", "closedate": "2024-01-05T10:00:00.000Z", "hs_deal_stage_probability": "0.29",
				"hs_is_closed": "true", "hs_is_closed_won": "true", "hs_analytics_source": "OFFLINE", "hubspot_owner_id": "81734003",
			}, map[string][]assocLink{"companies": {{ID: "18540000002", Primary: true}}, "contacts": {{ID: "51001"}, {ID: "51002"}}})),
			want: &crmv1.Deal{
				Id: "21870000001", Name: "Pilot", Amount: &commonv1.Money{Units: "12345678901234567.89", CurrencyCode: "EUR"},
				Status: crmv1.DealStatus_DEAL_STATUS_WON, RemoteStatus: "closedwon", PipelineId: "default", StageId: "closedwon",
				Probability: 29, ExpectedCloseDate: "2024-01-05", CloseTime: timestamppb.New(ts("2024-01-05T10:00:00Z")),
				CompanyId: "18540000002", ContactIds: []string{"51001", "51002"}, OwnerId: "81734003", Source: "OFFLINE",
				CreateTime: created, UpdateTime: updated,
			},
		},
		{
			name: "open deal: a date-only closedate, no currency (the account's), no close time",
			got: dealFrom(rc, obj("21870000002", map[string]string{"amount": "10", "closedate": "2024-01-05", "hs_is_closed": "false",
				"dealstage": "qualifiedtobuy"}, nil)),
			want: &crmv1.Deal{Id: "21870000002", Amount: &commonv1.Money{Units: "10", CurrencyCode: "USD"},
				Status: crmv1.DealStatus_DEAL_STATUS_OPEN, RemoteStatus: "qualifiedtobuy", StageId: "qualifiedtobuy",
				ExpectedCloseDate: "2024-01-05", ContactIds: []string{}, CreateTime: created, UpdateTime: updated},
		},
		{
			name: "deal without hs_is_closed: status from the stage metadata; closedate in Unix milliseconds",
			got: dealFrom(&readCtx{currency: "USD", pipes: []pipeline{{ID: "default", Stages: []stage{
				{ID: "closedlost", Metadata: map[string]string{"isClosed": "true", "probability": "0.0"}}}}}},
				obj("21870000003", map[string]string{"pipeline": "default", "dealstage": "closedlost", "closedate": "1704412800000"}, nil)),
			want: &crmv1.Deal{Id: "21870000003", Status: crmv1.DealStatus_DEAL_STATUS_LOST, RemoteStatus: "closedlost",
				PipelineId: "default", StageId: "closedlost", ExpectedCloseDate: "2024-01-05", CloseTime: timestamppb.New(ts("2024-01-05T00:00:00Z")),
				ContactIds: []string{}, CreateTime: created, UpdateTime: updated},
		},
		{
			name: "lead: Connected reads WORKING with its stage kept; person from its primary contact",
			got: leadFrom(&readCtx{contacts: map[string]object{"51001": *obj("51001", map[string]string{
				"firstname": "Hedy", "lastname": "Lamarr", "email": "hedy@fh.example", "company": "FH Inc.", "jobtitle": "Inventor"}, nil)}},
				obj("342000001", map[string]string{"hs_lead_name": "Hedy Lamarr", "hs_pipeline_stage": "connected-stage-id"},
					map[string][]assocLink{"contacts": {{ID: "51001", Primary: true}}, "deals": {{ID: "21870000001", Primary: true}}})),
			want: &crmv1.Lead{Id: "342000001", Name: "Hedy Lamarr", FirstName: "Hedy", LastName: "Lamarr", Title: "Inventor",
				Emails: []*commonv1.Email{{Address: "hedy@fh.example", Type: commonv1.EmailType_EMAIL_TYPE_WORK}}, CompanyName: "FH Inc.",
				Status: crmv1.LeadStatus_LEAD_STATUS_WORKING, RemoteStatus: "connected-stage-id", ConvertedDealId: "21870000001",
				CreateTime: created, UpdateTime: updated},
		},
		{
			name: "lead in an account's own stage reads OTHER",
			got:  leadFrom(&readCtx{}, obj("342000002", map[string]string{"hs_lead_name": "X", "hs_pipeline_stage": "201593994"}, nil)),
			want: &crmv1.Lead{Id: "342000002", Name: "X", Status: crmv1.LeadStatus_LEAD_STATUS_OTHER, RemoteStatus: "201593994",
				CreateTime: created, UpdateTime: updated},
		},
		{
			name: "call: its duration makes the end time; direction; completed",
			got: activityFrom(kindNamed("call"), rc, obj("60290000001", map[string]string{"hs_timestamp": "2025-05-01T09:00:00.000Z",
				"hs_call_title": "Discovery", "hs_call_duration": "1800000", "hs_call_direction": "INBOUND", "hs_call_status": "COMPLETED"},
				map[string][]assocLink{"contacts": {{ID: "51001"}}})),
			want: &crmv1.Activity{Id: "call-60290000001", Kind: crmv1.ActivityKind_ACTIVITY_KIND_CALL, RemoteKind: "CALL", Subject: "Discovery",
				StartTime: timestamppb.New(ts("2025-05-01T09:00:00Z")), EndTime: timestamppb.New(ts("2025-05-01T09:30:00Z")),
				Direction: crmv1.ActivityDirection_ACTIVITY_DIRECTION_INBOUND, Done: true, ContactIds: []string{"51001"},
				CompanyIds: []string{}, DealIds: []string{}, LeadIds: []string{}, CreateTime: created, UpdateTime: updated},
		},
		{
			name: "forwarded email has no direction; incoming is inbound",
			got: activityFrom(kindNamed("email"), rc, obj("60470000001", map[string]string{"hs_timestamp": "2025-05-01T09:00:00Z",
				"hs_email_subject": "Fwd: pricing", "hs_email_direction": "FORWARDED_EMAIL"}, nil)),
			want: &crmv1.Activity{Id: "email-60470000001", Kind: crmv1.ActivityKind_ACTIVITY_KIND_EMAIL, RemoteKind: "EMAIL",
				Subject: "Fwd: pricing", StartTime: timestamppb.New(ts("2025-05-01T09:00:00Z")), ContactIds: []string{},
				CompanyIds: []string{}, DealIds: []string{}, LeadIds: []string{}, CreateTime: created, UpdateTime: updated},
		},
		{
			name: "meeting without a start time starts at hs_timestamp; task due date and status",
			got: activityFrom(kindNamed("meeting"), rc, obj("60330000001", map[string]string{"hs_timestamp": "2025-05-01T09:00:00Z",
				"hs_meeting_end_time": "2025-05-01T10:00:00Z", "hs_meeting_outcome": "SCHEDULED"}, nil)),
			want: &crmv1.Activity{Id: "meeting-60330000001", Kind: crmv1.ActivityKind_ACTIVITY_KIND_MEETING, RemoteKind: "MEETING",
				StartTime: timestamppb.New(ts("2025-05-01T09:00:00Z")), EndTime: timestamppb.New(ts("2025-05-01T10:00:00Z")),
				ContactIds: []string{}, CompanyIds: []string{}, DealIds: []string{}, LeadIds: []string{}, CreateTime: created, UpdateTime: updated},
		},
		{
			name: "task",
			got: activityFrom(kindNamed("task"), rc, obj("60520000001", map[string]string{"hs_timestamp": "2025-06-01T00:00:00Z",
				"hs_task_subject": "Send proposal", "hs_task_status": "COMPLETED"}, nil)),
			want: &crmv1.Activity{Id: "task-60520000001", Kind: crmv1.ActivityKind_ACTIVITY_KIND_TASK, RemoteKind: "TASK",
				Subject: "Send proposal", DueTime: timestamppb.New(ts("2025-06-01T00:00:00Z")), Done: true,
				ContactIds: []string{}, CompanyIds: []string{}, DealIds: []string{}, LeadIds: []string{}, CreateTime: created, UpdateTime: updated},
		},
		{
			name: "pipeline: the default one's epoch creation time reads unset; won and lost stages",
			got: pipelineFrom(pipeline{ID: "default", Label: "Sales Pipeline", CreatedAt: time.Unix(0, 0).UTC(), UpdatedAt: ts("2025-03-04T05:06:07.001Z"),
				Stages: []stage{
					{ID: "closedwon", Label: "Won", DisplayOrder: 2, Metadata: map[string]string{"isClosed": "true", "probability": "1.0"}},
					{ID: "appointmentscheduled", Label: "Appointment", DisplayOrder: 0, Metadata: map[string]string{"isClosed": "false", "probability": "0.2"}},
					{ID: "closedlost", Label: "Lost", DisplayOrder: 3, Metadata: map[string]string{"isClosed": "true", "probability": "0.0"}},
				}}),
			want: &crmv1.Pipeline{Id: "default", Name: "Sales Pipeline", Active: true, UpdateTime: updated, Stages: []*crmv1.Stage{
				{Id: "appointmentscheduled", Name: "Appointment", Probability: 20},
				{Id: "closedwon", Name: "Won", DisplayOrder: 2, Probability: 100, IsClosed: true, IsWon: true},
				{Id: "closedlost", Name: "Lost", DisplayOrder: 3, IsClosed: true},
			}},
		},
		{
			name: "archived owner is an inactive user",
			got:  ownerFrom(owner{ID: "81734008", FirstName: "Grace", LastName: "O'Neil", Email: "g@x.example", Archived: true, CreatedAt: ts("2025-02-03T04:05:06.789Z")}),
			want: &crmv1.User{Id: "81734008", Name: "Grace O'Neil", Email: "g@x.example", CreateTime: created},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, tc.got, protocmp.Transform(), protocmp.IgnoreEmptyMessages()); diff != "" {
				t.Errorf("mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseTime(t *testing.T) {
	want := ts("2024-01-05T10:00:00Z")
	for _, s := range []string{"2024-01-05T10:00:00.000Z", "2024-01-05T10:00:00Z", "2024-01-05T11:00:00+01:00", "1704448800000"} {
		if got, ok := parseTime(s); !ok || !got.Equal(want) {
			t.Errorf("parseTime(%q) = %v %v", s, got, ok)
		}
	}
	if got, ok := parseTime("2024-01-05"); !ok || !got.Equal(ts("2024-01-05T00:00:00Z")) {
		t.Errorf("date-only: %v", got)
	}
	for _, s := range []string{"", "yesterday", "05/01/2024"} {
		if _, ok := parseTime(s); ok {
			t.Errorf("parseTime(%q) accepted", s)
		}
	}
}

func TestWriteNormalization(t *testing.T) {
	wc := func() *writeCtx { return &writeCtx{defs: testDefs, currency: "USD"} }
	upd := func() *writeCtx { w := wc(); w.update = true; return w }
	cases := []struct {
		name      string
		body      func() (map[string]any, error)
		want      string // JSON of the body
		violation string // or the field refused
	}{
		{
			name: "contact: full name split, raw phone kept in its type's property, typed custom fields",
			body: func() (map[string]any, error) {
				return contactFields(wc()).Body(&crmv1.Contact{
					Name: "Ada King Lovelace", OwnerId: "81734002",
					Phones: []*commonv1.Phone{{Number: "+447700900123", RawNumber: "07700 900123", Type: commonv1.PhoneType_PHONE_TYPE_MOBILE},
						{Number: "+442079460958"}},
					CustomFields: mustStruct(map[string]any{"nps_score": 9.5, "newsletter_opt_in": false,
						"product_interests": []any{"crm", "support"}, "renewal_date": "2026-01-31", "last_audit": "2024-01-05T11:00:00+01:00",
						"preferred_language": nil}),
				}, nil, "contact", Slug)
			},
			want: `{"firstname":"Ada King","lastname":"Lovelace","hubspot_owner_id":"81734002","mobilephone":"07700 900123",
				"phone":"+442079460958","nps_score":"9.5","newsletter_opt_in":"false","product_interests":"crm;support",
				"renewal_date":"2026-01-31","last_audit":"2024-01-05T10:00:00.000Z","preferred_language":""}`,
		},
		{
			name: "contact update: emptied phones and address clear every property they map to",
			body: func() (map[string]any, error) {
				return contactFields(upd()).Body(&crmv1.Contact{Id: "51001"}, []string{"phones", "addresses", "emails"}, "contact", Slug)
			},
			want: `{"phone":"","mobilephone":"","fax":"","address":"","city":"","state":"","zip":"","country":"","email":""}`,
		},
		{
			name: "company: address with a country code written as HubSpot's name, revenue in the account currency",
			body: func() (map[string]any, error) {
				return companyFields(wc()).Body(&crmv1.Company{Name: "X", Domains: []string{"x.example"},
					AnnualRevenue: &commonv1.Money{Units: "1200000.50", CurrencyCode: "USD"}, EmployeeCount: 12,
					Addresses: []*commonv1.Address{{Street_1: "Friedrichstraße 68", Street_2: "3. OG", City: "Berlin", PostalCode: "10117", CountryCode: "DE"}},
				}, nil, "company", Slug)
			},
			want: `{"name":"X","domain":"x.example","annualrevenue":"1200000.50","numberofemployees":"12","address":"Friedrichstraße 68",
				"address2":"3. OG","city":"Berlin","state":"","zip":"10117","country":"Germany"}`,
		},
		{
			name: "deal: amount text as given with its currency, close date at midnight UTC",
			body: func() (map[string]any, error) {
				return dealFields(wc()).Body(&crmv1.Deal{Name: "X", Amount: &commonv1.Money{Units: "12345678901234567.89", CurrencyCode: "EUR"},
					ExpectedCloseDate: "2026-03-31", LostReason: "n/a"}, nil, "deal", Slug)
			},
			want: `{"dealname":"X","amount":"12345678901234567.89","deal_currency_code":"EUR","closedate":"2026-03-31T00:00:00.000Z","closed_lost_reason":"n/a"}`,
		},
		{
			name: "lead: WORKING is Attempting; person fields go to the contact, not the lead",
			body: func() (map[string]any, error) {
				w := wc()
				w.contact = map[string]any{}
				return leadFields(w).Body(&crmv1.Lead{Name: "Hedy", FirstName: "Hedy", Status: crmv1.LeadStatus_LEAD_STATUS_WORKING}, nil, "lead", Slug)
			},
			want: `{"hs_lead_name":"Hedy","hs_pipeline_stage":"attempting-stage-id"}`,
		},
		{
			name: "lead: OTHER sends the account's own stage as is",
			body: func() (map[string]any, error) {
				w := wc()
				w.contact = map[string]any{}
				return leadFields(w).Body(&crmv1.Lead{Status: crmv1.LeadStatus_LEAD_STATUS_OTHER, RemoteStatus: "201593994"},
					[]string{"status", "remote_status"}, "lead", Slug)
			},
			want: `{"hs_pipeline_stage":"201593994"}`,
		},
		{
			name: "call: duration from start and end, direction",
			body: func() (map[string]any, error) {
				return activityFields(kindNamed("call"), wc()).Body(&crmv1.Activity{Kind: crmv1.ActivityKind_ACTIVITY_KIND_CALL,
					StartTime: timestamppb.New(ts("2025-05-01T09:00:00Z")), EndTime: timestamppb.New(ts("2025-05-01T09:45:30Z")),
					Direction: crmv1.ActivityDirection_ACTIVITY_DIRECTION_OUTBOUND, Done: true}, nil, "activity", Slug)
			},
			want: `{"hs_timestamp":"2025-05-01T09:00:00.000Z","hs_call_duration":"2730000","hs_call_direction":"OUTBOUND","hs_call_status":"COMPLETED"}`,
		},
		{
			name: "email: inbound is INCOMING_EMAIL; meeting start is also its hs_timestamp",
			body: func() (map[string]any, error) {
				return activityFields(kindNamed("email"), wc()).Body(&crmv1.Activity{Subject: "Re: pricing",
					Direction: crmv1.ActivityDirection_ACTIVITY_DIRECTION_INBOUND}, nil, "activity", Slug)
			},
			want: `{"hs_email_subject":"Re: pricing","hs_email_direction":"INCOMING_EMAIL"}`,
		},
		{
			name: "meeting",
			body: func() (map[string]any, error) {
				return activityFields(kindNamed("meeting"), wc()).Body(&crmv1.Activity{StartTime: timestamppb.New(ts("2025-05-01T09:00:00Z"))},
					nil, "activity", Slug)
			},
			want: `{"hs_meeting_start_time":"2025-05-01T09:00:00.000Z","hs_timestamp":"2025-05-01T09:00:00.000Z"}`,
		},
		{
			name: "task update: not done reopens a completed task",
			body: func() (map[string]any, error) {
				w := upd()
				w.cur = obj("1", map[string]string{"hs_task_status": "COMPLETED"}, nil)
				return activityFields(kindNamed("task"), w).Body(&crmv1.Activity{}, []string{"done"}, "activity", Slug)
			},
			want: `{"hs_task_status":"NOT_STARTED"}`,
		},
		{
			name: "call update: not done leaves a NO_ANSWER call as it is",
			body: func() (map[string]any, error) {
				w := upd()
				w.cur = obj("1", map[string]string{"hs_call_status": "NO_ANSWER"}, nil)
				return activityFields(kindNamed("call"), w).Body(&crmv1.Activity{}, []string{"done"}, "activity", Slug)
			},
			want: `{}`,
		},
		{
			name: "pipeline stages: probability as HubSpot's string, won at 1.0, lost at 0.0",
			body: func() (map[string]any, error) {
				return pipelineFields().Body(&crmv1.Pipeline{Name: "P", Stages: []*crmv1.Stage{{Id: "101", Name: "A", Probability: 20},
					{Name: "W", IsWon: true}, {Name: "L", IsClosed: true}}}, nil, "pipeline", Slug)
			},
			want: `{"label":"P","stages":[{"stageId":"101","label":"A","displayOrder":0,"metadata":{"isClosed":"false","probability":"0.2"}},
				{"label":"W","displayOrder":1,"metadata":{"isClosed":"true","probability":"1.0"}},
				{"label":"L","displayOrder":2,"metadata":{"isClosed":"true","probability":"0.0"}}]}`,
		},
		{name: "contact with two emails", violation: "contact.emails[1]", body: func() (map[string]any, error) {
			return contactFields(wc()).Body(&crmv1.Contact{Emails: []*commonv1.Email{{Address: "a@x.example"}, {Address: "b@x.example"}}}, nil, "contact", Slug)
		}},
		{name: "personal email", violation: "contact.emails[0].type", body: func() (map[string]any, error) {
			return contactFields(wc()).Body(&crmv1.Contact{Emails: []*commonv1.Email{{Address: "a@x.example", Type: commonv1.EmailType_EMAIL_TYPE_PERSONAL}}}, nil, "contact", Slug)
		}},
		{name: "home phone", violation: "contact.phones[0].type", body: func() (map[string]any, error) {
			return contactFields(wc()).Body(&crmv1.Contact{Phones: []*commonv1.Phone{{Number: "+14155550100", Type: commonv1.PhoneType_PHONE_TYPE_HOME}}}, nil, "contact", Slug)
		}},
		{name: "two work phones", violation: "contact.phones[1]", body: func() (map[string]any, error) {
			return contactFields(wc()).Body(&crmv1.Contact{Phones: []*commonv1.Phone{{Number: "+14155550100"}, {Number: "+14155550101", Type: commonv1.PhoneType_PHONE_TYPE_WORK}}}, nil, "contact", Slug)
		}},
		{name: "contact address with two street lines", violation: "contact.addresses[0].street_2", body: func() (map[string]any, error) {
			return contactFields(wc()).Body(&crmv1.Contact{Addresses: []*commonv1.Address{{Street_1: "a", Street_2: "b"}}}, nil, "contact", Slug)
		}},
		{name: "typed address", violation: "company.addresses[0].type", body: func() (map[string]any, error) {
			return companyFields(wc()).Body(&crmv1.Company{Addresses: []*commonv1.Address{{City: "x", Type: commonv1.AddressType_ADDRESS_TYPE_BILLING}}}, nil, "company", Slug)
		}},
		{name: "contact tags", violation: "contact.tags", body: func() (map[string]any, error) {
			return contactFields(wc()).Body(&crmv1.Contact{Tags: []string{"vip"}}, nil, "contact", Slug)
		}},
		{name: "company with two websites", violation: "company.websites", body: func() (map[string]any, error) {
			return companyFields(wc()).Body(&crmv1.Company{Websites: []string{"https://a.example", "https://b.example"}}, nil, "company", Slug)
		}},
		{name: "revenue in another currency", violation: "company.annual_revenue.currency_code", body: func() (map[string]any, error) {
			return companyFields(wc()).Body(&crmv1.Company{AnnualRevenue: &commonv1.Money{Units: "10", CurrencyCode: "EUR"}}, nil, "company", Slug)
		}},
		{name: "reference that is not a HubSpot id", violation: "contact.company_id", body: func() (map[string]any, error) {
			return contactFields(wc()).Body(&crmv1.Contact{CompanyId: "acme"}, nil, "contact", Slug)
		}},
		{name: "unknown custom property", violation: "contact.custom_fields.favourite_colour", body: func() (map[string]any, error) {
			return contactFields(wc()).Body(&crmv1.Contact{CustomFields: mustStruct(map[string]any{"favourite_colour": "blue"})}, nil, "contact", Slug)
		}},
		{name: "HubSpot-defined property as a custom field", violation: "contact.custom_fields.firstname", body: func() (map[string]any, error) {
			return contactFields(wc()).Body(&crmv1.Contact{CustomFields: mustStruct(map[string]any{"firstname": "x"})}, nil, "contact", Slug)
		}},
		{name: "read-only custom property", violation: "contact.custom_fields.score_formula", body: func() (map[string]any, error) {
			return contactFields(wc()).Body(&crmv1.Contact{CustomFields: mustStruct(map[string]any{"score_formula": 1.0})}, nil, "contact", Slug)
		}},
		{name: "custom number given text", violation: "contact.custom_fields.nps_score", body: func() (map[string]any, error) {
			return contactFields(wc()).Body(&crmv1.Contact{CustomFields: mustStruct(map[string]any{"nps_score": "nine"})}, nil, "contact", Slug)
		}},
		{name: "custom date given a time", violation: "contact.custom_fields.renewal_date", body: func() (map[string]any, error) {
			return contactFields(wc()).Body(&crmv1.Contact{CustomFields: mustStruct(map[string]any{"renewal_date": "2026-01-31T10:00:00Z"})}, nil, "contact", Slug)
		}},
		{name: "deal source is HubSpot's", violation: "deal.source", body: func() (map[string]any, error) {
			return dealFields(wc()).Body(&crmv1.Deal{Source: "referral"}, nil, "deal", Slug)
		}},
		{name: "deal probability is the stage's", violation: "deal.probability", body: func() (map[string]any, error) {
			return dealFields(wc()).Body(&crmv1.Deal{Probability: 35}, nil, "deal", Slug)
		}},
		{name: "lead CONVERTED has no HubSpot stage", violation: "lead.status", body: func() (map[string]any, error) {
			w := wc()
			w.contact = map[string]any{}
			return leadFields(w).Body(&crmv1.Lead{Status: crmv1.LeadStatus_LEAD_STATUS_CONVERTED}, nil, "lead", Slug)
		}},
		{name: "note subject", violation: "activity.subject", body: func() (map[string]any, error) {
			return activityFields(kindNamed("note"), wc()).Body(&crmv1.Activity{Subject: "x"}, nil, "activity", Slug)
		}},
		{name: "task start time", violation: "activity.start_time", body: func() (map[string]any, error) {
			return activityFields(kindNamed("task"), wc()).Body(&crmv1.Activity{StartTime: timestamppb.Now()}, nil, "activity", Slug)
		}},
		{name: "email to a lead", violation: "activity.lead_ids", body: func() (map[string]any, error) {
			return activityFields(kindNamed("email"), wc()).Body(&crmv1.Activity{LeadIds: []string{"342000001"}}, nil, "activity", Slug)
		}},
		{name: "call ending before it starts", violation: "activity.end_time", body: func() (map[string]any, error) {
			return activityFields(kindNamed("call"), wc()).Body(&crmv1.Activity{StartTime: timestamppb.New(ts("2025-05-01T09:00:00Z")),
				EndTime: timestamppb.New(ts("2025-05-01T08:00:00Z"))}, nil, "activity", Slug)
		}},
		{name: "another kind's remote kind", violation: "activity.remote_kind", body: func() (map[string]any, error) {
			return activityFields(kindNamed("note"), upd()).Body(&crmv1.Activity{RemoteKind: "CALL"}, []string{"remote_kind"}, "activity", Slug)
		}},
		{name: "stage probability off the 10% steps", violation: "pipeline.stages[0].probability", body: func() (map[string]any, error) {
			return pipelineFields().Body(&crmv1.Pipeline{Stages: []*crmv1.Stage{{Name: "A", Probability: 25}}}, nil, "pipeline", Slug)
		}},
		{name: "inactive pipeline", violation: "pipeline.active", body: func() (map[string]any, error) {
			return pipelineFields().Body(&crmv1.Pipeline{Name: "P"}, []string{"active"}, "pipeline", Slug)
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			body, err := tc.body()
			got := connectortest.WriteBody(t, body, err, tc.want, tc.violation)
			if got == nil {
				return
			}
		})
	}
}
