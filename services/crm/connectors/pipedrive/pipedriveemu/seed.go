package pipedriveemu

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"
)

// seeder draws the demo account's data from a fixed seed: the same
// records, ids and times (relative to the store's clock) on every start.
type seeder struct {
	r   *rand.Rand
	now time.Time
}

func (s *seeder) intn(n int) int { return s.r.IntN(n) }

func pick[T any](s *seeder, from []T) T { return from[s.r.IntN(len(from))] }

// times returns a creation time up to maxDays ago and an update time
// between it and now.
func (s *seeder) times(minDays, maxDays int) (time.Time, time.Time) {
	created := s.now.Add(-time.Duration(minDays*24+s.intn((maxDays-minDays)*24)) * time.Hour).Truncate(time.Second)
	span := s.now.Sub(created)
	updated := created
	if s.intn(3) > 0 {
		updated = created.Add(time.Duration(s.r.Int64N(int64(span)))).Truncate(time.Second)
	}
	return created, updated
}

func ptr[T any](v T) *T { return &v }

type seedOrg struct{ name, domain, street, city, region, postal, country string }

var seedOrgs = []seedOrg{
	{"Baltic Freight OÜ", "balticfreight.example", "Narva mnt 5", "Tallinn", "Harju maakond", "10117", "Estonia"},
	{"Helios Solar GmbH", "helios-solar.example", "Friedrichstraße 68", "Berlin", "Berlin", "10117", "Germany"},
	{"Atlas Logistics Ltd", "atlaslogistics.example", "12 Canary Wharf", "London", "England", "E14 5AB", "United Kingdom"},
	{"Maple Health Inc.", "maplehealth.example", "200 Bay Street", "Toronto", "Ontario", "M5J 2J2", "Canada"},
	{"Pinecrest Dental Group", "pinecrestdental.example", "455 Market Street", "San Francisco", "California", "94105", "United States"},
	{"Nordlys Energi AS", "nordlys.example", "Karl Johans gate 14", "Oslo", "Oslo", "0154", "Norway"},
	{"Café Lumière SARL", "cafelumiere.example", "18 rue de Rivoli", "Paris", "Île-de-France", "75004", "France"},
	{"Vértice Arquitectos", "vertice.example", "Calle de Alcalá 45", "Madrid", "Comunidad de Madrid", "28014", "Spain"},
	{"Kestrel Security BV", "kestrel.example", "Herengracht 182", "Amsterdam", "Noord-Holland", "1016 BR", "Netherlands"},
	{"Bluewater Marine Pty", "bluewatermarine.example", "1 Macquarie Place", "Sydney", "New South Wales", "2000", "Australia"},
	{"Ridgeline Outfitters", "ridgeline.example", "1600 Wynkoop Street", "Denver", "Colorado", "80202", "United States"},
	{"Tamarind Foods Pvt Ltd", "tamarindfoods.example", "21 MG Road", "Bengaluru", "Karnataka", "560001", "India"},
	{"Silverline Insurance", "silverline.example", "Bahnhofstrasse 10", "Zürich", "Zürich", "8001", "Switzerland"},
	{"Orchard Lane Bakery", "orchardlane.example", "88 High Street", "Bristol", "England", "BS1 2AW", "United Kingdom"},
}

// seedPhonePrefix is the international prefix of each seed country.
var seedPhonePrefix = map[string]string{
	"Estonia": "+372 5", "Germany": "+49 30 ", "United Kingdom": "+44 20 ", "Canada": "+1 416 ", "United States": "+1 415 ",
	"Norway": "+47 ", "France": "+33 1 ", "Spain": "+34 91 ", "Netherlands": "+31 20 ", "Australia": "+61 2 ",
	"India": "+91 80 ", "Switzerland": "+41 44 ",
}

var (
	seedFirst = []string{"Mari", "Jonas", "Aisha", "Tomás", "Lena", "Kwame", "Sofia", "Henrik", "Yuki", "Priya", "Olivia", "Mateo",
		"Ingrid", "Daniel", "Chloé", "Ravi", "Elena", "Noah", "Fatima", "Lucas", "Hanna", "Omar", "Grace", "Viktor", "Amara",
		"Felix", "Nora", "Diego", "Emma", "Kai", "Leila", "Arjun"}
	seedLast = []string{"Tamm", "Schneider", "Okafor", "García", "Lindqvist", "Mensah", "Rossi", "Berg", "Tanaka", "Sharma",
		"Brown", "Fernández", "Johansen", "Dubois", "Kowalski", "Nguyen", "Moreau", "Hughes", "Haddad", "Martins",
		"Virtanen", "Farouk", "O'Neill", "Petrov", "Diallo", "Wagner", "Andersen", "Silva", "Clarke", "Ito", "Rahimi", "Iyer"}
	seedTitles = []string{"CEO", "CTO", "Head of Operations", "Procurement Manager", "VP Sales", "Finance Director",
		"IT Manager", "Office Manager", "Founder", "Purchasing Lead"}
)

func (e *Emulator) seed() {
	s := &seeder{r: rand.New(rand.NewPCG(2010, 7)), now: e.Store.Now()}

	// Users: the first is the company's admin, whose token the emulator takes.
	var users []User
	for i, name := range []string{"Maria Kask", "Jonas Weber", "Aisha Khan", "Tom Becker", "Lena Ojala", "Carlos Mendes", "Priya Nair", "Sam Carter"} {
		created, updated := s.times(400, 900)
		first, last, _ := strings.Cut(name, " ")
		admin := i == 0 || i == 3
		isAdmin := 0
		if admin {
			isAdmin = 1
		}
		u := e.Users.InsertAt(User{
			Name: name, DefaultCurrency: "USD", Locale: "en_US", Lang: 1,
			Email:     strings.ToLower(first+"."+last) + "@northwind-robotics.example",
			Activated: i != 7, LastLogin: s.now.Add(-time.Duration(s.intn(200)) * time.Hour).Format(v1Time),
			HasCreatedCompany: i == 0,
			Access: []UserAccess{{App: "sales", Admin: admin, PermissionSetID: "4f1b6c3e-0000-4000-8000-00000000000" + fmt.Sprint(1+i%2)},
				{App: "global", Admin: admin, PermissionSetID: "4f1b6c3e-0000-4000-8000-000000000009"}},
			ActiveFlag: i != 7, TimezoneName: pick(s, []string{"Europe/Tallinn", "Europe/Berlin", "America/New_York"}),
			TimezoneOffset: "+00:00", RoleID: 1 + i%3, IsAdmin: isAdmin,
		}, created, updated)
		users = append(users, u)
	}
	owner := func() int64 { return pick(s, users[:7]).ID }

	// Custom fields, as a real account grows them.
	leadScore := e.AddCustomField("person", "Lead score", "double")
	language := e.AddCustomField("person", "Preferred language", "enum", "English", "German", "French", "Spanish")
	linkedIn := e.AddCustomField("person", "LinkedIn profile", "varchar")
	segment := e.AddCustomField("organization", "Segment", "enum", "Enterprise", "Mid-market", "SMB")
	employees := e.AddCustomField("organization", "Employees", "double")
	forecast := e.AddCustomField("deal", "Forecast category", "enum", "Commit", "Best case", "Pipeline", "Omitted")
	competitors := e.AddCustomField("deal", "Competitors", "set", "Acme CRM", "Globex", "Initech")
	renewal := e.AddCustomField("deal", "Renewal date", "date")
	e.AddCustomField("deal", "Contract value", "monetary")

	// Pipelines and stages: Pipedrive's default sales stages, and a second pipeline.
	t0 := s.now.AddDate(-2, 0, 0)
	sales := e.Pipelines.InsertAt(Pipeline{Name: "Sales pipeline", OrderNr: 1, IsDealProbabilityEnabled: true, IsSelected: true}, t0, t0)
	partners := e.Pipelines.InsertAt(Pipeline{Name: "Partnerships", OrderNr: 2}, t0.AddDate(0, 3, 0), t0.AddDate(0, 3, 0))
	var salesStages, partnerStages []Stage
	for i, st := range []struct {
		name string
		prob float64
	}{{"Qualified", 10}, {"Contact made", 20}, {"Demo scheduled", 40}, {"Proposal made", 60}, {"Negotiations started", 80}} {
		salesStages = append(salesStages, e.Stages.InsertAt(Stage{Name: st.name, OrderNr: i + 1, DealProbability: st.prob, PipelineID: sales.ID}, t0, t0))
	}
	for i, st := range []struct {
		name string
		prob float64
	}{{"Intro", 10}, {"Evaluation", 40}, {"Agreement", 80}} {
		partnerStages = append(partnerStages, e.Stages.InsertAt(Stage{Name: st.name, OrderNr: i + 1, DealProbability: st.prob,
			PipelineID: partners.ID, IsDealRotEnabled: true, DaysToRotten: ptr(30)}, t0.AddDate(0, 3, 0), t0.AddDate(0, 3, 0)))
	}

	personLabels, orgLabels := e.labelOptions("person"), e.labelOptions("organization")
	labelsOf := func(opts map[int64]bool) []int64 {
		ids := make([]int64, 0, len(opts))
		for id := range opts {
			ids = append(ids, id)
		}
		// In id order, so that the same labels are drawn on every start.
		sortInt64s(ids)
		out := []int64{}
		for _, id := range ids {
			if s.intn(5) == 0 {
				out = append(out, id)
			}
		}
		return out
	}

	var orgs []Organization
	for _, so := range seedOrgs {
		created, updated := s.times(200, 700)
		addr := &Address{Value: so.street + ", " + so.postal + " " + so.city + ", " + so.country,
			Route: ptr(so.street), Locality: ptr(so.city), AdminAreaLevel1: ptr(so.region), Country: ptr(so.country),
			PostalCode: ptr(so.postal), FormattedAddress: ptr(so.street + ", " + so.postal + " " + so.city + ", " + so.country)}
		custom := map[string]any{segment.Key: float64(pick(s, segment.Options).ID)}
		if s.intn(3) > 0 {
			custom[employees.Key] = float64(10 + s.intn(5000))
		}
		orgs = append(orgs, e.Organizations.InsertAt(Organization{
			Name: so.name, OwnerID: owner(), VisibleTo: 3, LabelIDs: labelsOf(orgLabels), Address: addr, CustomFields: custom,
		}, created, updated))
	}

	var persons []Person
	for i := range 32 {
		first, last := seedFirst[i], seedLast[(i*7)%len(seedLast)]
		o := orgs[i%len(orgs)]
		var orgID *int64
		domain := "mail.example"
		so := seedOrgs[i%len(seedOrgs)]
		if i%8 != 7 {
			orgID, domain = ptr(o.ID), so.domain
		}
		created, updated := s.times(30, 600)
		email := strings.ToLower(strings.NewReplacer("é", "e", "á", "a", "'", "").Replace(first + "." + last + "@" + domain))
		emails := []LabeledValue{{Value: email, Primary: true, Label: "work"}}
		if i%5 == 0 {
			emails = append(emails, LabeledValue{Value: strings.ToLower(first) + "@home.example", Label: "home"})
		}
		prefix := seedPhonePrefix[so.country]
		phones := []LabeledValue{{Value: fmt.Sprintf("%s%03d %04d", prefix, 100+s.intn(900), s.intn(10000)), Primary: true, Label: "work"}}
		switch i % 6 {
		case 1:
			phones = append(phones, LabeledValue{Value: fmt.Sprintf("+1 (415) 555-%04d", s.intn(10000)), Label: "mobile"})
		case 4:
			// A number typed the national way: no country, kept as it is.
			phones = append(phones, LabeledValue{Value: fmt.Sprintf("0%d %03d %04d", 2+s.intn(7), s.intn(1000), s.intn(10000)), Label: "home"})
		}
		custom := map[string]any{leadScore.Key: float64(s.intn(101))}
		if s.intn(2) == 0 {
			custom[language.Key] = float64(pick(s, language.Options).ID)
		}
		if s.intn(3) == 0 {
			custom[linkedIn.Key] = "https://www.linkedin.com/in/" + strings.ToLower(first+"-"+last)
		}
		persons = append(persons, e.Persons.InsertAt(Person{
			Name: first + " " + last, FirstName: first, LastName: last, OwnerID: owner(), OrgID: orgID, VisibleTo: 3,
			LabelIDs: labelsOf(personLabels), Emails: emails, Phones: phones, JobTitle: ptr(pick(s, seedTitles)), CustomFields: custom,
		}, created, updated))
	}

	products := []string{"annual licence", "fleet expansion", "pilot", "renewal", "onboarding services", "support plan"}
	var deals []Deal
	for i := range 20 {
		p := persons[(i*3)%len(persons)]
		stages, pipe := salesStages, sales
		if i%5 == 4 {
			stages, pipe = partnerStages, partners
		}
		st := pick(s, stages)
		created, updated := s.times(10, 360)
		value := json.Number(fmt.Sprintf("%d.%02d", 1000*(1+s.intn(90)), []int{0, 0, 50, 99}[s.intn(4)]))
		d := Deal{
			Title: "Deal with " + p.Name + " — " + pick(s, products), CreatorUserID: users[0].ID, OwnerID: p.OwnerID,
			PersonID: ptr(p.ID), OrgID: p.OrgID, StageID: st.ID, PipelineID: pipe.ID, Value: value,
			Currency: pick(s, []string{"USD", "USD", "EUR", "GBP"}), Status: "open", VisibleTo: 3, LabelIDs: []int64{},
			Origin: pick(s, []string{"ManuallyCreated", "API", "Import"}), ExpectedCloseDate: ptr(created.AddDate(0, 0, 30+s.intn(120)).Format(dateOnly)),
			CustomFields: map[string]any{forecast.Key: float64(pick(s, forecast.Options).ID)},
		}
		if p.OrgID != nil {
			for _, o := range orgs {
				if o.ID == *p.OrgID {
					d.Title = o.Name + " — " + pick(s, products)
				}
			}
		}
		if s.intn(3) == 0 {
			d.CustomFields[competitors.Key] = []any{float64(competitors.Options[0].ID), float64(pick(s, competitors.Options[1:]).ID)}
		}
		if s.intn(4) == 0 {
			d.CustomFields[renewal.Key] = created.AddDate(1, 0, 0).Format(dateOnly)
		}
		if s.intn(4) == 0 {
			d.Probability = ptr(float64(5 * s.intn(21)))
		}
		closeAt := updated.Format(v2Time)
		day := updated.Format(dateOnly)
		switch i % 7 {
		case 2:
			d.Status, d.WonTime, d.CloseTime, d.LocalWonDate, d.LocalCloseDate = "won", &closeAt, &closeAt, &day, &day
		case 5:
			d.Status, d.LostTime, d.CloseTime, d.LocalLostDate, d.LocalCloseDate = "lost", &closeAt, &closeAt, &day, &day
			d.LostReason = ptr(pick(s, []string{"Price too high", "Went with a competitor", "No budget this year", "Timing"}))
		}
		stageChange := created.Add(updated.Sub(created) / 2).Format(v2Time)
		d.StageChangeTime = &stageChange
		deals = append(deals, e.Deals.InsertAt(d, created, updated))
	}

	var leads []Lead
	for i := range 10 {
		created, updated := s.times(5, 120)
		l := Lead{Title: "", OwnerID: owner(), CreatorID: users[0].ID, LabelIDs: []string{}, SourceName: pick(s, []string{"API", "Manually created", "Web forms"}),
			Origin: "ManuallyCreated", VisibleTo: "3", WasSeen: i%3 != 0, IsArchived: i == 8 || i == 9, Custom: map[string]any{}}
		p := persons[(i*5+2)%len(persons)]
		if i%4 == 3 {
			o := orgs[(i*2)%len(orgs)]
			l.OrganizationID, l.Title = ptr(o.ID), o.Name+" lead"
		} else {
			l.PersonID, l.OrganizationID, l.Title = ptr(p.ID), p.OrgID, p.Name+" lead"
		}
		if i%2 == 0 {
			l.Value = &LeadValue{Amount: json.Number(fmt.Sprintf("%d", 500*(1+s.intn(40)))), Currency: "USD"}
		}
		if i%3 == 1 {
			l.Custom[forecast.Key] = float64(forecast.Options[2].ID)
		}
		l.ExpectedCloseDate = ptr(created.AddDate(0, 2, 0).Format(dateOnly))
		l.CcEmail = fmt.Sprintf("northwind+lead%d@pipedrivemail.com", i+1)
		leads = append(leads, e.Leads.InsertAt(l, created, updated))
	}

	for i := range 36 {
		typ := []string{"call", "meeting", "task", "deadline", "email", "lunch", "call", "task", "demo"}[i%9]
		p := persons[(i*7)%len(persons)]
		created, updated := s.times(1, 200)
		due := created.Add(time.Duration(24+s.intn(24*20)) * time.Hour).Truncate(15 * time.Minute)
		a := Activity{
			Type: typ, OwnerID: p.OwnerID, CreatorUserID: users[0].ID, OrgID: p.OrgID, PersonID: ptr(p.ID),
			Participants: []Participant{{PersonID: p.ID, Primary: true}},
			DueDate:      ptr(due.Format(dateOnly)), DueTime: ptr(due.Format("15:04")),
			Done: due.Before(s.now) && s.intn(4) > 0, Busy: typ == "meeting" || typ == "lunch",
		}
		switch typ {
		case "call":
			a.Subject, a.Duration = "Call "+p.FirstName+" about next steps", ptr("00:30")
		case "meeting", "demo":
			a.Subject, a.Duration = strings.ToUpper(typ[:1])+typ[1:]+" with "+p.Name, ptr("01:00")
			a.Location = &Address{Value: "Video call"}
		case "lunch":
			a.Subject, a.Duration = "Lunch with "+p.FirstName, ptr("01:30")
		case "task":
			a.Subject, a.DueTime = "Send the proposal to "+p.FirstName, nil
		case "deadline":
			a.Subject, a.DueTime = "Contract signature deadline", nil
		case "email":
			a.Subject, a.Duration = "Follow-up email to "+p.FirstName, nil
		}
		if i%4 == 0 {
			d := deals[i%len(deals)]
			a.DealID = ptr(d.ID)
		}
		if i%11 == 5 {
			a.LeadID = ptr(leads[i%len(leads)].ID)
		}
		if i%6 == 0 {
			other := persons[(i*7+1)%len(persons)]
			a.Participants = append(a.Participants, Participant{PersonID: other.ID})
		}
		if a.Done {
			t := due.Format(v2Time)
			a.MarkedAsDoneTime = &t
		}
		a.Note = ptr("<p>Talked about the rollout plan and the budget for next quarter.</p>")
		e.Activities.InsertAt(a, created, updated)
	}

	noteTexts := []string{
		"<p>Asked for a security questionnaire and a reference customer.</p>",
		"<p>Budget approved for Q3. Decision maker is the <b>CFO</b>.</p>",
		"<p>Prefers email over calls; follow up after the trade fair.</p>",
		"<p>Competitor quote came in 12% lower. Discuss a multi-year discount.</p>",
	}
	for i := range 14 {
		created, updated := s.times(1, 300)
		n := Note{Content: pick(s, noteTexts), UserID: pick(s, users[:7]).ID, ActiveFlag: true}
		switch i % 4 {
		case 0:
			d := deals[i%len(deals)]
			n.DealID, n.PersonID, n.OrgID, n.PinnedToDealFlag = ptr(d.ID), d.PersonID, d.OrgID, i == 0
		case 1:
			p := persons[(i*3)%len(persons)]
			n.PersonID = ptr(p.ID)
		case 2:
			n.OrgID = ptr(orgs[i%len(orgs)].ID)
		case 3:
			n.LeadID = ptr(leads[i%len(leads)].ID)
		}
		n.LastUpdateUserID = ptr(n.UserID)
		e.Notes.InsertAt(n, created, updated)
	}
}

func sortInt64s(s []int64) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}
