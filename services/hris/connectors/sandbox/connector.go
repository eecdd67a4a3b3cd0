package sandbox

import (
	"context"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/unimesh/unimesh/pkg/apierr"
	"github.com/unimesh/unimesh/pkg/connector"
	"github.com/unimesh/unimesh/pkg/normalize"
	"github.com/unimesh/unimesh/pkg/sandboxapi"
	commonv1 "github.com/unimesh/unimesh/proto/unimesh/common/v1"
	hrisv1 "github.com/unimesh/unimesh/proto/unimesh/hris/v1"
	platformv1 "github.com/unimesh/unimesh/proto/unimesh/platform/v1"
	"github.com/unimesh/unimesh/services/hris/connectors"
)

// Slug is the integration's slug.
const Slug = "sandbox-hris"

// Descriptor describes Sandbox HR served at baseURL (the emulator's root).
func Descriptor(baseURL string) *connector.Descriptor {
	return sandboxapi.Descriptor(Slug, "Sandbox HR", platformv1.Category_CATEGORY_HRIS, baseURL)
}

// Connector returns the HRIS connector of Sandbox HR.
func Connector() connectors.HRIS {
	employees := object(sandboxapi.Mapping[Worker, *hrisv1.Employee]{
		Path: "/v1/workers", Object: "employee", Integration: Slug, Read: workerToEmployee, Write: employeeFields, Wire: employeeWireFields,
	}, nil)
	employees.Delete = nil // Sandbox HR never deletes workers; they are terminated
	timeOff := object(sandboxapi.Mapping[LeaveRequest, *hrisv1.TimeOffRequest]{
		Path: "/v1/leave-requests", Object: "time_off_request", Integration: Slug, Read: leaveToTimeOff, Write: timeOffFields, Wire: timeOffWireFields,
	}, byEmployee)
	timeOff.Update, timeOff.Delete = nil, nil // requests are decided in Sandbox HR's app
	balances := object(sandboxapi.Mapping[LeaveBalance, *hrisv1.TimeOffBalance]{
		Path: "/v1/leave-balances", Object: "time_off_balance", Integration: Slug, Read: balanceToTimeOffBalance,
	}, byEmployee)
	balances.Get = nil // the unified API lists balances only
	return connectors.HRIS{
		Employees: employees,
		Employments: object(sandboxapi.Mapping[Compensation, *hrisv1.Employment]{
			Path: "/v1/compensations", Object: "employment", Integration: Slug, Read: compensationToEmployment,
		}, byEmployee),
		Groups: object(sandboxapi.Mapping[OrgUnit, *hrisv1.Group]{
			Path: "/v1/org-units", Object: "group", Integration: Slug, Read: orgUnitToGroup,
		}, nil),
		Locations: object(sandboxapi.Mapping[Site, *hrisv1.Location]{
			Path: "/v1/sites", Object: "location", Integration: Slug, Read: siteToLocation,
		}, nil),
		Companies: object(sandboxapi.Mapping[LegalEntity, *hrisv1.Company]{
			Path: "/v1/legal-entities", Object: "company", Integration: Slug, Read: legalEntityToCompany,
		}, nil),
		TimeOffRequests: timeOff,
		TimeOffBalances: balances,
		PayrollRuns: object(sandboxapi.Mapping[PayRun, *hrisv1.PayrollRun]{
			Path: "/v1/pay-runs", Object: "payroll_run", Integration: Slug, Read: payRunToPayrollRun,
		}, nil),
		PayStubs: object(sandboxapi.Mapping[Payslip, *hrisv1.PayStub]{
			Path: "/v1/payslips", Object: "pay_stub", Integration: Slug, Read: payslipToPayStub,
		}, filters{"payroll_run_id": "pay_run_id", "employee_id": "worker_id"}),
		Deductions: object(sandboxapi.Mapping[Deduction, *hrisv1.Deduction]{
			Path: "/v1/deductions", Object: "deduction", Integration: Slug, Read: deductionToDeduction, Write: deductionFields, Wire: deductionWireFields,
		}, byEmployee),
	}
}

// --- plumbing ---------------------------------------------------------------

// filters maps the unified List filters of an object (proto field names) to
// Sandbox HR's query parameters.
type filters map[string]string

var byEmployee = filters{"employee_id": "worker_id"}

// object builds a resource's operations; its List passes the object's
// filters to Sandbox HR.
func object[W any, T connector.Record](m sandboxapi.Mapping[W, T], f filters) connector.Object[T] {
	o := sandboxapi.Object(m)
	o.List = func(ctx context.Context, c *connector.Conn, p connector.ListParams) (connector.Page[T], error) {
		q, err := f.query(p.Filters)
		if err != nil {
			return connector.Page[T]{}, err
		}
		return sandboxapi.ListPage(ctx, c, m.Path, p, q, m.Read)
	}
	return o
}

// query renames the filters given. A filter the resource does not have is
// refused: ignoring it would list records the caller meant to leave out.
func (f filters) query(given map[string]string) (map[string]string, error) {
	names := make([]string, 0, len(given))
	for k := range given {
		names = append(names, k)
	}
	sort.Strings(names)
	q := map[string]string{}
	for _, k := range names {
		wire, ok := f[k]
		if !ok {
			return nil, apierr.InvalidArgument(apierr.ReasonOperationNotSupported, Slug+" cannot filter this list by "+k,
				apierr.FieldViolation{Field: k, Description: Slug + " cannot filter this list by " + k, Reason: apierr.ReasonOperationNotSupported})
		}
		q[wire] = given[k]
	}
	return q, nil
}

// Id formats of the references a client writes.
var (
	workerIDRe  = regexp.MustCompile(`^E[0-9]+$`)
	entityIDRe  = regexp.MustCompile(`^LE-[0-9]+$`)
	orgUnitIDRe = regexp.MustCompile(`^ou_[0-9]+$`)
)

// refID refuses an id that cannot be one of Sandbox HR's.
func refID(field, id string, re *regexp.Regexp, example string) error {
	if id != "" && !re.MatchString(id) {
		return connector.BadField(field, "%q is not a Sandbox HR id (such as %s)", id, example)
	}
	return nil
}

// setWorkerRef writes an optional worker reference: an id, or null.
func setWorkerRef(b map[string]any, key, field, id string) error {
	if err := refID(field, id, workerIDRe, "E1001"); err != nil {
		return err
	}
	if id == "" {
		b[key] = nil
	} else {
		b[key] = id
	}
	return nil
}

// sub is the nested object key of a request body, created on first use.
func sub(b map[string]any, key string) map[string]any {
	m, ok := b[key].(map[string]any)
	if !ok {
		m = map[string]any{}
		b[key] = m
	}
	return m
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// --- employees --------------------------------------------------------------

var (
	genderEnum = connector.Enum[hrisv1.Gender]{
		Provider: "Sandbox HR",
		Read: map[string]hrisv1.Gender{"f": hrisv1.Gender_GENDER_FEMALE, "m": hrisv1.Gender_GENDER_MALE, "x": hrisv1.Gender_GENDER_NON_BINARY,
			"undisclosed": hrisv1.Gender_GENDER_NOT_DISCLOSED, "self_described": hrisv1.Gender_GENDER_OTHER},
		Write: map[hrisv1.Gender]string{hrisv1.Gender_GENDER_FEMALE: "f", hrisv1.Gender_GENDER_MALE: "m",
			hrisv1.Gender_GENDER_NON_BINARY: "x", hrisv1.Gender_GENDER_NOT_DISCLOSED: "undisclosed"},
		Other: hrisv1.Gender_GENDER_OTHER,
	}
	// statusEnum: an offboarding worker (termination date ahead) is still ACTIVE.
	statusEnum = connector.Enum[hrisv1.EmploymentStatus]{
		Provider: "Sandbox HR",
		Read: map[string]hrisv1.EmploymentStatus{"onboarding": hrisv1.EmploymentStatus_EMPLOYMENT_STATUS_PENDING,
			"active": hrisv1.EmploymentStatus_EMPLOYMENT_STATUS_ACTIVE, "offboarding": hrisv1.EmploymentStatus_EMPLOYMENT_STATUS_ACTIVE,
			"leave": hrisv1.EmploymentStatus_EMPLOYMENT_STATUS_INACTIVE, "terminated": hrisv1.EmploymentStatus_EMPLOYMENT_STATUS_TERMINATED},
		Write: map[hrisv1.EmploymentStatus]string{hrisv1.EmploymentStatus_EMPLOYMENT_STATUS_PENDING: "onboarding",
			hrisv1.EmploymentStatus_EMPLOYMENT_STATUS_ACTIVE: "active", hrisv1.EmploymentStatus_EMPLOYMENT_STATUS_INACTIVE: "leave",
			hrisv1.EmploymentStatus_EMPLOYMENT_STATUS_TERMINATED: "terminated"},
		Other: hrisv1.EmploymentStatus_EMPLOYMENT_STATUS_OTHER,
	}
	// contractEnum: apprentices are INTERN, fixed-term contracts TEMPORARY;
	// German working students are OTHER.
	contractEnum = connector.Enum[hrisv1.EmploymentType]{
		Provider: "Sandbox HR",
		Read: map[string]hrisv1.EmploymentType{"full_time": hrisv1.EmploymentType_EMPLOYMENT_TYPE_FULL_TIME,
			"part_time": hrisv1.EmploymentType_EMPLOYMENT_TYPE_PART_TIME, "contractor": hrisv1.EmploymentType_EMPLOYMENT_TYPE_CONTRACTOR,
			"intern": hrisv1.EmploymentType_EMPLOYMENT_TYPE_INTERN, "apprentice": hrisv1.EmploymentType_EMPLOYMENT_TYPE_INTERN,
			"fixed_term": hrisv1.EmploymentType_EMPLOYMENT_TYPE_TEMPORARY, "working_student": hrisv1.EmploymentType_EMPLOYMENT_TYPE_OTHER},
		Write: map[hrisv1.EmploymentType]string{hrisv1.EmploymentType_EMPLOYMENT_TYPE_FULL_TIME: "full_time",
			hrisv1.EmploymentType_EMPLOYMENT_TYPE_PART_TIME: "part_time", hrisv1.EmploymentType_EMPLOYMENT_TYPE_CONTRACTOR: "contractor",
			hrisv1.EmploymentType_EMPLOYMENT_TYPE_INTERN: "intern", hrisv1.EmploymentType_EMPLOYMENT_TYPE_TEMPORARY: "fixed_term"},
		Other: hrisv1.EmploymentType_EMPLOYMENT_TYPE_OTHER,
	}
)

func workerToEmployee(w Worker) *hrisv1.Employee {
	out := &hrisv1.Employee{
		Id:                     w.ID,
		EmployeeNumber:         w.WorkerNumber,
		FirstName:              w.LegalName.First,
		LastName:               w.LegalName.Last,
		PreferredName:          w.PreferredName,
		DisplayName:            w.DisplayName,
		WorkEmail:              w.Emails.Work,
		PersonalEmail:          w.Emails.Personal,
		Phones:                 sandboxapi.PhonesToProto(w.Phones),
		DateOfBirth:            w.BirthDate,
		Gender:                 genderEnum.ToProto(w.Gender),
		RemoteGender:           w.Gender,
		ManagerId:              deref(w.ManagerID),
		CompanyId:              w.LegalEntityID,
		GroupIds:               w.OrgUnitIDs,
		WorkLocationId:         connector.FormatID(w.SiteID),
		EmploymentStatus:       statusEnum.ToProto(w.Status),
		RemoteEmploymentStatus: w.Status,
		EmploymentType:         contractEnum.ToProto(w.Contract),
		RemoteEmploymentType:   w.Contract,
		JobTitle:               w.Title,
		StartDate:              w.HireDate,
		CustomFields:           normalize.Struct(w.Custom),
		CreateTime:             normalize.Timestamp(w.CreatedAt),
		UpdateTime:             normalize.Timestamp(w.UpdatedAt),
	}
	if a := w.HomeAddress; a != nil {
		out.HomeAddress = sandboxapi.AddressToProto(*a)
		out.HomeAddress.Type = commonv1.AddressType_ADDRESS_TYPE_HOME
	}
	if t := w.Termination; t != nil {
		out.TerminationDate, out.TerminationReason = t.Date, t.Reason
	}
	return out
}

// employeeWireFields maps Sandbox HR's field names in its errors to ours.
var employeeWireFields = map[string]string{
	"worker_number": "employee_number", "legal_name.first": "first_name", "legal_name.last": "last_name",
	"preferred_name": "preferred_name", "emails.work": "work_email", "emails.personal": "personal_email", "phones": "phones",
	"home_address": "home_address", "home_address.country": "home_address.country_code", "birth_date": "date_of_birth",
	"gender": "gender", "manager_id": "manager_id", "legal_entity_id": "company_id", "org_unit_ids": "group_ids",
	"site_id": "work_location_id", "status": "employment_status", "contract": "employment_type", "title": "job_title",
	"hire_date": "start_date", "termination.date": "termination_date", "termination.reason": "termination_reason",
	"custom": "custom_fields",
}

var genderWriter, remoteGenderWriter = connector.EnumWriters(genderEnum, "gender", "gender",
	func(e *hrisv1.Employee) (hrisv1.Gender, string) { return e.GetGender(), e.GetRemoteGender() })

var employmentStatusWriter, remoteEmploymentStatusWriter = connector.EnumWriters(statusEnum, "status", "employment_status",
	func(e *hrisv1.Employee) (hrisv1.EmploymentStatus, string) {
		return e.GetEmploymentStatus(), e.GetRemoteEmploymentStatus()
	})

var employmentTypeWriter, remoteEmploymentTypeWriter = connector.EnumWriters(contractEnum, "contract", "employment_type",
	func(e *hrisv1.Employee) (hrisv1.EmploymentType, string) {
		return e.GetEmploymentType(), e.GetRemoteEmploymentType()
	})

var employeeFields = connector.Fields[*hrisv1.Employee]{
	"employee_number": func(e *hrisv1.Employee, b map[string]any) error {
		b["worker_number"] = e.GetEmployeeNumber()
		return nil
	},
	"first_name": func(e *hrisv1.Employee, b map[string]any) error {
		sub(b, "legal_name")["first"] = e.GetFirstName()
		return nil
	},
	"last_name": func(e *hrisv1.Employee, b map[string]any) error {
		sub(b, "legal_name")["last"] = e.GetLastName()
		return nil
	},
	"preferred_name": func(e *hrisv1.Employee, b map[string]any) error {
		b["preferred_name"] = e.GetPreferredName()
		return nil
	},
	"display_name": func(e *hrisv1.Employee, b map[string]any) error {
		// Sandbox HR computes it; a client may send back the one it read.
		if d := e.GetDisplayName(); d != "" && d != displayName(e.GetPreferredName(), e.GetFirstName(), e.GetLastName()) {
			return connector.BadField("display_name", "%s shows preferred_name (or first_name) and last_name; set those instead", Slug)
		}
		return nil
	},
	"work_email": func(e *hrisv1.Employee, b map[string]any) error {
		sub(b, "emails")["work"] = e.GetWorkEmail()
		return nil
	},
	"personal_email": func(e *hrisv1.Employee, b map[string]any) error {
		sub(b, "emails")["personal"] = e.GetPersonalEmail()
		return nil
	},
	"phones": func(e *hrisv1.Employee, b map[string]any) error {
		b["phones"] = sandboxapi.PhonesFromProto(e.GetPhones())
		return nil
	},
	"home_address": func(e *hrisv1.Employee, b map[string]any) error {
		if e.GetHomeAddress() == nil {
			b["home_address"] = nil
			return nil
		}
		a := sandboxapi.AddressFromProto(e.GetHomeAddress())
		a.Kind = "home" // whatever its type, it is the home address
		b["home_address"] = &a
		return nil
	},
	"date_of_birth": func(e *hrisv1.Employee, b map[string]any) error { b["birth_date"] = e.GetDateOfBirth(); return nil },
	"gender":        genderWriter,
	"remote_gender": remoteGenderWriter,
	"manager_id": func(e *hrisv1.Employee, b map[string]any) error {
		return setWorkerRef(b, "manager_id", "manager_id", e.GetManagerId())
	},
	"company_id": func(e *hrisv1.Employee, b map[string]any) error {
		b["legal_entity_id"] = e.GetCompanyId()
		return refID("company_id", e.GetCompanyId(), entityIDRe, "LE-1")
	},
	"group_ids": func(e *hrisv1.Employee, b map[string]any) error {
		for i, id := range e.GetGroupIds() {
			if err := refID(fmt.Sprintf("group_ids[%d]", i), id, orgUnitIDRe, "ou_01"); err != nil {
				return err
			}
		}
		b["org_unit_ids"] = sandboxapi.NonNil(e.GetGroupIds())
		return nil
	},
	"work_location_id": func(e *hrisv1.Employee, b map[string]any) error {
		return sandboxapi.SetID(b, "site_id", "work_location_id", e.GetWorkLocationId())
	},
	"employment_status":        employmentStatusWriter,
	"remote_employment_status": remoteEmploymentStatusWriter,
	"employment_type":          employmentTypeWriter,
	"remote_employment_type":   remoteEmploymentTypeWriter,
	"job_title":                func(e *hrisv1.Employee, b map[string]any) error { b["title"] = e.GetJobTitle(); return nil },
	"start_date":               func(e *hrisv1.Employee, b map[string]any) error { b["hire_date"] = e.GetStartDate(); return nil },
	"termination_date": func(e *hrisv1.Employee, b map[string]any) error {
		sub(b, "termination")["date"] = e.GetTerminationDate()
		return nil
	},
	"termination_reason": func(e *hrisv1.Employee, b map[string]any) error {
		sub(b, "termination")["reason"] = e.GetTerminationReason()
		return nil
	},
	"custom_fields": func(e *hrisv1.Employee, b map[string]any) error {
		b["custom"] = sandboxapi.Custom(e.GetCustomFields())
		return nil
	},
}

// --- employments ------------------------------------------------------------

var (
	rateUnitEnum = connector.Enum[hrisv1.PayPeriod]{
		Provider: "Sandbox HR",
		Read: map[string]hrisv1.PayPeriod{"hour": hrisv1.PayPeriod_PAY_PERIOD_HOUR, "day": hrisv1.PayPeriod_PAY_PERIOD_DAY,
			"week": hrisv1.PayPeriod_PAY_PERIOD_WEEK, "month": hrisv1.PayPeriod_PAY_PERIOD_MONTH, "year": hrisv1.PayPeriod_PAY_PERIOD_YEAR,
			"shift": hrisv1.PayPeriod_PAY_PERIOD_OTHER},
		Other: hrisv1.PayPeriod_PAY_PERIOD_OTHER,
	}
	payScheduleEnum = connector.Enum[hrisv1.PayFrequency]{
		Provider: "Sandbox HR",
		Read: map[string]hrisv1.PayFrequency{"weekly": hrisv1.PayFrequency_PAY_FREQUENCY_WEEKLY,
			"biweekly": hrisv1.PayFrequency_PAY_FREQUENCY_BIWEEKLY, "semimonthly": hrisv1.PayFrequency_PAY_FREQUENCY_SEMIMONTHLY,
			"monthly": hrisv1.PayFrequency_PAY_FREQUENCY_MONTHLY, "four_weekly": hrisv1.PayFrequency_PAY_FREQUENCY_OTHER,
			"off_payroll": hrisv1.PayFrequency_PAY_FREQUENCY_OTHER},
		Other: hrisv1.PayFrequency_PAY_FREQUENCY_OTHER,
	}
	// flsaEnum: outside the US the FLSA does not apply, which the unified
	// API calls unspecified.
	flsaEnum = connector.Enum[hrisv1.FlsaStatus]{
		Provider: "Sandbox HR",
		Read: map[string]hrisv1.FlsaStatus{"exempt": hrisv1.FlsaStatus_FLSA_STATUS_EXEMPT, "non_exempt": hrisv1.FlsaStatus_FLSA_STATUS_NON_EXEMPT,
			"not_applicable": hrisv1.FlsaStatus_FLSA_STATUS_UNSPECIFIED},
		Other: hrisv1.FlsaStatus_FLSA_STATUS_OTHER,
	}
)

func compensationToEmployment(c Compensation) *hrisv1.Employment {
	out := &hrisv1.Employment{
		Id:                   strconv.FormatInt(c.ID, 10),
		EmployeeId:           c.WorkerID,
		JobTitle:             c.Title,
		PayPeriod:            rateUnitEnum.ToProto(c.RateUnit),
		RemotePayPeriod:      c.RateUnit,
		PayFrequency:         payScheduleEnum.ToProto(c.PaySchedule),
		RemotePayFrequency:   c.PaySchedule,
		EmploymentType:       contractEnum.ToProto(c.Contract),
		RemoteEmploymentType: c.Contract,
		FlsaStatus:           flsaEnum.ToProto(c.FLSA),
		RemoteFlsaStatus:     c.FLSA,
		EffectiveDate:        c.EffectiveFrom,
		CreateTime:           normalize.Timestamp(c.CreatedAt),
		UpdateTime:           normalize.Timestamp(c.UpdatedAt),
	}
	if c.Rate.Amount != "" {
		out.PayRate = sandboxapi.MoneyToProto(&c.Rate)
	}
	return out
}

// --- groups, locations, companies -------------------------------------------

var (
	orgUnitKindEnum = connector.Enum[hrisv1.GroupType]{
		Provider: "Sandbox HR",
		Read: map[string]hrisv1.GroupType{"department": hrisv1.GroupType_GROUP_TYPE_DEPARTMENT, "team": hrisv1.GroupType_GROUP_TYPE_TEAM,
			"cost_center": hrisv1.GroupType_GROUP_TYPE_COST_CENTER, "division": hrisv1.GroupType_GROUP_TYPE_BUSINESS_UNIT,
			"project": hrisv1.GroupType_GROUP_TYPE_OTHER},
		Other: hrisv1.GroupType_GROUP_TYPE_OTHER,
	}
	siteKindEnum = connector.Enum[hrisv1.LocationType]{
		Provider: "Sandbox HR",
		Read: map[string]hrisv1.LocationType{"office": hrisv1.LocationType_LOCATION_TYPE_WORK, "warehouse": hrisv1.LocationType_LOCATION_TYPE_WORK,
			"store": hrisv1.LocationType_LOCATION_TYPE_WORK, "home_office": hrisv1.LocationType_LOCATION_TYPE_HOME,
			"virtual": hrisv1.LocationType_LOCATION_TYPE_OTHER},
		Other: hrisv1.LocationType_LOCATION_TYPE_OTHER,
	}
)

func orgUnitToGroup(u OrgUnit) *hrisv1.Group {
	return &hrisv1.Group{
		Id: u.ID, Name: u.Name, Type: orgUnitKindEnum.ToProto(u.Kind), RemoteType: u.Kind, ParentGroupId: deref(u.ParentID),
		CreateTime: normalize.Timestamp(u.CreatedAt), UpdateTime: normalize.Timestamp(u.UpdatedAt),
	}
}

func siteToLocation(s Site) *hrisv1.Location {
	out := &hrisv1.Location{
		Id: strconv.FormatInt(s.ID, 10), Name: s.Name, Type: siteKindEnum.ToProto(s.Kind), RemoteType: s.Kind,
		CreateTime: normalize.Timestamp(s.CreatedAt), UpdateTime: normalize.Timestamp(s.UpdatedAt),
	}
	if s.Address != (sandboxapi.Address{}) {
		out.Address = sandboxapi.AddressToProto(s.Address)
	}
	return out
}

// legalEntityToCompany keeps the values of the tax ids; their kinds (ein,
// vat, steuernummer) are in the raw payload only.
func legalEntityToCompany(le LegalEntity) *hrisv1.Company {
	out := &hrisv1.Company{
		Id: le.ID, LegalName: le.LegalName, DisplayName: le.TradingName, TaxIds: []string{},
		CreateTime: normalize.Timestamp(le.CreatedAt), UpdateTime: normalize.Timestamp(le.UpdatedAt),
	}
	if out.DisplayName == "" {
		out.DisplayName = le.LegalName
	}
	for _, t := range le.TaxIDs {
		out.TaxIds = append(out.TaxIds, t.Value)
	}
	return out
}

// --- time off ---------------------------------------------------------------

var (
	// leaveTypeEnum: unpaid and training leave are OTHER.
	leaveTypeEnum = connector.Enum[hrisv1.TimeOffType]{
		Provider: "Sandbox HR",
		Read: map[string]hrisv1.TimeOffType{"vacation": hrisv1.TimeOffType_TIME_OFF_TYPE_VACATION, "sick": hrisv1.TimeOffType_TIME_OFF_TYPE_SICK,
			"personal": hrisv1.TimeOffType_TIME_OFF_TYPE_PERSONAL, "parental": hrisv1.TimeOffType_TIME_OFF_TYPE_PARENTAL,
			"bereavement": hrisv1.TimeOffType_TIME_OFF_TYPE_BEREAVEMENT, "jury_duty": hrisv1.TimeOffType_TIME_OFF_TYPE_JURY_DUTY,
			"volunteering": hrisv1.TimeOffType_TIME_OFF_TYPE_VOLUNTEER, "unpaid": hrisv1.TimeOffType_TIME_OFF_TYPE_OTHER,
			"training": hrisv1.TimeOffType_TIME_OFF_TYPE_OTHER},
		Write: map[hrisv1.TimeOffType]string{hrisv1.TimeOffType_TIME_OFF_TYPE_VACATION: "vacation", hrisv1.TimeOffType_TIME_OFF_TYPE_SICK: "sick",
			hrisv1.TimeOffType_TIME_OFF_TYPE_PERSONAL: "personal", hrisv1.TimeOffType_TIME_OFF_TYPE_PARENTAL: "parental",
			hrisv1.TimeOffType_TIME_OFF_TYPE_BEREAVEMENT: "bereavement", hrisv1.TimeOffType_TIME_OFF_TYPE_JURY_DUTY: "jury_duty",
			hrisv1.TimeOffType_TIME_OFF_TYPE_VOLUNTEER: "volunteering"},
		Other: hrisv1.TimeOffType_TIME_OFF_TYPE_OTHER,
	}
	leaveStatusEnum = connector.Enum[hrisv1.TimeOffStatus]{
		Provider: "Sandbox HR",
		Read: map[string]hrisv1.TimeOffStatus{"pending": hrisv1.TimeOffStatus_TIME_OFF_STATUS_REQUESTED,
			"approved": hrisv1.TimeOffStatus_TIME_OFF_STATUS_APPROVED, "rejected": hrisv1.TimeOffStatus_TIME_OFF_STATUS_DECLINED,
			"cancelled": hrisv1.TimeOffStatus_TIME_OFF_STATUS_CANCELLED},
		Write: map[hrisv1.TimeOffStatus]string{hrisv1.TimeOffStatus_TIME_OFF_STATUS_REQUESTED: "pending",
			hrisv1.TimeOffStatus_TIME_OFF_STATUS_APPROVED: "approved", hrisv1.TimeOffStatus_TIME_OFF_STATUS_DECLINED: "rejected",
			hrisv1.TimeOffStatus_TIME_OFF_STATUS_CANCELLED: "cancelled"},
		Other: hrisv1.TimeOffStatus_TIME_OFF_STATUS_OTHER,
	}
	unitEnum = connector.Enum[hrisv1.TimeOffUnits]{
		Provider: "Sandbox HR",
		Read:     map[string]hrisv1.TimeOffUnits{"days": hrisv1.TimeOffUnits_TIME_OFF_UNITS_DAYS, "hours": hrisv1.TimeOffUnits_TIME_OFF_UNITS_HOURS},
		Write:    map[hrisv1.TimeOffUnits]string{hrisv1.TimeOffUnits_TIME_OFF_UNITS_DAYS: "days", hrisv1.TimeOffUnits_TIME_OFF_UNITS_HOURS: "hours"},
	}
)

func leaveToTimeOff(l LeaveRequest) *hrisv1.TimeOffRequest {
	start, end := leaveTimes(l)
	return &hrisv1.TimeOffRequest{
		Id:           strconv.FormatInt(l.ID, 10),
		EmployeeId:   l.WorkerID,
		Type:         leaveTypeEnum.ToProto(l.LeaveType),
		RemoteType:   l.LeaveType,
		Status:       leaveStatusEnum.ToProto(l.Status),
		RemoteStatus: l.Status,
		StartTime:    start,
		EndTime:      end,
		Amount:       l.Quantity,
		Units:        unitEnum.ToProto(l.Unit),
		ApproverId:   deref(l.ApproverID),
		Note:         l.Note,
		CreateTime:   normalize.Timestamp(l.CreatedAt),
		UpdateTime:   normalize.Timestamp(l.UpdatedAt),
	}
}

// leaveTimes reads from and to as the unified half-open span: a request in
// days runs from its first day's midnight (UTC) to the midnight after its
// last day; one in hours between its instants.
func leaveTimes(l LeaveRequest) (start, end *timestamppb.Timestamp) {
	layout := time.RFC3339
	if l.Unit != "hours" {
		layout = dateLayout
	}
	if t, err := time.Parse(layout, l.From); err == nil {
		start = timestamppb.New(t)
	}
	if t, err := time.Parse(layout, l.To); err == nil {
		if l.Unit != "hours" {
			t = t.AddDate(0, 0, 1)
		}
		end = timestamppb.New(t)
	}
	return start, end
}

var timeOffWireFields = map[string]string{
	"worker_id": "employee_id", "leave_type": "type", "status": "status", "from": "start_time", "to": "end_time",
	"quantity": "amount", "unit": "units", "approver_id": "approver_id", "note": "note",
}

var timeOffTypeWriter, remoteTimeOffTypeWriter = connector.EnumWriters(leaveTypeEnum, "leave_type", "type",
	func(r *hrisv1.TimeOffRequest) (hrisv1.TimeOffType, string) { return r.GetType(), r.GetRemoteType() })

var timeOffStatusWriter, remoteTimeOffStatusWriter = connector.EnumWriters(leaveStatusEnum, "status", "status",
	func(r *hrisv1.TimeOffRequest) (hrisv1.TimeOffStatus, string) {
		return r.GetStatus(), r.GetRemoteStatus()
	})

var timeOffFields = connector.Fields[*hrisv1.TimeOffRequest]{
	"employee_id": func(r *hrisv1.TimeOffRequest, b map[string]any) error {
		b["worker_id"] = r.GetEmployeeId()
		return refID("employee_id", r.GetEmployeeId(), workerIDRe, "E1001")
	},
	"type":          timeOffTypeWriter,
	"remote_type":   remoteTimeOffTypeWriter,
	"status":        timeOffStatusWriter,
	"remote_status": remoteTimeOffStatusWriter,
	"start_time":    writeLeaveSpan,
	"end_time":      writeLeaveSpan,
	"units":         writeLeaveSpan,
	"amount":        func(r *hrisv1.TimeOffRequest, b map[string]any) error { b["quantity"] = r.GetAmount(); return nil },
	"approver_id": func(r *hrisv1.TimeOffRequest, b map[string]any) error {
		return setWorkerRef(b, "approver_id", "approver_id", r.GetApproverId())
	},
	"note": func(r *hrisv1.TimeOffRequest, b map[string]any) error { b["note"] = r.GetNote(); return nil },
}

// writeLeaveSpan writes unit, from and to together, as they depend on one
// another: in days (dates; the end is exclusive at midnight, else its day
// is the last one) or in hours (instants). Without units, a span of whole
// UTC days is sent in days, any other in hours.
func writeLeaveSpan(r *hrisv1.TimeOffRequest, b map[string]any) error {
	start, end := r.GetStartTime(), r.GetEndTime()
	unit, err := unitEnum.ToProvider("units", r.GetUnits(), "")
	if err != nil {
		return err
	}
	if unit == "" {
		unit = "hours"
		if wholeDay(start) && wholeDay(end) {
			unit = "days"
		}
	}
	b["unit"] = unit
	if start != nil {
		b["from"] = start.AsTime().UTC().Format(time.RFC3339)
		if unit == "days" {
			b["from"] = start.AsTime().UTC().Format(dateLayout)
		}
	}
	if end != nil {
		b["to"] = end.AsTime().UTC().Format(time.RFC3339)
		if unit == "days" {
			b["to"] = lastDay(end.AsTime().UTC()).Format(dateLayout)
		}
	}
	return nil
}

// wholeDay says whether t is absent or a midnight, UTC.
func wholeDay(t *timestamppb.Timestamp) bool {
	return t == nil || t.AsTime().UTC().Truncate(24*time.Hour).Equal(t.AsTime())
}

// lastDay is the last day a span ending at t covers: the day before a
// midnight, else t's day.
func lastDay(t time.Time) time.Time {
	if t.Truncate(24 * time.Hour).Equal(t) {
		return t.AddDate(0, 0, -1)
	}
	return t
}

// balanceToTimeOffBalance: the balance's year is in the raw payload only.
func balanceToTimeOffBalance(b LeaveBalance) *hrisv1.TimeOffBalance {
	return &hrisv1.TimeOffBalance{
		Id: b.ID, EmployeeId: b.WorkerID, Policy: b.Policy, Type: leaveTypeEnum.ToProto(b.LeaveType), RemoteType: b.LeaveType,
		Balance: b.Remaining, Used: b.Taken, Units: unitEnum.ToProto(b.Unit),
		CreateTime: normalize.Timestamp(b.CreatedAt), UpdateTime: normalize.Timestamp(b.UpdatedAt),
	}
}

// --- payroll ----------------------------------------------------------------

var (
	// runStateEnum: a reversed run is OTHER.
	runStateEnum = connector.Enum[hrisv1.PayrollRunStatus]{
		Provider: "Sandbox HR",
		Read: map[string]hrisv1.PayrollRunStatus{"draft": hrisv1.PayrollRunStatus_PAYROLL_RUN_STATUS_DRAFT,
			"processing": hrisv1.PayrollRunStatus_PAYROLL_RUN_STATUS_PROCESSING, "paid": hrisv1.PayrollRunStatus_PAYROLL_RUN_STATUS_PAID,
			"failed": hrisv1.PayrollRunStatus_PAYROLL_RUN_STATUS_FAILED, "cancelled": hrisv1.PayrollRunStatus_PAYROLL_RUN_STATUS_CANCELLED,
			"reversed": hrisv1.PayrollRunStatus_PAYROLL_RUN_STATUS_OTHER},
		Other: hrisv1.PayrollRunStatus_PAYROLL_RUN_STATUS_OTHER,
	}
	runKindEnum = connector.Enum[hrisv1.PayrollRunType]{
		Provider: "Sandbox HR",
		Read: map[string]hrisv1.PayrollRunType{"regular": hrisv1.PayrollRunType_PAYROLL_RUN_TYPE_REGULAR,
			"off_cycle": hrisv1.PayrollRunType_PAYROLL_RUN_TYPE_OFF_CYCLE, "bonus": hrisv1.PayrollRunType_PAYROLL_RUN_TYPE_BONUS,
			"correction": hrisv1.PayrollRunType_PAYROLL_RUN_TYPE_CORRECTION, "termination": hrisv1.PayrollRunType_PAYROLL_RUN_TYPE_TERMINATION},
		Other: hrisv1.PayrollRunType_PAYROLL_RUN_TYPE_OTHER,
	}
	// taxTreatmentEnum: section 125 (cafeteria plan) deductions are pre-tax;
	// mixed ones (part before, part after tax) are OTHER.
	taxTreatmentEnum = connector.Enum[hrisv1.DeductionType]{
		Provider: "Sandbox HR",
		Read: map[string]hrisv1.DeductionType{"pre_tax": hrisv1.DeductionType_DEDUCTION_TYPE_PRE_TAX,
			"section_125": hrisv1.DeductionType_DEDUCTION_TYPE_PRE_TAX, "post_tax": hrisv1.DeductionType_DEDUCTION_TYPE_POST_TAX,
			"mixed": hrisv1.DeductionType_DEDUCTION_TYPE_OTHER},
		Write: map[hrisv1.DeductionType]string{hrisv1.DeductionType_DEDUCTION_TYPE_PRE_TAX: "pre_tax",
			hrisv1.DeductionType_DEDUCTION_TYPE_POST_TAX: "post_tax"},
		Other: hrisv1.DeductionType_DEDUCTION_TYPE_OTHER,
	}
	// recurrenceEnum has no OTHER: an unknown recurrence reads as unspecified.
	recurrenceEnum = connector.Enum[hrisv1.DeductionFrequency]{
		Provider: "Sandbox HR",
		Read: map[string]hrisv1.DeductionFrequency{"one_time": hrisv1.DeductionFrequency_DEDUCTION_FREQUENCY_ONE_TIME,
			"recurring": hrisv1.DeductionFrequency_DEDUCTION_FREQUENCY_RECURRING},
		Write: map[hrisv1.DeductionFrequency]string{hrisv1.DeductionFrequency_DEDUCTION_FREQUENCY_ONE_TIME: "one_time",
			hrisv1.DeductionFrequency_DEDUCTION_FREQUENCY_RECURRING: "recurring"},
	}
)

func payRunToPayrollRun(r PayRun) *hrisv1.PayrollRun {
	return &hrisv1.PayrollRun{
		Id: r.ID, Status: runStateEnum.ToProto(r.State), RemoteStatus: r.State, RunType: runKindEnum.ToProto(r.Kind), RemoteRunType: r.Kind,
		PeriodStart: r.PeriodStart, PeriodEnd: r.PeriodEnd, CheckDate: r.PayDate,
		CreateTime: normalize.Timestamp(r.CreatedAt), UpdateTime: normalize.Timestamp(r.UpdatedAt),
	}
}

// payslipToPayStub turns the payslip's amounts, in its currency, into money.
func payslipToPayStub(p Payslip) *hrisv1.PayStub {
	money := func(amount string) *commonv1.Money {
		if amount == "" {
			return nil
		}
		return &commonv1.Money{Units: amount, CurrencyCode: p.Currency}
	}
	out := &hrisv1.PayStub{
		Id: strconv.FormatInt(p.ID, 10), PayrollRunId: p.PayRunID, EmployeeId: p.WorkerID,
		GrossPay: money(p.Gross), NetPay: money(p.Net), HoursWorked: p.Hours,
		CreateTime: normalize.Timestamp(p.CreatedAt), UpdateTime: normalize.Timestamp(p.UpdatedAt),
	}
	for _, e := range p.Earnings {
		out.Earnings = append(out.Earnings, &hrisv1.Earning{Name: e.Label, Type: e.Code, Amount: money(e.Amount), Hours: e.Hours})
	}
	for _, d := range p.Deductions {
		out.Deductions = append(out.Deductions, &hrisv1.PayStubDeduction{
			DeductionId: deref(d.DeductionID), Name: d.Label, Type: taxTreatmentEnum.ToProto(d.TaxTreatment), RemoteType: d.TaxTreatment,
			EmployeeAmount: money(d.EmployeeAmount), EmployerAmount: money(d.EmployerAmount),
		})
	}
	for _, t := range p.Taxes {
		out.Taxes = append(out.Taxes, &hrisv1.Tax{Name: t.Label, Amount: money(t.Amount), Employer: t.PaidBy == "employer"})
	}
	return out
}

// --- deductions -------------------------------------------------------------

func deductionToDeduction(d Deduction) *hrisv1.Deduction {
	out := &hrisv1.Deduction{
		Id: d.ID, EmployeeId: d.WorkerID, BenefitId: d.Code, Name: d.Name,
		Type: taxTreatmentEnum.ToProto(d.TaxTreatment), RemoteType: d.TaxTreatment, Frequency: recurrenceEnum.ToProto(d.Recurrence),
		Amount: sandboxapi.MoneyToProto(d.Amount), EffectiveDate: d.StartsOn, EndDate: d.EndsOn, Active: d.Active,
		CreateTime: normalize.Timestamp(d.CreatedAt), UpdateTime: normalize.Timestamp(d.UpdatedAt),
	}
	if d.PercentageBPS != nil {
		out.Percent = bpsToPercent(*d.PercentageBPS)
	}
	return out
}

// bpsToPercent writes basis points as a percentage: 250 → "2.5".
func bpsToPercent(bps int64) string {
	return trimDecimal(fmt.Sprintf("%d.%02d", bps/100, bps%100))
}

// percentToBPS reads a percentage as basis points, refusing what Sandbox
// HR cannot store exactly (more than two decimals) or at all.
func percentToBPS(p string) (int64, error) {
	whole, frac, _ := strings.Cut(p, ".")
	frac = strings.TrimRight(frac, "0")
	if len(frac) > 2 {
		return 0, connector.BadField("percent", "%s stores percentages to two decimals; %q has more", Slug, p)
	}
	bps, err := strconv.ParseInt(whole+frac+strings.Repeat("0", 2-len(frac)), 10, 64)
	if err != nil || bps <= 0 || bps > 10000 {
		return 0, connector.BadField("percent", "percent must be a number above 0 and at most 100, not %q", p)
	}
	return bps, nil
}

var deductionWireFields = map[string]string{
	"worker_id": "employee_id", "code": "benefit_id", "name": "name", "tax_treatment": "type", "recurrence": "frequency",
	"amount": "amount", "amount.amount": "amount.units", "amount.currency": "amount.currency_code", "percentage_bps": "percent",
	"starts_on": "effective_date", "ends_on": "end_date",
}

// writeRate writes amount and percentage_bps together: they are exclusive,
// so setting one clears the other.
func writeRate(d *hrisv1.Deduction, b map[string]any) error {
	amount, percent := d.GetAmount(), d.GetPercent()
	if amount != nil && percent != "" {
		return connector.BadField("percent", "a deduction has an amount or a percent, not both")
	}
	b["amount"], b["percentage_bps"] = sandboxapi.MoneyFromProto(amount), nil
	if percent != "" {
		bps, err := percentToBPS(percent)
		if err != nil {
			return err
		}
		b["percentage_bps"] = bps
	}
	return nil
}

var deductionTypeWriter, remoteDeductionTypeWriter = connector.EnumWriters(taxTreatmentEnum, "tax_treatment", "type",
	func(d *hrisv1.Deduction) (hrisv1.DeductionType, string) { return d.GetType(), d.GetRemoteType() })

var deductionFields = connector.Fields[*hrisv1.Deduction]{
	"employee_id": func(d *hrisv1.Deduction, b map[string]any) error {
		b["worker_id"] = d.GetEmployeeId()
		return refID("employee_id", d.GetEmployeeId(), workerIDRe, "E1001")
	},
	"benefit_id":  func(d *hrisv1.Deduction, b map[string]any) error { b["code"] = d.GetBenefitId(); return nil },
	"name":        func(d *hrisv1.Deduction, b map[string]any) error { b["name"] = d.GetName(); return nil },
	"type":        deductionTypeWriter,
	"remote_type": remoteDeductionTypeWriter,
	"frequency": func(d *hrisv1.Deduction, b map[string]any) error {
		v, err := recurrenceEnum.ToProvider("frequency", d.GetFrequency(), "")
		b["recurrence"] = v
		return err
	},
	"amount":         writeRate,
	"percent":        writeRate,
	"effective_date": func(d *hrisv1.Deduction, b map[string]any) error { b["starts_on"] = d.GetEffectiveDate(); return nil },
	"end_date":       func(d *hrisv1.Deduction, b map[string]any) error { b["ends_on"] = d.GetEndDate(); return nil },
}
