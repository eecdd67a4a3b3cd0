// Package sandbox is Sandbox CRM: an imaginary CRM vendor of Unimesh's
// sandbox line (the sandboxapi dialect), with its emulator — a stateful fake
// seeded with demo data, served by `unimesh dev` and used by the tests — and
// its connector to the unified CRM API.
//
// Sandbox CRM's API (base URL <root>/v1):
//
//	/people         contacts: names, emails[], phones[], addresses[], organization_id, owner_id, labels, custom
//	/organizations  companies: name, domains[], website, industry, headcount, annual_revenue, about, ...
//	/opportunities  deals: title, value, state open|won|lost|abandoned, pipeline_id, stage_id (required),
//	                win_probability 0..1, expected_close, closed_at, loss_reason, organization_id, person_ids
//	/leads          leads: title, names, one email and one phone, company, status new|contacted|qualified|
//	                disqualified|converted|nurturing, converted {person_id, organization_id, opportunity_id, at}
//	/activities     activities: type note|call|meeting|email|task|lunch (fixed at creation), subject, content,
//	                starts_at, ends_at, due_at, completed, direction in|out, person/organization/opportunity/lead ids
//	/pipelines      pipelines with their stages (type open|won|lost, win_probability 0..1)
//	/users          the CRM's users (read only)
//
// Ids are integers. Which unified fields map to which of these is the
// connector's business, in connector.go.
package sandbox

import (
	"time"

	"github.com/unimesh/unimesh/pkg/sandboxapi"
)

// Person is a contact.
type Person struct {
	ID             int64                `json:"id"`
	FirstName      string               `json:"first_name"`
	LastName       string               `json:"last_name"`
	FullName       string               `json:"full_name"`
	JobTitle       string               `json:"job_title"`
	Emails         []sandboxapi.Email   `json:"emails"`
	Phones         []sandboxapi.Phone   `json:"phones"`
	Addresses      []sandboxapi.Address `json:"addresses"`
	OrganizationID *int64               `json:"organization_id"`
	OwnerID        *int64               `json:"owner_id"`
	OpportunityIDs []int64              `json:"opportunity_ids"`
	Labels         []string             `json:"labels"`
	Custom         map[string]any       `json:"custom"`
	CreatedAt      time.Time            `json:"created_at"`
	UpdatedAt      time.Time            `json:"updated_at"`
}

// Organization is a company.
type Organization struct {
	ID            int64                `json:"id"`
	Name          string               `json:"name"`
	Domains       []string             `json:"domains"`
	Website       string               `json:"website"`
	Industry      string               `json:"industry"`
	Headcount     *int32               `json:"headcount"`
	AnnualRevenue *sandboxapi.Money    `json:"annual_revenue"`
	About         string               `json:"about"`
	Addresses     []sandboxapi.Address `json:"addresses"`
	Phones        []sandboxapi.Phone   `json:"phones"`
	OwnerID       *int64               `json:"owner_id"`
	Labels        []string             `json:"labels"`
	Custom        map[string]any       `json:"custom"`
	CreatedAt     time.Time            `json:"created_at"`
	UpdatedAt     time.Time            `json:"updated_at"`
}

// Opportunity is a deal.
type Opportunity struct {
	ID             int64             `json:"id"`
	Title          string            `json:"title"`
	Value          *sandboxapi.Money `json:"value"`
	State          string            `json:"state"`
	PipelineID     int64             `json:"pipeline_id"`
	StageID        int64             `json:"stage_id"`
	WinProbability *float64          `json:"win_probability"`
	ExpectedClose  string            `json:"expected_close"`
	ClosedAt       *time.Time        `json:"closed_at"`
	LossReason     string            `json:"loss_reason"`
	OrganizationID *int64            `json:"organization_id"`
	PersonIDs      []int64           `json:"person_ids"`
	OwnerID        *int64            `json:"owner_id"`
	Source         string            `json:"source"`
	Custom         map[string]any    `json:"custom"`
	CreatedAt      time.Time         `json:"created_at"`
	UpdatedAt      time.Time         `json:"updated_at"`
}

// Lead is a prospect.
type Lead struct {
	ID        int64               `json:"id"`
	Title     string              `json:"title"`
	FirstName string              `json:"first_name"`
	LastName  string              `json:"last_name"`
	JobTitle  string              `json:"job_title"`
	Email     string              `json:"email"`
	Phone     string              `json:"phone"`
	Company   string              `json:"company"`
	Address   *sandboxapi.Address `json:"address"`
	Status    string              `json:"status"`
	Source    string              `json:"source"`
	OwnerID   *int64              `json:"owner_id"`
	Converted *Conversion         `json:"converted"`
	Custom    map[string]any      `json:"custom"`
	CreatedAt time.Time           `json:"created_at"`
	UpdatedAt time.Time           `json:"updated_at"`
}

// Conversion records what a lead became.
type Conversion struct {
	PersonID       *int64    `json:"person_id"`
	OrganizationID *int64    `json:"organization_id"`
	OpportunityID  *int64    `json:"opportunity_id"`
	At             time.Time `json:"at"`
}

// Activity is a note, call, meeting, email or task.
type Activity struct {
	ID              int64          `json:"id"`
	Type            string         `json:"type"`
	Subject         string         `json:"subject"`
	Content         string         `json:"content"`
	StartsAt        *time.Time     `json:"starts_at"`
	EndsAt          *time.Time     `json:"ends_at"`
	DueAt           *time.Time     `json:"due_at"`
	Completed       bool           `json:"completed"`
	Direction       string         `json:"direction"`
	PersonIDs       []int64        `json:"person_ids"`
	OrganizationIDs []int64        `json:"organization_ids"`
	OpportunityIDs  []int64        `json:"opportunity_ids"`
	LeadIDs         []int64        `json:"lead_ids"`
	OwnerID         *int64         `json:"owner_id"`
	Custom          map[string]any `json:"custom"`
	CreatedAt       time.Time      `json:"created_at"`
	UpdatedAt       time.Time      `json:"updated_at"`
}

// Pipeline is a sales pipeline.
type Pipeline struct {
	ID        int64     `json:"id"`
	Name      string    `json:"name"`
	Active    bool      `json:"active"`
	Position  int32     `json:"position"`
	Stages    []Stage   `json:"stages"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Stage is a pipeline stage. A new stage is sent with id 0.
type Stage struct {
	ID             int64   `json:"id"`
	Name           string  `json:"name"`
	Position       int32   `json:"position"`
	WinProbability float64 `json:"win_probability"`
	Type           string  `json:"type"`
}

// User is a CRM user.
type User struct {
	ID        int64     `json:"id"`
	Name      string    `json:"name"`
	Email     string    `json:"email"`
	Active    bool      `json:"active"`
	Role      string    `json:"role"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}
