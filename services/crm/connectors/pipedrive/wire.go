package pipedrive

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
)

// The types below are what the connector reads of Pipedrive's answers;
// fields it does not map are kept in the records' raw payload only.

// ref is a reference to another record. API v2 writes plain ids; API v1
// writes some references as objects ({"value": 5, "name": "..."} for
// org_id, owner_id, user_id...) and some as numeric strings. All read as
// the id; 0 is none.
type ref int64

// UnmarshalJSON reads a number, a numeric string, null, or a v1 reference
// object (its "value", else its "id").
func (r *ref) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case len(b) == 0 || string(b) == "null":
		*r = 0
		return nil
	case b[0] == '{':
		var obj struct {
			Value *ref `json:"value"`
			ID    *ref `json:"id"`
		}
		if err := json.Unmarshal(b, &obj); err != nil {
			return err
		}
		switch {
		case obj.Value != nil:
			*r = *obj.Value
		case obj.ID != nil:
			*r = *obj.ID
		default:
			*r = 0
		}
		return nil
	case b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		if s == "" {
			*r = 0
			return nil
		}
		n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
		if err != nil {
			return err
		}
		*r = ref(n)
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return err
	}
	i, err := strconv.ParseInt(n.String(), 10, 64)
	if err != nil {
		f, ferr := n.Float64()
		if ferr != nil {
			return err
		}
		i = int64(f)
	}
	*r = ref(i)
	return nil
}

// id is the unified id of a reference; "" for none.
func (r ref) id() string {
	if r == 0 {
		return ""
	}
	return strconv.FormatInt(int64(r), 10)
}

// flag reads a boolean that API v1 may write as 0/1 or "0"/"1".
type flag bool

// UnmarshalJSON reads true/false, 0/1 and their string forms.
func (f *flag) UnmarshalJSON(b []byte) error {
	switch strings.Trim(string(bytes.TrimSpace(b)), `"`) {
	case "true", "1":
		*f = true
	case "false", "0", "", "null":
		*f = false
	default:
		var v bool
		return json.Unmarshal(b, &v)
	}
	return nil
}

// labeledValue is an email or phone of a person.
type labeledValue struct {
	Value   string `json:"value"`
	Primary flag   `json:"primary"`
	Label   string `json:"label"`
}

// address is an address object of API v2.
type address struct {
	Value           string `json:"value"`
	StreetNumber    string `json:"street_number"`
	Route           string `json:"route"`
	Subpremise      string `json:"subpremise"`
	Locality        string `json:"locality"`
	AdminAreaLevel1 string `json:"admin_area_level_1"`
	Country         string `json:"country"`
	PostalCode      string `json:"postal_code"`
}

// customValues are the custom fields of a v2 record, by 40-character key.
type customValues map[string]json.RawMessage

type person struct {
	ID           ref            `json:"id"`
	Name         string         `json:"name"`
	FirstName    string         `json:"first_name"`
	LastName     string         `json:"last_name"`
	OwnerID      ref            `json:"owner_id"`
	OrgID        ref            `json:"org_id"`
	AddTime      string         `json:"add_time"`
	UpdateTime   string         `json:"update_time"`
	LabelIDs     []ref          `json:"label_ids"`
	IsDeleted    flag           `json:"is_deleted"`
	Emails       []labeledValue `json:"emails"`
	Phones       []labeledValue `json:"phones"`
	JobTitle     string         `json:"job_title"`
	CustomFields customValues   `json:"custom_fields"`
}

type organization struct {
	ID           ref          `json:"id"`
	Name         string       `json:"name"`
	OwnerID      ref          `json:"owner_id"`
	AddTime      string       `json:"add_time"`
	UpdateTime   string       `json:"update_time"`
	LabelIDs     []ref        `json:"label_ids"`
	IsDeleted    flag         `json:"is_deleted"`
	Address      *address     `json:"address"`
	CustomFields customValues `json:"custom_fields"`
}

type deal struct {
	ID                ref          `json:"id"`
	Title             string       `json:"title"`
	OwnerID           ref          `json:"owner_id"`
	PersonID          ref          `json:"person_id"`
	OrgID             ref          `json:"org_id"`
	PipelineID        ref          `json:"pipeline_id"`
	StageID           ref          `json:"stage_id"`
	Value             json.Number  `json:"value"`
	Currency          string       `json:"currency"`
	AddTime           string       `json:"add_time"`
	UpdateTime        string       `json:"update_time"`
	IsDeleted         flag         `json:"is_deleted"`
	Status            string       `json:"status"`
	Probability       *float64     `json:"probability"`
	LostReason        string       `json:"lost_reason"`
	CloseTime         string       `json:"close_time"`
	WonTime           string       `json:"won_time"`
	LostTime          string       `json:"lost_time"`
	ExpectedCloseDate string       `json:"expected_close_date"`
	Origin            string       `json:"origin"`
	CustomFields      customValues `json:"custom_fields"`
}

type participant struct {
	PersonID ref  `json:"person_id"`
	Primary  flag `json:"primary"`
	// PrimaryFlag is the name the migration guide's example uses.
	PrimaryFlag flag `json:"primary_flag"`
}

type activity struct {
	ID           ref           `json:"id"`
	Subject      string        `json:"subject"`
	Type         string        `json:"type"`
	OwnerID      ref           `json:"owner_id"`
	IsDeleted    flag          `json:"is_deleted"`
	AddTime      string        `json:"add_time"`
	UpdateTime   string        `json:"update_time"`
	DealID       ref           `json:"deal_id"`
	LeadID       string        `json:"lead_id"`
	PersonID     ref           `json:"person_id"`
	OrgID        ref           `json:"org_id"`
	DueDate      string        `json:"due_date"`
	DueTime      string        `json:"due_time"`
	Duration     string        `json:"duration"`
	Done         flag          `json:"done"`
	Participants []participant `json:"participants"`
	Note         string        `json:"note"`
}

type note struct {
	ID         ref    `json:"id"`
	UserID     ref    `json:"user_id"`
	DealID     ref    `json:"deal_id"`
	PersonID   ref    `json:"person_id"`
	OrgID      ref    `json:"org_id"`
	LeadID     string `json:"lead_id"`
	Content    string `json:"content"`
	AddTime    string `json:"add_time"`
	UpdateTime string `json:"update_time"`
	ActiveFlag *flag  `json:"active_flag"`
}

type leadValue struct {
	Amount   json.Number `json:"amount"`
	Currency string      `json:"currency"`
}

// lead is a v1 lead; its custom fields (the deal fields) sit at its top
// level and are read from the raw payload.
type lead struct {
	ID             string     `json:"id"`
	Title          string     `json:"title"`
	OwnerID        ref        `json:"owner_id"`
	PersonID       ref        `json:"person_id"`
	OrganizationID ref        `json:"organization_id"`
	SourceName     string     `json:"source_name"`
	IsArchived     flag       `json:"is_archived"`
	WasSeen        flag       `json:"was_seen"`
	Value          *leadValue `json:"value"`
	AddTime        string     `json:"add_time"`
	UpdateTime     string     `json:"update_time"`
}

type userAccess struct {
	App   string `json:"app"`
	Admin flag   `json:"admin"`
}

type user struct {
	ID         ref          `json:"id"`
	Name       string       `json:"name"`
	Email      string       `json:"email"`
	ActiveFlag flag         `json:"active_flag"`
	IsAdmin    flag         `json:"is_admin"`
	Access     []userAccess `json:"access"`
	Created    string       `json:"created"`
	Modified   string       `json:"modified"`
}

type pipeline struct {
	ID         ref    `json:"id"`
	Name       string `json:"name"`
	OrderNr    int32  `json:"order_nr"`
	IsDeleted  flag   `json:"is_deleted"`
	AddTime    string `json:"add_time"`
	UpdateTime string `json:"update_time"`
}

type stage struct {
	ID              ref     `json:"id"`
	Name            string  `json:"name"`
	OrderNr         int32   `json:"order_nr"`
	PipelineID      ref     `json:"pipeline_id"`
	DealProbability float64 `json:"deal_probability"`
	IsDeleted       flag    `json:"is_deleted"`
	AddTime         string  `json:"add_time"`
	UpdateTime      string  `json:"update_time"`
}

// fieldOption is an option of an enum or set field; its id is a number
// (or, in some accounts' v1 answers, a numeric string).
type fieldOption struct {
	ID    json.RawMessage `json:"id"`
	Label string          `json:"label"`
}

// field is a v1 field definition.
type field struct {
	ID         ref           `json:"id"`
	Key        string        `json:"key"`
	Name       string        `json:"name"`
	FieldType  string        `json:"field_type"`
	EditFlag   flag          `json:"edit_flag"`
	ActiveFlag *flag         `json:"active_flag"`
	Options    []fieldOption `json:"options"`
}
