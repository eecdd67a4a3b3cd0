// Package sandbox is Sandbox HR: an imaginary HR and payroll vendor of
// Unimesh's sandbox line (the sandboxapi dialect), with its emulator — a
// stateful fake seeded with demo data, served by `unimesh dev` and used by
// the tests — and its connector to the unified HRIS API.
//
// Sandbox HR's API (base URL <root>/v1):
//
//	/workers          LGCU  people: id "E1001"; worker_number (assigned when absent, then fixed),
//	                        legal_name {first, last} (required), preferred_name, display_name (computed:
//	                        preferred or first name, and last name), emails {work, personal} (work unique),
//	                        phones[], home_address, birth_date, gender f|m|x|undisclosed|self_described,
//	                        manager_id, legal_entity_id (default: the primary entity), org_unit_ids[],
//	                        site_id, status onboarding|active|leave|offboarding|terminated (default from
//	                        hire_date), contract full_time|part_time|contractor|intern|apprentice|
//	                        fixed_term|working_student (default full_time), title, hire_date (required),
//	                        termination {date, reason}, custom. Workers are never deleted: terminate them.
//	                        status follows termination.date: a worker with a termination date is
//	                        offboarding until that day and terminated after it; clearing the date of an
//	                        offboarding worker makes them active again; terminated needs a date.
//	/compensations    LG    pay records: id 50001; worker_id, title, rate {amount, currency},
//	                        rate_unit hour|day|week|month|year|shift, pay_schedule weekly|biweekly|
//	                        semimonthly|monthly|four_weekly|off_payroll, contract, flsa exempt|non_exempt|
//	                        not_applicable, effective_from. Filter: worker_id.
//	/org-units        LG    id "ou_01"; name, kind department|team|cost_center|division|project, code, parent_id
//	/sites            LG    id 1; name, kind office|warehouse|store|home_office|virtual, address, timezone
//	/legal-entities   LG    id "LE-1"; legal_name, trading_name, country, currency, tax_ids [{type, value}],
//	                        primary, pay_schedule
//	/leave-requests   LGC   id 90001; worker_id, leave_type vacation|sick|personal|parental|bereavement|
//	                        jury_duty|volunteering|unpaid|training, status pending|approved|rejected|
//	                        cancelled (a new request is pending, or approved with an approver_id),
//	                        unit days|hours (default days), from and to: dates YYYY-MM-DD (both days
//	                        included) for days, RFC 3339 instants for hours; quantity (decimal; computed
//	                        when absent: working days Monday to Friday, or hours), approver_id, note.
//	                        A request may not overlap the worker's pending or approved ones.
//	                        Filter: worker_id.
//	/leave-balances   LG    id "bal_0001"; worker_id, policy, leave_type, unit, year, entitlement, taken,
//	                        remaining (decimals). Filter: worker_id.
//	/pay-runs         LG    id "run_1"; legal_entity_id, kind regular|off_cycle|bonus|correction|termination,
//	                        state draft|processing|paid|failed|cancelled|reversed, period_start, period_end,
//	                        pay_date, currency, payslip_count
//	/payslips         LG    id 800001; pay_run_id, worker_id, currency, gross, net, hours (decimal strings in
//	                        that currency), earnings [{code, label, amount, hours}], deductions
//	                        [{deduction_id, code, label, tax_treatment, employee_amount, employer_amount}],
//	                        taxes [{label, amount, paid_by employee|employer}]. Filters: pay_run_id, worker_id.
//	/deductions       LGCUD id "ded_00001"; worker_id (required, fixed), code (a pay item of /pay-items),
//	                        name (required), tax_treatment pre_tax|post_tax|section_125|mixed (required),
//	                        recurrence one_time|recurring (required), amount {amount, currency} (currency
//	                        defaults to the worker's payroll currency and must be it) or percentage_bps
//	                        (of gross pay, 1..10000, exclusive with amount), starts_on (default today),
//	                        ends_on, active (computed). Recurring deductions are taken in every regular
//	                        pay run from starts_on to ends_on; a one-time deduction in the first regular
//	                        run paying on or after starts_on, and never again. Filter: worker_id.
//	                        Sandbox HR refuses (422, on starts_on) a one-time deduction identical to one
//	                        the worker already has — same starts_on, code and name — so that a retried
//	                        request cannot take money twice. A deduction a payslip has taken cannot be
//	                        deleted (409): end it with ends_on.
//	/pay-items        L     the catalogue of deduction codes: code, name, tax_treatment, country,
//	                        employer_share_bps (read only, one page).
//
// List filters other than those named are refused with 400. Which unified
// fields map to which of these is the connector's business, in connector.go.
package sandbox

import (
	"strings"
	"time"

	"github.com/unimesh/unimesh/pkg/sandboxapi"
)

// Worker is an employee or contractor.
type Worker struct {
	ID            string              `json:"id"`
	WorkerNumber  string              `json:"worker_number"`
	LegalName     LegalName           `json:"legal_name"`
	PreferredName string              `json:"preferred_name"`
	DisplayName   string              `json:"display_name"`
	Emails        WorkerEmails        `json:"emails"`
	Phones        []sandboxapi.Phone  `json:"phones"`
	HomeAddress   *sandboxapi.Address `json:"home_address"`
	BirthDate     string              `json:"birth_date"`
	Gender        string              `json:"gender"`
	ManagerID     *string             `json:"manager_id"`
	LegalEntityID string              `json:"legal_entity_id"`
	OrgUnitIDs    []string            `json:"org_unit_ids"`
	SiteID        *int64              `json:"site_id"`
	Status        string              `json:"status"`
	Contract      string              `json:"contract"`
	Title         string              `json:"title"`
	HireDate      string              `json:"hire_date"`
	Termination   *Termination        `json:"termination"`
	Custom        map[string]any      `json:"custom"`
	CreatedAt     time.Time           `json:"created_at"`
	UpdatedAt     time.Time           `json:"updated_at"`
}

// displayName is how Sandbox HR shows a worker: the name they go by, and
// their last name.
func displayName(preferred, first, last string) string {
	given := preferred
	if given == "" {
		given = first
	}
	return strings.TrimSpace(strings.TrimSpace(given) + " " + strings.TrimSpace(last))
}

// LegalName is a worker's name as on their papers.
type LegalName struct {
	First string `json:"first"`
	Last  string `json:"last"`
}

// WorkerEmails are a worker's two addresses.
type WorkerEmails struct {
	Work     string `json:"work"`
	Personal string `json:"personal"`
}

// Termination is the end of a worker's employment.
type Termination struct {
	Date   string `json:"date"`
	Reason string `json:"reason"`
}

// Compensation is one period of a worker's job and pay.
type Compensation struct {
	ID            int64            `json:"id"`
	WorkerID      string           `json:"worker_id"`
	Title         string           `json:"title"`
	Rate          sandboxapi.Money `json:"rate"`
	RateUnit      string           `json:"rate_unit"`
	PaySchedule   string           `json:"pay_schedule"`
	Contract      string           `json:"contract"`
	FLSA          string           `json:"flsa"`
	EffectiveFrom string           `json:"effective_from"`
	CreatedAt     time.Time        `json:"created_at"`
	UpdatedAt     time.Time        `json:"updated_at"`
}

// OrgUnit is a department, team, cost center, division or project.
type OrgUnit struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	Kind      string    `json:"kind"`
	Code      string    `json:"code"`
	ParentID  *string   `json:"parent_id"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Site is a place people work at.
type Site struct {
	ID        int64              `json:"id"`
	Name      string             `json:"name"`
	Kind      string             `json:"kind"`
	Address   sandboxapi.Address `json:"address"`
	Timezone  string             `json:"timezone"`
	CreatedAt time.Time          `json:"created_at"`
	UpdatedAt time.Time          `json:"updated_at"`
}

// LegalEntity is a company that employs and pays workers.
type LegalEntity struct {
	ID          string    `json:"id"`
	LegalName   string    `json:"legal_name"`
	TradingName string    `json:"trading_name"`
	Country     string    `json:"country"`
	Currency    string    `json:"currency"`
	TaxIDs      []TaxID   `json:"tax_ids"`
	Primary     bool      `json:"primary"`
	PaySchedule string    `json:"pay_schedule"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// TaxID is one registration of a legal entity: type is ein, vat or steuernummer.
type TaxID struct {
	Type  string `json:"type"`
	Value string `json:"value"`
}

// LeaveRequest is a request for time off.
type LeaveRequest struct {
	ID         int64     `json:"id"`
	WorkerID   string    `json:"worker_id"`
	LeaveType  string    `json:"leave_type"`
	Status     string    `json:"status"`
	Unit       string    `json:"unit"`
	From       string    `json:"from"`
	To         string    `json:"to"`
	Quantity   string    `json:"quantity"`
	ApproverID *string   `json:"approver_id"`
	Note       string    `json:"note"`
	CreatedAt  time.Time `json:"created_at"`
	UpdatedAt  time.Time `json:"updated_at"`
}

// LeaveBalance is what a worker has left of one leave policy in one year.
type LeaveBalance struct {
	ID          string    `json:"id"`
	WorkerID    string    `json:"worker_id"`
	Policy      string    `json:"policy"`
	LeaveType   string    `json:"leave_type"`
	Unit        string    `json:"unit"`
	Year        int       `json:"year"`
	Entitlement string    `json:"entitlement"`
	Taken       string    `json:"taken"`
	Remaining   string    `json:"remaining"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// PayRun is one payroll run of a legal entity.
type PayRun struct {
	ID            string    `json:"id"`
	LegalEntityID string    `json:"legal_entity_id"`
	Kind          string    `json:"kind"`
	State         string    `json:"state"`
	PeriodStart   string    `json:"period_start"`
	PeriodEnd     string    `json:"period_end"`
	PayDate       string    `json:"pay_date"`
	Currency      string    `json:"currency"`
	PayslipCount  int       `json:"payslip_count"`
	CreatedAt     time.Time `json:"created_at"`
	UpdatedAt     time.Time `json:"updated_at"`
}

// Payslip is one worker's pay in one pay run. Amounts are decimal strings
// in the payslip's currency.
type Payslip struct {
	ID         int64              `json:"id"`
	PayRunID   string             `json:"pay_run_id"`
	WorkerID   string             `json:"worker_id"`
	Currency   string             `json:"currency"`
	Gross      string             `json:"gross"`
	Net        string             `json:"net"`
	Hours      string             `json:"hours"`
	Earnings   []PayslipEarning   `json:"earnings"`
	Deductions []PayslipDeduction `json:"deductions"`
	Taxes      []PayslipTax       `json:"taxes"`
	CreatedAt  time.Time          `json:"created_at"`
	UpdatedAt  time.Time          `json:"updated_at"`
}

// PayslipEarning is one earning line: code is salary, hourly, overtime or bonus.
type PayslipEarning struct {
	Code   string `json:"code"`
	Label  string `json:"label"`
	Amount string `json:"amount"`
	Hours  string `json:"hours,omitempty"`
}

// PayslipDeduction is one deduction line, with the deduction it comes from.
type PayslipDeduction struct {
	DeductionID    *string `json:"deduction_id"`
	Code           string  `json:"code"`
	Label          string  `json:"label"`
	TaxTreatment   string  `json:"tax_treatment"`
	EmployeeAmount string  `json:"employee_amount"`
	EmployerAmount string  `json:"employer_amount,omitempty"`
}

// PayslipTax is one tax or social contribution line.
type PayslipTax struct {
	Label  string `json:"label"`
	Amount string `json:"amount"`
	PaidBy string `json:"paid_by"`
}

// Deduction is an amount taken from a worker's pay.
type Deduction struct {
	ID            string            `json:"id"`
	WorkerID      string            `json:"worker_id"`
	Code          string            `json:"code"`
	Name          string            `json:"name"`
	TaxTreatment  string            `json:"tax_treatment"`
	Recurrence    string            `json:"recurrence"`
	Amount        *sandboxapi.Money `json:"amount"`
	PercentageBPS *int64            `json:"percentage_bps"`
	StartsOn      string            `json:"starts_on"`
	EndsOn        string            `json:"ends_on"`
	Active        bool              `json:"active"`
	CreatedAt     time.Time         `json:"created_at"`
	UpdatedAt     time.Time         `json:"updated_at"`
}

// PayItem is a deduction code of Sandbox HR's catalogue.
type PayItem struct {
	Code         string `json:"code"`
	Name         string `json:"name"`
	TaxTreatment string `json:"tax_treatment"`
	Country      string `json:"country"`
	// EmployerShareBPS is what the employer adds, in basis points of the
	// employee's amount (a 401(k) match, a health insurance subsidy).
	EmployerShareBPS int64 `json:"employer_share_bps"`
}

// payItems is Sandbox HR's catalogue of deduction codes.
var payItems = []PayItem{
	{Code: "401K", Name: "401(k)", TaxTreatment: "pre_tax", Country: "US", EmployerShareBPS: 5000},
	{Code: "ROTH", Name: "Roth 401(k)", TaxTreatment: "post_tax", Country: "US", EmployerShareBPS: 5000},
	{Code: "MED", Name: "Medical plan", TaxTreatment: "section_125", Country: "US", EmployerShareBPS: 30000},
	{Code: "DEN", Name: "Dental plan", TaxTreatment: "section_125", Country: "US", EmployerShareBPS: 10000},
	{Code: "HSA", Name: "Health savings account", TaxTreatment: "pre_tax", Country: "US"},
	{Code: "BAV", Name: "Betriebliche Altersvorsorge", TaxTreatment: "pre_tax", Country: "DE", EmployerShareBPS: 1500},
	{Code: "BIKE", Name: "Bike leasing", TaxTreatment: "pre_tax", Country: "DE"},
	{Code: "ADV", Name: "Wage advance repayment", TaxTreatment: "post_tax"},
	{Code: "GARN", Name: "Wage garnishment", TaxTreatment: "post_tax"},
	{Code: "GYM", Name: "Gym membership", TaxTreatment: "post_tax"},
}

// payItem finds a pay item by code.
func payItem(code string) (PayItem, bool) {
	for _, p := range payItems {
		if p.Code == code {
			return p, true
		}
	}
	return PayItem{}, false
}
