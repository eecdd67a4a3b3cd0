package sandbox

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/testing/protocmp"
	"google.golang.org/protobuf/types/known/structpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/google/go-cmp/cmp"

	"github.com/unimesh/unimesh/pkg/apierr"
	"github.com/unimesh/unimesh/pkg/connector"
	"github.com/unimesh/unimesh/pkg/connector/connectortest"
	"github.com/unimesh/unimesh/pkg/sandboxapi"
	commonv1 "github.com/unimesh/unimesh/proto/unimesh/common/v1"
	crmv1 "github.com/unimesh/unimesh/proto/unimesh/crm/v1"
)

const testKey = "sk_test_crm"

func start(t *testing.T) (*Emulator, *connector.Conn) {
	t.Helper()
	emu := NewEmulator(Options{APIKey: testKey, Seed: true})
	srv := httptest.NewServer(emu)
	t.Cleanup(srv.Close)
	return emu, connectortest.Conn(t, Descriptor(srv.URL), "", connectortest.APIKey(testKey), nil)
}

func ts(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func ptrTime(s string) *time.Time { t := ts(s); return &t }

func TestReadNormalization(t *testing.T) {
	created, updated := ts("2025-02-03T04:05:06Z"), ts("2025-03-04T05:06:07Z")
	cases := []struct {
		name string
		got  proto.Message
		want proto.Message
	}{
		{
			name: "person with labels, custom fields and an international and a national phone",
			got: personToContact(Person{
				ID: 10001, FirstName: "Ada", LastName: "Lovelace", FullName: "Ada Lovelace", JobTitle: "CTO",
				Emails:         []sandboxapi.Email{{Address: "ada@acme.example", Label: "work"}, {Address: "ada@home.example", Label: "personal"}},
				Phones:         []sandboxapi.Phone{{Number: "+44 20 7946 0958", Label: "work"}, {Number: "020 7946 0958", Label: "pager"}},
				Addresses:      []sandboxapi.Address{{Line1: "1 King Street", City: "London", Zip: "EC1A 1BB", Country: "GB", Kind: "work"}},
				OrganizationID: ptr(int64(20001)), OwnerID: nil, OpportunityIDs: []int64{30001},
				Labels: []string{"vip"}, Custom: map[string]any{"lead_score": 87.0}, CreatedAt: created, UpdatedAt: updated,
			}),
			want: &crmv1.Contact{
				Id: "10001", FirstName: "Ada", LastName: "Lovelace", Name: "Ada Lovelace", Title: "CTO",
				Emails: []*commonv1.Email{
					{Address: "ada@acme.example", Type: commonv1.EmailType_EMAIL_TYPE_WORK},
					{Address: "ada@home.example", Type: commonv1.EmailType_EMAIL_TYPE_PERSONAL},
				},
				Phones: []*commonv1.Phone{
					{Number: "+442079460958", RawNumber: "+44 20 7946 0958", Type: commonv1.PhoneType_PHONE_TYPE_WORK},
					{RawNumber: "020 7946 0958", Type: commonv1.PhoneType_PHONE_TYPE_OTHER},
				},
				Addresses: []*commonv1.Address{{Street_1: "1 King Street", City: "London", PostalCode: "EC1A 1BB", CountryCode: "GB", Type: commonv1.AddressType_ADDRESS_TYPE_WORK}},
				CompanyId: "20001", DealIds: []string{"30001"}, Tags: []string{"vip"},
				CustomFields: mustStruct(map[string]any{"lead_score": 87.0}),
				CreateTime:   timestamppb.New(created), UpdateTime: timestamppb.New(updated),
			},
		},
		{
			name: "abandoned opportunity: OTHER with its state kept; probability in percent",
			got: opportunityToDeal(Opportunity{ID: 30002, Title: "Pilot", Value: &sandboxapi.Money{Amount: "1200.50", Currency: "EUR"},
				State: "abandoned", PipelineID: 1, StageID: 103, WinProbability: ptr(0.29), ExpectedClose: "2025-09-30",
				OrganizationID: ptr(int64(20001)), PersonIDs: []int64{10001, 10002}, CreatedAt: created, UpdatedAt: updated}),
			want: &crmv1.Deal{Id: "30002", Name: "Pilot", Amount: &commonv1.Money{Units: "1200.50", CurrencyCode: "EUR"},
				Status: crmv1.DealStatus_DEAL_STATUS_OTHER, RemoteStatus: "abandoned", PipelineId: "1", StageId: "103",
				Probability: 29, ExpectedCloseDate: "2025-09-30", CompanyId: "20001", ContactIds: []string{"10001", "10002"},
				CreateTime: timestamppb.New(created), UpdateTime: timestamppb.New(updated)},
		},
		{
			name: "won opportunity with its close time",
			got: opportunityToDeal(Opportunity{ID: 30003, Title: "Renewal", State: "won", PipelineID: 1, StageID: 105,
				WinProbability: ptr(1.0), ClosedAt: ptrTime("2025-06-01T10:00:00Z"), PersonIDs: []int64{}, CreatedAt: created, UpdatedAt: updated}),
			want: &crmv1.Deal{Id: "30003", Name: "Renewal", Status: crmv1.DealStatus_DEAL_STATUS_WON, RemoteStatus: "won",
				PipelineId: "1", StageId: "105", Probability: 100, CloseTime: timestamppb.New(ts("2025-06-01T10:00:00Z")),
				ContactIds: []string{}, CreateTime: timestamppb.New(created), UpdateTime: timestamppb.New(updated)},
		},
		{
			name: "converted lead: one email and phone become lists; conversion ids",
			got: leadToLead(Lead{ID: 40001, Title: "Grace (Globex)", FirstName: "Grace", LastName: "Hopper", Email: "grace@globex.example",
				Phone: "+1 212 555 0100", Company: "Globex", Status: "converted", Source: "webinar",
				Converted: &Conversion{PersonID: ptr(int64(10001)), At: updated}, CreatedAt: created, UpdatedAt: updated}),
			want: &crmv1.Lead{Id: "40001", Name: "Grace (Globex)", FirstName: "Grace", LastName: "Hopper",
				Emails:      []*commonv1.Email{{Address: "grace@globex.example", Type: commonv1.EmailType_EMAIL_TYPE_WORK}},
				Phones:      []*commonv1.Phone{{Number: "+12125550100", RawNumber: "+1 212 555 0100", Type: commonv1.PhoneType_PHONE_TYPE_WORK}},
				CompanyName: "Globex", Status: crmv1.LeadStatus_LEAD_STATUS_CONVERTED, RemoteStatus: "converted", Source: "webinar",
				ConvertedContactId: "10001", ConvertedTime: timestamppb.New(updated),
				CreateTime: timestamppb.New(created), UpdateTime: timestamppb.New(updated)},
		},
		{
			name: "nurturing lead is OTHER",
			got:  leadToLead(Lead{ID: 40002, Title: "x", Status: "nurturing", CreatedAt: created, UpdatedAt: updated}),
			want: &crmv1.Lead{Id: "40002", Name: "x", Status: crmv1.LeadStatus_LEAD_STATUS_OTHER, RemoteStatus: "nurturing",
				CreateTime: timestamppb.New(created), UpdateTime: timestamppb.New(updated)},
		},
		{
			name: "inbound call; a lunch is OTHER",
			got: activityToActivity(Activity{ID: 50001, Type: "call", Subject: "Demo", Direction: "in", Completed: true,
				StartsAt: ptrTime("2025-05-05T09:00:00Z"), EndsAt: ptrTime("2025-05-05T09:30:00Z"), PersonIDs: []int64{10001},
				CreatedAt: created, UpdatedAt: updated}),
			want: &crmv1.Activity{Id: "50001", Kind: crmv1.ActivityKind_ACTIVITY_KIND_CALL, RemoteKind: "call", Subject: "Demo",
				Direction: crmv1.ActivityDirection_ACTIVITY_DIRECTION_INBOUND, Done: true,
				StartTime: timestamppb.New(ts("2025-05-05T09:00:00Z")), EndTime: timestamppb.New(ts("2025-05-05T09:30:00Z")),
				ContactIds: []string{"10001"}, CompanyIds: []string{}, DealIds: []string{}, LeadIds: []string{},
				CreateTime: timestamppb.New(created), UpdateTime: timestamppb.New(updated)},
		},
		{
			name: "lunch",
			got:  activityToActivity(Activity{ID: 50002, Type: "lunch", CreatedAt: created, UpdatedAt: updated}),
			want: &crmv1.Activity{Id: "50002", Kind: crmv1.ActivityKind_ACTIVITY_KIND_OTHER, RemoteKind: "lunch",
				ContactIds: []string{}, CompanyIds: []string{}, DealIds: []string{}, LeadIds: []string{},
				CreateTime: timestamppb.New(created), UpdateTime: timestamppb.New(updated)},
		},
		{
			name: "pipeline stages: won and lost are closed",
			got: pipelineToPipeline(Pipeline{ID: 1, Name: "Sales", Active: true, Stages: []Stage{
				{ID: 101, Name: "Qualified", WinProbability: 0.1, Type: "open"},
				{ID: 102, Name: "Won", Position: 1, WinProbability: 1, Type: "won"},
				{ID: 103, Name: "Lost", Position: 2, Type: "lost"},
			}, CreatedAt: created, UpdatedAt: updated}),
			want: &crmv1.Pipeline{Id: "1", Name: "Sales", Active: true, Stages: []*crmv1.Stage{
				{Id: "101", Name: "Qualified", Probability: 10},
				{Id: "102", Name: "Won", DisplayOrder: 1, Probability: 100, IsClosed: true, IsWon: true},
				{Id: "103", Name: "Lost", DisplayOrder: 2, IsClosed: true},
			}, CreateTime: timestamppb.New(created), UpdateTime: timestamppb.New(updated)},
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

func mustStruct(m map[string]any) *structpb.Struct {
	s, err := structpb.NewStruct(m)
	if err != nil {
		panic(err)
	}
	return s
}

func TestWriteNormalization(t *testing.T) {
	cases := []struct {
		name      string
		body      func() (map[string]any, error)
		want      string // JSON of the body
		violation string // or the field refused
	}{
		{
			name: "contact: full name split, phone raw form kept, reference as number, custom fields",
			body: func() (map[string]any, error) {
				return contactFields.Body(&crmv1.Contact{
					Name: "Ada King Lovelace", CompanyId: "20001",
					Phones:       []*commonv1.Phone{{Number: "+442079460958", RawNumber: "+44 20 7946 0958", Type: commonv1.PhoneType_PHONE_TYPE_MOBILE}},
					CustomFields: mustStruct(map[string]any{"tier": "gold"}),
				}, nil, "contact", Slug)
			},
			want: `{"custom":{"tier":"gold"},"first_name":"Ada King","last_name":"Lovelace","organization_id":20001,"phones":[{"number":"+44 20 7946 0958","label":"mobile"}]}`,
		},
		{
			name: "contact update: clearing the company sends null",
			body: func() (map[string]any, error) {
				return contactFields.Body(&crmv1.Contact{Id: "10001"}, []string{"company_id", "tags"}, "contact", Slug)
			},
			want: `{"labels":[],"organization_id":null}`,
		},
		{
			name: "deal: status, probability back to 0..1, contacts as numbers",
			body: func() (map[string]any, error) {
				return dealFields.Body(&crmv1.Deal{Name: "x", Status: crmv1.DealStatus_DEAL_STATUS_WON, Probability: 45, ContactIds: []string{"10001"}},
					nil, "deal", Slug)
			},
			want: `{"person_ids":[10001],"state":"won","title":"x","win_probability":0.45}`,
		},
		{
			name: "deal: OTHER sends the remote status",
			body: func() (map[string]any, error) {
				return dealFields.Body(&crmv1.Deal{Status: crmv1.DealStatus_DEAL_STATUS_OTHER, RemoteStatus: "abandoned"}, []string{"status", "remote_status"}, "deal", Slug)
			},
			want: `{"state":"abandoned"}`,
		},
		{
			name: "deal: remote_status alone is sent as is, whatever the (stale) status says",
			body: func() (map[string]any, error) {
				return dealFields.Body(&crmv1.Deal{Status: crmv1.DealStatus_DEAL_STATUS_OPEN, RemoteStatus: "abandoned"}, []string{"remote_status"}, "deal", Slug)
			},
			want: `{"state":"abandoned"}`,
		},
		{
			name: "activity: kind and direction",
			body: func() (map[string]any, error) {
				return activityFields.Body(&crmv1.Activity{Kind: crmv1.ActivityKind_ACTIVITY_KIND_MEETING, Direction: crmv1.ActivityDirection_ACTIVITY_DIRECTION_OUTBOUND},
					nil, "activity", Slug)
			},
			want: `{"direction":"out","type":"meeting"}`,
		},
		{
			name: "pipeline: new stage without id, won stage", body: func() (map[string]any, error) {
				return pipelineFields.Body(&crmv1.Pipeline{Name: "P", Stages: []*crmv1.Stage{{Id: "101", Name: "A", Probability: 20}, {Name: "W", IsWon: true, IsClosed: true, Probability: 100}}},
					nil, "pipeline", Slug)
			},
			want: `{"name":"P","stages":[{"id":101,"name":"A","position":0,"win_probability":0.2,"type":"open"},{"id":0,"name":"W","position":1,"win_probability":1,"type":"won"}]}`,
		},
		{name: "deal OTHER without remote status", violation: "deal.status", body: func() (map[string]any, error) {
			return dealFields.Body(&crmv1.Deal{Status: crmv1.DealStatus_DEAL_STATUS_OTHER}, []string{"status"}, "deal", Slug)
		}},
		{name: "lead with two emails", violation: "lead.emails", body: func() (map[string]any, error) {
			return leadFields.Body(&crmv1.Lead{Emails: []*commonv1.Email{{Address: "a@x.example"}, {Address: "b@x.example"}}}, nil, "lead", Slug)
		}},
		{name: "company with two websites", violation: "company.websites", body: func() (map[string]any, error) {
			return companyFields.Body(&crmv1.Company{Websites: []string{"https://a.example", "https://b.example"}}, nil, "company", Slug)
		}},
		{name: "amount without currency", violation: "deal.amount.currency_code", body: func() (map[string]any, error) {
			return dealFields.Body(&crmv1.Deal{Amount: &commonv1.Money{Units: "10"}}, nil, "deal", Slug)
		}},
		{name: "reference that is not a Sandbox CRM id", violation: "contact.company_id", body: func() (map[string]any, error) {
			return contactFields.Body(&crmv1.Contact{CompanyId: "acme"}, nil, "contact", Slug)
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			body, err := tc.body()
			if tc.violation != "" {
				vs := apierr.Violations(err)
				if status.Code(err) != codes.InvalidArgument || len(vs) == 0 || vs[0].Field != tc.violation {
					t.Fatalf("err = %v, violations %+v; want a violation of %s", err, vs, tc.violation)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got, _ := json.Marshal(body)
			var g, w any
			_ = json.Unmarshal(got, &g)
			_ = json.Unmarshal([]byte(tc.want), &w)
			if diff := cmp.Diff(w, g); diff != "" {
				t.Errorf("body mismatch (-want +got):\n%s\ngot %s", diff, got)
			}
		})
	}
}

func TestRoundTrips(t *testing.T) {
	emu, c := start(t)
	conn := Connector()

	t.Run("contact", func(t *testing.T) {
		connectortest.RoundTrip[*crmv1.Contact]{
			Seeded: emu.People.Len(),
			Create: &crmv1.Contact{
				FirstName: "Katherine", LastName: "Johnson", Title: "Mathematician", CompanyId: "20001",
				Emails:       []*commonv1.Email{{Address: "kj@nasa.example", Type: commonv1.EmailType_EMAIL_TYPE_WORK}},
				Tags:         []string{"vip"},
				CustomFields: mustStruct(map[string]any{"lead_score": 99.0}),
			},
			Mask: []string{"title", "custom_fields"},
			Change: func(c *crmv1.Contact) {
				c.Title = "Director"
				c.FirstName = "ignored because it is not in the mask"
				c.CustomFields = mustStruct(map[string]any{"lead_score": 100.0})
			},
			Check: func(t *testing.T, got *crmv1.Contact) {
				if got.GetTitle() != "Director" || got.GetFirstName() != "Katherine" || got.GetCustomFields().AsMap()["lead_score"] != 100.0 {
					t.Errorf("after update: %v", got)
				}
				if got.GetName() != "Katherine Johnson" || got.GetCompanyId() != "20001" || len(got.GetTags()) != 1 {
					t.Errorf("fields lost: %v", got)
				}
			},
		}.Run(t, c, conn.Contacts)
	})
	t.Run("company", func(t *testing.T) {
		connectortest.RoundTrip[*crmv1.Company]{
			Seeded: emu.Organizations.Len(),
			Create: &crmv1.Company{
				Name: "Analytical Engines Ltd.", Domains: []string{"engines.example"}, Websites: []string{"https://engines.example"},
				EmployeeCount: 12, AnnualRevenue: &commonv1.Money{Units: "1200000.00", CurrencyCode: "GBP"},
			},
			Mask:   []string{"employee_count", "websites"},
			Change: func(c *crmv1.Company) { c.EmployeeCount, c.Websites = 40, nil },
			Check: func(t *testing.T, got *crmv1.Company) {
				if got.GetEmployeeCount() != 40 || len(got.GetWebsites()) != 0 || got.GetAnnualRevenue().GetUnits() != "1200000.00" {
					t.Errorf("after update: %v", got)
				}
			},
		}.Run(t, c, conn.Companies)
	})
	t.Run("deal", func(t *testing.T) {
		connectortest.RoundTrip[*crmv1.Deal]{
			Seeded: emu.Opportunities.Len(),
			Create: &crmv1.Deal{Name: "Difference engine", Amount: &commonv1.Money{Units: "5000.00", CurrencyCode: "USD"}},
			Mask:   []string{"status"},
			Change: func(d *crmv1.Deal) { d.Status = crmv1.DealStatus_DEAL_STATUS_LOST },
			Check: func(t *testing.T, got *crmv1.Deal) {
				if got.GetStatus() != crmv1.DealStatus_DEAL_STATUS_LOST || got.GetCloseTime() == nil {
					t.Errorf("after losing it: %v", got)
				}
			},
		}.Run(t, c, conn.Deals)
	})
	t.Run("lead", func(t *testing.T) {
		connectortest.RoundTrip[*crmv1.Lead]{
			Seeded: emu.Leads.Len(),
			Create: &crmv1.Lead{
				FirstName: "Hedy", LastName: "Lamarr", CompanyName: "Frequency Hopping Inc.",
				Emails: []*commonv1.Email{{Address: "hedy@fh.example"}},
			},
			Mask:   []string{"status"},
			Change: func(l *crmv1.Lead) { l.Status = crmv1.LeadStatus_LEAD_STATUS_QUALIFIED },
			Check: func(t *testing.T, got *crmv1.Lead) {
				if got.GetStatus() != crmv1.LeadStatus_LEAD_STATUS_QUALIFIED || got.GetRemoteStatus() != "qualified" || got.GetName() != "Hedy Lamarr" {
					t.Errorf("after update: %v", got)
				}
			},
		}.Run(t, c, conn.Leads)
	})
	t.Run("activity", func(t *testing.T) {
		connectortest.RoundTrip[*crmv1.Activity]{
			Seeded: emu.Activities.Len(),
			Create: &crmv1.Activity{
				Kind: crmv1.ActivityKind_ACTIVITY_KIND_TASK, Subject: "Send proposal", DueTime: timestamppb.New(ts("2026-01-10T12:00:00Z")),
				ContactIds: []string{"10001"},
			},
			Mask:   []string{"done"},
			Change: func(a *crmv1.Activity) { a.Done = true },
			Check: func(t *testing.T, got *crmv1.Activity) {
				if !got.GetDone() || got.GetKind() != crmv1.ActivityKind_ACTIVITY_KIND_TASK || got.GetSubject() != "Send proposal" {
					t.Errorf("after update: %v", got)
				}
			},
		}.Run(t, c, conn.Activities)
	})
	t.Run("pipeline", func(t *testing.T) {
		connectortest.RoundTrip[*crmv1.Pipeline]{
			Seeded: emu.Pipelines.Len(),
			Create: &crmv1.Pipeline{Name: "Renewals", Active: true, Stages: []*crmv1.Stage{
				{Name: "Due", Probability: 50}, {Name: "Renewed", IsWon: true, IsClosed: true, Probability: 100},
			}},
			Mask: []string{"stages"},
			Change: func(p *crmv1.Pipeline) {
				if len(p.GetStages()) != 2 || p.GetStages()[0].GetId() == "" || !p.GetStages()[1].GetIsWon() {
					t.Fatalf("created: %v", p)
				}
				p.Stages = append(p.Stages, &crmv1.Stage{Name: "Churned", IsClosed: true})
			},
			Check: func(t *testing.T, got *crmv1.Pipeline) {
				if len(got.GetStages()) != 3 || got.GetStages()[0].GetName() != "Due" || got.GetStages()[2].GetIsWon() || !got.GetStages()[2].GetIsClosed() {
					t.Errorf("after adding a stage: %v", got)
				}
			},
		}.Run(t, c, conn.Pipelines)
	})
}

func TestDealWithOnlyNameAndAmountLandsInFirstOpenStage(t *testing.T) {
	_, c := start(t)
	d, err := Connector().Deals.Create(context.Background(), c, &crmv1.Deal{Name: "Minimal", Amount: &commonv1.Money{Units: "10", CurrencyCode: "USD"}})
	if err != nil {
		t.Fatal(err)
	}
	pipes := connectortest.ListAll(t, c, Connector().Pipelines, 10, time.Time{}, nil)
	var sales *crmv1.Pipeline
	for _, p := range pipes {
		if p.GetDisplayOrder() == 0 && p.GetActive() {
			sales = p
		}
	}
	if d.GetPipelineId() != sales.GetId() || d.GetStageId() != sales.GetStages()[0].GetId() || d.GetStatus() != crmv1.DealStatus_DEAL_STATUS_OPEN {
		t.Fatalf("deal in pipeline %s stage %s (%v); want default pipeline %s first stage %s", d.GetPipelineId(), d.GetStageId(), d.GetStatus(), sales.GetId(), sales.GetStages()[0].GetId())
	}
	if d.GetProbability() != sales.GetStages()[0].GetProbability() {
		t.Errorf("probability %v, want the stage's %v", d.GetProbability(), sales.GetStages()[0].GetProbability())
	}
	_, err = Connector().Deals.Create(context.Background(), c, &crmv1.Deal{Name: "x", PipelineId: "999"})
	if vs := apierr.Violations(err); len(vs) == 0 || vs[0].Field != "deal.pipeline_id" {
		t.Fatalf("unknown pipeline: %v", err)
	}
}

func TestIncludeRawAndCustomFields(t *testing.T) {
	_, c := start(t)
	ctx := context.Background()
	got, err := Connector().Contacts.Get(ctx, c, "10001", connector.GetParams{IncludeRaw: true})
	if err != nil {
		t.Fatal(err)
	}
	raw := got.GetRaw().AsMap()
	if raw["full_name"] != got.GetName() || raw["id"] != 10001.0 || raw["custom"] == nil {
		t.Fatalf("raw = %v", raw)
	}
	page, err := Connector().Contacts.List(ctx, c, connector.ListParams{PageSize: 3, IncludeRaw: true})
	if err != nil || len(page.Items) != 3 || page.Items[2].GetRaw() == nil {
		t.Fatalf("list with raw: %v, %v", page.Items, err)
	}
	if _, ok := got.GetCustomFields().AsMap()["lead_score"]; !ok {
		t.Fatalf("seeded custom field missing: %v", got.GetCustomFields())
	}
}

func TestProviderValidationBecomesFieldViolations(t *testing.T) {
	_, c := start(t)
	ctx := context.Background()
	_, err := Connector().Contacts.Create(ctx, c, &crmv1.Contact{LastName: "X", CompanyId: "29999"})
	vs := apierr.Violations(err)
	if status.Code(err) != codes.InvalidArgument || len(vs) != 1 || vs[0].Field != "contact.company_id" {
		t.Fatalf("unknown organization: %v %+v", err, vs)
	}
	_, err = Connector().Contacts.Create(ctx, c, &crmv1.Contact{Title: "no name"})
	if vs := apierr.Violations(err); len(vs) == 0 || vs[0].Field != "contact.last_name" {
		t.Fatalf("nameless contact: %v", err)
	}
	_, err = Connector().Activities.Update(ctx, c, &crmv1.Activity{Id: "50001", Kind: crmv1.ActivityKind_ACTIVITY_KIND_NOTE}, []string{"kind"})
	if vs := apierr.Violations(err); len(vs) == 0 || vs[0].Field != "activity.kind" {
		t.Fatalf("changing an activity's type: %v", err)
	}
	_, err = Connector().Users.Get(ctx, c, "424242", connector.GetParams{})
	if status.Code(err) != codes.NotFound {
		t.Fatalf("missing user: %v", err)
	}
}

func TestProviderFaults(t *testing.T) {
	emu, c := start(t)
	ctx := context.Background()
	conn := Connector()
	connectortest.Faults{
		Faults: emu.Faults, Limiter: emu.Limiter,
		Read: func() error {
			_, err := conn.Contacts.List(ctx, c, connector.ListParams{PageSize: 5})
			return err
		},
		ReadPath: "/v1/people",
		Write: func() error {
			_, err := conn.Contacts.Create(ctx, c, &crmv1.Contact{LastName: "Once"})
			return err
		},
		WritePath: "/v1/people",
	}.Run(t)
	if n := emu.People.Len(); n != 150 {
		t.Fatalf("%d people after a failed create", n)
	}
}

func TestBadCredentials(t *testing.T) {
	emu := NewEmulator(Options{APIKey: testKey, Seed: true})
	srv := httptest.NewServer(emu)
	defer srv.Close()
	c := connectortest.Conn(t, Descriptor(srv.URL), "", connectortest.APIKey("wrong-key-123"), nil)
	connectortest.BadCredentials(t, func() error {
		_, err := Connector().Contacts.List(context.Background(), c, connector.ListParams{PageSize: 1})
		return err
	}, "wrong-key-123", "invalid API key")
}
