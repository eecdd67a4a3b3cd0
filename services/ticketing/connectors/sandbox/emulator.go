package sandbox

import (
	"bytes"
	"fmt"
	"html"
	"net/http"
	"net/mail"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/unimesh/unimesh/pkg/emulator"
	"github.com/unimesh/unimesh/pkg/sandboxapi"
)

// Options configure the emulator.
type Options = sandboxapi.EmulatorOptions

// Emulator is Sandbox Helpdesk's API: an http.Handler serving /v1/...
type Emulator struct {
	*sandboxapi.Server
	Tickets       *emulator.Collection[Ticket]
	Comments      *emulator.Collection[Comment]
	Customers     *emulator.Collection[Customer]
	Organizations *emulator.Collection[Organization]
	Agents        *emulator.Collection[Agent]
	Groups        *emulator.Collection[Group]
	Queues        *emulator.Collection[Queue]
	Tags          *emulator.Collection[Tag]
	Attachments   *emulator.Collection[Attachment]

	// tagMu serializes the creation of tags on first use, so that two
	// tickets introducing one tag at once create it once.
	tagMu sync.Mutex
}

// ticketWebURL is where the agent web app shows a ticket.
const ticketWebURL = "https://sandbox-helpdesk.example/agent/tickets/"

// The vendor's enumerations.
var (
	ticketStates     = []string{"new", "open", "pending", "on_hold", "solved", "closed", "spam"}
	ticketPriorities = []string{"low", "normal", "high", "urgent", "critical"}
	ticketKinds      = []string{"incident", "problem", "question", "task"}
	queueKinds       = []string{"queue", "project", "board", "archive"}
)

func intID(m emulator.Meta) int64 {
	n, _ := strconv.ParseInt(m.ID, 10, 64)
	return n
}

// NewEmulator builds the emulator.
func NewEmulator(opts Options) *Emulator {
	s := opts.NewServer()
	e := &Emulator{Server: s}
	e.newCollections()
	e.register()
	if opts.Seed {
		e.seed()
	}
	return e
}

func (e *Emulator) newCollections() {
	st := e.Store
	e.Groups = emulator.NewCollection(st, "groups", emulator.SequentialIDs("", 10), func(r *Group, m emulator.Meta) {
		r.ID, r.CreatedAt, r.UpdatedAt = intID(m), m.Created, m.Updated
	})
	e.Agents = emulator.NewCollection(st, "agents", emulator.SequentialIDs("", 9000), func(r *Agent, m emulator.Meta) {
		r.ID, r.CreatedAt, r.UpdatedAt = intID(m), m.Created, m.Updated
	})
	e.Queues = emulator.NewCollection(st, "queues", emulator.SequentialIDs("q_", 0), func(r *Queue, m emulator.Meta) {
		r.ID, r.CreatedAt, r.UpdatedAt = m.ID, m.Created, m.Updated
	})
	e.Organizations = emulator.NewCollection(st, "organizations", emulator.SequentialIDs("org_", 100), func(r *Organization, m emulator.Meta) {
		r.ID, r.CreatedAt, r.UpdatedAt = m.ID, m.Created, m.Updated
	})
	e.Customers = emulator.NewCollection(st, "customers", emulator.SequentialIDs("", 200000), func(r *Customer, m emulator.Meta) {
		r.ID, r.CreatedAt, r.UpdatedAt = intID(m), m.Created, m.Updated
	})
	e.Tickets = emulator.NewCollection(st, "tickets", emulator.SequentialIDs("HD-", 1000), func(r *Ticket, m emulator.Meta) {
		r.ID, r.URL, r.CreatedAt, r.UpdatedAt = m.ID, ticketWebURL+m.ID, m.Created, m.Updated
	})
	e.Comments = emulator.NewCollection(st, "comments", emulator.SequentialIDs("", 700000), func(r *Comment, m emulator.Meta) {
		r.ID, r.CreatedAt, r.UpdatedAt = intID(m), m.Created, m.Updated
	})
	e.Tags = emulator.NewCollection(st, "tags", emulator.SequentialIDs("", 0), func(r *Tag, m emulator.Meta) {
		r.ID, r.CreatedAt, r.UpdatedAt = intID(m), m.Created, m.Updated
	})
	e.Attachments = emulator.NewCollection(st, "attachments", emulator.SequentialIDs("att_", 5000), func(r *Attachment, m emulator.Meta) {
		r.ID, r.ContentURL, r.CreatedAt, r.UpdatedAt = m.ID, "/v1/attachments/"+m.ID+"/content", m.Created, m.Updated
	})
}

func (e *Emulator) register() {
	s := e.Server
	sandboxapi.Register(s, sandboxapi.Resource[Ticket]{
		Path: "/v1/tickets", Collection: e.Tickets, Ops: "LGCUD",
		ReadOnly: []string{"solved_at", "url"}, Validate: e.validateTicket, BeforeDelete: e.beforeTicketDelete,
	})
	sandboxapi.Register(s, sandboxapi.Resource[Comment]{
		Path: "/v1/comments", Collection: e.Comments, Ops: "LGC",
		ReadOnly: []string{"attachment_ids", "via"}, Validate: e.validateComment, Filter: e.commentFilter,
		Present: func(c Comment) any {
			c.AttachmentIDs = e.attachmentsOf(c.ID)
			return c
		},
	})
	sandboxapi.Register(s, sandboxapi.Resource[Customer]{
		Path: "/v1/customers", Collection: e.Customers, Ops: "LGCUD", Validate: e.validateCustomer,
		BeforeDelete: e.beforeCustomerDelete,
	})
	sandboxapi.Register(s, sandboxapi.Resource[Organization]{
		Path: "/v1/organizations", Collection: e.Organizations, Ops: "LGCUD", Validate: e.validateOrganization,
		BeforeDelete: e.beforeOrganizationDelete,
	})
	sandboxapi.Register(s, sandboxapi.Resource[Agent]{Path: "/v1/agents", Collection: e.Agents, Ops: "LG"})
	sandboxapi.Register(s, sandboxapi.Resource[Group]{Path: "/v1/groups", Collection: e.Groups, Ops: "LG"})
	sandboxapi.Register(s, sandboxapi.Resource[Queue]{Path: "/v1/queues", Collection: e.Queues, Ops: "LG"})
	sandboxapi.Register(s, sandboxapi.Resource[Tag]{
		Path: "/v1/tags", Collection: e.Tags, Ops: "LG",
		Present: func(t Tag) any {
			t.TicketCount = e.ticketsTagged(t.Name)
			return t
		},
	})
	sandboxapi.Register(s, sandboxapi.Resource[Attachment]{
		Path: "/v1/attachments", Collection: e.Attachments, Ops: "LG", Filter: e.attachmentFilter,
	})
	s.Handle("GET /v1/attachments/{id}/content", e.serveContent)
}

// --- tickets ----------------------------------------------------------------

func (e *Emulator) validateTicket(t *Ticket, create bool) []sandboxapi.FieldError {
	var c sandboxapi.Checker
	var old Ticket
	if !create {
		old, _, _ = e.Tickets.Get(t.ID)
		if old.State == "closed" {
			c.Add("state", "ticket %s is closed and cannot be changed", t.ID)
			return c.Errors
		}
	}
	e.ticketDefaults(t, create)
	c.Required("title", t.Title)
	c.MaxLen("title", t.Title, 150)
	c.MaxLen("body", t.Body, 65536)
	c.Required("state", t.State)
	c.OneOf("state", t.State, ticketStates...)
	c.Required("priority", t.Priority)
	c.OneOf("priority", t.Priority, ticketPriorities...)
	c.OneOf("kind", t.Kind, ticketKinds...)
	if t.DueAt != nil && t.Kind != "task" {
		c.Add("due_at", "due_at can only be set on tickets of kind task")
	}
	e.ticketRefs(&c, t, old)
	t.Tags = checkTags(&c, t.Tags)
	t.Custom = nonNilMap(t.Custom)
	if t.State == "solved" || t.State == "closed" {
		if t.SolvedAt == nil {
			now := e.Store.Now()
			t.SolvedAt = &now
		}
	} else {
		t.SolvedAt = nil
	}
	if len(c.Errors) == 0 {
		e.ensureTags(t.Tags)
	}
	return c.Errors
}

// ticketDefaults fills in what a new ticket may leave out: the state, the
// priority, the requester (the API key's agent) and the organization (the
// requester's).
func (e *Emulator) ticketDefaults(t *Ticket, create bool) {
	if !create {
		return
	}
	if t.State == "" {
		t.State = "new"
	}
	if t.Priority == "" {
		t.Priority = "normal"
	}
	if t.RequesterID == nil {
		t.RequesterID = e.apiAgent()
	}
	if t.OrganizationID == nil && t.RequesterID != nil {
		if cu, _, ok := e.Customers.Get(strconv.FormatInt(*t.RequesterID, 10)); ok && cu.OrganizationID != nil {
			t.OrganizationID = ptr(*cu.OrganizationID)
		}
	}
}

// ticketRefs checks a ticket's references; old is the stored ticket (zero on create).
func (e *Emulator) ticketRefs(c *sandboxapi.Checker, t *Ticket, old Ticket) {
	if t.RequesterID == nil {
		c.Add("requester_id", "requester_id is required")
	} else {
		c.Ref("requester_id", t.RequesterID, e.personExists)
	}
	c.Ref("assignee_id", t.AssigneeID, e.Agents.Exists)
	if t.AssigneeID != nil {
		switch a, _, ok := e.Agents.Get(strconv.FormatInt(*t.AssigneeID, 10)); {
		case ok && a.Suspended:
			c.Add("assignee_id", "agent %d is suspended and cannot be assigned tickets", a.ID)
		case ok && a.Role == "light_agent":
			c.Add("assignee_id", "agent %d is a light agent and cannot be assigned tickets", a.ID)
		}
	}
	c.Ref("group_id", t.GroupID, e.Groups.Exists)
	if t.OrganizationID != nil {
		c.StrRef("organization_id", *t.OrganizationID, e.Organizations.Exists)
	}
	if t.QueueID != nil {
		q, _, ok := e.Queues.Get(*t.QueueID)
		switch {
		case !ok:
			c.Add("queue_id", "queue_id %s does not exist", *t.QueueID)
		case q.Kind == "archive" && (old.QueueID == nil || *old.QueueID != q.ID):
			c.Add("queue_id", "queue %s is an archive and takes no more tickets", q.ID)
		}
	}
	if t.ParentID != nil {
		e.checkParent(c, t)
	}
}

// checkParent refuses an unknown parent and a loop of parents.
func (e *Emulator) checkParent(c *sandboxapi.Checker, t *Ticket) {
	id := *t.ParentID
	for depth := 0; id != ""; depth++ {
		if t.ID != "" && id == t.ID {
			c.Add("parent_id", "ticket %s cannot be its own ancestor", t.ID)
			return
		}
		p, _, ok := e.Tickets.Get(id)
		switch {
		case !ok && depth == 0:
			c.Add("parent_id", "parent_id %s does not exist", id)
			return
		case !ok || p.ParentID == nil || depth > 100:
			return
		}
		id = *p.ParentID
	}
}

var tagRe = regexp.MustCompile(`^[a-z0-9][a-z0-9_:-]{0,49}$`)

// checkTags refuses malformed tags and returns the list without duplicates.
func checkTags(c *sandboxapi.Checker, tags []string) []string {
	if len(tags) > 50 {
		c.Add("tags", "a ticket has at most 50 tags")
	}
	out := []string{}
	for i, t := range tags {
		if !tagRe.MatchString(t) {
			c.Add(fmt.Sprintf("tags[%d]", i), "%q is not a tag: up to 50 lowercase letters, digits, _, : or -", t)
		}
		if !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	return out
}

// ensureTags creates the tags not yet known. It may run more than once for
// one request (the store retries a contended update), so it is idempotent.
func (e *Emulator) ensureTags(names []string) {
	e.tagMu.Lock()
	defer e.tagMu.Unlock()
	known := map[string]bool{}
	for _, t := range e.Tags.All() {
		known[t.Name] = true
	}
	for _, n := range names {
		if !known[n] {
			e.Tags.Insert(Tag{Name: n})
			known[n] = true
		}
	}
}

func (e *Emulator) ticketsTagged(name string) int {
	n := 0
	for _, t := range e.Tickets.All() {
		if slices.Contains(t.Tags, name) {
			n++
		}
	}
	return n
}

// beforeTicketDelete refuses to orphan sub-tickets, and removes the
// ticket's comments and attachments with it.
func (e *Emulator) beforeTicketDelete(id string) error {
	children, _, _, _ := e.Tickets.List(emulator.Query[Ticket]{Limit: 1, Match: func(t *Ticket) bool {
		return t.ParentID != nil && *t.ParentID == id
	}})
	if len(children) > 0 {
		return fmt.Errorf("ticket %s has sub-tickets, such as %s; delete them or change their parent first", id, children[0].ID)
	}
	for _, cm := range e.Comments.All() {
		if cm.TicketID == id {
			e.Comments.Delete(strconv.FormatInt(cm.ID, 10))
		}
	}
	for _, a := range e.Attachments.All() {
		if a.TicketID == id {
			e.Attachments.Delete(a.ID)
		}
	}
	return nil
}

// --- comments ---------------------------------------------------------------

func (e *Emulator) validateComment(cm *Comment, create bool) []sandboxapi.FieldError {
	var c sandboxapi.Checker
	c.Required("ticket_id", cm.TicketID)
	if t, _, ok := e.Tickets.Get(cm.TicketID); !ok && cm.TicketID != "" {
		c.Add("ticket_id", "ticket_id %s does not exist", cm.TicketID)
	} else if t.State == "closed" {
		c.Add("ticket_id", "ticket %s is closed and takes no more comments", t.ID)
	}
	if strings.TrimSpace(cm.Body) == "" && strings.TrimSpace(cm.HTMLBody) == "" {
		c.Add("body", "body or html_body is required")
	}
	c.MaxLen("body", cm.Body, 65536)
	c.MaxLen("html_body", cm.HTMLBody, 131072)
	switch {
	case cm.HTMLBody == "":
		cm.HTMLBody = textToHTML(cm.Body)
	case cm.Body == "":
		cm.Body = htmlToText(cm.HTMLBody)
	}
	if cm.Public == nil {
		cm.Public = ptr(true)
	}
	e.commentAuthor(&c, cm)
	cm.Via = "api"
	return c.Errors
}

// commentAuthor defaults the author to the API key's agent and derives the
// author's role, refusing a role that does not match.
func (e *Emulator) commentAuthor(c *sandboxapi.Checker, cm *Comment) {
	c.OneOf("author_role", cm.AuthorRole, "agent", "customer")
	if cm.AuthorID == nil {
		cm.AuthorID = e.apiAgent()
	}
	if cm.AuthorID == nil {
		c.Add("author_id", "author_id is required")
		return
	}
	role := e.roleOf(*cm.AuthorID)
	switch {
	case role == "":
		c.Add("author_id", "author_id %d is neither a customer nor an agent", *cm.AuthorID)
	case cm.AuthorRole != "" && cm.AuthorRole != role:
		c.Add("author_id", "%d is a %s, not a %s", *cm.AuthorID, role, cm.AuthorRole)
	case role == "customer" && !*cm.Public:
		c.Add("public", "a customer cannot write an internal note")
	}
	cm.AuthorRole = role
}

// apiAgent is the agent who owns the API key, the default requester of
// tickets and author of comments: the first active admin (nil when there is
// none, as before seeding).
func (e *Emulator) apiAgent() *int64 {
	for _, a := range e.Agents.All() {
		if a.Role == "admin" && !a.Suspended {
			return ptr(a.ID)
		}
	}
	return nil
}

func (e *Emulator) roleOf(id int64) string {
	key := strconv.FormatInt(id, 10)
	switch {
	case e.Agents.Exists(key):
		return "agent"
	case e.Customers.Exists(key):
		return "customer"
	}
	return ""
}

func (e *Emulator) personExists(id string) bool {
	return e.Agents.Exists(id) || e.Customers.Exists(id)
}

func (e *Emulator) commentFilter(q map[string]string) (func(*Comment) bool, []sandboxapi.FieldError) {
	errs := onlyFilters(q, "ticket_id")
	ticket, ok := q["ticket_id"]
	if !ok {
		return nil, errs
	}
	return func(c *Comment) bool { return c.TicketID == ticket }, errs
}

func (e *Emulator) attachmentsOf(commentID int64) []string {
	out := []string{}
	for _, a := range e.Attachments.All() {
		if a.CommentID != nil && *a.CommentID == commentID {
			out = append(out, a.ID)
		}
	}
	return out
}

// onlyFilters refuses the query parameters a list does not know.
func onlyFilters(q map[string]string, known ...string) []sandboxapi.FieldError {
	var errs []sandboxapi.FieldError
	for k := range q {
		if !slices.Contains(known, k) {
			errs = append(errs, sandboxapi.FieldError{Field: k, Message: "unknown filter " + k})
		}
	}
	return errs
}

var (
	brRe      = regexp.MustCompile(`(?i)<br\s*/?>`)
	blockEnd  = regexp.MustCompile(`(?i)</(p|div|li|h[1-6]|blockquote|pre)\s*>`)
	anyTagRe  = regexp.MustCompile(`<[^>]*>`)
	blankRuns = regexp.MustCompile(`\n{3,}`)
)

// textToHTML renders plain text as HTML: paragraphs at blank lines, line
// breaks within them.
func textToHTML(s string) string {
	var b strings.Builder
	for _, p := range strings.Split(strings.TrimSpace(s), "\n\n") {
		if p = strings.TrimSpace(p); p != "" {
			b.WriteString("<p>" + strings.ReplaceAll(html.EscapeString(p), "\n", "<br>") + "</p>")
		}
	}
	return b.String()
}

// htmlToText is the plain text of simple HTML: line breaks and paragraphs
// kept, other markup dropped.
func htmlToText(s string) string {
	s = brRe.ReplaceAllString(s, "\n")
	s = blockEnd.ReplaceAllString(s, "\n\n")
	s = html.UnescapeString(anyTagRe.ReplaceAllString(s, ""))
	return strings.TrimSpace(blankRuns.ReplaceAllString(s, "\n\n"))
}

// --- customers and organizations ----------------------------------------------

var localeRe = regexp.MustCompile(`^[a-z]{2}(-[A-Z]{2})?$`)

func (e *Emulator) validateCustomer(cu *Customer, create bool) []sandboxapi.FieldError {
	var c sandboxapi.Checker
	c.Required("name", cu.Name)
	c.MaxLen("name", cu.Name, 255)
	if cu.Email != "" {
		checkEmail(&c, "email", cu.Email)
		for _, o := range e.Customers.All() {
			if o.ID != cu.ID && strings.EqualFold(o.Email, cu.Email) {
				c.Add("email", "email %s is already taken by customer %d", cu.Email, o.ID)
			}
		}
	}
	if len(cu.OtherEmails) > 10 {
		c.Add("other_emails", "a customer has at most 10 other email addresses")
	}
	for i, a := range cu.OtherEmails {
		if !validEmail(a) {
			c.Add("other_emails", "other_emails[%d]: %q is not an email address", i, a)
		}
	}
	if cu.OtherEmails == nil {
		cu.OtherEmails = []string{}
	}
	c.MaxLen("phone", cu.Phone, 40)
	c.MaxLen("mobile", cu.Mobile, 40)
	if cu.OrganizationID != nil {
		c.StrRef("organization_id", *cu.OrganizationID, e.Organizations.Exists)
	}
	cu.Custom = nonNilMap(cu.Custom)
	if cu.Locale == "" {
		cu.Locale = "en-US"
	}
	if !localeRe.MatchString(cu.Locale) {
		c.Add("locale", "locale must look like en or en-US")
	}
	return c.Errors
}

// nonNilMap makes a missing "custom" an empty object, as the API shows it.
func nonNilMap(m map[string]any) map[string]any {
	if m == nil {
		return map[string]any{}
	}
	return m
}

func validEmail(s string) bool {
	a, err := mail.ParseAddress(s)
	return err == nil && a.Address == s
}

func checkEmail(c *sandboxapi.Checker, field, s string) {
	if !validEmail(s) {
		c.Add(field, "%q is not an email address", s)
	}
}

var domainRe = regexp.MustCompile(`^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$`)

func (e *Emulator) validateOrganization(o *Organization, create bool) []sandboxapi.FieldError {
	var c sandboxapi.Checker
	c.Required("name", o.Name)
	c.MaxLen("name", o.Name, 255)
	for _, other := range e.Organizations.All() {
		if other.ID != o.ID && strings.EqualFold(strings.TrimSpace(other.Name), strings.TrimSpace(o.Name)) {
			c.Add("name", "name %q is already taken by organization %s", o.Name, other.ID)
		}
	}
	if len(o.DomainNames) > 20 {
		c.Add("domain_names", "an organization has at most 20 domain names")
	}
	for i, d := range o.DomainNames {
		if !domainRe.MatchString(d) {
			c.Add(fmt.Sprintf("domain_names[%d]", i), "%q is not a lowercase domain name", d)
		}
	}
	if o.DomainNames == nil {
		o.DomainNames = []string{}
	}
	o.Custom = nonNilMap(o.Custom)
	c.MaxLen("notes", o.Notes, 65536)
	return c.Errors
}

// beforeCustomerDelete refuses to orphan the customer's tickets.
func (e *Emulator) beforeCustomerDelete(id string) error {
	for _, t := range e.Tickets.All() {
		if t.RequesterID != nil && strconv.FormatInt(*t.RequesterID, 10) == id {
			return fmt.Errorf("customer %s still requests tickets, such as %s", id, t.ID)
		}
	}
	return nil
}

// beforeOrganizationDelete refuses to orphan customers and tickets.
func (e *Emulator) beforeOrganizationDelete(id string) error {
	for _, cu := range e.Customers.All() {
		if cu.OrganizationID != nil && *cu.OrganizationID == id {
			return fmt.Errorf("organization %s still has customers, such as %d", id, cu.ID)
		}
	}
	for _, t := range e.Tickets.All() {
		if t.OrganizationID != nil && *t.OrganizationID == id {
			return fmt.Errorf("organization %s still has tickets, such as %s", id, t.ID)
		}
	}
	return nil
}

// --- attachments --------------------------------------------------------------

func (e *Emulator) attachmentFilter(q map[string]string) (func(*Attachment) bool, []sandboxapi.FieldError) {
	errs := onlyFilters(q, "ticket_id", "comment_id")
	ticket, byTicket := q["ticket_id"]
	var comment int64
	raw, byComment := q["comment_id"]
	if byComment {
		n, err := strconv.ParseInt(raw, 10, 64)
		if err != nil {
			errs = append(errs, sandboxapi.FieldError{Field: "comment_id", Message: "comment_id must be a number"})
		}
		comment = n
	}
	return func(a *Attachment) bool {
		return (!byTicket || a.TicketID == ticket) && (!byComment || a.CommentID != nil && *a.CommentID == comment)
	}, errs
}

// serveContent serves an attachment's file: generated bytes of its size.
func (e *Emulator) serveContent(w http.ResponseWriter, r *http.Request) {
	a, _, ok := e.Attachments.Get(r.PathValue("id"))
	if !ok {
		sandboxapi.WriteError(w, http.StatusNotFound, "not_found", "no such record")
		return
	}
	line := []byte(fmt.Sprintf("%s: Sandbox Helpdesk demo file %s\n", a.FileName, a.ID))
	body := bytes.Repeat(line, int(a.Size)/len(line)+1)[:a.Size]
	w.Header().Set("Content-Type", a.ContentType)
	w.Header().Set("Content-Disposition", fmt.Sprintf("attachment; filename=%q", a.FileName))
	w.Header().Set("Content-Length", strconv.FormatInt(a.Size, 10))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(body)
}
