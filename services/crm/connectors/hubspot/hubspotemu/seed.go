package hubspotemu

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"
)

// seeder draws the demo data: the same records on every start, with times
// spread over the last year relative to the emulator's clock.
type seeder struct {
	r   *rand.Rand
	now time.Time
}

func (s *seeder) pick(n int) int { return s.r.IntN(n) }

// ago is a time between minDays and maxDays before now, on a working hour.
func (s *seeder) ago(minDays, maxDays int) time.Time {
	d := minDays + s.r.IntN(maxDays-minDays+1)
	t := s.now.AddDate(0, 0, -d).Truncate(time.Hour)
	return time.Date(t.Year(), t.Month(), t.Day(), 8+s.r.IntN(9), s.r.IntN(60), s.r.IntN(60), s.r.IntN(1000)*1e6, time.UTC)
}

// after is a time after t and at least an hour before now.
func (s *seeder) after(t time.Time, maxDays int) time.Time {
	u := t.Add(time.Duration(1+s.r.IntN(maxDays*24)) * time.Hour)
	if limit := s.now.Add(-time.Hour); u.After(limit) {
		u = limit
	}
	return u
}

var (
	firstNames = []string{"Olivia", "Liam", "Emma", "Noah", "Sofia", "Lukas", "Mia", "Mateo", "Chloé", "Arjun", "Hannah", "Kenji",
		"Amara", "Finn", "Isabella", "Jonas", "Priya", "Oscar", "Leila", "Tomás", "Greta", "Samuel", "Yara", "Henrik", "Nadia"}
	lastNames = []string{"Becker", "Okafor", "Lindqvist", "Moreau", "Tanaka", "Fischer", "Rossi", "Kowalski", "Haddad", "Schmidt",
		"García", "Novak", "Andersen", "Silva", "Brennan", "Weber", "Patel", "Dubois", "Jensen", "Costa"}
	titles = []string{"CEO", "CTO", "VP Sales", "Head of Operations", "Procurement Manager", "CFO", "Engineering Manager",
		"Office Manager", "Marketing Director", "IT Administrator"}
)

type seedCompany struct {
	name, domain, industry, street, city, state, zip, country, phone string
	employees                                                        int
}

var seedCompanies = []seedCompany{
	{"Northwind Traders", "northwind.example", "LOGISTICS_AND_SUPPLY_CHAIN", "400 Pine Street", "Seattle", "WA", "98101", "United States", "+1 206 555 0142", 420},
	{"Contoso Analytics", "contoso-analytics.example", "COMPUTER_SOFTWARE", "12 Harbour Road", "Boston", "MA", "02110", "United States", "+1 617 555 0188", 150},
	{"Fabrikam Energy", "fabrikam-energy.example", "RENEWABLES_ENVIRONMENT", "Friedrichstraße 68", "Berlin", "", "10117", "Germany", "+49 30 901820", 860},
	{"Tailspin Health", "tailspin-health.example", "HOSPITAL_HEALTH_CARE", "8 Rue de Rivoli", "Paris", "", "75004", "France", "+33 1 42 68 53 00", 1200},
	{"Lumen Retail Group", "lumenretail.example", "RETAIL", "55 King Street", "Manchester", "", "M2 4LQ", "United Kingdom", "+44 161 496 0732", 2300},
	{"Adatum Finance", "adatum-finance.example", "FINANCIAL_SERVICES", "1 Bahnhofstrasse", "Zürich", "", "8001", "Switzerland", "+41 44 668 18 00", 310},
	{"Blue Yonder Telecom", "blueyonder-telecom.example", "TELECOMMUNICATIONS", "Gran Vía 28", "Madrid", "", "28013", "Spain", "+34 915 21 40 00", 5400},
	{"Wingtip Software", "wingtip.example", "COMPUTER_SOFTWARE", "200 Market Street", "San Francisco", "CA", "94105", "United States", "+1 415 555 0199", 75},
	{"Proseware Learning", "proseware.example", "EDUCATION_MANAGEMENT", "Keizersgracht 174", "Amsterdam", "", "1016 DW", "Netherlands", "+31 20 794 7000", 95},
	{"Coho Foods", "cohofoods.example", "FOOD_BEVERAGES", "77 Queen Street West", "Toronto", "ON", "M5H 2M5", "Canada", "+1 416 555 0123", 640},
	{"Litware Marketing", "litware.example", "MARKETING_AND_ADVERTISING", "Via Torino 40", "Milan", "", "20123", "Italy", "+39 02 8058 1200", 48},
	{"Trey Research", "treyresearch.example", "INFORMATION_TECHNOLOGY_AND_SERVICES", "Drottninggatan 5", "Stockholm", "", "111 51", "Sweden", "+46 8 505 800 00", 210},
	{"Alpine Ski House", "alpineskihouse.example", "RETAIL", "Museumstrasse 3", "Innsbruck", "", "6020", "Austria", "+43 512 5360", 36},
	{"Margie's Travel", "margiestravel.example", "INTERNET", "10 George Street", "Sydney", "NSW", "2000", "Australia", "+61 2 9374 4000", 130},
	{"Graphic Design Institute", "gdi.example", "EDUCATION_MANAGEMENT", "Av. Paulista 1000", "São Paulo", "SP", "01310-100", "Brazil", "+55 11 3065 2000", 260},
}

// seed loads the demo account.
func (e *Emulator) seed() {
	s := &seeder{r: rand.New(rand.NewPCG(3, 2026)), now: e.Store.Now()}
	e.seedCustomProperties(s)

	var owners []Owner
	for i, n := range []struct{ first, last, team string }{
		{"Maya", "Lindgren", "Sales"}, {"Daniel", "Okoro", "Sales"}, {"Elena", "Vasquez", "Sales"}, {"Tobias", "Keller", "Partnerships"},
		{"Aiko", "Sato", "Customer Success"}, {"Ravi", "Menon", "Sales"}, {"Grace", "O'Neil", "Sales"},
	} {
		t := s.ago(400, 700)
		o := e.owners.InsertAt(Owner{FirstName: n.first, LastName: n.last,
			Email:  strings.ToLower(strings.ReplaceAll(n.first+"."+n.last, "'", "")) + "@northwind-demo.example",
			UserID: int64(5120002 + i), Archived: i == 6,
			Teams: []Team{{ID: fmt.Sprint(4419001 + len(n.team)%3), Name: n.team, Primary: true}}}, t, s.after(t, 200))
		if !o.Archived {
			owners = append(owners, o)
		}
	}
	owner := func() string { return owners[s.pick(len(owners))].ID }

	pt := s.ago(300, 320)
	partners := e.pipelines["deals"].InsertAt(Pipeline{Label: "Partnerships", DisplayOrder: 1, Stages: []Stage{
		{ID: "1045000001", Label: "Intro call", DisplayOrder: 0, Metadata: map[string]string{"isClosed": "false", "probability": "0.1"}, CreatedAt: pt, UpdatedAt: pt},
		{ID: "1045000002", Label: "Evaluation", DisplayOrder: 1, Metadata: map[string]string{"isClosed": "false", "probability": "0.4"}, CreatedAt: pt, UpdatedAt: pt},
		{ID: "1045000003", Label: "Contract signed", DisplayOrder: 2, Metadata: map[string]string{"isClosed": "true", "probability": "1.0"}, CreatedAt: pt, UpdatedAt: pt},
		{ID: "1045000004", Label: "Declined", DisplayOrder: 3, Metadata: map[string]string{"isClosed": "true", "probability": "0.0"}, CreatedAt: pt, UpdatedAt: pt},
	}}, pt, s.after(pt, 30))
	e.stageSeq.Store(1045000010)
	sales, _, _ := e.pipelines["deals"].Get("default")

	var companies []Object
	for i, c := range seedCompanies {
		created := s.ago(200, 330)
		props := map[string]string{
			"name": c.name, "domain": c.domain, "website": "https://www." + c.domain, "industry": c.industry,
			"numberofemployees": fmt.Sprint(c.employees), "annualrevenue": fmt.Sprintf("%d000", c.employees*(90+s.pick(160))),
			"description": c.name + " is a customer of the demo account.", "phone": c.phone, "address": c.street,
			"city": c.city, "state": c.state, "zip": c.zip, "country": c.country, "hubspot_owner_id": owner(),
			"type":           []string{"PROSPECT", "PARTNER", "RESELLER", "VENDOR"}[i%4],
			"lifecyclestage": []string{"lead", "opportunity", "customer", "customer"}[i%4],
			"segment":        []string{"enterprise", "mid_market", "smb"}[i%3],
		}
		if i%3 == 0 {
			props["hs_additional_domains"] = strings.Replace(c.domain, ".example", "-group.example", 1)
		}
		if i%2 == 0 {
			props["contract_renewal_date"] = s.now.AddDate(0, 1+s.pick(11), 0).Format("2006-01") + "-01"
		}
		if i%4 == 1 {
			props["product_interests"] = "crm;analytics"
		}
		companies = append(companies, e.objects["companies"].InsertAt(Object{Properties: dropEmpty(props)}, created, s.after(created, 60)))
	}

	var contacts []Object
	used := map[string]bool{}
	for i := range 40 {
		first, last := firstNames[s.pick(len(firstNames))], lastNames[s.pick(len(lastNames))]
		for used[first+last] {
			first, last = firstNames[s.pick(len(firstNames))], lastNames[s.pick(len(lastNames))]
		}
		used[first+last] = true
		co := companies[i%len(companies)]
		if i >= 36 {
			co = Object{} // a few contacts with no company
		}
		domain := "mail.example"
		if co.ID != "" {
			domain = co.Properties["domain"]
		}
		local := strings.ToLower(asciiFold(first) + "." + asciiFold(last))
		props := map[string]string{
			"firstname": first, "lastname": last, "email": local + "@" + domain, "jobtitle": titles[s.pick(len(titles))],
			"phone": seedPhone(s, co), "hubspot_owner_id": owner(),
			"lifecyclestage":     []string{"subscriber", "lead", "marketingqualifiedlead", "salesqualifiedlead", "opportunity", "customer"}[s.pick(6)],
			"hs_lead_status":     []string{"NEW", "OPEN", "IN_PROGRESS", "CONNECTED", "ATTEMPTED_TO_CONTACT"}[s.pick(5)],
			"preferred_language": []string{"en", "de", "fr", "es"}[s.pick(4)],
		}
		if co.ID != "" {
			props["company"] = co.Properties["name"]
			props["city"], props["country"] = co.Properties["city"], co.Properties["country"]
			props["address"], props["zip"], props["state"] = co.Properties["address"], co.Properties["zip"], co.Properties["state"]
		}
		if i%3 == 0 {
			props["mobilephone"] = fmt.Sprintf("+44 7700 900%03d", s.pick(1000))
		}
		if i%5 == 0 {
			props["hs_additional_emails"] = local + "@personal-mail.example"
		}
		if i%4 == 0 {
			props["nps_score"] = fmt.Sprint(5 + s.pick(6))
			props["newsletter_opt_in"] = fmt.Sprint(i%8 == 0)
		}
		created := s.ago(30, 320)
		c := e.objects["contacts"].InsertAt(Object{Properties: dropEmpty(props)}, created, s.after(created, 90))
		contacts = append(contacts, c)
		if co.ID != "" {
			e.addAssociation("contacts", c.ID, "companies", co.ID, []int{1})
		}
	}

	contactsOf := func(companyID string) []string {
		var out []string
		for _, c := range contacts {
			for _, v := range e.associationsOf("contacts", c.ID, "companies") {
				if v.ToID == companyID {
					out = append(out, c.ID)
				}
			}
		}
		return out
	}

	var deals []Object
	for i := range 24 {
		pl := sales
		if i%6 == 5 {
			pl = partners
		}
		st := pl.Stages[s.pick(len(pl.Stages))]
		co := companies[s.pick(len(companies))]
		created := s.ago(20, 300)
		props := map[string]string{
			"dealname": co.Properties["name"] + " — " + []string{"Annual licence", "Expansion", "Pilot", "Renewal", "Services"}[s.pick(5)],
			"amount":   fmt.Sprintf("%d%s", 1000*(2+s.pick(180)), []string{"", ".50", ".25", ""}[s.pick(4)]),
			"pipeline": pl.ID, "dealstage": st.ID, "hubspot_owner_id": owner(),
			"closedate":          formatTime(time.Date(created.Year(), created.Month(), created.Day(), 0, 0, 0, 0, time.UTC).AddDate(0, 2+s.pick(4), 0)),
			"dealtype":           []string{"newbusiness", "existingbusiness"}[s.pick(2)],
			"hs_priority":        []string{"low", "medium", "high"}[s.pick(3)],
			"deal_source_detail": []string{"Trade show", "Inbound form", "Partner referral", "Outbound sequence"}[s.pick(4)],
		}
		if i%4 == 3 {
			props["deal_currency_code"] = "EUR"
		} else {
			props["deal_currency_code"] = "USD"
		}
		if st.Metadata["isClosed"] == "true" && st.Metadata["probability"] == "0.0" {
			props["closed_lost_reason"] = []string{"Chose a competitor", "No budget this year", "Went silent"}[s.pick(3)]
		}
		if i%3 == 0 {
			props["competitors"] = "acme;globex"
		}
		_ = e.dealRules(nil, props, true)
		props["hs_analytics_source"] = []string{"OFFLINE", "ORGANIC_SEARCH", "REFERRALS", "DIRECT_TRAFFIC"}[s.pick(4)]
		d := e.objects["deals"].InsertAt(Object{Properties: props}, created, s.after(created, 40))
		deals = append(deals, d)
		e.addAssociation("deals", d.ID, "companies", co.ID, []int{5})
		for j, cid := range contactsOf(co.ID) {
			if j < 3 {
				e.addAssociation("deals", d.ID, "contacts", cid, []int{3})
			}
		}
	}

	for i := range 10 {
		c := contacts[(i*7+3)%len(contacts)]
		created := s.ago(5, 120)
		props := map[string]string{
			"hs_lead_name":       c.Properties["firstname"] + " " + c.Properties["lastname"],
			"hs_lead_type":       []string{"NEW_BUSINESS", "UPSELL", "RE_ATTEMPTING"}[s.pick(3)],
			"hs_lead_label":      []string{"HOT", "WARM", "COLD"}[s.pick(3)],
			"hs_pipeline_stage":  []string{"new-stage-id", "attempting-stage-id", "connected-stage-id", "qualified-stage-id", "unqualified-stage-id"}[i%5],
			"hubspot_owner_id":   owner(),
			"lead_source_detail": []string{"Webinar", "Pricing page", "Referral"}[s.pick(3)],
		}
		_ = e.leadRules(props, true)
		l := e.objects["leads"].InsertAt(Object{Properties: props}, created, s.after(created, 20))
		e.addAssociation("leads", l.ID, "contacts", c.ID, []int{578})
		if cos := e.associationsOf("contacts", c.ID, "companies"); len(cos) > 0 {
			e.addAssociation("leads", l.ID, "companies", cos[0].ToID, []int{580})
		}
		if props["hs_pipeline_stage"] == "qualified-stage-id" {
			e.addAssociation("leads", l.ID, "deals", deals[i].ID, []int{582})
		}
	}

	e.seedActivities(s, owner, contacts, companies, deals)
}

// seedActivities logs notes, calls, meetings, emails and tasks on the demo
// records.
func (e *Emulator) seedActivities(s *seeder, owner func() string, contacts, companies, deals []Object) {
	link := func(typ string, id string, i int) {
		c := contacts[(i*5+1)%len(contacts)]
		e.addAssociation(typ, id, "contacts", c.ID, []int{defaultAssocType(typ, "contacts")})
		if cos := e.associationsOf("contacts", c.ID, "companies"); len(cos) > 0 {
			e.addAssociation(typ, id, "companies", cos[0].ToID, []int{defaultAssocType(typ, "companies")})
		}
		if i%3 == 0 {
			d := deals[i%len(deals)]
			e.addAssociation(typ, id, "deals", d.ID, []int{defaultAssocType(typ, "deals")})
		}
	}
	insert := func(typ string, i int, props map[string]string, at time.Time) {
		t := lookupType(typ)
		_ = e.engagementRules(t, nil, props)
		o := e.objects[typ].InsertAt(Object{Properties: dropEmpty(props)}, at, s.after(at, 3))
		link(typ, o.ID, i)
	}
	for i := range 12 {
		at := s.ago(1, 200)
		insert("notes", i, map[string]string{"hs_timestamp": formatTime(at), "hubspot_owner_id": owner(),
			"hs_note_body": []string{"<p>Discussed rollout timeline; they want a phased start in Q3.</p>",
				"<p>Budget approved by the CFO. Waiting on legal review.</p>",
				"<p>Asked for a security questionnaire and SOC 2 report.</p>",
				"<p>Champion is moving teams — find a new sponsor.</p>"}[i%4]}, at)
	}
	for i := range 10 {
		at := s.ago(1, 200)
		props := map[string]string{"hs_timestamp": formatTime(at), "hubspot_owner_id": owner(),
			"hs_call_title":     []string{"Discovery call", "Pricing follow-up", "Technical deep dive", "Check-in"}[i%4],
			"hs_call_body":      "Covered requirements and next steps.",
			"hs_call_direction": []string{"OUTBOUND", "INBOUND"}[i%2],
			"hs_call_duration":  fmt.Sprint((5 + s.pick(40)) * 60000),
			"hs_call_status":    []string{"COMPLETED", "COMPLETED", "NO_ANSWER", "BUSY"}[i%4],
			"hs_call_to_number": "+1 206 555 01" + fmt.Sprintf("%02d", s.pick(100)),
		}
		if i%2 == 0 {
			props["call_sentiment"] = []string{"positive", "neutral", "negative"}[s.pick(3)]
		}
		insert("calls", i, props, at)
	}
	for i := range 8 {
		start := s.ago(-20, 150).Truncate(30 * time.Minute)
		outcome := "COMPLETED"
		if start.After(s.now) {
			outcome = "SCHEDULED"
		}
		created := start.AddDate(0, 0, -3)
		if created.After(s.now) {
			created = s.now.AddDate(0, 0, -2)
		}
		insert("meetings", i, map[string]string{"hs_timestamp": formatTime(start), "hubspot_owner_id": owner(),
			"hs_meeting_title":      []string{"Quarterly business review", "Product demo", "Contract negotiation", "Onboarding kickoff"}[i%4],
			"hs_meeting_body":       "Agenda: goals, demo, open questions.",
			"hs_meeting_location":   []string{"Zoom", "Customer office", "Google Meet"}[i%3],
			"hs_meeting_start_time": formatTime(start), "hs_meeting_end_time": formatTime(start.Add(time.Duration(30+30*(i%2)) * time.Minute)),
			"hs_meeting_outcome": outcome}, created)
	}
	for i := range 10 {
		at := s.ago(1, 200)
		insert("emails", i, map[string]string{"hs_timestamp": formatTime(at), "hubspot_owner_id": owner(),
			"hs_email_subject":   []string{"Proposal attached", "Re: Proposal attached", "Next steps", "Meeting notes"}[i%4],
			"hs_email_text":      "Hi, following up on our conversation — see the details below.",
			"hs_email_direction": []string{"EMAIL", "INCOMING_EMAIL", "EMAIL", "FORWARDED_EMAIL"}[i%4],
			"hs_email_status":    "SENT"}, at)
	}
	for i := range 10 {
		created := s.ago(10, 200)
		due := created.AddDate(0, 0, 3+s.pick(30))
		insert("tasks", i, map[string]string{"hs_timestamp": formatTime(due), "hubspot_owner_id": owner(),
			"hs_task_subject":  []string{"Send proposal", "Book follow-up demo", "Prepare QBR deck", "Chase signature"}[i%4],
			"hs_task_body":     "See the latest notes on the deal.",
			"hs_task_status":   []string{"COMPLETED", "NOT_STARTED", "IN_PROGRESS", "COMPLETED", "WAITING"}[i%5],
			"hs_task_priority": []string{"LOW", "MEDIUM", "HIGH"}[i%3],
			"hs_task_type":     []string{"TODO", "CALL", "EMAIL"}[i%3]}, created)
	}
}

// seedCustomProperties adds the demo account's own properties.
func (e *Emulator) seedCustomProperties(s *seeder) {
	at := s.ago(500, 600)
	for _, p := range []Property{
		{ObjectType: "contacts", Name: "preferred_language", Label: "Preferred language", Type: "enumeration", FieldType: "select",
			Options: opts("English=en", "German=de", "French=fr", "Spanish=es")},
		{ObjectType: "contacts", Name: "nps_score", Label: "NPS score", Type: "number", FieldType: "number"},
		{ObjectType: "contacts", Name: "newsletter_opt_in", Label: "Newsletter opt-in", Type: "bool", FieldType: "booleancheckbox",
			Options: opts("Yes=true", "No=false")},
		{ObjectType: "companies", Name: "segment", Label: "Segment", Type: "enumeration", FieldType: "select",
			Options: opts("Enterprise=enterprise", "Mid-market=mid_market", "SMB=smb")},
		{ObjectType: "companies", Name: "contract_renewal_date", Label: "Contract renewal date", Type: "date", FieldType: "date"},
		{ObjectType: "companies", Name: "product_interests", Label: "Product interests", Type: "enumeration", FieldType: "checkbox",
			Options: opts("CRM=crm", "Analytics=analytics", "Support=support")},
		{ObjectType: "deals", Name: "deal_source_detail", Label: "Deal source detail", Type: "string", FieldType: "text"},
		{ObjectType: "deals", Name: "competitors", Label: "Competitors", Type: "enumeration", FieldType: "checkbox",
			Options: opts("Acme=acme", "Globex=globex", "Initech=initech")},
		{ObjectType: "deals", Name: "renewal_date", Label: "Renewal date", Type: "date", FieldType: "date"},
		{ObjectType: "leads", Name: "lead_source_detail", Label: "Lead source detail", Type: "string", FieldType: "text"},
		{ObjectType: "calls", Name: "call_sentiment", Label: "Call sentiment", Type: "enumeration", FieldType: "radio",
			Options: opts("Positive=positive", "Neutral=neutral", "Negative=negative")},
	} {
		p.GroupName, p.CreatedAt, p.UpdatedAt, p.DisplayOrder = lookupType(p.ObjectType).Singular+"information", at, at, -1
		e.properties.InsertAt(p, at, at)
	}
}

func seedPhone(s *seeder, co Object) string {
	if co.ID == "" {
		return fmt.Sprintf("(555) 01%02d-%04d", s.pick(100), s.pick(10000))
	}
	base := co.Properties["phone"]
	return base[:len(base)-2] + fmt.Sprintf("%02d", s.pick(100))
}

func dropEmpty(m map[string]string) map[string]string {
	for k, v := range m {
		if v == "" {
			delete(m, k)
		}
	}
	return m
}

// asciiFold keeps email local parts plain: "Chloé" → "chloe".
func asciiFold(s string) string {
	r := strings.NewReplacer("é", "e", "á", "a", "í", "i", "ó", "o", "ú", "u", "ö", "o", "ü", "u", "ä", "a", "ç", "c", "ã", "a")
	return r.Replace(s)
}
