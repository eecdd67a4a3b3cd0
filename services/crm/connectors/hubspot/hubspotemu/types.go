package hubspotemu

import (
	"strings"
	"time"

	"github.com/unimesh/unimesh/pkg/emulator"
)

// objectType is one CRM object of the emulated account.
type objectType struct {
	Name     string // path name: "contacts"
	Singular string // "contact"
	TypeID   string // HubSpot's object type id: "0-1"
	// CreateProp and ModifiedProp are the read-only properties holding the
	// record's creation and last change: contacts use createdate and
	// lastmodifieddate, companies and deals createdate and
	// hs_lastmodifieddate, leads and engagements hs_createdate and
	// hs_lastmodifieddate.
	CreateProp, ModifiedProp string
	// Defaults are the properties a read returns when none are asked for.
	Defaults []string
	// IDStart makes each object's ids distinct, as HubSpot's are.
	IDStart int64
	// Upper is the name in HubSpot's batch error messages: "CONTACT".
	Upper string
}

var objectTypes = []*objectType{
	{Name: "contacts", Singular: "contact", TypeID: "0-1", CreateProp: "createdate", ModifiedProp: "lastmodifieddate",
		Defaults: []string{"firstname", "lastname", "email"}, IDStart: 51000, Upper: "CONTACT"},
	{Name: "companies", Singular: "company", TypeID: "0-2", CreateProp: "createdate", ModifiedProp: "hs_lastmodifieddate",
		Defaults: []string{"name", "domain"}, IDStart: 18540000000, Upper: "COMPANY"},
	{Name: "deals", Singular: "deal", TypeID: "0-3", CreateProp: "createdate", ModifiedProp: "hs_lastmodifieddate",
		Defaults: []string{"dealname", "amount", "closedate", "pipeline", "dealstage"}, IDStart: 21870000000, Upper: "DEAL"},
	{Name: "leads", Singular: "lead", TypeID: "0-136", CreateProp: "hs_createdate", ModifiedProp: "hs_lastmodifieddate",
		Defaults: []string{"hs_lead_name", "hs_pipeline", "hs_pipeline_stage"}, IDStart: 342000000, Upper: "LEAD"},
	{Name: "notes", Singular: "note", TypeID: "0-46", CreateProp: "hs_createdate", ModifiedProp: "hs_lastmodifieddate",
		Defaults: []string{"hs_timestamp", "hs_note_body"}, IDStart: 60140000000, Upper: "NOTE"},
	{Name: "calls", Singular: "call", TypeID: "0-48", CreateProp: "hs_createdate", ModifiedProp: "hs_lastmodifieddate",
		Defaults: []string{"hs_timestamp", "hs_call_title", "hs_call_body"}, IDStart: 60290000000, Upper: "CALL"},
	{Name: "meetings", Singular: "meeting", TypeID: "0-47", CreateProp: "hs_createdate", ModifiedProp: "hs_lastmodifieddate",
		Defaults: []string{"hs_timestamp", "hs_meeting_title", "hs_meeting_start_time", "hs_meeting_end_time"}, IDStart: 60330000000, Upper: "MEETING"},
	{Name: "emails", Singular: "email", TypeID: "0-49", CreateProp: "hs_createdate", ModifiedProp: "hs_lastmodifieddate",
		Defaults: []string{"hs_timestamp", "hs_email_subject", "hs_email_direction"}, IDStart: 60470000000, Upper: "EMAIL"},
	{Name: "tasks", Singular: "task", TypeID: "0-27", CreateProp: "hs_createdate", ModifiedProp: "hs_lastmodifieddate",
		Defaults: []string{"hs_timestamp", "hs_task_subject", "hs_task_status"}, IDStart: 60520000000, Upper: "TASK"},
}

// lookupType resolves an object type as HubSpot accepts it in paths: the
// plural or singular name, or the type id, in any case.
func lookupType(s string) *objectType {
	for _, t := range objectTypes {
		if strings.EqualFold(s, t.Name) || strings.EqualFold(s, t.Singular) || s == t.TypeID {
			return t
		}
	}
	return nil
}

// Object is one CRM record: HubSpot keeps every value as a string property.
// An unset property is absent (HubSpot answers null for it).
type Object struct {
	ID         string            `json:"id"`
	Properties map[string]string `json:"properties"`
	CreatedAt  time.Time         `json:"createdAt"`
	UpdatedAt  time.Time         `json:"updatedAt"`
	Archived   bool              `json:"archived"`
	ArchivedAt *time.Time        `json:"archivedAt,omitempty"`
}

// setObjectMeta writes the engine's id and times into the record and its
// read-only system properties, with HubSpot's millisecond precision.
func setObjectMeta(t *objectType) func(*Object, emulator.Meta) {
	return func(o *Object, m emulator.Meta) {
		o.ID = m.ID
		o.CreatedAt = m.Created.UTC().Truncate(time.Millisecond)
		o.UpdatedAt = m.Updated.UTC().Truncate(time.Millisecond)
		if o.Properties == nil {
			o.Properties = map[string]string{}
		}
		o.Properties["hs_object_id"] = m.ID
		o.Properties[t.CreateProp] = formatTime(o.CreatedAt)
		o.Properties[t.ModifiedProp] = formatTime(o.UpdatedAt)
	}
}

// Edge is the association between two records, in both directions: the
// association type ids from A to B and from B to A.
type Edge struct {
	ID    string `json:"id"`
	AType string `json:"aType"`
	AID   string `json:"aId"`
	BType string `json:"bType"`
	BID   string `json:"bId"`
	AToB  []int  `json:"aToB"`
	BToA  []int  `json:"bToA"`
}

// Owner is a HubSpot owner: a user who can own records.
type Owner struct {
	ID        string    `json:"id"`
	Email     string    `json:"email"`
	FirstName string    `json:"firstName"`
	LastName  string    `json:"lastName"`
	UserID    int64     `json:"userId"`
	Teams     []Team    `json:"teams,omitempty"`
	Archived  bool      `json:"archived"`
	CreatedAt time.Time `json:"createdAt"`
	UpdatedAt time.Time `json:"updatedAt"`
}

// Team is an owner's team.
type Team struct {
	ID      string `json:"id"`
	Name    string `json:"name"`
	Primary bool   `json:"primary"`
}

// Pipeline is a deal or lead pipeline.
type Pipeline struct {
	ID           string    `json:"id"`
	Label        string    `json:"label"`
	DisplayOrder int       `json:"displayOrder"`
	Stages       []Stage   `json:"stages"`
	Archived     bool      `json:"archived"`
	CreatedAt    time.Time `json:"createdAt"`
	UpdatedAt    time.Time `json:"updatedAt"`
}

// Stage is a pipeline stage; metadata holds probability and isClosed (deal
// pipelines) as strings.
type Stage struct {
	ID           string            `json:"id"`
	Label        string            `json:"label"`
	DisplayOrder int               `json:"displayOrder"`
	Metadata     map[string]string `json:"metadata"`
	Archived     bool              `json:"archived"`
	CreatedAt    time.Time         `json:"createdAt"`
	UpdatedAt    time.Time         `json:"updatedAt"`
}
