package sandbox

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
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
	commonv1 "github.com/unimesh/unimesh/proto/unimesh/common/v1"
	platformv1 "github.com/unimesh/unimesh/proto/unimesh/platform/v1"
	ticketingv1 "github.com/unimesh/unimesh/proto/unimesh/ticketing/v1"
)

const testKey = "sk_test_helpdesk"

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

func mustStruct(m map[string]any) *structpb.Struct {
	s, err := structpb.NewStruct(m)
	if err != nil {
		panic(err)
	}
	return s
}

// Short names for the unified enums.
const (
	stOpen       = ticketingv1.TicketStatus_TICKET_STATUS_OPEN
	stInProgress = ticketingv1.TicketStatus_TICKET_STATUS_IN_PROGRESS
	stOnHold     = ticketingv1.TicketStatus_TICKET_STATUS_ON_HOLD
	stResolved   = ticketingv1.TicketStatus_TICKET_STATUS_RESOLVED
	stClosed     = ticketingv1.TicketStatus_TICKET_STATUS_CLOSED
	stOther      = ticketingv1.TicketStatus_TICKET_STATUS_OTHER
	prLow        = ticketingv1.TicketPriority_TICKET_PRIORITY_LOW
	prNormal     = ticketingv1.TicketPriority_TICKET_PRIORITY_NORMAL
	prHigh       = ticketingv1.TicketPriority_TICKET_PRIORITY_HIGH
	prUrgent     = ticketingv1.TicketPriority_TICKET_PRIORITY_URGENT
	prOther      = ticketingv1.TicketPriority_TICKET_PRIORITY_OTHER
)

func TestReadNormalization(t *testing.T) {
	created, updated := ts("2025-02-03T04:05:06Z"), ts("2025-03-04T05:06:07Z")
	c := connectortest.Conn(t, Descriptor("https://helpdesk.example/api"), "", connectortest.APIKey(testKey), nil)
	cases := []struct {
		name string
		got  proto.Message
		want proto.Message
	}{
		{
			name: "pending critical ticket: ON_HOLD and URGENT with their originals; one assignee becomes a list",
			got: ticketToTicket(Ticket{ID: "HD-1042", Title: "VPN drops", Body: "It drops every hour.", State: "pending", Priority: "critical",
				Kind: "incident", RequesterID: ptr(int64(200007)), AssigneeID: ptr(int64(9003)), GroupID: ptr(int64(12)),
				OrganizationID: ptr("org_104"), QueueID: ptr("q_1"), Tags: []string{"vpn", "vip"}, ParentID: ptr("HD-1001"),
				Custom: map[string]any{"product_area": "network", "sla_breached": true}, URL: ticketWebURL + "HD-1042",
				CreatedAt: created, UpdatedAt: updated}),
			want: &ticketingv1.Ticket{Id: "HD-1042", Subject: "VPN drops", Description: "It drops every hour.",
				Status: stOnHold, RemoteStatus: "pending", Priority: prUrgent, RemotePriority: "critical", Type: "incident",
				RequesterId: "200007", AssigneeIds: []string{"9003"}, TeamId: "12", AccountId: "org_104", CollectionId: "q_1",
				Tags: []string{"vpn", "vip"}, ParentTicketId: "HD-1001", WebUrl: "https://sandbox-helpdesk.example/agent/tickets/HD-1042",
				CustomFields: mustStruct(map[string]any{"product_area": "network", "sla_breached": true}),
				CreateTime:   timestamppb.New(created), UpdateTime: timestamppb.New(updated)},
		},
		{
			name: "solved task raised by an agent: due and completion times, no assignee",
			got: ticketToTicket(Ticket{ID: "HD-1043", Title: "Set up SSO", State: "solved", Priority: "low", Kind: "task",
				RequesterID: ptr(int64(9001)), Tags: []string{}, DueAt: ptrTime("2025-03-01T12:00:00Z"), SolvedAt: ptrTime("2025-02-28T16:30:00Z"),
				CreatedAt: created, UpdatedAt: updated}),
			want: &ticketingv1.Ticket{Id: "HD-1043", Subject: "Set up SSO", Status: stResolved, RemoteStatus: "solved",
				Priority: prLow, RemotePriority: "low", Type: "task", RequesterId: "9001",
				DueTime: timestamppb.New(ts("2025-03-01T12:00:00Z")), CompletedTime: timestamppb.New(ts("2025-02-28T16:30:00Z")),
				CreateTime: timestamppb.New(created), UpdateTime: timestamppb.New(updated)},
		},
		{
			name: "spam is OTHER",
			got:  ticketToTicket(Ticket{ID: "HD-1044", Title: "WIN", State: "spam", Priority: "normal", CreatedAt: created, UpdatedAt: updated}),
			want: &ticketingv1.Ticket{Id: "HD-1044", Subject: "WIN", Status: stOther, RemoteStatus: "spam", Priority: prNormal,
				RemotePriority: "normal", CreateTime: timestamppb.New(created), UpdateTime: timestamppb.New(updated)},
		},
		{
			name: "internal note by an agent, with attachments",
			got: commentToComment(Comment{ID: 700123, TicketID: "HD-1042", Body: "Known issue.", HTMLBody: "<p>Known issue.</p>",
				Public: ptr(false), AuthorID: ptr(int64(9003)), AuthorRole: "agent", AttachmentIDs: []string{"att_5001"}, Via: "web",
				CreatedAt: created, UpdatedAt: created}),
			want: &ticketingv1.Comment{Id: "700123", TicketId: "HD-1042", Body: "Known issue.", HtmlBody: "<p>Known issue.</p>",
				AuthorUserId: "9003", AttachmentIds: []string{"att_5001"}, CreateTime: timestamppb.New(created), UpdateTime: timestamppb.New(created)},
		},
		{
			name: "public reply by a customer",
			got: commentToComment(Comment{ID: 700124, TicketID: "HD-1042", Body: "Thanks!", Public: ptr(true), AuthorID: ptr(int64(200007)),
				AuthorRole: "customer", CreatedAt: created, UpdatedAt: created}),
			want: &ticketingv1.Comment{Id: "700124", TicketId: "HD-1042", Body: "Thanks!", IsPublic: true, AuthorContactId: "200007",
				CreateTime: timestamppb.New(created), UpdateTime: timestamppb.New(created)},
		},
		{
			name: "customer: email first, then the others; phone as WORK in E.164, a national mobile kept raw",
			got: customerToContact(Customer{ID: 200007, Name: "Ada Lovelace", Email: "ada@acme.example", OtherEmails: []string{"ada@mail.example"},
				Phone: "+1 512 327 5283", Mobile: "0151 1234567", OrganizationID: ptr("org_104"), Locale: "en-GB",
				Custom: map[string]any{"plan": "business"}, CreatedAt: created, UpdatedAt: updated}),
			want: &ticketingv1.Contact{Id: "200007", Name: "Ada Lovelace",
				Emails: []*commonv1.Email{{Address: "ada@acme.example"}, {Address: "ada@mail.example"}},
				Phones: []*commonv1.Phone{
					{Number: "+15123275283", RawNumber: "+1 512 327 5283", Type: commonv1.PhoneType_PHONE_TYPE_WORK},
					{RawNumber: "0151 1234567", Type: commonv1.PhoneType_PHONE_TYPE_MOBILE},
				},
				AccountId: "org_104", CustomFields: mustStruct(map[string]any{"plan": "business"}),
				CreateTime: timestamppb.New(created), UpdateTime: timestamppb.New(updated)},
		},
		{
			name: "customer without email or phones",
			got:  customerToContact(Customer{ID: 200008, Name: "Grace", OtherEmails: []string{}, CreatedAt: created, UpdatedAt: updated}),
			want: &ticketingv1.Contact{Id: "200008", Name: "Grace", CreateTime: timestamppb.New(created), UpdateTime: timestamppb.New(updated)},
		},
		{
			name: "organization",
			got: organizationToAccount(Organization{ID: "org_104", Name: "Acme Inc.", DomainNames: []string{"acme.example"}, Notes: "VIP",
				Custom: map[string]any{"tier": "enterprise"}, CreatedAt: created, UpdatedAt: updated}),
			want: &ticketingv1.Account{Id: "org_104", Name: "Acme Inc.", Domains: []string{"acme.example"},
				CustomFields: mustStruct(map[string]any{"tier": "enterprise"}), CreateTime: timestamppb.New(created), UpdateTime: timestamppb.New(updated)},
		},
		{
			name: "suspended agent is inactive; groups are teams",
			got: agentToUser(Agent{ID: 9010, Name: "Ken Thompson", Email: "ken@sandbox-helpdesk.example", Role: "agent", Suspended: true,
				GroupIDs: []int64{11, 12}, CreatedAt: created, UpdatedAt: updated}),
			want: &ticketingv1.User{Id: "9010", Name: "Ken Thompson", Email: "ken@sandbox-helpdesk.example", Active: false,
				TeamIds: []string{"11", "12"}, CreateTime: timestamppb.New(created), UpdateTime: timestamppb.New(updated)},
		},
		{
			name: "active agent",
			got:  agentToUser(Agent{ID: 9001, Name: "Ada", Role: "admin", GroupIDs: []int64{}, CreatedAt: created, UpdatedAt: updated}),
			want: &ticketingv1.User{Id: "9001", Name: "Ada", Active: true, CreateTime: timestamppb.New(created), UpdateTime: timestamppb.New(updated)},
		},
		{
			name: "group",
			got:  groupToTeam(Group{ID: 13, Name: "Billing", Description: "Invoices.", CreatedAt: created, UpdatedAt: updated}),
			want: &ticketingv1.Team{Id: "13", Name: "Billing", Description: "Invoices.", CreateTime: timestamppb.New(created), UpdateTime: timestamppb.New(updated)},
		},
		{
			name: "sub-queue",
			got:  queueToCollection(Queue{ID: "q_2", Name: "Billing", Kind: "queue", ParentID: ptr("q_1"), CreatedAt: created, UpdatedAt: updated}),
			want: &ticketingv1.Collection{Id: "q_2", Name: "Billing", Type: ticketingv1.CollectionType_COLLECTION_TYPE_QUEUE, RemoteType: "queue",
				ParentId: "q_1", CreateTime: timestamppb.New(created), UpdateTime: timestamppb.New(updated)},
		},
		{
			name: "tag",
			got:  tagToTag(Tag{ID: 7, Name: "vip", TicketCount: 12, CreatedAt: created, UpdatedAt: created}),
			want: &ticketingv1.Tag{Id: "7", Name: "vip", CreateTime: timestamppb.New(created), UpdateTime: timestamppb.New(created)},
		},
		{
			name: "attachment: the relative content URL resolved against the connection's base URL, path included",
			got: attachmentReader(c)(Attachment{ID: "att_5001", FileName: "screenshot.png", ContentType: "image/png", Size: 48213,
				TicketID: "HD-1042", CommentID: ptr(int64(700123)), ContentURL: "/v1/attachments/att_5001/content", CreatedAt: created, UpdatedAt: created}),
			want: &ticketingv1.Attachment{Id: "att_5001", FileName: "screenshot.png", ContentType: "image/png", SizeBytes: 48213,
				DownloadUrl: "https://helpdesk.example/api/v1/attachments/att_5001/content", TicketId: "HD-1042", CommentId: "700123",
				CreateTime: timestamppb.New(created), UpdateTime: timestamppb.New(created)},
		},
		{
			name: "attachment whose link leaves the provider's host is not passed on",
			got: attachmentReader(c)(Attachment{ID: "att_5002", FileName: "x.txt", ContentType: "text/plain", Size: 1, TicketID: "HD-1042",
				ContentURL: "https://elsewhere.example/x.txt", CreatedAt: created, UpdatedAt: created}),
			want: &ticketingv1.Attachment{Id: "att_5002", FileName: "x.txt", ContentType: "text/plain", SizeBytes: 1, TicketId: "HD-1042",
				CreateTime: timestamppb.New(created), UpdateTime: timestamppb.New(created)},
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

// TestEnumMappings covers every vendor value of every enumeration: how it
// reads, with its original kept, and that a record read and written back
// keeps it. A vendor value without a row here fails the test.
func TestEnumMappings(t *testing.T) {
	statuses := map[string]ticketingv1.TicketStatus{
		"new": stOpen, "open": stInProgress, "pending": stOnHold, "on_hold": stOnHold, "solved": stResolved, "closed": stClosed, "spam": stOther,
	}
	for _, v := range ticketStates {
		want, ok := statuses[v]
		got := ticketToTicket(Ticket{State: v})
		if !ok || got.GetStatus() != want || got.GetRemoteStatus() != v {
			t.Errorf("state %q reads as %v/%q, want %v", v, got.GetStatus(), got.GetRemoteStatus(), want)
		}
		if b, err := ticketFields.Body(got, []string{"status"}, "ticket", Slug); err != nil || b["state"] != v {
			t.Errorf("state %q written back as %v (%v)", v, b["state"], err)
		}
	}
	priorities := map[string]ticketingv1.TicketPriority{"low": prLow, "normal": prNormal, "high": prHigh, "urgent": prUrgent, "critical": prUrgent}
	for _, v := range ticketPriorities {
		want, ok := priorities[v]
		got := ticketToTicket(Ticket{Priority: v})
		if !ok || got.GetPriority() != want || got.GetRemotePriority() != v {
			t.Errorf("priority %q reads as %v/%q, want %v", v, got.GetPriority(), got.GetRemotePriority(), want)
		}
		if b, err := ticketFields.Body(got, []string{"priority"}, "ticket", Slug); err != nil || b["priority"] != v {
			t.Errorf("priority %q written back as %v (%v)", v, b["priority"], err)
		}
	}
	kinds := map[string]ticketingv1.CollectionType{
		"queue": ticketingv1.CollectionType_COLLECTION_TYPE_QUEUE, "project": ticketingv1.CollectionType_COLLECTION_TYPE_PROJECT,
		"board": ticketingv1.CollectionType_COLLECTION_TYPE_LIST, "archive": ticketingv1.CollectionType_COLLECTION_TYPE_OTHER,
	}
	for _, v := range queueKinds {
		want, ok := kinds[v]
		if got := queueToCollection(Queue{Kind: v}); !ok || got.GetType() != want || got.GetRemoteType() != v {
			t.Errorf("queue kind %q reads as %v/%q, want %v", v, got.GetType(), got.GetRemoteType(), want)
		}
	}
	if got := ticketToTicket(Ticket{State: "escalated", Priority: ""}); got.GetStatus() != stOther || got.GetPriority() != ticketingv1.TicketPriority_TICKET_PRIORITY_UNSPECIFIED {
		t.Errorf("an unknown state is OTHER and no priority is unspecified: %v", got)
	}

	// Unified values written without a remote value.
	writes := map[ticketingv1.TicketStatus]string{stOpen: "new", stInProgress: "open", stOnHold: "pending", stResolved: "solved", stClosed: "closed"}
	for s, want := range writes {
		if b, _ := ticketFields.Body(&ticketingv1.Ticket{Status: s}, []string{"status"}, "ticket", Slug); b["state"] != want {
			t.Errorf("status %v is written as %v, want %q", s, b["state"], want)
		}
	}
	pwrites := map[ticketingv1.TicketPriority]string{prLow: "low", prNormal: "normal", prHigh: "high", prUrgent: "urgent"}
	for p, want := range pwrites {
		if b, _ := ticketFields.Body(&ticketingv1.Ticket{Priority: p}, []string{"priority"}, "ticket", Slug); b["priority"] != want {
			t.Errorf("priority %v is written as %v, want %q", p, b["priority"], want)
		}
	}
}

func TestWriteNormalization(t *testing.T) {
	cases := []struct {
		name      string
		body      func() (map[string]any, error)
		want      string // JSON of the body
		violation string // or the field refused
	}{
		{
			name: "ticket create: renamed fields, IN_PROGRESS is open, numeric and string references, due time, custom fields",
			body: func() (map[string]any, error) {
				return ticketFields.Body(&ticketingv1.Ticket{Subject: "VPN drops", Description: "Since Monday.", Status: stInProgress,
					Priority: prHigh, RemotePriority: "low", Type: "incident", RequesterId: "200007", AssigneeIds: []string{"9003"},
					TeamId: "12", AccountId: "org_104", CollectionId: "q_1", Tags: []string{"vpn"},
					DueTime: timestamppb.New(ts("2025-07-01T12:00:00Z")), ParentTicketId: "HD-1001",
					CustomFields: mustStruct(map[string]any{"product_area": "network"})}, nil, "ticket", Slug)
			},
			want: `{"assignee_id":9003,"body":"Since Monday.","custom":{"product_area":"network"},"due_at":"2025-07-01T12:00:00Z",
				"group_id":12,"kind":"incident","organization_id":"org_104","parent_id":"HD-1001","priority":"high","queue_id":"q_1",
				"requester_id":200007,"state":"open","tags":["vpn"],"title":"VPN drops"}`,
		},
		{
			name: "ticket update: clearing references sends null, clearing tags an empty list",
			body: func() (map[string]any, error) {
				return ticketFields.Body(&ticketingv1.Ticket{Id: "HD-1001"}, []string{"account_id", "assignee_ids", "collection_id",
					"due_time", "parent_ticket_id", "tags", "team_id"}, "ticket", Slug)
			},
			want: `{"assignee_id":null,"due_at":null,"group_id":null,"organization_id":null,"parent_id":null,"queue_id":null,"tags":[]}`,
		},
		{
			name: "ON_HOLD keeps the remote on_hold",
			body: func() (map[string]any, error) {
				return ticketFields.Body(&ticketingv1.Ticket{Status: stOnHold, RemoteStatus: "on_hold"}, []string{"status"}, "ticket", Slug)
			},
			want: `{"state":"on_hold"}`,
		},
		{
			name: "ON_HOLD with a stale remote value is pending",
			body: func() (map[string]any, error) {
				return ticketFields.Body(&ticketingv1.Ticket{Status: stOnHold, RemoteStatus: "new"}, []string{"status", "remote_status"}, "ticket", Slug)
			},
			want: `{"state":"pending"}`,
		},
		{
			name: "URGENT keeps the remote critical",
			body: func() (map[string]any, error) {
				return ticketFields.Body(&ticketingv1.Ticket{Priority: prUrgent, RemotePriority: "critical"}, []string{"priority", "remote_priority"}, "ticket", Slug)
			},
			want: `{"priority":"critical"}`,
		},
		{
			name: "OTHER sends the remote value",
			body: func() (map[string]any, error) {
				return ticketFields.Body(&ticketingv1.Ticket{Status: stOther, RemoteStatus: "spam", Priority: prOther, RemotePriority: "critical"}, nil, "ticket", Slug)
			},
			want: `{"priority":"critical","state":"spam"}`,
		},
		{
			name: "only remote_status in the mask: that vendor value, whatever the stale status",
			body: func() (map[string]any, error) {
				return ticketFields.Body(&ticketingv1.Ticket{Status: stOpen, RemoteStatus: "on_hold"}, []string{"remote_status"}, "ticket", Slug)
			},
			want: `{"state":"on_hold"}`,
		},
		{
			name: "comment: both bodies, visibility, a customer author",
			body: func() (map[string]any, error) {
				return commentFields.Body(&ticketingv1.Comment{TicketId: "HD-1001", Body: "Hi", HtmlBody: "<p>Hi</p>", IsPublic: true,
					AuthorContactId: "200007"}, nil, "comment", Slug)
			},
			want: `{"author_id":200007,"author_role":"customer","body":"Hi","html_body":"<p>Hi</p>","public":true,"ticket_id":"HD-1001"}`,
		},
		{
			name: "contact: first email is the email, phone raw form kept, mobile by type",
			body: func() (map[string]any, error) {
				return contactFields.Body(&ticketingv1.Contact{Name: "Ada Lovelace",
					Emails: []*commonv1.Email{{Address: "ada@acme.example", Type: commonv1.EmailType_EMAIL_TYPE_WORK},
						{Address: "ada@mail.example"}, {Address: "ada@home.example"}},
					Phones: []*commonv1.Phone{{Number: "+4915112345678", Type: commonv1.PhoneType_PHONE_TYPE_MOBILE},
						{Number: "+15123275283", RawNumber: "+1 512 327 5283", Type: commonv1.PhoneType_PHONE_TYPE_WORK}},
					AccountId: "org_104", CustomFields: mustStruct(map[string]any{"plan": "team"})}, nil, "contact", Slug)
			},
			want: `{"custom":{"plan":"team"},"email":"ada@acme.example","mobile":"+4915112345678","name":"Ada Lovelace",
				"organization_id":"org_104","other_emails":["ada@mail.example","ada@home.example"],"phone":"+1 512 327 5283"}`,
		},
		{
			name: "contact update clearing emails, phones and account",
			body: func() (map[string]any, error) {
				return contactFields.Body(&ticketingv1.Contact{Id: "200007"}, []string{"account_id", "emails", "phones"}, "contact", Slug)
			},
			want: `{"email":"","mobile":"","organization_id":null,"other_emails":[],"phone":""}`,
		},
		{
			name: "account",
			body: func() (map[string]any, error) {
				return accountFields.Body(&ticketingv1.Account{Name: "Acme", Domains: []string{"acme.example"}}, nil, "account", Slug)
			},
			want: `{"domain_names":["acme.example"],"name":"Acme"}`,
		},
		{name: "two assignees", violation: "ticket.assignee_ids", body: func() (map[string]any, error) {
			return ticketFields.Body(&ticketingv1.Ticket{AssigneeIds: []string{"9002", "9003"}}, nil, "ticket", Slug)
		}},
		{name: "status OTHER without remote status", violation: "ticket.status", body: func() (map[string]any, error) {
			return ticketFields.Body(&ticketingv1.Ticket{Status: stOther}, []string{"status"}, "ticket", Slug)
		}},
		{name: "status cleared: Sandbox Helpdesk cannot clear a state", violation: "ticket.status", body: func() (map[string]any, error) {
			return ticketFields.Body(&ticketingv1.Ticket{}, []string{"status", "remote_status"}, "ticket", Slug)
		}},
		{name: "priority OTHER without remote priority", violation: "ticket.priority", body: func() (map[string]any, error) {
			return ticketFields.Body(&ticketingv1.Ticket{Priority: prOther}, nil, "ticket", Slug)
		}},
		{name: "requester that is not a Sandbox Helpdesk id", violation: "ticket.requester_id", body: func() (map[string]any, error) {
			return ticketFields.Body(&ticketingv1.Ticket{RequesterId: "ada@acme.example"}, nil, "ticket", Slug)
		}},
		{name: "team that is not a Sandbox Helpdesk id", violation: "ticket.team_id", body: func() (map[string]any, error) {
			return ticketFields.Body(&ticketingv1.Ticket{TeamId: "tier-1"}, nil, "ticket", Slug)
		}},
		{name: "assignee that is not a Sandbox Helpdesk id", violation: "ticket.assignee_ids[0]", body: func() (map[string]any, error) {
			return ticketFields.Body(&ticketingv1.Ticket{AssigneeIds: []string{"agent-7"}}, nil, "ticket", Slug)
		}},
		{name: "two mobiles", violation: "contact.phones[1]", body: func() (map[string]any, error) {
			return contactFields.Body(&ticketingv1.Contact{Phones: []*commonv1.Phone{
				{Number: "+4915112345678", Type: commonv1.PhoneType_PHONE_TYPE_MOBILE}, {Number: "+4915112345679", Type: commonv1.PhoneType_PHONE_TYPE_MOBILE},
			}}, nil, "contact", Slug)
		}},
		{name: "a third phone", violation: "contact.phones[2]", body: func() (map[string]any, error) {
			return contactFields.Body(&ticketingv1.Contact{Phones: []*commonv1.Phone{
				{Number: "+4930123456", Type: commonv1.PhoneType_PHONE_TYPE_WORK}, {Number: "+4915112345679", Type: commonv1.PhoneType_PHONE_TYPE_MOBILE},
				{Number: "+4930654321", Type: commonv1.PhoneType_PHONE_TYPE_HOME},
			}}, nil, "contact", Slug)
		}},
		{name: "comment by a user and a contact at once", violation: "comment.author_user_id", body: func() (map[string]any, error) {
			return commentFields.Body(&ticketingv1.Comment{TicketId: "HD-1001", Body: "x", AuthorUserId: "9001", AuthorContactId: "200001"}, nil, "comment", Slug)
		}},
		{name: "comment author that is not a Sandbox Helpdesk id", violation: "comment.author_user_id", body: func() (map[string]any, error) {
			return commentFields.Body(&ticketingv1.Comment{TicketId: "HD-1001", Body: "x", AuthorUserId: "ada"}, nil, "comment", Slug)
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
			if err := json.Unmarshal([]byte(tc.want), &w); err != nil {
				t.Fatalf("bad want: %v", err)
			}
			if diff := cmp.Diff(w, g); diff != "" {
				t.Errorf("body mismatch (-want +got):\n%s\ngot %s", diff, got)
			}
		})
	}
}

func TestCapabilities(t *testing.T) {
	got := map[string][]platformv1.Operation{}
	for _, os := range connector.Capabilities(platformv1.Category_CATEGORY_TICKETING, Connector()) {
		got[os.GetObject()] = os.GetOperations()
	}
	const (
		L = platformv1.Operation_OPERATION_LIST
		G = platformv1.Operation_OPERATION_GET
		C = platformv1.Operation_OPERATION_CREATE
		U = platformv1.Operation_OPERATION_UPDATE
		D = platformv1.Operation_OPERATION_DELETE
	)
	want := map[string][]platformv1.Operation{
		"ticket": {L, G, C, U, D}, "comment": {L, G, C}, "contact": {L, G, C, U}, "account": {L, G, C, U},
		"user": {L, G}, "team": {L, G}, "collection": {L, G}, "tag": {L}, "attachment": {L, G},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("capabilities (-want +got):\n%s", diff)
	}
}

// openTicket is a seeded ticket that takes comments, with comments.
func openTicket(t *testing.T, emu *Emulator) Ticket {
	t.Helper()
	for _, tk := range emu.Tickets.All() {
		if tk.State == "open" && countComments(emu, tk.ID) > 1 {
			return tk
		}
	}
	t.Fatal("no open ticket seeded")
	return Ticket{}
}

func countComments(emu *Emulator, ticket string) int {
	n := 0
	for _, c := range emu.Comments.All() {
		if c.TicketID == ticket {
			n++
		}
	}
	return n
}

func TestRoundTrips(t *testing.T) {
	emu, c := start(t)
	conn := Connector()

	t.Run("ticket", func(t *testing.T) {
		requester := emu.Customers.All()[0]
		connectortest.RoundTrip[*ticketingv1.Ticket]{
			Seeded: emu.Tickets.Len(),
			Create: &ticketingv1.Ticket{
				Subject: "Printer on fire", Description: "The office printer is on fire.", Priority: prHigh, Type: "incident",
				RequesterId: strconv.FormatInt(requester.ID, 10), TeamId: "11", Tags: []string{"hardware", "urgent-fix"},
				CustomFields: mustStruct(map[string]any{"product_area": "hardware"}),
			},
			Mask: []string{"status", "assignee_ids", "custom_fields"},
			Change: func(tk *ticketingv1.Ticket) {
				if tk.GetAccountId() != deref(requester.OrganizationID) || tk.GetStatus() != stOpen || tk.GetRemoteStatus() != "new" {
					t.Errorf("created: %v", tk)
				}
				tk.Status, tk.AssigneeIds = stResolved, []string{"9002"}
				tk.Subject = "ignored because it is not in the mask"
				tk.CustomFields = mustStruct(map[string]any{"root_cause": "toner"})
			},
			Check: func(t *testing.T, got *ticketingv1.Ticket) {
				if got.GetStatus() != stResolved || got.GetRemoteStatus() != "solved" || got.GetCompletedTime() == nil {
					t.Errorf("after solving: %v", got)
				}
				if got.GetSubject() != "Printer on fire" || len(got.GetAssigneeIds()) != 1 || got.GetAssigneeIds()[0] != "9002" {
					t.Errorf("after update: %v", got)
				}
				if cf := got.GetCustomFields().AsMap(); cf["root_cause"] != "toner" || cf["product_area"] != "hardware" {
					t.Errorf("custom fields are merged key by key: %v", cf)
				}
				if got.GetWebUrl() != ticketWebURL+got.GetId() || !strings.HasPrefix(got.GetId(), "HD-") {
					t.Errorf("id and web URL: %s %s", got.GetId(), got.GetWebUrl())
				}
			},
		}.Run(t, c, conn.Tickets)
	})
	t.Run("comment", func(t *testing.T) {
		tk := openTicket(t, emu)
		created := connectortest.RoundTrip[*ticketingv1.Comment]{
			Seeded:  countComments(emu, tk.ID),
			Filters: map[string]string{"ticket_id": tk.ID},
			Create:  &ticketingv1.Comment{TicketId: tk.ID, HtmlBody: "<p>Checked the <b>logs</b>.</p><p>Nothing &amp; nobody.</p>"},
		}.Run(t, c, conn.Comments)
		if created.GetBody() != "Checked the logs.\n\nNothing & nobody." || created.GetIsPublic() || created.GetAuthorUserId() != "9001" {
			t.Errorf("created comment: %v", created)
		}
	})
	t.Run("contact", func(t *testing.T) {
		connectortest.RoundTrip[*ticketingv1.Contact]{
			Seeded: emu.Customers.Len(),
			Create: &ticketingv1.Contact{
				Name: "Katherine Johnson", AccountId: "org_101",
				Emails:       []*commonv1.Email{{Address: "kj@nasa.example"}, {Address: "katherine@mail.example"}},
				Phones:       []*commonv1.Phone{{Number: "+12125550100", Type: commonv1.PhoneType_PHONE_TYPE_WORK}},
				CustomFields: mustStruct(map[string]any{"plan": "enterprise"}),
			},
			Mask: []string{"phones", "emails"},
			Change: func(ct *ticketingv1.Contact) {
				ct.Phones = []*commonv1.Phone{{Number: "+4915112345678", Type: commonv1.PhoneType_PHONE_TYPE_MOBILE}}
				ct.Emails = ct.Emails[1:]
				ct.Name = "ignored"
			},
			Check: func(t *testing.T, got *ticketingv1.Contact) {
				if len(got.GetPhones()) != 1 || got.GetPhones()[0].GetType() != commonv1.PhoneType_PHONE_TYPE_MOBILE || got.GetPhones()[0].GetNumber() != "+4915112345678" {
					t.Errorf("phones after update: %v", got.GetPhones())
				}
				if len(got.GetEmails()) != 1 || got.GetEmails()[0].GetAddress() != "katherine@mail.example" {
					t.Errorf("emails after update: %v", got.GetEmails())
				}
				if got.GetName() != "Katherine Johnson" || got.GetAccountId() != "org_101" || got.GetCustomFields().AsMap()["plan"] != "enterprise" {
					t.Errorf("fields lost: %v", got)
				}
			},
		}.Run(t, c, conn.Contacts)
	})
	t.Run("account", func(t *testing.T) {
		connectortest.RoundTrip[*ticketingv1.Account]{
			Seeded: emu.Organizations.Len(),
			Create: &ticketingv1.Account{Name: "Analytical Engines Ltd.", Domains: []string{"engines.example"},
				CustomFields: mustStruct(map[string]any{"tier": "starter"})},
			Mask:   []string{"domains"},
			Change: func(a *ticketingv1.Account) { a.Domains = append(a.Domains, "engines-mail.example") },
			Check: func(t *testing.T, got *ticketingv1.Account) {
				if len(got.GetDomains()) != 2 || got.GetName() != "Analytical Engines Ltd." || got.GetCustomFields().AsMap()["tier"] != "starter" {
					t.Errorf("after update: %v", got)
				}
			},
		}.Run(t, c, conn.Accounts)
	})
}

// readOnly checks a read-only object: every seeded record over several
// pages, each once; a Get equal to the listed record; an unknown id NOT_FOUND.
func readOnly[T connector.Record](t *testing.T, c *connector.Conn, o connector.Object[T], seeded int, unknown string) []T {
	t.Helper()
	if o.Create != nil || o.Update != nil || o.Delete != nil {
		t.Fatal("a read-only object offers writes")
	}
	all := connectortest.ListAll(t, c, o, 3, time.Time{}, nil)
	if len(all) != seeded || len(connectortest.IDs(all)) != seeded {
		t.Fatalf("listed %d records (%d ids), want %d", len(all), len(connectortest.IDs(all)), seeded)
	}
	if o.Get == nil {
		return all
	}
	last := all[len(all)-1]
	got, err := o.Get(context.Background(), c, last.GetId(), connector.GetParams{})
	if err != nil || !proto.Equal(got, last) {
		t.Fatalf("get %s: %v\n%v\nwant %v", last.GetId(), err, got, last)
	}
	if _, err := o.Get(context.Background(), c, unknown, connector.GetParams{}); status.Code(err) != codes.NotFound || apierr.Reason(err) != apierr.ReasonRecordNotFound {
		t.Fatalf("get %s: %v", unknown, err)
	}
	return all
}

func TestReadOnlyObjects(t *testing.T) {
	emu, c := start(t)
	conn := Connector()
	t.Run("users", func(t *testing.T) {
		users := readOnly(t, c, conn.Users, emu.Agents.Len(), "9999")
		if users[0].GetId() != "9001" || !users[0].GetActive() || users[len(users)-1].GetActive() || len(users[0].GetTeamIds()) == 0 {
			t.Errorf("users: first %v, last %v", users[0], users[len(users)-1])
		}
	})
	t.Run("teams", func(t *testing.T) { readOnly(t, c, conn.Teams, emu.Groups.Len(), "99") })
	t.Run("collections", func(t *testing.T) {
		cols := readOnly(t, c, conn.Collections, emu.Queues.Len(), "q_99")
		if cols[1].GetParentId() != cols[0].GetId() || cols[4].GetType() != ticketingv1.CollectionType_COLLECTION_TYPE_OTHER || cols[4].GetRemoteType() != "archive" {
			t.Errorf("collections: %v", cols)
		}
	})
	t.Run("tags", func(t *testing.T) {
		tags := readOnly(t, c, conn.Tags, emu.Tags.Len(), "")
		names := map[string]bool{}
		for _, tg := range tags {
			names[tg.GetName()] = true
		}
		for _, tk := range emu.Tickets.All() {
			for _, n := range tk.Tags {
				if !names[n] {
					t.Errorf("tag %q of %s is not listed", n, tk.ID)
				}
			}
		}
	})
	t.Run("attachments", func(t *testing.T) {
		atts := readOnly(t, c, conn.Attachments, emu.Attachments.Len(), "att_1")
		a := atts[0]
		req, _ := http.NewRequest(http.MethodGet, a.GetDownloadUrl(), nil)
		req.Header.Set("Authorization", "Bearer "+testKey)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		n, _ := io.Copy(io.Discard, resp.Body)
		if resp.StatusCode != http.StatusOK || n != a.GetSizeBytes() || resp.Header.Get("Content-Type") != a.GetContentType() {
			t.Errorf("download %s: %d, %d bytes of %s; want %d bytes of %s", a.GetDownloadUrl(), resp.StatusCode, n, resp.Header.Get("Content-Type"), a.GetSizeBytes(), a.GetContentType())
		}
	})
}

func TestFilteredLists(t *testing.T) {
	emu, c := start(t)
	conn := Connector()
	att := emu.Attachments.All()[3]
	want := 0
	for _, a := range emu.Attachments.All() {
		if a.TicketID == att.TicketID {
			want++
		}
	}
	atts := connectortest.ListAll(t, c, conn.Attachments, 2, time.Time{}, map[string]string{"ticket_id": att.TicketID})
	if len(atts) != want {
		t.Fatalf("%d attachments of %s, want %d", len(atts), att.TicketID, want)
	}
	for _, a := range atts {
		if a.GetTicketId() != att.TicketID {
			t.Errorf("attachment %s of %s listed for %s", a.GetId(), a.GetTicketId(), att.TicketID)
		}
	}
	tk := openTicket(t, emu)
	comments := connectortest.ListAll(t, c, conn.Comments, 2, time.Time{}, map[string]string{"ticket_id": tk.ID})
	if len(comments) != countComments(emu, tk.ID) {
		t.Fatalf("%d comments of %s, want %d", len(comments), tk.ID, countComments(emu, tk.ID))
	}
	for _, cm := range comments {
		if cm.GetTicketId() != tk.ID {
			t.Errorf("comment %s of %s listed for %s", cm.GetId(), cm.GetTicketId(), tk.ID)
		}
	}
	if all := connectortest.ListAll(t, c, conn.Comments, 100, time.Time{}, nil); len(all) != emu.Comments.Len() {
		t.Fatalf("unfiltered: %d comments, want %d", len(all), emu.Comments.Len())
	}
	if none := connectortest.ListAll(t, c, conn.Comments, 10, time.Time{}, map[string]string{"ticket_id": "HD-99999"}); len(none) != 0 {
		t.Fatalf("comments of an unknown ticket: %v", none)
	}
}

func TestDefaultPageSizePages(t *testing.T) {
	_, c := start(t)
	p, err := Connector().Tickets.List(context.Background(), c, connector.ListParams{PageSize: 50})
	if err != nil || len(p.Items) != 50 || p.NextCursor == "" {
		t.Fatalf("a page of 50 of the seeded tickets: %d items, next %q, %v", len(p.Items), p.NextCursor, err)
	}
}

func TestMinimalTicketAndStatusChanges(t *testing.T) {
	_, c := start(t)
	ctx := context.Background()
	tickets := Connector().Tickets
	tk, err := tickets.Create(ctx, c, &ticketingv1.Ticket{Subject: "Minimal", Description: "Only a subject and a description."})
	if err != nil {
		t.Fatal(err)
	}
	// Sandbox Helpdesk needs a requester: the API key's agent by default.
	if tk.GetRequesterId() != "9001" || tk.GetStatus() != stOpen || tk.GetRemoteStatus() != "new" || tk.GetPriority() != prNormal {
		t.Fatalf("minimal ticket: %v", tk)
	}
	steps := []struct {
		change     *ticketingv1.Ticket
		mask       []string
		status     ticketingv1.TicketStatus
		remote     string
		priority   string
		completion bool
	}{
		{&ticketingv1.Ticket{Status: stInProgress}, []string{"status"}, stInProgress, "open", "normal", false},
		{&ticketingv1.Ticket{RemotePriority: "critical"}, []string{"remote_priority"}, stInProgress, "open", "critical", false},
		{&ticketingv1.Ticket{Status: stOnHold, RemoteStatus: "on_hold", Priority: prUrgent, RemotePriority: "critical"}, []string{"status", "priority"}, stOnHold, "on_hold", "critical", false},
		{&ticketingv1.Ticket{Status: stResolved}, []string{"status"}, stResolved, "solved", "critical", true},
		{&ticketingv1.Ticket{Status: stOpen}, []string{"status"}, stOpen, "new", "critical", false},
		{&ticketingv1.Ticket{Status: stClosed, Priority: prHigh}, []string{"status", "priority"}, stClosed, "closed", "high", true},
	}
	for i, s := range steps {
		s.change.Id = tk.GetId()
		got, err := tickets.Update(ctx, c, s.change, s.mask)
		if err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		if got.GetStatus() != s.status || got.GetRemoteStatus() != s.remote || got.GetRemotePriority() != s.priority || (got.GetCompletedTime() != nil) != s.completion {
			t.Fatalf("step %d: %v/%s, priority %s, completed %v", i, got.GetStatus(), got.GetRemoteStatus(), got.GetRemotePriority(), got.GetCompletedTime())
		}
	}
	_, err = tickets.Update(ctx, c, &ticketingv1.Ticket{Id: tk.GetId(), Subject: "Too late"}, []string{"subject"})
	if vs := apierr.Violations(err); len(vs) == 0 || vs[0].Field != "ticket.status" {
		t.Fatalf("changing a closed ticket: %v", err)
	}
}

func TestTagsAppearOnFirstUse(t *testing.T) {
	emu, c := start(t)
	ctx := context.Background()
	conn := Connector()
	for range 2 {
		tk, err := conn.Tickets.Create(ctx, c, &ticketingv1.Ticket{Subject: "Tagged", Tags: []string{"brand-new", "vip", "brand-new"}})
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]string{"brand-new", "vip"}, tk.GetTags()); diff != "" {
			t.Fatalf("tags are kept once (-want +got):\n%s", diff)
		}
	}
	tags := connectortest.ListAll(t, c, conn.Tags, 100, time.Time{}, nil)
	n := 0
	for _, tg := range tags {
		if tg.GetName() == "brand-new" {
			n++
		}
	}
	if n != 1 || len(tags) != emu.Tags.Len() {
		t.Fatalf("tag brand-new listed %d times among %d tags", n, len(tags))
	}
	recent := connectortest.ListAll(t, c, conn.Tags, 100, time.Now().Add(-time.Minute), nil)
	if len(recent) != 1 || recent[0].GetName() != "brand-new" {
		t.Fatalf("tags created just now: %v", recent)
	}
}

// TestUnseededEmulatorNeedsARequester: with no agent to default to, the
// requester is required, and the vendor's refusal names the unified field.
func TestUnseededEmulatorNeedsARequester(t *testing.T) {
	srv := httptest.NewServer(NewEmulator(Options{APIKey: testKey}))
	defer srv.Close()
	c := connectortest.Conn(t, Descriptor(srv.URL), "", connectortest.APIKey(testKey), nil)
	_, err := Connector().Tickets.Create(context.Background(), c, &ticketingv1.Ticket{Subject: "Minimal"})
	if vs := apierr.Violations(err); len(vs) == 0 || vs[0].Field != "ticket.requester_id" {
		t.Fatalf("a ticket without requester on an empty help desk: %v", err)
	}
}

func TestComments(t *testing.T) {
	emu, c := start(t)
	ctx := context.Background()
	comments := Connector().Comments
	tk := openTicket(t, emu)
	requester := strconv.FormatInt(*tk.RequesterID, 10)

	note, err := comments.Create(ctx, c, &ticketingv1.Comment{TicketId: tk.ID, Body: "Internal: check the logs.\nThen call back."})
	if err != nil {
		t.Fatal(err)
	}
	if note.GetIsPublic() || note.GetAuthorUserId() != "9001" || note.GetHtmlBody() != "<p>Internal: check the logs.<br>Then call back.</p>" {
		t.Fatalf("an unset is_public must stay an internal note: %v", note)
	}
	reply, err := comments.Create(ctx, c, &ticketingv1.Comment{TicketId: tk.ID, Body: "Still broken <sigh>", IsPublic: true, AuthorContactId: requester})
	if err != nil {
		t.Fatal(err)
	}
	if !reply.GetIsPublic() || reply.GetAuthorContactId() != requester || reply.GetAuthorUserId() != "" || reply.GetHtmlBody() != "<p>Still broken &lt;sigh&gt;</p>" {
		t.Fatalf("customer reply: %v", reply)
	}
	_, err = comments.Create(ctx, c, &ticketingv1.Comment{TicketId: tk.ID, Body: "x", AuthorContactId: requester})
	if vs := apierr.Violations(err); len(vs) == 0 || vs[0].Field != "comment.is_public" {
		t.Fatalf("an internal note by a customer: %v", err)
	}
	_, err = comments.Create(ctx, c, &ticketingv1.Comment{TicketId: tk.ID, Body: "x", IsPublic: true, AuthorUserId: requester})
	if vs := apierr.Violations(err); len(vs) == 0 || vs[0].Field != "comment.author_user_id" {
		t.Fatalf("a customer given as the user author: %v", err)
	}
	if _, err := comments.Get(ctx, c, "1", connector.GetParams{}); status.Code(err) != codes.NotFound {
		t.Fatalf("missing comment: %v", err)
	}
}

// TestVendorPublishesCommentsByDefault shows why the connector always sends
// public: Sandbox Helpdesk itself publishes a comment that does not say.
func TestVendorPublishesCommentsByDefault(t *testing.T) {
	emu, c := start(t)
	var out struct{ Data Comment }
	body := map[string]any{"ticket_id": openTicket(t, emu).ID, "body": "No visibility given."}
	if err := c.HTTP.JSON(context.Background(), http.MethodPost, "/v1/comments", nil, body, &out); err != nil {
		t.Fatal(err)
	}
	if out.Data.Public == nil || !*out.Data.Public || out.Data.AuthorRole != "agent" || out.Data.Via != "api" {
		t.Fatalf("vendor defaults: %+v", out.Data)
	}
}

func TestIncludeRawAndCustomFields(t *testing.T) {
	_, c := start(t)
	ctx := context.Background()
	got, err := Connector().Tickets.Get(ctx, c, "HD-1001", connector.GetParams{IncludeRaw: true})
	if err != nil {
		t.Fatal(err)
	}
	raw := got.GetRaw().AsMap()
	if raw["id"] != "HD-1001" || raw["state"] != got.GetRemoteStatus() || raw["title"] != got.GetSubject() || raw["custom"] == nil {
		t.Fatalf("raw = %v", raw)
	}
	if _, ok := got.GetCustomFields().AsMap()["product_area"]; !ok {
		t.Fatalf("seeded custom field missing: %v", got.GetCustomFields())
	}
	page, err := Connector().Comments.List(ctx, c, connector.ListParams{PageSize: 3, IncludeRaw: true, Filters: map[string]string{"ticket_id": "HD-1001"}})
	if err != nil || len(page.Items) == 0 || page.Items[0].GetRaw().AsMap()["author_role"] == nil {
		t.Fatalf("list with raw: %v, %v", page.Items, err)
	}
	plain, err := Connector().Tickets.Get(ctx, c, "HD-1001", connector.GetParams{})
	if err != nil || plain.GetRaw() != nil {
		t.Fatalf("raw without include_raw: %v %v", plain.GetRaw(), err)
	}
}

func TestProviderValidationBecomesFieldViolations(t *testing.T) {
	emu, c := start(t)
	ctx := context.Background()
	conn := Connector()
	var withParent Ticket
	for _, tk := range emu.Tickets.All() {
		if tk.ParentID != nil {
			withParent = tk
			break
		}
	}
	tk := openTicket(t, emu)
	cases := []struct {
		name  string
		call  func() error
		field string
	}{
		{"unknown organization", func() error {
			_, err := conn.Tickets.Create(ctx, c, &ticketingv1.Ticket{Subject: "x", AccountId: "org_999"})
			return err
		}, "ticket.account_id"},
		{"tag the vendor refuses", func() error {
			_, err := conn.Tickets.Create(ctx, c, &ticketingv1.Ticket{Subject: "x", Tags: []string{"ok", "Needs Review"}})
			return err
		}, "ticket.tags[1]"},
		{"due time on an incident", func() error {
			_, err := conn.Tickets.Create(ctx, c, &ticketingv1.Ticket{Subject: "x", Type: "incident", DueTime: timestamppb.Now()})
			return err
		}, "ticket.due_time"},
		{"archive queue", func() error {
			_, err := conn.Tickets.Create(ctx, c, &ticketingv1.Ticket{Subject: "x", CollectionId: "q_5"})
			return err
		}, "ticket.collection_id"},
		{"suspended assignee", func() error {
			_, err := conn.Tickets.Update(ctx, c, &ticketingv1.Ticket{Id: tk.ID, AssigneeIds: []string{"9010"}}, []string{"assignee_ids"})
			return err
		}, "ticket.assignee_ids[0]"},
		{"parent loop", func() error {
			_, err := conn.Tickets.Update(ctx, c, &ticketingv1.Ticket{Id: *withParent.ParentID, ParentTicketId: withParent.ID}, []string{"parent_ticket_id"})
			return err
		}, "ticket.parent_ticket_id"},
		{"unknown type", func() error {
			_, err := conn.Tickets.Create(ctx, c, &ticketingv1.Ticket{Subject: "x", Type: "bug"})
			return err
		}, "ticket.type"},
		{"no subject", func() error {
			_, err := conn.Tickets.Create(ctx, c, &ticketingv1.Ticket{Description: "x"})
			return err
		}, "ticket.subject"},
		{"comment on an unknown ticket", func() error {
			_, err := conn.Comments.Create(ctx, c, &ticketingv1.Comment{TicketId: "HD-99999", Body: "x"})
			return err
		}, "comment.ticket_id"},
		{"email taken", func() error {
			_, err := conn.Contacts.Create(ctx, c, &ticketingv1.Contact{Name: "Twin", Emails: []*commonv1.Email{{Address: emu.Customers.All()[0].Email}}})
			return err
		}, "contact.emails[0]"},
		{"bad other email", func() error {
			_, err := conn.Contacts.Update(ctx, c, &ticketingv1.Contact{Id: "200001", Emails: []*commonv1.Email{{Address: "a@x.example"}, {Address: "not an address"}}}, []string{"emails"})
			return err
		}, "contact.emails"},
		{"account name taken", func() error {
			_, err := conn.Accounts.Create(ctx, c, &ticketingv1.Account{Name: strings.ToUpper(emu.Organizations.All()[0].Name)})
			return err
		}, "account.name"},
		{"uppercase domain", func() error {
			_, err := conn.Accounts.Update(ctx, c, &ticketingv1.Account{Id: "org_101", Domains: []string{"Acme.EXAMPLE"}}, []string{"domains"})
			return err
		}, "account.domains[0]"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.call()
			vs := apierr.Violations(err)
			if status.Code(err) != codes.InvalidArgument || apierr.Reason(err) != apierr.ReasonProviderRejected || len(vs) == 0 || vs[0].Field != tc.field {
				t.Fatalf("err = %v, violations %+v; want a violation of %s", err, vs, tc.field)
			}
		})
	}
	if err := conn.Tickets.Delete(ctx, c, *withParent.ParentID); status.Code(err) != codes.FailedPrecondition || !strings.Contains(err.Error(), "sub-tickets") {
		t.Fatalf("deleting a ticket with sub-tickets: %v", err)
	}
	if _, err := conn.Tickets.Get(ctx, c, "HD-99999", connector.GetParams{}); status.Code(err) != codes.NotFound {
		t.Fatalf("missing ticket: %v", err)
	}
}

func TestDeleteTicketRemovesItsComments(t *testing.T) {
	emu, c := start(t)
	ctx := context.Background()
	var victim Ticket
	for _, tk := range emu.Tickets.All() {
		if tk.ParentID != nil { // a sub-ticket has no sub-tickets of its own in the seed
			victim = tk
		}
	}
	if err := Connector().Tickets.Delete(ctx, c, victim.ID); err != nil {
		t.Fatal(err)
	}
	if n := countComments(emu, victim.ID); n != 0 {
		t.Fatalf("%d comments of a deleted ticket remain", n)
	}
	for _, a := range emu.Attachments.All() {
		if a.TicketID == victim.ID {
			t.Fatalf("attachment %s of a deleted ticket remains", a.ID)
		}
	}
}

func TestProviderFaults(t *testing.T) {
	emu, c := start(t)
	ctx := context.Background()
	conn := Connector()
	connectortest.Faults{
		Faults: emu.Faults, Limiter: emu.Limiter,
		Read: func() error {
			_, err := conn.Tickets.List(ctx, c, connector.ListParams{PageSize: 5})
			return err
		},
		ReadPath: "/v1/tickets",
		Write: func() error {
			_, err := conn.Tickets.Create(ctx, c, &ticketingv1.Ticket{Subject: "Once"})
			return err
		},
		WritePath: "/v1/tickets",
	}.Run(t)
	if n := emu.Tickets.Len(); n != 120 {
		t.Fatalf("%d tickets after a failed create", n)
	}
}

func TestBadCredentials(t *testing.T) {
	emu := NewEmulator(Options{APIKey: testKey, Seed: true})
	srv := httptest.NewServer(emu)
	defer srv.Close()
	c := connectortest.Conn(t, Descriptor(srv.URL), "", connectortest.APIKey("wrong-key-123"), nil)
	connectortest.BadCredentials(t, func() error {
		_, err := Connector().Tickets.List(context.Background(), c, connector.ListParams{PageSize: 1})
		return err
	}, "wrong-key-123", "invalid API key")
}

func TestSeedIsDeterministic(t *testing.T) {
	snapshot := func() string {
		e := NewEmulator(Options{APIKey: testKey, Seed: true})
		b, _ := json.Marshal([]any{e.Tickets.All(), e.Comments.All(), e.Customers.All(), e.Organizations.All(), e.Agents.All(),
			e.Groups.All(), e.Queues.All(), e.Tags.All(), e.Attachments.All()})
		return string(b)
	}
	if a, b := snapshot(), snapshot(); a != b {
		t.Fatal("two seeds differ")
	}
	e := NewEmulator(Options{APIKey: testKey, Seed: true})
	if e.Tickets.Len() != 120 || e.Customers.Len() != 60 || e.Organizations.Len() != 20 || e.Agents.Len() != 10 || e.Groups.Len() != 4 ||
		e.Comments.Len() < 250 || e.Attachments.Len() < 30 || e.Tags.Len() < 10 {
		t.Fatalf("seed sizes: %d tickets, %d comments, %d attachments, %d tags", e.Tickets.Len(), e.Comments.Len(), e.Attachments.Len(), e.Tags.Len())
	}
	// Ids grow with time, as at a real vendor.
	tickets := e.Tickets.All()
	for i := 1; i < len(tickets); i++ {
		if tickets[i].CreatedAt.Before(tickets[i-1].CreatedAt) {
			t.Fatalf("%s was created before %s", tickets[i].ID, tickets[i-1].ID)
		}
	}
}

func TestHTMLBodies(t *testing.T) {
	cases := []struct{ text, html string }{
		{"Hello", "<p>Hello</p>"},
		{"Line one\nline two\n\nA < B & C", "<p>Line one<br>line two</p><p>A &lt; B &amp; C</p>"},
	}
	for _, tc := range cases {
		if got := textToHTML(tc.text); got != tc.html {
			t.Errorf("textToHTML(%q) = %q, want %q", tc.text, got, tc.html)
		}
		if got := htmlToText(tc.html); got != tc.text {
			t.Errorf("htmlToText(%q) = %q, want %q", tc.html, got, tc.text)
		}
	}
	if got := htmlToText(`<div><b>Bold</b> move</div><ul><li>one</li><li>two</li></ul>`); got != "Bold move\n\none\n\ntwo" {
		t.Errorf("htmlToText of markup: %q", got)
	}
}
