package pipedrive

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/testing/protocmp"
	"google.golang.org/protobuf/types/known/structpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/unimesh/unimesh/pkg/connector/connectortest"
	commonv1 "github.com/unimesh/unimesh/proto/unimesh/common/v1"
	crmv1 "github.com/unimesh/unimesh/proto/unimesh/crm/v1"
)

// Keys of the custom fields the tests define.
const (
	scoreKey    = "1111111111111111111111111111111111111111"
	langKey     = "2222222222222222222222222222222222222222"
	regionKey   = "3333333333333333333333333333333333333333"
	region2Key  = "4444444444444444444444444444444444444444"
	compKey     = "5555555555555555555555555555555555555555"
	contractKey = "6666666666666666666666666666666666666666"
)

// testFields is an entity's field definitions as /api/v1/*Fields lists
// them: system fields, label options, custom fields of every kind, and two
// custom fields that share a name.
func testFields(t *testing.T) *fieldSet {
	t.Helper()
	var fields []field
	err := json.Unmarshal([]byte(`[
		{"id": 1, "key": "name", "name": "Name", "field_type": "varchar", "edit_flag": false, "active_flag": true},
		{"id": 2, "key": "label_ids", "name": "Labels", "field_type": "set", "edit_flag": false,
		 "options": [{"id": 5, "label": "Customer", "color": "green"}, {"id": 6, "label": "Hot lead", "color": "red"}]},
		{"id": 10, "key": "`+scoreKey+`", "name": "Lead score", "field_type": "double", "edit_flag": true, "active_flag": true},
		{"id": 11, "key": "`+langKey+`", "name": "Preferred language", "field_type": "enum", "edit_flag": true,
		 "options": [{"id": 31, "label": "English"}, {"id": "32", "label": "German"}]},
		{"id": 13, "key": "`+region2Key+`", "name": "Region", "field_type": "varchar", "edit_flag": true},
		{"id": 12, "key": "`+regionKey+`", "name": "Region", "field_type": "varchar", "edit_flag": true},
		{"id": 14, "key": "`+compKey+`", "name": "Competitors", "field_type": "set", "edit_flag": true,
		 "options": [{"id": 41, "label": "Globex"}, {"id": 42, "label": "Initech"}]},
		{"id": 15, "key": "`+contractKey+`", "name": "Contract value", "field_type": "monetary", "edit_flag": true},
		{"id": 16, "key": "7777777777777777777777777777777777777777", "name": "Retired", "field_type": "varchar", "edit_flag": true, "active_flag": false}
	]`), &fields)
	if err != nil {
		t.Fatal(err)
	}
	return newFieldSet(fields)
}

func mustStruct(m map[string]any) *structpb.Struct {
	s, err := structpb.NewStruct(m)
	if err != nil {
		panic(err)
	}
	return s
}

func decode[T any](t *testing.T, s string) T {
	t.Helper()
	var v T
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatalf("decode %s: %v", s, err)
	}
	return v
}

func tsOf(s string) *timestamppb.Timestamp {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return timestamppb.New(t)
}

func TestFieldNames(t *testing.T) {
	fs := testFields(t)
	// The older field keeps the plain name; the later one is told apart by its key.
	if fs.name(regionKey) != "Region" || fs.name(region2Key) != "Region ("+region2Key+")" {
		t.Fatalf("names: %q %q", fs.name(regionKey), fs.name(region2Key))
	}
	if _, ok := fs.lookup("Retired"); ok {
		t.Fatal("an inactive field is not offered")
	}
	if d, ok := fs.lookup(langKey); !ok || d.name != "Preferred language" {
		t.Fatal("a field's key is accepted as its name")
	}
	got, err := fs.write(mustStruct(map[string]any{
		"Region": "EMEA", "Region (" + region2Key + ")": "North", "Preferred language": "German",
		"Competitors": []any{"Initech", 41.0}, "Lead score": 7.0, langKey: nil,
	}), false)
	if err == nil {
		t.Fatalf("a name and a key of one field in one write: %v", got)
	}
	got, err = fs.write(mustStruct(map[string]any{
		"Region": "EMEA", "Region (" + region2Key + ")": "North", "Preferred language": "German",
		"Competitors": []any{"Initech", 41.0}, "Lead score": 7.0, "Contract value": map[string]any{"value": 10.0, "currency": "EUR"},
	}), false)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(got)
	want := `{"1111111111111111111111111111111111111111":7,"2222222222222222222222222222222222222222":32,` +
		`"3333333333333333333333333333333333333333":"EMEA","4444444444444444444444444444444444444444":"North",` +
		`"5555555555555555555555555555555555555555":[42,41],"6666666666666666666666666666666666666666":{"currency":"EUR","value":10}}`
	if string(b) != want {
		t.Fatalf("v2 custom fields:\n got %s\nwant %s", b, want)
	}
	v1, err := fs.write(mustStruct(map[string]any{"Competitors": []any{"Globex", "Initech"}, "Contract value": map[string]any{"value": 10.0, "currency": "EUR"}}), true)
	if err != nil {
		t.Fatal(err)
	}
	if v1[compKey] != "41,42" || v1[contractKey] != 10.0 || v1[contractKey+"_currency"] != "EUR" {
		t.Fatalf("v1 custom fields: %v", v1)
	}
}

func TestFieldWriteErrors(t *testing.T) {
	fs := testFields(t)
	for _, tc := range []struct {
		in    map[string]any
		field string
	}{
		{map[string]any{"Nope": 1.0}, "custom_fields.Nope"},
		{map[string]any{"Preferred language": "Klingon"}, "custom_fields.Preferred language"},
		{map[string]any{"Preferred language": 99.0}, "custom_fields.Preferred language"},
		{map[string]any{"Competitors": []any{"Globex", "Hooli"}}, "custom_fields.Competitors"},
		{map[string]any{"Contract value": 10.0}, "custom_fields.Contract value"},
	} {
		_, err := fs.write(mustStruct(tc.in), false)
		if err == nil || !strings.Contains(err.Error(), tc.field+":") {
			t.Errorf("%v: err = %v, want a violation of %s", tc.in, err, tc.field)
		}
	}
	if _, err := fs.writeTags("tags", []string{"Customer", "VIP"}); err == nil || !strings.Contains(err.Error(), "tags[1]") {
		t.Errorf("unknown label: %v", err)
	}
}

func TestReadNormalization(t *testing.T) {
	fs := testFields(t)
	cases := []struct {
		name string
		got  proto.Message
		want proto.Message
	}{
		{
			name: "v2 person: primary email first, international and national phones, labels, custom fields by name",
			got: personToContact(decode[person](t, `{
				"id": 12, "name": "Ada Lovelace", "first_name": "Ada", "last_name": "Lovelace", "owner_id": 14390001, "org_id": 7,
				"add_time": "2025-02-03T04:05:06Z", "update_time": "2025-03-04T05:06:07Z", "label_ids": [6, 5], "is_deleted": false,
				"emails": [{"value": "ada@home.example", "primary": false, "label": "home"}, {"value": "ada@acme.example", "primary": true, "label": "work"}],
				"phones": [{"value": "+44 20 7946 0958", "primary": true, "label": "work"}, {"value": "020 7946 0958", "primary": false, "label": "mobile"},
				           {"value": "555-0100", "label": "pager"}],
				"job_title": "CTO",
				"custom_fields": {"`+scoreKey+`": 87, "`+langKey+`": 32, "`+regionKey+`": null, "`+region2Key+`": "North",
				                  "`+compKey+`": [41, 42], "`+contractKey+`": {"value": 2300.5, "currency": "EUR"}}
			}`), fs),
			want: &crmv1.Contact{
				Id: "12", FirstName: "Ada", LastName: "Lovelace", Name: "Ada Lovelace", Title: "CTO",
				Emails: []*commonv1.Email{
					{Address: "ada@acme.example", Type: commonv1.EmailType_EMAIL_TYPE_WORK},
					{Address: "ada@home.example", Type: commonv1.EmailType_EMAIL_TYPE_PERSONAL},
				},
				Phones: []*commonv1.Phone{
					{Number: "+442079460958", RawNumber: "+44 20 7946 0958", Type: commonv1.PhoneType_PHONE_TYPE_WORK},
					{RawNumber: "020 7946 0958", Type: commonv1.PhoneType_PHONE_TYPE_MOBILE},
					{RawNumber: "555-0100", Type: commonv1.PhoneType_PHONE_TYPE_OTHER},
				},
				CompanyId: "7", OwnerId: "14390001", Tags: []string{"Hot lead", "Customer"},
				CustomFields: mustStruct(map[string]any{
					"Lead score": 87.0, "Preferred language": "German", "Region (" + region2Key + ")": "North",
					"Competitors": []any{"Globex", "Initech"}, "Contract value": map[string]any{"value": 2300.5, "currency": "EUR"},
				}),
				CreateTime: tsOf("2025-02-03T04:05:06Z"), UpdateTime: tsOf("2025-03-04T05:06:07Z"),
			},
		},
		{
			name: "organization with a geocoded address",
			got: organizationToCompany(decode[organization](t, `{
				"id": 3, "name": "Eiffel SA", "owner_id": 5, "add_time": "2024-07-01T05:46:33Z", "update_time": "2024-07-01T11:29:32Z",
				"address": {"value": "Eiffel Tower, Avenue Gustave Eiffel, Paris, France", "street_number": "5", "route": "Avenue Anatole France",
				            "locality": "Paris", "admin_area_level_1": "Île-de-France", "country": "France", "postal_code": "75007"},
				"custom_fields": {}
			}`), fs),
			want: &crmv1.Company{
				Id: "3", Name: "Eiffel SA", OwnerId: "5",
				Addresses: []*commonv1.Address{{Street_1: "5 Avenue Anatole France", City: "Paris", Region: "Île-de-France",
					PostalCode: "75007", CountryCode: "FR", Type: commonv1.AddressType_ADDRESS_TYPE_WORK}},
				CreateTime: tsOf("2024-07-01T05:46:33Z"), UpdateTime: tsOf("2024-07-01T11:29:32Z"),
			},
		},
		{
			name: "won deal: exact amount, close time from won_time when close_time is empty, one contact",
			got: dealToDeal(decode[deal](t, `{
				"id": 30, "title": "Pilot", "value": 1200.50, "currency": "EUR", "status": "won", "pipeline_id": 1, "stage_id": 4,
				"probability": 75, "won_time": "2025-06-01T10:00:00Z", "close_time": null, "person_id": 12, "org_id": 3, "owner_id": 5,
				"expected_close_date": "2025-09-30", "origin": "ManuallyCreated", "lost_reason": null,
				"add_time": "2025-02-03T04:05:06Z", "update_time": "2025-06-01T10:00:00Z", "custom_fields": {"`+langKey+`": 31}
			}`), fs),
			want: &crmv1.Deal{
				Id: "30", Name: "Pilot", Amount: &commonv1.Money{Units: "1200.50", CurrencyCode: "EUR"},
				Status: crmv1.DealStatus_DEAL_STATUS_WON, RemoteStatus: "won", PipelineId: "1", StageId: "4", Probability: 75,
				ExpectedCloseDate: "2025-09-30", CloseTime: tsOf("2025-06-01T10:00:00Z"), CompanyId: "3", ContactIds: []string{"12"},
				OwnerId: "5", Source: "ManuallyCreated", CustomFields: mustStruct(map[string]any{"Preferred language": "English"}),
				CreateTime: tsOf("2025-02-03T04:05:06Z"), UpdateTime: tsOf("2025-06-01T10:00:00Z"),
			},
		},
		{
			name: "deleted deal is OTHER; v1-style reference objects read as ids; an amount in exponent form",
			got: dealToDeal(decode[deal](t, `{
				"id": "31", "title": "Gone", "value": 1.5e3, "currency": "USD", "status": "deleted", "lost_reason": "Timing",
				"owner_id": {"id": 5, "name": "Maria", "value": 5}, "org_id": {"name": "Eiffel SA", "value": 3}, "person_id": null,
				"close_time": "2025-01-01 10:00:00", "add_time": "2024-12-01 08:00:00", "update_time": "2025-01-01 10:00:00"
			}`), fs),
			want: &crmv1.Deal{
				Id: "31", Name: "Gone", Amount: &commonv1.Money{Units: "1500", CurrencyCode: "USD"},
				Status: crmv1.DealStatus_DEAL_STATUS_OTHER, RemoteStatus: "deleted", LostReason: "Timing", CompanyId: "3", OwnerId: "5",
				CloseTime: tsOf("2025-01-01T10:00:00Z"), CreateTime: tsOf("2024-12-01T08:00:00Z"), UpdateTime: tsOf("2025-01-01T10:00:00Z"),
			},
		},
		{
			name: "meeting with a duration: due, start and end; participants with the primary first",
			got: activityToActivity(decode[activity](t, `{
				"id": 7, "type": "meeting", "subject": "Kick-off", "owner_id": 5, "done": true, "due_date": "2025-05-05", "due_time": "09:00",
				"duration": "01:30", "person_id": 4, "participants": [{"person_id": 2, "primary": false}, {"person_id": 4, "primary": true}],
				"org_id": 3, "deal_id": 30, "lead_id": "5f1f2bc0-1d6a-41eb-8d27-6f9b2a9e1f3c", "note": "<p>Agenda</p>",
				"add_time": "2025-05-01T08:00:00Z", "update_time": "2025-05-05T11:00:00Z"
			}`)),
			want: &crmv1.Activity{
				Id: "7", Kind: crmv1.ActivityKind_ACTIVITY_KIND_MEETING, RemoteKind: "meeting", Subject: "Kick-off", Body: "<p>Agenda</p>",
				Done: true, DueTime: tsOf("2025-05-05T09:00:00Z"), StartTime: tsOf("2025-05-05T09:00:00Z"), EndTime: tsOf("2025-05-05T10:30:00Z"),
				ContactIds: []string{"4", "2"}, CompanyIds: []string{"3"}, DealIds: []string{"30"},
				LeadIds: []string{"5f1f2bc0-1d6a-41eb-8d27-6f9b2a9e1f3c"}, OwnerId: "5",
				CreateTime: tsOf("2025-05-01T08:00:00Z"), UpdateTime: tsOf("2025-05-05T11:00:00Z"),
			},
		},
		{
			name: "all-day deadline is a task due at midnight; lunch is a meeting; a custom type is OTHER",
			got: activityToActivity(decode[activity](t, `{"id": 8, "type": "deadline", "due_date": "2025-05-06", "due_time": "", "duration": "",
				"person_id": 4, "participants": [], "add_time": "2025-05-01T08:00:00Z", "update_time": "2025-05-01T08:00:00Z"}`)),
			want: &crmv1.Activity{
				Id: "8", Kind: crmv1.ActivityKind_ACTIVITY_KIND_TASK, RemoteKind: "deadline", DueTime: tsOf("2025-05-06T00:00:00Z"),
				ContactIds: []string{"4"}, CreateTime: tsOf("2025-05-01T08:00:00Z"), UpdateTime: tsOf("2025-05-01T08:00:00Z"),
			},
		},
		{
			name: "lunch",
			got:  activityToActivity(decode[activity](t, `{"id": 9, "type": "lunch"}`)),
			want: &crmv1.Activity{Id: "9", Kind: crmv1.ActivityKind_ACTIVITY_KIND_MEETING, RemoteKind: "lunch"},
		},
		{
			name: "custom activity type",
			got:  activityToActivity(decode[activity](t, `{"id": 10, "type": "demo"}`)),
			want: &crmv1.Activity{Id: "10", Kind: crmv1.ActivityKind_ACTIVITY_KIND_OTHER, RemoteKind: "demo"},
		},
		{
			name: "v1 note: prefixed id, v1 dates, ids as numbers or strings",
			got: noteToActivity(decode[note](t, `{"id": 55, "user_id": "14390001", "deal_id": 30, "person_id": null, "org_id": 3,
				"lead_id": null, "content": "<p>Hi</p>", "add_time": "2025-04-01 08:09:10", "update_time": "2025-04-02 08:09:10",
				"user": {"name": "Maria", "email": "m@x.example"}, "deal": {"title": "Pilot"}}`)),
			want: &crmv1.Activity{
				Id: "note-55", Kind: crmv1.ActivityKind_ACTIVITY_KIND_NOTE, RemoteKind: "note", Body: "<p>Hi</p>",
				CompanyIds: []string{"3"}, DealIds: []string{"30"}, OwnerId: "14390001",
				CreateTime: tsOf("2025-04-01T08:09:10Z"), UpdateTime: tsOf("2025-04-02T08:09:10Z"),
			},
		},
		{
			name: "v1 user: is_admin as 1, v1 dates",
			got: userToUser(decode[user](t, `{"id": 14390001, "name": "Maria Kask", "email": "maria@x.example", "active_flag": true,
				"is_admin": 1, "created": "2024-01-02 03:04:05", "modified": "0000-00-00 00:00:00"}`)),
			want: &crmv1.User{Id: "14390001", Name: "Maria Kask", Email: "maria@x.example", Active: true, Role: "admin",
				CreateTime: tsOf("2024-01-02T03:04:05Z"), UpdateTime: tsOf("2024-01-02T03:04:05Z")},
		},
		{
			name: "v1 user: regular, deactivated",
			got:  userToUser(decode[user](t, `{"id": 2, "name": "Sam", "active_flag": false, "is_admin": false, "access": [{"app": "sales", "admin": false}]}`)),
			want: &crmv1.User{Id: "2", Name: "Sam", Role: "regular"},
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

func TestLeadReadNormalization(t *testing.T) {
	fs := testFields(t)
	raw := `{"id": "5f1f2bc0-1d6a-41eb-8d27-6f9b2a9e1f3c", "title": "Grace (Globex)", "owner_id": 5, "person_id": 12, "organization_id": 3,
		"source_name": "Web forms", "is_archived": false, "was_seen": true, "value": {"amount": 500, "currency": "USD"},
		"add_time": "2025-02-03T04:05:06.789Z", "update_time": "2025-03-04T05:06:07.000Z",
		"` + langKey + `": "32", "` + compKey + `": "41,42", "` + contractKey + `": 99.5, "` + contractKey + `_currency": "EUR", "` + regionKey + `": null}`
	it := item[lead]{rec: decode[lead](t, raw), raw: json.RawMessage(raw)}
	p := decode[person](t, `{"id": 12, "first_name": "Grace", "last_name": "Hopper", "job_title": "Admiral",
		"emails": [{"value": "grace@globex.example", "primary": true, "label": "work"}], "phones": [{"value": "+1 212 555 0100", "label": "mobile"}]}`)
	o := decode[organization](t, `{"id": 3, "name": "Globex"}`)
	got := leadToLead(it, &p, &o, fs)
	want := &crmv1.Lead{
		Id: "5f1f2bc0-1d6a-41eb-8d27-6f9b2a9e1f3c", Name: "Grace (Globex)", FirstName: "Grace", LastName: "Hopper", Title: "Admiral",
		Emails:      []*commonv1.Email{{Address: "grace@globex.example", Type: commonv1.EmailType_EMAIL_TYPE_WORK}},
		Phones:      []*commonv1.Phone{{Number: "+12125550100", RawNumber: "+1 212 555 0100", Type: commonv1.PhoneType_PHONE_TYPE_MOBILE}},
		CompanyName: "Globex", Status: crmv1.LeadStatus_LEAD_STATUS_WORKING, RemoteStatus: "seen", Source: "Web forms", OwnerId: "5",
		CustomFields: mustStruct(map[string]any{
			"Preferred language": "German", "Competitors": []any{"Globex", "Initech"},
			"Contract value": map[string]any{"value": 99.5, "currency": "EUR"},
		}),
		CreateTime: tsOf("2025-02-03T04:05:06.789Z"), UpdateTime: tsOf("2025-03-04T05:06:07Z"),
	}
	if diff := cmp.Diff(want, got, protocmp.Transform()); diff != "" {
		t.Errorf("mismatch (-want +got):\n%s", diff)
	}
	for _, tc := range []struct {
		archived, seen bool
		remote         string
		status         crmv1.LeadStatus
	}{{false, false, "unseen", crmv1.LeadStatus_LEAD_STATUS_NEW}, {true, true, "archived", crmv1.LeadStatus_LEAD_STATUS_UNQUALIFIED}} {
		l := lead{IsArchived: flag(tc.archived), WasSeen: flag(tc.seen)}
		if got := leadToLead(item[lead]{rec: l}, nil, nil, fs); got.GetRemoteStatus() != tc.remote || got.GetStatus() != tc.status {
			t.Errorf("archived=%v seen=%v: %v %v", tc.archived, tc.seen, got.GetStatus(), got.GetRemoteStatus())
		}
	}
}

func TestTimesAndRefs(t *testing.T) {
	for in, want := range map[string]string{
		"2024-01-01T00:00:00Z":      "2024-01-01T00:00:00Z",
		"2024-01-01T00:00:00.250Z":  "2024-01-01T00:00:00.25Z",
		"2024-07-01 05:46:33":       "2024-07-01T05:46:33Z",
		"2024-07-01T07:46:33+02:00": "2024-07-01T05:46:33Z",
		"2024-07-01":                "2024-07-01T00:00:00Z",
	} {
		if got := parseTime(in).Format(time.RFC3339Nano); got != want {
			t.Errorf("parseTime(%q) = %s, want %s", in, got, want)
		}
	}
	for _, in := range []string{"", "0000-00-00 00:00:00", "yesterday"} {
		if !parseTime(in).IsZero() {
			t.Errorf("parseTime(%q) is not zero", in)
		}
	}
	for in, want := range map[string]ref{`12`: 12, `"12"`: 12, `null`: 0, `{"value": 5, "name": "Org"}`: 5, `{"id": 7, "name": "User"}`: 7, `""`: 0} {
		var r ref
		if err := json.Unmarshal([]byte(in), &r); err != nil || r != want {
			t.Errorf("ref %s = %d, %v; want %d", in, r, err, want)
		}
	}
	var r ref
	if err := json.Unmarshal([]byte(`"abc"`), &r); err == nil {
		t.Error("a reference that is not a number is refused")
	}
	if d, ok := retryAfter(http.Header{"X-Ratelimit-Reset": {"2"}}, time.Now()); !ok || d != 2*time.Second {
		t.Errorf("x-ratelimit-reset: %v %v", d, ok)
	}
	if d, ok := retryAfter(http.Header{"Retry-After": {"7"}, "X-Ratelimit-Reset": {"2"}}, time.Now()); !ok || d != 7*time.Second {
		t.Errorf("Retry-After wins: %v %v", d, ok)
	}
	if _, ok := retryAfter(http.Header{}, time.Now()); ok {
		t.Error("no header, no delay")
	}
}

func TestWriteNormalization(t *testing.T) {
	fs := testFields(t)
	due := tsOf("2025-07-01T09:30:00Z")
	cases := []struct {
		name      string
		body      func() (map[string]any, error)
		want      string // JSON of the body
		violation string // or the field refused
	}{
		{
			name: "contact: full name when no parts, raw phone kept, labels and custom fields by name",
			body: func() (map[string]any, error) {
				return contactFields(fs).Body(&crmv1.Contact{
					Name: "Ada King Lovelace", CompanyId: "7", Tags: []string{"Customer"},
					Emails: []*commonv1.Email{{Address: "ada@acme.example", Type: commonv1.EmailType_EMAIL_TYPE_WORK}, {Address: "ada@home.example"}},
					Phones: []*commonv1.Phone{{Number: "+442079460958", RawNumber: "+44 20 7946 0958", Type: commonv1.PhoneType_PHONE_TYPE_MOBILE},
						{Number: "+14155550100"}},
					CustomFields: mustStruct(map[string]any{"Preferred language": "English"}),
				}, nil, "contact", Slug)
			},
			want: `{"custom_fields":{"` + langKey + `":31},"emails":[{"label":"work","primary":true,"value":"ada@acme.example"},{"primary":false,"value":"ada@home.example"}],` +
				`"label_ids":[5],"name":"Ada King Lovelace","org_id":7,` +
				`"phones":[{"label":"mobile","primary":true,"value":"+44 20 7946 0958"},{"primary":false,"value":"+14155550100"}]}`,
		},
		{
			name: "contact update: clearing the company and the labels",
			body: func() (map[string]any, error) {
				return contactFields(fs).Body(&crmv1.Contact{Id: "12"}, []string{"company_id", "tags"}, "contact", Slug)
			},
			want: `{"label_ids":[],"org_id":null}`,
		},
		{
			name: "company: one address, its parts and text",
			body: func() (map[string]any, error) {
				return companyFields(fs).Body(&crmv1.Company{Name: "AE", Addresses: []*commonv1.Address{{Street_1: "1 King Street", City: "London",
					PostalCode: "EC1A 1BB", CountryCode: "GB"}}}, nil, "company", Slug)
			},
			want: `{"address":{"admin_area_level_1":null,"country":"United Kingdom","locality":"London","postal_code":"EC1A 1BB",` +
				`"route":"1 King Street","subpremise":null,"value":"1 King Street, EC1A 1BB London, United Kingdom"},"name":"AE"}`,
		},
		{
			name: "deal: the amount's exact text, status, one contact, probability, custom set by labels",
			body: func() (map[string]any, error) {
				return dealFields(fs).Body(&crmv1.Deal{Name: "x", Amount: &commonv1.Money{Units: "1234567890123.456789", CurrencyCode: "EUR"},
					Status: crmv1.DealStatus_DEAL_STATUS_WON, Probability: 45, ContactIds: []string{"12"}, ExpectedCloseDate: "2025-09-30",
					CustomFields: mustStruct(map[string]any{"Competitors": []any{"Globex"}})}, nil, "deal", Slug)
			},
			want: `{"currency":"EUR","custom_fields":{"` + compKey + `":[41]},"expected_close_date":"2025-09-30","person_id":12,` +
				`"probability":45,"status":"won","title":"x","value":1234567890123.456789}`,
		},
		{
			name: "minimal deal: a name and an amount without currency (the user's default applies)",
			body: func() (map[string]any, error) {
				return dealFields(fs).Body(&crmv1.Deal{Name: "Minimal", Amount: &commonv1.Money{Units: "10"}}, nil, "deal", Slug)
			},
			want: `{"title":"Minimal","value":10}`,
		},
		{
			name: "deal update: clearing probability, lost reason and expected close date sends nulls",
			body: func() (map[string]any, error) {
				return dealFields(fs).Body(&crmv1.Deal{Id: "1"}, []string{"probability", "lost_reason", "expected_close_date"}, "deal", Slug)
			},
			want: `{"expected_close_date":null,"lost_reason":null,"probability":null}`,
		},
		{
			name: "deal: remote_status alone is sent as is",
			body: func() (map[string]any, error) {
				return dealFields(fs).Body(&crmv1.Deal{Status: crmv1.DealStatus_DEAL_STATUS_OPEN, RemoteStatus: "lost"}, []string{"remote_status"}, "deal", Slug)
			},
			want: `{"status":"lost"}`,
		},
		{
			name: "meeting: start and end write due date, time and duration; contacts as participants, the first primary",
			body: func() (map[string]any, error) {
				return activityFields.Body(&crmv1.Activity{Kind: crmv1.ActivityKind_ACTIVITY_KIND_MEETING, Subject: "Kick-off",
					StartTime: due, EndTime: tsOf("2025-07-01T11:15:00Z"), ContactIds: []string{"4", "2"}, DealIds: []string{"30"},
					LeadIds: []string{"5f1f2bc0-1d6a-41eb-8d27-6f9b2a9e1f3c"}}, nil, "activity", Slug)
			},
			want: `{"deal_id":30,"due_date":"2025-07-01","due_time":"09:30","duration":"01:45","lead_id":"5f1f2bc0-1d6a-41eb-8d27-6f9b2a9e1f3c",` +
				`"participants":[{"person_id":4,"primary":true},{"person_id":2,"primary":false}],"subject":"Kick-off","type":"meeting"}`,
		},
		{
			name: "a lunch read and written back stays a lunch",
			body: func() (map[string]any, error) {
				return activityFields.Body(&crmv1.Activity{Kind: crmv1.ActivityKind_ACTIVITY_KIND_MEETING, RemoteKind: "lunch", DueTime: due}, nil, "activity", Slug)
			},
			want: `{"due_date":"2025-07-01","due_time":"09:30","type":"lunch"}`,
		},
		{
			name: "task update: clearing the due time and the contacts",
			body: func() (map[string]any, error) {
				return activityFields.Body(&crmv1.Activity{Id: "7"}, []string{"due_time", "contact_ids", "done"}, "activity", Slug)
			},
			want: `{"done":false,"due_date":null,"due_time":null,"participants":[]}`,
		},
		{
			name: "note: content, one of each link, author",
			body: func() (map[string]any, error) {
				return noteFields.Body(&crmv1.Activity{Kind: crmv1.ActivityKind_ACTIVITY_KIND_NOTE, Body: "<p>x</p>", DealIds: []string{"30"},
					OwnerId: "5"}, nil, "activity", Slug)
			},
			want: `{"content":"\u003cp\u003ex\u003c/p\u003e","deal_id":30,"user_id":5}`,
		},
		{
			name: "lead: person parts, organization name, status and deal custom fields the v1 way",
			body: func() (map[string]any, error) {
				return leadFields(fs).Body(&crmv1.Lead{Name: "Hedy", FirstName: "Hedy", LastName: "Lamarr", CompanyName: "FH Inc.",
					Status: crmv1.LeadStatus_LEAD_STATUS_WORKING, CustomFields: mustStruct(map[string]any{"Preferred language": "German"})}, nil, "lead", Slug)
			},
			want: `{"` + langKey + `":32,"org.name":"FH Inc.","person.first_name":"Hedy","person.last_name":"Lamarr","status":"seen","title":"Hedy"}`,
		},
		{name: "contact address", violation: "contact.addresses", body: func() (map[string]any, error) {
			return contactFields(fs).Body(&crmv1.Contact{Addresses: []*commonv1.Address{{City: "Paris"}}}, nil, "contact", Slug)
		}},
		{name: "contact job title", violation: "contact.title", body: func() (map[string]any, error) {
			return contactFields(fs).Body(&crmv1.Contact{Title: "CTO"}, nil, "contact", Slug)
		}},
		{name: "fax number", violation: "contact.phones[0].type", body: func() (map[string]any, error) {
			return contactFields(fs).Body(&crmv1.Contact{Phones: []*commonv1.Phone{{Number: "+442079460958", Type: commonv1.PhoneType_PHONE_TYPE_FAX}}}, nil, "contact", Slug)
		}},
		{name: "company website", violation: "company.websites", body: func() (map[string]any, error) {
			return companyFields(fs).Body(&crmv1.Company{Websites: []string{"https://a.example"}}, nil, "company", Slug)
		}},
		{name: "two company addresses", violation: "company.addresses", body: func() (map[string]any, error) {
			return companyFields(fs).Body(&crmv1.Company{Addresses: []*commonv1.Address{{City: "A"}, {City: "B"}}}, nil, "company", Slug)
		}},
		{name: "billing address", violation: "company.addresses[0].type", body: func() (map[string]any, error) {
			return companyFields(fs).Body(&crmv1.Company{Addresses: []*commonv1.Address{{City: "A", Type: commonv1.AddressType_ADDRESS_TYPE_BILLING}}}, nil, "company", Slug)
		}},
		{name: "two contacts on a deal", violation: "deal.contact_ids", body: func() (map[string]any, error) {
			return dealFields(fs).Body(&crmv1.Deal{ContactIds: []string{"1", "2"}}, nil, "deal", Slug)
		}},
		{name: "deal source", violation: "deal.source", body: func() (map[string]any, error) {
			return dealFields(fs).Body(&crmv1.Deal{Source: "web"}, nil, "deal", Slug)
		}},
		{name: "clearing a deal's owner", violation: "deal.owner_id", body: func() (map[string]any, error) {
			return dealFields(fs).Body(&crmv1.Deal{}, []string{"owner_id"}, "deal", Slug)
		}},
		{name: "OTHER status without remote status", violation: "deal.status", body: func() (map[string]any, error) {
			return dealFields(fs).Body(&crmv1.Deal{Status: crmv1.DealStatus_DEAL_STATUS_OTHER}, []string{"status"}, "deal", Slug)
		}},
		{name: "a reference that is not a Pipedrive id", violation: "deal.company_id", body: func() (map[string]any, error) {
			return dealFields(fs).Body(&crmv1.Deal{CompanyId: "acme"}, nil, "deal", Slug)
		}},
		{name: "activity direction", violation: "activity.direction", body: func() (map[string]any, error) {
			return activityFields.Body(&crmv1.Activity{Kind: crmv1.ActivityKind_ACTIVITY_KIND_CALL, Direction: crmv1.ActivityDirection_ACTIVITY_DIRECTION_INBOUND}, nil, "activity", Slug)
		}},
		{name: "activity custom fields", violation: "activity.custom_fields", body: func() (map[string]any, error) {
			return activityFields.Body(&crmv1.Activity{Kind: crmv1.ActivityKind_ACTIVITY_KIND_CALL, CustomFields: mustStruct(map[string]any{"a": 1.0})}, nil, "activity", Slug)
		}},
		{name: "start and due times that differ", violation: "activity.due_time", body: func() (map[string]any, error) {
			return activityFields.Body(&crmv1.Activity{Kind: crmv1.ActivityKind_ACTIVITY_KIND_CALL, StartTime: due, DueTime: tsOf("2025-07-02T09:30:00Z")}, nil, "activity", Slug)
		}},
		{name: "end without start", violation: "activity.end_time", body: func() (map[string]any, error) {
			return activityFields.Body(&crmv1.Activity{Kind: crmv1.ActivityKind_ACTIVITY_KIND_CALL, EndTime: due}, nil, "activity", Slug)
		}},
		{name: "a note's subject", violation: "activity.subject", body: func() (map[string]any, error) {
			return noteFields.Body(&crmv1.Activity{Kind: crmv1.ActivityKind_ACTIVITY_KIND_NOTE, Body: "x", Subject: "s"}, nil, "activity", Slug)
		}},
		{name: "a lead id that is not a UUID", violation: "activity.lead_ids[0]", body: func() (map[string]any, error) {
			return activityFields.Body(&crmv1.Activity{Kind: crmv1.ActivityKind_ACTIVITY_KIND_CALL, LeadIds: []string{"12"}}, nil, "activity", Slug)
		}},
		{name: "a qualified lead", violation: "lead.status", body: func() (map[string]any, error) {
			return leadFields(fs).Body(&crmv1.Lead{Status: crmv1.LeadStatus_LEAD_STATUS_QUALIFIED}, nil, "lead", Slug)
		}},
		{name: "a lead address", violation: "lead.addresses", body: func() (map[string]any, error) {
			return leadFields(fs).Body(&crmv1.Lead{Addresses: []*commonv1.Address{{City: "A"}}}, nil, "lead", Slug)
		}},
		{name: "a closed stage", violation: "pipeline.stages[1].is_closed", body: func() (map[string]any, error) {
			return pipelineFields.Body(&crmv1.Pipeline{Name: "P", Stages: []*crmv1.Stage{{Name: "A"}, {Name: "Won", IsWon: true, IsClosed: true}}}, nil, "pipeline", Slug)
		}},
		{name: "a fractional stage probability", violation: "pipeline.stages[0].probability", body: func() (map[string]any, error) {
			return pipelineFields.Body(&crmv1.Pipeline{Name: "P", Stages: []*crmv1.Stage{{Name: "A", Probability: 12.5}}}, nil, "pipeline", Slug)
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			body, err := tc.body()
			got := connectortest.WriteBody(t, body, err, tc.want, tc.violation)
			if got == nil {
				return
			}
			if strings.Contains(tc.name, "exact text") && !strings.Contains(string(got), "1234567890123.456789") {
				t.Errorf("the amount lost precision: %s", got)
			}
		})
	}
}
