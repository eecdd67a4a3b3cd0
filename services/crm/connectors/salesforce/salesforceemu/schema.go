package salesforceemu

import (
	"sort"
	"strings"
)

// fieldType is a describe field type.
type fieldType string

const (
	tID        fieldType = "id"
	tString    fieldType = "string"
	tTextarea  fieldType = "textarea"
	tEmail     fieldType = "email"
	tPhone     fieldType = "phone"
	tURL       fieldType = "url"
	tPicklist  fieldType = "picklist"
	tCombobox  fieldType = "combobox"
	tBoolean   fieldType = "boolean"
	tDate      fieldType = "date"
	tDatetime  fieldType = "datetime"
	tCurrency  fieldType = "currency"
	tPercent   fieldType = "percent"
	tDouble    fieldType = "double"
	tInt       fieldType = "int"
	tReference fieldType = "reference"
	tAddress   fieldType = "address"
)

// field is one field of an sObject, as describe shows it and as the
// emulator enforces it.
type field struct {
	Name, Label string
	Type        fieldType
	Length      int // text fields
	Precision   int // numbers: digits in all
	Scale       int // numbers: digits after the point
	Custom      bool
	Createable  bool
	Updateable  bool
	Nillable    bool
	// Defaulted fields get a value on create when none is sent.
	Defaulted  bool
	Calculated bool
	AutoNumber bool
	// ReferenceTo and RelationshipName describe a lookup.
	ReferenceTo      []string
	RelationshipName string
	Picklist         []picklistValue
	// Restricted picklists refuse values not in Picklist.
	Restricted bool
	// Compound is the address prefix ("Mailing") of an address field.
	Compound string
	// CompoundName is the compound field a component belongs to ("MailingAddress").
	CompoundName string
}

type picklistValue struct {
	Value   string
	Default bool
	Active  bool
}

// required says a create must send the field.
func (f *field) required() bool {
	return f.Createable && !f.Nillable && !f.Defaulted && f.Type != tBoolean
}

// sobject is one object type.
type sobject struct {
	Name, Label, Plural string
	KeyPrefix           string
	Createable          bool
	Updateable          bool
	Deletable           bool
	Fields              []*field
	byName              map[string]*field // lower-case name → field
}

func (o *sobject) field(name string) *field { return o.byName[strings.ToLower(name)] }

// relationship finds the lookup field whose relationship name is name.
func (o *sobject) relationship(name string) *field {
	for _, f := range o.Fields {
		if f.RelationshipName != "" && strings.EqualFold(f.RelationshipName, name) {
			return f
		}
	}
	return nil
}

func (o *sobject) add(fs ...*field) {
	for _, f := range fs {
		o.Fields = append(o.Fields, f)
	}
}

func (o *sobject) index() {
	o.byName = map[string]*field{}
	for _, f := range o.Fields {
		o.byName[strings.ToLower(f.Name)] = f
	}
}

// --- field builders ---------------------------------------------------------

func text(name, label string, length int) *field {
	return &field{Name: name, Label: label, Type: tString, Length: length, Createable: true, Updateable: true, Nillable: true}
}

func typed(t fieldType, name, label string, length int) *field {
	f := text(name, label, length)
	f.Type = t
	return f
}

func number(t fieldType, name, label string, precision, scale int) *field {
	return &field{Name: name, Label: label, Type: t, Precision: precision, Scale: scale, Createable: true, Updateable: true, Nillable: true}
}

func date(t fieldType, name, label string) *field {
	return &field{Name: name, Label: label, Type: t, Createable: true, Updateable: true, Nillable: true}
}

func checkbox(name, label string) *field {
	return &field{Name: name, Label: label, Type: tBoolean, Createable: true, Updateable: true, Defaulted: true}
}

func picklist(name, label string, values ...string) *field {
	f := &field{Name: name, Label: label, Type: tPicklist, Length: 255, Createable: true, Updateable: true, Nillable: true}
	for _, v := range values {
		f.Picklist = append(f.Picklist, picklistValue{Value: v, Active: true})
	}
	return f
}

func lookup(name, label, relationship string, to ...string) *field {
	return &field{Name: name, Label: label, Type: tReference, Length: 18, Createable: true, Updateable: true, Nillable: true,
		ReferenceTo: to, RelationshipName: relationship}
}

func required(f *field) *field   { f.Nillable = false; return f }
func readOnly(f *field) *field   { f.Createable, f.Updateable = false, false; return f }
func createOnly(f *field) *field { f.Updateable = false; return f }
func defaulted(f *field) *field  { f.Defaulted = true; return f }
func restricted(f *field) *field { f.Restricted = true; return f }
func custom(f *field) *field     { f.Custom = true; return f }
func calculated(f *field) *field { f.Calculated = true; return readOnly(f) }
func withDefault(f *field, v string) *field {
	for i := range f.Picklist {
		f.Picklist[i].Default = f.Picklist[i].Value == v
	}
	f.Defaulted = true
	return f
}

// address adds the components of a compound address and the compound itself.
func address(prefix, label string, street string) []*field {
	p := func(s string) string {
		if prefix == "" {
			return s
		}
		return prefix + s
	}
	l := func(s string) string {
		if label == "" {
			return s
		}
		return label + " " + s
	}
	compound := readOnly(&field{Name: p("Address"), Label: l("Address"), Type: tAddress, Nillable: true, Compound: prefix})
	parts := []*field{
		typed(tTextarea, p(street), l("Street"), 255),
		text(p("City"), l("City"), 40),
		text(p("State"), l("State/Province"), 80),
		text(p("PostalCode"), l("Zip/Postal Code"), 20),
		text(p("Country"), l("Country"), 80),
	}
	for _, f := range parts {
		f.CompoundName = compound.Name
	}
	return append(parts, compound)
}

// system are the fields every object has.
func system(owned bool) []*field {
	fs := []*field{
		readOnly(&field{Name: "Id", Label: "Record ID", Type: tID, Length: 18}),
		readOnly(&field{Name: "IsDeleted", Label: "Deleted", Type: tBoolean}),
		readOnly(&field{Name: "CreatedDate", Label: "Created Date", Type: tDatetime}),
		readOnly(lookup("CreatedById", "Created By ID", "CreatedBy", "User")),
		readOnly(&field{Name: "LastModifiedDate", Label: "Last Modified Date", Type: tDatetime}),
		readOnly(lookup("LastModifiedById", "Last Modified By ID", "LastModifiedBy", "User")),
		readOnly(&field{Name: "SystemModstamp", Label: "System Modstamp", Type: tDatetime}),
	}
	if owned {
		owner := lookup("OwnerId", "Owner ID", "Owner", "User")
		owner.Nillable, owner.Defaulted = false, true
		fs = append(fs, owner)
	}
	return fs
}

// leadStatuses are the org's lead statuses: the classic defaults and one of
// the org's own ("Nurturing"). Converted marks the status conversion sets.
var leadStatuses = []struct {
	Value     string
	Converted bool
}{
	{"Open - Not Contacted", false}, {"Working - Contacted", false}, {"Nurturing", false},
	{"Closed - Converted", true}, {"Closed - Not Converted", false},
}

// schema builds the org's objects.
func schema() map[string]*sobject {
	objs := map[string]*sobject{}
	def := func(o *sobject) *sobject {
		o.index()
		objs[strings.ToLower(o.Name)] = o
		return o
	}

	org := &sobject{Name: "Organization", Label: "Organization", Plural: "Organizations", KeyPrefix: "00D"}
	org.add(system(false)...)
	org.add(readOnly(text("Name", "Name", 80)), readOnly(picklist("DefaultCurrencyIsoCode", "Locale Currency", "USD", "EUR", "GBP")),
		readOnly(picklist("OrganizationType", "Edition", "Enterprise Edition", "Developer Edition")),
		readOnly(&field{Name: "IsSandbox", Label: "Is Sandbox", Type: tBoolean}), readOnly(text("InstanceName", "Instance Name", 5)),
		readOnly(picklist("TimeZoneSidKey", "Default Time Zone", "America/Los_Angeles", "Europe/London")),
		readOnly(picklist("LanguageLocaleKey", "Language", "en_US")))
	def(org)

	role := &sobject{Name: "UserRole", Label: "Role", Plural: "Roles", KeyPrefix: "00E"}
	role.add(system(false)...)
	role.add(readOnly(text("Name", "Name", 80)), readOnly(text("DeveloperName", "Developer Name", 80)),
		readOnly(lookup("ParentRoleId", "Parent Role ID", "", "UserRole")))
	def(role)

	profile := &sobject{Name: "Profile", Label: "Profile", Plural: "Profiles", KeyPrefix: "00e"}
	profile.add(system(false)...)
	profile.add(readOnly(text("Name", "Name", 255)), readOnly(picklist("UserType", "User Type", "Standard", "CsnOnly", "AutomatedProcess")))
	def(profile)

	user := &sobject{Name: "User", Label: "User", Plural: "Users", KeyPrefix: "005"}
	user.add(system(false)...)
	user.add(readOnly(text("Username", "Username", 80)), readOnly(text("FirstName", "First Name", 40)), readOnly(text("LastName", "Last Name", 80)),
		readOnly(text("Name", "Full Name", 121)), readOnly(typed(tEmail, "Email", "Email", 128)), readOnly(text("Alias", "Alias", 8)),
		readOnly(text("Title", "Title", 80)), readOnly(typed(tPhone, "Phone", "Phone", 40)),
		readOnly(&field{Name: "IsActive", Label: "Active", Type: tBoolean}),
		readOnly(lookup("UserRoleId", "Role ID", "UserRole", "UserRole")), readOnly(lookup("ProfileId", "Profile ID", "Profile", "Profile")),
		readOnly(picklist("UserType", "User Type", "Standard", "CsnOnly", "AutomatedProcess")),
		readOnly(picklist("TimeZoneSidKey", "Time Zone", "America/Los_Angeles", "America/New_York", "Europe/London", "Europe/Berlin")))
	def(user)

	account := &sobject{Name: "Account", Label: "Account", Plural: "Accounts", KeyPrefix: "001", Createable: true, Updateable: true, Deletable: true}
	account.add(system(true)...)
	account.add(required(text("Name", "Account Name", 255)),
		picklist("Type", "Account Type", "Prospect", "Customer - Direct", "Customer - Channel", "Channel Partner / Reseller", "Technology Partner", "Other"),
		lookup("ParentId", "Parent Account ID", "Parent", "Account"),
		picklist("Industry", "Industry", "Agriculture", "Apparel", "Banking", "Biotechnology", "Chemicals", "Communications", "Construction",
			"Consulting", "Education", "Electronics", "Energy", "Engineering", "Entertainment", "Finance", "Healthcare", "Hospitality",
			"Insurance", "Machinery", "Manufacturing", "Media", "Retail", "Technology", "Telecommunications", "Transportation", "Utilities", "Other"),
		number(tCurrency, "AnnualRevenue", "Annual Revenue", 18, 0), number(tInt, "NumberOfEmployees", "Employees", 8, 0),
		typed(tPhone, "Phone", "Account Phone", 40), typed(tPhone, "Fax", "Account Fax", 40), typed(tURL, "Website", "Website", 255),
		typed(tTextarea, "Description", "Account Description", 32000),
		picklist("AccountSource", "Account Source", "Web", "Phone Inquiry", "Partner Referral", "Purchased List", "Other"),
		picklist("Rating", "Account Rating", "Hot", "Warm", "Cold"))
	account.add(address("Billing", "Billing", "Street")...)
	account.add(address("Shipping", "Shipping", "Street")...)
	account.add(custom(restricted(picklist("Region__c", "Region", "AMER", "EMEA", "APAC"))),
		custom(readOnly(&field{Name: "Customer_Number__c", Label: "Customer Number", Type: tString, Length: 30, AutoNumber: true})),
		custom(number(tDouble, "Health_Score__c", "Health Score", 3, 0)))
	def(account)

	contact := &sobject{Name: "Contact", Label: "Contact", Plural: "Contacts", KeyPrefix: "003", Createable: true, Updateable: true, Deletable: true}
	contact.add(system(true)...)
	contact.add(lookup("AccountId", "Account ID", "Account", "Account"), required(text("LastName", "Last Name", 80)),
		text("FirstName", "First Name", 40), picklist("Salutation", "Salutation", "Mr.", "Ms.", "Mrs.", "Dr.", "Prof."),
		readOnly(text("Name", "Full Name", 121)))
	contact.add(address("Other", "Other", "Street")...)
	contact.add(address("Mailing", "Mailing", "Street")...)
	contact.add(typed(tPhone, "Phone", "Business Phone", 40), typed(tPhone, "Fax", "Business Fax", 40), typed(tPhone, "MobilePhone", "Mobile Phone", 40),
		typed(tPhone, "HomePhone", "Home Phone", 40), typed(tPhone, "OtherPhone", "Other Phone", 40),
		typed(tEmail, "Email", "Email", 80), text("Title", "Title", 128), text("Department", "Department", 80),
		picklist("LeadSource", "Lead Source", "Web", "Phone Inquiry", "Partner Referral", "Purchased List", "Other"),
		date(tDate, "Birthdate", "Birthdate"), typed(tTextarea, "Description", "Contact Description", 32000))
	contact.add(custom(picklist("Preferred_Language__c", "Preferred Language", "en", "de", "fr", "es")),
		custom(number(tDouble, "Lead_Score__c", "Lead Score", 3, 0)), custom(checkbox("Newsletter_Opt_In__c", "Newsletter Opt-In")))
	def(contact)

	stage := &sobject{Name: "OpportunityStage", Label: "Opportunity Stage", Plural: "Opportunity Stages", KeyPrefix: "01J"}
	stage.add(system(false)...)
	stage.add(readOnly(text("MasterLabel", "Master Label", 255)), readOnly(text("ApiName", "Api Name", 255)),
		readOnly(&field{Name: "IsActive", Label: "Is Active", Type: tBoolean}), readOnly(number(tInt, "SortOrder", "Sort Order", 9, 0)),
		readOnly(&field{Name: "IsClosed", Label: "Closed", Type: tBoolean}), readOnly(&field{Name: "IsWon", Label: "Won", Type: tBoolean}),
		readOnly(picklist("ForecastCategory", "Forecast Type", "Omitted", "Pipeline", "BestCase", "MostLikely", "Forecast", "Closed")),
		readOnly(picklist("ForecastCategoryName", "Forecast Category", "Omitted", "Pipeline", "Best Case", "Commit", "Closed")),
		readOnly(number(tPercent, "DefaultProbability", "Probability (%)", 3, 0)), readOnly(text("Description", "Description", 255)))
	def(stage)

	opp := &sobject{Name: "Opportunity", Label: "Opportunity", Plural: "Opportunities", KeyPrefix: "006", Createable: true, Updateable: true, Deletable: true}
	opp.add(system(true)...)
	opp.add(lookup("AccountId", "Account ID", "Account", "Account"), required(text("Name", "Name", 120)),
		typed(tTextarea, "Description", "Description", 32000), required(restricted(picklist("StageName", "Stage"))),
		number(tCurrency, "Amount", "Amount", 16, 2), number(tPercent, "Probability", "Probability (%)", 3, 0),
		required(date(tDate, "CloseDate", "Close Date")),
		picklist("Type", "Opportunity Type", "New Customer", "Existing Customer - Upgrade", "Existing Customer - Replacement", "Existing Customer - Downgrade"),
		text("NextStep", "Next Step", 255),
		picklist("LeadSource", "Lead Source", "Web", "Phone Inquiry", "Partner Referral", "Purchased List", "Other"),
		calculated(&field{Name: "IsClosed", Label: "Closed", Type: tBoolean}), calculated(&field{Name: "IsWon", Label: "Won", Type: tBoolean}),
		readOnly(picklist("ForecastCategoryName", "Forecast Category", "Omitted", "Pipeline", "Best Case", "Commit", "Closed")))
	opp.add(custom(text("Competitor__c", "Competitor", 100)), custom(checkbox("Renewal__c", "Renewal")))
	def(opp)

	lead := &sobject{Name: "Lead", Label: "Lead", Plural: "Leads", KeyPrefix: "00Q", Createable: true, Updateable: true, Deletable: true}
	lead.add(system(true)...)
	lead.add(required(text("LastName", "Last Name", 80)), text("FirstName", "First Name", 40),
		picklist("Salutation", "Salutation", "Mr.", "Ms.", "Mrs.", "Dr.", "Prof."), readOnly(text("Name", "Full Name", 121)),
		text("Title", "Title", 128), required(text("Company", "Company", 255)))
	lead.add(address("", "", "Street")...)
	status := picklist("Status", "Status")
	for _, s := range leadStatuses {
		status.Picklist = append(status.Picklist, picklistValue{Value: s.Value, Active: true})
	}
	lead.add(typed(tPhone, "Phone", "Phone", 40), typed(tPhone, "MobilePhone", "Mobile Phone", 40), typed(tPhone, "Fax", "Fax", 40),
		typed(tEmail, "Email", "Email", 80), typed(tURL, "Website", "Website", 255), typed(tTextarea, "Description", "Description", 32000),
		picklist("LeadSource", "Lead Source", "Web", "Phone Inquiry", "Partner Referral", "Purchased List", "Other"),
		required(restricted(withDefault(status, "Open - Not Contacted"))),
		picklist("Industry", "Industry", "Banking", "Consulting", "Education", "Healthcare", "Manufacturing", "Retail", "Technology", "Other"),
		picklist("Rating", "Rating", "Hot", "Warm", "Cold"), number(tCurrency, "AnnualRevenue", "Annual Revenue", 18, 0),
		number(tInt, "NumberOfEmployees", "Employees", 8, 0),
		readOnly(&field{Name: "IsConverted", Label: "Converted", Type: tBoolean}),
		readOnly(date(tDate, "ConvertedDate", "Converted Date")),
		readOnly(lookup("ConvertedAccountId", "Converted Account ID", "ConvertedAccount", "Account")),
		readOnly(lookup("ConvertedContactId", "Converted Contact ID", "ConvertedContact", "Contact")),
		readOnly(lookup("ConvertedOpportunityId", "Converted Opportunity ID", "ConvertedOpportunity", "Opportunity")))
	lead.add(custom(picklist("Product_Interest__c", "Product Interest", "Robotic Arms", "Vision Systems", "Service Contract")))
	def(lead)

	activity := func(o *sobject) {
		o.add(system(true)...)
		o.add(lookup("WhoId", "Name ID", "Who", "Contact", "Lead"), lookup("WhatId", "Related To ID", "What", "Account", "Opportunity"),
			typed(tCombobox, "Subject", "Subject", 255), typed(tTextarea, "Description", "Description", 32000),
			calculated(lookup("AccountId", "Account ID", "Account", "Account")))
	}
	task := &sobject{Name: "Task", Label: "Task", Plural: "Tasks", KeyPrefix: "00T", Createable: true, Updateable: true, Deletable: true}
	activity(task)
	task.add(date(tDate, "ActivityDate", "Due Date Only"),
		required(restricted(withDefault(picklist("Status", "Status", "Not Started", "In Progress", "Completed", "Waiting on someone else", "Deferred"), "Not Started"))),
		required(restricted(withDefault(picklist("Priority", "Priority", "High", "Normal", "Low"), "Normal"))),
		calculated(&field{Name: "IsClosed", Label: "Closed", Type: tBoolean}),
		createOnly(restricted(withDefault(picklist("TaskSubtype", "Task Subtype", "Task", "Email", "ListEmail", "Cadence", "Call", "LinkedIn"), "Task"))),
		restricted(picklist("CallType", "Call Type", "Internal", "Inbound", "Outbound")), number(tInt, "CallDurationInSeconds", "Call Duration", 8, 0),
		text("CallDisposition", "Call Result", 255), readOnly(date(tDatetime, "CompletedDateTime", "Completed Date/Time")))
	def(task)

	event := &sobject{Name: "Event", Label: "Event", Plural: "Events", KeyPrefix: "00U", Createable: true, Updateable: true, Deletable: true}
	activity(event)
	event.add(text("Location", "Location", 255), date(tDatetime, "StartDateTime", "Start Date Time"), date(tDatetime, "EndDateTime", "End Date Time"),
		date(tDatetime, "ActivityDateTime", "Due Date Time"), readOnly(date(tDate, "ActivityDate", "Due Date Only")),
		number(tInt, "DurationInMinutes", "Duration", 8, 0), checkbox("IsAllDayEvent", "All-Day Event"),
		createOnly(restricted(withDefault(picklist("EventSubtype", "Event Subtype", "Event"), "Event"))),
		restricted(withDefault(picklist("ShowAs", "Show Time As", "Busy", "OutOfOffice", "Free"), "Busy")))
	def(event)
	return objs
}

// sortedNames lists the objects by name (describe global).
func sortedNames(objs map[string]*sobject) []*sobject {
	out := make([]*sobject, 0, len(objs))
	for _, o := range objs {
		out = append(out, o)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}
