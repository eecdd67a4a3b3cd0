package sandbox

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/testing/protocmp"
	"google.golang.org/protobuf/types/known/structpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/google/go-cmp/cmp"

	"github.com/unimesh/unimesh/pkg/apierr"
	"github.com/unimesh/unimesh/pkg/connector"
	"github.com/unimesh/unimesh/pkg/connector/connectortest"
	"github.com/unimesh/unimesh/pkg/sandboxapi"
	commonv1 "github.com/unimesh/unimesh/proto/unimesh/common/v1"
	hrisv1 "github.com/unimesh/unimesh/proto/unimesh/hris/v1"
	platformv1 "github.com/unimesh/unimesh/proto/unimesh/platform/v1"
)

const testKey = "sk_test_hris"

// start serves a seeded emulator on the real clock (modified-since needs it).
func start(t *testing.T) (*Emulator, *connector.Conn) {
	t.Helper()
	return startWith(t, Options{APIKey: testKey, Seed: true})
}

// startAt serves a seeded emulator whose today is fixed, for date rules.
func startAt(t *testing.T, now string) (*Emulator, *connector.Conn) {
	t.Helper()
	clock := ts(now)
	return startWith(t, Options{APIKey: testKey, Seed: true, Now: func() time.Time { return clock }})
}

func startWith(t *testing.T, opts Options) (*Emulator, *connector.Conn) {
	t.Helper()
	emu := NewEmulator(opts)
	srv := httptest.NewServer(emu)
	t.Cleanup(srv.Close)
	return emu, connectortest.Conn(t, Descriptor(srv.URL), "", connectortest.APIKey(testKey), nil)
}

func ts(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func tsp(s string) *timestamppb.Timestamp { return timestamppb.New(ts(s)) }

func mustStruct(m map[string]any) *structpb.Struct {
	s, err := structpb.NewStruct(m)
	if err != nil {
		panic(err)
	}
	return s
}

func usd(units string) *commonv1.Money { return &commonv1.Money{Units: units, CurrencyCode: "USD"} }

// wantViolation fails unless err is INVALID_ARGUMENT with a violation of
// field (the first one), and returns that violation.
func wantViolation(t *testing.T, err error, field string) apierr.FieldViolation {
	t.Helper()
	vs := apierr.Violations(err)
	if status.Code(err) != codes.InvalidArgument || len(vs) == 0 || vs[0].Field != field {
		t.Fatalf("err = %v, violations %+v; want a violation of %s", err, vs, field)
	}
	return vs[0]
}

func TestReadNormalization(t *testing.T) {
	created, updated := ts("2025-02-03T04:05:06Z"), ts("2025-03-04T05:06:07Z")
	cases := []struct {
		name string
		got  proto.Message
		want proto.Message
	}{
		{
			name: "worker: legal and preferred names, emails object, international and national phones, home address, offboarding is ACTIVE",
			got: workerToEmployee(Worker{
				ID: "E1042", WorkerNumber: "0042", LegalName: LegalName{First: "Katherine", Last: "Johnson"}, PreferredName: "Kate",
				DisplayName: "Kate Johnson", Emails: WorkerEmails{Work: "kate.johnson@sandbox-hr.example", Personal: "kj@mail.example"},
				Phones:      []sandboxapi.Phone{{Number: "+1 415 555 0100", Label: "mobile"}, {Number: "(415) 555-0199", Label: "work"}},
				HomeAddress: &sandboxapi.Address{Line1: "12 Valencia Street", City: "San Francisco", State: "CA", Zip: "94110", Country: "US", Kind: "home"},
				BirthDate:   "1985-08-26", Gender: "x", ManagerID: ptr("E1002"), LegalEntityID: "LE-1", OrgUnitIDs: []string{"ou_01", "ou_06"},
				SiteID: ptr(int64(1)), Status: "offboarding", Contract: "fixed_term", Title: "Data Engineer", HireDate: "2021-04-01",
				Termination: &Termination{Date: "2025-03-31", Reason: "Resigned"},
				Custom:      map[string]any{"shirt_size": "M", "remote_eligible": true}, CreatedAt: created, UpdatedAt: updated,
			}),
			want: &hrisv1.Employee{
				Id: "E1042", EmployeeNumber: "0042", FirstName: "Katherine", LastName: "Johnson", PreferredName: "Kate", DisplayName: "Kate Johnson",
				WorkEmail: "kate.johnson@sandbox-hr.example", PersonalEmail: "kj@mail.example",
				Phones: []*commonv1.Phone{
					{Number: "+14155550100", RawNumber: "+1 415 555 0100", Type: commonv1.PhoneType_PHONE_TYPE_MOBILE},
					{RawNumber: "(415) 555-0199", Type: commonv1.PhoneType_PHONE_TYPE_WORK},
				},
				HomeAddress: &commonv1.Address{Street_1: "12 Valencia Street", City: "San Francisco", Region: "CA", PostalCode: "94110",
					CountryCode: "US", Type: commonv1.AddressType_ADDRESS_TYPE_HOME},
				DateOfBirth: "1985-08-26", Gender: hrisv1.Gender_GENDER_NON_BINARY, RemoteGender: "x", ManagerId: "E1002", CompanyId: "LE-1",
				GroupIds: []string{"ou_01", "ou_06"}, WorkLocationId: "1",
				EmploymentStatus: hrisv1.EmploymentStatus_EMPLOYMENT_STATUS_ACTIVE, RemoteEmploymentStatus: "offboarding",
				EmploymentType: hrisv1.EmploymentType_EMPLOYMENT_TYPE_TEMPORARY, RemoteEmploymentType: "fixed_term",
				JobTitle: "Data Engineer", StartDate: "2021-04-01", TerminationDate: "2025-03-31", TerminationReason: "Resigned",
				CustomFields: mustStruct(map[string]any{"shirt_size": "M", "remote_eligible": true}),
				CreateTime:   timestamppb.New(created), UpdateTime: timestamppb.New(updated),
			},
		},
		{
			name: "worker without gender, manager, site or home; an apprentice is an INTERN",
			got: workerToEmployee(Worker{ID: "E1081", WorkerNumber: "0081", LegalName: LegalName{First: "Ada", Last: "Lovelace"},
				DisplayName: "Ada Lovelace", Emails: WorkerEmails{Work: "ada@sandbox-hr.example"}, Phones: []sandboxapi.Phone{},
				LegalEntityID: "LE-2", OrgUnitIDs: []string{}, Status: "onboarding", Contract: "apprentice", HireDate: "2031-01-06",
				CreatedAt: created, UpdatedAt: updated}),
			want: &hrisv1.Employee{Id: "E1081", EmployeeNumber: "0081", FirstName: "Ada", LastName: "Lovelace", DisplayName: "Ada Lovelace",
				WorkEmail: "ada@sandbox-hr.example", CompanyId: "LE-2",
				EmploymentStatus: hrisv1.EmploymentStatus_EMPLOYMENT_STATUS_PENDING, RemoteEmploymentStatus: "onboarding",
				EmploymentType: hrisv1.EmploymentType_EMPLOYMENT_TYPE_INTERN, RemoteEmploymentType: "apprentice",
				StartDate: "2031-01-06", CreateTime: timestamppb.New(created), UpdateTime: timestamppb.New(updated)},
		},
		{
			name: "salaried compensation: rate as money, year, semimonthly, exempt",
			got: compensationToEmployment(Compensation{ID: 50007, WorkerID: "E1042", Title: "Data Engineer",
				Rate: sandboxapi.Money{Amount: "145000.00", Currency: "USD"}, RateUnit: "year", PaySchedule: "semimonthly",
				Contract: "full_time", FLSA: "exempt", EffectiveFrom: "2024-04-01", CreatedAt: created, UpdatedAt: updated}),
			want: &hrisv1.Employment{Id: "50007", EmployeeId: "E1042", JobTitle: "Data Engineer", PayRate: usd("145000.00"),
				PayPeriod: hrisv1.PayPeriod_PAY_PERIOD_YEAR, RemotePayPeriod: "year",
				PayFrequency: hrisv1.PayFrequency_PAY_FREQUENCY_SEMIMONTHLY, RemotePayFrequency: "semimonthly",
				EmploymentType: hrisv1.EmploymentType_EMPLOYMENT_TYPE_FULL_TIME, RemoteEmploymentType: "full_time",
				FlsaStatus: hrisv1.FlsaStatus_FLSA_STATUS_EXEMPT, RemoteFlsaStatus: "exempt", EffectiveDate: "2024-04-01",
				CreateTime: timestamppb.New(created), UpdateTime: timestamppb.New(updated)},
		},
		{
			name: "German working student: hourly in euros, FLSA not applicable is unspecified, working student is OTHER",
			got: compensationToEmployment(Compensation{ID: 50008, WorkerID: "E1002", Rate: sandboxapi.Money{Amount: "17.50", Currency: "EUR"},
				RateUnit: "hour", PaySchedule: "monthly", Contract: "working_student", FLSA: "not_applicable", EffectiveFrom: "2024-10-01",
				CreatedAt: created, UpdatedAt: updated}),
			want: &hrisv1.Employment{Id: "50008", EmployeeId: "E1002", PayRate: &commonv1.Money{Units: "17.50", CurrencyCode: "EUR"},
				PayPeriod: hrisv1.PayPeriod_PAY_PERIOD_HOUR, RemotePayPeriod: "hour",
				PayFrequency: hrisv1.PayFrequency_PAY_FREQUENCY_MONTHLY, RemotePayFrequency: "monthly",
				EmploymentType: hrisv1.EmploymentType_EMPLOYMENT_TYPE_OTHER, RemoteEmploymentType: "working_student",
				RemoteFlsaStatus: "not_applicable", EffectiveDate: "2024-10-01",
				CreateTime: timestamppb.New(created), UpdateTime: timestamppb.New(updated)},
		},
		{
			name: "team within a department",
			got: orgUnitToGroup(OrgUnit{ID: "ou_02", Name: "Platform", Kind: "team", Code: "ENG-PLT", ParentID: ptr("ou_01"),
				CreatedAt: created, UpdatedAt: updated}),
			want: &hrisv1.Group{Id: "ou_02", Name: "Platform", Type: hrisv1.GroupType_GROUP_TYPE_TEAM, RemoteType: "team",
				ParentGroupId: "ou_01", CreateTime: timestamppb.New(created), UpdateTime: timestamppb.New(updated)},
		},
		{
			name: "office with its address",
			got: siteToLocation(Site{ID: 3, Name: "Berlin Office", Kind: "office", Timezone: "Europe/Berlin",
				Address:   sandboxapi.Address{Line1: "Friedrichstraße 68", City: "Berlin", State: "Berlin", Zip: "10117", Country: "DE", Kind: "work"},
				CreatedAt: created, UpdatedAt: updated}),
			want: &hrisv1.Location{Id: "3", Name: "Berlin Office", Type: hrisv1.LocationType_LOCATION_TYPE_WORK, RemoteType: "office",
				Address: &commonv1.Address{Street_1: "Friedrichstraße 68", City: "Berlin", Region: "Berlin", PostalCode: "10117",
					CountryCode: "DE", Type: commonv1.AddressType_ADDRESS_TYPE_WORK},
				CreateTime: timestamppb.New(created), UpdateTime: timestamppb.New(updated)},
		},
		{
			name: "virtual site: OTHER, no address",
			got:  siteToLocation(Site{ID: 4, Name: "Remote", Kind: "virtual", CreatedAt: created, UpdatedAt: updated}),
			want: &hrisv1.Location{Id: "4", Name: "Remote", Type: hrisv1.LocationType_LOCATION_TYPE_OTHER, RemoteType: "virtual",
				CreateTime: timestamppb.New(created), UpdateTime: timestamppb.New(updated)},
		},
		{
			name: "legal entity: trading name shown, tax id values",
			got: legalEntityToCompany(LegalEntity{ID: "LE-2", LegalName: "Sandbox Demo GmbH", TradingName: "Sandbox Demo Deutschland",
				TaxIDs: []TaxID{{Type: "steuernummer", Value: "27/815/08154"}, {Type: "vat", Value: "DE312345678"}}, CreatedAt: created, UpdatedAt: updated}),
			want: &hrisv1.Company{Id: "LE-2", LegalName: "Sandbox Demo GmbH", DisplayName: "Sandbox Demo Deutschland",
				TaxIds: []string{"27/815/08154", "DE312345678"}, CreateTime: timestamppb.New(created), UpdateTime: timestamppb.New(updated)},
		},
		{
			name: "legal entity without a trading name shows its legal name",
			got:  legalEntityToCompany(LegalEntity{ID: "LE-1", LegalName: "Sandbox Demo Inc.", CreatedAt: created, UpdatedAt: updated}),
			want: &hrisv1.Company{Id: "LE-1", LegalName: "Sandbox Demo Inc.", DisplayName: "Sandbox Demo Inc.",
				CreateTime: timestamppb.New(created), UpdateTime: timestamppb.New(updated)},
		},
		{
			name: "leave in days: the last day is included, so the span ends the midnight after it; training is OTHER",
			got: leaveToTimeOff(LeaveRequest{ID: 90001, WorkerID: "E1042", LeaveType: "training", Status: "approved", Unit: "days",
				From: "2025-03-10", To: "2025-03-14", Quantity: "5", ApproverID: ptr("E1002"), Note: "Bildungsurlaub",
				CreatedAt: created, UpdatedAt: updated}),
			want: &hrisv1.TimeOffRequest{Id: "90001", EmployeeId: "E1042", Type: hrisv1.TimeOffType_TIME_OFF_TYPE_OTHER, RemoteType: "training",
				Status: hrisv1.TimeOffStatus_TIME_OFF_STATUS_APPROVED, RemoteStatus: "approved",
				StartTime: tsp("2025-03-10T00:00:00Z"), EndTime: tsp("2025-03-15T00:00:00Z"), Amount: "5",
				Units: hrisv1.TimeOffUnits_TIME_OFF_UNITS_DAYS, ApproverId: "E1002", Note: "Bildungsurlaub",
				CreateTime: timestamppb.New(created), UpdateTime: timestamppb.New(updated)},
		},
		{
			name: "leave in hours: instants, decimal quantity",
			got: leaveToTimeOff(LeaveRequest{ID: 90002, WorkerID: "E1042", LeaveType: "sick", Status: "pending", Unit: "hours",
				From: "2025-03-12T13:00:00Z", To: "2025-03-12T16:30:00Z", Quantity: "3.5", CreatedAt: created, UpdatedAt: updated}),
			want: &hrisv1.TimeOffRequest{Id: "90002", EmployeeId: "E1042", Type: hrisv1.TimeOffType_TIME_OFF_TYPE_SICK, RemoteType: "sick",
				Status: hrisv1.TimeOffStatus_TIME_OFF_STATUS_REQUESTED, RemoteStatus: "pending",
				StartTime: tsp("2025-03-12T13:00:00Z"), EndTime: tsp("2025-03-12T16:30:00Z"), Amount: "3.5",
				Units: hrisv1.TimeOffUnits_TIME_OFF_UNITS_HOURS, CreateTime: timestamppb.New(created), UpdateTime: timestamppb.New(updated)},
		},
		{
			name: "balance: remaining and taken, in hours",
			got: balanceToTimeOffBalance(LeaveBalance{ID: "bal_0002", WorkerID: "E1042", Policy: "Sick leave (US)", LeaveType: "sick",
				Unit: "hours", Year: 2025, Entitlement: "64", Taken: "12.5", Remaining: "51.5", CreatedAt: created, UpdatedAt: updated}),
			want: &hrisv1.TimeOffBalance{Id: "bal_0002", EmployeeId: "E1042", Policy: "Sick leave (US)", Type: hrisv1.TimeOffType_TIME_OFF_TYPE_SICK,
				RemoteType: "sick", Balance: "51.5", Used: "12.5", Units: hrisv1.TimeOffUnits_TIME_OFF_UNITS_HOURS,
				CreateTime: timestamppb.New(created), UpdateTime: timestamppb.New(updated)},
		},
		{
			name: "reversed correction run: OTHER with its state; pay date is the check date",
			got: payRunToPayrollRun(PayRun{ID: "run_7", LegalEntityID: "LE-1", Kind: "correction", State: "reversed",
				PeriodStart: "2025-01-01", PeriodEnd: "2025-01-15", PayDate: "2025-02-20", Currency: "USD", CreatedAt: created, UpdatedAt: updated}),
			want: &hrisv1.PayrollRun{Id: "run_7", Status: hrisv1.PayrollRunStatus_PAYROLL_RUN_STATUS_OTHER, RemoteStatus: "reversed",
				RunType: hrisv1.PayrollRunType_PAYROLL_RUN_TYPE_CORRECTION, RemoteRunType: "correction",
				PeriodStart: "2025-01-01", PeriodEnd: "2025-01-15", CheckDate: "2025-02-20",
				CreateTime: timestamppb.New(created), UpdateTime: timestamppb.New(updated)},
		},
		{
			name: "payslip: amounts in its currency become money; deduction lines keep their deduction; employer taxes",
			got: payslipToPayStub(Payslip{ID: 800004, PayRunID: "run_1", WorkerID: "E1005", Currency: "USD", Gross: "11875.00", Net: "9175.81",
				Hours:    "86.66",
				Earnings: []PayslipEarning{{Code: "salary", Label: "Salary", Amount: "11875.00"}, {Code: "overtime", Label: "Overtime", Amount: "120.50", Hours: "2.5"}},
				Deductions: []PayslipDeduction{
					{DeductionID: ptr("ded_00002"), Code: "401K", Label: "401(k)", TaxTreatment: "pre_tax", EmployeeAmount: "415.63", EmployerAmount: "207.82"},
					{Label: "Parking", TaxTreatment: "post_tax", EmployeeAmount: "40.00"},
				},
				Taxes:     []PayslipTax{{Label: "Federal income tax", Amount: "1375.12", PaidBy: "employee"}, {Label: "Medicare", Amount: "172.19", PaidBy: "employer"}},
				CreatedAt: created, UpdatedAt: updated}),
			want: &hrisv1.PayStub{Id: "800004", PayrollRunId: "run_1", EmployeeId: "E1005", GrossPay: usd("11875.00"), NetPay: usd("9175.81"),
				HoursWorked: "86.66",
				Earnings: []*hrisv1.Earning{{Name: "Salary", Type: "salary", Amount: usd("11875.00")},
					{Name: "Overtime", Type: "overtime", Amount: usd("120.50"), Hours: "2.5"}},
				Deductions: []*hrisv1.PayStubDeduction{
					{DeductionId: "ded_00002", Name: "401(k)", Type: hrisv1.DeductionType_DEDUCTION_TYPE_PRE_TAX, RemoteType: "pre_tax",
						EmployeeAmount: usd("415.63"), EmployerAmount: usd("207.82")},
					{Name: "Parking", Type: hrisv1.DeductionType_DEDUCTION_TYPE_POST_TAX, RemoteType: "post_tax", EmployeeAmount: usd("40.00")},
				},
				Taxes:      []*hrisv1.Tax{{Name: "Federal income tax", Amount: usd("1375.12")}, {Name: "Medicare", Amount: usd("172.19"), Employer: true}},
				CreateTime: timestamppb.New(created), UpdateTime: timestamppb.New(updated)},
		},
		{
			name: "percentage deduction: basis points become a percent",
			got: deductionToDeduction(Deduction{ID: "ded_00002", WorkerID: "E1005", Code: "401K", Name: "401(k)", TaxTreatment: "pre_tax",
				Recurrence: "recurring", PercentageBPS: ptr(int64(250)), StartsOn: "2024-01-01", Active: true, CreatedAt: created, UpdatedAt: updated}),
			want: &hrisv1.Deduction{Id: "ded_00002", EmployeeId: "E1005", BenefitId: "401K", Name: "401(k)",
				Type: hrisv1.DeductionType_DEDUCTION_TYPE_PRE_TAX, RemoteType: "pre_tax", Frequency: hrisv1.DeductionFrequency_DEDUCTION_FREQUENCY_RECURRING,
				Percent: "2.5", EffectiveDate: "2024-01-01", Active: true, CreateTime: timestamppb.New(created), UpdateTime: timestamppb.New(updated)},
		},
		{
			name: "one-time section 125 deduction with an amount, ended: PRE_TAX with its treatment",
			got: deductionToDeduction(Deduction{ID: "ded_00050", WorkerID: "E1005", Code: "MED", Name: "Medical plan", TaxTreatment: "section_125",
				Recurrence: "one_time", Amount: &sandboxapi.Money{Amount: "120.00", Currency: "USD"}, StartsOn: "2025-01-01", EndsOn: "2025-01-31",
				CreatedAt: created, UpdatedAt: updated}),
			want: &hrisv1.Deduction{Id: "ded_00050", EmployeeId: "E1005", BenefitId: "MED", Name: "Medical plan",
				Type: hrisv1.DeductionType_DEDUCTION_TYPE_PRE_TAX, RemoteType: "section_125", Frequency: hrisv1.DeductionFrequency_DEDUCTION_FREQUENCY_ONE_TIME,
				Amount: usd("120.00"), EffectiveDate: "2025-01-01", EndDate: "2025-01-31",
				CreateTime: timestamppb.New(created), UpdateTime: timestamppb.New(updated)},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, tc.got, protocmp.Transform(), protocmp.IgnoreEmptyMessages()); diff != "" {
				t.Errorf("mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestEnumMappings reads every Sandbox HR value of every enum through the
// record conversions: the unified value, and the original kept as remote_*.
// An unknown value is OTHER (unspecified where the enum has no OTHER); none
// is unspecified.
func TestEnumMappings(t *testing.T) {
	type enumRead func(v string) (protoreflect.Enum, string)
	cases := []struct {
		field string
		read  enumRead
		want  map[string]protoreflect.Enum
	}{
		{"employee.gender", func(v string) (protoreflect.Enum, string) {
			e := workerToEmployee(Worker{Gender: v})
			return e.GetGender(), e.GetRemoteGender()
		}, map[string]protoreflect.Enum{"f": hrisv1.Gender_GENDER_FEMALE, "m": hrisv1.Gender_GENDER_MALE, "x": hrisv1.Gender_GENDER_NON_BINARY,
			"undisclosed": hrisv1.Gender_GENDER_NOT_DISCLOSED, "self_described": hrisv1.Gender_GENDER_OTHER, "d": hrisv1.Gender_GENDER_OTHER,
			"": hrisv1.Gender_GENDER_UNSPECIFIED}},
		{"employee.employment_status", func(v string) (protoreflect.Enum, string) {
			e := workerToEmployee(Worker{Status: v})
			return e.GetEmploymentStatus(), e.GetRemoteEmploymentStatus()
		}, map[string]protoreflect.Enum{"onboarding": hrisv1.EmploymentStatus_EMPLOYMENT_STATUS_PENDING,
			"active": hrisv1.EmploymentStatus_EMPLOYMENT_STATUS_ACTIVE, "offboarding": hrisv1.EmploymentStatus_EMPLOYMENT_STATUS_ACTIVE,
			"leave": hrisv1.EmploymentStatus_EMPLOYMENT_STATUS_INACTIVE, "terminated": hrisv1.EmploymentStatus_EMPLOYMENT_STATUS_TERMINATED,
			"deceased": hrisv1.EmploymentStatus_EMPLOYMENT_STATUS_OTHER}},
		{"employee.employment_type", func(v string) (protoreflect.Enum, string) {
			e := workerToEmployee(Worker{Contract: v})
			return e.GetEmploymentType(), e.GetRemoteEmploymentType()
		}, map[string]protoreflect.Enum{"full_time": hrisv1.EmploymentType_EMPLOYMENT_TYPE_FULL_TIME,
			"part_time": hrisv1.EmploymentType_EMPLOYMENT_TYPE_PART_TIME, "contractor": hrisv1.EmploymentType_EMPLOYMENT_TYPE_CONTRACTOR,
			"intern": hrisv1.EmploymentType_EMPLOYMENT_TYPE_INTERN, "apprentice": hrisv1.EmploymentType_EMPLOYMENT_TYPE_INTERN,
			"fixed_term": hrisv1.EmploymentType_EMPLOYMENT_TYPE_TEMPORARY, "working_student": hrisv1.EmploymentType_EMPLOYMENT_TYPE_OTHER}},
		{"employment.employment_type", func(v string) (protoreflect.Enum, string) {
			e := compensationToEmployment(Compensation{Contract: v})
			return e.GetEmploymentType(), e.GetRemoteEmploymentType()
		}, map[string]protoreflect.Enum{"contractor": hrisv1.EmploymentType_EMPLOYMENT_TYPE_CONTRACTOR,
			"fixed_term": hrisv1.EmploymentType_EMPLOYMENT_TYPE_TEMPORARY}},
		{"employment.pay_period", func(v string) (protoreflect.Enum, string) {
			e := compensationToEmployment(Compensation{RateUnit: v})
			return e.GetPayPeriod(), e.GetRemotePayPeriod()
		}, map[string]protoreflect.Enum{"hour": hrisv1.PayPeriod_PAY_PERIOD_HOUR, "day": hrisv1.PayPeriod_PAY_PERIOD_DAY,
			"week": hrisv1.PayPeriod_PAY_PERIOD_WEEK, "month": hrisv1.PayPeriod_PAY_PERIOD_MONTH, "year": hrisv1.PayPeriod_PAY_PERIOD_YEAR,
			"shift": hrisv1.PayPeriod_PAY_PERIOD_OTHER}},
		{"employment.pay_frequency", func(v string) (protoreflect.Enum, string) {
			e := compensationToEmployment(Compensation{PaySchedule: v})
			return e.GetPayFrequency(), e.GetRemotePayFrequency()
		}, map[string]protoreflect.Enum{"weekly": hrisv1.PayFrequency_PAY_FREQUENCY_WEEKLY, "biweekly": hrisv1.PayFrequency_PAY_FREQUENCY_BIWEEKLY,
			"semimonthly": hrisv1.PayFrequency_PAY_FREQUENCY_SEMIMONTHLY, "monthly": hrisv1.PayFrequency_PAY_FREQUENCY_MONTHLY,
			"four_weekly": hrisv1.PayFrequency_PAY_FREQUENCY_OTHER, "off_payroll": hrisv1.PayFrequency_PAY_FREQUENCY_OTHER}},
		{"employment.flsa_status", func(v string) (protoreflect.Enum, string) {
			e := compensationToEmployment(Compensation{FLSA: v})
			return e.GetFlsaStatus(), e.GetRemoteFlsaStatus()
		}, map[string]protoreflect.Enum{"exempt": hrisv1.FlsaStatus_FLSA_STATUS_EXEMPT, "non_exempt": hrisv1.FlsaStatus_FLSA_STATUS_NON_EXEMPT,
			"not_applicable": hrisv1.FlsaStatus_FLSA_STATUS_UNSPECIFIED, "salaried_non_exempt": hrisv1.FlsaStatus_FLSA_STATUS_OTHER}},
		{"group.type", func(v string) (protoreflect.Enum, string) {
			g := orgUnitToGroup(OrgUnit{Kind: v})
			return g.GetType(), g.GetRemoteType()
		}, map[string]protoreflect.Enum{"department": hrisv1.GroupType_GROUP_TYPE_DEPARTMENT, "team": hrisv1.GroupType_GROUP_TYPE_TEAM,
			"cost_center": hrisv1.GroupType_GROUP_TYPE_COST_CENTER, "division": hrisv1.GroupType_GROUP_TYPE_BUSINESS_UNIT,
			"project": hrisv1.GroupType_GROUP_TYPE_OTHER}},
		{"location.type", func(v string) (protoreflect.Enum, string) {
			l := siteToLocation(Site{Kind: v})
			return l.GetType(), l.GetRemoteType()
		}, map[string]protoreflect.Enum{"office": hrisv1.LocationType_LOCATION_TYPE_WORK, "warehouse": hrisv1.LocationType_LOCATION_TYPE_WORK,
			"store": hrisv1.LocationType_LOCATION_TYPE_WORK, "home_office": hrisv1.LocationType_LOCATION_TYPE_HOME,
			"virtual": hrisv1.LocationType_LOCATION_TYPE_OTHER}},
		{"time_off_request.type", func(v string) (protoreflect.Enum, string) {
			r := leaveToTimeOff(LeaveRequest{LeaveType: v})
			return r.GetType(), r.GetRemoteType()
		}, map[string]protoreflect.Enum{"vacation": hrisv1.TimeOffType_TIME_OFF_TYPE_VACATION, "sick": hrisv1.TimeOffType_TIME_OFF_TYPE_SICK,
			"personal": hrisv1.TimeOffType_TIME_OFF_TYPE_PERSONAL, "parental": hrisv1.TimeOffType_TIME_OFF_TYPE_PARENTAL,
			"bereavement": hrisv1.TimeOffType_TIME_OFF_TYPE_BEREAVEMENT, "jury_duty": hrisv1.TimeOffType_TIME_OFF_TYPE_JURY_DUTY,
			"volunteering": hrisv1.TimeOffType_TIME_OFF_TYPE_VOLUNTEER, "unpaid": hrisv1.TimeOffType_TIME_OFF_TYPE_OTHER,
			"training": hrisv1.TimeOffType_TIME_OFF_TYPE_OTHER}},
		{"time_off_request.status", func(v string) (protoreflect.Enum, string) {
			r := leaveToTimeOff(LeaveRequest{Status: v})
			return r.GetStatus(), r.GetRemoteStatus()
		}, map[string]protoreflect.Enum{"pending": hrisv1.TimeOffStatus_TIME_OFF_STATUS_REQUESTED, "approved": hrisv1.TimeOffStatus_TIME_OFF_STATUS_APPROVED,
			"rejected": hrisv1.TimeOffStatus_TIME_OFF_STATUS_DECLINED, "cancelled": hrisv1.TimeOffStatus_TIME_OFF_STATUS_CANCELLED,
			"withdrawn": hrisv1.TimeOffStatus_TIME_OFF_STATUS_OTHER}},
		{"time_off_balance.type", func(v string) (protoreflect.Enum, string) {
			b := balanceToTimeOffBalance(LeaveBalance{LeaveType: v})
			return b.GetType(), b.GetRemoteType()
		}, map[string]protoreflect.Enum{"vacation": hrisv1.TimeOffType_TIME_OFF_TYPE_VACATION, "training": hrisv1.TimeOffType_TIME_OFF_TYPE_OTHER}},
		{"payroll_run.status", func(v string) (protoreflect.Enum, string) {
			r := payRunToPayrollRun(PayRun{State: v})
			return r.GetStatus(), r.GetRemoteStatus()
		}, map[string]protoreflect.Enum{"draft": hrisv1.PayrollRunStatus_PAYROLL_RUN_STATUS_DRAFT,
			"processing": hrisv1.PayrollRunStatus_PAYROLL_RUN_STATUS_PROCESSING, "paid": hrisv1.PayrollRunStatus_PAYROLL_RUN_STATUS_PAID,
			"failed": hrisv1.PayrollRunStatus_PAYROLL_RUN_STATUS_FAILED, "cancelled": hrisv1.PayrollRunStatus_PAYROLL_RUN_STATUS_CANCELLED,
			"reversed": hrisv1.PayrollRunStatus_PAYROLL_RUN_STATUS_OTHER}},
		{"payroll_run.run_type", func(v string) (protoreflect.Enum, string) {
			r := payRunToPayrollRun(PayRun{Kind: v})
			return r.GetRunType(), r.GetRemoteRunType()
		}, map[string]protoreflect.Enum{"regular": hrisv1.PayrollRunType_PAYROLL_RUN_TYPE_REGULAR,
			"off_cycle": hrisv1.PayrollRunType_PAYROLL_RUN_TYPE_OFF_CYCLE, "bonus": hrisv1.PayrollRunType_PAYROLL_RUN_TYPE_BONUS,
			"correction": hrisv1.PayrollRunType_PAYROLL_RUN_TYPE_CORRECTION, "termination": hrisv1.PayrollRunType_PAYROLL_RUN_TYPE_TERMINATION,
			"advance": hrisv1.PayrollRunType_PAYROLL_RUN_TYPE_OTHER}},
		{"deduction.type", func(v string) (protoreflect.Enum, string) {
			d := deductionToDeduction(Deduction{TaxTreatment: v})
			return d.GetType(), d.GetRemoteType()
		}, map[string]protoreflect.Enum{"pre_tax": hrisv1.DeductionType_DEDUCTION_TYPE_PRE_TAX, "section_125": hrisv1.DeductionType_DEDUCTION_TYPE_PRE_TAX,
			"post_tax": hrisv1.DeductionType_DEDUCTION_TYPE_POST_TAX, "mixed": hrisv1.DeductionType_DEDUCTION_TYPE_OTHER}},
		{"pay_stub.deductions.type", func(v string) (protoreflect.Enum, string) {
			l := payslipToPayStub(Payslip{Deductions: []PayslipDeduction{{TaxTreatment: v}}}).GetDeductions()[0]
			return l.GetType(), l.GetRemoteType()
		}, map[string]protoreflect.Enum{"section_125": hrisv1.DeductionType_DEDUCTION_TYPE_PRE_TAX, "mixed": hrisv1.DeductionType_DEDUCTION_TYPE_OTHER}},
	}
	for _, tc := range cases {
		for v, want := range tc.want {
			got, remote := tc.read(v)
			if got.Number() != want.Number() || remote != v {
				t.Errorf("%s %q: got %v (remote %q), want %v (remote %q)", tc.field, v, got, remote, want, v)
			}
		}
	}
	// The deduction frequency has no OTHER and no remote value.
	for v, want := range map[string]hrisv1.DeductionFrequency{"one_time": hrisv1.DeductionFrequency_DEDUCTION_FREQUENCY_ONE_TIME,
		"recurring": hrisv1.DeductionFrequency_DEDUCTION_FREQUENCY_RECURRING, "weekly": hrisv1.DeductionFrequency_DEDUCTION_FREQUENCY_UNSPECIFIED} {
		if got := deductionToDeduction(Deduction{Recurrence: v}).GetFrequency(); got != want {
			t.Errorf("deduction.frequency %q: %v, want %v", v, got, want)
		}
	}
}

func TestWriteNormalization(t *testing.T) {
	cases := []struct {
		name      string
		body      func() (map[string]any, error)
		want      string // JSON of the body
		violation string // or the field refused
	}{
		{
			name: "employee: names into legal_name, emails object, raw phone, home address, enums, references, termination",
			body: func() (map[string]any, error) {
				return employeeFields.Body(&hrisv1.Employee{
					EmployeeNumber: "0100", FirstName: "Grace", LastName: "Hopper", PreferredName: "Amazing Grace", DisplayName: "Amazing Grace Hopper",
					WorkEmail: "grace@sandbox-hr.example",
					Phones:    []*commonv1.Phone{{Number: "+12125550100", RawNumber: "+1 212 555 0100", Type: commonv1.PhoneType_PHONE_TYPE_MOBILE}},
					HomeAddress: &commonv1.Address{Street_1: "1 Main Street", City: "New York", Region: "NY", PostalCode: "10001", CountryCode: "US",
						Type: commonv1.AddressType_ADDRESS_TYPE_WORK},
					DateOfBirth: "1906-12-09", Gender: hrisv1.Gender_GENDER_FEMALE, ManagerId: "E1001", CompanyId: "LE-1",
					GroupIds: []string{"ou_01"}, WorkLocationId: "1", EmploymentStatus: hrisv1.EmploymentStatus_EMPLOYMENT_STATUS_PENDING,
					EmploymentType: hrisv1.EmploymentType_EMPLOYMENT_TYPE_TEMPORARY, JobTitle: "Rear Admiral", StartDate: "2031-01-06",
					TerminationDate: "2031-12-31", TerminationReason: "Fixed term ends", CustomFields: mustStruct(map[string]any{"shirt_size": "S"}),
				}, nil, "employee", Slug)
			},
			want: `{"worker_number":"0100","legal_name":{"first":"Grace","last":"Hopper"},"preferred_name":"Amazing Grace",
				"emails":{"work":"grace@sandbox-hr.example"},"phones":[{"number":"+1 212 555 0100","label":"mobile"}],
				"home_address":{"line1":"1 Main Street","city":"New York","state":"NY","zip":"10001","country":"US","kind":"home"},
				"birth_date":"1906-12-09","gender":"f","manager_id":"E1001","legal_entity_id":"LE-1","org_unit_ids":["ou_01"],"site_id":1,
				"status":"onboarding","contract":"fixed_term","title":"Rear Admiral","hire_date":"2031-01-06",
				"termination":{"date":"2031-12-31","reason":"Fixed term ends"},"custom":{"shirt_size":"S"}}`,
		},
		{
			name: "employee update: clearing references sends null and [], a display name read back sends nothing",
			body: func() (map[string]any, error) {
				return employeeFields.Body(&hrisv1.Employee{Id: "E1001", FirstName: "Ada", LastName: "Lovelace", DisplayName: "Ada Lovelace"},
					[]string{"display_name", "group_ids", "manager_id", "personal_email", "work_location_id"}, "employee", Slug)
			},
			want: `{"manager_id":null,"site_id":null,"org_unit_ids":[],"emails":{"personal":""}}`,
		},
		{
			name: "employee: OTHER and unset enums send their remote values",
			body: func() (map[string]any, error) {
				return employeeFields.Body(&hrisv1.Employee{EmploymentType: hrisv1.EmploymentType_EMPLOYMENT_TYPE_OTHER, RemoteEmploymentType: "working_student",
					RemoteGender: "self_described"}, []string{"employment_type", "gender", "remote_employment_type", "remote_gender"}, "employee", Slug)
			},
			want: `{"contract":"working_student","gender":"self_described"}`,
		},
		{
			name: "employee: an unset gender without a remote value clears it; INACTIVE is leave",
			body: func() (map[string]any, error) {
				return employeeFields.Body(&hrisv1.Employee{EmploymentStatus: hrisv1.EmploymentStatus_EMPLOYMENT_STATUS_INACTIVE},
					[]string{"employment_status", "gender"}, "employee", Slug)
			},
			want: `{"gender":"","status":"leave"}`,
		},
		{
			name: "time off: whole UTC days are sent in days, the exclusive end as the last day",
			body: func() (map[string]any, error) {
				return timeOffFields.Body(&hrisv1.TimeOffRequest{EmployeeId: "E1042", Type: hrisv1.TimeOffType_TIME_OFF_TYPE_VOLUNTEER,
					StartTime: tsp("2031-06-02T00:00:00Z"), EndTime: tsp("2031-06-07T00:00:00Z"), ApproverId: "E1002", Note: "Food bank"}, nil, "time_off_request", Slug)
			},
			want: `{"worker_id":"E1042","leave_type":"volunteering","unit":"days","from":"2031-06-02","to":"2031-06-06","approver_id":"E1002","note":"Food bank"}`,
		},
		{
			name: "time off in days with an inclusive end: its day is the last one",
			body: func() (map[string]any, error) {
				return timeOffFields.Body(&hrisv1.TimeOffRequest{Units: hrisv1.TimeOffUnits_TIME_OFF_UNITS_DAYS,
					StartTime: tsp("2031-06-02T00:00:00Z"), EndTime: tsp("2031-06-03T23:59:59Z")}, nil, "time_off_request", Slug)
			},
			want: `{"unit":"days","from":"2031-06-02","to":"2031-06-03"}`,
		},
		{
			name: "time off in hours: instants in UTC, decimal amount, status",
			body: func() (map[string]any, error) {
				return timeOffFields.Body(&hrisv1.TimeOffRequest{Units: hrisv1.TimeOffUnits_TIME_OFF_UNITS_HOURS, Status: hrisv1.TimeOffStatus_TIME_OFF_STATUS_REQUESTED,
					StartTime: timestamppb.New(ts("2031-06-02T15:00:00+02:00")), EndTime: tsp("2031-06-02T16:30:00Z"), Amount: "3.5"}, nil, "time_off_request", Slug)
			},
			want: `{"unit":"hours","from":"2031-06-02T13:00:00Z","to":"2031-06-02T16:30:00Z","quantity":"3.5","status":"pending"}`,
		},
		{
			name: "time off without units but with a time of day is sent in hours; OTHER sends its remote type",
			body: func() (map[string]any, error) {
				return timeOffFields.Body(&hrisv1.TimeOffRequest{Type: hrisv1.TimeOffType_TIME_OFF_TYPE_OTHER, RemoteType: "training",
					StartTime: tsp("2031-06-02T09:00:00Z"), EndTime: tsp("2031-06-02T12:00:00Z")}, nil, "time_off_request", Slug)
			},
			want: `{"leave_type":"training","unit":"hours","from":"2031-06-02T09:00:00Z","to":"2031-06-02T12:00:00Z"}`,
		},
		{
			name: "deduction with a percent: basis points, and no amount",
			body: func() (map[string]any, error) {
				return deductionFields.Body(&hrisv1.Deduction{EmployeeId: "E1005", BenefitId: "401K", Name: "401(k)",
					Type: hrisv1.DeductionType_DEDUCTION_TYPE_PRE_TAX, Frequency: hrisv1.DeductionFrequency_DEDUCTION_FREQUENCY_RECURRING,
					Percent: "2.50", EffectiveDate: "2025-03-01"}, nil, "deduction", Slug)
			},
			want: `{"worker_id":"E1005","code":"401K","name":"401(k)","tax_treatment":"pre_tax","recurrence":"recurring",
				"amount":null,"percentage_bps":250,"starts_on":"2025-03-01"}`,
		},
		{
			name: "deduction with an amount without currency (Sandbox HR fills it in); OTHER sends the remote treatment",
			body: func() (map[string]any, error) {
				return deductionFields.Body(&hrisv1.Deduction{Amount: &commonv1.Money{Units: "45.5"}, Frequency: hrisv1.DeductionFrequency_DEDUCTION_FREQUENCY_ONE_TIME,
					Type: hrisv1.DeductionType_DEDUCTION_TYPE_OTHER, RemoteType: "mixed"}, nil, "deduction", Slug)
			},
			want: `{"amount":{"amount":"45.5","currency":""},"percentage_bps":null,"recurrence":"one_time","tax_treatment":"mixed"}`,
		},
		{
			name: "deduction: ending it, or switching from an amount to a percent",
			body: func() (map[string]any, error) {
				return deductionFields.Body(&hrisv1.Deduction{Id: "ded_00002", Percent: "5", EndDate: "2025-06-30"},
					[]string{"amount", "end_date", "percent"}, "deduction", Slug)
			},
			want: `{"amount":null,"percentage_bps":500,"ends_on":"2025-06-30"}`,
		},
		{name: "a display name Sandbox HR would not show", violation: "employee.display_name", body: func() (map[string]any, error) {
			return employeeFields.Body(&hrisv1.Employee{FirstName: "Grace", LastName: "Hopper", DisplayName: "Admiral Hopper"}, nil, "employee", Slug)
		}},
		{name: "manager id that is not a Sandbox HR id", violation: "employee.manager_id", body: func() (map[string]any, error) {
			return employeeFields.Body(&hrisv1.Employee{ManagerId: "1042"}, nil, "employee", Slug)
		}},
		{name: "group id that is not a Sandbox HR id", violation: "employee.group_ids[1]", body: func() (map[string]any, error) {
			return employeeFields.Body(&hrisv1.Employee{GroupIds: []string{"ou_01", "engineering"}}, nil, "employee", Slug)
		}},
		{name: "location id that is not a number", violation: "employee.work_location_id", body: func() (map[string]any, error) {
			return employeeFields.Body(&hrisv1.Employee{WorkLocationId: "berlin"}, nil, "employee", Slug)
		}},
		{name: "company id that is not a Sandbox HR id", violation: "employee.company_id", body: func() (map[string]any, error) {
			return employeeFields.Body(&hrisv1.Employee{CompanyId: "1"}, nil, "employee", Slug)
		}},
		{name: "employment status OTHER without a remote value", violation: "employee.employment_status", body: func() (map[string]any, error) {
			return employeeFields.Body(&hrisv1.Employee{EmploymentStatus: hrisv1.EmploymentStatus_EMPLOYMENT_STATUS_OTHER}, []string{"employment_status"}, "employee", Slug)
		}},
		{name: "gender OTHER without a remote value", violation: "employee.gender", body: func() (map[string]any, error) {
			return employeeFields.Body(&hrisv1.Employee{Gender: hrisv1.Gender_GENDER_OTHER}, nil, "employee", Slug)
		}},
		{name: "time off type OTHER without a remote value", violation: "time_off_request.type", body: func() (map[string]any, error) {
			return timeOffFields.Body(&hrisv1.TimeOffRequest{Type: hrisv1.TimeOffType_TIME_OFF_TYPE_OTHER}, nil, "time_off_request", Slug)
		}},
		{name: "time off for an employee id that is not a Sandbox HR id", violation: "time_off_request.employee_id", body: func() (map[string]any, error) {
			return timeOffFields.Body(&hrisv1.TimeOffRequest{EmployeeId: "42"}, nil, "time_off_request", Slug)
		}},
		{name: "deduction with both an amount and a percent", violation: "deduction.percent", body: func() (map[string]any, error) {
			return deductionFields.Body(&hrisv1.Deduction{Amount: usd("10.00"), Percent: "5"}, nil, "deduction", Slug)
		}},
		{name: "percent Sandbox HR cannot store exactly", violation: "deduction.percent", body: func() (map[string]any, error) {
			return deductionFields.Body(&hrisv1.Deduction{Percent: "2.125"}, nil, "deduction", Slug)
		}},
		{name: "percent above 100", violation: "deduction.percent", body: func() (map[string]any, error) {
			return deductionFields.Body(&hrisv1.Deduction{Percent: "150"}, nil, "deduction", Slug)
		}},
		{name: "deduction type OTHER without a remote value", violation: "deduction.type", body: func() (map[string]any, error) {
			return deductionFields.Body(&hrisv1.Deduction{Type: hrisv1.DeductionType_DEDUCTION_TYPE_OTHER}, nil, "deduction", Slug)
		}},
		{name: "a field the connector does not write", violation: "deduction.active", body: func() (map[string]any, error) {
			return deductionFields.Body(&hrisv1.Deduction{Active: true}, []string{"active"}, "deduction", Slug)
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			body, err := tc.body()
			if tc.violation != "" {
				wantViolation(t, err, tc.violation)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got, _ := json.Marshal(body)
			var g, w any
			_ = json.Unmarshal(got, &g)
			if err := json.Unmarshal([]byte(tc.want), &w); err != nil {
				t.Fatalf("bad want: %v", err)
			}
			if diff := cmp.Diff(w, g); diff != "" {
				t.Errorf("body mismatch (-want +got):\n%s\ngot %s", diff, got)
			}
		})
	}
}

func TestCapabilities(t *testing.T) {
	letters := map[platformv1.Operation]string{platformv1.Operation_OPERATION_LIST: "L", platformv1.Operation_OPERATION_GET: "G",
		platformv1.Operation_OPERATION_CREATE: "C", platformv1.Operation_OPERATION_UPDATE: "U", platformv1.Operation_OPERATION_DELETE: "D"}
	got := map[string]string{}
	for _, os := range connector.Capabilities(platformv1.Category_CATEGORY_HRIS, Connector()) {
		for _, op := range os.GetOperations() {
			got[os.GetObject()] += letters[op]
		}
	}
	want := map[string]string{"employee": "LGCU", "employment": "LG", "group": "LG", "location": "LG", "company": "LG",
		"time_off_request": "LGC", "time_off_balance": "L", "payroll_run": "LG", "pay_stub": "LG", "deduction": "LGCUD"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("capabilities (-want +got):\n%s", diff)
	}
}

func TestRoundTrips(t *testing.T) {
	emu, c := start(t)
	conn := Connector()

	t.Run("employee", func(t *testing.T) {
		connectortest.RoundTrip[*hrisv1.Employee]{
			Seeded: emu.Workers.Len(),
			Create: &hrisv1.Employee{
				FirstName: "Evelyn", LastName: "Berezin", WorkEmail: "evelyn.berezin@sandbox-hr.example", StartDate: "2024-06-03",
				CompanyId: "LE-2", GroupIds: []string{"ou_01", "ou_02"}, WorkLocationId: "3", ManagerId: "E1002",
				Phones:       []*commonv1.Phone{{RawNumber: "+49 30 5550 1234", Type: commonv1.PhoneType_PHONE_TYPE_MOBILE}},
				Gender:       hrisv1.Gender_GENDER_FEMALE,
				CustomFields: mustStruct(map[string]any{"shirt_size": "M"}),
			},
			Mask: []string{"job_title", "termination_date", "termination_reason"},
			Change: func(e *hrisv1.Employee) {
				e.JobTitle, e.TerminationDate, e.TerminationReason = "Staff Engineer", "2099-06-30", "Retires"
				e.FirstName = "ignored because it is not in the mask"
			},
			Check: func(t *testing.T, got *hrisv1.Employee) {
				if got.GetJobTitle() != "Staff Engineer" || got.GetTerminationDate() != "2099-06-30" || got.GetFirstName() != "Evelyn" {
					t.Errorf("after update: %v", got)
				}
				// A termination date ahead makes the worker offboarding: still ACTIVE.
				if got.GetEmploymentStatus() != hrisv1.EmploymentStatus_EMPLOYMENT_STATUS_ACTIVE || got.GetRemoteEmploymentStatus() != "offboarding" {
					t.Errorf("status after giving notice: %v / %s", got.GetEmploymentStatus(), got.GetRemoteEmploymentStatus())
				}
				if got.GetDisplayName() != "Evelyn Berezin" || got.GetPhones()[0].GetNumber() != "+493055501234" || len(got.GetGroupIds()) != 2 {
					t.Errorf("fields lost: %v", got)
				}
			},
		}.Run(t, c, conn.Employees)
	})
	t.Run("time off request", func(t *testing.T) {
		worker := activeWorkerWithManager(t, emu)
		created := connectortest.RoundTrip[*hrisv1.TimeOffRequest]{
			Seeded:  countLeave(emu, worker.ID),
			Filters: map[string]string{"employee_id": worker.ID},
			Create: &hrisv1.TimeOffRequest{EmployeeId: worker.ID, Type: hrisv1.TimeOffType_TIME_OFF_TYPE_VACATION,
				StartTime: tsp("2031-06-02T00:00:00Z"), EndTime: tsp("2031-06-07T00:00:00Z"), Note: "Road trip"},
		}.Run(t, c, conn.TimeOffRequests)
		if created.GetAmount() != "5" || created.GetUnits() != hrisv1.TimeOffUnits_TIME_OFF_UNITS_DAYS ||
			created.GetStatus() != hrisv1.TimeOffStatus_TIME_OFF_STATUS_REQUESTED || !created.GetEndTime().AsTime().Equal(ts("2031-06-07T00:00:00Z")) {
			t.Errorf("created: %v", created)
		}
	})
	t.Run("deduction", func(t *testing.T) {
		worker := "E1001"
		connectortest.RoundTrip[*hrisv1.Deduction]{
			Seeded:  countDeductions(emu, worker),
			Filters: map[string]string{"employee_id": worker},
			Create: &hrisv1.Deduction{EmployeeId: worker, BenefitId: "GYM", Name: "Gym membership", Type: hrisv1.DeductionType_DEDUCTION_TYPE_POST_TAX,
				Frequency: hrisv1.DeductionFrequency_DEDUCTION_FREQUENCY_RECURRING, Amount: &commonv1.Money{Units: "45.50"}},
			Mask: []string{"end_date", "amount"},
			Change: func(d *hrisv1.Deduction) {
				if !d.GetActive() || d.GetAmount().GetCurrencyCode() != "USD" || d.GetEffectiveDate() == "" {
					t.Errorf("created: %v", d)
				}
				d.EndDate, d.Amount = d.GetEffectiveDate(), usd("49.90")
				d.Name = "ignored because it is not in the mask"
			},
			Check: func(t *testing.T, got *hrisv1.Deduction) {
				if got.GetEndDate() != got.GetEffectiveDate() || got.GetAmount().GetUnits() != "49.90" || got.GetName() != "Gym membership" {
					t.Errorf("after update: %v", got)
				}
			},
		}.Run(t, c, conn.Deductions)
	})
}

func activeWorkerWithManager(t *testing.T, emu *Emulator) Worker {
	t.Helper()
	for _, w := range emu.Workers.All() {
		if w.Status == "active" && w.ManagerID != nil && countLeave(emu, w.ID) > 0 {
			return w
		}
	}
	t.Fatal("no active worker with a manager and leave")
	return Worker{}
}

func countLeave(emu *Emulator, worker string) int {
	n := 0
	for _, l := range emu.LeaveRequests.All() {
		if l.WorkerID == worker {
			n++
		}
	}
	return n
}

func countDeductions(emu *Emulator, worker string) int {
	n := 0
	for _, d := range emu.Deductions.All() {
		if d.WorkerID == worker {
			n++
		}
	}
	return n
}

// readOnly checks an object that can only be read: it lists every record
// over several pages (of 7, or fewer for small lists), gets one as listed,
// and answers NOT_FOUND for an unknown id.
func readOnly[T connector.Record](t *testing.T, c *connector.Conn, o connector.Object[T], want int, unknown string) {
	t.Helper()
	if o.Create != nil || o.Update != nil || o.Delete != nil {
		t.Fatal("a read-only object has write operations")
	}
	size := min(7, max(1, want/2))
	all := connectortest.ListAll(t, c, o, size, time.Time{}, nil)
	if len(all) != want || len(connectortest.IDs(all)) != want || want < 2 {
		t.Fatalf("listed %d records (%d ids), want %d", len(all), len(connectortest.IDs(all)), want)
	}
	if o.Get == nil {
		return
	}
	ctx := context.Background()
	one := all[len(all)/2]
	got, err := o.Get(ctx, c, one.GetId(), connector.GetParams{})
	if err != nil || !proto.Equal(got, one) {
		t.Fatalf("get %s: %v\n%v\nwant %v", one.GetId(), err, got, one)
	}
	if _, err := o.Get(ctx, c, unknown, connector.GetParams{}); status.Code(err) != codes.NotFound || apierr.Reason(err) != apierr.ReasonRecordNotFound {
		t.Fatalf("get %s: %v, want NOT_FOUND", unknown, err)
	}
}

func TestReadOnlyObjects(t *testing.T) {
	emu, c := start(t)
	conn := Connector()
	t.Run("employment", func(t *testing.T) { readOnly(t, c, conn.Employments, emu.Compensations.Len(), "59999") })
	t.Run("group", func(t *testing.T) { readOnly(t, c, conn.Groups, emu.OrgUnits.Len(), "ou_99") })
	t.Run("location", func(t *testing.T) { readOnly(t, c, conn.Locations, emu.Sites.Len(), "99") })
	t.Run("company", func(t *testing.T) { readOnly(t, c, conn.Companies, emu.LegalEntities.Len(), "LE-9") })
	t.Run("time off balance", func(t *testing.T) { readOnly(t, c, conn.TimeOffBalances, emu.LeaveBalances.Len(), "") })
	t.Run("payroll run", func(t *testing.T) { readOnly(t, c, conn.PayrollRuns, emu.PayRuns.Len(), "run_99") })
	t.Run("pay stub", func(t *testing.T) { readOnly(t, c, conn.PayStubs, emu.Payslips.Len(), "899999") })
	t.Run("unknown employee, request and deduction", func(t *testing.T) {
		ctx := context.Background()
		for name, err := range map[string]error{
			"employee":  second(conn.Employees.Get(ctx, c, "E9999", connector.GetParams{})),
			"time off":  second(conn.TimeOffRequests.Get(ctx, c, "99999", connector.GetParams{})),
			"deduction": second(conn.Deductions.Get(ctx, c, "ded_99999", connector.GetParams{})),
		} {
			if status.Code(err) != codes.NotFound {
				t.Errorf("%s: %v, want NOT_FOUND", name, err)
			}
		}
	})
}

func second[T any](_ T, err error) error { return err }

func TestFilteredLists(t *testing.T) {
	emu, c := start(t)
	conn := Connector()
	// A worker with deductions, and the pay run of their first payslip.
	var worker, run, stub string
	for _, p := range emu.Payslips.All() {
		if len(p.Deductions) > 0 {
			worker, run, stub = p.WorkerID, p.PayRunID, strconv.FormatInt(p.ID, 10)
			break
		}
	}
	byWorker := map[string]string{"employee_id": worker}

	check := func(t *testing.T, name string, n, want int, match bool) {
		t.Helper()
		if n != want || n == 0 || !match {
			t.Errorf("%s: %d records (want %d), all matching: %v", name, n, want, match)
		}
	}
	emps := connectortest.ListAll(t, c, conn.Employments, 3, time.Time{}, byWorker)
	check(t, "employments", len(emps), count(emu.Compensations.All(), func(x Compensation) bool { return x.WorkerID == worker }),
		all(emps, func(e *hrisv1.Employment) bool { return e.GetEmployeeId() == worker }))
	bals := connectortest.ListAll(t, c, conn.TimeOffBalances, 1, time.Time{}, byWorker)
	check(t, "balances", len(bals), count(emu.LeaveBalances.All(), func(x LeaveBalance) bool { return x.WorkerID == worker }),
		all(bals, func(b *hrisv1.TimeOffBalance) bool { return b.GetEmployeeId() == worker }))
	deds := connectortest.ListAll(t, c, conn.Deductions, 1, time.Time{}, byWorker)
	check(t, "deductions", len(deds), countDeductions(emu, worker), all(deds, func(d *hrisv1.Deduction) bool { return d.GetEmployeeId() == worker }))
	leaver := activeWorkerWithManager(t, emu)
	reqs := connectortest.ListAll(t, c, conn.TimeOffRequests, 1, time.Time{}, map[string]string{"employee_id": leaver.ID})
	check(t, "time off", len(reqs), countLeave(emu, leaver.ID), all(reqs, func(r *hrisv1.TimeOffRequest) bool { return r.GetEmployeeId() == leaver.ID }))

	inRun := connectortest.ListAll(t, c, conn.PayStubs, 9, time.Time{}, map[string]string{"payroll_run_id": run})
	check(t, "pay stubs of a run", len(inRun), count(emu.Payslips.All(), func(p Payslip) bool { return p.PayRunID == run }),
		all(inRun, func(p *hrisv1.PayStub) bool { return p.GetPayrollRunId() == run }))
	ofWorker := connectortest.ListAll(t, c, conn.PayStubs, 2, time.Time{}, byWorker)
	check(t, "pay stubs of an employee", len(ofWorker), count(emu.Payslips.All(), func(p Payslip) bool { return p.WorkerID == worker }),
		all(ofWorker, func(p *hrisv1.PayStub) bool { return p.GetEmployeeId() == worker }))
	both := connectortest.ListAll(t, c, conn.PayStubs, 5, time.Time{}, map[string]string{"payroll_run_id": run, "employee_id": worker})
	if len(both) != 1 || both[0].GetId() != stub {
		t.Errorf("pay stubs of an employee in a run: %v", both)
	}

	ctx := context.Background()
	_, err := conn.PayStubs.List(ctx, c, connector.ListParams{PageSize: 5, Filters: map[string]string{"company_id": "LE-1"}})
	if wantViolation(t, err, "company_id"); apierr.Reason(err) != apierr.ReasonOperationNotSupported {
		t.Errorf("unknown filter: %v", err)
	}
	var out map[string]any
	err = c.HTTP.JSON(ctx, http.MethodGet, "/v1/payslips", url.Values{"run": {run}}, nil, &out)
	if status.Code(err) != codes.InvalidArgument || !strings.Contains(err.Error(), "unknown filter run") {
		t.Errorf("Sandbox HR with an unknown filter: %v", err)
	}
}

func count[T any](xs []T, f func(T) bool) int {
	n := 0
	for _, x := range xs {
		if f(x) {
			n++
		}
	}
	return n
}

func all[T any](xs []T, f func(T) bool) bool {
	for _, x := range xs {
		if !f(x) {
			return false
		}
	}
	return true
}

func cents(t *testing.T, m *commonv1.Money) int64 {
	t.Helper()
	n, err := parseCents(m.GetUnits())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestPayStubsReconcile reads payroll as a client would: every pay stub
// adds up, its deduction lines name existing deductions of its employee
// with their amounts, and a one-time deduction is taken exactly once.
func TestPayStubsReconcile(t *testing.T) {
	_, c := start(t)
	conn := Connector()
	deductions := map[string]*hrisv1.Deduction{}
	for _, d := range connectortest.ListAll(t, c, conn.Deductions, 100, time.Time{}, nil) {
		deductions[d.GetId()] = d
	}
	paid := map[string]bool{}
	for _, r := range connectortest.ListAll(t, c, conn.PayrollRuns, 100, time.Time{}, nil) {
		paid[r.GetId()] = r.GetStatus() == hrisv1.PayrollRunStatus_PAYROLL_RUN_STATUS_PAID
	}
	taken, lines := map[string]int{}, 0
	for _, s := range connectortest.ListAll(t, c, conn.PayStubs, 100, time.Time{}, nil) {
		gross, out := cents(t, s.GetGrossPay()), int64(0)
		for _, l := range s.GetDeductions() {
			out += cents(t, l.GetEmployeeAmount())
			d, ok := deductions[l.GetDeductionId()]
			if !ok || d.GetEmployeeId() != s.GetEmployeeId() || l.GetEmployeeAmount().GetCurrencyCode() != s.GetGrossPay().GetCurrencyCode() {
				t.Fatalf("pay stub %s: line %v does not match deduction %v", s.GetId(), l, d)
			}
			want := d.GetAmount().GetUnits()
			if d.GetPercent() != "" {
				bps, _ := percentToBPS(d.GetPercent())
				want = formatCents(share(gross, bps))
			}
			if l.GetEmployeeAmount().GetUnits() != want {
				t.Errorf("pay stub %s takes %s of deduction %s, want %s", s.GetId(), l.GetEmployeeAmount().GetUnits(), d.GetId(), want)
			}
			if d.GetFrequency() == hrisv1.DeductionFrequency_DEDUCTION_FREQUENCY_ONE_TIME {
				taken[d.GetId()]++
			}
			lines++
		}
		for _, tax := range s.GetTaxes() {
			if !tax.GetEmployer() {
				out += cents(t, tax.GetAmount())
			}
		}
		if net := cents(t, s.GetNetPay()); net != gross-out || net <= 0 {
			t.Errorf("pay stub %s: gross %d - deductions and taxes %d != net %d", s.GetId(), gross, out, net)
		}
	}
	if lines < 50 || len(taken) < 2 {
		t.Fatalf("only %d deduction lines, %d one-time deductions taken", lines, len(taken))
	}
	for id, n := range taken {
		if n != 1 {
			t.Errorf("one-time deduction %s taken %d times", id, n)
		}
	}
}

// TestMinimalCreates creates an employee and deductions with only what a
// client must give.
func TestMinimalCreates(t *testing.T) {
	_, c := startAt(t, "2026-03-02T10:00:00Z")
	ctx := context.Background()
	conn := Connector()
	e, err := conn.Employees.Create(ctx, c, &hrisv1.Employee{FirstName: "Evelyn", LastName: "Berezin",
		WorkEmail: "evelyn.berezin@sandbox-hr.example", StartDate: "2026-03-16"})
	if err != nil {
		t.Fatal(err)
	}
	if e.GetCompanyId() != "LE-1" || e.GetEmployeeNumber() != "0081" || e.GetDisplayName() != "Evelyn Berezin" ||
		e.GetEmploymentType() != hrisv1.EmploymentType_EMPLOYMENT_TYPE_FULL_TIME ||
		e.GetEmploymentStatus() != hrisv1.EmploymentStatus_EMPLOYMENT_STATUS_PENDING {
		t.Errorf("new hire starting in two weeks: %v", e)
	}
	e, err = conn.Employees.Create(ctx, c, &hrisv1.Employee{FirstName: "Mary", LastName: "Kenneth Keller",
		WorkEmail: "mary.keller@sandbox-hr.example", StartDate: "2026-02-02"})
	if err != nil || e.GetEmploymentStatus() != hrisv1.EmploymentStatus_EMPLOYMENT_STATUS_ACTIVE || e.GetEmployeeNumber() != "0082" {
		t.Errorf("hire who started last month: %v, %v", e, err)
	}

	d, err := conn.Deductions.Create(ctx, c, &hrisv1.Deduction{EmployeeId: "E1001", Name: "Wage advance",
		Type: hrisv1.DeductionType_DEDUCTION_TYPE_POST_TAX, Frequency: hrisv1.DeductionFrequency_DEDUCTION_FREQUENCY_ONE_TIME,
		Amount: &commonv1.Money{Units: "200"}})
	if err != nil {
		t.Fatal(err)
	}
	if d.GetAmount().GetCurrencyCode() != "USD" || d.GetAmount().GetUnits() != "200" || d.GetEffectiveDate() != "2026-03-02" || !d.GetActive() {
		t.Errorf("one-time deduction: %v", d)
	}
	d, err = conn.Deductions.Create(ctx, c, &hrisv1.Deduction{EmployeeId: "E1002", Name: "Bike leasing",
		Type: hrisv1.DeductionType_DEDUCTION_TYPE_PRE_TAX, Frequency: hrisv1.DeductionFrequency_DEDUCTION_FREQUENCY_RECURRING, Percent: "1.25"})
	if err != nil || d.GetPercent() != "1.25" || d.GetAmount() != nil {
		t.Errorf("percentage deduction: %v, %v", d, err)
	}
}

// TestOneTimeDeductionIsNotRepeated: Sandbox HR refuses a second one-time
// deduction of the same worker, date, code and name, so a retried create
// cannot take the money twice.
func TestOneTimeDeductionIsNotRepeated(t *testing.T) {
	emu, c := startAt(t, "2026-03-02T10:00:00Z")
	ctx := context.Background()
	conn := Connector()
	advance := func(name, date string) (*hrisv1.Deduction, error) {
		return conn.Deductions.Create(ctx, c, &hrisv1.Deduction{EmployeeId: "E1001", BenefitId: "ADV", Name: name,
			Type: hrisv1.DeductionType_DEDUCTION_TYPE_POST_TAX, Frequency: hrisv1.DeductionFrequency_DEDUCTION_FREQUENCY_ONE_TIME,
			Amount: usd("300.00"), EffectiveDate: date})
	}
	first, err := advance("Wage advance repayment", "2026-04-01")
	if err != nil {
		t.Fatal(err)
	}
	before := emu.Deductions.Len()
	for _, name := range []string{"Wage advance repayment", " wage advance REPAYMENT"} {
		_, err = advance(name, "2026-04-01")
		v := wantViolation(t, err, "deduction.effective_date")
		if v.Reason != apierr.ReasonProviderRejected || !strings.Contains(v.Description, first.GetId()) {
			t.Errorf("repeat %q: %+v", name, v)
		}
	}
	if emu.Deductions.Len() != before {
		t.Fatal("a repeated one-time deduction was stored")
	}
	later, err := advance("Wage advance repayment", "2026-05-01")
	if err != nil {
		t.Fatalf("the next month's repayment: %v", err)
	}
	later.EffectiveDate = "2026-04-01"
	_, err = conn.Deductions.Update(ctx, c, later, []string{"effective_date"})
	wantViolation(t, err, "deduction.effective_date")

	// A seeded one-time deduction is protected too.
	seeded := oneTimeSeeded(t, emu)
	_, err = conn.Deductions.Create(ctx, c, &hrisv1.Deduction{EmployeeId: seeded.WorkerID, BenefitId: seeded.Code, Name: seeded.Name,
		Type: hrisv1.DeductionType_DEDUCTION_TYPE_POST_TAX, Frequency: hrisv1.DeductionFrequency_DEDUCTION_FREQUENCY_ONE_TIME,
		Amount: &commonv1.Money{Units: "1.00"}, EffectiveDate: seeded.StartsOn})
	wantViolation(t, err, "deduction.effective_date")
	// A recurring deduction of the same date and name is no repetition.
	_, err = conn.Deductions.Create(ctx, c, &hrisv1.Deduction{EmployeeId: "E1001", BenefitId: "ADV", Name: "Wage advance repayment",
		Type: hrisv1.DeductionType_DEDUCTION_TYPE_POST_TAX, Frequency: hrisv1.DeductionFrequency_DEDUCTION_FREQUENCY_RECURRING,
		Amount: usd("50.00"), EffectiveDate: "2026-04-01"})
	if err != nil {
		t.Errorf("recurring deduction: %v", err)
	}
}

func oneTimeSeeded(t *testing.T, emu *Emulator) Deduction {
	t.Helper()
	for _, d := range emu.Deductions.All() {
		if d.Recurrence == "one_time" {
			return d
		}
	}
	t.Fatal("no seeded one-time deduction")
	return Deduction{}
}

// TestDeductionLifecycle ends and deletes deductions as payroll clients do.
func TestDeductionLifecycle(t *testing.T) {
	emu, c := startAt(t, "2026-03-02T10:00:00Z")
	ctx := context.Background()
	conn := Connector()
	d, err := conn.Deductions.Get(ctx, c, takenRecurring(t, emu), connector.GetParams{})
	if err != nil || !d.GetActive() || d.GetEndDate() != "" {
		t.Fatalf("seeded deduction: %v, %v", d, err)
	}
	// Sandbox HR answers 409; the status code it maps to is the HTTP
	// client's business, the reason and the advice are what a client acts on.
	err = conn.Deductions.Delete(ctx, c, d.GetId())
	if apierr.Reason(err) != apierr.ReasonProviderRejected || !strings.Contains(err.Error(), "end it with ends_on") {
		t.Fatalf("deleting a deduction payslips took: %v", err)
	}
	if _, err := conn.Deductions.Get(ctx, c, d.GetId(), connector.GetParams{}); err != nil {
		t.Fatalf("the refused delete deleted it: %v", err)
	}
	d.EndDate = "2026-02-28"
	ended, err := conn.Deductions.Update(ctx, c, d, []string{"end_date"})
	if err != nil || ended.GetActive() || ended.GetEndDate() != "2026-02-28" {
		t.Fatalf("ending it: %v, %v", ended, err)
	}

	created, err := conn.Deductions.Create(ctx, c, &hrisv1.Deduction{EmployeeId: "E1001", BenefitId: "401K", Name: "401(k)",
		Type: hrisv1.DeductionType_DEDUCTION_TYPE_PRE_TAX, Frequency: hrisv1.DeductionFrequency_DEDUCTION_FREQUENCY_RECURRING,
		Amount: usd("250.00"), EffectiveDate: "2026-04-01"})
	if err != nil || created.GetActive() {
		t.Fatalf("deduction starting next month: %v, %v", created, err)
	}
	created.Amount, created.Percent = nil, "4.5"
	switched, err := conn.Deductions.Update(ctx, c, created, []string{"amount", "percent"})
	if err != nil || switched.GetAmount() != nil || switched.GetPercent() != "4.5" {
		t.Fatalf("from an amount to a percent: %v, %v", switched, err)
	}
	if err := conn.Deductions.Delete(ctx, c, created.GetId()); err != nil {
		t.Fatalf("deleting a deduction no payslip took: %v", err)
	}
}

// takenRecurring finds a recurring deduction without an end that payslips took.
func takenRecurring(t *testing.T, emu *Emulator) string {
	t.Helper()
	for _, p := range emu.Payslips.All() {
		for _, l := range p.Deductions {
			if d, _, _ := emu.Deductions.Get(*l.DeductionID); d.Recurrence == "recurring" && d.EndsOn == "" {
				return d.ID
			}
		}
	}
	t.Fatal("no recurring deduction taken by a payslip")
	return ""
}

// TestEmployeeLifecycle: Sandbox HR derives the status from the
// termination date.
func TestEmployeeLifecycle(t *testing.T) {
	emu, c := startAt(t, "2026-03-02T10:00:00Z")
	ctx := context.Background()
	conn := Connector()
	var id string
	for _, w := range emu.Workers.All() {
		if w.Status == "active" && w.ID != "E1001" {
			id = w.ID
			break
		}
	}
	steps := []struct {
		date, reason string
		status       hrisv1.EmploymentStatus
		remote       string
	}{
		{"2026-04-30", "Resigned", hrisv1.EmploymentStatus_EMPLOYMENT_STATUS_ACTIVE, "offboarding"},
		{"", "", hrisv1.EmploymentStatus_EMPLOYMENT_STATUS_ACTIVE, "active"},
		{"2026-02-27", "Position eliminated", hrisv1.EmploymentStatus_EMPLOYMENT_STATUS_TERMINATED, "terminated"},
	}
	for _, s := range steps {
		e, err := conn.Employees.Update(ctx, c, &hrisv1.Employee{Id: id, TerminationDate: s.date, TerminationReason: s.reason},
			[]string{"termination_date", "termination_reason"})
		if err != nil || e.GetEmploymentStatus() != s.status || e.GetRemoteEmploymentStatus() != s.remote || e.GetTerminationDate() != s.date {
			t.Fatalf("termination date %q: %v, %v", s.date, e, err)
		}
	}
	_, err := conn.TimeOffRequests.Create(ctx, c, &hrisv1.TimeOffRequest{EmployeeId: id, Type: hrisv1.TimeOffType_TIME_OFF_TYPE_VACATION,
		StartTime: tsp("2026-03-09T00:00:00Z"), EndTime: tsp("2026-03-10T00:00:00Z")})
	wantViolation(t, err, "time_off_request.employee_id")
}

func TestProviderValidationBecomesFieldViolations(t *testing.T) {
	emu, c := startAt(t, "2026-03-02T10:00:00Z")
	ctx := context.Background()
	conn := Connector()
	taken := emu.Workers.All()[5].Emails.Work
	leave := emu.LeaveRequests.All()[0]
	cases := []struct {
		name  string
		call  func() error
		field string
	}{
		{"employee without a start date", func() error {
			return second(conn.Employees.Create(ctx, c, &hrisv1.Employee{FirstName: "A", LastName: "B"}))
		}, "employee.start_date"},
		{"employee without a last name", func() error {
			return second(conn.Employees.Create(ctx, c, &hrisv1.Employee{FirstName: "A", StartDate: "2026-01-05"}))
		}, "employee.last_name"},
		{"unknown manager", func() error {
			return second(conn.Employees.Create(ctx, c, &hrisv1.Employee{FirstName: "A", LastName: "B", StartDate: "2026-01-05", ManagerId: "E9999"}))
		}, "employee.manager_id"},
		{"unknown group", func() error {
			return second(conn.Employees.Create(ctx, c, &hrisv1.Employee{FirstName: "A", LastName: "B", StartDate: "2026-01-05", GroupIds: []string{"ou_01", "ou_99"}}))
		}, "employee.group_ids[1]"},
		{"unknown legal entity", func() error {
			return second(conn.Employees.Update(ctx, c, &hrisv1.Employee{Id: "E1001", CompanyId: "LE-9"}, []string{"company_id"}))
		}, "employee.company_id"},
		{"unknown location", func() error {
			return second(conn.Employees.Update(ctx, c, &hrisv1.Employee{Id: "E1001", WorkLocationId: "99"}, []string{"work_location_id"}))
		}, "employee.work_location_id"},
		{"another worker's work email", func() error {
			return second(conn.Employees.Create(ctx, c, &hrisv1.Employee{FirstName: "A", LastName: "B", StartDate: "2026-01-05", WorkEmail: taken}))
		}, "employee.work_email"},
		{"a home address country that is not a code", func() error {
			return second(conn.Employees.Update(ctx, c, &hrisv1.Employee{Id: "E1001", HomeAddress: &commonv1.Address{CountryCode: "Germany"}}, []string{"home_address"}))
		}, "employee.home_address.country_code"},
		{"changing the employee number", func() error {
			return second(conn.Employees.Update(ctx, c, &hrisv1.Employee{Id: "E1001", EmployeeNumber: "9999"}, []string{"employee_number"}))
		}, "employee.employee_number"},
		{"terminated without a date", func() error {
			return second(conn.Employees.Update(ctx, c, &hrisv1.Employee{Id: "E1001", EmploymentStatus: hrisv1.EmploymentStatus_EMPLOYMENT_STATUS_TERMINATED},
				[]string{"employment_status"}))
		}, "employee.termination_date"},
		{"an employment type Sandbox HR does not have", func() error {
			return second(conn.Employees.Update(ctx, c, &hrisv1.Employee{Id: "E1001", EmploymentType: hrisv1.EmploymentType_EMPLOYMENT_TYPE_OTHER,
				RemoteEmploymentType: "seasonal"}, []string{"employment_type"}))
		}, "employee.employment_type"},
		{"time off ending before it starts", func() error {
			return second(conn.TimeOffRequests.Create(ctx, c, &hrisv1.TimeOffRequest{EmployeeId: "E1001", Type: hrisv1.TimeOffType_TIME_OFF_TYPE_SICK,
				StartTime: tsp("2026-03-10T00:00:00Z"), EndTime: tsp("2026-03-09T00:00:00Z")}))
		}, "time_off_request.end_time"},
		{"time off overlapping another request", func() error {
			start, end := leaveTimes(leave)
			return second(conn.TimeOffRequests.Create(ctx, c, &hrisv1.TimeOffRequest{EmployeeId: leave.WorkerID,
				Type: hrisv1.TimeOffType_TIME_OFF_TYPE_PERSONAL, StartTime: start, EndTime: end}))
		}, "time_off_request.start_time"},
		{"time off approved without an approver", func() error {
			return second(conn.TimeOffRequests.Create(ctx, c, &hrisv1.TimeOffRequest{EmployeeId: "E1002", Type: hrisv1.TimeOffType_TIME_OFF_TYPE_VACATION,
				Status: hrisv1.TimeOffStatus_TIME_OFF_STATUS_APPROVED, StartTime: tsp("2031-03-10T00:00:00Z"), EndTime: tsp("2031-03-11T00:00:00Z")}))
		}, "time_off_request.approver_id"},
		{"time off without an employee", func() error {
			return second(conn.TimeOffRequests.Create(ctx, c, &hrisv1.TimeOffRequest{Type: hrisv1.TimeOffType_TIME_OFF_TYPE_VACATION,
				StartTime: tsp("2031-03-10T00:00:00Z"), EndTime: tsp("2031-03-11T00:00:00Z")}))
		}, "time_off_request.employee_id"},
		{"deduction in another currency than the worker's payroll", func() error {
			return second(conn.Deductions.Create(ctx, c, &hrisv1.Deduction{EmployeeId: "E1001", Name: "x", Type: hrisv1.DeductionType_DEDUCTION_TYPE_POST_TAX,
				Frequency: hrisv1.DeductionFrequency_DEDUCTION_FREQUENCY_RECURRING, Amount: &commonv1.Money{Units: "10", CurrencyCode: "EUR"}}))
		}, "deduction.amount.currency_code"},
		{"deduction amount in fractions of a cent", func() error {
			return second(conn.Deductions.Create(ctx, c, &hrisv1.Deduction{EmployeeId: "E1001", Name: "x", Type: hrisv1.DeductionType_DEDUCTION_TYPE_POST_TAX,
				Frequency: hrisv1.DeductionFrequency_DEDUCTION_FREQUENCY_RECURRING, Amount: usd("10.005")}))
		}, "deduction.amount.units"},
		{"deduction of an unknown pay item", func() error {
			return second(conn.Deductions.Create(ctx, c, &hrisv1.Deduction{EmployeeId: "E1001", BenefitId: "PENSION", Name: "x",
				Type: hrisv1.DeductionType_DEDUCTION_TYPE_PRE_TAX, Frequency: hrisv1.DeductionFrequency_DEDUCTION_FREQUENCY_RECURRING, Amount: usd("10.00")}))
		}, "deduction.benefit_id"},
		{"deduction ending before it starts", func() error {
			return second(conn.Deductions.Create(ctx, c, &hrisv1.Deduction{EmployeeId: "E1001", Name: "x", Type: hrisv1.DeductionType_DEDUCTION_TYPE_PRE_TAX,
				Frequency: hrisv1.DeductionFrequency_DEDUCTION_FREQUENCY_RECURRING, Amount: usd("10.00"), EffectiveDate: "2026-03-01", EndDate: "2026-02-01"}))
		}, "deduction.end_date"},
		{"deduction without frequency", func() error {
			return second(conn.Deductions.Create(ctx, c, &hrisv1.Deduction{EmployeeId: "E1001", Name: "x", Type: hrisv1.DeductionType_DEDUCTION_TYPE_PRE_TAX,
				Amount: usd("10.00")}))
		}, "deduction.frequency"},
		{"deduction without amount or percent", func() error {
			return second(conn.Deductions.Create(ctx, c, &hrisv1.Deduction{EmployeeId: "E1001", Name: "x", Type: hrisv1.DeductionType_DEDUCTION_TYPE_PRE_TAX,
				Frequency: hrisv1.DeductionFrequency_DEDUCTION_FREQUENCY_RECURRING}))
		}, "deduction.amount"},
		{"deduction of an unknown employee", func() error {
			return second(conn.Deductions.Create(ctx, c, &hrisv1.Deduction{EmployeeId: "E9999", Name: "x", Type: hrisv1.DeductionType_DEDUCTION_TYPE_PRE_TAX,
				Frequency: hrisv1.DeductionFrequency_DEDUCTION_FREQUENCY_RECURRING, Percent: "1"}))
		}, "deduction.employee_id"},
		{"moving a deduction to another employee", func() error {
			return second(conn.Deductions.Update(ctx, c, &hrisv1.Deduction{Id: "ded_00001", EmployeeId: "E1002"}, []string{"employee_id"}))
		}, "deduction.employee_id"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.call()
			if v := wantViolation(t, err, tc.field); v.Reason != apierr.ReasonProviderRejected {
				t.Errorf("reason %s, want %s", v.Reason, apierr.ReasonProviderRejected)
			}
		})
	}
}

func TestIncludeRawAndCustomFields(t *testing.T) {
	_, c := start(t)
	ctx := context.Background()
	conn := Connector()
	got, err := conn.Employees.Get(ctx, c, "E1001", connector.GetParams{IncludeRaw: true})
	if err != nil {
		t.Fatal(err)
	}
	raw := got.GetRaw().AsMap()
	name, _ := raw["legal_name"].(map[string]any)
	if raw["id"] != "E1001" || name["first"] != got.GetFirstName() || raw["custom"] == nil {
		t.Fatalf("raw = %v", raw)
	}
	if _, ok := got.GetCustomFields().AsMap()["shirt_size"]; !ok {
		t.Fatalf("seeded custom field missing: %v", got.GetCustomFields())
	}
	plain, err := conn.Employees.Get(ctx, c, "E1001", connector.GetParams{})
	if err != nil || plain.GetRaw() != nil {
		t.Fatalf("raw without include_raw: %v, %v", plain.GetRaw(), err)
	}
	page, err := conn.PayStubs.List(ctx, c, connector.ListParams{PageSize: 3, IncludeRaw: true})
	if err != nil || len(page.Items) != 3 || page.Items[2].GetRaw().AsMap()["currency"] == nil {
		t.Fatalf("list with raw: %v, %v", page.Items, err)
	}
	company, err := conn.Companies.Get(ctx, c, "LE-2", connector.GetParams{IncludeRaw: true})
	if err != nil || len(company.GetRaw().AsMap()["tax_ids"].([]any)) != 2 {
		t.Fatalf("the tax ids' kinds are in raw: %v, %v", company, err)
	}
}

func TestProviderFaults(t *testing.T) {
	emu, c := start(t)
	ctx := context.Background()
	conn := Connector()
	connectortest.Faults{
		Faults: emu.Faults, Limiter: emu.Limiter,
		Read: func() error {
			_, err := conn.Employees.List(ctx, c, connector.ListParams{PageSize: 5})
			return err
		},
		ReadPath: "/v1/workers",
		Write: func() error {
			_, err := conn.Deductions.Create(ctx, c, &hrisv1.Deduction{EmployeeId: "E1001", Name: "Once", Type: hrisv1.DeductionType_DEDUCTION_TYPE_POST_TAX,
				Frequency: hrisv1.DeductionFrequency_DEDUCTION_FREQUENCY_ONE_TIME, Amount: usd("10.00")})
			return err
		},
		WritePath: "/v1/deductions",
	}.Run(t)
}

func TestBadCredentials(t *testing.T) {
	emu := NewEmulator(Options{APIKey: testKey, Seed: true})
	srv := httptest.NewServer(emu)
	defer srv.Close()
	c := connectortest.Conn(t, Descriptor(srv.URL), "", connectortest.APIKey("wrong-key-123"), nil)
	connectortest.BadCredentials(t, func() error {
		_, err := Connector().Employees.List(context.Background(), c, connector.ListParams{PageSize: 1})
		return err
	}, "wrong-key-123", "invalid API key")
}

// TestSeed checks the demo data: the same on every start, of the promised
// size, and consistent.
func TestSeed(t *testing.T) {
	// At the seed's own present, the seeded statuses are the ones Sandbox HR derives.
	then := func() time.Time { return at(seedToday, 12) }
	a, b := NewEmulator(Options{APIKey: testKey, Seed: true, Now: then}), NewEmulator(Options{APIKey: testKey, Seed: true})
	same := func(name string, x, y any) {
		jx, _ := json.Marshal(x)
		jy, _ := json.Marshal(y)
		if string(jx) != string(jy) {
			t.Errorf("%s differ between two starts", name)
		}
	}
	same("workers", a.Workers.All(), b.Workers.All())
	same("compensations", a.Compensations.All(), b.Compensations.All())
	same("leave requests", a.LeaveRequests.All(), b.LeaveRequests.All())
	same("leave balances", a.LeaveBalances.All(), b.LeaveBalances.All())
	same("deductions", a.Deductions.All(), b.Deductions.All())
	same("payslips", a.Payslips.All(), b.Payslips.All())

	sizes := map[string][2]int{"workers": {a.Workers.Len(), 80}, "org units": {a.OrgUnits.Len(), 6}, "sites": {a.Sites.Len(), 4},
		"legal entities": {a.LegalEntities.Len(), 2}, "leave requests": {a.LeaveRequests.Len(), 60}, "pay runs": {a.PayRuns.Len(), 6}}
	for name, s := range sizes {
		if s[0] != s[1] {
			t.Errorf("%d %s, want %d", s[0], name, s[1])
		}
	}
	if n := a.Deductions.Len(); n < 30 || n > 50 {
		t.Errorf("%d deductions, want about 40", n)
	}
	statuses := map[string]bool{}
	for _, w := range a.Workers.All() {
		statuses[w.Status] = true
		if len(validateSeeded(a, w)) > 0 {
			t.Errorf("seeded worker %s is invalid: %v", w.ID, validateSeeded(a, w))
		}
	}
	if want := []string{"onboarding", "active", "leave", "offboarding", "terminated"}; len(statuses) != len(want) {
		t.Errorf("seeded statuses %v, want all of %v", statuses, want)
	}
	for _, r := range a.PayRuns.All() {
		if n := count(a.Payslips.All(), func(p Payslip) bool { return p.PayRunID == r.ID }); n != r.PayslipCount || n == 0 {
			t.Errorf("run %s: %d payslips, says %d", r.ID, n, r.PayslipCount)
		}
	}
}

// validateSeeded runs Sandbox HR's own validation on a seeded worker (as an
// update), which the seed bypasses.
func validateSeeded(e *Emulator, w Worker) []sandboxapi.FieldError {
	saved := w.Status
	errs := e.validateWorker(&w, false)
	if w.Status != saved && saved != "leave" {
		errs = append(errs, sandboxapi.FieldError{Field: "status", Message: saved + " would become " + w.Status})
	}
	return errs
}
