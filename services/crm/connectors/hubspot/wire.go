package hubspot

import (
	"bytes"
	"encoding/json"
	"strconv"
	"time"
)

// object is a CRM record as HubSpot's v3 objects API writes it: every
// value a string property (null when the property is defined but empty),
// associations when asked for.
type object struct {
	ID           string                          `json:"id"`
	Properties   map[string]*string              `json:"properties"`
	CreatedAt    time.Time                       `json:"createdAt"`
	UpdatedAt    time.Time                       `json:"updatedAt"`
	Archived     bool                            `json:"archived"`
	Associations map[string]v3AssociationResults `json:"associations"`

	// raw is the record's JSON as HubSpot sent it, for include_raw.
	raw json.RawMessage
	// links are the record's associations by object type, from v3's
	// associations or from the v4 batch read a search needs.
	links map[string][]assocLink
}

// prop returns a property's value, "" when it is null or absent.
func (o *object) prop(name string) string {
	if v := o.Properties[name]; v != nil {
		return *v
	}
	return ""
}

type v3AssociationResults struct {
	Results []v3Association `json:"results"`
	Paging  *paging         `json:"paging"`
}

// v3Association is one associated record; a record associated with
// several types (unlabeled and Primary) appears once per type.
type v3Association struct {
	ID   flexID `json:"id"`
	Type string `json:"type"`
}

// flexID reads an id HubSpot writes as a string in some APIs and as a
// number in others (v4 associations).
type flexID string

func (f *flexID) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*f = flexID(s)
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return err
	}
	*f = flexID(n.String())
	return nil
}

type paging struct {
	Next *struct {
		After string `json:"after"`
	} `json:"next"`
}

func (p *paging) after() string {
	if p == nil || p.Next == nil {
		return ""
	}
	return p.Next.After
}

// page is a list or search answer.
type page struct {
	Total   int               `json:"total"`
	Results []json.RawMessage `json:"results"`
	Paging  *paging           `json:"paging"`
}

// assocInput is one association of a create.
type assocInput struct {
	To    assocTo     `json:"to"`
	Types []assocSpec `json:"types"`
}

type assocTo struct {
	ID string `json:"id"`
}

type assocSpec struct {
	AssociationCategory string `json:"associationCategory"`
	AssociationTypeID   int    `json:"associationTypeId"`
}

// searchRequest is the body of a search.
type searchRequest struct {
	FilterGroups []filterGroup `json:"filterGroups"`
	Sorts        []searchSort  `json:"sorts"`
	Properties   []string      `json:"properties"`
	Limit        int           `json:"limit"`
	After        string        `json:"after,omitempty"`
}

type filterGroup struct {
	Filters []filter `json:"filters"`
}

type filter struct {
	PropertyName string `json:"propertyName"`
	Operator     string `json:"operator"`
	Value        string `json:"value"`
}

type searchSort struct {
	PropertyName string `json:"propertyName"`
	Direction    string `json:"direction"`
}

// v4BatchAssociations is the answer of POST /crm/v4/associations/{from}/{to}/batch/read.
type v4BatchAssociations struct {
	Results []struct {
		From struct {
			ID flexID `json:"id"`
		} `json:"from"`
		To []struct {
			ToObjectID       flexID `json:"toObjectId"`
			AssociationTypes []struct {
				Category string  `json:"category"`
				TypeID   int     `json:"typeId"`
				Label    *string `json:"label"`
			} `json:"associationTypes"`
		} `json:"to"`
	} `json:"results"`
}

// errorBody is HubSpot's error answer.
type errorBody struct {
	Status        string              `json:"status"`
	Message       string              `json:"message"`
	CorrelationID string              `json:"correlationId"`
	Category      string              `json:"category"`
	SubCategory   string              `json:"subCategory"`
	Context       map[string][]string `json:"context"`
	Errors        []struct {
		Message string              `json:"message"`
		Code    string              `json:"code"`
		In      string              `json:"in"`
		Context map[string][]string `json:"context"`
	} `json:"errors"`
	PolicyName string `json:"policyName"`
}

// owner is a HubSpot owner: a user records can be assigned to.
type owner struct {
	ID        string    `json:"id"`
	Email     string    `json:"email"`
	FirstName string    `json:"firstName"`
	LastName  string    `json:"lastName"`
	UserID    int64     `json:"userId"`
	Type      string    `json:"type"`
	Archived  bool      `json:"archived"`
	CreatedAt time.Time `json:"createdAt"`
	UpdatedAt time.Time `json:"updatedAt"`
	Teams     []struct {
		ID      string `json:"id"`
		Name    string `json:"name"`
		Primary bool   `json:"primary"`
	} `json:"teams"`
}

// pipeline is a deal pipeline with its stages.
type pipeline struct {
	ID           string    `json:"id"`
	Label        string    `json:"label"`
	DisplayOrder int32     `json:"displayOrder"`
	Archived     bool      `json:"archived"`
	CreatedAt    time.Time `json:"createdAt"`
	UpdatedAt    time.Time `json:"updatedAt"`
	Stages       []stage   `json:"stages"`
}

// stage is a pipeline stage; a deal stage's metadata holds probability
// ("0.2") and isClosed ("true") as strings.
type stage struct {
	ID           string            `json:"id"`
	Label        string            `json:"label"`
	DisplayOrder int32             `json:"displayOrder"`
	Archived     bool              `json:"archived"`
	Metadata     map[string]string `json:"metadata"`
}

func (s stage) closed() bool { return s.Metadata["isClosed"] == "true" }

// probability is the stage's chance of winning, 0..1; -1 when unknown.
func (s stage) probability() float64 {
	p, err := strconv.ParseFloat(s.Metadata["probability"], 64)
	if err != nil {
		return -1
	}
	return p
}

// won: HubSpot's won stages are closed ones at probability 1.0; any other
// closed stage is lost.
func (s stage) won() bool { return s.closed() && s.probability() == 1 }

// property is a property definition of the properties API.
type property struct {
	Name                 string `json:"name"`
	Label                string `json:"label"`
	Type                 string `json:"type"`
	FieldType            string `json:"fieldType"`
	HubspotDefined       bool   `json:"hubspotDefined"`
	Calculated           bool   `json:"calculated"`
	Archived             bool   `json:"archived"`
	ModificationMetadata struct {
		ReadOnlyValue bool `json:"readOnlyValue"`
	} `json:"modificationMetadata"`
	Options []struct {
		Value string `json:"value"`
	} `json:"options"`
}

// accountInfo is the part of /account-info/v3/details the connector uses.
type accountInfo struct {
	PortalID        int64  `json:"portalId"`
	CompanyCurrency string `json:"companyCurrency"`
}
