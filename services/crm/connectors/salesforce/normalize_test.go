package salesforce

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/testing/protocmp"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/unimesh/unimesh/pkg/connector/connectortest"
	commonv1 "github.com/unimesh/unimesh/proto/unimesh/common/v1"
	crmv1 "github.com/unimesh/unimesh/proto/unimesh/crm/v1"
	"github.com/unimesh/unimesh/services/crm/connectors/salesforce/salesforceemu"
)

// describeOf reads an sObject's describe from the emulator, so that the
// tables run against the field definitions the wire carries.
func describeOf(t *testing.T, sobject string, mutate ...func(*describeResult)) *describe {
	t.Helper()
	emu := salesforceemu.New(salesforceemu.Options{Token: testToken})
	req := httptest.NewRequest(http.MethodGet, "/services/data/v60.0/sobjects/"+sobject+"/describe", nil)
	req.Header.Set("Authorization", "Bearer "+testToken)
	rec := httptest.NewRecorder()
	emu.ServeHTTP(rec, req)
	var d describeResult
	if err := json.Unmarshal(rec.Body.Bytes(), &d); err != nil {
		t.Fatal(err)
	}
	for _, m := range mutate {
		m(&d)
	}
	return newDescribe(d)
}

// withFields adds fields to a describe: an org with other features.
func withFields(fs ...describeField) func(*describeResult) {
	return func(d *describeResult) { d.Fields = append(d.Fields, fs...) }
}

// Stage ids with their real checksums.
var (
	stageID1 = "01JHs000000Stg1" + checksum("01JHs000000Stg1")
	stageID2 = "01JHs000000Stg2" + checksum("01JHs000000Stg2")
	stageID3 = "01JHs000000Stg3" + checksum("01JHs000000Stg3")
	stageID4 = "01JHs000000Stg4" + checksum("01JHs000000Stg4")
	stageID5 = "01JHs000000Stg5" + checksum("01JHs000000Stg5")
)

var testStages = &stageSet{all: []stage{
	{ID: stageID1, Label: "Prospecting", APIName: "Prospecting", Active: true, SortOrder: 1, Probability: 10},
	{ID: stageID2, Label: "Negotiation/Review", APIName: "Negotiation/Review", Active: true, SortOrder: 2, Probability: 90},
	{ID: stageID3, Label: "Closed Won", APIName: "Closed Won", Active: true, SortOrder: 3, Closed: true, Won: true, Probability: 100},
	{ID: stageID4, Label: "Closed Lost", APIName: "Closed Lost", Active: true, SortOrder: 4, Closed: true},
	{ID: stageID5, Label: "Legal Review", APIName: "Legal Review", SortOrder: 5, Probability: 80},
}}

var testNow = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)

func testEnv(t *testing.T, sobject string, create bool, mutate ...func(*describeResult)) *env {
	return &env{sobject: sobject, d: describeOf(t, sobject, mutate...), org: &orgInfo{Currency: "USD"}, stages: testStages, create: create, now: testNow}
}

func rec(t *testing.T, js string) record {
	t.Helper()
	r, err := parseRecord(json.RawMessage(js))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func ts(s string) *timestamppb.Timestamp {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return timestamppb.New(t)
}

const (
	contactID = "003Hs000003gRWEIA2"
	accountID = "001Hs000003gRWEIA2"
	userID    = "005Hs0000026XSBIA2"
	oppID     = "006Hs000005mz6rIAA"
	leadID    = "00QHs0000026XckMAE"
)

func TestReadNormalization(t *testing.T) {
	meta := `"CreatedDate":"2024-01-05T10:00:00.000+0000","LastModifiedDate":"2024-02-06T11:30:00.123+0000"`
	created, updated := ts("2024-01-05T10:00:00Z"), ts("2024-02-06T11:30:00.123Z")
	multi := withFields(describeField{Name: "CurrencyIsoCode", Type: "picklist", Createable: true, Updateable: true})
	cases := []struct {
		name string
		got  func(t *testing.T) proto.Message
		want proto.Message
	}{
		{
			name: "contact: names, one email, phones E.164 and national, two-line street, country name, custom fields",
			got: func(t *testing.T) proto.Message {
				return contactOf(rec(t, `{"attributes":{"type":"Contact"},"Id":"003Hs000003gRWE","FirstName":"Ada","LastName":"Lovelace","Name":"Ada Lovelace",
					"Title":"CTO","Email":"ada@engines.example","Phone":"+44 20 7946 0958","MobilePhone":null,"HomePhone":"020 7946 0958","OtherPhone":null,"Fax":null,
					"MailingStreet":"1 King Street\nFloor 3","MailingCity":"London","MailingState":null,"MailingPostalCode":"EC1A 1BB","MailingCountry":"United Kingdom",
					"OtherStreet":null,"OtherCity":null,"OtherState":null,"OtherPostalCode":null,"OtherCountry":"Narnia",
					"AccountId":"001Hs000003gRWE","OwnerId":"005Hs0000026XSBIA2","Lead_Score__c":87.0,"Preferred_Language__c":"en","Newsletter_Opt_In__c":false,`+meta+`}`),
					testEnv(t, "Contact", false))
			},
			want: &crmv1.Contact{
				Id: contactID, FirstName: "Ada", LastName: "Lovelace", Name: "Ada Lovelace", Title: "CTO",
				Emails: []*commonv1.Email{{Address: "ada@engines.example", Type: commonv1.EmailType_EMAIL_TYPE_WORK}},
				Phones: []*commonv1.Phone{
					{Number: "+442079460958", RawNumber: "+44 20 7946 0958", Type: commonv1.PhoneType_PHONE_TYPE_WORK},
					{RawNumber: "020 7946 0958", Type: commonv1.PhoneType_PHONE_TYPE_HOME},
				},
				Addresses: []*commonv1.Address{
					{Street_1: "1 King Street", Street_2: "Floor 3", City: "London", PostalCode: "EC1A 1BB", CountryCode: "GB", Type: commonv1.AddressType_ADDRESS_TYPE_WORK},
					{Type: commonv1.AddressType_ADDRESS_TYPE_OTHER}, // a country Salesforce's free text holds and ISO does not know: in raw
				},
				CompanyId: accountID, OwnerId: userID,
				CustomFields: mustStruct(map[string]any{"Lead_Score__c": 87.0, "Preferred_Language__c": "en", "Newsletter_Opt_In__c": false}),
				CreateTime:   created, UpdateTime: updated,
			},
		},
		{
			name: "account: revenue in scientific notation at the field's scale, Billing with a country code, a fax, read-only custom field left out",
			got: func(t *testing.T) proto.Message {
				return companyOf(rec(t, `{"Id":"001Hs000003gRWEIA2","Name":"Globex","Website":"https://globex.example","Industry":"Technology",
					"NumberOfEmployees":1200,"AnnualRevenue":1.895E8,"Description":"Makes things","Phone":"(415) 555-0100","Fax":"+1 415 555 0199",
					"BillingStreet":"415 Mission St","BillingCity":"San Francisco","BillingState":"CA","BillingPostalCode":"94105","BillingCountry":"US",
					"ShippingStreet":null,"ShippingCity":null,"ShippingState":null,"ShippingPostalCode":null,"ShippingCountry":null,
					"OwnerId":"005Hs0000026XSBIA2","Region__c":"AMER","Customer_Number__c":"CUST-00001","Health_Score__c":null,`+meta+`}`),
					testEnv(t, "Account", false))
			},
			want: &crmv1.Company{
				Id: accountID, Name: "Globex", Websites: []string{"https://globex.example"}, Industry: "Technology", EmployeeCount: 1200,
				AnnualRevenue: &commonv1.Money{Units: "189500000", CurrencyCode: "USD"}, Description: "Makes things",
				Addresses: []*commonv1.Address{{Street_1: "415 Mission St", City: "San Francisco", Region: "CA", PostalCode: "94105", CountryCode: "US",
					Type: commonv1.AddressType_ADDRESS_TYPE_BILLING}},
				Phones: []*commonv1.Phone{{RawNumber: "(415) 555-0100", Type: commonv1.PhoneType_PHONE_TYPE_WORK},
					{Number: "+14155550199", RawNumber: "+1 415 555 0199", Type: commonv1.PhoneType_PHONE_TYPE_FAX}},
				OwnerId: userID, CustomFields: mustStruct(map[string]any{"Region__c": "AMER"}), CreateTime: created, UpdateTime: updated,
			},
		},
		{
			name: "won opportunity: 1.5E7 at scale 2, stage id from its name, close time from the close date",
			got: func(t *testing.T) proto.Message {
				return dealOf(rec(t, `{"Id":"006Hs000005mz6rIAA","Name":"Fleet","Amount":1.5E7,"StageName":"Closed Won","IsClosed":true,"IsWon":true,
					"Probability":100.0,"CloseDate":"2024-03-01","AccountId":"001Hs000003gRWEIA2","OwnerId":"005Hs0000026XSBIA2","LeadSource":"Web",
					"Competitor__c":"ABB","Renewal__c":false,`+meta+`}`), testEnv(t, "Opportunity", false))
			},
			want: &crmv1.Deal{Id: oppID, Name: "Fleet", Amount: &commonv1.Money{Units: "15000000.00", CurrencyCode: "USD"},
				Status: crmv1.DealStatus_DEAL_STATUS_WON, RemoteStatus: "Closed Won", PipelineId: "default", StageId: stageID3,
				Probability: 100, ExpectedCloseDate: "2024-03-01", CloseTime: ts("2024-03-01T00:00:00Z"), CompanyId: accountID, OwnerId: userID,
				Source: "Web", CustomFields: mustStruct(map[string]any{"Competitor__c": "ABB", "Renewal__c": false}), CreateTime: created, UpdateTime: updated},
		},
		{
			name: "lost opportunity in a multi-currency org: the record's currency; 1500.5 keeps its cents",
			got: func(t *testing.T) proto.Message {
				return dealOf(rec(t, `{"Id":"006Hs000005mz6rIAA","Name":"Pilot","Amount":1500.5,"CurrencyIsoCode":"EUR","StageName":"Closed Lost",
					"IsClosed":true,"IsWon":false,"Probability":0.0,"CloseDate":"2024-03-01",`+meta+`}`), testEnv(t, "Opportunity", false, multi))
			},
			want: &crmv1.Deal{Id: oppID, Name: "Pilot", Amount: &commonv1.Money{Units: "1500.50", CurrencyCode: "EUR"},
				Status: crmv1.DealStatus_DEAL_STATUS_LOST, RemoteStatus: "Closed Lost", PipelineId: "default", StageId: stageID4,
				ExpectedCloseDate: "2024-03-01", CloseTime: ts("2024-03-01T00:00:00Z"), CreateTime: created, UpdateTime: updated},
		},
		{
			name: "open opportunity in a stage the org retired: OPEN, no stage id, the stage name kept",
			got: func(t *testing.T) proto.Message {
				return dealOf(rec(t, `{"Id":"006Hs000005mz6rIAA","Name":"Old","Amount":null,"StageName":"Ancient Stage","IsClosed":false,"IsWon":false,
					"Probability":null,"CloseDate":"2024-03-01",`+meta+`}`), testEnv(t, "Opportunity", false))
			},
			want: &crmv1.Deal{Id: oppID, Name: "Old", Status: crmv1.DealStatus_DEAL_STATUS_OPEN, RemoteStatus: "Ancient Stage", PipelineId: "default",
				ExpectedCloseDate: "2024-03-01", CreateTime: created, UpdateTime: updated},
		},
		{
			name: "converted lead: conversion ids and date; the org's own status reads as OTHER otherwise",
			got: func(t *testing.T) proto.Message {
				return leadOf(rec(t, `{"Id":"00QHs0000026XckMAE","FirstName":"Grace","LastName":"Hopper","Name":"Grace Hopper","Company":"Navy",
					"Email":"grace@navy.example","Phone":null,"MobilePhone":"+1 212 555 0100","Fax":null,"Status":"Closed - Converted","LeadSource":"Web",
					"IsConverted":true,"ConvertedDate":"2024-02-06","ConvertedContactId":"003Hs000003gRWEIA2","ConvertedAccountId":"001Hs000003gRWEIA2",
					"ConvertedOpportunityId":"006Hs000005mz6rIAA","Street":null,"City":"Arlington","State":"VA","PostalCode":null,"Country":null,`+meta+`}`),
					testEnv(t, "Lead", false))
			},
			want: &crmv1.Lead{Id: leadID, Name: "Grace Hopper", FirstName: "Grace", LastName: "Hopper", CompanyName: "Navy",
				Emails:    []*commonv1.Email{{Address: "grace@navy.example", Type: commonv1.EmailType_EMAIL_TYPE_WORK}},
				Phones:    []*commonv1.Phone{{Number: "+12125550100", RawNumber: "+1 212 555 0100", Type: commonv1.PhoneType_PHONE_TYPE_MOBILE}},
				Addresses: []*commonv1.Address{{City: "Arlington", Region: "VA", Type: commonv1.AddressType_ADDRESS_TYPE_WORK}},
				Status:    crmv1.LeadStatus_LEAD_STATUS_CONVERTED, RemoteStatus: "Closed - Converted", Source: "Web",
				ConvertedContactId: contactID, ConvertedCompanyId: accountID, ConvertedDealId: oppID, ConvertedTime: ts("2024-02-06T00:00:00Z"),
				CreateTime: created, UpdateTime: updated},
		},
		{
			name: "nurturing lead is OTHER",
			got: func(t *testing.T) proto.Message {
				return leadOf(rec(t, `{"Id":"00QHs0000026XckMAE","LastName":"X","Company":"Y","Status":"Nurturing",`+meta+`}`), testEnv(t, "Lead", false))
			},
			want: &crmv1.Lead{Id: leadID, LastName: "X", CompanyName: "Y", Status: crmv1.LeadStatus_LEAD_STATUS_OTHER, RemoteStatus: "Nurturing",
				CreateTime: created, UpdateTime: updated},
		},
		{
			name: "inbound call task, due on a date, completed, about a contact and a deal",
			got: func(t *testing.T) proto.Message {
				return taskOf(rec(t, `{"Id":"00THs0000026XSBMA2","Subject":"Call","Description":"notes","TaskSubtype":"Call","Status":"Completed",
					"IsClosed":true,"ActivityDate":"2024-01-10","CallType":"Inbound","WhoId":"003Hs000003gRWEIA2","WhatId":"006Hs000005mz6rIAA",
					"OwnerId":"005Hs0000026XSBIA2",`+meta+`}`), testEnv(t, "Task", false))
			},
			want: &crmv1.Activity{Id: "00THs0000026XSBMA2", Kind: crmv1.ActivityKind_ACTIVITY_KIND_CALL, RemoteKind: "Call", Subject: "Call", Body: "notes",
				DueTime: ts("2024-01-10T00:00:00Z"), Done: true, Direction: crmv1.ActivityDirection_ACTIVITY_DIRECTION_INBOUND,
				ContactIds: []string{contactID}, DealIds: []string{oppID}, OwnerId: userID, CreateTime: created, UpdateTime: updated},
		},
		{
			name: "mass email reads as EMAIL, a lead and a company; a cadence step as OTHER",
			got: func(t *testing.T) proto.Message {
				return taskOf(rec(t, `{"Id":"00THs0000026XSBMA2","TaskSubtype":"ListEmail","Status":"Not Started","IsClosed":false,
					"WhoId":"00QHs0000026XckMAE","WhatId":"001Hs000003gRWEIA2",`+meta+`}`), testEnv(t, "Task", false))
			},
			want: &crmv1.Activity{Id: "00THs0000026XSBMA2", Kind: crmv1.ActivityKind_ACTIVITY_KIND_EMAIL, RemoteKind: "ListEmail",
				LeadIds: []string{leadID}, CompanyIds: []string{accountID}, CreateTime: created, UpdateTime: updated},
		},
		{
			name: "cadence step",
			got: func(t *testing.T) proto.Message {
				return taskOf(rec(t, `{"Id":"00THs0000026XSBMA2","TaskSubtype":"Cadence",`+meta+`}`), testEnv(t, "Task", false))
			},
			want: &crmv1.Activity{Id: "00THs0000026XSBMA2", Kind: crmv1.ActivityKind_ACTIVITY_KIND_OTHER, RemoteKind: "Cadence", CreateTime: created, UpdateTime: updated},
		},
		{
			name: "past meeting is done; times with their offset",
			got: func(t *testing.T) proto.Message {
				return eventOf(rec(t, `{"Id":"00UHs0000026XSBMA2","Subject":"QBR","StartDateTime":"2024-01-05T10:00:00.000+0000",
					"EndDateTime":"2024-01-05T11:00:00.000+0000","IsAllDayEvent":false,"WhoId":"003Hs000003gRWE",`+meta+`}`), testEnv(t, "Event", false))
			},
			want: &crmv1.Activity{Id: "00UHs0000026XSBMA2", Kind: crmv1.ActivityKind_ACTIVITY_KIND_MEETING, RemoteKind: "Event", Subject: "QBR",
				StartTime: ts("2024-01-05T10:00:00Z"), EndTime: ts("2024-01-05T11:00:00Z"), Done: true, ContactIds: []string{contactID},
				CreateTime: created, UpdateTime: updated},
		},
		{
			name: "future all-day meeting is not done",
			got: func(t *testing.T) proto.Message {
				return eventOf(rec(t, `{"Id":"00UHs0000026XSBMA2","Subject":"Offsite","IsAllDayEvent":true,"ActivityDate":"2030-01-05",
					"StartDateTime":"2030-01-05T00:00:00.000+0000","EndDateTime":"2030-01-06T00:00:00.000+0000",`+meta+`}`), testEnv(t, "Event", false))
			},
			want: &crmv1.Activity{Id: "00UHs0000026XSBMA2", Kind: crmv1.ActivityKind_ACTIVITY_KIND_MEETING, RemoteKind: "Event", Subject: "Offsite",
				StartTime: ts("2030-01-05T00:00:00Z"), EndTime: ts("2030-01-06T00:00:00Z"), CreateTime: created, UpdateTime: updated},
		},
		{
			name: "user without a role shows the profile",
			got: func(t *testing.T) proto.Message {
				return userOf(rec(t, `{"Id":"005Hs0000026XSBIA2","Name":"Integration User","Email":"i@acme.example","IsActive":true,"UserRole":null,
					"Profile":{"attributes":{"type":"Profile"},"Name":"System Administrator"},`+meta+`}`), nil)
			},
			want: &crmv1.User{Id: userID, Name: "Integration User", Email: "i@acme.example", Active: true, Role: "System Administrator",
				CreateTime: created, UpdateTime: updated},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, tc.got(t), protocmp.Transform()); diff != "" {
				t.Errorf("mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestWriteNormalization(t *testing.T) {
	picklists := withFields(describeField{Name: "MailingCountryCode", Type: "picklist", Createable: true, Updateable: true},
		describeField{Name: "OtherCountryCode", Type: "picklist", Createable: true, Updateable: true})
	multi := withFields(describeField{Name: "CurrencyIsoCode", Type: "picklist", Createable: true, Updateable: true})
	contact := func(t *testing.T, c *crmv1.Contact, mask []string, mutate ...func(*describeResult)) (map[string]any, error) {
		return contactFields(testEnv(t, "Contact", mask == nil, mutate...)).Body(c, mask, "contact", Slug)
	}
	deal := func(t *testing.T, d *crmv1.Deal, mask []string, mutate ...func(*describeResult)) (map[string]any, error) {
		x := testEnv(t, "Opportunity", mask == nil, mutate...)
		b, err := dealFields(x).Body(d, mask, "deal", Slug)
		if err != nil {
			return nil, err
		}
		return b, finishDeal(x, d, mask, b)
	}
	activity := func(t *testing.T, sobject string, a *crmv1.Activity, mask []string) (map[string]any, error) {
		return activityFields(testEnv(t, sobject, mask == nil)).Body(a, mask, "activity", Slug)
	}
	cases := []struct {
		name      string
		body      func(t *testing.T) (map[string]any, error)
		want      string // JSON of the body
		violation string // or the field refused
	}{
		{
			name: "contact: full name split, phones to their fields, the others cleared, raw form kept, 15-character reference as 18",
			body: func(t *testing.T) (map[string]any, error) {
				return contact(t, &crmv1.Contact{Name: "Ada King Lovelace", CompanyId: "001Hs000003gRWE",
					Phones: []*commonv1.Phone{{Number: "+442079460958", RawNumber: "+44 20 7946 0958", Type: commonv1.PhoneType_PHONE_TYPE_MOBILE},
						{Number: "+14155550100"}, {Number: "+14155550101"}},
					CustomFields: mustStruct(map[string]any{"Lead_Score__c": 12.5, "Preferred_Language__c": "de", "Newsletter_Opt_In__c": true})}, nil)
			},
			want: `{"AccountId":"001Hs000003gRWEIA2","FirstName":"Ada King","LastName":"Lovelace","MobilePhone":"+44 20 7946 0958","Phone":"+14155550100",
				"OtherPhone":"+14155550101","HomePhone":null,"Fax":null,"Lead_Score__c":12.5,"Preferred_Language__c":"de","Newsletter_Opt_In__c":true}`,
		},
		{
			name: "contact update: clearing the company and the email sends null",
			body: func(t *testing.T) (map[string]any, error) {
				return contact(t, &crmv1.Contact{Id: contactID}, []string{"company_id", "emails"})
			},
			want: `{"AccountId":null,"Email":null}`,
		},
		{
			name: "contact addresses: two lines make one street; a free-text org gets the ISO code in Country",
			body: func(t *testing.T) (map[string]any, error) {
				return contact(t, &crmv1.Contact{Addresses: []*commonv1.Address{{Street_1: "1 King St", Street_2: "Floor 3", City: "London", CountryCode: "GB"},
					{City: "Paris", CountryCode: "FR", Type: commonv1.AddressType_ADDRESS_TYPE_OTHER}}}, nil)
			},
			want: `{"MailingStreet":"1 King St\nFloor 3","MailingCity":"London","MailingState":null,"MailingPostalCode":null,"MailingCountry":"GB",
				"OtherStreet":null,"OtherCity":"Paris","OtherState":null,"OtherPostalCode":null,"OtherCountry":"FR"}`,
		},
		{
			name: "contact addresses in an org with State and Country Picklists: the code goes to CountryCode",
			body: func(t *testing.T) (map[string]any, error) {
				return contact(t, &crmv1.Contact{Addresses: []*commonv1.Address{{City: "Berlin", CountryCode: "DE", Type: commonv1.AddressType_ADDRESS_TYPE_WORK}}}, nil, picklists)
			},
			want: `{"MailingStreet":null,"MailingCity":"Berlin","MailingState":null,"MailingPostalCode":null,"MailingCountryCode":"DE",
				"OtherStreet":null,"OtherCity":null,"OtherState":null,"OtherPostalCode":null,"OtherCountryCode":null}`,
		},
		{
			name: "deal: amount as its exact decimal, stage by status, close date given",
			body: func(t *testing.T) (map[string]any, error) {
				return deal(t, &crmv1.Deal{Name: "x", Amount: &commonv1.Money{Units: "1234567890123.45", CurrencyCode: "USD"},
					Status: crmv1.DealStatus_DEAL_STATUS_WON, ExpectedCloseDate: "2025-07-01", Probability: 45}, nil)
			},
			want: `{"Name":"x","Amount":1234567890123.45,"StageName":"Closed Won","CloseDate":"2025-07-01","Probability":45}`,
		},
		{
			name: "minimal deal: first open stage by SortOrder, closes 30 days from now",
			body: func(t *testing.T) (map[string]any, error) {
				return deal(t, &crmv1.Deal{Name: "x", Amount: &commonv1.Money{Units: "10"}}, nil)
			},
			want: `{"Name":"x","Amount":10,"StageName":"Prospecting","CloseDate":"2025-07-01"}`,
		},
		{
			name: "deal in a multi-currency org: the currency goes with the amount",
			body: func(t *testing.T) (map[string]any, error) {
				return deal(t, &crmv1.Deal{Name: "x", Amount: &commonv1.Money{Units: "10.5", CurrencyCode: "EUR"}, StageId: stageID2}, nil, multi)
			},
			want: `{"Name":"x","Amount":10.5,"CurrencyIsoCode":"EUR","StageName":"Negotiation/Review","CloseDate":"2025-07-01"}`,
		},
		{
			name: "deal update: OTHER sends the stage name as is",
			body: func(t *testing.T) (map[string]any, error) {
				return deal(t, &crmv1.Deal{Id: oppID, Status: crmv1.DealStatus_DEAL_STATUS_OTHER, RemoteStatus: "negotiation/review"}, []string{"status", "remote_status"})
			},
			want: `{"StageName":"Negotiation/Review"}`,
		},
		{
			name: "deal update: LOST keeps a lost stage the record names",
			body: func(t *testing.T) (map[string]any, error) {
				return deal(t, &crmv1.Deal{Id: oppID, Status: crmv1.DealStatus_DEAL_STATUS_LOST, RemoteStatus: "Closed Lost"}, []string{"status"})
			},
			want: `{"StageName":"Closed Lost"}`,
		},
		{
			name: "task: subtype, due date, done, direction, one contact and one deal",
			body: func(t *testing.T) (map[string]any, error) {
				return activity(t, "Task", &crmv1.Activity{Kind: crmv1.ActivityKind_ACTIVITY_KIND_CALL, Subject: "Call", DueTime: ts("2025-07-01T00:00:00Z"),
					Done: true, Direction: crmv1.ActivityDirection_ACTIVITY_DIRECTION_OUTBOUND, ContactIds: []string{contactID}, DealIds: []string{oppID}}, nil)
			},
			want: `{"TaskSubtype":"Call","Subject":"Call","ActivityDate":"2025-07-01","Status":"Completed","CallType":"Outbound",
				"WhoId":"003Hs000003gRWEIA2","WhatId":"006Hs000005mz6rIAA"}`,
		},
		{
			name: "task: a mass email keeps its subtype",
			body: func(t *testing.T) (map[string]any, error) {
				return activity(t, "Task", &crmv1.Activity{Kind: crmv1.ActivityKind_ACTIVITY_KIND_EMAIL, RemoteKind: "ListEmail"}, nil)
			},
			want: `{"TaskSubtype":"ListEmail"}`,
		},
		{
			name: "event: times in Salesforce's form; clearing the contact leaves the lead",
			body: func(t *testing.T) (map[string]any, error) {
				return activity(t, "Event", &crmv1.Activity{Id: "00UHs0000026XSBMA2", StartTime: ts("2025-07-01T09:00:00+02:00"), EndTime: ts("2025-07-01T08:00:00Z"),
					LeadIds: []string{leadID}}, []string{"start_time", "end_time", "contact_ids"})
			},
			want: `{"StartDateTime":"2025-07-01T07:00:00.000+0000","EndDateTime":"2025-07-01T08:00:00.000+0000"}`,
		},
		{name: "two emails", violation: "contact.emails", body: func(t *testing.T) (map[string]any, error) {
			return contact(t, &crmv1.Contact{Emails: []*commonv1.Email{{Address: "a@x.example"}, {Address: "b@x.example"}}}, nil)
		}},
		{name: "two mobile numbers", violation: "contact.phones[1].type", body: func(t *testing.T) (map[string]any, error) {
			return contact(t, &crmv1.Contact{Phones: []*commonv1.Phone{{Number: "+14155550100", Type: commonv1.PhoneType_PHONE_TYPE_MOBILE},
				{Number: "+14155550101", Type: commonv1.PhoneType_PHONE_TYPE_MOBILE}}}, nil)
		}},
		{name: "a billing address on a contact", violation: "contact.addresses[0].type", body: func(t *testing.T) (map[string]any, error) {
			return contact(t, &crmv1.Contact{Addresses: []*commonv1.Address{{City: "X", Type: commonv1.AddressType_ADDRESS_TYPE_BILLING}}}, nil)
		}},
		{name: "tags", violation: "contact.tags", body: func(t *testing.T) (map[string]any, error) {
			return contact(t, &crmv1.Contact{Tags: []string{"vip"}}, nil)
		}},
		{name: "a company id that is a contact's", violation: "contact.company_id", body: func(t *testing.T) (map[string]any, error) {
			return contact(t, &crmv1.Contact{CompanyId: contactID}, nil)
		}},
		{name: "a reference that is no Salesforce id", violation: "contact.owner_id", body: func(t *testing.T) (map[string]any, error) {
			return contact(t, &crmv1.Contact{OwnerId: "42"}, nil)
		}},
		{name: "clearing the owner", violation: "contact.owner_id", body: func(t *testing.T) (map[string]any, error) {
			return contact(t, &crmv1.Contact{Id: contactID}, []string{"owner_id"})
		}},
		{name: "an unknown custom field", violation: "contact.custom_fields.Shoe_Size__c", body: func(t *testing.T) (map[string]any, error) {
			return contact(t, &crmv1.Contact{CustomFields: mustStruct(map[string]any{"Shoe_Size__c": 42.0})}, nil)
		}},
		{name: "a standard field through custom_fields", violation: "contact.custom_fields.Department", body: func(t *testing.T) (map[string]any, error) {
			return contact(t, &crmv1.Contact{CustomFields: mustStruct(map[string]any{"Department": "Sales"})}, nil)
		}},
		{name: "a read-only custom field", violation: "company.custom_fields.Customer_Number__c", body: func(t *testing.T) (map[string]any, error) {
			return companyFields(testEnv(t, "Account", true)).Body(&crmv1.Company{CustomFields: mustStruct(map[string]any{"Customer_Number__c": "X"})}, nil, "company", Slug)
		}},
		{name: "two websites", violation: "company.websites", body: func(t *testing.T) (map[string]any, error) {
			return companyFields(testEnv(t, "Account", true)).Body(&crmv1.Company{Websites: []string{"https://a.example", "https://b.example"}}, nil, "company", Slug)
		}},
		{name: "company domains", violation: "company.domains", body: func(t *testing.T) (map[string]any, error) {
			return companyFields(testEnv(t, "Account", true)).Body(&crmv1.Company{Domains: []string{"a.example"}}, nil, "company", Slug)
		}},
		{name: "revenue with cents in a field without decimals", violation: "company.annual_revenue.units", body: func(t *testing.T) (map[string]any, error) {
			return companyFields(testEnv(t, "Account", true)).Body(&crmv1.Company{AnnualRevenue: &commonv1.Money{Units: "1000.50", CurrencyCode: "USD"}}, nil, "company", Slug)
		}},
		{name: "an amount in another currency than the org's", violation: "deal.amount.currency_code", body: func(t *testing.T) (map[string]any, error) {
			return deal(t, &crmv1.Deal{Name: "x", Amount: &commonv1.Money{Units: "10", CurrencyCode: "EUR"}}, nil)
		}},
		{name: "a pipeline other than the one", violation: "deal.pipeline_id", body: func(t *testing.T) (map[string]any, error) {
			return deal(t, &crmv1.Deal{Name: "x", PipelineId: "2"}, nil)
		}},
		{name: "a retired stage", violation: "deal.stage_id", body: func(t *testing.T) (map[string]any, error) {
			return deal(t, &crmv1.Deal{Name: "x", StageId: stageID5}, nil)
		}},
		{name: "a won stage for a lost deal", violation: "deal.status", body: func(t *testing.T) (map[string]any, error) {
			return deal(t, &crmv1.Deal{Name: "x", StageId: stageID3, Status: crmv1.DealStatus_DEAL_STATUS_LOST}, nil)
		}},
		{name: "a stage name the org does not have", violation: "deal.remote_status", body: func(t *testing.T) (map[string]any, error) {
			return deal(t, &crmv1.Deal{Id: oppID, RemoteStatus: "Dreaming"}, []string{"remote_status"})
		}},
		{name: "a lost reason", violation: "deal.lost_reason", body: func(t *testing.T) (map[string]any, error) {
			return deal(t, &crmv1.Deal{Name: "x", LostReason: "price"}, nil)
		}},
		{name: "clearing the close date", violation: "deal.expected_close_date", body: func(t *testing.T) (map[string]any, error) {
			return deal(t, &crmv1.Deal{Id: oppID}, []string{"expected_close_date"})
		}},
		{name: "a converted status", violation: "lead.status", body: func(t *testing.T) (map[string]any, error) {
			return leadFields(testEnv(t, "Lead", true)).Body(&crmv1.Lead{Status: crmv1.LeadStatus_LEAD_STATUS_CONVERTED}, nil, "lead", Slug)
		}},
		{name: "a status the org's picklist lacks", violation: "lead.status", body: func(t *testing.T) (map[string]any, error) {
			return leadFields(testEnv(t, "Lead", true)).Body(&crmv1.Lead{Status: crmv1.LeadStatus_LEAD_STATUS_QUALIFIED}, nil, "lead", Slug)
		}},
		{name: "a task with a start time", violation: "activity.start_time", body: func(t *testing.T) (map[string]any, error) {
			return activity(t, "Task", &crmv1.Activity{Kind: crmv1.ActivityKind_ACTIVITY_KIND_TASK, StartTime: ts("2025-07-01T09:00:00Z")}, nil)
		}},
		{name: "a task due at a time of day", violation: "activity.due_time", body: func(t *testing.T) (map[string]any, error) {
			return activity(t, "Task", &crmv1.Activity{Kind: crmv1.ActivityKind_ACTIVITY_KIND_TASK, DueTime: ts("2025-07-01T09:00:00Z")}, nil)
		}},
		{name: "a meeting with a due time", violation: "activity.due_time", body: func(t *testing.T) (map[string]any, error) {
			return activity(t, "Event", &crmv1.Activity{Kind: crmv1.ActivityKind_ACTIVITY_KIND_MEETING, DueTime: ts("2025-07-01T09:00:00Z")}, nil)
		}},
		{name: "a meeting marked done", violation: "activity.done", body: func(t *testing.T) (map[string]any, error) {
			return activity(t, "Event", &crmv1.Activity{Id: "00UHs0000026XSBMA2", Done: true}, []string{"done"})
		}},
		{name: "two contacts", violation: "activity.contact_ids", body: func(t *testing.T) (map[string]any, error) {
			return activity(t, "Task", &crmv1.Activity{Kind: crmv1.ActivityKind_ACTIVITY_KIND_TASK, ContactIds: []string{contactID, "003Hs000003gRYLIA2"}}, nil)
		}},
		{name: "a contact and a lead", violation: "activity.contact_ids", body: func(t *testing.T) (map[string]any, error) {
			return activity(t, "Task", &crmv1.Activity{Kind: crmv1.ActivityKind_ACTIVITY_KIND_TASK, ContactIds: []string{contactID}, LeadIds: []string{leadID}}, nil)
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			body, err := tc.body(t)
			got := connectortest.WriteBody(t, body, err, tc.want, tc.violation)
			if got == nil {
				return
			}
			// Numbers travel as their exact text.
			if strings.Contains(tc.want, "1234567890123.45") && !strings.Contains(string(got), `"Amount":1234567890123.45`) {
				t.Errorf("amount lost digits: %s", got)
			}
		})
	}
}
