// Package sandbox is Sandbox Ledger: an imaginary accounting vendor of
// Unimesh's sandbox line (the sandboxapi dialect), with its emulator — a
// stateful fake seeded with the books of a small UK outdoor-gear company,
// served by `unimesh dev` and used by the tests — and its connector to the
// unified accounting API.
//
// Sandbox Ledger's API (base URL <root>/v1). Amounts are decimal strings,
// exact to the cent; quantities, unit prices and rates keep up to 4 decimals.
//
//	/ledger-accounts  chart of accounts (LGCU): integer ids; code (unique), name, kind asset|liability|equity|
//	                  income|expense|memo (fixed at creation), subtype (per kind, such as bank, receivable,
//	                  sales, overhead), archived, currency, parent_id, balance (read only, from the postings)
//	/parties          customers and suppliers (LGCU): ids "pty_000042"; display_name, legal_name, roles
//	                  {customer, supplier}, emails[], phones[], addresses[], vat_number, currency,
//	                  payment_terms_days, status active|archived|blocked, custom
//	/invoices         sales invoices and bills (LGCUD): UUID ids; direction sales|purchase (fixed at
//	                  creation), number (INV-0001 / BILL-0001 when not given), party_id, issued_on, due_on
//	                  (issued_on + the party's terms when not given), currency, fx_rate (to GBP), lines[]
//	                  {id, description, qty, unit_price, line_total, tax_amount, item_id, account_id,
//	                  tax_rate_id}, memo, custom, status draft|awaiting_approval|approved|sent|disputed|
//	                  partly_paid|paid|voided; read only: subtotal, tax_total, total, amount_paid,
//	                  amount_credited, amount_due, paid_at. Only drafts can be deleted (else 409).
//	/payments         money received or paid (LGC): ids "pay_000042"; direction incoming|outgoing, party_id,
//	                  account_id (a bank or card account), amount (Σ allocations when not given), currency,
//	                  paid_on, reference, allocations[] {invoice_id, amount}; unallocated (read only).
//	                  Allocations reduce the invoices' amount_due and move them to partly_paid or paid.
//	/credit-notes     credit notes (LGC): UUID ids; like invoices (numbers CN-0001 / SCN-0001), status
//	                  draft|awaiting_approval|approved|applied|refunded|voided, allocations[] to invoices of
//	                  the same party (when approved); read only: subtotal, tax_total, total, remaining
//	/items            products and services (LGCU): integer ids; sku, name, description, sale {price,
//	                  account_id}, purchase {price, account_id}, status active|inactive, custom
//	/journals         manual journals (LGC): ids "jnl_000042"; number (MJ-0001, always the ledger's own),
//	                  posted_on, narration, currency, lines[] {account_id, side debit|credit, amount, party_id,
//	                  description}: at least two, balanced; total_debit and total_credit (read only)
//	/tax-rates        tax rates (LG): ids "txr_1"; name, code, rate as a fraction (0.2 for 20%), status
//	                  active|archived
//	/expenses         spend money (LGC): integer ids; spent_on, payee_id, paid_from_account_id (a bank or
//	                  card account), payment_method card|cash|bank_transfer, currency, lines[] {description,
//	                  amount (tax included), account_id, tax_rate_id, tax_amount}, memo; total and tax_total
//	                  (read only)
//	/company          GET only: the organisation the API key belongs to — legal and trading names, base
//	                  currency, fiscal_year_end "MM-DD", addresses, vat_number, company_number
//
// Tax is computed per line and rounded to the cent, half away from zero.
// Which unified fields map to which of these is the connector's business, in
// connector.go.
package sandbox

import (
	"time"

	"github.com/unimesh/unimesh/pkg/sandboxapi"
)

// LedgerAccount is an account of the chart of accounts.
type LedgerAccount struct {
	ID          int64     `json:"id"`
	Code        string    `json:"code"`
	Name        string    `json:"name"`
	Description string    `json:"description"`
	Kind        string    `json:"kind"`
	Subtype     string    `json:"subtype"`
	Archived    bool      `json:"archived"`
	Currency    string    `json:"currency"`
	ParentID    *int64    `json:"parent_id"`
	Balance     string    `json:"balance"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// Roles says what a party is to the business.
type Roles struct {
	Customer bool `json:"customer"`
	Supplier bool `json:"supplier"`
}

// Party is a customer or supplier.
type Party struct {
	ID               string               `json:"id"`
	DisplayName      string               `json:"display_name"`
	LegalName        string               `json:"legal_name"`
	Roles            Roles                `json:"roles"`
	Emails           []sandboxapi.Email   `json:"emails"`
	Phones           []sandboxapi.Phone   `json:"phones"`
	Addresses        []sandboxapi.Address `json:"addresses"`
	VATNumber        string               `json:"vat_number"`
	Currency         string               `json:"currency"`
	PaymentTermsDays *int                 `json:"payment_terms_days"`
	Status           string               `json:"status"`
	Custom           map[string]any       `json:"custom"`
	CreatedAt        time.Time            `json:"created_at"`
	UpdatedAt        time.Time            `json:"updated_at"`
}

// Line is a line of an invoice or credit note. Send qty and unit_price, or
// line_total alone; tax_amount is computed.
type Line struct {
	ID          string  `json:"id"`
	Description string  `json:"description"`
	Qty         string  `json:"qty"`
	UnitPrice   string  `json:"unit_price"`
	LineTotal   string  `json:"line_total"`
	TaxAmount   string  `json:"tax_amount"`
	ItemID      *int64  `json:"item_id"`
	AccountID   *int64  `json:"account_id"`
	TaxRateID   *string `json:"tax_rate_id"`
}

// Invoice is a sales invoice or a bill.
type Invoice struct {
	ID             string         `json:"id"`
	Direction      string         `json:"direction"`
	Number         string         `json:"number"`
	PartyID        string         `json:"party_id"`
	IssuedOn       string         `json:"issued_on"`
	DueOn          string         `json:"due_on"`
	Currency       string         `json:"currency"`
	FXRate         string         `json:"fx_rate"`
	Lines          []Line         `json:"lines"`
	Subtotal       string         `json:"subtotal"`
	TaxTotal       string         `json:"tax_total"`
	Total          string         `json:"total"`
	AmountPaid     string         `json:"amount_paid"`
	AmountCredited string         `json:"amount_credited"`
	AmountDue      string         `json:"amount_due"`
	Status         string         `json:"status"`
	PaidAt         *time.Time     `json:"paid_at"`
	Memo           string         `json:"memo"`
	Custom         map[string]any `json:"custom"`
	CreatedAt      time.Time      `json:"created_at"`
	UpdatedAt      time.Time      `json:"updated_at"`
}

// Allocation is the part of a payment or credit note applied to one invoice.
type Allocation struct {
	InvoiceID string `json:"invoice_id"`
	Amount    string `json:"amount"`
}

// Payment is money received from a customer or paid to a supplier.
type Payment struct {
	ID          string       `json:"id"`
	Direction   string       `json:"direction"`
	PartyID     string       `json:"party_id"`
	AccountID   int64        `json:"account_id"`
	Amount      string       `json:"amount"`
	Currency    string       `json:"currency"`
	PaidOn      string       `json:"paid_on"`
	Reference   string       `json:"reference"`
	Allocations []Allocation `json:"allocations"`
	Unallocated string       `json:"unallocated"`
	CreatedAt   time.Time    `json:"created_at"`
	UpdatedAt   time.Time    `json:"updated_at"`
}

// CreditNote is a credit note issued to a customer or received from a supplier.
type CreditNote struct {
	ID          string         `json:"id"`
	Direction   string         `json:"direction"`
	Number      string         `json:"number"`
	PartyID     string         `json:"party_id"`
	IssuedOn    string         `json:"issued_on"`
	Currency    string         `json:"currency"`
	FXRate      string         `json:"fx_rate"`
	Lines       []Line         `json:"lines"`
	Subtotal    string         `json:"subtotal"`
	TaxTotal    string         `json:"tax_total"`
	Total       string         `json:"total"`
	Allocations []Allocation   `json:"allocations"`
	Remaining   string         `json:"remaining"`
	Status      string         `json:"status"`
	Memo        string         `json:"memo"`
	Custom      map[string]any `json:"custom"`
	CreatedAt   time.Time      `json:"created_at"`
	UpdatedAt   time.Time      `json:"updated_at"`
}

// ItemTerms are the price and ledger account of buying or selling an item.
type ItemTerms struct {
	Price     string `json:"price"`
	AccountID *int64 `json:"account_id"`
}

// Item is a product or service.
type Item struct {
	ID          int64          `json:"id"`
	SKU         string         `json:"sku"`
	Name        string         `json:"name"`
	Description string         `json:"description"`
	Sale        *ItemTerms     `json:"sale"`
	Purchase    *ItemTerms     `json:"purchase"`
	Status      string         `json:"status"`
	Custom      map[string]any `json:"custom"`
	CreatedAt   time.Time      `json:"created_at"`
	UpdatedAt   time.Time      `json:"updated_at"`
}

// JournalLine is one side of a journal: an amount debited or credited.
type JournalLine struct {
	AccountID   int64   `json:"account_id"`
	Side        string  `json:"side"`
	Amount      string  `json:"amount"`
	PartyID     *string `json:"party_id"`
	Description string  `json:"description"`
}

// Journal is a manual journal.
type Journal struct {
	ID          string        `json:"id"`
	Number      string        `json:"number"`
	PostedOn    string        `json:"posted_on"`
	Narration   string        `json:"narration"`
	Currency    string        `json:"currency"`
	Lines       []JournalLine `json:"lines"`
	TotalDebit  string        `json:"total_debit"`
	TotalCredit string        `json:"total_credit"`
	CreatedAt   time.Time     `json:"created_at"`
	UpdatedAt   time.Time     `json:"updated_at"`
}

// TaxRate is a tax rate lines can apply; Rate is a fraction (0.2 for 20%).
type TaxRate struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	Code      string    `json:"code"`
	Rate      string    `json:"rate"`
	Status    string    `json:"status"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// ExpenseLine is one line of an expense; Amount includes its tax.
type ExpenseLine struct {
	Description string  `json:"description"`
	Amount      string  `json:"amount"`
	AccountID   *int64  `json:"account_id"`
	TaxRateID   *string `json:"tax_rate_id"`
	TaxAmount   string  `json:"tax_amount"`
}

// Expense is money spent directly from a bank or card account.
type Expense struct {
	ID                int64         `json:"id"`
	SpentOn           string        `json:"spent_on"`
	PayeeID           *string       `json:"payee_id"`
	PaidFromAccountID int64         `json:"paid_from_account_id"`
	PaymentMethod     string        `json:"payment_method"`
	Currency          string        `json:"currency"`
	Lines             []ExpenseLine `json:"lines"`
	Total             string        `json:"total"`
	TaxTotal          string        `json:"tax_total"`
	Memo              string        `json:"memo"`
	CreatedAt         time.Time     `json:"created_at"`
	UpdatedAt         time.Time     `json:"updated_at"`
}

// Company is the organisation whose books the API key opens.
type Company struct {
	ID            string               `json:"id"`
	LegalName     string               `json:"legal_name"`
	TradingName   string               `json:"trading_name"`
	BaseCurrency  string               `json:"base_currency"`
	FiscalYearEnd string               `json:"fiscal_year_end"`
	CompanyNumber string               `json:"company_number"`
	VATNumber     string               `json:"vat_number"`
	Addresses     []sandboxapi.Address `json:"addresses"`
	Timezone      string               `json:"timezone"`
	CreatedAt     time.Time            `json:"created_at"`
	UpdatedAt     time.Time            `json:"updated_at"`
}
