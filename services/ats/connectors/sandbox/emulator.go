package sandbox

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/unimesh/unimesh/pkg/emulator"
	"github.com/unimesh/unimesh/pkg/sandboxapi"
)

// Options configure the emulator.
type Options = sandboxapi.EmulatorOptions

// Emulator is Sandbox Recruit's API: an http.Handler serving /v1/...
type Emulator struct {
	*sandboxapi.Server
	Requisitions     *emulator.Collection[Requisition]
	Stages           *emulator.Collection[Stage]
	People           *emulator.Collection[Person]
	Applications     *emulator.Collection[Application]
	Interviews       *emulator.Collection[Interview]
	Offers           *emulator.Collection[Offer]
	Files            *emulator.Collection[File]
	Departments      *emulator.Collection[Department]
	Offices          *emulator.Collection[Office]
	Recruiters       *emulator.Collection[Recruiter]
	RejectionReasons *emulator.Collection[RejectionReason]
	planSeq          atomic.Int64
}

// Value sets of Sandbox Recruit's enumerations.
var (
	jobStates         = []string{"draft", "pending_approval", "open", "on_hold", "closed", "archived", "evergreen"}
	newJobStates      = []string{"draft", "pending_approval", "open", "evergreen"}
	applyingStates    = []string{"open", "evergreen"}
	linkKinds         = []string{"linkedin", "github", "portfolio", "website", "social", "other"}
	fileCategories    = []string{"resume", "cover_letter", "offer_letter", "portfolio", "other"}
	applicationStates = []string{"active", "on_hold", "rejected", "hired", "withdrawn"}
)

// maxInlineFile bounds content_base64 (decoded): the dialect reads request
// bodies of at most 1 MiB.
const maxInlineFile = 512 << 10

// filesHost serves the files' download URLs (signed URLs, as a CDN would).
const filesHost = "https://files.sandbox-recruit.example"

func intID(m emulator.Meta) int64 {
	n, _ := strconv.ParseInt(m.ID, 10, 64)
	return n
}

// NewEmulator builds the emulator.
func NewEmulator(opts Options) *Emulator {
	s := opts.NewServer()
	e := &Emulator{Server: s}
	e.collections()
	e.routes()
	if opts.Seed {
		e.seed()
	}
	return e
}

// collections creates the record collections with their id styles.
func (e *Emulator) collections() {
	st := e.Store
	e.Recruiters = emulator.NewCollection(st, "recruiters", emulator.SequentialIDs("", 9000), func(r *Recruiter, m emulator.Meta) {
		r.ID, r.CreatedAt, r.UpdatedAt = intID(m), m.Created, m.Updated
	})
	e.RejectionReasons = emulator.NewCollection(st, "rejection_reasons", emulator.SequentialIDs("", 0), func(r *RejectionReason, m emulator.Meta) {
		r.ID, r.CreatedAt, r.UpdatedAt = intID(m), m.Created, m.Updated
	})
	e.Departments = emulator.NewCollection(st, "departments", emulator.SequentialIDs("", 0), func(r *Department, m emulator.Meta) {
		r.ID, r.CreatedAt, r.UpdatedAt = intID(m), m.Created, m.Updated
	})
	e.Offices = emulator.NewCollection(st, "offices", emulator.SequentialIDs("ofc_", 100), func(r *Office, m emulator.Meta) {
		r.ID, r.CreatedAt, r.UpdatedAt = m.ID, m.Created, m.Updated
	})
	e.Requisitions = emulator.NewCollection(st, "requisitions", emulator.SequentialIDs("job_", 1000), func(r *Requisition, m emulator.Meta) {
		r.ID, r.CreatedAt, r.UpdatedAt = m.ID, m.Created, m.Updated
	})
	e.Stages = emulator.NewCollection(st, "stages", emulator.SequentialIDs("", 4000), func(r *Stage, m emulator.Meta) {
		r.ID, r.CreatedAt, r.UpdatedAt = intID(m), m.Created, m.Updated
	})
	e.People = emulator.NewCollection(st, "people", emulator.SequentialIDs("", 200000), func(r *Person, m emulator.Meta) {
		r.ID, r.CreatedAt, r.UpdatedAt = intID(m), m.Created, m.Updated
	})
	e.Applications = emulator.NewCollection(st, "applications", emulator.SequentialIDs("", 700000), func(r *Application, m emulator.Meta) {
		r.ID, r.CreatedAt, r.UpdatedAt = intID(m), m.Created, m.Updated
	})
	e.Interviews = emulator.NewCollection(st, "interviews", emulator.SequentialIDs("ivw_", 1000), func(r *Interview, m emulator.Meta) {
		r.ID, r.CreatedAt, r.UpdatedAt = m.ID, m.Created, m.Updated
	})
	e.Offers = emulator.NewCollection(st, "offers", emulator.SequentialIDs("ofr_", 1000), func(r *Offer, m emulator.Meta) {
		r.ID, r.CreatedAt, r.UpdatedAt = m.ID, m.Created, m.Updated
	})
	e.Files = emulator.NewCollection(st, "files", emulator.SequentialIDs("file_", 5000), func(r *File, m emulator.Meta) {
		r.ID, r.CreatedAt, r.UpdatedAt = m.ID, m.Created, m.Updated
	})
}

// routes registers the resources and the application actions.
func (e *Emulator) routes() {
	s := e.Server
	sandboxapi.Register(s, sandboxapi.Resource[Requisition]{
		Path: "/v1/requisitions", Collection: e.Requisitions, Ops: "LGC",
		ReadOnly: []string{"interview_plan_id", "stages"}, Validate: e.validateRequisition,
		Present: func(j Requisition) any {
			j.Stages = e.planStages(j.InterviewPlanID)
			return j
		},
	})
	sandboxapi.Register(s, sandboxapi.Resource[Stage]{
		Path: "/v1/stages", Collection: e.Stages, Ops: "LG",
		Filter: filters(map[string]matcher[Stage]{"job_id": e.stageOfJob}),
		Present: func(st Stage) any {
			st.JobID = e.planJob(st.InterviewPlanID)
			return st
		},
	})
	sandboxapi.Register(s, sandboxapi.Resource[Person]{
		Path: "/v1/people", Collection: e.People, Ops: "LGCU",
		ReadOnly: []string{"application_ids"}, Validate: e.validatePerson,
		Present: func(p Person) any {
			p.ApplicationIDs = e.applicationsOf(p.ID)
			return p
		},
	})
	sandboxapi.Register(s, sandboxapi.Resource[Application]{
		Path: "/v1/applications", Collection: e.Applications, Ops: "LGCU",
		ReadOnly:  []string{"status", "hired_at", "rejected_at", "rejection"},
		Immutable: []string{"candidate_id", "job_id", "stage_id", "applied_at"},
		Validate:  e.validateApplication,
		Filter: filters(map[string]matcher[Application]{
			"job_id":       byString(func(a *Application) string { return a.JobID }),
			"candidate_id": byInt(func(a *Application) int64 { return a.CandidateID }),
			"status":       byEnum(func(a *Application) string { return a.Status }, applicationStates),
		}),
	})
	sandboxapi.Register(s, sandboxapi.Resource[Interview]{
		Path: "/v1/interviews", Collection: e.Interviews, Ops: "LG",
		Filter: filters(map[string]matcher[Interview]{"application_id": byInt(func(i *Interview) int64 { return i.ApplicationID })}),
	})
	sandboxapi.Register(s, sandboxapi.Resource[Offer]{
		Path: "/v1/offers", Collection: e.Offers, Ops: "LG",
		Filter: filters(map[string]matcher[Offer]{"application_id": byInt(func(o *Offer) int64 { return o.ApplicationID })}),
	})
	sandboxapi.Register(s, sandboxapi.Resource[File]{
		Path: "/v1/files", Collection: e.Files, Ops: "LGC", ReadOnly: []string{"size", "url"}, Validate: e.validateFile,
		Filter:  filters(map[string]matcher[File]{"candidate_id": byInt(func(f *File) int64 { return f.CandidateID })}),
		Present: func(f File) any { f.URL = fileURL(f); return f },
	})
	sandboxapi.Register(s, sandboxapi.Resource[Department]{Path: "/v1/departments", Collection: e.Departments, Ops: "LG"})
	sandboxapi.Register(s, sandboxapi.Resource[Office]{Path: "/v1/offices", Collection: e.Offices, Ops: "LG"})
	sandboxapi.Register(s, sandboxapi.Resource[Recruiter]{Path: "/v1/recruiters", Collection: e.Recruiters, Ops: "LG"})
	sandboxapi.Register(s, sandboxapi.Resource[RejectionReason]{Path: "/v1/rejection_reasons", Collection: e.RejectionReasons, Ops: "LG"})
	s.Handle("POST /v1/applications/{id}/advance", e.advance)
	s.Handle("POST /v1/applications/{id}/reject", e.reject)
}

// --- list filters -------------------------------------------------------------

// matcher turns one filter's query value into a predicate, or says what is
// wrong with the value.
type matcher[T any] func(v string) (func(*T) bool, string)

// filters builds a Resource.Filter: every filter given must hold, and an
// unknown filter is refused (a typo would otherwise list everything).
func filters[T any](known map[string]matcher[T]) func(map[string]string) (func(*T) bool, []sandboxapi.FieldError) {
	return func(q map[string]string) (func(*T) bool, []sandboxapi.FieldError) {
		var (
			preds []func(*T) bool
			errs  []sandboxapi.FieldError
		)
		for name, v := range q {
			m, ok := known[name]
			if !ok {
				errs = append(errs, sandboxapi.FieldError{Field: name, Message: "unknown filter " + name})
				continue
			}
			pred, msg := m(v)
			if msg != "" {
				errs = append(errs, sandboxapi.FieldError{Field: name, Message: msg})
				continue
			}
			preds = append(preds, pred)
		}
		sort.Slice(errs, func(i, j int) bool { return errs[i].Field < errs[j].Field })
		return func(rec *T) bool {
			for _, p := range preds {
				if !p(rec) {
					return false
				}
			}
			return true
		}, errs
	}
}

func byString[T any](get func(*T) string) matcher[T] {
	return func(v string) (func(*T) bool, string) {
		return func(rec *T) bool { return get(rec) == v }, ""
	}
}

func byInt[T any](get func(*T) int64) matcher[T] {
	return func(v string) (func(*T) bool, string) {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return nil, fmt.Sprintf("%q is not a number", v)
		}
		return func(rec *T) bool { return get(rec) == n }, ""
	}
}

func byEnum[T any](get func(*T) string, allowed []string) matcher[T] {
	return func(v string) (func(*T) bool, string) {
		if !slices.Contains(allowed, v) {
			return nil, "one of " + strings.Join(allowed, ", ")
		}
		return func(rec *T) bool { return get(rec) == v }, ""
	}
}

// stageOfJob filters stages by requisition; an unknown requisition has none.
func (e *Emulator) stageOfJob(v string) (func(*Stage) bool, string) {
	job, _, ok := e.Requisitions.Get(v)
	return func(s *Stage) bool { return ok && s.InterviewPlanID == job.InterviewPlanID }, ""
}

// --- derived fields -------------------------------------------------------------

// planStages returns the stages of an interview plan, in order.
func (e *Emulator) planStages(planID int64) []Stage {
	out := []Stage{}
	for _, s := range e.Stages.All() {
		if s.InterviewPlanID == planID {
			out = append(out, s)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Position < out[j].Position })
	jobID := e.planJob(planID)
	for i := range out {
		out[i].JobID = jobID
	}
	return out
}

// planJob returns the requisition an interview plan belongs to.
func (e *Emulator) planJob(planID int64) string {
	for _, j := range e.Requisitions.All() {
		if j.InterviewPlanID == planID {
			return j.ID
		}
	}
	return ""
}

// newPlan creates an interview plan of stages, named and kinded by
// template, and returns its id.
func (e *Emulator) newPlan(template []Stage, at time.Time) int64 {
	id := e.planSeq.Add(1)
	for i, s := range template {
		e.Stages.InsertAt(Stage{InterviewPlanID: id, Name: s.Name, Position: int32(i), Kind: s.Kind}, at, at)
	}
	return id
}

func (e *Emulator) applicationsOf(personID int64) []int64 {
	out := []int64{}
	for _, a := range e.Applications.All() {
		if a.CandidateID == personID {
			out = append(out, a.ID)
		}
	}
	return out
}

func fileURL(f File) string {
	return filesHost + "/" + f.ID + "/" + url.PathEscape(f.Filename) + "?sig=" + strconv.FormatInt(f.CreatedAt.Unix(), 36)
}

// --- validation -------------------------------------------------------------

func (e *Emulator) validateRequisition(j *Requisition, create bool) []sandboxapi.FieldError {
	var c sandboxapi.Checker
	c.Required("title", j.Title)
	c.MaxLen("title", j.Title, 255)
	c.MaxLen("req_code", j.ReqCode, 32)
	if j.ReqCode != "" {
		for _, o := range e.Requisitions.All() {
			if o.ReqCode == j.ReqCode && o.ID != j.ID {
				c.Add("req_code", "req_code %s is taken by requisition %s", j.ReqCode, o.ID)
			}
		}
	}
	c.MaxLen("description_html", j.DescriptionHTML, 100000)
	c.MaxLen("employment", j.Employment, 100)
	if j.State == "" {
		j.State = "draft"
	}
	c.OneOf("state", j.State, jobStates...)
	if create && slices.Contains(jobStates, j.State) && !slices.Contains(newJobStates, j.State) {
		c.Add("state", "a new requisition starts as %s", strings.Join(newJobStates, ", "))
	}
	c.Ref("department_id", j.DepartmentID, e.Departments.Exists)
	for i, id := range j.OfficeIDs {
		c.StrRef(fmt.Sprintf("office_ids[%d]", i), id, e.Offices.Exists)
	}
	c.Refs("hiring_team.managers", j.HiringTeam.Managers, e.Recruiters.Exists)
	c.Refs("hiring_team.recruiters", j.HiringTeam.Recruiters, e.Recruiters.Exists)
	if j.Headcount < 0 {
		c.Add("headcount", "headcount cannot be negative")
	} else if j.Headcount == 0 {
		j.Headcount = 1
	}
	j.OfficeIDs = sandboxapi.NonNil(j.OfficeIDs)
	j.HiringTeam.Managers = sandboxapi.NonNil(j.HiringTeam.Managers)
	j.HiringTeam.Recruiters = sandboxapi.NonNil(j.HiringTeam.Recruiters)
	if create && len(c.Errors) == 0 {
		j.InterviewPlanID = e.newPlan(defaultPlan, e.Store.Now())
	}
	return c.Errors
}

func (e *Emulator) validatePerson(p *Person, create bool) []sandboxapi.FieldError {
	var c sandboxapi.Checker
	c.Required("first_name", p.FirstName)
	c.Required("last_name", p.LastName)
	c.MaxLen("first_name", p.FirstName, 255)
	c.MaxLen("last_name", p.LastName, 255)
	c.MaxLen("current_company", p.CurrentCompany, 255)
	c.MaxLen("headline", p.Headline, 255)
	c.MaxLen("origin", p.Origin, 255)
	c.Emails("emails", p.Emails)
	e.uniqueEmails(&c, p)
	c.Phones("phones", p.Phones)
	for i := range p.Links {
		l := &p.Links[i]
		if u, err := url.Parse(l.URL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			c.Add(fmt.Sprintf("links[%d].url", i), "a link is an http(s) URL")
		}
		if l.Kind == "" {
			l.Kind = "other"
		}
		c.OneOf(fmt.Sprintf("links[%d].kind", i), l.Kind, linkKinds...)
	}
	if len(p.Tags) > 50 {
		c.Add("tags", "at most 50 tags")
	}
	for i, t := range p.Tags {
		if t == "" || len(t) > 100 {
			c.Add(fmt.Sprintf("tags[%d]", i), "a tag has 1 to 100 characters")
		}
	}
	p.Emails, p.Phones = sandboxapi.NonNil(p.Emails), sandboxapi.NonNil(p.Phones)
	p.Links, p.Tags = sandboxapi.NonNil(p.Links), sandboxapi.NonNil(p.Tags)
	return c.Errors
}

// uniqueEmails refuses an address another person already has: Sandbox
// Recruit deduplicates candidates by email.
func (e *Emulator) uniqueEmails(c *sandboxapi.Checker, p *Person) {
	for i, em := range p.Emails {
		for _, o := range e.People.All() {
			if o.ID == p.ID {
				continue
			}
			if slices.ContainsFunc(o.Emails, func(x sandboxapi.Email) bool { return strings.EqualFold(x.Address, em.Address) }) {
				c.Add(fmt.Sprintf("emails[%d].address", i), "%s is the email address of candidate %d", em.Address, o.ID)
			}
		}
	}
}

func (e *Emulator) validateApplication(a *Application, create bool) []sandboxapi.FieldError {
	var c sandboxapi.Checker
	if create {
		e.checkNewApplication(&c, a)
	}
	c.MaxLen("origin", a.Origin, 255)
	c.Ref("referrer_id", a.ReferrerID, e.Recruiters.Exists)
	return c.Errors
}

// checkNewApplication checks a new application's candidate, requisition and
// stage, and fills in its first stage, status and time of applying.
func (e *Emulator) checkNewApplication(c *sandboxapi.Checker, a *Application) {
	if a.CandidateID == 0 {
		c.Add("candidate_id", "candidate_id is required")
	} else {
		c.Ref("candidate_id", &a.CandidateID, e.People.Exists)
	}
	c.Required("job_id", a.JobID)
	job, _, ok := e.Requisitions.Get(a.JobID)
	switch {
	case a.JobID == "":
	case !ok:
		c.Add("job_id", "job_id %s does not exist", a.JobID)
	case !slices.Contains(applyingStates, job.State):
		c.Add("job_id", "requisition %s is %s; it takes no applications", a.JobID, job.State)
	default:
		e.checkStage(c, a, job)
		e.checkDuplicate(c, a)
	}
	a.Status = "active"
	if a.AppliedAt == nil {
		now := e.Store.Now()
		a.AppliedAt = &now
	}
}

func (e *Emulator) checkStage(c *sandboxapi.Checker, a *Application, job Requisition) {
	stages := e.planStages(job.InterviewPlanID)
	if a.StageID == 0 {
		if len(stages) > 0 {
			a.StageID = stages[0].ID
		}
		return
	}
	if !slices.ContainsFunc(stages, func(s Stage) bool { return s.ID == a.StageID }) {
		c.Add("stage_id", "stage %d is not a stage of requisition %s", a.StageID, job.ID)
	}
}

func (e *Emulator) checkDuplicate(c *sandboxapi.Checker, a *Application) {
	for _, o := range e.Applications.All() {
		if o.CandidateID == a.CandidateID && o.JobID == a.JobID && (o.Status == "active" || o.Status == "on_hold") {
			c.Add("job_id", "candidate %d already has an open application to %s (%d)", a.CandidateID, a.JobID, o.ID)
		}
	}
}

// defaultMediaTypes are the media types of common file names (the mime
// package's table depends on the machine).
var defaultMediaTypes = map[string]string{
	".pdf": "application/pdf", ".doc": "application/msword", ".txt": "text/plain", ".rtf": "application/rtf",
	".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
	".odt":  "application/vnd.oasis.opendocument.text", ".png": "image/png", ".jpg": "image/jpeg",
	".jpeg": "image/jpeg", ".zip": "application/zip", ".html": "text/html", ".md": "text/markdown",
}

func (e *Emulator) validateFile(f *File, create bool) []sandboxapi.FieldError {
	var c sandboxapi.Checker
	if f.CandidateID == 0 {
		c.Add("candidate_id", "candidate_id is required")
	} else {
		c.Ref("candidate_id", &f.CandidateID, e.People.Exists)
	}
	checkUpload(&c, f)
	c.MaxLen("filename", f.Filename, 255)
	if strings.ContainsAny(f.Filename, `/\`) {
		c.Add("filename", "a file name has no slashes")
	}
	if f.Category == "" {
		f.Category = "other"
	}
	c.OneOf("category", f.Category, fileCategories...)
	if f.ContentType == "" {
		f.ContentType = defaultMediaTypes[strings.ToLower(path.Ext(f.Filename))]
	}
	if f.ContentType == "" {
		f.ContentType = "application/octet-stream"
	}
	if typ, sub, ok := strings.Cut(f.ContentType, "/"); !ok || typ == "" || sub == "" || len(f.ContentType) > 255 {
		c.Add("content_type", "content_type is a media type such as application/pdf")
	}
	return c.Errors
}

// checkUpload checks the file's content or source, sets its size and name,
// and drops the content, which is not kept in the record.
func checkUpload(c *sandboxapi.Checker, f *File) {
	defer func() { f.ContentBase64 = "" }()
	switch {
	case f.ContentBase64 != "" && f.SourceURL != "":
		c.Add("source_url", "give content_base64 or source_url, not both")
	case f.ContentBase64 == "" && f.SourceURL == "":
		c.Add("content_base64", "give the file as content_base64 or source_url")
	case f.ContentBase64 != "":
		b, err := base64.StdEncoding.DecodeString(f.ContentBase64)
		switch {
		case err != nil:
			c.Add("content_base64", "content_base64 is not base64")
		case len(b) > maxInlineFile:
			c.Add("content_base64", "an inline file has at most %d KiB; upload larger files from a source_url", maxInlineFile>>10)
		default:
			n := int64(len(b))
			f.Size = &n
		}
		c.Required("filename", f.Filename)
	default:
		u, err := url.Parse(f.SourceURL)
		if err != nil || u.Scheme != "https" || u.Host == "" {
			c.Add("source_url", "source_url must be an https URL")
			return
		}
		if f.Filename == "" {
			f.Filename = path.Base(u.Path)
			if f.Filename == "/" || f.Filename == "." {
				f.Filename = "download"
			}
		}
	}
}

// --- application actions ------------------------------------------------------

// refusal is an action's answer when it does not happen.
type refusal struct {
	status int
	msg    string
	fields []sandboxapi.FieldError
}

func (r *refusal) Error() string { return r.msg }

func invalid(field, format string, args ...any) *refusal {
	msg := fmt.Sprintf(format, args...)
	return &refusal{status: http.StatusUnprocessableEntity, msg: msg, fields: []sandboxapi.FieldError{{Field: field, Message: msg}}}
}

func conflict(format string, args ...any) *refusal {
	return &refusal{status: http.StatusConflict, msg: fmt.Sprintf(format, args...)}
}

// advance serves POST /v1/applications/{id}/advance.
func (e *Emulator) advance(w http.ResponseWriter, r *http.Request) {
	var in struct {
		StageID *int64 `json:"stage_id"`
	}
	if !decodeAction(w, r, &in) {
		return
	}
	e.act(w, r.PathValue("id"), func(a *Application) *refusal {
		if in.StageID == nil {
			return invalid("stage_id", "stage_id is required")
		}
		st, _, ok := e.Stages.Get(strconv.FormatInt(*in.StageID, 10))
		if !ok {
			return invalid("stage_id", "stage %d does not exist", *in.StageID)
		}
		job, _, _ := e.Requisitions.Get(a.JobID)
		if st.InterviewPlanID != job.InterviewPlanID {
			return invalid("stage_id", "stage %d is not a stage of requisition %s", st.ID, a.JobID)
		}
		if a.Status != "active" {
			return conflict("application %d is %s; only active applications advance", a.ID, a.Status)
		}
		a.StageID = st.ID
		if st.Kind == "hired" {
			now := e.Store.Now()
			a.Status, a.HiredAt = "hired", &now
		}
		return nil
	})
}

// reject serves POST /v1/applications/{id}/reject.
func (e *Emulator) reject(w http.ResponseWriter, r *http.Request) {
	var in struct {
		ReasonID *int64 `json:"reason_id"`
		Note     string `json:"note"`
	}
	if !decodeAction(w, r, &in) {
		return
	}
	e.act(w, r.PathValue("id"), func(a *Application) *refusal {
		rej := &Rejection{Note: strings.TrimSpace(in.Note)}
		switch {
		case in.ReasonID == nil && rej.Note == "":
			return invalid("reason_id", "a rejection needs a reason_id, a note, or both")
		case len([]rune(rej.Note)) > 5000:
			return invalid("note", "note must be at most 5000 characters")
		case in.ReasonID != nil:
			reason, _, ok := e.RejectionReasons.Get(strconv.FormatInt(*in.ReasonID, 10))
			if !ok {
				return invalid("reason_id", "rejection reason %d does not exist", *in.ReasonID)
			}
			rej.Reason = &ReasonRef{ID: reason.ID, Label: reason.Label}
		}
		if a.Status != "active" && a.Status != "on_hold" {
			return conflict("application %d is %s; only active or on-hold applications can be rejected", a.ID, a.Status)
		}
		now := e.Store.Now()
		a.Status, a.RejectedAt, a.Rejection = "rejected", &now, rej
		return nil
	})
}

// act applies an action to an application and answers it.
func (e *Emulator) act(w http.ResponseWriter, id string, change func(a *Application) *refusal) {
	updated, err := e.Applications.Update(id, func(a *Application) error {
		if r := change(a); r != nil {
			return r
		}
		return nil
	})
	var ref *refusal
	switch {
	case errors.Is(err, emulator.ErrNotFound):
		sandboxapi.WriteError(w, http.StatusNotFound, "not_found", "no such record")
	case errors.As(err, &ref) && ref.status == http.StatusConflict:
		sandboxapi.WriteError(w, ref.status, "conflict", ref.msg)
	case errors.As(err, &ref):
		sandboxapi.WriteError(w, ref.status, "validation_failed", ref.msg, ref.fields...)
	case err != nil:
		sandboxapi.WriteError(w, http.StatusInternalServerError, "server_error", "internal error")
	default:
		emulator.WriteJSON(w, http.StatusOK, map[string]any{"data": updated})
	}
}

// decodeAction decodes an action's JSON body strictly, answering the
// dialect's errors when it cannot. (sandboxapi's body decoding is private
// to its CRUD routes.)
func decodeAction(w http.ResponseWriter, r *http.Request, v any) bool {
	body, err := io.ReadAll(io.LimitReader(r.Body, 64<<10))
	if err != nil {
		sandboxapi.WriteError(w, http.StatusBadRequest, "invalid_request", "unreadable body")
		return false
	}
	if len(bytes.TrimSpace(body)) == 0 {
		body = []byte("{}")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	err = dec.Decode(v)
	var te *json.UnmarshalTypeError
	switch {
	case err == nil:
		return true
	case errors.As(err, &te):
		sandboxapi.WriteError(w, http.StatusUnprocessableEntity, "validation_failed", te.Field+" has the wrong type",
			sandboxapi.FieldError{Field: te.Field, Message: te.Field + " has the wrong type"})
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		f := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		sandboxapi.WriteError(w, http.StatusUnprocessableEntity, "validation_failed", "unknown field "+f,
			sandboxapi.FieldError{Field: f, Message: "unknown field " + f})
	default:
		sandboxapi.WriteError(w, http.StatusBadRequest, "invalid_request", "the body must be a JSON object")
	}
	return false
}
