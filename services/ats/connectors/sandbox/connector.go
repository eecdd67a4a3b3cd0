package sandbox

import (
	"cmp"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/unimesh/unimesh/pkg/apierr"
	"github.com/unimesh/unimesh/pkg/connector"
	"github.com/unimesh/unimesh/pkg/normalize"
	"github.com/unimesh/unimesh/pkg/providerhttp"
	"github.com/unimesh/unimesh/pkg/sandboxapi"
	atsv1 "github.com/unimesh/unimesh/proto/unimesh/ats/v1"
	commonv1 "github.com/unimesh/unimesh/proto/unimesh/common/v1"
	platformv1 "github.com/unimesh/unimesh/proto/unimesh/platform/v1"
	"github.com/unimesh/unimesh/services/ats/connectors"
)

// Slug is the integration's slug.
const Slug = "sandbox-ats"

// Descriptor describes Sandbox Recruit served at baseURL (the emulator's root).
func Descriptor(baseURL string) *connector.Descriptor {
	return sandboxapi.Descriptor(Slug, "Sandbox Recruit", platformv1.Category_CATEGORY_ATS, baseURL)
}

// Connector returns the ATS connector of Sandbox Recruit.
func Connector() connectors.ATS {
	return connectors.ATS{
		Jobs:         jobObject(),
		JobStages:    connector.Object[*atsv1.JobStage]{List: filteredList("/v1/stages", stageToJobStage, "job_id")},
		Candidates:   candidateObject(),
		Applications: applicationObject(),
		Interviews: readOnly(sandboxapi.Mapping[Interview, *atsv1.Interview]{
			Path: "/v1/interviews", Object: "interview", Integration: Slug, Read: interviewToInterview,
		}, "application_id"),
		Offers: readOnly(sandboxapi.Mapping[Offer, *atsv1.Offer]{
			Path: "/v1/offers", Object: "offer", Integration: Slug, Read: offerToOffer,
		}, "application_id"),
		Attachments:        attachmentObject(),
		Departments:        listOnly("/v1/departments", departmentToDepartment),
		Offices:            listOnly("/v1/offices", officeToOffice),
		Users:              listOnly("/v1/recruiters", recruiterToUser),
		ApplicationsMove:   moveApplication,
		ApplicationsReject: rejectApplication,
	}
}

// --- jobs ---------------------------------------------------------------------

// jobStatuses: PENDING is read from both pending_approval and on_hold, and
// remote_status says which; it is written as pending_approval unless
// remote_status is on_hold (a remote value of the same unified value is kept).
var jobStatuses = connector.Enum[atsv1.JobStatus]{
	Provider: "Sandbox Recruit",
	Required: true,
	Read: map[string]atsv1.JobStatus{
		"draft": atsv1.JobStatus_JOB_STATUS_DRAFT, "pending_approval": atsv1.JobStatus_JOB_STATUS_PENDING,
		"open": atsv1.JobStatus_JOB_STATUS_OPEN, "on_hold": atsv1.JobStatus_JOB_STATUS_PENDING,
		"closed": atsv1.JobStatus_JOB_STATUS_CLOSED, "archived": atsv1.JobStatus_JOB_STATUS_ARCHIVED,
	},
	Write: map[atsv1.JobStatus]string{
		atsv1.JobStatus_JOB_STATUS_DRAFT: "draft", atsv1.JobStatus_JOB_STATUS_PENDING: "pending_approval",
		atsv1.JobStatus_JOB_STATUS_OPEN: "open", atsv1.JobStatus_JOB_STATUS_CLOSED: "closed",
		atsv1.JobStatus_JOB_STATUS_ARCHIVED: "archived",
	},
	Other: atsv1.JobStatus_JOB_STATUS_OTHER,
}

var jobStatusWriter, jobRemoteStatusWriter = connector.EnumWriters(jobStatuses, "state", "status",
	func(j *atsv1.Job) (atsv1.JobStatus, string) { return j.GetStatus(), j.GetRemoteStatus() })

func requisitionToJob(j Requisition) *atsv1.Job {
	out := &atsv1.Job{
		Id:               j.ID,
		Name:             j.Title,
		Code:             j.ReqCode,
		Description:      j.DescriptionHTML,
		Status:           jobStatuses.ToProto(j.State),
		RemoteStatus:     j.State,
		EmploymentType:   j.Employment,
		DepartmentIds:    []string{},
		OfficeIds:        j.OfficeIDs,
		HiringManagerIds: connector.FormatIDs(j.HiringTeam.Managers),
		RecruiterIds:     connector.FormatIDs(j.HiringTeam.Recruiters),
		Openings:         j.Headcount,
		CustomFields:     normalize.Struct(j.Custom),
		CreateTime:       normalize.Timestamp(j.CreatedAt),
		UpdateTime:       normalize.Timestamp(j.UpdatedAt),
	}
	if d := connector.FormatID(j.DepartmentID); d != "" {
		out.DepartmentIds = []string{d}
	}
	for _, s := range j.Stages {
		out.Stages = append(out.Stages, stageToJobStage(s))
	}
	return out
}

// jobWireFields maps Sandbox Recruit's field names in its errors to ours.
var jobWireFields = map[string]string{
	"title": "name", "req_code": "code", "description_html": "description", "state": "status", "employment": "employment_type",
	"department_id": "department_ids[0]", "office_ids": "office_ids", "hiring_team.managers": "hiring_manager_ids",
	"hiring_team.recruiters": "recruiter_ids", "headcount": "openings", "custom": "custom_fields",
}

var jobFields = connector.Fields[*atsv1.Job]{
	"name":            func(j *atsv1.Job, b map[string]any) error { b["title"] = j.GetName(); return nil },
	"code":            func(j *atsv1.Job, b map[string]any) error { b["req_code"] = j.GetCode(); return nil },
	"description":     func(j *atsv1.Job, b map[string]any) error { b["description_html"] = j.GetDescription(); return nil },
	"status":          jobStatusWriter,
	"remote_status":   jobRemoteStatusWriter,
	"employment_type": func(j *atsv1.Job, b map[string]any) error { b["employment"] = j.GetEmploymentType(); return nil },
	"department_ids": func(j *atsv1.Job, b map[string]any) error {
		switch ids := j.GetDepartmentIds(); len(ids) {
		case 0:
			b["department_id"] = nil
			return nil
		case 1:
			return sandboxapi.SetID(b, "department_id", "department_ids[0]", ids[0])
		default:
			return connector.BadField("department_ids", "Sandbox Recruit files a requisition under one department")
		}
	},
	"office_ids": func(j *atsv1.Job, b map[string]any) error {
		for i, id := range j.GetOfficeIds() {
			if err := prefixedID(fmt.Sprintf("office_ids[%d]", i), id, "ofc_", "office"); err != nil {
				return err
			}
		}
		b["office_ids"] = sandboxapi.NonNil(j.GetOfficeIds())
		return nil
	},
	"hiring_manager_ids": func(j *atsv1.Job, b map[string]any) error {
		return sandboxapi.SetIDs(hiringTeam(b), "managers", "hiring_manager_ids", j.GetHiringManagerIds())
	},
	"recruiter_ids": func(j *atsv1.Job, b map[string]any) error {
		return sandboxapi.SetIDs(hiringTeam(b), "recruiters", "recruiter_ids", j.GetRecruiterIds())
	},
	"openings": func(j *atsv1.Job, b map[string]any) error { b["headcount"] = j.GetOpenings(); return nil },
	"custom_fields": func(j *atsv1.Job, b map[string]any) error {
		b["custom"] = sandboxapi.Custom(j.GetCustomFields())
		return nil
	},
}

// hiringTeam is the body's hiring_team object, which two unified fields fill.
func hiringTeam(b map[string]any) map[string]any {
	team, ok := b["hiring_team"].(map[string]any)
	if !ok {
		team = map[string]any{}
		b["hiring_team"] = team
	}
	return team
}

func jobObject() connector.Object[*atsv1.Job] {
	o := sandboxapi.Object(sandboxapi.Mapping[Requisition, *atsv1.Job]{
		Path: "/v1/requisitions", Object: "job", Integration: Slug, Read: requisitionToJob,
	})
	// Create is written out because Sandbox Recruit names errors of the
	// hiring team by nested fields (hiring_team.managers[0]), which
	// sandboxapi.FieldErrors maps only by their top-level name.
	o.Create = func(ctx context.Context, c *connector.Conn, j *atsv1.Job) (*atsv1.Job, error) {
		body, err := jobFields.Body(j, nil, "job", Slug)
		if err != nil {
			return nil, err
		}
		it, err := sandboxapi.Create[Requisition](ctx, c, "/v1/requisitions", body)
		if err != nil {
			return nil, fieldErrors(err, "job", jobWireFields)
		}
		return requisitionToJob(it.Rec), nil
	}
	return o // the unified API neither updates nor deletes jobs
}

func stageToJobStage(s Stage) *atsv1.JobStage {
	return &atsv1.JobStage{
		Id: strconv.FormatInt(s.ID, 10), JobId: s.JobID, Name: s.Name, Order: s.Position,
		CreateTime: normalize.Timestamp(s.CreatedAt), UpdateTime: normalize.Timestamp(s.UpdatedAt),
	}
}

// --- candidates -----------------------------------------------------------------

// urlTypes are the kinds of a candidate's links. Sandbox Recruit has no
// kind for blogs (see linkKind).
var urlTypes = connector.Enum[commonv1.UrlType]{
	Provider: "Sandbox Recruit",
	Read: map[string]commonv1.UrlType{
		"linkedin": commonv1.UrlType_URL_TYPE_LINKEDIN, "github": commonv1.UrlType_URL_TYPE_GITHUB,
		"portfolio": commonv1.UrlType_URL_TYPE_PORTFOLIO, "website": commonv1.UrlType_URL_TYPE_WEBSITE,
		"social": commonv1.UrlType_URL_TYPE_SOCIAL, "other": commonv1.UrlType_URL_TYPE_OTHER,
	},
	Write: map[commonv1.UrlType]string{
		commonv1.UrlType_URL_TYPE_LINKEDIN: "linkedin", commonv1.UrlType_URL_TYPE_GITHUB: "github",
		commonv1.UrlType_URL_TYPE_PORTFOLIO: "portfolio", commonv1.UrlType_URL_TYPE_WEBSITE: "website",
		commonv1.UrlType_URL_TYPE_SOCIAL: "social", commonv1.UrlType_URL_TYPE_OTHER: "other",
	},
	Other: commonv1.UrlType_URL_TYPE_OTHER,
}

func personToCandidate(p Person) *atsv1.Candidate {
	urls := make([]*commonv1.Url, 0, len(p.Links))
	for _, l := range p.Links {
		urls = append(urls, &commonv1.Url{Url: l.URL, Type: urlTypes.ToProto(l.Kind)})
	}
	return &atsv1.Candidate{
		Id:             strconv.FormatInt(p.ID, 10),
		FirstName:      p.FirstName,
		LastName:       p.LastName,
		Company:        p.CurrentCompany,
		Title:          p.Headline,
		Emails:         sandboxapi.EmailsToProto(p.Emails),
		Phones:         sandboxapi.PhonesToProto(p.Phones),
		Urls:           urls,
		Tags:           p.Tags,
		ApplicationIds: connector.FormatIDs(p.ApplicationIDs),
		Source:         p.Origin,
		CustomFields:   normalize.Struct(p.Custom),
		CreateTime:     normalize.Timestamp(p.CreatedAt),
		UpdateTime:     normalize.Timestamp(p.UpdatedAt),
	}
}

var candidateWireFields = map[string]string{
	"first_name": "first_name", "last_name": "last_name", "current_company": "company", "headline": "title",
	"emails": "emails", "phones": "phones", "links": "urls", "tags": "tags", "origin": "source", "custom": "custom_fields",
}

var candidateFields = connector.Fields[*atsv1.Candidate]{
	"first_name": func(c *atsv1.Candidate, b map[string]any) error { b["first_name"] = c.GetFirstName(); return nil },
	"last_name":  func(c *atsv1.Candidate, b map[string]any) error { b["last_name"] = c.GetLastName(); return nil },
	"company":    func(c *atsv1.Candidate, b map[string]any) error { b["current_company"] = c.GetCompany(); return nil },
	"title":      func(c *atsv1.Candidate, b map[string]any) error { b["headline"] = c.GetTitle(); return nil },
	"emails": func(c *atsv1.Candidate, b map[string]any) error {
		b["emails"] = sandboxapi.EmailsFromProto(c.GetEmails())
		return nil
	},
	"phones": func(c *atsv1.Candidate, b map[string]any) error {
		b["phones"] = sandboxapi.PhonesFromProto(c.GetPhones())
		return nil
	},
	"urls": func(c *atsv1.Candidate, b map[string]any) error {
		links := make([]Link, 0, len(c.GetUrls()))
		for i, u := range c.GetUrls() {
			kind, err := linkKind(fmt.Sprintf("urls[%d].type", i), u.GetType())
			if err != nil {
				return err
			}
			links = append(links, Link{URL: u.GetUrl(), Kind: kind})
		}
		b["links"] = links
		return nil
	},
	"tags": func(c *atsv1.Candidate, b map[string]any) error {
		b["tags"] = sandboxapi.NonNil(c.GetTags())
		return nil
	},
	"source": func(c *atsv1.Candidate, b map[string]any) error { b["origin"] = c.GetSource(); return nil },
	"custom_fields": func(c *atsv1.Candidate, b map[string]any) error {
		b["custom"] = sandboxapi.Custom(c.GetCustomFields())
		return nil
	},
}

// linkKind is the kind a unified URL type is stored as. Sandbox Recruit has
// no kind for blogs: storing one as another kind would lose it.
func linkKind(field string, t commonv1.UrlType) (string, error) {
	switch t {
	case commonv1.UrlType_URL_TYPE_UNSPECIFIED:
		return "", nil
	case commonv1.UrlType_URL_TYPE_BLOG:
		return "", connector.BadField(field, "Sandbox Recruit has no link kind for blogs; send it as WEBSITE or OTHER")
	}
	if kind, ok := urlTypes.Write[t]; ok {
		return kind, nil
	}
	return "", connector.BadField(field, "unknown URL type %v", t)
}

func candidateObject() connector.Object[*atsv1.Candidate] {
	o := sandboxapi.Object(sandboxapi.Mapping[Person, *atsv1.Candidate]{
		Path: "/v1/people", Object: "candidate", Integration: Slug, Read: personToCandidate, Write: candidateFields, Wire: candidateWireFields,
	})
	o.Delete = nil // the unified API offers no candidate deletion
	return o
}

// --- applications -------------------------------------------------------------

// applicationStatuses are read only: an application's status changes by
// MoveApplication and RejectApplication.
var applicationStatuses = connector.Enum[atsv1.ApplicationStatus]{
	Provider: "Sandbox Recruit",
	Read: map[string]atsv1.ApplicationStatus{
		"active": atsv1.ApplicationStatus_APPLICATION_STATUS_ACTIVE, "rejected": atsv1.ApplicationStatus_APPLICATION_STATUS_REJECTED,
		"hired": atsv1.ApplicationStatus_APPLICATION_STATUS_HIRED, "withdrawn": atsv1.ApplicationStatus_APPLICATION_STATUS_WITHDRAWN,
	},
	Other: atsv1.ApplicationStatus_APPLICATION_STATUS_OTHER,
}

func applicationToApplication(a Application) *atsv1.Application {
	return &atsv1.Application{
		Id:               strconv.FormatInt(a.ID, 10),
		CandidateId:      strconv.FormatInt(a.CandidateID, 10),
		JobId:            a.JobID,
		CurrentStageId:   connector.FormatID(&a.StageID),
		Status:           applicationStatuses.ToProto(a.Status),
		RemoteStatus:     a.Status,
		AppliedTime:      normalize.TimestampPtr(a.AppliedAt),
		RejectedTime:     normalize.TimestampPtr(a.RejectedAt),
		RejectReason:     rejectReason(a.Rejection),
		Source:           a.Origin,
		CreditedToUserId: connector.FormatID(a.ReferrerID),
		CustomFields:     normalize.Struct(a.Custom),
		CreateTime:       normalize.Timestamp(a.CreatedAt),
		UpdateTime:       normalize.Timestamp(a.UpdatedAt),
	}
}

// rejectReason words a rejection: the reason's label, then the note.
func rejectReason(r *Rejection) string {
	switch {
	case r == nil:
		return ""
	case r.Reason != nil && r.Note != "":
		return r.Reason.Label + ": " + r.Note
	case r.Reason != nil:
		return r.Reason.Label
	}
	return r.Note
}

var applicationWireFields = map[string]string{
	"candidate_id": "candidate_id", "job_id": "job_id", "stage_id": "current_stage_id", "applied_at": "applied_time",
	"origin": "source", "referrer_id": "credited_to_user_id", "custom": "custom_fields",
}

var applicationFields = connector.Fields[*atsv1.Application]{
	"candidate_id": func(a *atsv1.Application, b map[string]any) error {
		return setIDValue(b, "candidate_id", "candidate_id", a.GetCandidateId())
	},
	"job_id": func(a *atsv1.Application, b map[string]any) error {
		if err := prefixedID("job_id", a.GetJobId(), "job_", "requisition"); err != nil {
			return err
		}
		b["job_id"] = a.GetJobId()
		return nil
	},
	"current_stage_id": func(a *atsv1.Application, b map[string]any) error {
		return setIDValue(b, "stage_id", "current_stage_id", a.GetCurrentStageId())
	},
	"applied_time": func(a *atsv1.Application, b map[string]any) error {
		b["applied_at"] = normalize.TimePtr(a.GetAppliedTime())
		return nil
	},
	"source": func(a *atsv1.Application, b map[string]any) error { b["origin"] = a.GetSource(); return nil },
	"credited_to_user_id": func(a *atsv1.Application, b map[string]any) error {
		return sandboxapi.SetID(b, "referrer_id", "credited_to_user_id", a.GetCreditedToUserId())
	},
	"custom_fields": func(a *atsv1.Application, b map[string]any) error {
		b["custom"] = sandboxapi.Custom(a.GetCustomFields())
		return nil
	},
}

func applicationObject() connector.Object[*atsv1.Application] {
	o := sandboxapi.Object(sandboxapi.Mapping[Application, *atsv1.Application]{
		Path: "/v1/applications", Object: "application", Integration: Slug, Read: applicationToApplication,
		Write: applicationFields, Wire: applicationWireFields,
	})
	o.List = filteredList("/v1/applications", applicationToApplication, "job_id", "candidate_id")
	o.Delete = nil // the unified API offers no application deletion
	update := o.Update
	o.Update = func(ctx context.Context, c *connector.Conn, a *atsv1.Application, mask []string) (*atsv1.Application, error) {
		rest, cur, err := dropFixedFields(ctx, c, a, mask)
		switch {
		case err != nil:
			return nil, err
		case cur != nil && len(rest) == 0:
			return cur, nil // nothing changes
		}
		return update(ctx, c, a, rest)
	}
	return o
}

// fixedApplicationFields are the unified fields Sandbox Recruit sets only
// when an application is created, with what to say when one would change.
var fixedApplicationFields = map[string]string{
	"job_id":           "Sandbox Recruit fixes an application's requisition when it is created",
	"current_stage_id": "Sandbox Recruit moves an application between stages only by MoveApplication",
	"applied_time":     "Sandbox Recruit fixes when the candidate applied when the application is created",
}

// dropFixedFields takes the fields fixed at creation out of an update's
// mask when they keep their value (a client may send back a record as it
// read it), and refuses a change of one. When it reads the application to
// compare, it returns it too: an update left with nothing to change answers it.
func dropFixedFields(ctx context.Context, c *connector.Conn, a *atsv1.Application, mask []string) ([]string, *atsv1.Application, error) {
	var rest, fixed []string
	for _, f := range mask {
		if _, ok := fixedApplicationFields[f]; ok {
			fixed = append(fixed, f)
		} else {
			rest = append(rest, f)
		}
	}
	if len(fixed) == 0 {
		return mask, nil, nil
	}
	cur, err := sandboxapi.GetOne(ctx, c, "/v1/applications", a.GetId(), connector.GetParams{}, applicationToApplication)
	if err != nil {
		return nil, nil, err
	}
	var errs []error
	for _, f := range fixed {
		fd := a.ProtoReflect().Descriptor().Fields().ByName(protoreflect.Name(f))
		if !a.ProtoReflect().Get(fd).Equal(cur.ProtoReflect().Get(fd)) {
			errs = append(errs, connector.BadField(f, "%s", fixedApplicationFields[f]))
		}
	}
	if len(errs) > 0 {
		return nil, nil, connector.FieldErrorsOf("application", Slug, errs...)
	}
	return rest, cur, nil
}

// moveApplication serves MoveApplication with the advance action.
func moveApplication(ctx context.Context, c *connector.Conn, req *atsv1.MoveApplicationRequest) (*atsv1.Application, error) {
	stage, err := connector.IntID("stage_id", req.GetStageId())
	if err == nil && stage == nil {
		err = connector.BadField("stage_id", "stage_id is required")
	}
	if err != nil {
		return nil, requestViolation(err)
	}
	it, err := sandboxapi.Create[Application](ctx, c, actionPath(req.GetId(), "advance"), map[string]any{"stage_id": *stage})
	if err != nil {
		return nil, actionErrors(err, "move", map[string]string{"stage_id": "stage_id"})
	}
	return applicationToApplication(it.Rec), nil
}

// rejectApplication serves RejectApplication with the reject action: the
// reason id is one of Sandbox Recruit's rejection reasons, and the free text
// goes in the note.
func rejectApplication(ctx context.Context, c *connector.Conn, req *atsv1.RejectApplicationRequest) (*atsv1.Application, error) {
	body := map[string]any{}
	if err := setIDValue(body, "reason_id", "reject_reason_id", req.GetRejectReasonId()); err != nil {
		return nil, requestViolation(err)
	}
	if r := req.GetRejectReason(); r != "" {
		body["note"] = r
	}
	it, err := sandboxapi.Create[Application](ctx, c, actionPath(req.GetId(), "reject"), body)
	if err != nil {
		return nil, actionErrors(err, "reject", map[string]string{"reason_id": "reject_reason_id", "note": "reject_reason"})
	}
	return applicationToApplication(it.Rec), nil
}

func actionPath(id, action string) string {
	return "/v1/applications/" + url.PathEscape(id) + "/" + action
}

// --- interviews and offers ------------------------------------------------------

var interviewStatuses = connector.Enum[atsv1.InterviewStatus]{
	Provider: "Sandbox Recruit",
	Read: map[string]atsv1.InterviewStatus{
		"scheduled": atsv1.InterviewStatus_INTERVIEW_STATUS_SCHEDULED, "awaiting_feedback": atsv1.InterviewStatus_INTERVIEW_STATUS_AWAITING_FEEDBACK,
		"done": atsv1.InterviewStatus_INTERVIEW_STATUS_COMPLETED, "cancelled": atsv1.InterviewStatus_INTERVIEW_STATUS_CANCELLED,
	},
	Other: atsv1.InterviewStatus_INTERVIEW_STATUS_OTHER,
}

func interviewToInterview(iv Interview) *atsv1.Interview {
	// One location: the room or address, else the video link.
	location := iv.Location
	if location == "" {
		location = iv.VideoURL
	}
	return &atsv1.Interview{
		Id:             iv.ID,
		ApplicationId:  strconv.FormatInt(iv.ApplicationID, 10),
		StageId:        connector.FormatID(&iv.StageID),
		InterviewerIds: connector.FormatIDs(iv.Panel),
		OrganizerId:    connector.FormatID(iv.OrganizerID),
		StartTime:      normalize.Timestamp(iv.StartsAt),
		EndTime:        normalize.Timestamp(iv.EndsAt),
		Location:       location,
		Status:         interviewStatuses.ToProto(iv.State),
		RemoteStatus:   iv.State,
		CreateTime:     normalize.Timestamp(iv.CreatedAt),
		UpdateTime:     normalize.Timestamp(iv.UpdatedAt),
	}
}

// offerStatuses: superseded and rescinded offers are both DEPRECATED.
var offerStatuses = connector.Enum[atsv1.OfferStatus]{
	Provider: "Sandbox Recruit",
	Read: map[string]atsv1.OfferStatus{
		"draft": atsv1.OfferStatus_OFFER_STATUS_DRAFT, "pending_approval": atsv1.OfferStatus_OFFER_STATUS_APPROVAL_SENT,
		"approved": atsv1.OfferStatus_OFFER_STATUS_APPROVED, "sent": atsv1.OfferStatus_OFFER_STATUS_SENT,
		"accepted": atsv1.OfferStatus_OFFER_STATUS_ACCEPTED, "declined": atsv1.OfferStatus_OFFER_STATUS_DECLINED,
		"superseded": atsv1.OfferStatus_OFFER_STATUS_DEPRECATED, "rescinded": atsv1.OfferStatus_OFFER_STATUS_DEPRECATED,
	},
	Other: atsv1.OfferStatus_OFFER_STATUS_OTHER,
}

func offerToOffer(o Offer) *atsv1.Offer {
	out := &atsv1.Offer{
		Id:            o.ID,
		ApplicationId: strconv.FormatInt(o.ApplicationID, 10),
		Status:        offerStatuses.ToProto(o.State),
		RemoteStatus:  o.State,
		StartDate:     o.StartDate,
		SentTime:      normalize.TimestampPtr(o.SentAt),
		ClosedTime:    normalize.TimestampPtr(o.ResolvedAt),
		CustomFields:  normalize.Struct(o.Custom),
		CreateTime:    normalize.Timestamp(o.CreatedAt),
		UpdateTime:    normalize.Timestamp(o.UpdatedAt),
	}
	if o.Salary != nil {
		// The unified compensation has no interval; it stays in raw.
		out.Compensation = sandboxapi.MoneyToProto(&o.Salary.Money)
	}
	return out
}

// --- attachments ----------------------------------------------------------------

// attachmentTypes: portfolio and other are both OTHER.
var attachmentTypes = connector.Enum[atsv1.AttachmentType]{
	Provider: "Sandbox Recruit",
	Required: true,
	Read: map[string]atsv1.AttachmentType{
		"resume": atsv1.AttachmentType_ATTACHMENT_TYPE_RESUME, "cover_letter": atsv1.AttachmentType_ATTACHMENT_TYPE_COVER_LETTER,
		"offer_letter": atsv1.AttachmentType_ATTACHMENT_TYPE_OFFER_LETTER, "portfolio": atsv1.AttachmentType_ATTACHMENT_TYPE_OTHER,
		"other": atsv1.AttachmentType_ATTACHMENT_TYPE_OTHER,
	},
	Write: map[atsv1.AttachmentType]string{
		atsv1.AttachmentType_ATTACHMENT_TYPE_RESUME: "resume", atsv1.AttachmentType_ATTACHMENT_TYPE_COVER_LETTER: "cover_letter",
		atsv1.AttachmentType_ATTACHMENT_TYPE_OFFER_LETTER: "offer_letter",
	},
	Other: atsv1.AttachmentType_ATTACHMENT_TYPE_OTHER,
}

// The category written for OTHER is remote_type as is (even one the
// enum does not know, for Sandbox Recruit to accept or refuse), else
// Sandbox Recruit's own "other". OTHER is left out of Write, where it
// would replace a remote type the enum does not know; "other" stands in
// for a missing remote type instead.
var attachmentTypeWriter, attachmentRemoteTypeWriter = connector.EnumWriters(attachmentTypes, "category", "type",
	func(a *atsv1.Attachment) (atsv1.AttachmentType, string) {
		if t := a.GetType(); t == atsv1.AttachmentType_ATTACHMENT_TYPE_OTHER && a.GetRemoteType() == "" {
			return t, "other"
		}
		return a.GetType(), a.GetRemoteType()
	})

func fileToAttachment(f File) *atsv1.Attachment {
	return &atsv1.Attachment{
		Id:          f.ID,
		CandidateId: strconv.FormatInt(f.CandidateID, 10),
		FileName:    f.Filename,
		Type:        attachmentTypes.ToProto(f.Category),
		RemoteType:  f.Category,
		ContentType: f.ContentType,
		DownloadUrl: f.URL,
		CreateTime:  normalize.Timestamp(f.CreatedAt),
		UpdateTime:  normalize.Timestamp(f.UpdatedAt),
	}
}

var attachmentWireFields = map[string]string{
	"candidate_id": "candidate_id", "filename": "file_name", "category": "type", "content_type": "content_type",
	"content_base64": "content", "source_url": "source_url",
}

var attachmentFields = connector.Fields[*atsv1.Attachment]{
	"candidate_id": func(a *atsv1.Attachment, b map[string]any) error {
		return setIDValue(b, "candidate_id", "candidate_id", a.GetCandidateId())
	},
	"file_name":    func(a *atsv1.Attachment, b map[string]any) error { b["filename"] = a.GetFileName(); return nil },
	"type":         attachmentTypeWriter,
	"remote_type":  attachmentRemoteTypeWriter,
	"content_type": func(a *atsv1.Attachment, b map[string]any) error { b["content_type"] = a.GetContentType(); return nil },
	"content": func(a *atsv1.Attachment, b map[string]any) error {
		if len(a.GetContent()) > maxInlineFile {
			return connector.BadField("content", "Sandbox Recruit takes files of at most %d KiB inline; give a source_url for larger ones", maxInlineFile>>10)
		}
		b["content_base64"] = base64.StdEncoding.EncodeToString(a.GetContent())
		return nil
	},
	"source_url": func(a *atsv1.Attachment, b map[string]any) error { b["source_url"] = a.GetSourceUrl(); return nil },
}

func attachmentObject() connector.Object[*atsv1.Attachment] {
	o := sandboxapi.Object(sandboxapi.Mapping[File, *atsv1.Attachment]{
		Path: "/v1/files", Object: "attachment", Integration: Slug, Read: fileToAttachment, Write: attachmentFields, Wire: attachmentWireFields,
	})
	o.List = filteredList("/v1/files", fileToAttachment, "candidate_id")
	o.Update, o.Delete = nil, nil // the unified API only adds attachments
	return o
}

// --- departments, offices, users ----------------------------------------------

func departmentToDepartment(d Department) *atsv1.Department {
	return &atsv1.Department{
		Id: strconv.FormatInt(d.ID, 10), Name: d.Name, ParentId: connector.FormatID(d.ParentID),
		CreateTime: normalize.Timestamp(d.CreatedAt), UpdateTime: normalize.Timestamp(d.UpdatedAt),
	}
}

func officeToOffice(o Office) *atsv1.Office {
	out := &atsv1.Office{
		Id: o.ID, Name: o.Name, Location: strings.Trim(o.City+", "+o.Country, ", "),
		CreateTime: normalize.Timestamp(o.CreatedAt), UpdateTime: normalize.Timestamp(o.UpdatedAt),
	}
	if o.ParentID != nil {
		out.ParentId = *o.ParentID
	}
	return out
}

func recruiterToUser(r Recruiter) *atsv1.User {
	return &atsv1.User{
		Id: strconv.FormatInt(r.ID, 10), Name: r.Name, Email: r.Email, Role: r.Role, Active: !r.Deactivated,
		CreateTime: normalize.Timestamp(r.CreatedAt), UpdateTime: normalize.Timestamp(r.UpdatedAt),
	}
}

// --- helpers --------------------------------------------------------------------

// setIDValue writes a numeric reference that cannot be cleared; empty leaves it out.
func setIDValue(b map[string]any, key, field, id string) error {
	if id == "" {
		return nil
	}
	return sandboxapi.SetID(b, key, field, id)
}

// prefixedID checks a string id of Sandbox Recruit: its prefix and a number.
func prefixedID(field, id, prefix, what string) error {
	n, ok := strings.CutPrefix(id, prefix)
	if _, err := strconv.ParseUint(n, 10, 64); !ok || err != nil {
		return connector.BadField(field, "%q is not a Sandbox Recruit %s id (%s and a number)", id, what, prefix)
	}
	return nil
}

// filteredList lists path with the unified List filters named, which
// Sandbox Recruit takes under the same names.
func filteredList[W any, T connector.Record](path string, read func(W) T, names ...string) func(context.Context, *connector.Conn, connector.ListParams) (connector.Page[T], error) {
	fields := map[string]string{}
	for _, n := range names {
		fields[n] = n
	}
	return func(ctx context.Context, c *connector.Conn, p connector.ListParams) (connector.Page[T], error) {
		q := map[string]string{}
		for _, n := range names {
			if v := p.Filters[n]; v != "" {
				q[n] = v
			}
		}
		page, err := sandboxapi.ListPage(ctx, c, path, p, q, read)
		return page, fieldErrors(err, "", fields)
	}
}

// readOnly is a mapping's List and Get, its list filtered by names.
func readOnly[W any, T connector.Record](m sandboxapi.Mapping[W, T], names ...string) connector.Object[T] {
	o := sandboxapi.Object(m)
	o.List = filteredList(m.Path, m.Read, names...)
	return o
}

// listOnly is an object the unified API only lists.
func listOnly[W any, T connector.Record](path string, read func(W) T) connector.Object[T] {
	return connector.Object[T]{List: filteredList(path, read)}
}

// requestViolation turns a FieldError of a request's own field (not of a
// record in it) into INVALID_ARGUMENT. connector.FieldErrorsOf always
// prefixes an object name.
func requestViolation(err error) error {
	var fe *connector.FieldError
	if !errors.As(err, &fe) {
		return err
	}
	return apierr.InvalidArgument(apierr.ReasonInvalidArgument, fe.Field+": "+fe.Message,
		apierr.FieldViolation{Field: fe.Field, Description: fe.Message, Reason: apierr.ReasonInvalidArgument})
}

// fieldErrors rewrites Sandbox Recruit's field errors into violations of
// the unified fields that fields maps them to, under prefix (the record's
// name; "" for a request's own fields, such as a list filter or an action's
// parameters). A provider field maps by its longest mapped prefix, so that
// "hiring_team.managers[0]" maps by "hiring_team.managers". Errors that name
// no mapped field pass as they are when there is no prefix to name.
func fieldErrors(err error, prefix string, fields map[string]string) error {
	var pe *providerhttp.Error
	if !errors.As(err, &pe) || (pe.Response.StatusCode != http.StatusUnprocessableEntity && pe.Response.StatusCode != http.StatusBadRequest) {
		return err
	}
	var body sandboxapi.ErrorBody
	if json.Unmarshal(pe.Response.Body, &body) != nil || len(body.Error.Errors) == 0 {
		return err
	}
	vs := make([]apierr.FieldViolation, 0, len(body.Error.Errors))
	for _, fe := range body.Error.Errors {
		unified, ok := mapField(fields, fe.Field)
		switch {
		case ok && prefix != "":
			unified = prefix + "." + unified
		case !ok && prefix == "":
			return err
		case !ok:
			unified = prefix
		}
		vs = append(vs, apierr.FieldViolation{Field: unified, Description: fe.Message, Reason: apierr.ReasonProviderRejected})
	}
	what := cmp.Or(prefix, "request")
	return apierr.InvalidArgument(apierr.ReasonProviderRejected, fmt.Sprintf("%s rejected the %s: %s", Slug, what, body.Error.Message), vs...)
}

// mapField maps a provider field path by its longest mapped prefix.
func mapField(fields map[string]string, f string) (string, bool) {
	for i := len(f); i > 0; i-- {
		if i < len(f) && f[i] != '.' && f[i] != '[' {
			continue
		}
		if u, ok := fields[f[:i]]; ok {
			return u + f[i:], true
		}
	}
	return "", false
}

// actionErrors maps the failure of an application action: a conflict (the
// application is not in a state that allows it) is FAILED_PRECONDITION, as
// providerhttp maps every 409, here worded by the action refused ("refused
// to move the application: ..."); field errors are violations of the
// request's fields.
func actionErrors(err error, verb string, fields map[string]string) error {
	var pe *providerhttp.Error
	if !errors.As(err, &pe) || pe.Response.StatusCode != http.StatusConflict {
		return fieldErrors(err, "", fields)
	}
	return apierr.New(codes.FailedPrecondition, apierr.ReasonProviderRejected,
		fmt.Sprintf("%s refused to %s the application: %s", Slug, verb, sandboxapi.Describe(pe.Response)),
		"integration", Slug, "provider_status", strconv.Itoa(pe.Response.StatusCode))
}
