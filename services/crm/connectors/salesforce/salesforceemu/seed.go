package salesforceemu

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"
)

// stageDefs are the org's opportunity stages: Salesforce's defaults, and a
// retired one that is no longer active.
var stageDefs = []struct {
	Label            string
	Probability      int
	Closed, Won      bool
	Forecast, FcName string
	Active           bool
}{
	{"Prospecting", 10, false, false, "Pipeline", "Pipeline", true},
	{"Qualification", 10, false, false, "Pipeline", "Pipeline", true},
	{"Needs Analysis", 20, false, false, "Pipeline", "Pipeline", true},
	{"Value Proposition", 50, false, false, "Pipeline", "Pipeline", true},
	{"Id. Decision Makers", 60, false, false, "BestCase", "Best Case", true},
	{"Perception Analysis", 70, false, false, "BestCase", "Best Case", true},
	{"Proposal/Price Quote", 75, false, false, "BestCase", "Best Case", true},
	{"Negotiation/Review", 90, false, false, "Forecast", "Commit", true},
	{"Closed Won", 100, true, true, "Closed", "Closed", true},
	{"Closed Lost", 0, true, false, "Omitted", "Omitted", true},
	{"Legal Review", 80, false, false, "Forecast", "Commit", false},
}

// insertAt stores a seed record the way a create would: defaults and
// derived fields filled, rules checked.
func (e *Emulator) insertAt(object string, rec Record, created, updated time.Time) Record {
	o := e.objects[strings.ToLower(object)]
	body := map[string]any{}
	for k, v := range rec {
		body[k] = v
	}
	e.defaults(o, rec, body)
	if errs := e.derive(o, nil, rec, body); len(errs) > 0 {
		panic(fmt.Sprintf("salesforceemu: seed %s: %v", object, errs))
	}
	return e.coll(o).InsertAt(rec, created, updated)
}

// setupOrg creates what every org has: the organization, roles, profiles,
// the integration user the token belongs to, and the opportunity stages.
func (e *Emulator) setupOrg() {
	born := e.store.Now().AddDate(-3, 0, 0).Truncate(time.Hour)
	// The integration user is the first user; its id is known before it
	// exists, so that every record can say it created it.
	e.apiUser = makeID("005", int64(len("User"))*7_777_777+131)
	org := e.insertAt("Organization", Record{"Name": "Acme Robotics", "DefaultCurrencyIsoCode": "USD", "OrganizationType": "Enterprise Edition",
		"IsSandbox": false, "InstanceName": "NA224", "TimeZoneSidKey": "America/Los_Angeles", "LanguageLocaleKey": "en_US"}, born, born)
	e.org = str(org, "Id")
	for _, r := range []string{"CEO", "VP Sales", "Sales Manager", "Sales Representative"} {
		e.insertAt("UserRole", Record{"Name": r, "DeveloperName": strings.ReplaceAll(r, " ", "")}, born, born)
	}
	for _, p := range []struct{ name, typ string }{{"System Administrator", "Standard"}, {"Standard User", "Standard"}, {"Chatter Free User", "CsnOnly"}} {
		e.insertAt("Profile", Record{"Name": p.name, "UserType": p.typ}, born, born)
	}
	admin := e.recordWhere("Profile", "Name", "System Administrator")
	api := e.coll(e.objects["user"]).InsertAt(Record{"Username": "integration@acme-robotics.example", "FirstName": "Integration",
		"LastName": "User", "Name": "Integration User", "Email": "integration@acme-robotics.example", "Alias": "integ", "IsActive": true,
		"ProfileId": admin, "UserType": "Standard", "TimeZoneSidKey": "America/Los_Angeles"}, born, born)
	if str(api, "Id") != e.apiUser {
		panic("salesforceemu: the integration user's id is not the one foreseen")
	}

	stageField := e.objects["opportunity"].field("StageName")
	for i, s := range stageDefs {
		e.insertAt("OpportunityStage", Record{"MasterLabel": s.Label, "ApiName": s.Label, "IsActive": s.Active, "SortOrder": strconv.Itoa(i + 1),
			"IsClosed": s.Closed, "IsWon": s.Won, "ForecastCategory": s.Forecast, "ForecastCategoryName": s.FcName,
			"DefaultProbability": strconv.Itoa(s.Probability)}, born, born)
		stageField.Picklist = append(stageField.Picklist, picklistValue{Value: s.Label, Active: s.Active})
	}
}

// recordWhere returns the id of the first record of object whose field is value.
func (e *Emulator) recordWhere(object, field, value string) string {
	id := ""
	e.coll(e.objects[strings.ToLower(object)]).Each(func(r *Record) bool {
		if str(*r, field) == value {
			id = str(*r, "Id")
			return false
		}
		return true
	})
	return id
}

var (
	firstNames = []string{"Ada", "Grace", "Alan", "Katherine", "Linus", "Margaret", "Dennis", "Barbara", "Ken", "Frances", "Tim", "Radia",
		"Edsger", "Hedy", "John", "Sophie", "Lukas", "Amélie", "Mateo", "Priya", "Kenji", "Olga", "Nadia", "Samuel", "Chloé", "Ingrid"}
	lastNames = []string{"Lovelace", "Hopper", "Turing", "Johnson", "Torvalds", "Hamilton", "Ritchie", "Liskov", "Thompson", "Allen",
		"Berners-Lee", "Perlman", "Dijkstra", "Lamarr", "Backus", "Wilson", "Müller", "Dubois", "García", "Sharma", "Tanaka", "Ivanova",
		"Haddad", "Okafor", "Laurent", "Larsen"}
	companies = []string{"Globex", "Initech", "Umbrella Logistics", "Stark Fabrication", "Wayne Components", "Cyberdyne Systems",
		"Soylent Foods", "Tyrell Automation", "Wonka Industries", "Hooli", "Vandelay Industries", "Massive Dynamic", "Oscorp Materials",
		"Pied Piper", "Aperture Labs", "Black Mesa Research", "Nakatomi Trading", "Gringotts Finance", "Monarch Solutions",
		"Dunder Mifflin Paper", "Blue Sun Energy", "Sirius Cybernetics", "Prestige Worldwide", "Virtucon", "Buy n Large",
		"Ollivanders Supply", "Krusty Brands", "Bluth Homes", "Rekall Health", "Weyland Mining"}
	places = []struct{ street, city, state, zip, country, phone string }{
		{"415 Mission Street", "San Francisco", "CA", "94105", "United States", "+1 415 555 01"},
		{"1 Infinite Loop", "Cupertino", "CA", "95014", "US", "(408) 555-01"},
		{"350 Fifth Avenue", "New York", "NY", "10118", "USA", "+1 212 555 01"},
		{"100 Congress Ave", "Austin", "TX", "78701", "United States", "+1 512 555 01"},
		{"30 St Mary Axe", "London", "", "EC3A 8BF", "United Kingdom", "+44 20 7946 01"},
		{"Friedrichstraße 68", "Berlin", "", "10117", "Germany", "+49 30 901820"},
		{"8 Rue de Rivoli", "Paris", "", "75004", "France", "+33 1 42 68 53"},
		{"2-1-1 Nihonbashi", "Tokyo", "", "103-0027", "Japan", "+81 3 5555 01"},
	}
	industries = []string{"Manufacturing", "Technology", "Energy", "Healthcare", "Finance", "Retail", "Transportation", "Engineering"}
	products   = []string{"Robotic Arms", "Vision Systems", "Service Contract", "Fleet Upgrade", "Pilot Line", "Spare Parts Program"}
	titles     = []string{"CEO", "CTO", "VP Operations", "Head of Procurement", "Plant Manager", "Engineering Manager", "Buyer", "CFO"}
	sources    = []string{"Web", "Phone Inquiry", "Partner Referral", "Purchased List", "Other"}
)

type seeder struct {
	r   *rand.Rand
	now time.Time
}

func pick[T any](s *seeder, xs []T) T { return xs[s.r.IntN(len(xs))] }

// created is a time 20 to maxDays days ago; updated is between it and a day ago.
func (s *seeder) times(maxDays int) (created, updated time.Time) {
	created = s.now.Add(-time.Duration(20*24+s.r.IntN((maxDays-20)*24)) * time.Hour).Add(-time.Duration(s.r.IntN(3600)) * time.Second)
	updated = created
	if s.r.IntN(3) > 0 {
		span := s.now.Add(-24*time.Hour).Sub(created) / time.Second
		updated = created.Add(time.Duration(s.r.Int64N(int64(span))) * time.Second)
	}
	return created.Truncate(time.Millisecond), updated.Truncate(time.Millisecond)
}

func slug(s string) string {
	s = strings.ToLower(s)
	var b strings.Builder
	for _, r := range s {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

func ascii(s string) string {
	return strings.NewReplacer("é", "e", "ü", "u", "í", "i", "ß", "ss").Replace(s)
}

// seed loads the demo data: the same records, ids and times on every start.
func (e *Emulator) seed() {
	s := &seeder{r: rand.New(rand.NewPCG(60, 2024)), now: e.store.Now()}
	born := s.now.AddDate(-2, 0, 0)
	roles := map[string]string{}
	for _, r := range []string{"CEO", "VP Sales", "Sales Manager", "Sales Representative"} {
		roles[r] = e.recordWhere("UserRole", "Name", r)
	}
	std, chatter := e.recordWhere("Profile", "Name", "Standard User"), e.recordWhere("Profile", "Name", "Chatter Free User")
	var owners []string
	for i, u := range []struct{ first, last, role string }{
		{"Marc", "Benioff", "CEO"}, {"Parker", "Harris", "VP Sales"}, {"Sarah", "Chen", "Sales Manager"}, {"Diego", "Alvarez", "Sales Representative"},
		{"Aisha", "Khan", "Sales Representative"}, {"Tom", "Becker", "Sales Representative"}, {"Emma", "Rossi", "Sales Representative"},
		{"Paul", "Novak", "Sales Representative"},
	} {
		c, m := s.times(700)
		rec := e.coll(e.objects["user"]).InsertAt(Record{"Username": strings.ToLower(u.first+"."+u.last) + "@acme-robotics.example",
			"FirstName": u.first, "LastName": u.last, "Name": u.first + " " + u.last, "Email": strings.ToLower(u.first+"."+u.last) + "@acme-robotics.example",
			"Alias": strings.ToLower(u.first[:1] + u.last[:4]), "Title": u.role, "IsActive": i != 7, "UserRoleId": roles[u.role],
			"ProfileId": std, "UserType": "Standard", "TimeZoneSidKey": pick(s, []string{"America/Los_Angeles", "America/New_York", "Europe/London"}),
			"Phone": fmt.Sprintf("+1 415 555 %04d", 1000+i)}, c, m)
		if i != 7 {
			owners = append(owners, str(rec, "Id"))
		}
	}
	e.coll(e.objects["user"]).InsertAt(Record{"Username": "chatty@acme-robotics.example", "FirstName": "Chatter", "LastName": "Expert",
		"Name": "Chatter Expert", "Email": "noreply@chatter.salesforce.com", "Alias": "Chatter", "IsActive": true, "ProfileId": chatter,
		"UserType": "CsnOnly", "TimeZoneSidKey": "America/Los_Angeles"}, born, born)

	var accounts []Record
	for i, name := range companies {
		p := places[i%len(places)]
		c, m := s.times(400)
		domain := slug(name) + ".example"
		rec := Record{"Name": name, "Type": pick(s, []string{"Prospect", "Customer - Direct", "Customer - Channel", "Technology Partner"}),
			"Industry": pick(s, industries), "Website": "https://www." + domain, "Phone": fmt.Sprintf("%s%02d", p.phone, s.r.IntN(100)),
			"NumberOfEmployees": strconv.Itoa(20 + s.r.IntN(20000)), "AnnualRevenue": strconv.Itoa((1 + s.r.IntN(900)) * 250000),
			"Description": name + " builds and runs automated production lines.", "BillingStreet": p.street, "BillingCity": p.city,
			"BillingState": nil, "BillingPostalCode": p.zip, "BillingCountry": p.country, "AccountSource": pick(s, sources),
			"Rating": pick(s, []string{"Hot", "Warm", "Cold"}), "OwnerId": pick(s, owners), "Region__c": pick(s, []string{"AMER", "EMEA", "APAC"}),
			"Health_Score__c": strconv.Itoa(40 + s.r.IntN(61))}
		if p.state != "" {
			rec["BillingState"] = p.state
		}
		if i%4 == 0 {
			rec["ShippingStreet"], rec["ShippingCity"], rec["ShippingPostalCode"], rec["ShippingCountry"] = "Dock 4, "+p.street, p.city, p.zip, p.country
		}
		if i%7 == 3 {
			rec["Fax"] = fmt.Sprintf("%s%02d", p.phone, 99)
		}
		accounts = append(accounts, e.insertAt("Account", rec, c, m))
	}

	var contacts []Record
	for i := range 80 {
		first, last := firstNames[s.r.IntN(len(firstNames))], lastNames[s.r.IntN(len(lastNames))]
		acct := accounts[s.r.IntN(len(accounts))]
		domain := strings.TrimPrefix(str(acct, "Website"), "https://www.")
		p := places[s.r.IntN(len(places))]
		c, m := s.times(380)
		rec := Record{"FirstName": first, "LastName": last, "Title": pick(s, titles), "Department": pick(s, []string{"Operations", "Procurement", "Engineering", "Finance"}),
			"Email": strings.ToLower(ascii(first)+"."+ascii(strings.ReplaceAll(last, " ", ""))) + "@" + domain,
			"Phone": fmt.Sprintf("%s%02d", p.phone, s.r.IntN(100)), "MailingStreet": p.street, "MailingCity": p.city,
			"MailingPostalCode": p.zip, "MailingCountry": p.country, "LeadSource": pick(s, sources), "OwnerId": pick(s, owners),
			"Preferred_Language__c": pick(s, []string{"en", "de", "fr", "es"}), "Newsletter_Opt_In__c": s.r.IntN(2) == 0}
		if i%10 != 9 {
			rec["AccountId"] = acct["Id"]
		}
		if p.state != "" {
			rec["MailingState"] = p.state
		}
		if i%3 == 0 {
			rec["MobilePhone"] = fmt.Sprintf("+1 650 555 %04d", 2000+i)
			rec["Lead_Score__c"] = strconv.Itoa(s.r.IntN(101))
		}
		if i%9 == 4 {
			rec["Salutation"] = pick(s, []string{"Dr.", "Ms.", "Mr."})
			rec["HomePhone"] = "0" + strconv.Itoa(301234500+i)
		}
		contacts = append(contacts, e.insertAt("Contact", rec, c, m))
	}

	var opps []Record
	for i := range 40 {
		acct := accounts[s.r.IntN(len(accounts))]
		st := stageDefs[s.r.IntN(len(stageDefs)-1)]
		c, m := s.times(300)
		closeDate := s.now.AddDate(0, 0, 10+s.r.IntN(120))
		if st.Closed {
			closeDate = m.AddDate(0, 0, -s.r.IntN(10))
		}
		amount := fmt.Sprintf("%d.%02d", (5+s.r.IntN(400))*1000, []int{0, 0, 50, 99}[s.r.IntN(4)])
		if i%13 == 5 {
			amount = "15000000.00" // a seven-figure deal, which Salesforce writes as 1.5E7
		}
		rec := Record{"Name": str(acct, "Name") + " - " + pick(s, products), "AccountId": acct["Id"], "StageName": st.Label,
			"CloseDate": closeDate.Format("2006-01-02"), "Amount": amount, "Type": pick(s, []string{"New Customer", "Existing Customer - Upgrade"}),
			"LeadSource": pick(s, sources), "OwnerId": acct["OwnerId"], "Renewal__c": i%5 == 0}
		if !st.Closed {
			rec["NextStep"] = pick(s, []string{"Send proposal", "Schedule site visit", "Security review", "Pricing call"})
		}
		if i%3 == 1 {
			rec["Competitor__c"] = pick(s, []string{"KUKA", "ABB", "FANUC", "Universal Robots"})
		}
		opps = append(opps, e.insertAt("Opportunity", rec, c, m))
	}

	for i := range 30 {
		first, last := firstNames[s.r.IntN(len(firstNames))], lastNames[s.r.IntN(len(lastNames))]
		company := pick(s, []string{"Ajax Tooling", "Northwind Traders", "Contoso Plastics", "Fabrikam Metals", "Litware Packaging",
			"Adventure Works", "Tailspin Robotics", "Proseware", "Wide World Importers", "Coho Winery"})
		c, m := s.times(200)
		rec := Record{"FirstName": first, "LastName": last, "Company": company, "Title": pick(s, titles),
			"Email": strings.ToLower(ascii(first)+"."+ascii(last)) + "@" + slug(company) + ".example", "Phone": fmt.Sprintf("+1 312 555 %04d", 3000+i),
			"LeadSource": pick(s, sources), "Industry": pick(s, []string{"Manufacturing", "Technology", "Retail", "Other"}),
			"Rating": pick(s, []string{"Hot", "Warm", "Cold"}), "OwnerId": pick(s, owners),
			"Status":              pick(s, []string{"Open - Not Contacted", "Working - Contacted", "Nurturing", "Closed - Not Converted"}),
			"Product_Interest__c": pick(s, []string{"Robotic Arms", "Vision Systems", "Service Contract"}),
			"Country":             "United States"}
		city := []struct{ city, state string }{{"Chicago", "IL"}, {"Detroit", "MI"}, {"Milwaukee", "WI"}}[s.r.IntN(3)]
		rec["City"], rec["State"] = city.city, city.state
		if i%6 == 5 {
			// Converted leads: Salesforce's lead conversion made these, with the records it created.
			acct, contact, opp := accounts[i%len(accounts)], contacts[i%len(contacts)], opps[i%len(opps)]
			delete(rec, "Status")
			e.insertAtConverted(rec, acct, contact, opp, m, c)
			continue
		}
		e.insertAt("Lead", rec, c, m)
	}

	for i := range 40 {
		contact := contacts[s.r.IntN(len(contacts))]
		sub := []string{"Call", "Email", "Task", "Call", "Task", "ListEmail"}[i%6]
		c, m := s.times(120)
		due := c.AddDate(0, 0, s.r.IntN(20)).Format("2006-01-02")
		status := pick(s, []string{"Not Started", "In Progress", "Completed", "Completed"})
		subject := map[string]string{"Call": "Call about " + pick(s, products), "Email": "Email: " + pick(s, products) + " quote",
			"Task": pick(s, []string{"Send proposal", "Prepare demo", "Update forecast"}), "ListEmail": "Newsletter: spring product update"}[sub]
		rec := Record{"Subject": subject, "TaskSubtype": sub, "Status": status, "Priority": pick(s, []string{"High", "Normal", "Normal", "Low"}),
			"ActivityDate": due, "WhoId": contact["Id"], "OwnerId": pick(s, owners),
			"Description": "Notes: " + strings.ToLower(pick(s, []string{"budget confirmed", "needs a second quote", "waiting on legal", "asked for references"}))}
		if contact["AccountId"] != nil {
			rec["WhatId"] = contact["AccountId"]
		}
		if i%5 == 2 {
			rec["WhatId"] = opps[s.r.IntN(len(opps))]["Id"]
		}
		if sub == "Call" {
			rec["CallType"] = pick(s, []string{"Inbound", "Outbound"})
			rec["CallDurationInSeconds"] = strconv.Itoa(60 + s.r.IntN(1800))
			rec["CallDisposition"] = pick(s, []string{"Connected", "Left voicemail", "No answer"})
		}
		if sub == "ListEmail" {
			rec["Status"] = "Completed"
		}
		e.insertAt("Task", rec, c, m)
	}
	for range 20 {
		contact := contacts[s.r.IntN(len(contacts))]
		c, m := s.times(120)
		start := c.Add(time.Duration(24+s.r.IntN(24*30)) * time.Hour).Truncate(30 * time.Minute)
		rec := Record{"Subject": pick(s, []string{"Discovery meeting", "Site visit", "Demo", "Quarterly business review"}),
			"StartDateTime": formatTime(start), "EndDateTime": formatTime(start.Add(time.Duration(30+30*s.r.IntN(4)) * time.Minute)),
			"Location": pick(s, []string{"Zoom", "Customer site", "HQ, room 4", "Google Meet"}), "WhoId": contact["Id"], "OwnerId": pick(s, owners),
			"ShowAs": "Busy", "Description": "Agenda: goals, timeline, next steps."}
		if contact["AccountId"] != nil {
			rec["WhatId"] = contact["AccountId"]
		}
		e.insertAt("Event", rec, c, m)
	}
}

// insertAtConverted stores a lead as lead conversion leaves it: converted,
// with the account, contact and opportunity it became.
func (e *Emulator) insertAtConverted(rec, acct, contact, opp Record, converted, created time.Time) {
	rec["Status"] = "Working - Contacted"
	o := e.objects["lead"]
	body := map[string]any{}
	for k, v := range rec {
		body[k] = v
	}
	e.defaults(o, rec, body)
	if errs := e.derive(o, nil, rec, body); len(errs) > 0 {
		panic(fmt.Sprintf("salesforceemu: seed Lead: %v", errs))
	}
	rec["Status"], rec["IsConverted"] = "Closed - Converted", true
	rec["ConvertedDate"] = converted.Format("2006-01-02")
	rec["ConvertedAccountId"], rec["ConvertedContactId"], rec["ConvertedOpportunityId"] = acct["Id"], contact["Id"], opp["Id"]
	e.coll(o).InsertAt(rec, created, converted)
}
