package sandbox

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/unimesh/unimesh/pkg/sandboxapi"
)

func ptr[T any](v T) *T { return &v }

// Interview plan templates. A requisition created through the API gets the
// default plan.
var (
	defaultPlan = []Stage{
		{Name: "Application review", Kind: "applied"}, {Name: "Phone screen", Kind: "screen"},
		{Name: "Interview", Kind: "interview"}, {Name: "Offer", Kind: "offer"}, {Name: "Hired", Kind: "hired"},
	}
	engineeringPlan = []Stage{
		{Name: "Application review", Kind: "applied"}, {Name: "Recruiter screen", Kind: "screen"},
		{Name: "Technical interview", Kind: "interview"}, {Name: "Take-home exercise", Kind: "assessment"},
		{Name: "Onsite loop", Kind: "interview"}, {Name: "Offer", Kind: "offer"}, {Name: "Hired", Kind: "hired"},
	}
	salesPlan = []Stage{
		{Name: "Application review", Kind: "applied"}, {Name: "Phone screen", Kind: "screen"},
		{Name: "Hiring manager interview", Kind: "interview"}, {Name: "Case presentation", Kind: "assessment"},
		{Name: "Offer", Kind: "offer"}, {Name: "Hired", Kind: "hired"},
	}
	designPlan = []Stage{
		{Name: "Application review", Kind: "applied"}, {Name: "Portfolio review", Kind: "assessment"},
		{Name: "Phone screen", Kind: "screen"}, {Name: "Design challenge", Kind: "assessment"},
		{Name: "Team interview", Kind: "interview"}, {Name: "Offer", Kind: "offer"}, {Name: "Hired", Kind: "hired"},
	}
)

// departmentSeeds are the departments; parent indexes an earlier one (-1: none).
var departmentSeeds = []struct {
	name   string
	parent int
}{
	{"Engineering", -1}, {"Platform", 0}, {"Product Engineering", 0}, {"Data", 0}, {"Product", -1}, {"Design", -1},
	{"Sales", -1}, {"Marketing", -1}, {"Customer Success", -1}, {"People", -1}, {"Finance", -1},
}

// officeSeeds are the regions, then the offices in them.
var officeSeeds = []struct {
	name, city, country, tz string
	parent                  int
}{
	{"EMEA", "", "", "", -1}, {"Americas", "", "", "", -1}, {"APAC", "", "", "", -1},
	{"Berlin HQ", "Berlin", "DE", "Europe/Berlin", 0}, {"London", "London", "GB", "Europe/London", 0},
	{"Amsterdam", "Amsterdam", "NL", "Europe/Amsterdam", 0}, {"New York", "New York", "US", "America/New_York", 1},
	{"San Francisco", "San Francisco", "US", "America/Los_Angeles", 1}, {"Toronto", "Toronto", "CA", "America/Toronto", 1},
	{"Sydney", "Sydney", "AU", "Australia/Sydney", 2}, {"Remote", "", "", "UTC", -1},
}

// jobSeeds are the requisitions: dept indexes departmentSeeds.
var jobSeeds = []struct {
	title, code, employment, state string
	dept                           int
	plan                           []Stage
}{
	{"Senior Backend Engineer (Go)", "ENG-101", "Full-time", "open", 1, engineeringPlan},
	{"Site Reliability Engineer", "ENG-102", "Full-time", "open", 1, engineeringPlan},
	{"Staff Platform Engineer", "ENG-103", "Full-time", "on_hold", 1, engineeringPlan},
	{"Frontend Engineer (React)", "ENG-104", "Full-time", "open", 2, engineeringPlan},
	{"iOS Engineer", "ENG-105", "Full-time", "open", 2, engineeringPlan},
	{"Engineering Manager, Payments", "ENG-106", "Full-time", "open", 2, engineeringPlan},
	{"Data Engineer", "DAT-201", "Full-time", "open", 3, engineeringPlan},
	{"Machine Learning Engineer", "DAT-202", "Full-time", "closed", 3, engineeringPlan},
	{"QA Automation Engineer", "ENG-107", "Contract (12 months)", "open", 2, defaultPlan},
	{"Security Engineer", "ENG-108", "Full-time", "pending_approval", 1, engineeringPlan},
	{"Software Engineering Intern", "ENG-109", "Internship (3 months)", "open", 0, defaultPlan},
	{"Senior Product Manager", "PRD-301", "Full-time", "open", 4, defaultPlan},
	{"Product Manager, Growth", "PRD-302", "Full-time", "draft", 4, defaultPlan},
	{"Product Designer", "DES-401", "Full-time", "open", 5, designPlan},
	{"UX Researcher", "DES-402", "Contract (6 months)", "archived", 5, designPlan},
	{"Account Executive, Mid-Market", "SAL-501", "Full-time", "open", 6, salesPlan},
	{"Sales Development Representative", "SAL-502", "Full-time", "evergreen", 6, salesPlan},
	{"Solutions Engineer", "SAL-503", "Full-time", "open", 6, salesPlan},
	{"Content Marketing Manager", "MKT-601", "Part-time (60%)", "open", 7, defaultPlan},
	{"Product Marketing Manager", "MKT-602", "Full-time", "closed", 7, defaultPlan},
	{"Customer Success Manager", "CS-701", "Full-time", "open", 8, salesPlan},
	{"Support Engineer", "CS-702", "Full-time", "evergreen", 8, defaultPlan},
	{"Technical Recruiter", "PPL-801", "Full-time", "open", 9, defaultPlan},
	{"People Partner", "PPL-802", "Full-time", "on_hold", 9, defaultPlan},
	{"Financial Controller", "FIN-901", "Full-time", "open", 10, defaultPlan},
}

var rejectionReasonSeeds = []string{
	"Not enough relevant experience", "Skills mismatch", "Compensation expectations", "Position filled",
	"Candidate unresponsive", "Did not pass the assessment", "Location or work authorization",
}

// seedTeam is the staff the demo data refers to, by role.
type seedTeam struct {
	recruiters, coordinators, managers, interviewers []Recruiter
}

// seed loads the demo data: the same records, ids and times on every start.
func (e *Emulator) seed() {
	s := sandboxapi.NewSeeder(5)
	team := e.seedRecruiters(s)
	var reasons []RejectionReason
	for _, label := range rejectionReasonSeeds {
		t := s.Time(3)
		reasons = append(reasons, e.RejectionReasons.InsertAt(RejectionReason{Label: label}, t, t))
	}
	depts := e.seedDepartments(s)
	offices := e.seedOffices(s)
	jobs := e.seedRequisitions(s, team, depts, offices)
	people := e.seedPeople(s)
	apps := e.seedApplications(s, jobs, people, team, reasons)
	e.seedInterviews(s, apps, team)
	e.seedOffers(s, apps, jobs, offices)
	e.seedFiles(s, people, apps, jobs)
}

func (e *Emulator) seedRecruiters(s *sandboxapi.Seeder) seedTeam {
	var team seedTeam
	roles := []string{"admin", "recruiter", "recruiter", "recruiter", "recruiter", "coordinator", "coordinator",
		"hiring_manager", "hiring_manager", "hiring_manager", "hiring_manager", "hiring_manager", "interviewer", "interviewer"}
	names := map[string]bool{}
	for i, role := range roles {
		p := s.Person()
		for names[p.First+p.Last] {
			p = s.Person()
		}
		names[p.First+p.Last] = true
		t := s.Time(10)
		u := e.Recruiters.InsertAt(Recruiter{Name: p.First + " " + p.Last, Email: emailLocal(p) + "@sandbox-recruit.example",
			Role: role, Deactivated: i == len(roles)-1}, t, t)
		switch {
		case u.Deactivated:
		case role == "recruiter":
			team.recruiters = append(team.recruiters, u)
		case role == "coordinator":
			team.coordinators = append(team.coordinators, u)
		case role == "hiring_manager":
			team.managers = append(team.managers, u)
		case role == "interviewer":
			team.interviewers = append(team.interviewers, u)
		}
	}
	return team
}

func (e *Emulator) seedDepartments(s *sandboxapi.Seeder) []Department {
	var out []Department
	for _, d := range departmentSeeds {
		t := s.Time(3)
		dept := Department{Name: d.name}
		if d.parent >= 0 {
			dept.ParentID = ptr(out[d.parent].ID)
		}
		out = append(out, e.Departments.InsertAt(dept, t, t))
	}
	return out
}

func (e *Emulator) seedOffices(s *sandboxapi.Seeder) []Office {
	var out []Office
	for _, o := range officeSeeds {
		t := s.Time(3)
		office := Office{Name: o.name, City: o.city, Country: o.country, Timezone: o.tz}
		if o.parent >= 0 {
			office.ParentID = ptr(out[o.parent].ID)
		}
		out = append(out, e.Offices.InsertAt(office, t, t))
	}
	return out
}

func (e *Emulator) seedRequisitions(s *sandboxapi.Seeder, team seedTeam, depts []Department, offices []Office) []Requisition {
	var out []Requisition
	sites := offices[3:] // the offices, not the regions
	for _, js := range jobSeeds {
		created := s.Time(90)
		updated := s.After(created, 30)
		officeIDs := []string{sandboxapi.Pick(s, sites).ID}
		if extra := sandboxapi.Pick(s, sites).ID; s.R.IntN(3) == 0 && extra != officeIDs[0] {
			officeIDs = append(officeIDs, extra)
		}
		recruiters := []int64{sandboxapi.Pick(s, team.recruiters).ID}
		if extra := sandboxapi.Pick(s, team.recruiters).ID; s.R.IntN(3) == 0 && extra != recruiters[0] {
			recruiters = append(recruiters, extra)
		}
		dept := depts[js.dept]
		out = append(out, e.Requisitions.InsertAt(Requisition{
			Title: js.title, ReqCode: js.code, State: js.state, Employment: js.employment,
			DescriptionHTML: fmt.Sprintf("<p>We are hiring a <strong>%s</strong> to join our %s team.</p>"+
				"<ul><li>Work with a small, senior team</li><li>Hybrid or remote within your region</li></ul>", js.title, dept.Name),
			DepartmentID: ptr(dept.ID), OfficeIDs: officeIDs,
			HiringTeam:      HiringTeam{Managers: []int64{sandboxapi.Pick(s, team.managers).ID}, Recruiters: recruiters},
			Headcount:       int32(1 + s.R.IntN(3)),
			InterviewPlanID: e.newPlan(js.plan, created),
			Custom: map[string]any{
				"remote_policy": sandboxapi.Pick(s, []string{"hybrid", "remote", "onsite"}),
				"salary_band":   sandboxapi.Pick(s, []string{"L3", "L4", "L5", "L6"}),
			},
		}, created, updated))
	}
	return out
}

var (
	headlines = []string{"Backend Engineer", "Senior Software Engineer", "Frontend Developer", "Product Designer",
		"Account Executive", "Data Analyst", "Engineering Manager", "Customer Success Lead", "Marketing Specialist",
		"Recruiter", "Computer Science Student", "Product Manager", "Site Reliability Engineer", "Controller"}
	origins   = []string{"LinkedIn", "Careers page", "Referral", "Indeed", "Agency: TalentBridge", "Sourced", "Meetup"}
	personTag = []string{"silver-medalist", "relocation", "visa-sponsorship", "alumni", "diversity-event", "do-not-contact"}
	domains   = []string{"gmail.example", "outlook.example", "proton.example", "fastmail.example", "posteo.example"}
)

func (e *Emulator) seedPeople(s *sandboxapi.Seeder) []Person {
	var out []Person
	taken := map[string]bool{}
	for range 120 {
		p := s.Person()
		local, domain := emailLocal(p), sandboxapi.Pick(s, domains)
		email := local + "@" + domain
		for n := 2; taken[email]; n++ {
			email = fmt.Sprintf("%s%d@%s", local, n, domain)
		}
		taken[email] = true
		company, _ := s.Company()
		_, city := s.Address("home")
		phones := []sandboxapi.Phone{{Number: s.Phone(city), Label: "mobile"}}
		if s.R.IntN(4) == 0 {
			phones = append(phones, sandboxapi.Phone{Number: s.Phone(city), Label: "work"})
		}
		created := s.Time(200)
		updated := created
		if s.R.IntN(2) == 0 {
			updated = s.After(created, 30)
		}
		out = append(out, e.People.InsertAt(Person{
			FirstName: p.First, LastName: p.Last, CurrentCompany: company, Headline: sandboxapi.Pick(s, headlines),
			Emails: []sandboxapi.Email{{Address: email, Label: "personal"}}, Phones: phones,
			Links: seedLinks(s, strings.ReplaceAll(local, ".", "-")), Tags: pickTags(s), Origin: sandboxapi.Pick(s, origins),
			Custom: map[string]any{"notice_period_weeks": float64(s.R.IntN(13)), "open_to_remote": s.R.IntN(2) == 0},
		}, created, updated))
	}
	return out
}

func seedLinks(s *sandboxapi.Seeder, slug string) []Link {
	links := []Link{}
	for _, l := range []struct {
		kind, url string
		pct       int
	}{
		{"linkedin", "https://www.linkedin.com/in/" + slug, 70},
		{"github", "https://github.com/" + slug, 35},
		{"portfolio", "https://www.behance.net/" + slug, 10},
		{"website", "https://" + slug + ".dev.example", 10},
		{"social", "https://mastodon.social/@" + slug, 5},
		{"other", "https://stackoverflow.com/users/" + slug, 3},
	} {
		if s.R.IntN(100) < l.pct {
			links = append(links, Link{URL: l.url, Kind: l.kind})
		}
	}
	return links
}

func pickTags(s *sandboxapi.Seeder) []string {
	out := []string{}
	for _, t := range personTag {
		if s.R.IntN(6) == 0 {
			out = append(out, t)
		}
	}
	return out
}

// emailLocal makes a plain-ASCII local part of a name: the vocabulary has
// names with spaces and accents, which are no email addresses.
func emailLocal(p sandboxapi.Person) string {
	fold := strings.NewReplacer("ä", "a", "é", "e", "í", "i", "ó", "o", "á", "a", "ñ", "n", " ", "", "'", "")
	return strings.ToLower(fold.Replace(p.First) + "." + fold.Replace(p.Last))
}

var rejectionNotes = []string{"Strong profile, but we need more distributed-systems depth.", "Went with a candidate with domain experience.",
	"Salary expectations well above the band.", "No reply after two follow-ups.", "Asked us to keep them in mind for next year."}

func (e *Emulator) seedApplications(s *sandboxapi.Seeder, jobs []Requisition, people []Person, team seedTeam, reasons []RejectionReason) []Application {
	var pool []Requisition // open requisitions weigh three times as much
	for _, j := range jobs {
		switch j.State {
		case "open", "evergreen":
			pool = append(pool, j, j, j)
		case "on_hold", "closed", "archived":
			pool = append(pool, j)
		}
	}
	applied := map[string]bool{}
	hired := map[string]int{}
	var out []Application
	for i := range 160 {
		p := people[i%len(people)]
		if i >= len(people) {
			p = sandboxapi.Pick(s, people)
		}
		job := sandboxapi.Pick(s, pool)
		for applied[fmt.Sprint(p.ID, job.ID)] {
			job = sandboxapi.Pick(s, pool)
		}
		applied[fmt.Sprint(p.ID, job.ID)] = true
		a := e.seedApplication(s, p, job, hired[job.ID], team, reasons)
		if a.Status == "hired" {
			hired[job.ID]++
		}
		out = append(out, a)
	}
	return out
}

// seedApplication makes one application of p to job, with a status that
// fits the requisition's state.
func (e *Emulator) seedApplication(s *sandboxapi.Seeder, p Person, job Requisition, hiredSoFar int, team seedTeam, reasons []RejectionReason) Application {
	stages := e.planStages(job.InterviewPlanID)
	status := seedStatus(s, job, hiredSoFar)
	created := s.After(later(p.CreatedAt, job.CreatedAt), 20)
	updated := s.After(created, 40)
	a := Application{CandidateID: p.ID, JobID: job.ID, Status: status, AppliedAt: ptr(created), Origin: p.Origin, Custom: map[string]any{}}
	switch status {
	case "hired":
		a.StageID, a.HiredAt = stages[len(stages)-1].ID, ptr(updated)
	case "rejected":
		a.StageID = stages[min(s.R.IntN(len(stages)-1), s.R.IntN(len(stages)-1))].ID // mostly early
		a.RejectedAt, a.Rejection = ptr(updated), seedRejection(s, reasons)
	default:
		a.StageID = stages[s.R.IntN(len(stages)-1)].ID
	}
	if p.Origin == "Referral" {
		a.ReferrerID = ptr(sandboxapi.Pick(s, team.managers).ID)
	}
	if s.R.IntN(10) < 7 {
		a.Custom["screening_score"] = float64(1 + s.R.IntN(5))
	}
	return e.Applications.InsertAt(a, created, updated)
}

func seedStatus(s *sandboxapi.Seeder, job Requisition, hiredSoFar int) string {
	r := s.R.IntN(100)
	switch job.State {
	case "closed", "archived":
		if hiredSoFar < int(job.Headcount) {
			return "hired"
		}
		if r < 85 {
			return "rejected"
		}
		return "withdrawn"
	case "on_hold":
		return []string{"active", "on_hold", "rejected"}[r%3]
	}
	switch {
	case r < 60:
		return "active"
	case r < 78:
		return "rejected"
	case r < 84:
		return "hired"
	case r < 91:
		return "withdrawn"
	}
	return "on_hold"
}

func seedRejection(s *sandboxapi.Seeder, reasons []RejectionReason) *Rejection {
	reason := sandboxapi.Pick(s, reasons)
	ref := &ReasonRef{ID: reason.ID, Label: reason.Label}
	switch r := s.R.IntN(10); {
	case r < 5:
		return &Rejection{Reason: ref}
	case r < 8:
		return &Rejection{Reason: ref, Note: sandboxapi.Pick(s, rejectionNotes)}
	}
	return &Rejection{Note: sandboxapi.Pick(s, rejectionNotes)}
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func (e *Emulator) seedInterviews(s *sandboxapi.Seeder, apps []Application, team seedTeam) {
	for _, a := range apps {
		job, _, _ := e.Requisitions.Get(a.JobID)
		at := a.CreatedAt
		for _, st := range e.planStages(job.InterviewPlanID) {
			if st.Kind == "screen" || st.Kind == "interview" {
				at = e.seedInterview(s, a, st, at, team)
			}
			if st.ID == a.StageID {
				break
			}
		}
	}
}

// seedInterview makes the interview of a at stage st, some days after at,
// and returns when it ends.
func (e *Emulator) seedInterview(s *sandboxapi.Seeder, a Application, st Stage, at time.Time, team seedTeam) time.Time {
	start := s.After(at, 7).Truncate(30 * time.Minute).Add(30 * time.Minute)
	iv := Interview{ApplicationID: a.ID, StageID: st.ID, OrganizerID: ptr(sandboxapi.Pick(s, team.coordinators).ID),
		StartsAt: start, EndsAt: start.Add(time.Duration(30+15*s.R.IntN(3)) * time.Minute), State: "done"}
	if st.Kind == "screen" {
		iv.Panel = []int64{sandboxapi.Pick(s, team.recruiters).ID}
		iv.Format = sandboxapi.Pick(s, []string{"phone", "video"})
	} else {
		iv.Panel = []int64{sandboxapi.Pick(s, team.managers).ID, sandboxapi.Pick(s, team.interviewers).ID}
		iv.Format = sandboxapi.Pick(s, []string{"onsite", "video", "video"})
	}
	switch iv.Format {
	case "onsite":
		iv.Location = sandboxapi.Pick(s, []string{"Berlin HQ, room Hopper", "London office, room Lovelace", "New York office, 4th floor"})
	case "video":
		iv.VideoURL = fmt.Sprintf("https://meet.sandbox-recruit.example/%s-%04d", strings.ToLower(st.Kind), s.R.IntN(10000))
	}
	switch r := s.R.IntN(100); {
	case st.ID == a.StageID && a.Status == "active":
		iv.State = []string{"scheduled", "scheduled", "awaiting_feedback"}[r%3]
	case st.ID == a.StageID && a.Status == "on_hold":
		iv.State = "awaiting_feedback"
	case r < 5:
		iv.State = "cancelled"
	case r < 8:
		iv.State = "no_show"
	}
	created := later(a.CreatedAt, start.Add(-time.Duration(24+s.R.IntN(96))*time.Hour))
	updated := created
	if iv.State != "scheduled" {
		updated = iv.EndsAt.Add(time.Duration(1+s.R.IntN(48)) * time.Hour)
	}
	e.Interviews.InsertAt(iv, created, updated)
	return iv.EndsAt
}

// currencies are the currencies of the offices' countries.
var currencies = map[string]string{"DE": "EUR", "NL": "EUR", "GB": "GBP", "US": "USD", "CA": "CAD", "AU": "AUD"}

func (e *Emulator) seedOffers(s *sandboxapi.Seeder, apps []Application, jobs []Requisition, offices []Office) {
	for _, a := range apps {
		st, _, _ := e.Stages.Get(fmt.Sprint(a.StageID))
		var states []string
		switch {
		case a.Status == "hired" && s.R.IntN(5) == 0:
			states = []string{"superseded", "accepted"}
		case a.Status == "hired":
			states = []string{"accepted"}
		case st.Kind != "offer":
		case a.Status == "active":
			states = []string{sandboxapi.Pick(s, []string{"draft", "pending_approval", "approved", "sent", "sent", "expired"})}
		case a.Status == "rejected":
			states = []string{sandboxapi.Pick(s, []string{"declined", "rescinded"})}
		case a.Status == "withdrawn":
			states = []string{"declined"}
		}
		at := a.CreatedAt
		for i, state := range states {
			at = e.seedOffer(s, a, int32(i+1), state, at, jobs, offices)
		}
	}
}

// seedOffer makes one version of an offer on a, some days after at, and
// returns when it was last changed.
func (e *Emulator) seedOffer(s *sandboxapi.Seeder, a Application, version int32, state string, at time.Time, jobs []Requisition, offices []Office) time.Time {
	job := jobs[slices.IndexFunc(jobs, func(j Requisition) bool { return j.ID == a.JobID })]
	currency := "USD"
	if i := slices.IndexFunc(offices, func(o Office) bool { return o.ID == job.OfficeIDs[0] }); currencies[offices[i].Country] != "" {
		currency = currencies[offices[i].Country]
	}
	salary := &Salary{Money: sandboxapi.Money{Amount: fmt.Sprintf("%d000.00", 55+s.R.IntN(90)), Currency: currency}, Interval: "year"}
	if strings.HasPrefix(job.Employment, "Internship") {
		salary = &Salary{Money: sandboxapi.Money{Amount: fmt.Sprintf("%d.50", 22+s.R.IntN(10)), Currency: currency}, Interval: "hour"}
	}
	created := s.After(at, 10)
	updated := s.After(created, 3)
	o := Offer{ApplicationID: a.ID, Version: version, State: state, Salary: salary,
		StartDate: s.After(created, 60).AddDate(0, 0, 21).Format("2006-01-02"),
		Custom:    map[string]any{"signing_bonus": fmt.Sprintf("%d000.00", s.R.IntN(10))}}
	switch state {
	case "sent", "expired", "superseded":
		o.SentAt = ptr(updated)
	case "accepted", "declined":
		o.SentAt = ptr(updated)
		updated = s.After(updated, 5)
		o.ResolvedAt = ptr(updated)
	case "rescinded":
		o.ResolvedAt = ptr(updated)
	}
	if state == "expired" {
		updated = s.After(updated, 7)
		o.ResolvedAt = ptr(updated)
	}
	e.Offers.InsertAt(o, created, updated)
	return updated
}

func (e *Emulator) seedFiles(s *sandboxapi.Seeder, people []Person, apps []Application, jobs []Requisition) {
	for _, p := range people {
		base := strings.ReplaceAll(p.FirstName+"_"+p.LastName, " ", "_")
		ext := sandboxapi.Pick(s, []string{".pdf", ".pdf", ".pdf", ".docx"})
		e.seedFile(s, p.ID, base+"_CV"+ext, "resume", p.CreatedAt)
		if s.R.IntN(10) < 3 {
			e.seedFile(s, p.ID, "Cover_Letter_"+base+".pdf", "cover_letter", p.CreatedAt)
		}
		if strings.Contains(p.Headline, "Designer") || s.R.IntN(12) == 0 {
			e.seedFile(s, p.ID, "Portfolio_2025.pdf", "portfolio", p.CreatedAt)
		}
		if s.R.IntN(30) == 0 {
			e.seedFile(s, p.ID, "References.docx", "other", p.CreatedAt)
		}
	}
	for _, a := range apps {
		if a.Status == "hired" {
			job := jobs[slices.IndexFunc(jobs, func(j Requisition) bool { return j.ID == a.JobID })]
			e.seedFile(s, a.CandidateID, "Offer_Letter_"+job.ReqCode+".pdf", "offer_letter", *a.HiredAt)
		}
	}
}

func (e *Emulator) seedFile(s *sandboxapi.Seeder, candidateID int64, name, category string, after time.Time) {
	created := s.After(after, 2)
	e.Files.InsertAt(File{CandidateID: candidateID, Filename: name, Category: category,
		ContentType: defaultMediaTypes[name[strings.LastIndex(name, "."):]], Size: ptr(int64(20000 + s.R.IntN(900000)))}, created, created)
}
