// Package sandbox is Sandbox Helpdesk: an imaginary help desk of Unimesh's
// sandbox line (the sandboxapi dialect), with its emulator — a stateful fake
// seeded with demo data, served by `unimesh dev` and used by the tests — and
// its connector to the unified ticketing API.
//
// Sandbox Helpdesk's API (base URL <root>/v1). Every request acts as the
// agent who owns the API key (in the sandbox, the first active admin):
//
//	/tickets        title (required), body, state new|open|pending|on_hold|solved|closed|spam (default new;
//	                a closed ticket cannot change), priority low|normal|high|urgent|critical (default normal),
//	                kind incident|problem|question|task, requester_id (a customer or an agent; defaults to the
//	                API key's agent), assignee_id (one agent), group_id, organization_id (defaults to the
//	                requester's), queue_id (not an archive queue), tags (lowercase words, created on first
//	                use), due_at (tasks only), parent_id, custom; read only: solved_at (set when the ticket
//	                becomes solved or closed), url (its page in the agent web app). Ids "HD-1001".
//	                DELETE removes the ticket's comments and attachments too, and is refused (409) while
//	                the ticket has sub-tickets.
//	/comments       ?ticket_id= — ticket_id (required), body (plain text) and/or html_body (the missing one
//	                is derived), public (default true; false is an internal note), author_id (a customer or an
//	                agent; defaults to the API key's agent) with author_role agent|customer (derived; when sent,
//	                it must match); read only: attachment_ids, via. Comments cannot be edited or deleted.
//	/customers      end users: name (required), email (unique), other_emails, phone, mobile,
//	                organization_id, locale (default en-US), custom. DELETE is refused (409) while
//	                the customer requests tickets.
//	/organizations  name (unique), domain_names (lowercase), notes, custom. Ids "org_101". DELETE is
//	                refused (409) while the organization has customers or tickets.
//	/agents         read only: name, email, role admin|agent|light_agent, suspended, group_ids
//	/groups         read only: name, description
//	/queues         read only: name, kind queue|project|board|archive, description, parent_id. Ids "q_1".
//	/tags           read only: name, ticket_count
//	/attachments    read only, ?ticket_id=&comment_id= — file_name, content_type, size, ticket_id,
//	                comment_id, content_url: the download, relative to the base URL
//	                (GET /v1/attachments/{id}/content, with the API key). Ids "att_5001".
//
// Customers and agents share one number space (customers from 200001, agents
// from 9001), so that requester_id and author_id name either. Which unified
// fields map to which of these is the connector's business, in connector.go.
package sandbox

import (
	"time"
)

// Ticket is a support request.
type Ticket struct {
	ID             string         `json:"id"`
	Title          string         `json:"title"`
	Body           string         `json:"body"`
	State          string         `json:"state"`
	Priority       string         `json:"priority"`
	Kind           string         `json:"kind"`
	RequesterID    *int64         `json:"requester_id"`
	AssigneeID     *int64         `json:"assignee_id"`
	GroupID        *int64         `json:"group_id"`
	OrganizationID *string        `json:"organization_id"`
	QueueID        *string        `json:"queue_id"`
	Tags           []string       `json:"tags"`
	DueAt          *time.Time     `json:"due_at"`
	SolvedAt       *time.Time     `json:"solved_at"`
	ParentID       *string        `json:"parent_id"`
	Custom         map[string]any `json:"custom"`
	URL            string         `json:"url"`
	CreatedAt      time.Time      `json:"created_at"`
	UpdatedAt      time.Time      `json:"updated_at"`
}

// Comment is a reply or an internal note on a ticket.
type Comment struct {
	ID            int64     `json:"id"`
	TicketID      string    `json:"ticket_id"`
	Body          string    `json:"body"`
	HTMLBody      string    `json:"html_body"`
	Public        *bool     `json:"public"`
	AuthorID      *int64    `json:"author_id"`
	AuthorRole    string    `json:"author_role"`
	AttachmentIDs []string  `json:"attachment_ids"`
	Via           string    `json:"via"`
	CreatedAt     time.Time `json:"created_at"`
	UpdatedAt     time.Time `json:"updated_at"`
}

// Customer is an end user who raises tickets.
type Customer struct {
	ID             int64          `json:"id"`
	Name           string         `json:"name"`
	Email          string         `json:"email"`
	OtherEmails    []string       `json:"other_emails"`
	Phone          string         `json:"phone"`
	Mobile         string         `json:"mobile"`
	OrganizationID *string        `json:"organization_id"`
	Locale         string         `json:"locale"`
	Custom         map[string]any `json:"custom"`
	CreatedAt      time.Time      `json:"created_at"`
	UpdatedAt      time.Time      `json:"updated_at"`
}

// Organization is a customer company.
type Organization struct {
	ID          string         `json:"id"`
	Name        string         `json:"name"`
	DomainNames []string       `json:"domain_names"`
	Notes       string         `json:"notes"`
	Custom      map[string]any `json:"custom"`
	CreatedAt   time.Time      `json:"created_at"`
	UpdatedAt   time.Time      `json:"updated_at"`
}

// Agent is a member of the support staff.
type Agent struct {
	ID        int64     `json:"id"`
	Name      string    `json:"name"`
	Email     string    `json:"email"`
	Role      string    `json:"role"`
	Suspended bool      `json:"suspended"`
	GroupIDs  []int64   `json:"group_ids"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Group is a team of agents.
type Group struct {
	ID          int64     `json:"id"`
	Name        string    `json:"name"`
	Description string    `json:"description"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// Queue groups tickets: a support queue, a project, a board or an archive.
type Queue struct {
	ID          string    `json:"id"`
	Name        string    `json:"name"`
	Kind        string    `json:"kind"`
	Description string    `json:"description"`
	ParentID    *string   `json:"parent_id"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// Tag is a tag in use on tickets.
type Tag struct {
	ID          int64     `json:"id"`
	Name        string    `json:"name"`
	TicketCount int       `json:"ticket_count"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// Attachment is a file uploaded with a comment.
type Attachment struct {
	ID          string    `json:"id"`
	FileName    string    `json:"file_name"`
	ContentType string    `json:"content_type"`
	Size        int64     `json:"size"`
	TicketID    string    `json:"ticket_id"`
	CommentID   *int64    `json:"comment_id"`
	ContentURL  string    `json:"content_url"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}
