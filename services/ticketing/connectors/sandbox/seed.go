package sandbox

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/unimesh/unimesh/pkg/sandboxapi"
)

func ptr[T any](v T) *T { return &v }

// seedNumber tells Sandbox Helpdesk's demo data apart from other products'.
const seedNumber = 3

// seeding is the state of one seed run: the seeder and what was made so far.
type seeding struct {
	*sandboxapi.Seeder
	groups    []Group
	agents    []Agent
	queues    []Queue
	orgs      []Organization
	customers []Customer
	tickets   []Ticket
}

// seed loads the demo data: the same records, ids and times on every start.
// Records of one kind are inserted in the order they were created, so that
// ids grow with time as they would at a real vendor.
func (e *Emulator) seed() {
	s := &seeding{Seeder: sandboxapi.NewSeeder(seedNumber)}
	e.seedStaff(s)
	e.seedQueues(s)
	e.seedOrganizations(s)
	e.seedCustomers(s)
	e.seedTickets(s)
	comments := e.seedComments(s)
	e.seedAttachments(s, comments)
	e.seedTags(s)
}

func (e *Emulator) seedStaff(s *seeding) {
	t := s.Base.Add(-90 * 24 * time.Hour)
	for _, g := range [][2]string{
		{"Tier 1 Support", "First line: triage, how-to questions and account access."},
		{"Tier 2 Support", "Bugs, data problems and anything Tier 1 escalates."},
		{"Billing", "Invoices, plans, refunds and payment failures."},
		{"Engineering Escalations", "Incidents and problems that need an engineer."},
	} {
		s.groups = append(s.groups, e.Groups.InsertAt(Group{Name: g[0], Description: g[1]}, t, t))
	}
	gid := func(i int) int64 { return s.groups[i].ID }
	memberships := [][]int64{{gid(0), gid(1)}, {gid(0)}, {gid(0)}, {gid(0), gid(2)}, {gid(1)}, {gid(1), gid(3)},
		{gid(2)}, {gid(3)}, {gid(0)}, {gid(1)}}
	roles := []string{"admin", "agent", "agent", "agent", "agent", "agent", "agent", "agent", "light_agent", "agent"}
	for i, role := range roles {
		p := s.Person()
		created := t.Add(time.Duration(i) * 24 * time.Hour)
		updated := s.After(created, 60)
		s.agents = append(s.agents, e.Agents.InsertAt(Agent{
			Name: p.First + " " + p.Last, Email: s.Email(p, "sandbox-helpdesk.example"), Role: role,
			Suspended: i == len(roles)-1, GroupIDs: memberships[i],
		}, created, updated))
	}
}

func (e *Emulator) seedQueues(s *seeding) {
	t := s.Base.Add(-80 * 24 * time.Hour)
	add := func(name, kind, desc string, parent *string) Queue {
		q := e.Queues.InsertAt(Queue{Name: name, Kind: kind, Description: desc, ParentID: parent}, t, t)
		s.queues = append(s.queues, q)
		return q
	}
	support := add("Support", "queue", "Everything customers send to support@.", nil)
	add("Billing", "queue", "Invoices, refunds and plan changes, split off Support.", ptr(support.ID))
	add("Platform migration", "project", "Customers moving from the legacy platform.", nil)
	add("Roadmap", "board", "Feature requests, by product area.", nil)
	add("Archive 2024", "archive", "Tickets of the old help desk, kept for reference.", nil)
}

func (e *Emulator) seedOrganizations(s *seeding) {
	seen := map[string]bool{}
	times := sortedTimes(s, 20, 60)
	for len(s.orgs) < len(times) {
		name, domain := s.Company()
		if seen[domain] {
			continue
		}
		seen[domain] = true
		domains := []string{domain}
		if s.R.IntN(4) == 0 {
			domains = append(domains, strings.TrimSuffix(domain, ".example")+"-mail.example")
		}
		tier := weighted(s, []string{"enterprise", "business", "starter"}, []int{3, 5, 4})
		created := times[len(s.orgs)]
		s.orgs = append(s.orgs, e.Organizations.InsertAt(Organization{
			Name: name, DomainNames: domains,
			Notes:  sandboxapi.Pick(s.Seeder, []string{"Prefers email over phone.", "Renewal in Q4.", "Escalate outages to their IT lead.", ""}),
			Custom: map[string]any{"tier": tier, "seats": float64(5 + s.R.IntN(500))},
		}, created, s.After(created, 90)))
	}
}

var localeOf = map[string]string{
	"US": "en-US", "DE": "de-DE", "GB": "en-GB", "FR": "fr-FR", "ES": "es-ES", "NL": "nl-NL",
	"CA": "en-CA", "AU": "en-AU", "CH": "de-CH",
}

func (e *Emulator) seedCustomers(s *seeding) {
	taken := map[string]bool{}
	times := sortedTimes(s, 60, 120)
	for i := range 60 {
		p := s.Person()
		var org *string
		domain := "mail.example"
		if s.R.IntN(100) < 85 {
			o := sandboxapi.Pick(s.Seeder, s.orgs)
			org, domain = ptr(o.ID), o.DomainNames[0]
		}
		email := uniqueEmail(s, p, domain, taken)
		_, city := s.Address("work")
		cu := Customer{Name: p.First + " " + p.Last, Email: email, OtherEmails: []string{}, OrganizationID: org,
			Locale: localeOf[city.Country],
			Custom: map[string]any{"plan": sandboxapi.Pick(s.Seeder, []string{"free", "team", "business", "enterprise"}), "newsletter": s.R.IntN(2) == 0}}
		if s.R.IntN(5) == 0 {
			cu.OtherEmails = []string{uniqueEmail(s, p, "mail.example", taken)}
		}
		if s.R.IntN(10) < 7 {
			cu.Phone = s.Phone(city)
		}
		if s.R.IntN(10) < 3 {
			cu.Mobile = s.Phone(city)
		}
		s.customers = append(s.customers, e.Customers.InsertAt(cu, times[i], s.After(times[i], 60)))
	}
}

// uniqueEmail is a person's address at domain, numbered when already taken.
func uniqueEmail(s *seeding, p sandboxapi.Person, domain string, taken map[string]bool) string {
	email := s.Email(p, domain)
	for n := 2; taken[email]; n++ {
		local, host, _ := strings.Cut(s.Email(p, domain), "@")
		email = local + strconv.Itoa(n) + "@" + host
	}
	taken[email] = true
	return email
}

// topic is a kind of request customers send.
type topic struct {
	title, body, kind, area string
	group                   int // index into seeding.groups
	tags                    []string
}

var topics = []topic{
	{"Cannot log in after password reset", "I reset my password this morning and the new one is refused. I tried twice in Chrome and once in Firefox.", "incident", "authentication", 0, []string{"login", "password"}},
	{"Invoice shows the wrong VAT number", "Our March invoice has our old VAT number. Could you reissue it with the current one?", "question", "billing", 2, []string{"billing", "vat"}},
	{"CSV export times out", "Exporting all tickets of last year to CSV runs for minutes and then fails with a timeout.", "incident", "reporting", 1, []string{"export", "performance"}},
	{"How do I add a second admin?", "We need a second administrator for holidays. Where do I set that up?", "question", "account", 0, []string{"onboarding"}},
	{"API returns 500 on POST /orders", "Since yesterday about one in ten order submissions through the API fails with a 500.", "incident", "api", 3, []string{"api", "bug"}},
	{"Recurring sync failures with the ERP connector", "The nightly ERP sync has failed three times this week, each time around 02:00 UTC.", "problem", "integrations", 3, []string{"integrations", "bug"}},
	{"Upgrade us to the Business plan", "Please move us to the Business plan from the start of next month.", "task", "billing", 2, []string{"billing", "upgrade"}},
	{"Refund for a duplicate charge", "Our card was charged twice for the same invoice. Please refund one of the payments.", "task", "billing", 2, []string{"billing", "refund"}},
	{"Two-factor codes arrive late", "SMS codes take several minutes to arrive, by which time they have expired.", "incident", "authentication", 1, []string{"login", "2fa"}},
	{"Feature request: dark mode", "Several of our agents work night shifts and would love a dark theme.", "question", "ui", 0, []string{"feature-request"}},
	{"Dashboard loads slowly in Safari", "The main dashboard takes over 20 seconds to load in Safari 18; Chrome is fine.", "incident", "ui", 1, []string{"performance", "bug"}},
	{"Webhook deliveries are delayed", "Webhooks reach us up to an hour after the event. Is there a known issue?", "problem", "api", 3, []string{"api", "webhooks"}},
	{"Set up SSO with Okta", "We want our staff to sign in through Okta. What do you need from us?", "task", "authentication", 1, []string{"sso", "onboarding"}},
	{"Data retention policy", "How long do you keep deleted records, and can we shorten that?", "question", "compliance", 0, []string{"gdpr"}},
	{"Cancel our subscription at the end of the term", "We have decided not to renew. Please cancel at the end of the current term.", "task", "billing", 2, []string{"billing", "churn-risk"}},
	{"Mobile app crashes when uploading photos", "The Android app closes as soon as I attach a photo to a ticket.", "incident", "mobile", 1, []string{"mobile", "bug"}},
	{"GDPR data export request", "One of our end users asked for all data you hold about them. Please send an export.", "task", "compliance", 1, []string{"gdpr"}},
	{"Password reset emails land in spam", "Our users find the password reset emails in their spam folder.", "incident", "email", 0, []string{"password", "email-delivery"}},
	{"Bulk import skipped 40 rows", "I imported 1,200 contacts and 40 are missing; the import report says nothing.", "incident", "import", 1, []string{"import", "bug"}},
	{"Change the billing contact", "Please send future invoices to our new accounts payable address.", "task", "billing", 2, []string{"billing"}},
}

func (e *Emulator) seedTickets(s *seeding) {
	problems := map[string][]string{} // area → ids of problem tickets so far
	for _, created := range sortedTimes(s, 120, 300) {
		tp := sandboxapi.Pick(s.Seeder, topics)
		t := s.ticket(tp, created)
		if tp.kind == "incident" && len(problems[tp.area]) > 0 && s.R.IntN(2) == 0 {
			t.ParentID = ptr(sandboxapi.Pick(s.Seeder, problems[tp.area]))
		}
		stored := e.Tickets.InsertAt(t, created, t.UpdatedAt)
		if tp.kind == "problem" {
			problems[tp.area] = append(problems[tp.area], stored.ID)
		}
		s.tickets = append(s.tickets, stored)
	}
}

// ticket makes one ticket about tp; its UpdatedAt carries the update time.
func (s *seeding) ticket(tp topic, created time.Time) Ticket {
	state := weighted(s, ticketStates, []int{15, 25, 15, 8, 20, 14, 3})
	t := Ticket{
		Title: tp.title, State: state, Kind: tp.kind,
		Priority: weighted(s, ticketPriorities, []int{20, 45, 22, 9, 4}),
		GroupID:  ptr(s.groups[tp.group].ID), QueueID: ptr(s.queueFor(tp, state, created)),
		Tags:   append([]string{}, tp.tags...),
		Custom: map[string]any{"product_area": tp.area, "sla_breached": s.R.IntN(8) == 0},
	}
	requester, first := s.requester(tp)
	t.RequesterID, t.OrganizationID = ptr(requester.id), requester.org
	t.Body = "Hello,\n\n" + tp.body + "\n\nThanks,\n" + first
	if state != "new" && state != "spam" {
		t.AssigneeID = ptr(s.assignee(*t.GroupID))
	}
	if tp.kind == "task" {
		t.DueAt = ptr(s.After(created, 14).Truncate(time.Hour))
	}
	if requester.vip {
		t.Tags = append(t.Tags, "vip")
	}
	t.UpdatedAt = s.After(created, 20)
	if state == "solved" || state == "closed" {
		t.SolvedAt = ptr(t.UpdatedAt)
		t.Custom["csat_score"] = float64(2 + s.R.IntN(4))
	}
	if state == "spam" {
		t.Title, t.Body, t.Tags, t.Kind = "You have WON a free cruise!!!", "Click here to claim your prize.", []string{}, ""
	}
	return t
}

// requesterRef is who asked: a customer (with their organization) or, for
// internal requests, an agent.
type requesterRef struct {
	id  int64
	org *string
	vip bool
}

func (s *seeding) requester(tp topic) (requesterRef, string) {
	if tp.kind == "task" && s.R.IntN(6) == 0 {
		a := sandboxapi.Pick(s.Seeder, s.agents[:len(s.agents)-1])
		return requesterRef{id: a.ID}, strings.Fields(a.Name)[0]
	}
	c := sandboxapi.Pick(s.Seeder, s.customers)
	vip := false
	for _, o := range s.orgs {
		if c.OrganizationID != nil && o.ID == *c.OrganizationID && o.Custom["tier"] == "enterprise" {
			vip = true
		}
	}
	return requesterRef{id: c.ID, org: c.OrganizationID, vip: vip}, strings.Fields(c.Name)[0]
}

// assignee picks an active agent of the group who may be assigned tickets.
func (s *seeding) assignee(group int64) int64 {
	var members []int64
	for _, a := range s.agents {
		if !a.Suspended && a.Role != "light_agent" && slices.Contains(a.GroupIDs, group) {
			members = append(members, a.ID)
		}
	}
	return sandboxapi.Pick(s.Seeder, members)
}

func (s *seeding) queueFor(tp topic, state string, created time.Time) string {
	switch {
	case state == "closed" && created.Before(s.Base.Add(30*24*time.Hour)):
		return s.queues[4].ID
	case tp.area == "billing":
		return s.queues[1].ID
	case tp.area == "import" || tp.area == "integrations":
		return s.queues[2].ID
	case slices.Contains(tp.tags, "feature-request"):
		return s.queues[3].ID
	}
	return s.queues[0].ID
}

var (
	agentReplies = []string{
		"Thanks for reaching out. I am looking into this now and will get back to you shortly.",
		"Could you send us a screenshot and the time it happened (with your time zone)?",
		"We have reproduced the issue and passed it to our engineers.",
		"This is done on our side. Could you check again and let us know?",
		"I have applied the change to your account. You should see it within the hour.",
	}
	customerReplies = []string{
		"Thanks, that fixed it.",
		"Here you go — it happened again at 10:42 CET.",
		"Any update on this? It is blocking our team.",
		"I tried that but it still fails the same way.",
	}
	internalNotes = []string{
		"Known issue, linked to the problem ticket. Do not promise a date.",
		"Customer is on the enterprise tier: keep the SLA in mind.",
		"Checked the logs: the requests time out at the load balancer.",
		"Billing confirmed the duplicate charge; refund queued.",
	}
)

// seedComments writes the conversation of every ticket: the request itself,
// then replies and internal notes, all in time order.
func (e *Emulator) seedComments(s *seeding) []Comment {
	var all []Comment
	for _, t := range s.tickets {
		all = append(all, s.conversation(t)...)
	}
	slices.SortStableFunc(all, func(a, b Comment) int { return a.CreatedAt.Compare(b.CreatedAt) })
	stored := make([]Comment, 0, len(all))
	for _, c := range all {
		stored = append(stored, e.Comments.InsertAt(c, c.CreatedAt, c.CreatedAt))
	}
	return stored
}

func (s *seeding) conversation(t Ticket) []Comment {
	first := Comment{TicketID: t.ID, Body: t.Body, HTMLBody: textToHTML(t.Body), Public: ptr(true),
		AuthorID: t.RequesterID, AuthorRole: s.roleOf(*t.RequesterID), Via: sandboxapi.Pick(s.Seeder, []string{"email", "web"}),
		AttachmentIDs: []string{}, CreatedAt: t.CreatedAt}
	out := []Comment{first}
	replies := map[string]int{"new": 0, "open": 1 + s.R.IntN(2), "pending": 1 + s.R.IntN(3), "on_hold": 1 + s.R.IntN(3),
		"solved": 2 + s.R.IntN(3), "closed": 2 + s.R.IntN(3), "spam": 0}[t.State]
	times := make([]time.Time, replies)
	for i := range times {
		times[i] = t.CreatedAt.Add(time.Duration(1+s.R.Int64N(int64(t.UpdatedAt.Sub(t.CreatedAt)))) - 1)
	}
	slices.SortFunc(times, func(a, b time.Time) int { return a.Compare(b) })
	for i, at := range times {
		c := Comment{TicketID: t.ID, Public: ptr(true), AttachmentIDs: []string{}, CreatedAt: at, Via: "web"}
		switch {
		case t.AssigneeID != nil && i%2 == 0 && s.R.IntN(4) == 0:
			c.Body, c.Public, c.AuthorID, c.AuthorRole = sandboxapi.Pick(s.Seeder, internalNotes), ptr(false), t.AssigneeID, "agent"
		case t.AssigneeID != nil && i%2 == 0:
			c.Body, c.AuthorID, c.AuthorRole = sandboxapi.Pick(s.Seeder, agentReplies), t.AssigneeID, "agent"
		default:
			c.Body, c.AuthorID, c.AuthorRole, c.Via = sandboxapi.Pick(s.Seeder, customerReplies), t.RequesterID, s.roleOf(*t.RequesterID), "email"
		}
		c.HTMLBody = textToHTML(c.Body)
		out = append(out, c)
	}
	return out
}

func (s *seeding) roleOf(id int64) string {
	for _, a := range s.agents {
		if a.ID == id {
			return "agent"
		}
	}
	return "customer"
}

var files = []struct {
	name, contentType string
	min, max          int64
}{
	{"screenshot.png", "image/png", 40_000, 900_000},
	{"error-log.txt", "text/plain", 2_000, 40_000},
	{"invoice.pdf", "application/pdf", 30_000, 200_000},
	{"export.csv", "text/csv", 5_000, 120_000},
	{"screen-recording.mp4", "video/mp4", 800_000, 2_000_000},
}

// seedAttachments attaches files to about one comment in six, in time order.
func (e *Emulator) seedAttachments(s *seeding, comments []Comment) {
	for _, c := range comments {
		if s.R.IntN(100) >= 16 {
			continue
		}
		f := sandboxapi.Pick(s.Seeder, files)
		e.Attachments.InsertAt(Attachment{
			FileName: f.name, ContentType: f.contentType, Size: f.min + s.R.Int64N(f.max-f.min),
			TicketID: c.TicketID, CommentID: ptr(c.ID),
		}, c.CreatedAt, c.CreatedAt)
	}
}

// seedTags records every tag in use, in the order tickets first used them.
func (e *Emulator) seedTags(s *seeding) {
	seen := map[string]bool{}
	for _, t := range s.tickets {
		for _, name := range t.Tags {
			if !seen[name] {
				seen[name] = true
				e.Tags.InsertAt(Tag{Name: name}, t.CreatedAt, t.CreatedAt)
			}
		}
	}
}

// weighted picks one of choices, each as likely as its weight.
func weighted(s *seeding, choices []string, weights []int) string {
	total := 0
	for _, w := range weights {
		total += w
	}
	n := s.R.IntN(total)
	for i, w := range weights {
		if n < w {
			return choices[i]
		}
		n -= w
	}
	panic(fmt.Sprintf("weighted: %d choices, %d weights", len(choices), len(weights)))
}

// sortedTimes returns n times within days after the base, earliest first.
func sortedTimes(s *seeding, n, days int) []time.Time {
	out := make([]time.Time, n)
	for i := range out {
		out[i] = s.Time(days)
	}
	slices.SortFunc(out, func(a, b time.Time) int { return a.Compare(b) })
	return out
}
