package sandbox

import (
	"crypto/sha1"
	"fmt"
	"math/big"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/unimesh/unimesh/pkg/emulator"
	"github.com/unimesh/unimesh/pkg/sandboxapi"
)

// Options configure the emulator. Seed loads the demo data; the company and
// its tax rates exist either way: they are the organisation's setup, not
// demo data.
type Options = sandboxapi.EmulatorOptions

// Emulator is Sandbox Ledger's API: an http.Handler serving /v1/...
type Emulator struct {
	*sandboxapi.Server
	Accounts    *emulator.Collection[LedgerAccount]
	Parties     *emulator.Collection[Party]
	Invoices    *emulator.Collection[Invoice]
	Payments    *emulator.Collection[Payment]
	CreditNotes *emulator.Collection[CreditNote]
	Items       *emulator.Collection[Item]
	Journals    *emulator.Collection[Journal]
	TaxRates    *emulator.Collection[TaxRate]
	Expenses    *emulator.Collection[Expense]
	Company     *emulator.Collection[Company]
	// posting serializes the writes that change invoices' amounts due
	// (payments and credit notes), so that two of them cannot both spend
	// the same amount due.
	posting sync.Mutex
}

// baseCurrency is the company's currency; fx rates convert to it.
const baseCurrency = "GBP"

// companyID is the id of the one organisation.
const companyID = "org_5f3a9c2e71d4"

// fxToBase are the rates (to GBP) the ledger fills in when a document in
// another currency gives none; the currencies the organisation has enabled.
var fxToBase = map[string]string{
	"GBP": "1", "EUR": "0.8547", "USD": "0.7862", "CHF": "0.8915", "CAD": "0.5794", "AUD": "0.5188",
}

// subtypes are the account subtypes of each kind, the default first.
var subtypes = map[string][]string{
	"asset":     {"current_asset", "bank", "receivable", "inventory", "fixed_asset"},
	"liability": {"current_liability", "credit_card", "payable", "tax", "long_term_liability"},
	"equity":    {"capital", "retained_earnings", "drawings"},
	"income":    {"sales", "other_income"},
	"expense":   {"overhead", "cost_of_sales", "payroll", "depreciation"},
	"memo":      {"statistical"},
}

func intID(m emulator.Meta) int64 {
	n, _ := strconv.ParseInt(m.ID, 10, 64)
	return n
}

// padded makes ids such as "pty_000042".
func padded(prefix string) func(int64) string {
	return func(seq int64) string { return fmt.Sprintf("%s%06d", prefix, seq) }
}

// uuids makes stable UUID-shaped ids (version 5 layout) from a name and the
// sequence number, so that seeded ids are the same on every start.
func uuids(name string) func(int64) string {
	return func(seq int64) string {
		h := sha1.Sum([]byte(fmt.Sprintf("sandbox-ledger/%s/%d", name, seq)))
		h[6] = h[6]&0x0f | 0x50
		h[8] = h[8]&0x3f | 0x80
		return fmt.Sprintf("%x-%x-%x-%x-%x", h[0:4], h[4:6], h[6:8], h[8:10], h[10:16])
	}
}

// NewEmulator builds the emulator.
func NewEmulator(opts Options) *Emulator {
	s := opts.NewServer()
	e := &Emulator{Server: s}
	e.collections()
	e.register()
	e.setUpOrganisation()
	if opts.Seed {
		e.seed()
	}
	return e
}

func (e *Emulator) collections() {
	st := e.Store
	e.Company = emulator.NewCollection(st, "company", func(int64) string { return companyID }, func(r *Company, m emulator.Meta) {
		r.ID, r.CreatedAt, r.UpdatedAt = m.ID, m.Created, m.Updated
	})
	e.TaxRates = emulator.NewCollection(st, "tax_rates", func(seq int64) string { return "txr_" + strconv.FormatInt(seq, 10) },
		func(r *TaxRate, m emulator.Meta) { r.ID, r.CreatedAt, r.UpdatedAt = m.ID, m.Created, m.Updated })
	e.Accounts = emulator.NewCollection(st, "ledger_accounts", emulator.SequentialIDs("", 300000), func(r *LedgerAccount, m emulator.Meta) {
		r.ID, r.CreatedAt, r.UpdatedAt = intID(m), m.Created, m.Updated
	})
	e.Parties = emulator.NewCollection(st, "parties", padded("pty_"), func(r *Party, m emulator.Meta) {
		r.ID, r.CreatedAt, r.UpdatedAt = m.ID, m.Created, m.Updated
	})
	e.Items = emulator.NewCollection(st, "items", emulator.SequentialIDs("", 500), func(r *Item, m emulator.Meta) {
		r.ID, r.CreatedAt, r.UpdatedAt = intID(m), m.Created, m.Updated
	})
	e.Invoices = emulator.NewCollection(st, "invoices", uuids("invoices"), func(r *Invoice, m emulator.Meta) {
		r.ID, r.CreatedAt, r.UpdatedAt = m.ID, m.Created, m.Updated
	})
	e.CreditNotes = emulator.NewCollection(st, "credit_notes", uuids("credit-notes"), func(r *CreditNote, m emulator.Meta) {
		r.ID, r.CreatedAt, r.UpdatedAt = m.ID, m.Created, m.Updated
	})
	e.Payments = emulator.NewCollection(st, "payments", padded("pay_"), func(r *Payment, m emulator.Meta) {
		r.ID, r.CreatedAt, r.UpdatedAt = m.ID, m.Created, m.Updated
	})
	e.Journals = emulator.NewCollection(st, "journals", padded("jnl_"), func(r *Journal, m emulator.Meta) {
		r.ID, r.CreatedAt, r.UpdatedAt = m.ID, m.Created, m.Updated
	})
	e.Expenses = emulator.NewCollection(st, "expenses", emulator.SequentialIDs("", 80000), func(r *Expense, m emulator.Meta) {
		r.ID, r.CreatedAt, r.UpdatedAt = intID(m), m.Created, m.Updated
	})
}

func (e *Emulator) register() {
	s := e.Server
	sandboxapi.Register(s, sandboxapi.Resource[LedgerAccount]{
		Path: "/v1/ledger-accounts", Collection: e.Accounts, Ops: "LGCU",
		ReadOnly: []string{"balance"}, Immutable: []string{"kind"}, Validate: e.validateAccount, Present: e.presentAccount,
	})
	sandboxapi.Register(s, sandboxapi.Resource[Party]{Path: "/v1/parties", Collection: e.Parties, Ops: "LGCU", Validate: e.validateParty})
	sandboxapi.Register(s, sandboxapi.Resource[Invoice]{
		Path: "/v1/invoices", Collection: e.Invoices, Ops: "LGCUD",
		ReadOnly:  []string{"subtotal", "tax_total", "total", "amount_paid", "amount_credited", "amount_due", "paid_at"},
		Immutable: []string{"direction"}, Validate: e.validateInvoice, Filter: e.filterInvoices, BeforeDelete: e.beforeDeleteInvoice,
	})
	sandboxapi.Register(s, sandboxapi.Resource[Payment]{
		Path: "/v1/payments", Collection: e.Payments, Ops: "LGC", ReadOnly: []string{"unallocated"}, Validate: e.validatePayment,
	})
	sandboxapi.Register(s, sandboxapi.Resource[CreditNote]{
		Path: "/v1/credit-notes", Collection: e.CreditNotes, Ops: "LGC",
		ReadOnly: []string{"subtotal", "tax_total", "total", "remaining"}, Validate: e.validateCreditNote,
	})
	sandboxapi.Register(s, sandboxapi.Resource[Item]{Path: "/v1/items", Collection: e.Items, Ops: "LGCU", Validate: e.validateItem})
	sandboxapi.Register(s, sandboxapi.Resource[Journal]{
		Path: "/v1/journals", Collection: e.Journals, Ops: "LGC",
		ReadOnly: []string{"number", "total_debit", "total_credit"}, Validate: e.validateJournal,
	})
	sandboxapi.Register(s, sandboxapi.Resource[TaxRate]{Path: "/v1/tax-rates", Collection: e.TaxRates, Ops: "LG"})
	sandboxapi.Register(s, sandboxapi.Resource[Expense]{
		Path: "/v1/expenses", Collection: e.Expenses, Ops: "LGC", ReadOnly: []string{"total", "tax_total"}, Validate: e.validateExpense,
	})
	s.Handle("GET /v1/company", e.serveCompany)
	s.Handle("/v1/company", func(w http.ResponseWriter, r *http.Request) {
		sandboxapi.WriteError(w, http.StatusMethodNotAllowed, "method_not_allowed", "the company is read only")
	})
}

// serveCompany answers the singleton GET /v1/company.
func (e *Emulator) serveCompany(w http.ResponseWriter, r *http.Request) {
	c, _, ok := e.Company.Get(companyID)
	if !ok {
		sandboxapi.WriteError(w, http.StatusNotFound, "not_found", "the organisation is not set up")
		return
	}
	emulator.WriteJSON(w, http.StatusOK, map[string]any{"data": c})
}

// today is the current date in the ledger's calendar.
func (e *Emulator) today() string { return e.Store.Now().Format(time.DateOnly) }

// --- shared checks ----------------------------------------------------------

// currency fills in a document's currency (def when empty) and its rate to
// GBP (the ledger's rate when empty), and checks both.
func (e *Emulator) currency(c *sandboxapi.Checker, cur *string, rate *string, def string) {
	if *cur == "" {
		*cur = def
	}
	table, ok := fxToBase[*cur]
	if !ok {
		c.Add("currency", "currency %s is not enabled for this organisation", *cur)
		return
	}
	if rate == nil {
		return
	}
	if *rate == "" {
		*rate = table
	}
	r, ok := parseDec(*rate, 6)
	switch {
	case !ok || r.Sign() <= 0:
		c.Add("fx_rate", "fx_rate must be a positive decimal number")
	case *cur == baseCurrency && r.Cmp(big.NewRat(1, 1)) != 0:
		c.Add("fx_rate", "fx_rate of a %s document is 1", baseCurrency)
	}
}

// account finds a ledger account, recording why it is missing.
func (e *Emulator) account(c *sandboxapi.Checker, field string, id int64) (LedgerAccount, bool) {
	if id == 0 {
		c.Add(field, "%s is required", field)
		return LedgerAccount{}, false
	}
	a, _, ok := e.Accounts.Get(strconv.FormatInt(id, 10))
	if !ok {
		c.Add(field, "%s %d does not exist", field, id)
		return a, false
	}
	if a.Archived {
		c.Add(field, "account %s (%s) is archived", a.Code, a.Name)
		return a, false
	}
	return a, true
}

func isMoneyAccount(a LedgerAccount) bool { return a.Subtype == "bank" || a.Subtype == "credit_card" }

// postingAccount checks an account that document lines post to: neither a
// bank or card account (money moves through payments) nor a memo account.
func (e *Emulator) postingAccount(c *sandboxapi.Checker, field string, id *int64) (LedgerAccount, bool) {
	var n int64
	if id != nil {
		n = *id
	}
	a, ok := e.account(c, field, n)
	if ok && (isMoneyAccount(a) || a.Kind == "memo") {
		c.Add(field, "lines cannot post to %s account %s (%s)", a.Subtype, a.Code, a.Name)
		return a, false
	}
	return a, ok
}

// moneyAccount checks the bank or card account money moves through.
func (e *Emulator) moneyAccount(c *sandboxapi.Checker, field string, id int64) (LedgerAccount, bool) {
	a, ok := e.account(c, field, id)
	if ok && !isMoneyAccount(a) {
		c.Add(field, "account %s (%s) is not a bank or card account", a.Code, a.Name)
		return a, false
	}
	return a, ok
}

// party finds a party, recording why it is missing or unusable.
func (e *Emulator) party(c *sandboxapi.Checker, field, id string) (Party, bool) {
	if id == "" {
		c.Add(field, "%s is required", field)
		return Party{}, false
	}
	p, _, ok := e.Parties.Get(id)
	if !ok {
		c.Add(field, "%s %s does not exist", field, id)
		return p, false
	}
	if p.Status == "archived" {
		c.Add(field, "party %s (%s) is archived", id, p.DisplayName)
		return p, false
	}
	return p, true
}

// taxRate returns the rate (a fraction) of an optional tax rate; zero when
// none is given.
func (e *Emulator) taxRate(c *sandboxapi.Checker, field string, id *string) *big.Rat {
	if id == nil || *id == "" {
		return new(big.Rat)
	}
	t, _, ok := e.TaxRates.Get(*id)
	switch {
	case !ok:
		c.Add(field, "%s %s does not exist", field, *id)
	case t.Status != "active":
		c.Add(field, "tax rate %s (%s) is archived", t.ID, t.Name)
	default:
		return mustDec(t.Rate)
	}
	return new(big.Rat)
}

// date checks a date, filling in today when it is empty.
func (e *Emulator) date(c *sandboxapi.Checker, field string, v *string) {
	if *v == "" {
		*v = e.today()
	}
	c.Date(field, *v)
}

// nextNumber returns prefix plus one more than the highest number with that
// prefix among used (so numbering survives a restart from a saved state).
func nextNumber(prefix string, used []string) string {
	highest := 0
	for _, n := range used {
		if len(n) > len(prefix) && n[:len(prefix)] == prefix {
			if k, err := strconv.Atoi(n[len(prefix):]); err == nil && k > highest {
				highest = k
			}
		}
	}
	return fmt.Sprintf("%s%04d", prefix, highest+1)
}

// --- ledger accounts ----------------------------------------------------------

var accountCodeRe = regexp.MustCompile(`^[0-9A-Z][0-9A-Z.-]{0,9}$`)

func (e *Emulator) validateAccount(a *LedgerAccount, create bool) []sandboxapi.FieldError {
	var c sandboxapi.Checker
	c.Required("code", a.Code)
	if a.Code != "" && !accountCodeRe.MatchString(a.Code) {
		c.Add("code", "code has 1 to 10 characters: digits, capitals, dots and dashes")
	}
	for _, other := range e.Accounts.All() {
		if other.Code == a.Code && other.ID != a.ID {
			c.Add("code", "code %s is already used by account %d (%s)", a.Code, other.ID, other.Name)
		}
	}
	c.Required("name", a.Name)
	c.MaxLen("name", a.Name, 150)
	c.MaxLen("description", a.Description, 4000)
	c.Required("kind", a.Kind)
	kinds := []string{"asset", "liability", "equity", "income", "expense", "memo"}
	c.OneOf("kind", a.Kind, kinds...)
	if subs, ok := subtypes[a.Kind]; ok {
		if a.Subtype == "" {
			a.Subtype = subs[0]
		}
		c.OneOf("subtype", a.Subtype, subs...)
	}
	e.currency(&c, &a.Currency, nil, baseCurrency)
	if a.ParentID != nil {
		p, _, ok := e.Accounts.Get(strconv.FormatInt(*a.ParentID, 10))
		switch {
		case !ok:
			c.Add("parent_id", "parent_id %d does not exist", *a.ParentID)
		case p.ID == a.ID:
			c.Add("parent_id", "an account cannot be its own parent")
		case p.Kind != a.Kind:
			c.Add("parent_id", "the parent of a %s account is a %s account; %s is %s", a.Kind, a.Kind, p.Code, p.Kind)
		}
	}
	return c.Errors
}

// presentAccount adds the balance, computed from every posting.
func (e *Emulator) presentAccount(a LedgerAccount) any {
	a.Balance = cents(e.balance(a))
	return a
}

// --- parties ------------------------------------------------------------------

func (e *Emulator) validateParty(p *Party, create bool) []sandboxapi.FieldError {
	var c sandboxapi.Checker
	c.Required("display_name", p.DisplayName)
	c.MaxLen("display_name", p.DisplayName, 255)
	c.MaxLen("legal_name", p.LegalName, 255)
	c.Emails("emails", p.Emails)
	c.Phones("phones", p.Phones)
	c.Addresses("addresses", p.Addresses)
	c.MaxLen("vat_number", p.VATNumber, 32)
	e.currency(&c, &p.Currency, nil, baseCurrency)
	if p.PaymentTermsDays == nil {
		terms := 30
		p.PaymentTermsDays = &terms
	} else if *p.PaymentTermsDays < 0 || *p.PaymentTermsDays > 365 {
		c.Add("payment_terms_days", "payment_terms_days is between 0 and 365")
	}
	if p.Status == "" {
		p.Status = "active"
	}
	c.OneOf("status", p.Status, "active", "archived", "blocked")
	p.Emails, p.Phones, p.Addresses = sandboxapi.NonNil(p.Emails), sandboxapi.NonNil(p.Phones), sandboxapi.NonNil(p.Addresses)
	return c.Errors
}

// --- items --------------------------------------------------------------------

func (e *Emulator) validateItem(it *Item, create bool) []sandboxapi.FieldError {
	var c sandboxapi.Checker
	c.Required("name", it.Name)
	c.MaxLen("name", it.Name, 255)
	c.MaxLen("sku", it.SKU, 30)
	c.MaxLen("description", it.Description, 4000)
	if it.SKU != "" {
		for _, other := range e.Items.All() {
			if other.SKU == it.SKU && other.ID != it.ID {
				c.Add("sku", "sku %s is already used by item %d", it.SKU, other.ID)
			}
		}
	}
	e.itemTerms(&c, "sale", it.Sale, "income")
	e.itemTerms(&c, "purchase", it.Purchase, "expense", "asset")
	if it.Status == "" {
		it.Status = "active"
	}
	c.OneOf("status", it.Status, "active", "inactive")
	return c.Errors
}

// itemTerms checks a price and the account it posts to, of one of kinds.
func (e *Emulator) itemTerms(c *sandboxapi.Checker, field string, t *ItemTerms, kinds ...string) {
	if t == nil {
		return
	}
	if t.Price != "" {
		if r, ok := parseDec(t.Price, 4); !ok || r.Sign() < 0 {
			c.Add(field+".price", "%s.price must be a decimal number, not negative, with at most 4 decimals", field)
		} else {
			t.Price = plain(r, 2)
		}
	}
	if t.AccountID == nil {
		return
	}
	a, ok := e.postingAccount(c, field+".account_id", t.AccountID)
	if ok && !slices.Contains(kinds, a.Kind) {
		c.Add(field+".account_id", "%s.account_id %d is a %s account; it must be a %s account", field, a.ID, a.Kind, kinds[0])
	}
}
