package sandbox

import (
	"fmt"
	"net/http"
	"net/mail"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/unimesh/unimesh/pkg/emulator"
	"github.com/unimesh/unimesh/pkg/sandboxapi"
)

// Options configure the emulator.
type Options = sandboxapi.EmulatorOptions

// Emulator is Sandbox HR's API: an http.Handler serving /v1/...
type Emulator struct {
	*sandboxapi.Server
	Workers       *emulator.Collection[Worker]
	Compensations *emulator.Collection[Compensation]
	OrgUnits      *emulator.Collection[OrgUnit]
	Sites         *emulator.Collection[Site]
	LegalEntities *emulator.Collection[LegalEntity]
	LeaveRequests *emulator.Collection[LeaveRequest]
	LeaveBalances *emulator.Collection[LeaveBalance]
	PayRuns       *emulator.Collection[PayRun]
	Payslips      *emulator.Collection[Payslip]
	Deductions    *emulator.Collection[Deduction]
}

const dateLayout = "2006-01-02"

func intID(m emulator.Meta) int64 {
	n, _ := strconv.ParseInt(m.ID, 10, 64)
	return n
}

// paddedIDs makes ids such as "ou_01" or "ded_00001".
func paddedIDs(prefix string, width int) func(int64) string {
	return func(seq int64) string { return fmt.Sprintf("%s%0*d", prefix, width, seq) }
}

// NewEmulator builds the emulator.
func NewEmulator(opts Options) *Emulator {
	s := opts.NewServer()
	e := &Emulator{Server: s}
	e.collections()
	e.routes()
	if opts.Seed {
		e.seed()
	}
	return e
}

// collections creates the stores, each with Sandbox HR's id style.
func (e *Emulator) collections() {
	st := e.Store
	e.LegalEntities = emulator.NewCollection(st, "legal_entities", emulator.SequentialIDs("LE-", 0), func(r *LegalEntity, m emulator.Meta) {
		r.ID, r.CreatedAt, r.UpdatedAt = m.ID, m.Created, m.Updated
	})
	e.Sites = emulator.NewCollection(st, "sites", emulator.SequentialIDs("", 0), func(r *Site, m emulator.Meta) {
		r.ID, r.CreatedAt, r.UpdatedAt = intID(m), m.Created, m.Updated
	})
	e.OrgUnits = emulator.NewCollection(st, "org_units", paddedIDs("ou_", 2), func(r *OrgUnit, m emulator.Meta) {
		r.ID, r.CreatedAt, r.UpdatedAt = m.ID, m.Created, m.Updated
	})
	e.Workers = emulator.NewCollection(st, "workers", emulator.SequentialIDs("E", 1000), func(r *Worker, m emulator.Meta) {
		r.ID, r.CreatedAt, r.UpdatedAt = m.ID, m.Created, m.Updated
	})
	e.Compensations = emulator.NewCollection(st, "compensations", emulator.SequentialIDs("", 50000), func(r *Compensation, m emulator.Meta) {
		r.ID, r.CreatedAt, r.UpdatedAt = intID(m), m.Created, m.Updated
	})
	e.LeaveRequests = emulator.NewCollection(st, "leave_requests", emulator.SequentialIDs("", 90000), func(r *LeaveRequest, m emulator.Meta) {
		r.ID, r.CreatedAt, r.UpdatedAt = intID(m), m.Created, m.Updated
	})
	e.LeaveBalances = emulator.NewCollection(st, "leave_balances", paddedIDs("bal_", 4), func(r *LeaveBalance, m emulator.Meta) {
		r.ID, r.CreatedAt, r.UpdatedAt = m.ID, m.Created, m.Updated
	})
	e.Deductions = emulator.NewCollection(st, "deductions", paddedIDs("ded_", 5), func(r *Deduction, m emulator.Meta) {
		r.ID, r.CreatedAt, r.UpdatedAt = m.ID, m.Created, m.Updated
	})
	e.PayRuns = emulator.NewCollection(st, "pay_runs", emulator.SequentialIDs("run_", 0), func(r *PayRun, m emulator.Meta) {
		r.ID, r.CreatedAt, r.UpdatedAt = m.ID, m.Created, m.Updated
	})
	e.Payslips = emulator.NewCollection(st, "payslips", emulator.SequentialIDs("", 800000), func(r *Payslip, m emulator.Meta) {
		r.ID, r.CreatedAt, r.UpdatedAt = intID(m), m.Created, m.Updated
	})
}

// routes registers the resources.
func (e *Emulator) routes() {
	s := e.Server
	sandboxapi.Register(s, sandboxapi.Resource[Worker]{
		Path: "/v1/workers", Collection: e.Workers, Ops: "LGCU",
		ReadOnly: []string{"display_name"}, Immutable: []string{"worker_number"}, Validate: e.validateWorker,
	})
	sandboxapi.Register(s, sandboxapi.Resource[Compensation]{
		Path: "/v1/compensations", Collection: e.Compensations, Ops: "LG",
		Filter: filterBy(map[string]func(*Compensation) string{"worker_id": func(c *Compensation) string { return c.WorkerID }}),
	})
	sandboxapi.Register(s, sandboxapi.Resource[OrgUnit]{Path: "/v1/org-units", Collection: e.OrgUnits, Ops: "LG"})
	sandboxapi.Register(s, sandboxapi.Resource[Site]{Path: "/v1/sites", Collection: e.Sites, Ops: "LG"})
	sandboxapi.Register(s, sandboxapi.Resource[LegalEntity]{Path: "/v1/legal-entities", Collection: e.LegalEntities, Ops: "LG"})
	sandboxapi.Register(s, sandboxapi.Resource[LeaveRequest]{
		Path: "/v1/leave-requests", Collection: e.LeaveRequests, Ops: "LGC", Validate: e.validateLeave,
		Filter: filterBy(map[string]func(*LeaveRequest) string{"worker_id": func(l *LeaveRequest) string { return l.WorkerID }}),
	})
	sandboxapi.Register(s, sandboxapi.Resource[LeaveBalance]{
		Path: "/v1/leave-balances", Collection: e.LeaveBalances, Ops: "LG",
		Filter: filterBy(map[string]func(*LeaveBalance) string{"worker_id": func(b *LeaveBalance) string { return b.WorkerID }}),
	})
	sandboxapi.Register(s, sandboxapi.Resource[PayRun]{Path: "/v1/pay-runs", Collection: e.PayRuns, Ops: "LG"})
	sandboxapi.Register(s, sandboxapi.Resource[Payslip]{
		Path: "/v1/payslips", Collection: e.Payslips, Ops: "LG",
		Filter: filterBy(map[string]func(*Payslip) string{
			"pay_run_id": func(p *Payslip) string { return p.PayRunID },
			"worker_id":  func(p *Payslip) string { return p.WorkerID },
		}),
	})
	sandboxapi.Register(s, sandboxapi.Resource[Deduction]{
		Path: "/v1/deductions", Collection: e.Deductions, Ops: "LGCUD",
		ReadOnly: []string{"active"}, Immutable: []string{"worker_id"},
		Validate: e.validateDeduction, BeforeDelete: e.beforeDeleteDeduction,
		Present: func(d Deduction) any {
			d.Active = e.deductionActive(d)
			return d
		},
		Filter: filterBy(map[string]func(*Deduction) string{"worker_id": func(d *Deduction) string { return d.WorkerID }}),
	})
	s.Handle("GET /v1/pay-items", func(w http.ResponseWriter, r *http.Request) {
		emulator.WriteJSON(w, http.StatusOK, map[string]any{
			"data": payItems, "meta": sandboxapi.Meta{Total: len(payItems)},
		})
	})
}

// filterBy builds a resource's list filter from its filterable fields: a
// record matches when every given field equals its query value. Unknown
// filters are refused, not ignored, so that a typo cannot widen a list.
func filterBy[T any](fields map[string]func(*T) string) func(map[string]string) (func(*T) bool, []sandboxapi.FieldError) {
	return func(q map[string]string) (func(*T) bool, []sandboxapi.FieldError) {
		keys := make([]string, 0, len(q))
		for k := range q {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		var errs []sandboxapi.FieldError
		for _, k := range keys {
			if fields[k] == nil {
				errs = append(errs, sandboxapi.FieldError{Field: k, Message: "unknown filter " + k})
			}
		}
		if len(keys) == 0 || len(errs) > 0 {
			return nil, errs
		}
		return func(rec *T) bool {
			for _, k := range keys {
				if fields[k](rec) != q[k] {
					return false
				}
			}
			return true
		}, nil
	}
}

// today is the store clock's date.
func (e *Emulator) today() string { return e.Store.Now().Format(dateLayout) }

// --- workers ----------------------------------------------------------------

var (
	genders   = []string{"f", "m", "x", "undisclosed", "self_described"}
	statuses  = []string{"onboarding", "active", "leave", "offboarding", "terminated"}
	contracts = []string{"full_time", "part_time", "contractor", "intern", "apprentice", "fixed_term", "working_student"}
)

func (e *Emulator) validateWorker(w *Worker, create bool) []sandboxapi.FieldError {
	var c sandboxapi.Checker
	e.checkWorkerPerson(&c, w)
	e.checkWorkerOrg(&c, w, create)
	e.checkWorkerEmployment(&c, w, create)
	if create && w.WorkerNumber == "" {
		w.WorkerNumber = e.nextWorkerNumber()
	}
	if create && e.workerNumberTaken(w.WorkerNumber) {
		c.Add("worker_number", "worker_number %s is taken", w.WorkerNumber)
	}
	w.DisplayName = displayName(w.PreferredName, w.LegalName.First, w.LegalName.Last)
	if w.Phones == nil {
		w.Phones = []sandboxapi.Phone{}
	}
	if w.OrgUnitIDs == nil {
		w.OrgUnitIDs = []string{}
	}
	return c.Errors
}

// checkWorkerPerson checks names, contact details and personal data.
func (e *Emulator) checkWorkerPerson(c *sandboxapi.Checker, w *Worker) {
	c.Required("legal_name.first", w.LegalName.First)
	c.Required("legal_name.last", w.LegalName.Last)
	c.MaxLen("legal_name.first", w.LegalName.First, 100)
	c.MaxLen("legal_name.last", w.LegalName.Last, 100)
	c.MaxLen("preferred_name", w.PreferredName, 100)
	checkEmail(c, "emails.work", w.Emails.Work)
	checkEmail(c, "emails.personal", w.Emails.Personal)
	if w.Emails.Work != "" && e.workEmailTaken(w.Emails.Work, w.ID) {
		c.Add("emails.work", "%s is the work email of another worker", w.Emails.Work)
	}
	c.Phones("phones", w.Phones)
	if a := w.HomeAddress; a != nil {
		c.Address("home_address", a)
		if a.Kind != "" && a.Kind != "home" {
			c.Add("home_address.kind", "a home address is of kind home")
		}
		if *a == (sandboxapi.Address{Kind: a.Kind}) {
			w.HomeAddress = nil
		}
	}
	c.Date("birth_date", w.BirthDate)
	if w.BirthDate != "" && w.HireDate != "" && w.BirthDate >= w.HireDate {
		c.Add("birth_date", "birth_date must be before hire_date")
	}
	c.OneOf("gender", w.Gender, genders...)
	c.MaxLen("title", w.Title, 255)
}

func checkEmail(c *sandboxapi.Checker, field, addr string) {
	if addr == "" {
		return
	}
	if a, err := mail.ParseAddress(addr); err != nil || a.Address != addr {
		c.Add(field, "%q is not an email address", addr)
	}
}

// checkWorkerOrg checks where the worker sits: entity, manager, units, site.
func (e *Emulator) checkWorkerOrg(c *sandboxapi.Checker, w *Worker, create bool) {
	if w.LegalEntityID == "" && create {
		w.LegalEntityID = e.primaryEntity()
	}
	c.Required("legal_entity_id", w.LegalEntityID)
	c.StrRef("legal_entity_id", w.LegalEntityID, e.LegalEntities.Exists)
	if w.ManagerID != nil && *w.ManagerID == "" {
		w.ManagerID = nil
	}
	if w.ManagerID != nil {
		c.StrRef("manager_id", *w.ManagerID, e.Workers.Exists)
		if *w.ManagerID == w.ID {
			c.Add("manager_id", "a worker cannot be their own manager")
		}
	}
	for i, id := range w.OrgUnitIDs {
		c.StrRef(fmt.Sprintf("org_unit_ids[%d]", i), id, e.OrgUnits.Exists)
	}
	c.Ref("site_id", w.SiteID, e.Sites.Exists)
}

// checkWorkerEmployment checks the employment and derives the status from
// the hire and termination dates (see the package documentation).
func (e *Emulator) checkWorkerEmployment(c *sandboxapi.Checker, w *Worker, create bool) {
	c.Required("hire_date", w.HireDate)
	c.Date("hire_date", w.HireDate)
	if w.Contract == "" && create {
		w.Contract = "full_time"
	}
	c.Required("contract", w.Contract)
	c.OneOf("contract", w.Contract, contracts...)
	if w.Status == "" && create {
		w.Status = "active"
		if w.HireDate > e.today() {
			w.Status = "onboarding"
		}
	}
	c.Required("status", w.Status)
	c.OneOf("status", w.Status, statuses...)
	if t := w.Termination; t != nil && *t == (Termination{}) {
		w.Termination = nil
	}
	end := ""
	if t := w.Termination; t != nil {
		end = t.Date
		c.Required("termination.date", t.Date)
		c.Date("termination.date", t.Date)
		c.MaxLen("termination.reason", t.Reason, 1000)
		if t.Date != "" && t.Date < w.HireDate {
			c.Add("termination.date", "termination.date is before hire_date")
		}
	}
	switch {
	case end != "" && end < e.today():
		w.Status = "terminated"
	case end != "" && w.Status != "terminated":
		w.Status = "offboarding"
	case end == "" && w.Status == "offboarding":
		w.Status = "active"
	case end == "" && w.Status == "terminated":
		c.Add("termination.date", "a terminated worker needs a termination date")
	}
}

func (e *Emulator) primaryEntity() string {
	for _, le := range e.LegalEntities.All() {
		if le.Primary {
			return le.ID
		}
	}
	return ""
}

func (e *Emulator) workEmailTaken(addr, self string) bool {
	for _, w := range e.Workers.All() {
		if w.ID != self && strings.EqualFold(w.Emails.Work, addr) {
			return true
		}
	}
	return false
}

func (e *Emulator) workerNumberTaken(n string) bool {
	for _, w := range e.Workers.All() {
		if w.WorkerNumber == n {
			return true
		}
	}
	return false
}

// nextWorkerNumber continues the numbering of the seeded workers.
func (e *Emulator) nextWorkerNumber() string {
	highest := 0
	for _, w := range e.Workers.All() {
		if n, err := strconv.Atoi(w.WorkerNumber); err == nil && n > highest {
			highest = n
		}
	}
	return fmt.Sprintf("%04d", highest+1)
}

// --- leave requests ---------------------------------------------------------

var leaveTypes = []string{"vacation", "sick", "personal", "parental", "bereavement", "jury_duty", "volunteering", "unpaid", "training"}

func (e *Emulator) validateLeave(l *LeaveRequest, create bool) []sandboxapi.FieldError {
	var c sandboxapi.Checker
	c.Required("worker_id", l.WorkerID)
	c.StrRef("worker_id", l.WorkerID, e.Workers.Exists)
	if w, _, ok := e.Workers.Get(l.WorkerID); ok && w.Status == "terminated" {
		c.Add("worker_id", "worker %s is terminated", l.WorkerID)
	}
	c.Required("leave_type", l.LeaveType)
	c.OneOf("leave_type", l.LeaveType, leaveTypes...)
	if l.Status == "" {
		l.Status = "pending"
	}
	c.OneOf("status", l.Status, "pending", "approved")
	if l.ApproverID != nil && *l.ApproverID == "" {
		l.ApproverID = nil
	}
	if l.ApproverID != nil {
		c.StrRef("approver_id", *l.ApproverID, e.Workers.Exists)
		if *l.ApproverID == l.WorkerID {
			c.Add("approver_id", "a worker cannot approve their own leave")
		}
	} else if l.Status == "approved" {
		c.Add("approver_id", "an approved request needs its approver_id")
	}
	c.MaxLen("note", l.Note, 2000)
	start, end, ok := e.checkLeaveWindow(&c, l)
	if ok && len(c.Errors) == 0 {
		if other, clash := e.overlappingLeave(l.WorkerID, start, end); clash {
			c.Add("from", "the request overlaps request %d of the worker", other)
		}
	}
	return c.Errors
}

// checkLeaveWindow checks from, to, unit and quantity, normalizes them and
// returns the request's span as half-open instants.
func (e *Emulator) checkLeaveWindow(c *sandboxapi.Checker, l *LeaveRequest) (time.Time, time.Time, bool) {
	if l.Unit == "" {
		l.Unit = "days"
	}
	c.OneOf("unit", l.Unit, "days", "hours")
	c.Required("from", l.From)
	c.Required("to", l.To)
	if l.Quantity != "" {
		c.Decimal("quantity", l.Quantity)
		if strings.HasPrefix(l.Quantity, "-") || strings.Trim(l.Quantity, "0.") == "" {
			c.Add("quantity", "quantity must be positive")
		}
	}
	if l.From == "" || l.To == "" || (l.Unit != "days" && l.Unit != "hours") {
		return time.Time{}, time.Time{}, false
	}
	start, end, err := leaveSpan(l.Unit, l.From, l.To)
	if err != nil {
		c.Add(err.field, "%s", err.msg)
		return time.Time{}, time.Time{}, false
	}
	if !end.After(start) {
		c.Add("to", "to is before from")
		return time.Time{}, time.Time{}, false
	}
	if l.Unit == "hours" {
		l.From, l.To = start.Format(time.RFC3339), end.Format(time.RFC3339)
	}
	if l.Quantity == "" {
		l.Quantity = leaveQuantity(l.Unit, start, end)
		if l.Quantity == "0" {
			c.Add("quantity", "the request covers no working day; give its quantity")
		}
	}
	return start, end, true
}

type spanError struct{ field, msg string }

// leaveSpan reads a request's from and to as half-open instants: days are
// whole UTC days, both included.
func leaveSpan(unit, from, to string) (time.Time, time.Time, *spanError) {
	layout, what := dateLayout, "a date YYYY-MM-DD"
	if unit == "hours" {
		layout, what = time.RFC3339, "an RFC 3339 time"
	}
	start, err := time.Parse(layout, from)
	if err != nil {
		return time.Time{}, time.Time{}, &spanError{"from", "from must be " + what + " for a request in " + unit}
	}
	end, err := time.Parse(layout, to)
	if err != nil {
		return time.Time{}, time.Time{}, &spanError{"to", "to must be " + what + " for a request in " + unit}
	}
	if unit == "days" {
		end = end.AddDate(0, 0, 1)
	}
	return start.UTC(), end.UTC(), nil
}

// leaveQuantity is a request's default quantity: its working days (Monday
// to Friday) or its hours.
func leaveQuantity(unit string, start, end time.Time) string {
	if unit == "hours" {
		minutes := int64(end.Sub(start) / time.Minute)
		return trimDecimal(formatCents((minutes*100 + 30) / 60))
	}
	days := 0
	for d := start; d.Before(end); d = d.AddDate(0, 0, 1) {
		if wd := d.Weekday(); wd != time.Saturday && wd != time.Sunday {
			days++
		}
	}
	return strconv.Itoa(days)
}

// overlappingLeave finds a pending or approved request of the worker that
// overlaps [start, end).
func (e *Emulator) overlappingLeave(worker string, start, end time.Time) (int64, bool) {
	for _, o := range e.LeaveRequests.All() {
		if o.WorkerID != worker || (o.Status != "pending" && o.Status != "approved") {
			continue
		}
		os, oe, err := leaveSpan(o.Unit, o.From, o.To)
		if err == nil && os.Before(end) && start.Before(oe) {
			return o.ID, true
		}
	}
	return 0, false
}

// --- deductions -------------------------------------------------------------

func (e *Emulator) validateDeduction(d *Deduction, create bool) []sandboxapi.FieldError {
	var c sandboxapi.Checker
	c.Required("worker_id", d.WorkerID)
	c.StrRef("worker_id", d.WorkerID, e.Workers.Exists)
	c.Required("name", d.Name)
	c.MaxLen("name", d.Name, 100)
	if _, ok := payItem(d.Code); d.Code != "" && !ok {
		c.Add("code", "code %s is not a pay item; see /v1/pay-items", d.Code)
	}
	c.Required("tax_treatment", d.TaxTreatment)
	c.OneOf("tax_treatment", d.TaxTreatment, "pre_tax", "post_tax", "section_125", "mixed")
	c.Required("recurrence", d.Recurrence)
	c.OneOf("recurrence", d.Recurrence, "one_time", "recurring")
	e.checkDeductionRate(&c, d)
	if d.StartsOn == "" && create {
		d.StartsOn = e.today()
	}
	c.Required("starts_on", d.StartsOn)
	c.Date("starts_on", d.StartsOn)
	c.Date("ends_on", d.EndsOn)
	if d.EndsOn != "" && d.EndsOn < d.StartsOn {
		c.Add("ends_on", "ends_on is before starts_on")
	}
	if len(c.Errors) == 0 && d.Recurrence == "one_time" {
		if dup, ok := e.duplicateOneTime(d); ok {
			c.Add("starts_on", "worker %s already has the one-time deduction %s (%q on %s); one-time deductions are never repeated",
				d.WorkerID, dup, d.Name, d.StartsOn)
		}
	}
	return c.Errors
}

// checkDeductionRate checks the amount or percentage, exactly one of them;
// an amount is in the worker's payroll currency, which it defaults to.
func (e *Emulator) checkDeductionRate(c *sandboxapi.Checker, d *Deduction) {
	switch {
	case d.Amount == nil && d.PercentageBPS == nil:
		c.Add("amount", "a deduction needs an amount or a percentage_bps")
	case d.Amount != nil && d.PercentageBPS != nil:
		c.Add("percentage_bps", "amount and percentage_bps are exclusive")
	case d.PercentageBPS != nil:
		if *d.PercentageBPS < 1 || *d.PercentageBPS > 10000 {
			c.Add("percentage_bps", "percentage_bps is between 1 and 10000")
		}
	default:
		currency := ""
		if le, ok := e.entityOf(d.WorkerID); ok {
			currency = le.Currency
		}
		if d.Amount.Currency == "" {
			d.Amount.Currency = currency
		}
		c.Money("amount", d.Amount)
		if n, err := parseCents(d.Amount.Amount); err != nil || n <= 0 {
			c.Add("amount.amount", "amount must be a positive amount with at most 2 decimals")
		}
		if currency != "" && d.Amount.Currency != currency {
			c.Add("amount.currency", "currency must be %s, the payroll currency of worker %s", currency, d.WorkerID)
		}
	}
}

// duplicateOneTime finds another one-time deduction of the worker with the
// same date, code and name.
func (e *Emulator) duplicateOneTime(d *Deduction) (string, bool) {
	for _, o := range e.Deductions.All() {
		if o.ID != d.ID && o.WorkerID == d.WorkerID && o.Recurrence == "one_time" && o.StartsOn == d.StartsOn &&
			o.Code == d.Code && strings.EqualFold(strings.TrimSpace(o.Name), strings.TrimSpace(d.Name)) {
			return o.ID, true
		}
	}
	return "", false
}

// beforeDeleteDeduction keeps deductions that payslips have taken: deleting
// them would leave the payslips unreconcilable.
func (e *Emulator) beforeDeleteDeduction(id string) error {
	for _, p := range e.Payslips.All() {
		for _, l := range p.Deductions {
			if l.DeductionID != nil && *l.DeductionID == id {
				return fmt.Errorf("deduction %s was taken in pay run %s; end it with ends_on instead", id, p.PayRunID)
			}
		}
	}
	return nil
}

// deductionActive says whether a deduction is taken now: within its dates,
// and, when one-time, not yet taken by a paid run.
func (e *Emulator) deductionActive(d Deduction) bool {
	today := e.today()
	if d.StartsOn > today || (d.EndsOn != "" && d.EndsOn < today) {
		return false
	}
	if d.Recurrence != "one_time" {
		return true
	}
	paid := map[string]bool{}
	for _, r := range e.PayRuns.All() {
		paid[r.ID] = r.State == "paid"
	}
	for _, p := range e.Payslips.All() {
		if !paid[p.PayRunID] {
			continue
		}
		if slices.ContainsFunc(p.Deductions, func(l PayslipDeduction) bool { return l.DeductionID != nil && *l.DeductionID == d.ID }) {
			return false
		}
	}
	return true
}

// entityOf is the legal entity that employs a worker.
func (e *Emulator) entityOf(workerID string) (LegalEntity, bool) {
	w, _, ok := e.Workers.Get(workerID)
	if !ok {
		return LegalEntity{}, false
	}
	le, _, ok := e.LegalEntities.Get(w.LegalEntityID)
	return le, ok
}

// --- amounts ----------------------------------------------------------------

// parseCents reads a decimal amount with at most two decimals as cents.
func parseCents(s string) (int64, error) {
	whole, frac, _ := strings.Cut(s, ".")
	if len(frac) > 2 || whole == "" || strings.HasPrefix(whole, "+") {
		return 0, fmt.Errorf("%q is not an amount in cents", s)
	}
	frac += strings.Repeat("0", 2-len(frac))
	n, err := strconv.ParseInt(whole+frac, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%q is not an amount in cents", s)
	}
	return n, nil
}

// formatCents writes cents as a decimal amount, "1234.50".
func formatCents(n int64) string {
	sign := ""
	if n < 0 {
		sign, n = "-", -n
	}
	return fmt.Sprintf("%s%d.%02d", sign, n/100, n%100)
}

// trimDecimal drops trailing zeros of a decimal: "7.50" → "7.5", "8.00" → "8".
func trimDecimal(s string) string {
	if !strings.Contains(s, ".") {
		return s
	}
	return strings.TrimSuffix(strings.TrimRight(s, "0"), ".")
}
