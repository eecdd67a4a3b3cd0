package hubspotemu

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/mail"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/unimesh/unimesh/pkg/emulator"
)

// Property is a property definition of an object type.
type Property struct {
	ObjectType     string    `json:"objectType"`
	Name           string    `json:"name"`
	Label          string    `json:"label"`
	Type           string    `json:"type"`      // string, number, date, datetime, enumeration, bool, phone_number
	FieldType      string    `json:"fieldType"` // text, textarea, number, date, select, checkbox, booleancheckbox, radio, phonenumber...
	GroupName      string    `json:"groupName"`
	Description    string    `json:"description"`
	Options        []Option  `json:"options"`
	HubspotDefined bool      `json:"hubspotDefined"`
	Calculated     bool      `json:"calculated"`
	ReadOnly       bool      `json:"readOnly"`
	External       bool      `json:"externalOptions"`
	DisplayOrder   int       `json:"displayOrder"`
	CreatedAt      time.Time `json:"createdAt"`
	UpdatedAt      time.Time `json:"updatedAt"`
}

// Option is one value of an enumeration property.
type Option struct {
	Label        string `json:"label"`
	Value        string `json:"value"`
	DisplayOrder int    `json:"displayOrder"`
	Hidden       bool   `json:"hidden"`
}

// wireProperty is a property definition as the properties API writes it.
type wireProperty struct {
	Name                 string         `json:"name"`
	Label                string         `json:"label"`
	Type                 string         `json:"type"`
	FieldType            string         `json:"fieldType"`
	Description          string         `json:"description"`
	GroupName            string         `json:"groupName"`
	Options              []Option       `json:"options"`
	DisplayOrder         int            `json:"displayOrder"`
	Calculated           bool           `json:"calculated"`
	ExternalOptions      bool           `json:"externalOptions"`
	HasUniqueValue       bool           `json:"hasUniqueValue"`
	Hidden               bool           `json:"hidden"`
	HubspotDefined       bool           `json:"hubspotDefined"`
	FormField            bool           `json:"formField"`
	DataSensitivity      string         `json:"dataSensitivity"`
	ModificationMetadata map[string]any `json:"modificationMetadata"`
	CreatedAt            string         `json:"createdAt,omitempty"`
	UpdatedAt            string         `json:"updatedAt,omitempty"`
	Archived             bool           `json:"archived"`
}

func (p Property) wire() wireProperty {
	opts := p.Options
	if opts == nil {
		opts = []Option{}
	}
	w := wireProperty{
		Name: p.Name, Label: p.Label, Type: p.Type, FieldType: p.FieldType, Description: p.Description,
		GroupName: p.GroupName, Options: opts, DisplayOrder: p.DisplayOrder, Calculated: p.Calculated,
		ExternalOptions: p.External, HasUniqueValue: p.Name == "hs_object_id", HubspotDefined: p.HubspotDefined,
		FormField: !p.ReadOnly && p.ObjectType == "contacts", DataSensitivity: "non_sensitive",
		ModificationMetadata: map[string]any{"archivable": !p.HubspotDefined, "readOnlyDefinition": p.HubspotDefined,
			"readOnlyValue": p.ReadOnly},
	}
	if !p.CreatedAt.IsZero() {
		w.CreatedAt = formatTime(p.CreatedAt)
	}
	if !p.UpdatedAt.IsZero() {
		w.UpdatedAt = formatTime(p.UpdatedAt)
	}
	return w
}

func opts(values ...string) []Option {
	out := make([]Option, 0, len(values))
	for i, v := range values {
		label, value, ok := strings.Cut(v, "=")
		if !ok {
			label, value = v, v
		}
		out = append(out, Option{Label: label, Value: value, DisplayOrder: i})
	}
	return out
}

// defaultProperties are the HubSpot-defined properties the emulator knows,
// per object type: the ones a CRM integration reads and writes, and the
// read-only system ones.
func defaultProperties() map[string][]Property {
	str := func(name, label string) Property {
		return Property{Name: name, Label: label, Type: "string", FieldType: "text"}
	}
	text := func(name, label string) Property {
		return Property{Name: name, Label: label, Type: "string", FieldType: "textarea"}
	}
	num := func(name, label string) Property {
		return Property{Name: name, Label: label, Type: "number", FieldType: "number"}
	}
	dt := func(name, label string) Property {
		return Property{Name: name, Label: label, Type: "datetime", FieldType: "date"}
	}
	enum := func(name, label string, values ...string) Property {
		return Property{Name: name, Label: label, Type: "enumeration", FieldType: "select", Options: opts(values...)}
	}
	ro := func(p Property) Property { p.ReadOnly, p.Calculated = true, true; return p }
	phone := func(name, label string) Property {
		return Property{Name: name, Label: label, Type: "string", FieldType: "phonenumber"}
	}
	owner := Property{Name: "hubspot_owner_id", Label: "Owner", Type: "enumeration", FieldType: "select", External: true}
	system := func(t *objectType) []Property {
		return []Property{ro(num("hs_object_id", "Record ID")), ro(dt(t.CreateProp, "Create Date")),
			ro(dt(t.ModifiedProp, "Last Modified Date")), owner}
	}
	address := []Property{str("address", "Street Address"), str("city", "City"), str("state", "State/Region"),
		str("zip", "Postal Code"), str("country", "Country/Region")}
	lifecycle := enum("lifecyclestage", "Lifecycle Stage", "Subscriber=subscriber", "Lead=lead",
		"Marketing Qualified Lead=marketingqualifiedlead", "Sales Qualified Lead=salesqualifiedlead",
		"Opportunity=opportunity", "Customer=customer", "Evangelist=evangelist", "Other=other")

	out := map[string][]Property{}
	out["contacts"] = append(append(system(lookupType("contacts")),
		str("firstname", "First Name"), str("lastname", "Last Name"), str("email", "Email"),
		ro(Property{Name: "hs_additional_emails", Label: "Additional email addresses", Type: "enumeration", FieldType: "checkbox"}),
		phone("phone", "Phone Number"), phone("mobilephone", "Mobile Phone Number"), phone("fax", "Fax Number"),
		str("jobtitle", "Job Title"), str("company", "Company Name"), str("website", "Website URL"), lifecycle,
		enum("hs_lead_status", "Lead Status", "New=NEW", "Open=OPEN", "In Progress=IN_PROGRESS", "Open Deal=OPEN_DEAL",
			"Unqualified=UNQUALIFIED", "Attempted to Contact=ATTEMPTED_TO_CONTACT", "Connected=CONNECTED", "Bad Timing=BAD_TIMING"),
		ro(num("associatedcompanyid", "Primary Associated Company ID"))), address...)
	out["companies"] = append(append(system(lookupType("companies")),
		str("name", "Company name"), str("domain", "Company Domain Name"),
		ro(Property{Name: "hs_additional_domains", Label: "Additional Domains", Type: "enumeration", FieldType: "checkbox"}),
		str("website", "Website URL"),
		enum("industry", "Industry", "Accounting=ACCOUNTING", "Computer Software=COMPUTER_SOFTWARE",
			"Financial Services=FINANCIAL_SERVICES", "Hospital & Health Care=HOSPITAL_HEALTH_CARE",
			"Information Technology and Services=INFORMATION_TECHNOLOGY_AND_SERVICES", "Internet=INTERNET",
			"Logistics and Supply Chain=LOGISTICS_AND_SUPPLY_CHAIN", "Marketing and Advertising=MARKETING_AND_ADVERTISING",
			"Retail=RETAIL", "Telecommunications=TELECOMMUNICATIONS", "Renewables & Environment=RENEWABLES_ENVIRONMENT",
			"Education Management=EDUCATION_MANAGEMENT", "Construction=CONSTRUCTION", "Food & Beverages=FOOD_BEVERAGES"),
		num("numberofemployees", "Number of Employees"), num("annualrevenue", "Annual Revenue"),
		text("description", "Description"), phone("phone", "Phone Number"), str("address2", "Street Address 2"),
		enum("type", "Type", "Prospect=PROSPECT", "Partner=PARTNER", "Reseller=RESELLER", "Vendor=VENDOR", "Other=OTHER"),
		lifecycle), address...)
	out["deals"] = append(system(lookupType("deals")),
		str("dealname", "Deal Name"), num("amount", "Amount"),
		enum("deal_currency_code", "Currency", "US Dollar=USD", "Euro=EUR", "British Pound=GBP"),
		Property{Name: "dealstage", Label: "Deal Stage", Type: "enumeration", FieldType: "radio", External: true},
		Property{Name: "pipeline", Label: "Pipeline", Type: "enumeration", FieldType: "select", External: true},
		dt("closedate", "Close Date"), text("closed_lost_reason", "Closed Lost Reason"), text("closed_won_reason", "Closed Won Reason"),
		ro(num("hs_deal_stage_probability", "Deal probability")),
		ro(Property{Name: "hs_is_closed", Label: "Is Deal Closed?", Type: "bool", FieldType: "booleancheckbox", Options: opts("True=true", "False=false")}),
		ro(Property{Name: "hs_is_closed_won", Label: "Is Closed Won", Type: "bool", FieldType: "booleancheckbox", Options: opts("True=true", "False=false")}),
		ro(enum("hs_analytics_source", "Original Source Type", "Organic Search=ORGANIC_SEARCH", "Paid Search=PAID_SEARCH",
			"Email Marketing=EMAIL_MARKETING", "Social Media=SOCIAL_MEDIA", "Referrals=REFERRALS", "Other Campaigns=OTHER_CAMPAIGNS",
			"Direct Traffic=DIRECT_TRAFFIC", "Offline Sources=OFFLINE", "Paid Social=PAID_SOCIAL")),
		enum("dealtype", "Deal Type", "New Business=newbusiness", "Existing Business=existingbusiness"),
		text("description", "Deal Description"),
		enum("hs_priority", "Priority", "Low=low", "Medium=medium", "High=high"))
	out["leads"] = append(system(lookupType("leads")),
		str("hs_lead_name", "Lead name"),
		enum("hs_lead_type", "Lead type", "New Business=NEW_BUSINESS", "Upsell=UPSELL", "Re-attempting=RE_ATTEMPTING"),
		enum("hs_lead_label", "Lead label", "Hot=HOT", "Warm=WARM", "Cold=COLD"),
		Property{Name: "hs_pipeline", Label: "Pipeline", Type: "enumeration", FieldType: "select", External: true},
		Property{Name: "hs_pipeline_stage", Label: "Lead stage", Type: "enumeration", FieldType: "select", External: true})
	out["notes"] = append(system(lookupType("notes")), dt("hs_timestamp", "Activity date"), text("hs_note_body", "Note body"),
		str("hs_attachment_ids", "Attachment IDs"))
	out["calls"] = append(system(lookupType("calls")), dt("hs_timestamp", "Activity date"), str("hs_call_title", "Call Title"),
		text("hs_call_body", "Call notes"), enum("hs_call_direction", "Call direction", "Inbound=INBOUND", "Outbound=OUTBOUND"),
		num("hs_call_duration", "Call duration"),
		enum("hs_call_status", "Call status", "Busy=BUSY", "Calling CRM User=CALLING_CRM_USER", "Canceled=CANCELED",
			"Completed=COMPLETED", "Connecting=CONNECTING", "Failed=FAILED", "In Progress=IN_PROGRESS", "No Answer=NO_ANSWER",
			"Queued=QUEUED", "Ringing=RINGING"),
		phone("hs_call_from_number", "From number"), phone("hs_call_to_number", "To number"), str("hs_call_disposition", "Call outcome"))
	out["meetings"] = append(system(lookupType("meetings")), dt("hs_timestamp", "Activity date"),
		str("hs_meeting_title", "Meeting name"), text("hs_meeting_body", "Meeting description"),
		text("hs_internal_meeting_notes", "Internal meeting notes"), str("hs_meeting_location", "Location"),
		dt("hs_meeting_start_time", "Meeting start time"), dt("hs_meeting_end_time", "Meeting end time"),
		enum("hs_meeting_outcome", "Meeting outcome", "Scheduled=SCHEDULED", "Completed=COMPLETED", "Rescheduled=RESCHEDULED",
			"No Show=NO_SHOW", "Canceled=CANCELED"))
	out["emails"] = append(system(lookupType("emails")), dt("hs_timestamp", "Activity date"),
		str("hs_email_subject", "Email subject"), text("hs_email_text", "Email body"), text("hs_email_html", "Email HTML body"),
		enum("hs_email_direction", "Email direction", "Sent by owner=EMAIL", "Reply from contact=INCOMING_EMAIL",
			"Forwarded=FORWARDED_EMAIL"),
		enum("hs_email_status", "Email send status", "Bounced=BOUNCED", "Failed=FAILED", "Scheduled=SCHEDULED",
			"Sending=SENDING", "Sent=SENT"),
		text("hs_email_headers", "Email headers"))
	out["tasks"] = append(system(lookupType("tasks")), dt("hs_timestamp", "Due date"),
		str("hs_task_subject", "Task Title"), text("hs_task_body", "Notes"),
		enum("hs_task_status", "Task Status", "Not Started=NOT_STARTED", "In Progress=IN_PROGRESS", "Waiting=WAITING",
			"Completed=COMPLETED", "Deferred=DEFERRED"),
		enum("hs_task_priority", "Priority", "None=NONE", "Low=LOW", "Medium=MEDIUM", "High=HIGH"),
		enum("hs_task_type", "Task Type", "Email=EMAIL", "Call=CALL", "To-do=TODO", "LinkedIn=LINKED_IN"),
		ro(dt("hs_task_completion_date", "Completed at")))
	for t, ps := range out {
		for i := range ps {
			ps[i].ObjectType, ps[i].HubspotDefined, ps[i].DisplayOrder = t, true, -1
			if ps[i].GroupName == "" {
				ps[i].GroupName = lookupType(t).Singular + "information"
			}
		}
	}
	return out
}

// bootstrap loads what every HubSpot account has from the start: the
// HubSpot-defined properties, the default deal and lead pipelines and the
// owner of the account.
func (e *Emulator) bootstrap() {
	epoch := time.Unix(0, 0).UTC()
	defs := defaultProperties()
	names := make([]string, 0, len(defs))
	for t := range defs {
		names = append(names, t)
	}
	sort.Strings(names)
	for _, t := range names {
		for _, p := range defs[t] {
			e.properties.InsertAt(p, epoch, epoch)
		}
	}
	// The default pipelines of a new account: createdAt 0, as the
	// reference says of them.
	e.pipelines["deals"].InsertAt(Pipeline{Label: "Sales Pipeline", DisplayOrder: 0, Stages: []Stage{
		{ID: "appointmentscheduled", Label: "Appointment Scheduled", DisplayOrder: 0, Metadata: map[string]string{"isClosed": "false", "probability": "0.2"}},
		{ID: "qualifiedtobuy", Label: "Qualified To Buy", DisplayOrder: 1, Metadata: map[string]string{"isClosed": "false", "probability": "0.4"}},
		{ID: "presentationscheduled", Label: "Presentation Scheduled", DisplayOrder: 2, Metadata: map[string]string{"isClosed": "false", "probability": "0.6"}},
		{ID: "decisionmakerboughtin", Label: "Decision Maker Bought-In", DisplayOrder: 3, Metadata: map[string]string{"isClosed": "false", "probability": "0.8"}},
		{ID: "contractsent", Label: "Contract Sent", DisplayOrder: 4, Metadata: map[string]string{"isClosed": "false", "probability": "0.9"}},
		{ID: "closedwon", Label: "Closed Won", DisplayOrder: 5, Metadata: map[string]string{"isClosed": "true", "probability": "1.0"}},
		{ID: "closedlost", Label: "Closed Lost", DisplayOrder: 6, Metadata: map[string]string{"isClosed": "true", "probability": "0.0"}},
	}}, epoch, epoch)
	e.pipelines["leads"].InsertAt(Pipeline{Label: "Lead pipeline", DisplayOrder: 0, Stages: []Stage{
		{ID: "new-stage-id", Label: "New", DisplayOrder: 0, Metadata: map[string]string{"leadState": "OPEN"}},
		{ID: "attempting-stage-id", Label: "Attempting", DisplayOrder: 1, Metadata: map[string]string{"leadState": "IN_PROGRESS"}},
		{ID: "connected-stage-id", Label: "Connected", DisplayOrder: 2, Metadata: map[string]string{"leadState": "IN_PROGRESS"}},
		{ID: "qualified-stage-id", Label: "Qualified", DisplayOrder: 3, Metadata: map[string]string{"leadState": "QUALIFIED"}},
		{ID: "unqualified-stage-id", Label: "Disqualified", DisplayOrder: 4, Metadata: map[string]string{"leadState": "UNQUALIFIED"}},
	}}, epoch, epoch)
	t := e.Store.Now().AddDate(-2, 0, 0)
	e.owners.InsertAt(Owner{Email: "admin@northwind-demo.example", FirstName: "Avery", LastName: "Admin", UserID: 5120001,
		Teams: []Team{{ID: "4419001", Name: "Sales", Primary: true}}}, t, t)
}

// propertyDefs returns an object type's live property definitions by name.
func (e *Emulator) propertyDefs(objectType string) map[string]Property {
	out := map[string]Property{}
	e.properties.Each(func(p *Property) bool {
		if p.ObjectType == objectType {
			out[p.Name] = *p
		}
		return true
	})
	return out
}

var decimalRe = regexp.MustCompile(`^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)$`)

// canonicalDecimal writes a number as HubSpot returns it: no sign for
// positives, no leading zeros, no trailing fractional zeros ("1500.50" →
// "1500.5", "2000.00" → "2000"), without ever going through a float.
func canonicalDecimal(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if !decimalRe.MatchString(s) {
		return "", false
	}
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimLeft(s, "+-")
	intPart, frac, _ := strings.Cut(s, ".")
	intPart = strings.TrimLeft(intPart, "0")
	frac = strings.TrimRight(frac, "0")
	if intPart == "" {
		intPart = "0"
	}
	out := intPart
	if frac != "" {
		out += "." + frac
	}
	if neg && out != "0" {
		out = "-" + out
	}
	return out, true
}

// parseTimeValue reads a date or datetime property value as HubSpot takes
// it: ISO 8601 (with or without milliseconds), a bare date, or Unix
// milliseconds.
func parseTimeValue(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if ms, err := strconv.ParseInt(s, 10, 64); err == nil {
		return time.UnixMilli(ms).UTC(), true
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.000Z0700", "2006-01-02T15:04:05Z0700", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

// stringValue turns a JSON property value into HubSpot's string form:
// numbers and booleans are accepted and written as text; null clears.
func stringValue(v any) (string, bool) {
	switch x := v.(type) {
	case nil:
		return "", true
	case string:
		return x, true
	case json.Number:
		return x.String(), true
	case bool:
		return strconv.FormatBool(x), true
	}
	return "", false
}

// normalizeProperties validates the properties of a write against the
// definitions and returns them in stored form ("" clears a value).
func (e *Emulator) normalizeProperties(t *objectType, in map[string]any) (map[string]string, []propertyError) {
	defs := e.propertyDefs(t.Name)
	out := map[string]string{}
	var errs []propertyError
	keys := make([]string, 0, len(in))
	for k := range in {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, name := range keys {
		def, ok := defs[name]
		if !ok {
			errs = append(errs, propertyError{Name: name, Code: "PROPERTY_DOESNT_EXIST", Message: fmt.Sprintf("Property %q does not exist", name)})
			continue
		}
		if def.ReadOnly {
			errs = append(errs, propertyError{Name: name, Code: "READ_ONLY_VALUE", Message: fmt.Sprintf("%q is a read only property; its value cannot be set.", name)})
			continue
		}
		raw, ok := stringValue(in[name])
		if !ok {
			errs = append(errs, propertyError{Name: name, Code: "INVALID_PROPERTY_VALUE", Message: fmt.Sprintf("%s must be a string, a number or a boolean", name)})
			continue
		}
		v, pe := e.normalizeValue(def, raw)
		if pe != nil {
			errs = append(errs, *pe)
			continue
		}
		out[name] = v
	}
	return out, errs
}

// normalizeValue checks one value against its definition.
func (e *Emulator) normalizeValue(def Property, raw string) (string, *propertyError) {
	if raw == "" {
		return "", nil
	}
	bad := func(code, format string, args ...any) (string, *propertyError) {
		return "", &propertyError{Name: def.Name, Code: code, Message: fmt.Sprintf(format, args...)}
	}
	switch def.Type {
	case "number":
		v, ok := canonicalDecimal(raw)
		if !ok {
			return bad("INVALID_DECIMAL", "%s was not a valid number.", raw)
		}
		return v, nil
	case "bool":
		switch strings.ToLower(raw) {
		case "true", "false":
			return strings.ToLower(raw), nil
		}
		return bad("INVALID_BOOLEAN", "%s was not a valid boolean value.", raw)
	case "date":
		t, ok := parseTimeValue(raw)
		if !ok {
			return bad("INVALID_DATE", "%s was not a valid date.", raw)
		}
		if !t.Equal(t.Truncate(24 * time.Hour)) {
			return bad("INVALID_DATE", "%s is at %s UTC, not midnight: a date property takes midnight UTC.", raw, t.Format("15:04:05"))
		}
		return t.Format("2006-01-02"), nil
	case "datetime":
		t, ok := parseTimeValue(raw)
		if !ok {
			return bad("INVALID_DATETIME", "%s was not a valid date and time.", raw)
		}
		return formatTime(t), nil
	case "enumeration":
		if def.External {
			return e.checkExternal(def, raw)
		}
		values := []string{raw}
		if def.FieldType == "checkbox" {
			values = strings.Split(raw, ";")
		}
		for _, v := range values {
			if !hasOption(def.Options, v) {
				return bad("INVALID_OPTION", "%s was not one of the allowed options: %s", v, optionValues(def.Options))
			}
		}
		return raw, nil
	}
	if def.Name == "email" {
		if _, err := mail.ParseAddress(raw); err != nil || strings.ContainsAny(raw, " <>") {
			return bad("INVALID_EMAIL", "Email address %s is invalid", raw)
		}
		return strings.ToLower(raw), nil
	}
	if len(raw) > 65536 {
		return bad("INVALID_PROPERTY_VALUE", "%s is longer than 65536 characters", def.Name)
	}
	return raw, nil
}

// checkExternal validates the values of properties whose options live
// elsewhere: owners; pipelines and stages are checked with the record.
func (e *Emulator) checkExternal(def Property, raw string) (string, *propertyError) {
	if def.Name == "hubspot_owner_id" {
		if o, _, ok := e.owners.Get(raw); !ok || o.Archived {
			return "", &propertyError{Name: def.Name, Code: "INVALID_OWNER_ID", Message: fmt.Sprintf("%s is not a valid owner id", raw)}
		}
	}
	return raw, nil
}

func hasOption(options []Option, v string) bool {
	for _, o := range options {
		if o.Value == v {
			return true
		}
	}
	return false
}

func optionValues(options []Option) string {
	vs := make([]string, 0, len(options))
	for _, o := range options {
		vs = append(vs, o.Value)
	}
	return "[" + strings.Join(vs, ", ") + "]"
}

// --- properties API ---------------------------------------------------------

func (e *Emulator) listProperties(w http.ResponseWriter, r *http.Request) {
	t := e.objectType(w, r)
	if t == nil {
		return
	}
	var out []wireProperty
	e.properties.Each(func(p *Property) bool {
		if p.ObjectType == t.Name {
			out = append(out, p.wire())
		}
		return true
	})
	emulator.WriteJSON(w, http.StatusOK, map[string]any{"results": out})
}

func (e *Emulator) getProperty(w http.ResponseWriter, r *http.Request) {
	t := e.objectType(w, r)
	if t == nil {
		return
	}
	def, ok := e.propertyDefs(t.Name)[r.PathValue("name")]
	if !ok {
		e.notFound(w, fmt.Sprintf("Unable to find property %s on object type %s", r.PathValue("name"), t.TypeID), "")
		return
	}
	emulator.WriteJSON(w, http.StatusOK, def.wire())
}

var propertyNameRe = regexp.MustCompile(`^[a-z][a-z0-9_]{0,99}$`)

// createProperty creates a custom property (hubspotDefined false).
func (e *Emulator) createProperty(w http.ResponseWriter, r *http.Request) {
	t := e.objectType(w, r)
	if t == nil {
		return
	}
	var in struct {
		Name, Label, Type, FieldType, GroupName, Description string
		Options                                              []Option
	}
	if !e.decodeBody(w, r, &in) {
		return
	}
	switch {
	case !propertyNameRe.MatchString(in.Name) || strings.HasPrefix(in.Name, "hs_"):
		e.badRequest(w, fmt.Sprintf("Property name %q is invalid: use lowercase letters, digits and underscores, not starting with hs_", in.Name))
		return
	case in.Label == "" || in.GroupName == "":
		e.badRequest(w, "label and groupName are required")
		return
	}
	valid := map[string][]string{"string": {"text", "textarea", "phonenumber", "html", "file"}, "number": {"number", "calculation_equation"},
		"date": {"date"}, "datetime": {"date"}, "enumeration": {"select", "radio", "checkbox", "booleancheckbox"}, "bool": {"booleancheckbox"}}
	fts, ok := valid[in.Type]
	if !ok || !slices.Contains(fts, in.FieldType) {
		e.badRequest(w, fmt.Sprintf("type %q with fieldType %q is not a valid property type", in.Type, in.FieldType))
		return
	}
	if in.Type == "enumeration" && len(in.Options) == 0 {
		e.badRequest(w, "an enumeration property needs options")
		return
	}
	if _, exists := e.propertyDefs(t.Name)[in.Name]; exists {
		e.writeError(w, http.StatusConflict, apiError{Category: "OBJECT_ALREADY_EXISTS",
			Message: fmt.Sprintf("A property named '%s' already exists.", in.Name)})
		return
	}
	now := e.Store.Now()
	p := e.properties.Insert(Property{ObjectType: t.Name, Name: in.Name, Label: in.Label, Type: in.Type, FieldType: in.FieldType,
		GroupName: in.GroupName, Description: in.Description, Options: in.Options, DisplayOrder: -1, CreatedAt: now, UpdatedAt: now})
	emulator.WriteJSON(w, http.StatusCreated, p.wire())
}
