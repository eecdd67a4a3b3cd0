package sandbox

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strconv"

	"github.com/unimesh/unimesh/pkg/connector"
	"github.com/unimesh/unimesh/pkg/normalize"
	"github.com/unimesh/unimesh/pkg/sandboxapi"
	commonv1 "github.com/unimesh/unimesh/proto/unimesh/common/v1"
	platformv1 "github.com/unimesh/unimesh/proto/unimesh/platform/v1"
	ticketingv1 "github.com/unimesh/unimesh/proto/unimesh/ticketing/v1"
	"github.com/unimesh/unimesh/services/ticketing/connectors"
)

// Slug is the integration's slug.
const Slug = "sandbox-ticketing"

// Descriptor describes Sandbox Helpdesk served at baseURL (the emulator's root).
func Descriptor(baseURL string) *connector.Descriptor {
	return sandboxapi.Descriptor(Slug, "Sandbox Helpdesk", platformv1.Category_CATEGORY_TICKETING, baseURL)
}

// Connector returns the ticketing connector of Sandbox Helpdesk.
func Connector() connectors.Ticketing {
	return connectors.Ticketing{
		Tickets: sandboxapi.Object(sandboxapi.Mapping[Ticket, *ticketingv1.Ticket]{
			Path: "/v1/tickets", Object: "ticket", Integration: Slug, Read: ticketToTicket, Write: ticketFields, Wire: ticketWireFields,
		}),
		Comments: commentObject(),
		// The unified API deletes neither contacts nor accounts.
		Contacts: withoutDelete(sandboxapi.Object(sandboxapi.Mapping[Customer, *ticketingv1.Contact]{
			Path: "/v1/customers", Object: "contact", Integration: Slug, Read: customerToContact, Write: contactFields, Wire: contactWireFields,
		})),
		Accounts: withoutDelete(sandboxapi.Object(sandboxapi.Mapping[Organization, *ticketingv1.Account]{
			Path: "/v1/organizations", Object: "account", Integration: Slug, Read: organizationToAccount, Write: accountFields, Wire: accountWireFields,
		})),
		Users: sandboxapi.Object(sandboxapi.Mapping[Agent, *ticketingv1.User]{Path: "/v1/agents", Object: "user", Integration: Slug, Read: agentToUser}),
		Teams: sandboxapi.Object(sandboxapi.Mapping[Group, *ticketingv1.Team]{Path: "/v1/groups", Object: "team", Integration: Slug, Read: groupToTeam}),
		Collections: sandboxapi.Object(sandboxapi.Mapping[Queue, *ticketingv1.Collection]{
			Path: "/v1/queues", Object: "collection", Integration: Slug, Read: queueToCollection,
		}),
		Tags:        tagObject(),
		Attachments: attachmentObject(),
	}
}

func withoutDelete[T connector.Record](o connector.Object[T]) connector.Object[T] {
	o.Delete = nil
	return o
}

// --- enums ------------------------------------------------------------------

// ticketStatuses: Sandbox Helpdesk's "open" means an agent is on it:
// IN_PROGRESS. A ticket waiting for work is "new", the unified OPEN.
// pending and on_hold both read as ON_HOLD (pending is written for it);
// spam reads as OTHER.
var ticketStatuses = connector.Enum[ticketingv1.TicketStatus]{
	Provider: "Sandbox Helpdesk",
	// Sandbox Helpdesk cannot clear it: an update that unsets it is refused.
	Required: true,
	Read: map[string]ticketingv1.TicketStatus{
		"new": ticketingv1.TicketStatus_TICKET_STATUS_OPEN, "open": ticketingv1.TicketStatus_TICKET_STATUS_IN_PROGRESS,
		"pending": ticketingv1.TicketStatus_TICKET_STATUS_ON_HOLD, "on_hold": ticketingv1.TicketStatus_TICKET_STATUS_ON_HOLD,
		"solved": ticketingv1.TicketStatus_TICKET_STATUS_RESOLVED, "closed": ticketingv1.TicketStatus_TICKET_STATUS_CLOSED,
		"spam": ticketingv1.TicketStatus_TICKET_STATUS_OTHER,
	},
	Write: map[ticketingv1.TicketStatus]string{
		ticketingv1.TicketStatus_TICKET_STATUS_OPEN: "new", ticketingv1.TicketStatus_TICKET_STATUS_IN_PROGRESS: "open",
		ticketingv1.TicketStatus_TICKET_STATUS_ON_HOLD: "pending", ticketingv1.TicketStatus_TICKET_STATUS_RESOLVED: "solved",
		ticketingv1.TicketStatus_TICKET_STATUS_CLOSED: "closed",
	},
	Other: ticketingv1.TicketStatus_TICKET_STATUS_OTHER,
}

// ticketPriorityMap: critical, Sandbox Helpdesk's priority above urgent,
// reads as URGENT: a client sorting by urgency must see it among the most
// urgent. Its remote_priority keeps it apart, and writing the record back
// keeps it.
var ticketPriorityMap = connector.Enum[ticketingv1.TicketPriority]{
	Provider: "Sandbox Helpdesk",
	// Sandbox Helpdesk cannot clear it: an update that unsets it is refused.
	Required: true,
	Read: map[string]ticketingv1.TicketPriority{
		"low": ticketingv1.TicketPriority_TICKET_PRIORITY_LOW, "normal": ticketingv1.TicketPriority_TICKET_PRIORITY_NORMAL,
		"high": ticketingv1.TicketPriority_TICKET_PRIORITY_HIGH, "urgent": ticketingv1.TicketPriority_TICKET_PRIORITY_URGENT,
		"critical": ticketingv1.TicketPriority_TICKET_PRIORITY_URGENT,
	},
	Write: map[ticketingv1.TicketPriority]string{
		ticketingv1.TicketPriority_TICKET_PRIORITY_LOW: "low", ticketingv1.TicketPriority_TICKET_PRIORITY_NORMAL: "normal",
		ticketingv1.TicketPriority_TICKET_PRIORITY_HIGH: "high", ticketingv1.TicketPriority_TICKET_PRIORITY_URGENT: "urgent",
	},
	Other: ticketingv1.TicketPriority_TICKET_PRIORITY_OTHER,
}

// queueKindMap is read only; archive reads as OTHER.
var queueKindMap = connector.Enum[ticketingv1.CollectionType]{
	Provider: "Sandbox Helpdesk",
	Read: map[string]ticketingv1.CollectionType{
		"queue": ticketingv1.CollectionType_COLLECTION_TYPE_QUEUE, "project": ticketingv1.CollectionType_COLLECTION_TYPE_PROJECT,
		"board": ticketingv1.CollectionType_COLLECTION_TYPE_LIST, "archive": ticketingv1.CollectionType_COLLECTION_TYPE_OTHER,
	},
	Other: ticketingv1.CollectionType_COLLECTION_TYPE_OTHER,
}

var ticketStatusWriter, ticketRemoteStatusWriter = connector.EnumWriters(ticketStatuses, "state", "status",
	func(t *ticketingv1.Ticket) (ticketingv1.TicketStatus, string) {
		return t.GetStatus(), t.GetRemoteStatus()
	})

var ticketPriorityWriter, ticketRemotePriorityWriter = connector.EnumWriters(ticketPriorityMap, "priority", "priority",
	func(t *ticketingv1.Ticket) (ticketingv1.TicketPriority, string) {
		return t.GetPriority(), t.GetRemotePriority()
	})

// --- tickets ----------------------------------------------------------------

func ticketToTicket(t Ticket) *ticketingv1.Ticket {
	return &ticketingv1.Ticket{
		Id:             t.ID,
		Subject:        t.Title,
		Description:    t.Body,
		Status:         ticketStatuses.ToProto(t.State),
		RemoteStatus:   t.State,
		Priority:       ticketPriorityMap.ToProto(t.Priority),
		RemotePriority: t.Priority,
		Type:           t.Kind,
		RequesterId:    connector.FormatID(t.RequesterID),
		AssigneeIds:    optionalIDs(t.AssigneeID),
		TeamId:         connector.FormatID(t.GroupID),
		AccountId:      deref(t.OrganizationID),
		CollectionId:   deref(t.QueueID),
		Tags:           t.Tags,
		DueTime:        normalize.TimestampPtr(t.DueAt),
		CompletedTime:  normalize.TimestampPtr(t.SolvedAt),
		ParentTicketId: deref(t.ParentID),
		WebUrl:         t.URL,
		CustomFields:   normalize.Struct(t.Custom),
		CreateTime:     normalize.Timestamp(t.CreatedAt),
		UpdateTime:     normalize.Timestamp(t.UpdatedAt),
	}
}

// ticketWireFields maps Sandbox Helpdesk's field names in its errors to ours.
var ticketWireFields = map[string]string{
	"title": "subject", "body": "description", "state": "status", "priority": "priority", "kind": "type",
	"requester_id": "requester_id", "assignee_id": "assignee_ids[0]", "group_id": "team_id", "organization_id": "account_id",
	"queue_id": "collection_id", "tags": "tags", "due_at": "due_time", "parent_id": "parent_ticket_id", "custom": "custom_fields",
}

var ticketFields = connector.Fields[*ticketingv1.Ticket]{
	"subject":         func(t *ticketingv1.Ticket, b map[string]any) error { b["title"] = t.GetSubject(); return nil },
	"description":     func(t *ticketingv1.Ticket, b map[string]any) error { b["body"] = t.GetDescription(); return nil },
	"status":          ticketStatusWriter,
	"remote_status":   ticketRemoteStatusWriter,
	"priority":        ticketPriorityWriter,
	"remote_priority": ticketRemotePriorityWriter,
	"type":            func(t *ticketingv1.Ticket, b map[string]any) error { b["kind"] = t.GetType(); return nil },
	"requester_id": func(t *ticketingv1.Ticket, b map[string]any) error {
		return sandboxapi.SetID(b, "requester_id", "requester_id", t.GetRequesterId())
	},
	"assignee_ids": func(t *ticketingv1.Ticket, b map[string]any) error {
		switch ids := t.GetAssigneeIds(); len(ids) {
		case 0:
			b["assignee_id"] = nil
		case 1:
			return sandboxapi.SetID(b, "assignee_id", "assignee_ids[0]", ids[0])
		default:
			return connector.BadField("assignee_ids", "Sandbox Helpdesk assigns a ticket to one agent; set team_id for a group")
		}
		return nil
	},
	"team_id": func(t *ticketingv1.Ticket, b map[string]any) error {
		return sandboxapi.SetID(b, "group_id", "team_id", t.GetTeamId())
	},
	"account_id": func(t *ticketingv1.Ticket, b map[string]any) error {
		setStringID(b, "organization_id", t.GetAccountId())
		return nil
	},
	"collection_id": func(t *ticketingv1.Ticket, b map[string]any) error {
		setStringID(b, "queue_id", t.GetCollectionId())
		return nil
	},
	"tags": func(t *ticketingv1.Ticket, b map[string]any) error {
		b["tags"] = sandboxapi.NonNil(t.GetTags())
		return nil
	},
	"due_time": func(t *ticketingv1.Ticket, b map[string]any) error {
		b["due_at"] = normalize.TimePtr(t.GetDueTime())
		return nil
	},
	"parent_ticket_id": func(t *ticketingv1.Ticket, b map[string]any) error {
		setStringID(b, "parent_id", t.GetParentTicketId())
		return nil
	},
	"custom_fields": func(t *ticketingv1.Ticket, b map[string]any) error {
		b["custom"] = sandboxapi.Custom(t.GetCustomFields())
		return nil
	},
}

// --- comments ---------------------------------------------------------------

func commentToComment(c Comment) *ticketingv1.Comment {
	out := &ticketingv1.Comment{
		Id:            strconv.FormatInt(c.ID, 10),
		TicketId:      c.TicketID,
		Body:          c.Body,
		HtmlBody:      c.HTMLBody,
		IsPublic:      c.Public == nil || *c.Public, // public unless marked otherwise
		AttachmentIds: c.AttachmentIDs,
		CreateTime:    normalize.Timestamp(c.CreatedAt),
		UpdateTime:    normalize.Timestamp(c.UpdatedAt),
	}
	switch c.AuthorRole {
	case "agent":
		out.AuthorUserId = connector.FormatID(c.AuthorID)
	case "customer":
		out.AuthorContactId = connector.FormatID(c.AuthorID)
	}
	return out
}

var commentFields = connector.Fields[*ticketingv1.Comment]{
	"ticket_id": func(c *ticketingv1.Comment, b map[string]any) error { b["ticket_id"] = c.GetTicketId(); return nil },
	"body":      func(c *ticketingv1.Comment, b map[string]any) error { b["body"] = c.GetBody(); return nil },
	"html_body": func(c *ticketingv1.Comment, b map[string]any) error { b["html_body"] = c.GetHtmlBody(); return nil },
	"is_public": func(c *ticketingv1.Comment, b map[string]any) error { b["public"] = c.GetIsPublic(); return nil },
	"author_user_id": func(c *ticketingv1.Comment, b map[string]any) error {
		return setAuthor(b, "author_user_id", "agent", c.GetAuthorUserId())
	},
	"author_contact_id": func(c *ticketingv1.Comment, b map[string]any) error {
		return setAuthor(b, "author_contact_id", "customer", c.GetAuthorContactId())
	},
}

// setAuthor writes the author: Sandbox Helpdesk has one author_id for
// agents and customers, and checks the role sent with it.
func setAuthor(b map[string]any, field, role, id string) error {
	if id == "" {
		return nil
	}
	if _, taken := b["author_id"]; taken {
		return connector.BadField(field, "a comment has one author: set author_user_id or author_contact_id")
	}
	n, err := connector.IntID(field, id)
	if err != nil {
		return err
	}
	b["author_id"], b["author_role"] = *n, role
	return nil
}

func commentObject() connector.Object[*ticketingv1.Comment] {
	return connector.Object[*ticketingv1.Comment]{
		List: func(ctx context.Context, c *connector.Conn, p connector.ListParams) (connector.Page[*ticketingv1.Comment], error) {
			return sandboxapi.ListPage(ctx, c, "/v1/comments", p, filters(p, "ticket_id"), commentToComment)
		},
		Get: func(ctx context.Context, c *connector.Conn, id string, p connector.GetParams) (*ticketingv1.Comment, error) {
			return sandboxapi.GetOne(ctx, c, "/v1/comments", id, p, commentToComment)
		},
		Create: createComment,
		// Sandbox Helpdesk's comments cannot be edited or deleted.
	}
}

func createComment(ctx context.Context, c *connector.Conn, rec *ticketingv1.Comment) (*ticketingv1.Comment, error) {
	body, err := commentFields.Body(rec, nil, "comment", Slug)
	if err != nil {
		return nil, err
	}
	// Sandbox Helpdesk publishes a comment unless told otherwise, while an
	// unset is_public means an internal note: always say which, lest a
	// note reach the customer.
	body["public"] = rec.GetIsPublic()
	it, err := sandboxapi.Create[Comment](ctx, c, "/v1/comments", body)
	if err != nil {
		return nil, sandboxapi.FieldErrors(err, "comment", commentWireFields(rec))
	}
	return commentToComment(it.Rec), nil
}

// commentWireFields maps the vendor's field names in its errors to ours;
// its author_id is whichever author field the comment set.
func commentWireFields(rec *ticketingv1.Comment) map[string]string {
	author := "author_user_id"
	if rec.GetAuthorContactId() != "" {
		author = "author_contact_id"
	}
	return map[string]string{
		"ticket_id": "ticket_id", "body": "body", "html_body": "html_body", "public": "is_public",
		"author_id": author, "author_role": author,
	}
}

// --- contacts ---------------------------------------------------------------

// customerToContact converts a customer. Sandbox Helpdesk keeps no labels on
// email addresses, and one phone and one mobile: they read as WORK and MOBILE.
func customerToContact(c Customer) *ticketingv1.Contact {
	var emails []*commonv1.Email
	for _, a := range append([]string{c.Email}, c.OtherEmails...) {
		if a != "" {
			emails = append(emails, &commonv1.Email{Address: a})
		}
	}
	var phones []*commonv1.Phone
	if c.Phone != "" {
		phones = append(phones, normalize.Phone(c.Phone, commonv1.PhoneType_PHONE_TYPE_WORK))
	}
	if c.Mobile != "" {
		phones = append(phones, normalize.Phone(c.Mobile, commonv1.PhoneType_PHONE_TYPE_MOBILE))
	}
	return &ticketingv1.Contact{
		Id:           strconv.FormatInt(c.ID, 10),
		Name:         c.Name,
		Emails:       emails,
		Phones:       phones,
		AccountId:    deref(c.OrganizationID),
		CustomFields: normalize.Struct(c.Custom),
		CreateTime:   normalize.Timestamp(c.CreatedAt),
		UpdateTime:   normalize.Timestamp(c.UpdatedAt),
	}
}

var contactWireFields = map[string]string{
	"name": "name", "email": "emails[0]", "other_emails": "emails", "phone": "phones", "mobile": "phones",
	"organization_id": "account_id", "custom": "custom_fields",
}

var contactFields = connector.Fields[*ticketingv1.Contact]{
	"name": func(c *ticketingv1.Contact, b map[string]any) error { b["name"] = c.GetName(); return nil },
	"emails": func(c *ticketingv1.Contact, b map[string]any) error {
		// The first address is the customer's email; the others are kept
		// as other_emails. Labels are not kept.
		b["email"], b["other_emails"] = "", []string{}
		for i, e := range c.GetEmails() {
			if i == 0 {
				b["email"] = e.GetAddress()
			} else {
				b["other_emails"] = append(b["other_emails"].([]string), e.GetAddress())
			}
		}
		return nil
	},
	"phones": func(c *ticketingv1.Contact, b map[string]any) error {
		phone, mobile, err := phoneAndMobile(c.GetPhones())
		b["phone"], b["mobile"] = phone, mobile
		return err
	},
	"account_id": func(c *ticketingv1.Contact, b map[string]any) error {
		setStringID(b, "organization_id", c.GetAccountId())
		return nil
	},
	"custom_fields": func(c *ticketingv1.Contact, b map[string]any) error {
		b["custom"] = sandboxapi.Custom(c.GetCustomFields())
		return nil
	},
}

// phoneAndMobile splits unified phones into Sandbox Helpdesk's two: the
// mobile, and one other number of whatever type (which reads back as WORK).
// A third number has nowhere to go and is refused.
func phoneAndMobile(phones []*commonv1.Phone) (phone, mobile string, err error) {
	for i, p := range phones {
		n := normalize.PhoneForWrite(p)
		switch {
		case p.GetType() == commonv1.PhoneType_PHONE_TYPE_MOBILE && mobile == "":
			mobile = n
		case p.GetType() == commonv1.PhoneType_PHONE_TYPE_MOBILE:
			return "", "", connector.BadField(fmt.Sprintf("phones[%d]", i), "Sandbox Helpdesk keeps one mobile number per customer")
		case phone == "":
			phone = n
		default:
			return "", "", connector.BadField(fmt.Sprintf("phones[%d]", i), "Sandbox Helpdesk keeps one phone number besides the mobile per customer")
		}
	}
	return phone, mobile, nil
}

// --- accounts ---------------------------------------------------------------

func organizationToAccount(o Organization) *ticketingv1.Account {
	return &ticketingv1.Account{
		Id:           o.ID,
		Name:         o.Name,
		Domains:      o.DomainNames,
		CustomFields: normalize.Struct(o.Custom),
		CreateTime:   normalize.Timestamp(o.CreatedAt),
		UpdateTime:   normalize.Timestamp(o.UpdatedAt),
	}
}

var accountWireFields = map[string]string{"name": "name", "domain_names": "domains", "custom": "custom_fields"}

var accountFields = connector.Fields[*ticketingv1.Account]{
	"name": func(a *ticketingv1.Account, b map[string]any) error { b["name"] = a.GetName(); return nil },
	"domains": func(a *ticketingv1.Account, b map[string]any) error {
		b["domain_names"] = sandboxapi.NonNil(a.GetDomains())
		return nil
	},
	"custom_fields": func(a *ticketingv1.Account, b map[string]any) error {
		b["custom"] = sandboxapi.Custom(a.GetCustomFields())
		return nil
	},
}

// --- users, teams, collections, tags -------------------------------------------

func agentToUser(a Agent) *ticketingv1.User {
	return &ticketingv1.User{
		Id: strconv.FormatInt(a.ID, 10), Name: a.Name, Email: a.Email, Active: !a.Suspended, TeamIds: connector.FormatIDs(a.GroupIDs),
		CreateTime: normalize.Timestamp(a.CreatedAt), UpdateTime: normalize.Timestamp(a.UpdatedAt),
	}
}

func groupToTeam(g Group) *ticketingv1.Team {
	return &ticketingv1.Team{
		Id: strconv.FormatInt(g.ID, 10), Name: g.Name, Description: g.Description,
		CreateTime: normalize.Timestamp(g.CreatedAt), UpdateTime: normalize.Timestamp(g.UpdatedAt),
	}
}

func queueToCollection(q Queue) *ticketingv1.Collection {
	return &ticketingv1.Collection{
		Id: q.ID, Name: q.Name, Type: queueKindMap.ToProto(q.Kind), RemoteType: q.Kind, Description: q.Description,
		ParentId: deref(q.ParentID), CreateTime: normalize.Timestamp(q.CreatedAt), UpdateTime: normalize.Timestamp(q.UpdatedAt),
	}
}

func tagToTag(t Tag) *ticketingv1.Tag {
	return &ticketingv1.Tag{
		Id: strconv.FormatInt(t.ID, 10), Name: t.Name,
		CreateTime: normalize.Timestamp(t.CreatedAt), UpdateTime: normalize.Timestamp(t.UpdatedAt),
	}
}

func tagObject() connector.Object[*ticketingv1.Tag] {
	o := sandboxapi.Object(sandboxapi.Mapping[Tag, *ticketingv1.Tag]{Path: "/v1/tags", Object: "tag", Integration: Slug, Read: tagToTag})
	o.Get = nil // the unified API only lists tags
	return o
}

// --- attachments --------------------------------------------------------------

func attachmentToAttachment(a Attachment) *ticketingv1.Attachment {
	return &ticketingv1.Attachment{
		Id:          a.ID,
		FileName:    a.FileName,
		ContentType: a.ContentType,
		SizeBytes:   a.Size,
		TicketId:    a.TicketID,
		CommentId:   connector.FormatID(a.CommentID),
		CreateTime:  normalize.Timestamp(a.CreatedAt),
		UpdateTime:  normalize.Timestamp(a.UpdatedAt),
	}
}

// attachmentReader converts attachments of the connection c: Sandbox
// Helpdesk's content_url is relative to the connection's base URL.
func attachmentReader(c *connector.Conn) func(Attachment) *ticketingv1.Attachment {
	return func(a Attachment) *ticketingv1.Attachment {
		out := attachmentToAttachment(a)
		out.DownloadUrl = resolveURL(c, a.ContentURL)
		return out
	}
}

// resolveURL makes a vendor link absolute. A link the connection's client
// would not follow (another host, outside the base path) is not passed on.
func resolveURL(c *connector.Conn, ref string) string {
	if u, err := url.Parse(ref); err != nil || ref == "" {
		return ""
	} else if u.IsAbs() {
		if u.Host != c.HTTP.BaseURL().Host {
			return ""
		}
		return ref
	}
	u, err := c.HTTP.ResolveURL(ref, nil)
	if err != nil {
		return ""
	}
	return u.String()
}

func attachmentObject() connector.Object[*ticketingv1.Attachment] {
	return connector.Object[*ticketingv1.Attachment]{
		List: func(ctx context.Context, c *connector.Conn, p connector.ListParams) (connector.Page[*ticketingv1.Attachment], error) {
			return sandboxapi.ListPage(ctx, c, "/v1/attachments", p, filters(p, "ticket_id"), attachmentReader(c))
		},
		Get: func(ctx context.Context, c *connector.Conn, id string, p connector.GetParams) (*ticketingv1.Attachment, error) {
			return sandboxapi.GetOne(ctx, c, "/v1/attachments", id, p, attachmentReader(c))
		},
	}
}

// --- helpers ----------------------------------------------------------------

// filters picks the list filters the vendor takes under the same names.
func filters(p connector.ListParams, names ...string) map[string]string {
	out := map[string]string{}
	for k, v := range p.Filters {
		if slices.Contains(names, k) && v != "" {
			out[k] = v
		}
	}
	return out
}

// setStringID writes an optional reference to a record with a string id
// ("org_101", "q_1", "HD-1001"): the id, or null to clear it. Sandbox
// Helpdesk checks that it exists.
func setStringID(b map[string]any, key, id string) {
	if id == "" {
		b[key] = nil
		return
	}
	b[key] = id
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// optionalIDs is the list of at most one numeric id.
func optionalIDs(id *int64) []string {
	if id == nil {
		return nil
	}
	return []string{strconv.FormatInt(*id, 10)}
}
