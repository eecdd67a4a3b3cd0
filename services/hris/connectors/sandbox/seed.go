package sandbox

import (
	"fmt"
	"strings"
	"time"

	"github.com/unimesh/unimesh/pkg/sandboxapi"
)

func ptr[T any](v T) *T { return &v }

// seedToday is the demo data's present: January is paid, February's
// payroll is under way, and what lies after is planned.
const seedToday = "2025-02-10"

// seed loads the demo data: the same records, ids and times on every start.
func (e *Emulator) seed() {
	s := sandboxapi.NewSeeder(2)
	us, de := e.seedEntities(s)
	org := e.seedOrg(s)
	workers := e.seedWorkers(s, us, de, org)
	comps := e.seedCompensations(s, workers)
	e.seedLeave(s, workers)
	deductions := e.seedDeductions(s, workers)
	e.seedPayroll(s, []LegalEntity{us, de}, workers, comps, deductions)
}

// between returns a number in [lo, hi].
func between(s *sandboxapi.Seeder, lo, hi int) int { return lo + s.R.IntN(hi-lo+1) }

func date(t time.Time) string { return t.Format(dateLayout) }

func parseDate(d string) time.Time {
	t, err := time.Parse(dateLayout, d)
	if err != nil {
		panic("seed: bad date " + d)
	}
	return t
}

// at is a seed time: day d at hour h (UTC).
func at(d string, h int) time.Time { return parseDate(d).Add(time.Duration(h) * time.Hour) }

func (e *Emulator) seedEntities(s *sandboxapi.Seeder) (us, de LegalEntity) {
	t := s.Base.Add(-72 * time.Hour)
	us = e.LegalEntities.InsertAt(LegalEntity{
		LegalName: "Sandbox Demo Inc.", TradingName: "Sandbox Demo", Country: "US", Currency: "USD",
		TaxIDs: []TaxID{{Type: "ein", Value: "12-3456789"}}, Primary: true, PaySchedule: "semimonthly",
	}, t, t)
	de = e.LegalEntities.InsertAt(LegalEntity{
		LegalName: "Sandbox Demo GmbH", TradingName: "Sandbox Demo Deutschland", Country: "DE", Currency: "EUR",
		TaxIDs:      []TaxID{{Type: "steuernummer", Value: "27/815/08154"}, {Type: "vat", Value: "DE312345678"}},
		PaySchedule: "monthly",
	}, t, s.Base.Add(48*time.Hour))
	return us, de
}

// orgChart is what workers are placed in.
type orgChart struct {
	sites                                 []Site // San Francisco, Austin, Berlin, remote
	eng, platform, sales, ops, people, cc OrgUnit
}

func (e *Emulator) seedOrg(s *sandboxapi.Seeder) orgChart {
	t := s.Base.Add(-48 * time.Hour)
	var o orgChart
	for _, site := range []Site{
		{Name: "San Francisco HQ", Kind: "office", Timezone: "America/Los_Angeles", Address: sandboxapi.Address{
			Line1: "500 Market Street", Line2: "Floor 4", City: "San Francisco", State: "CA", Zip: "94105", Country: "US", Kind: "work"}},
		{Name: "Austin Warehouse", Kind: "warehouse", Timezone: "America/Chicago", Address: sandboxapi.Address{
			Line1: "1200 East 5th Street", City: "Austin", State: "TX", Zip: "78702", Country: "US", Kind: "work"}},
		{Name: "Berlin Office", Kind: "office", Timezone: "Europe/Berlin", Address: sandboxapi.Address{
			Line1: "Friedrichstraße 68", City: "Berlin", State: "Berlin", Zip: "10117", Country: "DE", Kind: "work"}},
		{Name: "Remote", Kind: "virtual", Timezone: "UTC"},
	} {
		o.sites = append(o.sites, e.Sites.InsertAt(site, t, t))
	}
	unit := func(name, kind, code string, parent *OrgUnit) OrgUnit {
		u := OrgUnit{Name: name, Kind: kind, Code: code}
		if parent != nil {
			u.ParentID = ptr(parent.ID)
		}
		return e.OrgUnits.InsertAt(u, t, t)
	}
	o.eng = unit("Engineering", "department", "ENG", nil)
	o.platform = unit("Platform", "team", "ENG-PLT", &o.eng)
	o.sales = unit("Sales & Customer Success", "department", "SAL", nil)
	o.ops = unit("Operations", "department", "OPS", nil)
	o.people = unit("People", "team", "OPS-PPL", &o.ops)
	o.cc = unit("R&D", "cost_center", "CC-4100", nil)
	return o
}

// --- workers ----------------------------------------------------------------

// role is a job in the demo company.
type role struct {
	title   string
	units   func(o orgChart) []string
	manager int // index of the worker's manager; -1 for none
}

var (
	engTitles   = []string{"Software Engineer", "Senior Software Engineer", "Staff Engineer", "QA Engineer", "Product Designer", "Data Engineer"}
	salesTitles = []string{"Account Executive", "Sales Development Representative", "Customer Success Manager", "Solutions Engineer"}
	opsTitles   = []string{"Warehouse Associate", "Logistics Coordinator", "Office Manager", "Accountant", "People Partner", "Recruiter"}
	// preferredNames are the names some people go by.
	preferredNames = map[string]string{"Katherine": "Kate", "Margaret": "Peggy", "Frances": "Fran", "Donald": "Don",
		"Barbara": "Barb", "Niklaus": "Klaus", "Timothy": "Tim", "Yukihiro": "Matz", "Radia": "Rad"}
	asciiFold = strings.NewReplacer("ä", "ae", "ö", "oe", "ü", "ue", "ß", "ss", "é", "e", "í", "i", "á", "a", " ", "", "'", "")
	usCities  = []sandboxapi.City{{Name: "San Francisco", Region: "CA", Country: "US", Zip: "94110", Dial: "+1 415", Local: 7},
		{Name: "Oakland", Region: "CA", Country: "US", Zip: "94607", Dial: "+1 510", Local: 7},
		{Name: "Austin", Region: "TX", Country: "US", Zip: "78704", Dial: "+1 512", Local: 7}}
	deCities = []sandboxapi.City{{Name: "Berlin", Region: "Berlin", Country: "DE", Zip: "10437", Dial: "+49 30", Local: 8},
		{Name: "Potsdam", Region: "Brandenburg", Country: "DE", Zip: "14467", Dial: "+49 331", Local: 7}}
	usStreets = []string{"Valencia Street", "Mission Street", "Telegraph Avenue", "South Congress Avenue", "Oak Street"}
	deStreets = []string{"Schönhauser Allee", "Kastanienallee", "Brandenburger Straße", "Oranienstraße", "Karl-Marx-Allee"}
)

// executives are the first five workers, whom the others report to.
var executives = []role{
	{title: "Chief Executive Officer", units: func(o orgChart) []string { return nil }, manager: -1},
	{title: "VP Engineering", units: func(o orgChart) []string { return []string{o.eng.ID, o.cc.ID} }, manager: 0},
	{title: "VP Sales", units: func(o orgChart) []string { return []string{o.sales.ID} }, manager: 0},
	{title: "Head of Operations", units: func(o orgChart) []string { return []string{o.ops.ID} }, manager: 0},
	{title: "Head of People", units: func(o orgChart) []string { return []string{o.ops.ID, o.people.ID} }, manager: 3},
}

// pickRole places a worker who is not an executive.
func pickRole(s *sandboxapi.Seeder) role {
	switch n := s.R.IntN(100); {
	case n < 45:
		platform := s.R.IntN(5) < 2
		return role{title: sandboxapi.Pick(s, engTitles), manager: 1, units: func(o orgChart) []string {
			if platform {
				return []string{o.eng.ID, o.platform.ID, o.cc.ID}
			}
			return []string{o.eng.ID, o.cc.ID}
		}}
	case n < 75:
		return role{title: sandboxapi.Pick(s, salesTitles), manager: 2, units: func(o orgChart) []string { return []string{o.sales.ID} }}
	default:
		title := sandboxapi.Pick(s, opsTitles)
		people := title == "People Partner" || title == "Recruiter"
		return role{title: title, manager: 3, units: func(o orgChart) []string {
			if people {
				return []string{o.ops.ID, o.people.ID}
			}
			return []string{o.ops.ID}
		}}
	}
}

// lifecycle is where a seeded worker is in their employment, by position,
// so that every status is present in fixed numbers.
func lifecycle(i int) (status, hire, end, reason string) {
	switch i {
	case 7, 27, 47, 67:
		ends := map[int][2]string{7: {"2024-09-30", "Resigned: moved abroad"}, 27: {"2024-12-31", "Fixed-term contract ended"},
			47: {"2025-01-20", "Resigned"}, 67: {"2025-01-31", "Position eliminated"}}[i]
		return "terminated", "", ends[0], ends[1]
	case 30, 55:
		return "offboarding", "", map[int]string{30: "2025-03-31", 55: "2025-04-30"}[i], "Resigned"
	case 11, 36, 61:
		return "leave", "", "", ""
	case 77, 78, 79:
		return "onboarding", map[int]string{77: "2025-03-03", 78: "2025-03-17", 79: "2025-04-01"}[i], "", ""
	}
	return "active", "", "", ""
}

// contractFor picks the kind of contract of a worker in a country.
func contractFor(s *sandboxapi.Seeder, i int, country string) string {
	if i < 5 {
		return "full_time"
	}
	switch n := s.R.IntN(100); {
	case n < 78:
		return "full_time"
	case n < 85:
		return "part_time"
	case n < 89:
		return "contractor"
	case n < 93 && country == "DE":
		return "apprentice"
	case n < 93:
		return "intern"
	case n < 97:
		return "fixed_term"
	case country == "DE":
		return "working_student"
	}
	return "part_time"
}

func junior(contract string) bool {
	return contract == "intern" || contract == "apprentice" || contract == "working_student"
}

func pickGender(s *sandboxapi.Seeder) string {
	switch n := s.R.IntN(100); {
	case n < 46:
		return "f"
	case n < 92:
		return "m"
	case n < 95:
		return "x"
	case n < 99:
		return "undisclosed"
	}
	return "self_described"
}

func (e *Emulator) seedWorkers(s *sandboxapi.Seeder, us, de LegalEntity, o orgChart) []Worker {
	var workers []Worker
	emails := map[string]bool{}
	for i := range 80 {
		r := pickRole(s)
		if i < len(executives) {
			r = executives[i]
		}
		entity := us
		if i == 1 || (i >= len(executives) && s.R.IntN(10) < 4) {
			entity = de
		}
		w := e.newWorker(s, i, r, entity, o, emails)
		if r.manager >= 0 {
			w.ManagerID = ptr(workers[r.manager].ID)
		}
		created, updated := workerTimes(s, w)
		workers = append(workers, e.Workers.InsertAt(w, created, updated))
	}
	return workers
}

// newWorker makes the i-th worker, without a manager.
func (e *Emulator) newWorker(s *sandboxapi.Seeder, i int, r role, entity LegalEntity, o orgChart, emails map[string]bool) Worker {
	p := s.Person()
	contract := contractFor(s, i, entity.Country)
	status, hire, end, reason := lifecycle(i)
	if hire == "" {
		hire = date(parseDate("2016-01-04").AddDate(0, 0, s.R.IntN(3100)))
		if junior(contract) {
			hire = date(parseDate("2023-01-02").AddDate(0, 0, s.R.IntN(540)))
		}
	}
	birth := date(parseDate("1962-01-01").AddDate(0, 0, s.R.IntN(13000)))
	if junior(contract) {
		birth = date(parseDate("1999-01-01").AddDate(0, 0, s.R.IntN(1800)))
	}
	title := r.title
	if junior(contract) {
		title = map[string]string{"intern": "Intern", "apprentice": "Auszubildende/r", "working_student": "Werkstudent/in"}[contract] + ", " + title
	}
	cities, streets := usCities, usStreets
	if entity.Country == "DE" {
		cities, streets = deCities, deStreets
	}
	city := sandboxapi.Pick(s, cities)
	w := Worker{
		WorkerNumber: fmt.Sprintf("%04d", i+1),
		LegalName:    LegalName{First: p.First, Last: p.Last},
		Emails:       WorkerEmails{Work: uniqueEmail(p, emails)},
		Phones:       []sandboxapi.Phone{{Number: s.Phone(city), Label: "mobile"}},
		HomeAddress: &sandboxapi.Address{Line1: fmt.Sprintf("%d %s", between(s, 1, 180), sandboxapi.Pick(s, streets)),
			City: city.Name, State: city.Region, Zip: city.Zip, Country: city.Country, Kind: "home"},
		BirthDate: birth, Gender: pickGender(s), LegalEntityID: entity.ID, OrgUnitIDs: append([]string{}, r.units(o)...),
		SiteID: ptr(workerSite(s, entity, r, o).ID), Status: status, Contract: contract, Title: title, HireDate: hire,
		Custom: map[string]any{"shirt_size": sandboxapi.Pick(s, []string{"S", "M", "L", "XL"}),
			"badge_id": fmt.Sprintf("B-%05d", 10000+i*37), "remote_eligible": s.R.IntN(3) > 0},
	}
	if pn, ok := preferredNames[p.First]; ok && s.R.IntN(2) == 0 {
		w.PreferredName = pn
	}
	w.DisplayName = displayName(w.PreferredName, p.First, p.Last)
	if s.R.IntN(10) < 4 {
		w.Emails.Personal = fmt.Sprintf("%s.%s%d@mail.example", fold(p.First), fold(p.Last), between(s, 10, 99))
	}
	if s.R.IntN(10) < 3 {
		w.Phones = append(w.Phones, sandboxapi.Phone{Number: s.Phone(city), Label: "work"})
	}
	if end != "" {
		w.Termination = &Termination{Date: end, Reason: reason}
	}
	return w
}

func fold(s string) string { return asciiFold.Replace(strings.ToLower(s)) }

// uniqueEmail gives a work address no other worker has.
func uniqueEmail(p sandboxapi.Person, taken map[string]bool) string {
	base := fold(p.First) + "." + fold(p.Last)
	addr := base + "@sandbox-hr.example"
	for n := 2; taken[addr]; n++ {
		addr = fmt.Sprintf("%s%d@sandbox-hr.example", base, n)
	}
	taken[addr] = true
	return addr
}

// workerSite is where a worker works: their country's office (the
// warehouse for some of operations), or remote.
func workerSite(s *sandboxapi.Seeder, entity LegalEntity, r role, o orgChart) Site {
	switch {
	case s.R.IntN(10) == 0:
		return o.sites[3]
	case entity.Country == "DE":
		return o.sites[2]
	case r.manager == 3 && s.R.IntN(2) == 0:
		return o.sites[1]
	}
	return o.sites[0]
}

// workerTimes: workers employed before were imported in Sandbox HR's first
// days; newer hires were added a month before they started.
func workerTimes(s *sandboxapi.Seeder, w Worker) (created, updated time.Time) {
	created = s.Time(3)
	if hire := parseDate(w.HireDate); hire.After(s.Base) {
		created = s.After(hire.AddDate(0, 0, -35), 5)
	}
	updated = created
	switch {
	case w.Termination != nil && w.Termination.Date > date(created):
		updated = at(w.Termination.Date, 17)
		if w.Termination.Date > seedToday {
			updated = s.After(parseDate(seedToday).AddDate(0, 0, -20), 10)
		}
	case s.R.IntN(3) == 0:
		updated = s.After(created, 30)
	}
	return created, updated
}

// --- compensations ----------------------------------------------------------

// payOf is a worker's rate: its unit and amount in cents.
func payOf(s *sandboxapi.Seeder, w Worker, country string) (unit string, cents int64) {
	step := func(lo, hi, by int) int64 { return int64(lo+by*s.R.IntN((hi-lo)/by+1)) * 100 }
	switch {
	case w.Contract == "contractor":
		return "day", step(450, 950, 25)
	case w.Contract == "apprentice":
		return "month", step(1050, 1300, 10)
	case junior(w.Contract) && country == "DE":
		return "hour", step(14, 18, 1)
	case w.Contract == "intern":
		return "hour", step(20, 28, 1)
	case w.Contract == "part_time" && country == "DE":
		return "hour", step(16, 32, 1) + 50*int64(s.R.IntN(2))
	case w.Contract == "part_time":
		return "hour", step(22, 48, 1)
	case country == "DE":
		return "month", step(3800, 11500, 50)
	case strings.HasPrefix(w.Title, "Chief") || strings.HasPrefix(w.Title, "VP") || strings.HasPrefix(w.Title, "Head"):
		return "year", step(190000, 300000, 5000)
	}
	return "year", step(65000, 210000, 500)
}

func (e *Emulator) seedCompensations(s *sandboxapi.Seeder, workers []Worker) map[string][]Compensation {
	out := map[string][]Compensation{}
	for _, w := range workers {
		le, _, _ := e.LegalEntities.Get(w.LegalEntityID)
		unit, cents := payOf(s, w, le.Country)
		c := Compensation{WorkerID: w.ID, Title: w.Title, RateUnit: unit, PaySchedule: le.PaySchedule,
			Contract: w.Contract, FLSA: "not_applicable", EffectiveFrom: w.HireDate}
		switch {
		case w.Contract == "contractor":
			c.PaySchedule = "off_payroll"
		case le.Country == "US" && unit == "hour":
			c.FLSA = "non_exempt"
		case le.Country == "US":
			c.FLSA = "exempt"
		}
		created := s.Time(3)
		if w.HireDate < "2024-01-01" && s.R.IntN(10) < 4 {
			// A raise: the earlier rate, then the current one.
			first := c
			first.Rate = sandboxapi.Money{Amount: formatCents(cents * 9 / 10 / 100 * 100), Currency: le.Currency}
			out[w.ID] = append(out[w.ID], e.Compensations.InsertAt(first, created, created))
			c.EffectiveFrom = sandboxapi.Pick(s, []string{"2024-01-01", "2024-04-01", "2025-01-01"})
		}
		c.Rate = sandboxapi.Money{Amount: formatCents(cents), Currency: le.Currency}
		if c.EffectiveFrom < w.HireDate {
			c.EffectiveFrom = w.HireDate
		}
		out[w.ID] = append(out[w.ID], e.Compensations.InsertAt(c, created, created))
	}
	return out
}

// current is the compensation in effect on day d (the first one before any).
func current(comps []Compensation, d string) Compensation {
	c := comps[0]
	for _, x := range comps {
		if x.EffectiveFrom <= d {
			c = x
		}
	}
	return c
}

// --- leave ------------------------------------------------------------------

// leavePlan is how a kind of leave is usually taken.
type leavePlan struct {
	kind       string
	weight     int
	minDays    int
	maxDays    int
	hourly     bool // may be taken in hours
	notes      []string
	pastStatus []string
}

var leavePlans = []leavePlan{
	{kind: "vacation", weight: 55, minDays: 1, maxDays: 10, notes: []string{"Family trip", "Skiing", "", "Wedding"}},
	{kind: "sick", weight: 18, minDays: 1, maxDays: 3, hourly: true, notes: []string{"", "Doctor's appointment"}},
	{kind: "personal", weight: 8, minDays: 1, maxDays: 1, hourly: true, notes: []string{"Moving house", "Appointment at the registry office"}},
	{kind: "parental", weight: 3, minDays: 20, maxDays: 60, notes: []string{"Parental leave"}},
	{kind: "bereavement", weight: 3, minDays: 2, maxDays: 3, notes: []string{""}},
	{kind: "jury_duty", weight: 3, minDays: 1, maxDays: 2, notes: []string{"Summoned to the county court"}},
	{kind: "volunteering", weight: 4, minDays: 1, maxDays: 1, notes: []string{"Beach clean-up", "Food bank"}},
	{kind: "unpaid", weight: 3, minDays: 3, maxDays: 10, notes: []string{"Sabbatical week"}},
	{kind: "training", weight: 3, minDays: 2, maxDays: 5, notes: []string{"Bildungsurlaub: language course", "Conference"}},
}

func pickLeavePlan(s *sandboxapi.Seeder) leavePlan {
	n := s.R.IntN(100)
	for _, p := range leavePlans {
		if n < p.weight {
			return p
		}
		n -= p.weight
	}
	return leavePlans[0]
}

// leaveStatus: requests in the past were decided; later ones are mostly
// approved ahead, or waiting.
func leaveStatus(s *sandboxapi.Seeder, from string) string {
	n := s.R.IntN(100)
	switch {
	case from < seedToday && n < 78:
		return "approved"
	case from < seedToday && n < 90:
		return "rejected"
	case from < seedToday:
		return "cancelled"
	case n < 40:
		return "pending"
	case n < 90:
		return "approved"
	case n < 95:
		return "rejected"
	}
	return "cancelled"
}

func (e *Emulator) seedLeave(s *sandboxapi.Seeder, workers []Worker) {
	var takers []Worker
	for _, w := range workers {
		if w.Status != "terminated" && w.Status != "onboarding" && w.Contract != "contractor" && w.ManagerID != nil {
			takers = append(takers, w)
		}
	}
	for made, tries := 0, 0; made < 60 && tries < 1000; tries++ {
		if e.seedLeaveRequest(s, sandboxapi.Pick(s, takers)) {
			made++
		}
	}
	e.seedBalances(workers)
}

// seedLeaveRequest adds one request of w, unless it would overlap another.
func (e *Emulator) seedLeaveRequest(s *sandboxapi.Seeder, w Worker) bool {
	p := pickLeavePlan(s)
	start := s.Base.Truncate(24*time.Hour).AddDate(0, 0, s.R.IntN(300))
	for start.Weekday() == time.Saturday || start.Weekday() == time.Sunday {
		start = start.AddDate(0, 0, 1)
	}
	l := LeaveRequest{WorkerID: w.ID, LeaveType: p.kind, Unit: "days", Note: sandboxapi.Pick(s, p.notes), ApproverID: ptr(*w.ManagerID)}
	if p.hourly && s.R.IntN(3) == 0 {
		from := start.Add(time.Duration(between(s, 8, 13)) * time.Hour)
		l.Unit, l.From, l.To = "hours", from.Format(time.RFC3339), from.Add(time.Duration(between(s, 4, 8))*30*time.Minute).Format(time.RFC3339)
	} else {
		l.From, l.To = date(start), date(start.AddDate(0, 0, between(s, p.minDays, p.maxDays)-1))
	}
	l.Status = leaveStatus(s, date(start))
	from, to, err := leaveSpan(l.Unit, l.From, l.To)
	if err != nil {
		panic("seed: " + err.msg)
	}
	if _, clash := e.overlappingLeave(w.ID, from, to); clash {
		return false
	}
	l.Quantity = leaveQuantity(l.Unit, from, to)
	created := from.AddDate(0, 0, -between(s, 5, 40))
	if created.Before(s.Base) {
		created = s.After(s.Base, 3)
	}
	if p.kind == "sick" && from.Before(parseDate(seedToday)) {
		created = from.Add(7 * time.Hour) // reported on the day
	}
	updated := created
	if l.Status != "pending" {
		updated = s.After(created, 3)
	}
	e.LeaveRequests.InsertAt(l, created, updated)
	return true
}

// policy is a leave allowance of one country.
type policy struct {
	name, kind, unit string
	entitlement      int64 // in hundredths of the unit
}

var policies = map[string][]policy{
	"US": {{"PTO (US)", "vacation", "days", 2000}, {"Sick leave (US)", "sick", "hours", 6400}},
	"DE": {{"Urlaub (DE)", "vacation", "days", 3000}, {"Bildungsurlaub (DE)", "training", "days", 500}},
}

// seedBalances gives every worker on payroll their 2025 balances, net of
// the approved requests seeded.
func (e *Emulator) seedBalances(workers []Worker) {
	t := at("2025-01-01", 2)
	for _, w := range workers {
		if w.Status == "terminated" || w.Contract == "contractor" {
			continue
		}
		le, _, _ := e.LegalEntities.Get(w.LegalEntityID)
		for _, p := range policies[le.Country] {
			taken, last := e.takenLeave(w.ID, p)
			updated := t
			if last.After(t) {
				updated = last
			}
			e.LeaveBalances.InsertAt(LeaveBalance{
				WorkerID: w.ID, Policy: p.name, LeaveType: p.kind, Unit: p.unit, Year: 2025,
				Entitlement: trimDecimal(formatCents(p.entitlement)), Taken: trimDecimal(formatCents(taken)),
				Remaining: trimDecimal(formatCents(p.entitlement - taken)),
			}, t, updated)
		}
	}
}

// takenLeave sums a worker's approved requests under a policy, in
// hundredths of its unit (a day is 8 hours), and when the last was decided.
func (e *Emulator) takenLeave(worker string, p policy) (int64, time.Time) {
	var taken int64
	var last time.Time
	for _, l := range e.LeaveRequests.All() {
		if l.WorkerID != worker || l.LeaveType != p.kind || l.Status != "approved" {
			continue
		}
		q, _ := parseCents(l.Quantity)
		switch {
		case l.Unit == "days" && p.unit == "hours":
			q *= 8
		case l.Unit == "hours" && p.unit == "days":
			q /= 8
		}
		taken += q
		if l.UpdatedAt.After(last) {
			last = l.UpdatedAt
		}
	}
	return taken, last
}
