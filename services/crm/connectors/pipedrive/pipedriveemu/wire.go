package pipedriveemu

import (
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
)

// The records below are Pipedrive's wire shapes: what the emulator stores
// is what it answers, save for what a record's presentation adds (custom
// field keys left empty, related objects of v1 notes).

// LabeledValue is one email or phone of a person.
type LabeledValue struct {
	Value   string `json:"value"`
	Primary bool   `json:"primary"`
	Label   string `json:"label"`
}

// Address is an address as API v2 nests it (an organization's address, an
// activity's location, an address custom field).
type Address struct {
	Value            string  `json:"value"`
	StreetNumber     *string `json:"street_number"`
	Route            *string `json:"route"`
	Subpremise       *string `json:"subpremise"`
	Sublocality      *string `json:"sublocality"`
	Locality         *string `json:"locality"`
	AdminAreaLevel1  *string `json:"admin_area_level_1"`
	AdminAreaLevel2  *string `json:"admin_area_level_2"`
	Country          *string `json:"country"`
	PostalCode       *string `json:"postal_code"`
	FormattedAddress *string `json:"formatted_address"`
}

// Person is a v2 person.
type Person struct {
	ID         int64          `json:"id"`
	Name       string         `json:"name"`
	FirstName  string         `json:"first_name"`
	LastName   string         `json:"last_name"`
	OwnerID    int64          `json:"owner_id"`
	OrgID      *int64         `json:"org_id"`
	PictureID  *int64         `json:"picture_id"`
	AddTime    string         `json:"add_time"`
	UpdateTime string         `json:"update_time"`
	VisibleTo  int            `json:"visible_to"`
	LabelIDs   []int64        `json:"label_ids"`
	IsDeleted  bool           `json:"is_deleted"`
	Emails     []LabeledValue `json:"emails"`
	Phones     []LabeledValue `json:"phones"`
	// JobTitle is present because the demo company has contact sync on; the
	// API does not take it on writes.
	JobTitle     *string        `json:"job_title"`
	CustomFields map[string]any `json:"custom_fields"`
}

// Organization is a v2 organization.
type Organization struct {
	ID           int64          `json:"id"`
	Name         string         `json:"name"`
	OwnerID      int64          `json:"owner_id"`
	AddTime      string         `json:"add_time"`
	UpdateTime   string         `json:"update_time"`
	VisibleTo    int            `json:"visible_to"`
	PictureID    *int64         `json:"picture_id"`
	LabelIDs     []int64        `json:"label_ids"`
	IsDeleted    bool           `json:"is_deleted"`
	Address      *Address       `json:"address"`
	CustomFields map[string]any `json:"custom_fields"`
}

// Deal is a v2 deal.
type Deal struct {
	ID                int64       `json:"id"`
	Title             string      `json:"title"`
	CreatorUserID     int64       `json:"creator_user_id"`
	OwnerID           int64       `json:"owner_id"`
	PersonID          *int64      `json:"person_id"`
	OrgID             *int64      `json:"org_id"`
	StageID           int64       `json:"stage_id"`
	PipelineID        int64       `json:"pipeline_id"`
	Value             json.Number `json:"value"`
	Currency          string      `json:"currency"`
	AddTime           string      `json:"add_time"`
	UpdateTime        string      `json:"update_time"`
	StageChangeTime   *string     `json:"stage_change_time"`
	IsDeleted         bool        `json:"is_deleted"`
	IsArchived        bool        `json:"is_archived"`
	ArchiveTime       *string     `json:"archive_time"`
	Status            string      `json:"status"`
	Probability       *float64    `json:"probability"`
	LostReason        *string     `json:"lost_reason"`
	VisibleTo         int         `json:"visible_to"`
	CloseTime         *string     `json:"close_time"`
	WonTime           *string     `json:"won_time"`
	LostTime          *string     `json:"lost_time"`
	LocalWonDate      *string     `json:"local_won_date"`
	LocalLostDate     *string     `json:"local_lost_date"`
	LocalCloseDate    *string     `json:"local_close_date"`
	ExpectedCloseDate *string     `json:"expected_close_date"`
	LabelIDs          []int64     `json:"label_ids"`
	Origin            string      `json:"origin"`
	OriginID          *string     `json:"origin_id"`
	Channel           *int64      `json:"channel"`
	ChannelID         *string     `json:"channel_id"`
	// ARR, MRR and ACV are null: the emulator has no products.
	ARR          *float64       `json:"arr"`
	MRR          *float64       `json:"mrr"`
	ACV          *float64       `json:"acv"`
	CustomFields map[string]any `json:"custom_fields"`
}

// Participant is a person taking part in an activity.
type Participant struct {
	PersonID int64 `json:"person_id"`
	Primary  bool  `json:"primary"`
}

// Activity is a v2 activity. Its person_id is read-only: the primary
// participant's.
type Activity struct {
	ID                int64         `json:"id"`
	Subject           string        `json:"subject"`
	Type              string        `json:"type"`
	OwnerID           int64         `json:"owner_id"`
	CreatorUserID     int64         `json:"creator_user_id"`
	IsDeleted         bool          `json:"is_deleted"`
	AddTime           string        `json:"add_time"`
	UpdateTime        string        `json:"update_time"`
	DealID            *int64        `json:"deal_id"`
	LeadID            *string       `json:"lead_id"`
	PersonID          *int64        `json:"person_id"`
	OrgID             *int64        `json:"org_id"`
	ProjectID         *int64        `json:"project_id"`
	DueDate           *string       `json:"due_date"`
	DueTime           *string       `json:"due_time"`
	Duration          *string       `json:"duration"`
	Busy              bool          `json:"busy"`
	Done              bool          `json:"done"`
	MarkedAsDoneTime  *string       `json:"marked_as_done_time"`
	Location          *Address      `json:"location"`
	Participants      []Participant `json:"participants"`
	PublicDescription *string       `json:"public_description"`
	Priority          *int64        `json:"priority"`
	Note              *string       `json:"note"`
	Private           bool          `json:"private"`
}

// Pipeline is a v2 pipeline. The one with the lowest order_nr is the default.
type Pipeline struct {
	ID                       int64  `json:"id"`
	Name                     string `json:"name"`
	OrderNr                  int    `json:"order_nr"`
	IsDeleted                bool   `json:"is_deleted"`
	IsDealProbabilityEnabled bool   `json:"is_deal_probability_enabled"`
	AddTime                  string `json:"add_time"`
	UpdateTime               string `json:"update_time"`
	IsSelected               bool   `json:"is_selected"`
}

// Stage is a v2 stage. Every stage is open: won and lost are deal statuses.
type Stage struct {
	ID               int64   `json:"id"`
	OrderNr          int     `json:"order_nr"`
	Name             string  `json:"name"`
	IsDeleted        bool    `json:"is_deleted"`
	DealProbability  float64 `json:"deal_probability"`
	PipelineID       int64   `json:"pipeline_id"`
	IsDealRotEnabled bool    `json:"is_deal_rot_enabled"`
	DaysToRotten     *int    `json:"days_to_rotten"`
	AddTime          string  `json:"add_time"`
	UpdateTime       string  `json:"update_time"`
}

// LeadValue is the potential value of a lead.
type LeadValue struct {
	Amount   json.Number `json:"amount"`
	Currency string      `json:"currency"`
}

// Lead is a v1 lead: a UUID id, and the deal custom fields at its top level
// (only those set).
type Lead struct {
	ID                string     `json:"id"`
	Title             string     `json:"title"`
	OwnerID           int64      `json:"owner_id"`
	CreatorID         int64      `json:"creator_id"`
	LabelIDs          []string   `json:"label_ids"`
	PersonID          *int64     `json:"person_id"`
	OrganizationID    *int64     `json:"organization_id"`
	SourceName        string     `json:"source_name"`
	Origin            string     `json:"origin"`
	OriginID          *string    `json:"origin_id"`
	Channel           *int64     `json:"channel"`
	ChannelID         *string    `json:"channel_id"`
	SourceDealID      *int64     `json:"source_deal_id"`
	IsArchived        bool       `json:"is_archived"`
	WasSeen           bool       `json:"was_seen"`
	Value             *LeadValue `json:"value"`
	ExpectedCloseDate *string    `json:"expected_close_date"`
	NextActivityID    *int64     `json:"next_activity_id"`
	AddTime           string     `json:"add_time"`
	UpdateTime        string     `json:"update_time"`
	VisibleTo         string     `json:"visible_to"`
	CcEmail           string     `json:"cc_email"`
	// Custom holds the custom field values in the emulator's canonical
	// (v2-like) form; MarshalJSON writes them the v1 way.
	Custom map[string]any `json:"-"`
}

// leadJSON is Lead without its methods, for (un)marshalling its fixed part.
type leadJSON Lead

// MarshalJSON writes the lead with its custom fields at the top level. The
// store copies records through JSON, so the canonical form is kept under a
// private key that the HTTP answers never show (see Emulator.presentLead).
func (l Lead) MarshalJSON() ([]byte, error) {
	b, err := json.Marshal(leadJSON(l))
	if err != nil || len(l.Custom) == 0 {
		return b, err
	}
	c, err := json.Marshal(map[string]any{storedCustomKey: l.Custom})
	if err != nil {
		return nil, err
	}
	return append(append(b[:len(b)-1], ','), c[1:]...), nil
}

// UnmarshalJSON reads what MarshalJSON wrote.
func (l *Lead) UnmarshalJSON(b []byte) error {
	var fixed leadJSON
	if err := json.Unmarshal(b, &fixed); err != nil {
		return err
	}
	var extra struct {
		Custom map[string]any `json:"__custom"`
	}
	if err := json.Unmarshal(b, &extra); err != nil {
		return err
	}
	*l = Lead(fixed)
	l.Custom = extra.Custom
	return nil
}

const storedCustomKey = "__custom"

// NameRef and friends are the related objects a v1 note carries.
type NameRef struct {
	Name string `json:"name"`
}

// TitleRef is a note's deal.
type TitleRef struct {
	Title string `json:"title"`
}

// NoteUser is a note's author.
type NoteUser struct {
	Email   string  `json:"email"`
	Name    string  `json:"name"`
	IconURL *string `json:"icon_url"`
	IsYou   bool    `json:"is_you"`
}

// Note is a v1 note.
type Note struct {
	ID                       int64     `json:"id"`
	UserID                   int64     `json:"user_id"`
	DealID                   *int64    `json:"deal_id"`
	PersonID                 *int64    `json:"person_id"`
	OrgID                    *int64    `json:"org_id"`
	LeadID                   *string   `json:"lead_id"`
	ProjectID                *int64    `json:"project_id"`
	Content                  string    `json:"content"`
	AddTime                  string    `json:"add_time"`
	UpdateTime               string    `json:"update_time"`
	ActiveFlag               bool      `json:"active_flag"`
	PinnedToDealFlag         bool      `json:"pinned_to_deal_flag"`
	PinnedToPersonFlag       bool      `json:"pinned_to_person_flag"`
	PinnedToOrganizationFlag bool      `json:"pinned_to_organization_flag"`
	PinnedToLeadFlag         bool      `json:"pinned_to_lead_flag"`
	PinnedToProjectFlag      bool      `json:"pinned_to_project_flag"`
	LastUpdateUserID         *int64    `json:"last_update_user_id"`
	Organization             *NameRef  `json:"organization"`
	Person                   *NameRef  `json:"person"`
	Deal                     *TitleRef `json:"deal"`
	User                     *NoteUser `json:"user"`
	Lead                     *TitleRef `json:"lead,omitempty"`
}

// UserAccess is one app a user can use.
type UserAccess struct {
	App             string `json:"app"`
	Admin           bool   `json:"admin"`
	PermissionSetID string `json:"permission_set_id"`
}

// User is a v1 user.
type User struct {
	ID                int64        `json:"id"`
	Name              string       `json:"name"`
	DefaultCurrency   string       `json:"default_currency"`
	Locale            string       `json:"locale"`
	Lang              int          `json:"lang"`
	Email             string       `json:"email"`
	Phone             *string      `json:"phone"`
	Activated         bool         `json:"activated"`
	LastLogin         string       `json:"last_login"`
	Created           string       `json:"created"`
	Modified          *string      `json:"modified"`
	HasCreatedCompany bool         `json:"has_created_company"`
	Access            []UserAccess `json:"access"`
	ActiveFlag        bool         `json:"active_flag"`
	TimezoneName      string       `json:"timezone_name"`
	TimezoneOffset    string       `json:"timezone_offset"`
	RoleID            int          `json:"role_id"`
	IconURL           *string      `json:"icon_url"`
	IsYou             bool         `json:"is_you"`
	// IsAdmin is 1 or 0, as API v1 writes it.
	IsAdmin int `json:"is_admin"`
}

// FieldOption is one option of an enum or set field.
type FieldOption struct {
	ID    int64  `json:"id"`
	Label string `json:"label"`
	Color string `json:"color,omitempty"`
}

// Field is a v1 field definition. Custom fields have a 40-character hex key
// and edit_flag true.
type Field struct {
	ID                  int64         `json:"id"`
	Key                 string        `json:"key"`
	Name                string        `json:"name"`
	OrderNr             int           `json:"order_nr"`
	FieldType           string        `json:"field_type"`
	AddTime             string        `json:"add_time"`
	UpdateTime          string        `json:"update_time"`
	LastUpdatedByUserID *int64        `json:"last_updated_by_user_id"`
	CreatedByUserID     *int64        `json:"created_by_user_id"`
	ActiveFlag          bool          `json:"active_flag"`
	EditFlag            bool          `json:"edit_flag"`
	IndexVisibleFlag    bool          `json:"index_visible_flag"`
	DetailsVisibleFlag  bool          `json:"details_visible_flag"`
	AddVisibleFlag      bool          `json:"add_visible_flag"`
	ImportantFlag       bool          `json:"important_flag"`
	BulkEditAllowed     bool          `json:"bulk_edit_allowed"`
	SearchableFlag      bool          `json:"searchable_flag"`
	FilteringAllowed    bool          `json:"filtering_allowed"`
	SortableFlag        bool          `json:"sortable_flag"`
	MandatoryFlag       bool          `json:"mandatory_flag"`
	Options             []FieldOption `json:"options"`
}

// leadUUID makes the n-th lead's id: a version-4-shaped UUID derived from n,
// so that seeded ids are the same on every start.
func leadUUID(n int64) string {
	sum := sha1.Sum([]byte(fmt.Sprintf("pipedrive-lead-%d", n)))
	b := sum[:16]
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b)
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

var uuidRE = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

// fieldKey makes a custom field's 40-character hex key, as Pipedrive
// generates them; derived from the entity and name so that seeds are stable.
func fieldKey(entity, name string) string {
	sum := sha1.Sum([]byte("pipedrive-field:" + entity + ":" + strings.ToLower(name)))
	return hex.EncodeToString(sum[:])
}

var hashKeyRE = regexp.MustCompile(`^[0-9a-f]{40}$`)
