// Package sandbox is Sandbox Recruit: an imaginary applicant tracking system
// of Unimesh's sandbox line (the sandboxapi dialect), with its emulator — a
// stateful fake seeded with demo data, served by `unimesh dev` and used by the
// tests — and its connector to the unified ATS API.
//
// Sandbox Recruit's API (base URL <root>/v1):
//
//	/requisitions      jobs, ids "job_1001": title (required), req_code (unique), description_html,
//	                   state draft|pending_approval|open|on_hold|closed|archived|evergreen (a new one starts
//	                   as draft, pending_approval, open or evergreen; default draft), employment (free text),
//	                   department_id (one), office_ids[], hiring_team {managers[], recruiters[]} (recruiter
//	                   ids), headcount (default 1), custom. Read only: interview_plan_id and stages[] — every
//	                   new requisition gets its own interview plan of the default stages.
//	/stages            the stages of every requisition's plan, numeric ids, read only: job_id,
//	                   interview_plan_id, name, position (from 0), kind applied|screen|interview|
//	                   assessment|offer|hired. Filter ?job_id=
//	/people            candidates, numeric ids: first_name and last_name (required), current_company,
//	                   headline (current job title), emails[] (unique across people), phones[],
//	                   links [{url, kind linkedin|github|portfolio|website|social|other}], tags, origin,
//	                   custom; application_ids is read only.
//	/applications      numeric ids: candidate_id and job_id (required, fixed at creation), stage_id (at
//	                   creation only: default the first stage of the requisition's plan), applied_at (at
//	                   creation only; default now), origin, referrer_id (a recruiter), custom. The open
//	                   requisitions (open, evergreen) take applications, one active one per candidate.
//	                   Read only: status active|on_hold|rejected|hired|withdrawn, hired_at, rejected_at,
//	                   rejection {reason {id, label}, note}; they change through two actions, which answer
//	                   the application:
//	                     POST /applications/{id}/advance {stage_id}          to a stage of its requisition;
//	                                                                        a stage of kind hired hires
//	                     POST /applications/{id}/reject {reason_id?, note?}   a reason of /rejection_reasons,
//	                                                                        a note, or both
//	                   Only an active application advances, and only an active or on_hold one is
//	                   rejected: else 409 conflict. Filters ?job_id= &candidate_id= &status=
//	/interviews        ids "ivw_1001", read only: application_id, stage_id, panel[] and organizer_id
//	                   (recruiter ids), starts_at, ends_at, format onsite|video|phone, location, video_url,
//	                   state scheduled|awaiting_feedback|done|cancelled|no_show. Filter ?application_id=
//	/offers            ids "ofr_1001", read only: application_id, version, state draft|pending_approval|
//	                   approved|sent|accepted|declined|superseded|rescinded|expired, start_date, sent_at,
//	                   resolved_at, salary {amount, currency, interval year|month|hour}, custom.
//	                   Filter ?application_id=
//	/files             candidate files, ids "file_5001": candidate_id (required), filename, category
//	                   resume|cover_letter|offer_letter|portfolio|other (default other), content_type
//	                   (default from the file name); size and url are read only. A file is uploaded
//	                   inline as content_base64 (at most 512 KiB) or fetched from an https source_url,
//	                   exactly one of them; content_base64 is never stored. Filter ?candidate_id=
//	/departments       numeric ids, read only: name, parent_id
//	/offices           ids "ofc_101", read only: name, parent_id (a region), city, country, timezone
//	/recruiters        the ATS's users, numeric ids, read only: name, email, role, deactivated
//	/rejection_reasons numeric ids, read only: label
//
// An unknown list filter is refused (400). Which unified fields map to which
// of these is the connector's business, in connector.go.
package sandbox

import (
	"time"

	"github.com/unimesh/unimesh/pkg/sandboxapi"
)

// Requisition is a job.
type Requisition struct {
	ID              string         `json:"id"`
	Title           string         `json:"title"`
	ReqCode         string         `json:"req_code"`
	DescriptionHTML string         `json:"description_html"`
	State           string         `json:"state"`
	Employment      string         `json:"employment"`
	DepartmentID    *int64         `json:"department_id"`
	OfficeIDs       []string       `json:"office_ids"`
	HiringTeam      HiringTeam     `json:"hiring_team"`
	Headcount       int32          `json:"headcount"`
	InterviewPlanID int64          `json:"interview_plan_id"`
	Stages          []Stage        `json:"stages"`
	Custom          map[string]any `json:"custom"`
	CreatedAt       time.Time      `json:"created_at"`
	UpdatedAt       time.Time      `json:"updated_at"`
}

// HiringTeam names the recruiters (users) hiring for a requisition.
type HiringTeam struct {
	Managers   []int64 `json:"managers"`
	Recruiters []int64 `json:"recruiters"`
}

// Stage is a stage of a requisition's interview plan.
type Stage struct {
	ID              int64     `json:"id"`
	JobID           string    `json:"job_id"`
	InterviewPlanID int64     `json:"interview_plan_id"`
	Name            string    `json:"name"`
	Position        int32     `json:"position"`
	Kind            string    `json:"kind"`
	CreatedAt       time.Time `json:"created_at"`
	UpdatedAt       time.Time `json:"updated_at"`
}

// Person is a candidate.
type Person struct {
	ID             int64              `json:"id"`
	FirstName      string             `json:"first_name"`
	LastName       string             `json:"last_name"`
	CurrentCompany string             `json:"current_company"`
	Headline       string             `json:"headline"`
	Emails         []sandboxapi.Email `json:"emails"`
	Phones         []sandboxapi.Phone `json:"phones"`
	Links          []Link             `json:"links"`
	Tags           []string           `json:"tags"`
	ApplicationIDs []int64            `json:"application_ids"`
	Origin         string             `json:"origin"`
	Custom         map[string]any     `json:"custom"`
	CreatedAt      time.Time          `json:"created_at"`
	UpdatedAt      time.Time          `json:"updated_at"`
}

// Link is a web page of a candidate.
type Link struct {
	URL  string `json:"url"`
	Kind string `json:"kind"`
}

// Application is a candidate's application to a requisition.
type Application struct {
	ID          int64          `json:"id"`
	CandidateID int64          `json:"candidate_id"`
	JobID       string         `json:"job_id"`
	StageID     int64          `json:"stage_id"`
	Status      string         `json:"status"`
	AppliedAt   *time.Time     `json:"applied_at"`
	HiredAt     *time.Time     `json:"hired_at"`
	RejectedAt  *time.Time     `json:"rejected_at"`
	Rejection   *Rejection     `json:"rejection"`
	Origin      string         `json:"origin"`
	ReferrerID  *int64         `json:"referrer_id"`
	Custom      map[string]any `json:"custom"`
	CreatedAt   time.Time      `json:"created_at"`
	UpdatedAt   time.Time      `json:"updated_at"`
}

// Rejection says why an application was rejected: a reason, a note or both.
type Rejection struct {
	Reason *ReasonRef `json:"reason"`
	Note   string     `json:"note"`
}

// ReasonRef is a rejection reason as an application shows it.
type ReasonRef struct {
	ID    int64  `json:"id"`
	Label string `json:"label"`
}

// Interview is a scheduled interview of an application.
type Interview struct {
	ID            string    `json:"id"`
	ApplicationID int64     `json:"application_id"`
	StageID       int64     `json:"stage_id"`
	Panel         []int64   `json:"panel"`
	OrganizerID   *int64    `json:"organizer_id"`
	StartsAt      time.Time `json:"starts_at"`
	EndsAt        time.Time `json:"ends_at"`
	Format        string    `json:"format"`
	Location      string    `json:"location"`
	VideoURL      string    `json:"video_url"`
	State         string    `json:"state"`
	CreatedAt     time.Time `json:"created_at"`
	UpdatedAt     time.Time `json:"updated_at"`
}

// Offer is an offer made on an application; a new version supersedes the last.
type Offer struct {
	ID            string         `json:"id"`
	ApplicationID int64          `json:"application_id"`
	Version       int32          `json:"version"`
	State         string         `json:"state"`
	StartDate     string         `json:"start_date"`
	SentAt        *time.Time     `json:"sent_at"`
	ResolvedAt    *time.Time     `json:"resolved_at"`
	Salary        *Salary        `json:"salary"`
	Custom        map[string]any `json:"custom"`
	CreatedAt     time.Time      `json:"created_at"`
	UpdatedAt     time.Time      `json:"updated_at"`
}

// Salary is an amount per interval (year, month or hour).
type Salary struct {
	sandboxapi.Money
	Interval string `json:"interval"`
}

// File is a candidate's file. ContentBase64 and SourceURL are how it is
// uploaded; the content is never stored nor answered.
type File struct {
	ID            string    `json:"id"`
	CandidateID   int64     `json:"candidate_id"`
	Filename      string    `json:"filename"`
	Category      string    `json:"category"`
	ContentType   string    `json:"content_type"`
	Size          *int64    `json:"size"`
	URL           string    `json:"url"`
	ContentBase64 string    `json:"content_base64,omitempty"`
	SourceURL     string    `json:"source_url,omitempty"`
	CreatedAt     time.Time `json:"created_at"`
	UpdatedAt     time.Time `json:"updated_at"`
}

// Department is a department of the hiring organization.
type Department struct {
	ID        int64     `json:"id"`
	Name      string    `json:"name"`
	ParentID  *int64    `json:"parent_id"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Office is an office, or a region grouping offices.
type Office struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	ParentID  *string   `json:"parent_id"`
	City      string    `json:"city"`
	Country   string    `json:"country"`
	Timezone  string    `json:"timezone"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Recruiter is a user of Sandbox Recruit, whatever their role.
type Recruiter struct {
	ID          int64     `json:"id"`
	Name        string    `json:"name"`
	Email       string    `json:"email"`
	Role        string    `json:"role"`
	Deactivated bool      `json:"deactivated"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// RejectionReason is one of the reasons an application can be rejected for.
type RejectionReason struct {
	ID        int64     `json:"id"`
	Label     string    `json:"label"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}
