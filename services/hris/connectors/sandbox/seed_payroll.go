package sandbox

import (
	"time"

	"github.com/unimesh/unimesh/pkg/sandboxapi"
)

// --- deductions -------------------------------------------------------------

// onPayrollIn2025 says whether a worker is paid through Sandbox HR in the
// seeded pay runs.
func onPayrollIn2025(w Worker) bool {
	return w.Contract != "contractor" && w.Status != "onboarding" && (w.Termination == nil || w.Termination.Date >= "2025-01-01")
}

// newDeduction is a deduction of a pay item, named and taxed as the item.
func newDeduction(w Worker, code, recurrence, startsOn string) Deduction {
	item, _ := payItem(code)
	if startsOn < w.HireDate {
		startsOn = w.HireDate
	}
	return Deduction{WorkerID: w.ID, Code: code, Name: item.Name, TaxTreatment: item.TaxTreatment, Recurrence: recurrence, StartsOn: startsOn}
}

func fixed(cents int64, currency string) *sandboxapi.Money {
	return &sandboxapi.Money{Amount: formatCents(cents), Currency: currency}
}

func (e *Emulator) seedDeductions(s *sandboxapi.Seeder, workers []Worker) []Deduction {
	var us, de []Worker
	for _, w := range workers {
		if !onPayrollIn2025(w) {
			continue
		}
		if le, _, _ := e.LegalEntities.Get(w.LegalEntityID); le.Currency == "USD" {
			us = append(us, w)
		} else {
			de = append(de, w)
		}
	}
	var ds []Deduction
	for _, w := range us {
		ds = append(ds, usBenefits(s, w)...)
	}
	for _, w := range de {
		ds = append(ds, deBenefits(s, w)...)
	}
	ds = append(ds, specialDeductions(us, de)...)
	out := make([]Deduction, 0, len(ds))
	for _, d := range ds {
		created := s.Time(10)
		out = append(out, e.Deductions.InsertAt(d, created, created))
	}
	return out
}

// usBenefits are a US worker's benefit elections.
func usBenefits(s *sandboxapi.Seeder, w Worker) []Deduction {
	var out []Deduction
	if s.R.IntN(100) < 25 {
		d := newDeduction(w, "401K", "recurring", "2024-01-01")
		d.PercentageBPS = ptr(int64(between(s, 6, 16) * 50))
		out = append(out, d)
	}
	if s.R.IntN(100) < 20 {
		d := newDeduction(w, "MED", "recurring", "2024-01-01")
		d.Amount = fixed(int64(between(s, 95, 310))*100, "USD")
		out = append(out, d)
	}
	if s.R.IntN(100) < 5 {
		d := newDeduction(w, "ROTH", "recurring", "2024-07-01")
		d.PercentageBPS = ptr(int64(between(s, 2, 5) * 100))
		out = append(out, d)
	}
	if s.R.IntN(100) < 5 {
		d := newDeduction(w, "HSA", "recurring", "2025-01-01")
		d.Amount = fixed(int64(between(s, 50, 150))*100, "USD")
		out = append(out, d)
	}
	return out
}

// deBenefits are a German worker's: a company pension, a leased bike.
func deBenefits(s *sandboxapi.Seeder, w Worker) []Deduction {
	var out []Deduction
	if s.R.IntN(100) < 25 {
		d := newDeduction(w, "BAV", "recurring", "2024-01-01")
		d.Amount = fixed(int64(between(s, 10, 25))*1000, "EUR")
		out = append(out, d)
	}
	if s.R.IntN(100) < 12 {
		d := newDeduction(w, "BIKE", "recurring", "2022-05-01")
		d.Amount = fixed(int64(between(s, 4500, 9500)), "EUR")
		if s.R.IntN(3) == 0 {
			d.EndsOn = "2025-01-31" // the lease ended
		}
		out = append(out, d)
	}
	return out
}

// specialDeductions are the few that are not benefits: wage advances paid
// back at once, a garnishment, a gym membership, a 401(k) over the limit.
func specialDeductions(us, de []Worker) []Deduction {
	advUS := newDeduction(us[3], "ADV", "one_time", "2025-01-20")
	advUS.Amount = fixed(50000, "USD")
	advDE := newDeduction(de[2], "ADV", "one_time", "2025-02-05")
	advDE.Amount = fixed(30000, "EUR")
	garn := newDeduction(us[5], "GARN", "recurring", "2024-11-01")
	garn.Amount, garn.EndsOn = fixed(25000, "USD"), "2025-06-30"
	gym := newDeduction(us[8], "GYM", "recurring", "2024-03-01")
	gym.Amount = fixed(2990, "USD")
	catchUp := newDeduction(us[1], "401K", "recurring", "2025-01-01")
	catchUp.Name, catchUp.TaxTreatment, catchUp.PercentageBPS = "401(k) catch-up", "mixed", ptr(int64(200))
	return []Deduction{advUS, advDE, garn, gym, catchUp}
}

// --- pay runs and payslips --------------------------------------------------

// runPlan is one seeded pay run; entity is 0 for the US, 1 for Germany.
type runPlan struct {
	entity                        int
	kind, state, start, end, paid string
}

var runPlans = []runPlan{
	{0, "regular", "paid", "2025-01-01", "2025-01-15", "2025-01-15"},
	{0, "regular", "paid", "2025-01-16", "2025-01-31", "2025-01-31"},
	{1, "regular", "paid", "2025-01-01", "2025-01-31", "2025-01-30"},
	{1, "bonus", "paid", "2025-02-01", "2025-02-28", "2025-02-14"},
	{0, "regular", "processing", "2025-02-01", "2025-02-15", "2025-02-14"},
	{1, "regular", "draft", "2025-02-01", "2025-02-28", "2025-02-27"},
}

func (e *Emulator) seedPayroll(s *sandboxapi.Seeder, entities []LegalEntity, workers []Worker, comps map[string][]Compensation, ds []Deduction) {
	taken := map[string]bool{} // one-time deductions already taken
	for _, p := range runPlans {
		le := entities[p.entity]
		var slips []Payslip
		for _, w := range workers {
			if !paidIn(w, le, p, comps[w.ID]) {
				continue
			}
			if slip, ok := computePayslip(s, p, le, current(comps[w.ID], p.end), deductionsOf(ds, w.ID), taken); ok {
				slip.WorkerID = w.ID
				slips = append(slips, slip)
			}
		}
		created, upd := runTimes(p)
		run := e.PayRuns.InsertAt(PayRun{LegalEntityID: le.ID, Kind: p.kind, State: p.state, PeriodStart: p.start, PeriodEnd: p.end,
			PayDate: p.paid, Currency: le.Currency, PayslipCount: len(slips)}, created, upd)
		for _, slip := range slips {
			slip.PayRunID = run.ID
			e.Payslips.InsertAt(slip, created, upd)
		}
	}
}

// runTimes: a run is prepared six days before payday, and changed last
// when paid, submitted or drafted.
func runTimes(p runPlan) (created, updated time.Time) {
	created = at(p.paid, 10).AddDate(0, 0, -6)
	switch p.state {
	case "paid":
		return created, at(p.paid, 15)
	case "processing":
		return created, created.AddDate(0, 0, 4)
	}
	return created, created.Add(2 * time.Hour)
}

// paidIn says whether a worker is paid in a run: employed by its entity,
// on payroll and employed during its period.
func paidIn(w Worker, le LegalEntity, p runPlan, comps []Compensation) bool {
	return w.LegalEntityID == le.ID && current(comps, p.end).PaySchedule != "off_payroll" && w.HireDate <= p.end &&
		(w.Termination == nil || w.Termination.Date >= p.start)
}

func deductionsOf(ds []Deduction, worker string) []Deduction {
	var out []Deduction
	for _, d := range ds {
		if d.WorkerID == worker {
			out = append(out, d)
		}
	}
	return out
}

// computePayslip computes one worker's pay in a run: earnings, then the
// deductions the run takes, then taxes on what is left. A bonus run pays a
// bonus to some salaried workers and takes no deductions.
func computePayslip(s *sandboxapi.Seeder, p runPlan, le LegalEntity, c Compensation, ds []Deduction, taken map[string]bool) (Payslip, bool) {
	slip := Payslip{Currency: le.Currency, Earnings: []PayslipEarning{}, Deductions: []PayslipDeduction{}, Taxes: []PayslipTax{}}
	var gross int64
	if p.kind == "bonus" {
		if c.RateUnit == "hour" || s.R.IntN(3) != 0 {
			return slip, false
		}
		gross = int64(between(s, 10, 60)) * 10000
		slip.Earnings = append(slip.Earnings, PayslipEarning{Code: "bonus", Label: "Jahresbonus 2024", Amount: formatCents(gross)})
	} else {
		var hoursWorked int64
		slip.Earnings, gross, hoursWorked = regularEarnings(s, c, runsPerYear(le))
		slip.Hours = trimDecimal(formatCents(hoursWorked))
		slip.Deductions = deductionLines(p, gross, ds, taken)
	}
	var pre, s125, post int64
	for _, l := range slip.Deductions {
		amt, _ := parseCents(l.EmployeeAmount)
		switch l.TaxTreatment {
		case "pre_tax":
			pre += amt
		case "section_125":
			s125 += amt
		default:
			post += amt
		}
	}
	slip.Taxes = taxLines(le.Country, gross, pre, s125)
	net := gross - pre - s125 - post
	for _, t := range slip.Taxes {
		if t.PaidBy == "employee" {
			amt, _ := parseCents(t.Amount)
			net -= amt
		}
	}
	slip.Gross, slip.Net = formatCents(gross), formatCents(net)
	return slip, true
}

func runsPerYear(le LegalEntity) int64 {
	if le.PaySchedule == "semimonthly" {
		return 24
	}
	return 12
}

// regularEarnings is a regular run's pay: a share of a salary with the
// standard hours (2080 a year), or the hours worked, with overtime for some
// non-exempt workers. Amounts and hours are in hundredths.
func regularEarnings(s *sandboxapi.Seeder, c Compensation, perYear int64) ([]PayslipEarning, int64, int64) {
	rate, _ := parseCents(c.Rate.Amount)
	std := 208000 / perYear
	switch c.RateUnit {
	case "year", "month":
		if c.RateUnit == "month" {
			rate *= 12
		}
		amt := rate / perYear
		return []PayslipEarning{{Code: "salary", Label: "Salary", Amount: formatCents(amt)}}, amt, std
	}
	worked := int64(between(s, 40, 80)) * 100 * 24 / perYear / 2
	amt := rate * worked / 100
	out := []PayslipEarning{{Code: "hourly", Label: "Regular hours", Amount: formatCents(amt), Hours: trimDecimal(formatCents(worked))}}
	if c.FLSA == "non_exempt" && s.R.IntN(3) == 0 {
		ot := int64(between(s, 2, 6)) * 100
		otAmt := rate * 3 / 2 * ot / 100
		out = append(out, PayslipEarning{Code: "overtime", Label: "Overtime", Amount: formatCents(otAmt), Hours: trimDecimal(formatCents(ot))})
		amt, worked = amt+otAmt, worked+ot
	}
	return out, amt, worked
}

// deductionLines takes a regular run's deductions: recurring ones within
// their dates, and one-time ones not yet taken whose date has come.
func deductionLines(p runPlan, gross int64, ds []Deduction, taken map[string]bool) []PayslipDeduction {
	out := []PayslipDeduction{}
	for _, d := range ds {
		due := d.StartsOn <= p.paid && (d.EndsOn == "" || d.EndsOn >= p.start)
		if !due || taken[d.ID] {
			continue
		}
		if d.Recurrence == "one_time" {
			taken[d.ID] = true
		}
		var amt int64
		if d.Amount != nil {
			amt, _ = parseCents(d.Amount.Amount)
		} else {
			amt = share(gross, *d.PercentageBPS)
		}
		line := PayslipDeduction{DeductionID: ptr(d.ID), Code: d.Code, Label: d.Name, TaxTreatment: d.TaxTreatment, EmployeeAmount: formatCents(amt)}
		if item, _ := payItem(d.Code); item.EmployerShareBPS > 0 {
			line.EmployerAmount = formatCents(share(amt, item.EmployerShareBPS))
		}
		out = append(out, line)
	}
	return out
}

// share is bps basis points of cents, rounded half up.
func share(cents, bps int64) int64 { return (cents*bps + 5000) / 10000 }

// taxLines are simplified payroll taxes: US federal income tax and FICA,
// German wage tax and social insurance, each social one matched by the employer.
func taxLines(country string, gross, pre, s125 int64) []PayslipTax {
	type rate struct {
		label    string
		bps      int64
		matched  bool
		onIncome bool // on gross less all pre-tax deductions, else less section 125 only
	}
	rates := []rate{{"Federal income tax", 1200, false, true}, {"Social Security", 620, true, false}, {"Medicare", 145, true, false}}
	if country == "DE" {
		rates = []rate{{"Lohnsteuer", 1500, false, true}, {"Rentenversicherung", 930, true, true}, {"Krankenversicherung", 855, true, true}}
	}
	var out []PayslipTax
	for _, r := range rates {
		base := gross - s125
		if r.onIncome {
			base -= pre
		}
		amt := formatCents(share(base, r.bps))
		out = append(out, PayslipTax{Label: r.label, Amount: amt, PaidBy: "employee"})
		if r.matched {
			out = append(out, PayslipTax{Label: r.label, Amount: amt, PaidBy: "employer"})
		}
	}
	return out
}
