package sandbox

import (
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/unimesh/unimesh/pkg/emulator"
	"github.com/unimesh/unimesh/pkg/sandboxapi"
)

// Options configure the emulator.
type Options = sandboxapi.EmulatorOptions

// Emulator is Sandbox CRM's API: an http.Handler serving /v1/...
type Emulator struct {
	*sandboxapi.Server
	People        *emulator.Collection[Person]
	Organizations *emulator.Collection[Organization]
	Opportunities *emulator.Collection[Opportunity]
	Leads         *emulator.Collection[Lead]
	Activities    *emulator.Collection[Activity]
	Pipelines     *emulator.Collection[Pipeline]
	Users         *emulator.Collection[User]
	stageSeq      atomic.Int64
}

func intID(m emulator.Meta) int64 {
	n, _ := strconv.ParseInt(m.ID, 10, 64)
	return n
}

// NewEmulator builds the emulator.
func NewEmulator(opts Options) *Emulator {
	s := opts.NewServer()
	e := &Emulator{Server: s}
	st := s.Store
	e.Users = emulator.NewCollection(st, "users", emulator.SequentialIDs("", 100), func(r *User, m emulator.Meta) {
		r.ID, r.CreatedAt, r.UpdatedAt = intID(m), m.Created, m.Updated
	})
	e.Pipelines = emulator.NewCollection(st, "pipelines", emulator.SequentialIDs("", 0), func(r *Pipeline, m emulator.Meta) {
		r.ID, r.CreatedAt, r.UpdatedAt = intID(m), m.Created, m.Updated
	})
	e.Organizations = emulator.NewCollection(st, "organizations", emulator.SequentialIDs("", 20000), func(r *Organization, m emulator.Meta) {
		r.ID, r.CreatedAt, r.UpdatedAt = intID(m), m.Created, m.Updated
	})
	e.People = emulator.NewCollection(st, "people", emulator.SequentialIDs("", 10000), func(r *Person, m emulator.Meta) {
		r.ID, r.CreatedAt, r.UpdatedAt = intID(m), m.Created, m.Updated
	})
	e.Opportunities = emulator.NewCollection(st, "opportunities", emulator.SequentialIDs("", 30000), func(r *Opportunity, m emulator.Meta) {
		r.ID, r.CreatedAt, r.UpdatedAt = intID(m), m.Created, m.Updated
	})
	e.Leads = emulator.NewCollection(st, "leads", emulator.SequentialIDs("", 40000), func(r *Lead, m emulator.Meta) {
		r.ID, r.CreatedAt, r.UpdatedAt = intID(m), m.Created, m.Updated
	})
	e.Activities = emulator.NewCollection(st, "activities", emulator.SequentialIDs("", 50000), func(r *Activity, m emulator.Meta) {
		r.ID, r.CreatedAt, r.UpdatedAt = intID(m), m.Created, m.Updated
	})
	e.stageSeq.Store(100)

	sandboxapi.Register(s, sandboxapi.Resource[Person]{
		Path: "/v1/people", Collection: e.People, Ops: "LGCUD",
		ReadOnly: []string{"full_name", "opportunity_ids"},
		Validate: e.validatePerson,
		Present: func(p Person) any {
			p.OpportunityIDs = e.opportunitiesOf(p.ID)
			return p
		},
	})
	sandboxapi.Register(s, sandboxapi.Resource[Organization]{
		Path: "/v1/organizations", Collection: e.Organizations, Ops: "LGCUD", Validate: e.validateOrganization,
	})
	sandboxapi.Register(s, sandboxapi.Resource[Opportunity]{
		Path: "/v1/opportunities", Collection: e.Opportunities, Ops: "LGCUD",
		ReadOnly: []string{"closed_at"}, Validate: e.validateOpportunity,
	})
	sandboxapi.Register(s, sandboxapi.Resource[Lead]{
		Path: "/v1/leads", Collection: e.Leads, Ops: "LGCUD", ReadOnly: []string{"converted"}, Validate: e.validateLead,
	})
	sandboxapi.Register(s, sandboxapi.Resource[Activity]{
		Path: "/v1/activities", Collection: e.Activities, Ops: "LGCUD", Immutable: []string{"type"}, Validate: e.validateActivity,
	})
	sandboxapi.Register(s, sandboxapi.Resource[Pipeline]{
		Path: "/v1/pipelines", Collection: e.Pipelines, Ops: "LGCUD", Validate: e.validatePipeline,
		BeforeDelete: func(id string) error {
			pid, _ := strconv.ParseInt(id, 10, 64)
			items, _, _, _ := e.Opportunities.List(emulator.Query[Opportunity]{Limit: 1, Match: func(o *Opportunity) bool { return o.PipelineID == pid }})
			if len(items) > 0 {
				return fmt.Errorf("pipeline %d still has opportunities", pid)
			}
			return nil
		},
	})
	sandboxapi.Register(s, sandboxapi.Resource[User]{Path: "/v1/users", Collection: e.Users, Ops: "LG"})
	if opts.Seed {
		e.seed()
	}
	return e
}

func (e *Emulator) opportunitiesOf(personID int64) []int64 {
	out := []int64{}
	e.Opportunities.Each(func(o *Opportunity) bool {
		if slices.Contains(o.PersonIDs, personID) {
			out = append(out, o.ID)
		}
		return true
	})
	return out
}

func (e *Emulator) labels(c *sandboxapi.Checker, labels []string) {
	if len(labels) > 50 {
		c.Add("labels", "at most 50 labels")
	}
	for i, l := range labels {
		if l == "" || len(l) > 100 {
			c.Add(fmt.Sprintf("labels[%d]", i), "a label has 1 to 100 characters")
		}
	}
}

func (e *Emulator) validatePerson(p *Person, create bool) []sandboxapi.FieldError {
	var c sandboxapi.Checker
	if strings.TrimSpace(p.FirstName+p.LastName) == "" && len(p.Emails) == 0 {
		c.Add("last_name", "a person needs a name or an email address")
	}
	c.MaxLen("first_name", p.FirstName, 255)
	c.MaxLen("last_name", p.LastName, 255)
	c.MaxLen("job_title", p.JobTitle, 255)
	c.Emails("emails", p.Emails)
	c.Phones("phones", p.Phones)
	c.Addresses("addresses", p.Addresses)
	c.Ref("organization_id", p.OrganizationID, e.Organizations.Exists)
	c.Ref("owner_id", p.OwnerID, e.Users.Exists)
	e.labels(&c, p.Labels)
	p.FullName = strings.TrimSpace(p.FirstName + " " + p.LastName)
	return c.Errors
}

func (e *Emulator) validateOrganization(o *Organization, create bool) []sandboxapi.FieldError {
	var c sandboxapi.Checker
	c.Required("name", o.Name)
	c.MaxLen("name", o.Name, 255)
	for i, d := range o.Domains {
		if !strings.Contains(d, ".") || strings.ContainsAny(d, " /:@") {
			c.Add(fmt.Sprintf("domains[%d]", i), "%q is not a domain name", d)
		}
	}
	if o.Website != "" {
		if u, err := url.Parse(o.Website); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			c.Add("website", "website must be an http(s) URL")
		}
	}
	if o.Headcount != nil && *o.Headcount < 0 {
		c.Add("headcount", "headcount cannot be negative")
	}
	c.Money("annual_revenue", o.AnnualRevenue)
	c.MaxLen("about", o.About, 65536)
	c.Addresses("addresses", o.Addresses)
	c.Phones("phones", o.Phones)
	c.Ref("owner_id", o.OwnerID, e.Users.Exists)
	e.labels(&c, o.Labels)
	return c.Errors
}

// stage finds a stage and its pipeline.
func (e *Emulator) stage(id int64) (Pipeline, Stage, bool) {
	for _, p := range e.Pipelines.All() {
		for _, s := range p.Stages {
			if s.ID == id {
				return p, s, true
			}
		}
	}
	return Pipeline{}, Stage{}, false
}

func (e *Emulator) validateOpportunity(o *Opportunity, create bool) []sandboxapi.FieldError {
	var c sandboxapi.Checker
	c.Required("title", o.Title)
	c.MaxLen("title", o.Title, 255)
	c.Money("value", o.Value)
	c.OneOf("state", o.State, "open", "won", "lost", "abandoned")
	c.Date("expected_close", o.ExpectedClose)
	c.Ref("organization_id", o.OrganizationID, e.Organizations.Exists)
	c.Ref("owner_id", o.OwnerID, e.Users.Exists)
	c.Refs("person_ids", o.PersonIDs, e.People.Exists)
	if o.WinProbability != nil && (*o.WinProbability < 0 || *o.WinProbability > 1) {
		c.Add("win_probability", "win_probability is between 0 and 1")
	}
	if o.StageID == 0 {
		c.Add("stage_id", "stage_id is required")
		return c.Errors
	}
	p, s, ok := e.stage(o.StageID)
	switch {
	case !ok:
		c.Add("stage_id", "stage_id %d does not exist", o.StageID)
	case o.PipelineID != 0 && o.PipelineID != p.ID:
		c.Add("stage_id", "stage %d is not a stage of pipeline %d", o.StageID, o.PipelineID)
	default:
		o.PipelineID = p.ID
		if create && o.WinProbability == nil {
			wp := s.WinProbability
			o.WinProbability = &wp
		}
		if s.Type != "open" {
			o.State = s.Type
		}
	}
	if o.State == "" {
		o.State = "open"
	}
	if o.State == "open" {
		o.ClosedAt = nil
	} else if o.ClosedAt == nil {
		now := e.Store.Now()
		o.ClosedAt = &now
	}
	return c.Errors
}

func (e *Emulator) validateLead(l *Lead, create bool) []sandboxapi.FieldError {
	var c sandboxapi.Checker
	if strings.TrimSpace(l.Title+l.FirstName+l.LastName) == "" {
		c.Add("title", "a lead needs a title or a name")
	}
	if l.Email != "" {
		c.Emails("email", []sandboxapi.Email{{Address: l.Email}})
	}
	c.MaxLen("phone", l.Phone, 40)
	c.MaxLen("company", l.Company, 255)
	c.Address("address", l.Address)
	c.OneOf("status", l.Status, "new", "contacted", "qualified", "disqualified", "converted", "nurturing")
	c.Ref("owner_id", l.OwnerID, e.Users.Exists)
	if l.Status == "" {
		l.Status = "new"
	}
	if l.Title == "" {
		l.Title = strings.TrimSpace(l.FirstName + " " + l.LastName)
	}
	return c.Errors
}

func (e *Emulator) validateActivity(a *Activity, create bool) []sandboxapi.FieldError {
	var c sandboxapi.Checker
	c.Required("type", a.Type)
	c.OneOf("type", a.Type, "note", "call", "meeting", "email", "task", "lunch", "deadline")
	c.MaxLen("subject", a.Subject, 255)
	c.MaxLen("content", a.Content, 65536)
	c.OneOf("direction", a.Direction, "in", "out")
	if a.StartsAt != nil && a.EndsAt != nil && a.EndsAt.Before(*a.StartsAt) {
		c.Add("ends_at", "ends_at is before starts_at")
	}
	c.Refs("person_ids", a.PersonIDs, e.People.Exists)
	c.Refs("organization_ids", a.OrganizationIDs, e.Organizations.Exists)
	c.Refs("opportunity_ids", a.OpportunityIDs, e.Opportunities.Exists)
	c.Refs("lead_ids", a.LeadIDs, e.Leads.Exists)
	c.Ref("owner_id", a.OwnerID, e.Users.Exists)
	return c.Errors
}

func (e *Emulator) validatePipeline(p *Pipeline, create bool) []sandboxapi.FieldError {
	var c sandboxapi.Checker
	c.Required("name", p.Name)
	if p.Position < 0 {
		c.Add("position", "position cannot be negative")
	}
	known := map[int64]bool{}
	if !create {
		if old, _, ok := e.Pipelines.Get(strconv.FormatInt(p.ID, 10)); ok {
			for _, s := range old.Stages {
				known[s.ID] = true
			}
		}
	}
	for i := range p.Stages {
		s := &p.Stages[i]
		f := fmt.Sprintf("stages[%d]", i)
		c.Required(f+".name", s.Name)
		if s.Type == "" {
			s.Type = "open"
		}
		c.OneOf(f+".type", s.Type, "open", "won", "lost")
		if s.WinProbability < 0 || s.WinProbability > 1 {
			c.Add(f+".win_probability", "win_probability is between 0 and 1")
		}
		switch {
		case s.ID == 0:
			s.ID = e.stageSeq.Add(1)
		case !known[s.ID]:
			c.Add(f+".id", "stage %d is not a stage of this pipeline; send new stages without an id", s.ID)
		}
		if s.Position == 0 && i > 0 {
			s.Position = int32(i)
		}
	}
	return c.Errors
}
