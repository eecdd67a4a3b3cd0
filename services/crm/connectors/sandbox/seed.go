package sandbox

import (
	"fmt"
	"strings"
	"time"

	"github.com/unimesh/unimesh/pkg/sandboxapi"
)

func ptr[T any](v T) *T { return &v }

// seed loads the demo data: the same records, ids and times on every start.
func (e *Emulator) seed() {
	s := sandboxapi.NewSeeder(1)
	var users []User
	for i, role := range []string{"admin", "manager", "sales_rep", "sales_rep", "sales_rep", "sales_rep", "manager", "sales_rep"} {
		p := s.Person()
		t := s.Time(20)
		users = append(users, e.Users.InsertAt(User{Name: p.First + " " + p.Last, Email: s.Email(p, "sandbox-crm.example"),
			Active: i != 7, Role: role}, t, t))
	}
	owner := func() *int64 { return ptr(sandboxapi.Pick(s, users[:7]).ID) }

	t := s.Time(5)
	sales := e.Pipelines.InsertAt(Pipeline{Name: "Sales", Active: true, Position: 0, Stages: e.stages([]Stage{
		{Name: "Qualified", WinProbability: 0.1}, {Name: "Discovery", WinProbability: 0.25}, {Name: "Proposal", WinProbability: 0.5},
		{Name: "Negotiation", WinProbability: 0.75}, {Name: "Closed won", WinProbability: 1, Type: "won"}, {Name: "Closed lost", Type: "lost"},
	})}, t, t)
	partners := e.Pipelines.InsertAt(Pipeline{Name: "Partnerships", Active: true, Position: 1, Stages: e.stages([]Stage{
		{Name: "Intro", WinProbability: 0.1}, {Name: "Evaluation", WinProbability: 0.4},
		{Name: "Signed", WinProbability: 1, Type: "won"}, {Name: "Declined", Type: "lost"},
	})}, t, t)

	var orgs []Organization
	for range 60 {
		name, domain := s.Company()
		addr, city := s.Address("billing")
		created := s.Time(300)
		updated := created
		if s.R.IntN(3) > 0 {
			updated = s.After(created, 40)
		}
		orgs = append(orgs, e.Organizations.InsertAt(Organization{
			Name: name, Domains: []string{domain}, Website: "https://www." + domain, Industry: sandboxapi.Pick(s, sandboxapi.Industries),
			Headcount:     ptr(int32(5 + s.R.IntN(5000))),
			AnnualRevenue: &sandboxapi.Money{Amount: fmt.Sprintf("%d000.00", 50+s.R.IntN(90000)), Currency: sandboxapi.Pick(s, []string{"USD", "EUR", "GBP"})},
			About:         name + " is a " + strings.ToLower(sandboxapi.Pick(s, sandboxapi.Industries)) + " company.",
			Addresses:     []sandboxapi.Address{addr}, Phones: []sandboxapi.Phone{{Number: s.Phone(city), Label: "work"}},
			OwnerID: owner(), Labels: pickLabels(s, []string{"customer", "prospect", "partner", "churned"}),
			Custom: map[string]any{"segment": sandboxapi.Pick(s, []string{"enterprise", "mid-market", "smb"})},
		}, created, updated))
	}

	var people []Person
	for range 150 {
		p := s.Person()
		var orgID *int64
		domain := "mail.example"
		if s.R.IntN(100) < 85 {
			o := sandboxapi.Pick(s, orgs)
			orgID, domain = ptr(o.ID), o.Domains[0]
		}
		addr, city := s.Address("work")
		created := s.Time(300)
		updated := created
		if s.R.IntN(2) == 0 {
			updated = s.After(created, 60)
		}
		phones := []sandboxapi.Phone{{Number: s.Phone(city), Label: "work"}}
		if s.R.IntN(3) == 0 {
			phones = append(phones, sandboxapi.Phone{Number: strings.Replace(s.Phone(city), " ", "-", 1), Label: "mobile"})
		}
		people = append(people, e.People.InsertAt(Person{
			FirstName: p.First, LastName: p.Last, FullName: p.First + " " + p.Last,
			JobTitle: sandboxapi.Pick(s, []string{"CEO", "CTO", "VP Sales", "Head of Operations", "Engineering Manager", "Buyer", "Office Manager", "CFO"}),
			Emails:   []sandboxapi.Email{{Address: s.Email(p, domain), Label: "work"}},
			Phones:   phones, Addresses: []sandboxapi.Address{addr}, OrganizationID: orgID, OwnerID: owner(),
			Labels: pickLabels(s, []string{"decision-maker", "champion", "newsletter", "vip"}),
			Custom: map[string]any{"lead_score": float64(s.R.IntN(101)), "preferred_language": sandboxapi.Pick(s, []string{"en", "de", "fr", "es"})},
		}, created, updated))
	}

	for i := range 90 {
		pl := sales
		if i%5 == 4 {
			pl = partners
		}
		st := sandboxapi.Pick(s, pl.Stages)
		o := sandboxapi.Pick(s, orgs)
		var persons []int64
		for _, p := range people {
			if p.OrganizationID != nil && *p.OrganizationID == o.ID && len(persons) < 3 {
				persons = append(persons, p.ID)
			}
		}
		created := s.Time(300)
		updated := s.After(created, 30)
		state := "open"
		opp := Opportunity{
			Title: o.Name + " — " + sandboxapi.Pick(s, []string{"annual licence", "expansion", "pilot", "renewal", "services"}),
			Value: &sandboxapi.Money{Amount: fmt.Sprintf("%d.00", 1000*(1+s.R.IntN(250))), Currency: "USD"},
			State: state, PipelineID: pl.ID, StageID: st.ID, WinProbability: ptr(st.WinProbability),
			ExpectedClose:  s.After(created, 120).Format("2006-01-02"),
			OrganizationID: ptr(o.ID), PersonIDs: persons, OwnerID: owner(),
			Source: sandboxapi.Pick(s, []string{"inbound", "outbound", "referral", "event", "partner"}),
			Custom: map[string]any{"forecast_category": sandboxapi.Pick(s, []string{"commit", "best_case", "pipeline"})},
		}
		if st.Type != "open" {
			opp.State = st.Type
			opp.ClosedAt = ptr(updated)
			if st.Type == "lost" {
				opp.LossReason = sandboxapi.Pick(s, []string{"price", "timing", "competitor", "no budget"})
			}
		}
		if i%23 == 22 {
			opp.State = "abandoned"
		}
		if persons == nil {
			opp.PersonIDs = []int64{}
		}
		e.Opportunities.InsertAt(opp, created, updated)
	}

	statuses := []string{"new", "contacted", "qualified", "disqualified", "nurturing"}
	for i := range 40 {
		p := s.Person()
		company, domain := s.Company()
		addr, city := s.Address("work")
		created := s.Time(300)
		updated := s.After(created, 20)
		lead := Lead{
			Title: p.First + " " + p.Last + " (" + company + ")", FirstName: p.First, LastName: p.Last,
			JobTitle: sandboxapi.Pick(s, []string{"Founder", "Procurement Lead", "IT Director", "Marketing Manager"}),
			Email:    s.Email(p, domain), Phone: s.Phone(city), Company: company, Address: &addr,
			Status: sandboxapi.Pick(s, statuses), Source: sandboxapi.Pick(s, []string{"web form", "webinar", "cold call", "trade show"}),
			OwnerID: owner(), Custom: map[string]any{"utm_campaign": sandboxapi.Pick(s, []string{"spring-launch", "partner-week", "retargeting"})},
		}
		if i < 2 {
			// Two leads were converted, into people (and their organizations) seeded above.
			lead.Status = "converted"
			lead.Converted = &Conversion{PersonID: ptr(people[i].ID), OrganizationID: people[i].OrganizationID, At: updated}
		}
		e.Leads.InsertAt(lead, created, updated)
	}

	kinds := []string{"note", "call", "meeting", "email", "task", "lunch"}
	for range 200 {
		kind := sandboxapi.Pick(s, kinds)
		p := sandboxapi.Pick(s, people)
		created := s.Time(300)
		a := Activity{Type: kind, OwnerID: owner(), PersonIDs: []int64{p.ID}, OrganizationIDs: []int64{}, OpportunityIDs: []int64{}, LeadIDs: []int64{}}
		if p.OrganizationID != nil {
			a.OrganizationIDs = []int64{*p.OrganizationID}
		}
		switch kind {
		case "note":
			a.Subject, a.Content = "Notes on "+p.FirstName, p.FirstName+" asked for a pricing sheet and a security questionnaire."
		case "call", "meeting", "lunch":
			start := s.After(created, 14)
			end := start.Add(30 * time.Minute)
			a.Subject = sandboxapi.Pick(s, []string{"Intro call", "Demo", "Quarterly review", "Negotiation"}) + " with " + p.FirstName
			a.StartsAt, a.EndsAt, a.Completed = &start, &end, start.Before(s.Base.AddDate(0, 10, 0))
			if kind == "call" {
				a.Direction = sandboxapi.Pick(s, []string{"in", "out"})
			}
		case "email":
			a.Subject, a.Content, a.Direction, a.Completed = "Re: proposal", "Thanks for the call, "+p.FirstName+".", sandboxapi.Pick(s, []string{"in", "out"}), true
		case "task":
			due := s.After(created, 21)
			a.Subject, a.DueAt, a.Completed = "Follow up with "+p.FirstName, &due, s.R.IntN(2) == 0
		}
		e.Activities.InsertAt(a, created, s.After(created, 5))
	}
}

func (e *Emulator) stages(in []Stage) []Stage {
	for i := range in {
		in[i].ID = e.stageSeq.Add(1)
		in[i].Position = int32(i)
		if in[i].Type == "" {
			in[i].Type = "open"
		}
	}
	return in
}

func pickLabels(s *sandboxapi.Seeder, from []string) []string {
	out := []string{}
	for _, l := range from {
		if s.R.IntN(4) == 0 {
			out = append(out, l)
		}
	}
	return out
}
