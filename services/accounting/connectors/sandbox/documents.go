package sandbox

import (
	"errors"
	"fmt"
	"math/big"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/unimesh/unimesh/pkg/sandboxapi"
)

// Invoice statuses a client may set; partly_paid and paid follow payments.
var settableInvoiceStatuses = []string{"draft", "awaiting_approval", "approved", "sent", "disputed", "voided"}

// openInvoiceStatuses are those of invoices that payments and credits can settle.
var openInvoiceStatuses = []string{"approved", "sent", "disputed", "partly_paid"}

// invoiceDirectionOf maps a payment's direction to the invoices it pays.
var invoiceDirectionOf = map[string]string{"incoming": "sales", "outgoing": "purchase"}

// --- lines ----------------------------------------------------------------------

// documentLines fills in, checks and prices the lines of an invoice or
// credit note, numbering new lines after those of old (the stored lines of
// the document on an update; nil on a create). It returns the subtotal and
// the tax.
func (e *Emulator) documentLines(c *sandboxapi.Checker, lines []Line, direction string, old []Line, create bool) (*big.Rat, *big.Rat) {
	if len(lines) == 0 {
		c.Add("lines", "a document needs at least one line")
	}
	e.lineIDs(c, lines, old, create)
	subtotal, tax := new(big.Rat), new(big.Rat)
	for i := range lines {
		net, t := e.line(c, fmt.Sprintf("lines[%d]", i), &lines[i], direction)
		subtotal.Add(subtotal, net)
		tax.Add(tax, t)
	}
	return subtotal, tax
}

// lineIDs gives new lines ids ("ln_1", "ln_2"... within the document) and
// checks that the lines sent with ids are lines of the document.
func (e *Emulator) lineIDs(c *sandboxapi.Checker, lines []Line, old []Line, create bool) {
	known, next := map[string]bool{}, 1
	for _, l := range old {
		known[l.ID] = true
		if n, err := strconv.Atoi(strings.TrimPrefix(l.ID, "ln_")); err == nil && n >= next {
			next = n + 1
		}
	}
	seen := map[string]bool{}
	for i := range lines {
		l := &lines[i]
		f := fmt.Sprintf("lines[%d].id", i)
		switch {
		case l.ID == "":
			l.ID = "ln_" + strconv.Itoa(next)
			next++
		case create:
			c.Add(f, "send new lines without an id")
		case !known[l.ID]:
			c.Add(f, "%s is not a line of this document; send new lines without an id", l.ID)
		case seen[l.ID]:
			c.Add(f, "line %s is sent twice", l.ID)
		}
		seen[l.ID] = true
	}
}

// line fills in a line's defaults from its item, checks it and returns its
// net amount and tax.
func (e *Emulator) line(c *sandboxapi.Checker, f string, l *Line, direction string) (*big.Rat, *big.Rat) {
	var terms *ItemTerms
	if l.ItemID != nil {
		it, _, ok := e.Items.Get(strconv.FormatInt(*l.ItemID, 10))
		switch {
		case !ok:
			c.Add(f+".item_id", "item_id %d does not exist", *l.ItemID)
		case it.Status != "active":
			c.Add(f+".item_id", "item %d (%s) is inactive", it.ID, it.Name)
		default:
			terms = it.Sale
			if direction == "purchase" {
				terms = it.Purchase
			}
			if l.Description == "" {
				l.Description = it.Name
			}
		}
	}
	if terms != nil {
		if l.UnitPrice == "" && l.LineTotal == "" {
			l.UnitPrice = terms.Price
		}
		if l.AccountID == nil {
			l.AccountID = terms.AccountID
		}
	}
	c.Required(f+".description", l.Description)
	c.MaxLen(f+".description", l.Description, 4000)
	net := lineNet(c, f, l)
	e.postingAccount(c, f+".account_id", l.AccountID)
	tax := roundCents(mul(net, e.taxRate(c, f+".tax_rate_id", l.TaxRateID)))
	l.TaxAmount = cents(tax)
	return net, tax
}

// lineNet prices a line: qty × unit_price rounded to the cent, or the
// line_total sent alone.
func lineNet(c *sandboxapi.Checker, f string, l *Line) *big.Rat {
	if l.Qty == "" && l.UnitPrice == "" {
		total, ok := parseDec(l.LineTotal, 2)
		if !ok {
			c.Add(f+".unit_price", "a line needs qty and unit_price, or line_total (a decimal number with at most 2 decimals)")
			return new(big.Rat)
		}
		l.LineTotal = cents(total)
		return total
	}
	if l.Qty == "" {
		l.Qty = "1"
	}
	q, qok := parseDec(l.Qty, 4)
	if !qok || q.Sign() <= 0 {
		c.Add(f+".qty", "qty must be a positive decimal number with at most 4 decimals")
	}
	p, pok := parseDec(l.UnitPrice, 4)
	if !pok {
		c.Add(f+".unit_price", "unit_price must be a decimal number with at most 4 decimals")
	}
	if !qok || !pok {
		return new(big.Rat)
	}
	net := roundCents(mul(q, p))
	if l.LineTotal != "" {
		if given, ok := parseDec(l.LineTotal, 2); !ok || given.Cmp(net) != 0 {
			c.Add(f+".line_total", "line_total %s is not qty × unit_price (%s); send one or the other", l.LineTotal, cents(net))
		}
	}
	l.Qty, l.UnitPrice, l.LineTotal = plain(q, 0), plain(p, 2), cents(net)
	return net
}

// --- invoices -------------------------------------------------------------------

func (e *Emulator) validateInvoice(inv *Invoice, create bool) []sandboxapi.FieldError {
	var c sandboxapi.Checker
	var old *Invoice
	if !create {
		stored, _, _ := e.Invoices.Get(inv.ID)
		old = &stored
		if old.Status == "voided" {
			c.Add("status", "invoice %s is voided and cannot change", old.Number)
			return c.Errors
		}
	}
	c.Required("direction", inv.Direction)
	c.OneOf("direction", inv.Direction, "sales", "purchase")
	p, ok := e.party(&c, "party_id", inv.PartyID)
	e.dueDate(&c, inv, p, ok)
	def := baseCurrency
	if ok {
		def = p.Currency
	}
	e.currency(&c, &inv.Currency, &inv.FXRate, def)
	var oldLines []Line
	if old != nil {
		oldLines = old.Lines
	}
	subtotal, tax := e.documentLines(&c, inv.Lines, inv.Direction, oldLines, create)
	total := add(subtotal, tax)
	if total.Sign() < 0 {
		c.Add("lines", "the total of an invoice cannot be negative; issue a credit note instead")
	}
	inv.Subtotal, inv.TaxTotal, inv.Total = cents(subtotal), cents(tax), cents(total)
	e.invoiceNumber(&c, inv)
	invoiceStatus(&c, inv, old)
	if old != nil {
		frozen(&c, inv, old)
	}
	c.MaxLen("memo", inv.Memo, 4000)
	inv.AmountPaid, inv.AmountCredited = cents(mustDec(inv.AmountPaid)), cents(mustDec(inv.AmountCredited))
	inv.AmountDue = cents(sub(total, sum(inv.AmountPaid, inv.AmountCredited)))
	if inv.Status == "voided" {
		inv.AmountDue = "0.00"
	}
	if inv.Custom == nil {
		inv.Custom = map[string]any{}
	}
	return c.Errors
}

// dueDate fills in the issue date (today) and the due date (after the
// party's payment terms), and checks both.
func (e *Emulator) dueDate(c *sandboxapi.Checker, inv *Invoice, p Party, partyOK bool) {
	e.date(c, "issued_on", &inv.IssuedOn)
	issued, err := time.Parse(time.DateOnly, inv.IssuedOn)
	if err != nil {
		return
	}
	if inv.DueOn == "" {
		terms := 30
		if partyOK && p.PaymentTermsDays != nil {
			terms = *p.PaymentTermsDays
		}
		inv.DueOn = issued.AddDate(0, 0, terms).Format(time.DateOnly)
	}
	c.Date("due_on", inv.DueOn)
	if due, err := time.Parse(time.DateOnly, inv.DueOn); err == nil && due.Before(issued) {
		c.Add("due_on", "due_on %s is before issued_on %s", inv.DueOn, inv.IssuedOn)
	}
}

// invoiceNumber numbers a new invoice and checks that numbers are unique:
// sales invoices among themselves, bills per supplier (they carry the
// supplier's own numbers).
func (e *Emulator) invoiceNumber(c *sandboxapi.Checker, inv *Invoice) {
	var used []string
	for _, o := range e.Invoices.All() {
		if o.Direction != inv.Direction || o.ID == inv.ID {
			continue
		}
		used = append(used, o.Number)
		if o.Number == inv.Number && (inv.Direction == "sales" || o.PartyID == inv.PartyID) {
			c.Add("number", "number %s is already used by invoice %s", inv.Number, o.ID)
		}
	}
	if inv.Number == "" {
		prefix := "INV-"
		if inv.Direction == "purchase" {
			prefix = "BILL-"
		}
		inv.Number = nextNumber(prefix, used)
	}
	c.MaxLen("number", inv.Number, 50)
}

// invoiceStatus checks a status and its change from old (nil on a create).
func invoiceStatus(c *sandboxapi.Checker, inv *Invoice, old *Invoice) {
	if inv.Status == "" {
		inv.Status = "draft"
	}
	c.OneOf("status", inv.Status, "draft", "awaiting_approval", "approved", "sent", "disputed", "partly_paid", "paid", "voided")
	if old != nil && inv.Status == old.Status {
		return
	}
	switch {
	case old != nil && settled(*old).Sign() != 0:
		c.Add("status", "the status of an invoice with payments or credits follows them; it is %s", old.Status)
	case !slices.Contains(settableInvoiceStatuses, inv.Status):
		c.Add("status", "status %s follows the payments recorded against an invoice", inv.Status)
	case old != nil && inv.Status == "draft" && old.Status != "awaiting_approval":
		c.Add("status", "an invoice that is %s cannot go back to draft", old.Status)
	}
}

// frozen refuses changes to what payments and credits were made against.
func frozen(c *sandboxapi.Checker, inv, old *Invoice) {
	if settled(*old).Sign() == 0 {
		return
	}
	msg := "an invoice with payments or credits cannot change its %s"
	if inv.PartyID != old.PartyID {
		c.Add("party_id", msg, "party")
	}
	if inv.Currency != old.Currency || inv.FXRate != old.FXRate {
		c.Add("currency", msg, "currency")
	}
	if !reflect.DeepEqual(inv.Lines, old.Lines) {
		c.Add("lines", msg, "lines")
	}
}

// settled is what payments and credit notes have settled of an invoice.
func settled(inv Invoice) *big.Rat { return sum(inv.AmountPaid, inv.AmountCredited) }

// settle applies amount of a payment (or, with credit, of a credit note) to
// an invoice at time at, moving it to partly_paid or paid.
func settle(inv *Invoice, amount *big.Rat, credit bool, at time.Time) {
	if credit {
		inv.AmountCredited = cents(add(mustDec(inv.AmountCredited), amount))
	} else {
		inv.AmountPaid = cents(add(mustDec(inv.AmountPaid), amount))
	}
	due := sub(mustDec(inv.Total), settled(*inv))
	inv.AmountDue = cents(due)
	if due.Sign() == 0 {
		inv.Status, inv.PaidAt = "paid", &at
	} else {
		inv.Status = "partly_paid"
	}
}

func (e *Emulator) beforeDeleteInvoice(id string) error {
	inv, _, _ := e.Invoices.Get(id)
	if inv.Status != "draft" {
		return fmt.Errorf("invoice %s is %s; only draft invoices can be deleted (void it instead)", inv.Number, inv.Status)
	}
	return nil
}

// filterInvoices reads the list filters direction, status and party_id.
func (e *Emulator) filterInvoices(q map[string]string) (func(*Invoice) bool, []sandboxapi.FieldError) {
	var c sandboxapi.Checker
	c.OneOf("direction", q["direction"], "sales", "purchase")
	c.OneOf("status", q["status"], "draft", "awaiting_approval", "approved", "sent", "disputed", "partly_paid", "paid", "voided")
	for k := range q {
		if k != "direction" && k != "status" && k != "party_id" {
			c.Add(k, "unknown filter %s", k)
		}
	}
	return func(inv *Invoice) bool {
		return (q["direction"] == "" || inv.Direction == q["direction"]) &&
			(q["status"] == "" || inv.Status == q["status"]) &&
			(q["party_id"] == "" || inv.PartyID == q["party_id"])
	}, c.Errors
}

// --- allocations ------------------------------------------------------------------

// checkAllocations checks the allocations of a payment or credit note to
// invoices of one direction, party and currency, and returns their sum.
func (e *Emulator) checkAllocations(c *sandboxapi.Checker, allocs []Allocation, direction, partyID, currency string) *big.Rat {
	total := new(big.Rat)
	seen := map[string]bool{}
	for i := range allocs {
		a := &allocs[i]
		f := fmt.Sprintf("allocations[%d]", i)
		inv, _, ok := e.Invoices.Get(a.InvoiceID)
		switch {
		case !ok:
			c.Add(f+".invoice_id", "invoice %s does not exist", a.InvoiceID)
			continue
		case seen[inv.ID]:
			c.Add(f+".invoice_id", "invoice %s is allocated twice", inv.Number)
		case inv.Direction != direction:
			c.Add(f+".invoice_id", "invoice %s is a %s invoice; this allocates to %s invoices", inv.Number, inv.Direction, direction)
		case inv.PartyID != partyID:
			c.Add(f+".invoice_id", "invoice %s is of party %s, not %s", inv.Number, inv.PartyID, partyID)
		case inv.Currency != currency:
			c.Add(f+".invoice_id", "invoice %s is in %s, not %s", inv.Number, inv.Currency, currency)
		case !slices.Contains(openInvoiceStatuses, inv.Status):
			c.Add(f+".invoice_id", "invoice %s is %s; only approved invoices with an amount due can be settled", inv.Number, inv.Status)
		}
		seen[inv.ID] = true
		amt, ok := parseDec(a.Amount, 2)
		switch {
		case !ok || amt.Sign() <= 0:
			c.Add(f+".amount", "amount must be a positive amount with at most 2 decimals")
			continue
		case amt.Cmp(mustDec(inv.AmountDue)) > 0:
			c.Add(f+".amount", "%s exceeds the %s due on invoice %s", cents(amt), inv.AmountDue, inv.Number)
		}
		a.Amount = cents(amt)
		total.Add(total, amt)
	}
	return total
}

var errOverallocated = errors.New("allocation exceeds the amount due")

// applyAllocations settles the allocated invoices (the caller holds e.posting).
func (e *Emulator) applyAllocations(c *sandboxapi.Checker, allocs []Allocation, credit bool) {
	now := e.Store.Now()
	for i, a := range allocs {
		amt := mustDec(a.Amount)
		_, err := e.Invoices.Update(a.InvoiceID, func(inv *Invoice) error {
			if amt.Cmp(mustDec(inv.AmountDue)) > 0 {
				return errOverallocated
			}
			settle(inv, amt, credit, now)
			return nil
		})
		if err != nil {
			c.Add(fmt.Sprintf("allocations[%d].amount", i), "invoice %s: %v", a.InvoiceID, err)
			return
		}
	}
}

// --- payments ---------------------------------------------------------------------

func (e *Emulator) validatePayment(p *Payment, create bool) []sandboxapi.FieldError {
	e.posting.Lock()
	defer e.posting.Unlock()
	var c sandboxapi.Checker
	c.Required("direction", p.Direction)
	c.OneOf("direction", p.Direction, "incoming", "outgoing")
	e.party(&c, "party_id", p.PartyID)
	acct, ok := e.moneyAccount(&c, "account_id", p.AccountID)
	e.date(&c, "paid_on", &p.PaidOn)
	def := baseCurrency
	if ok {
		def = acct.Currency
	}
	e.currency(&c, &p.Currency, nil, def)
	if ok && acct.Currency != p.Currency && acct.Currency != baseCurrency {
		c.Add("account_id", "account %s holds %s; it cannot take a %s payment", acct.Code, acct.Currency, p.Currency)
	}
	p.Allocations = sandboxapi.NonNil(p.Allocations)
	allocated := e.checkAllocations(&c, p.Allocations, invoiceDirectionOf[p.Direction], p.PartyID, p.Currency)
	if p.Amount == "" && len(p.Allocations) > 0 {
		p.Amount = cents(allocated)
	}
	amount, aok := parseDec(p.Amount, 2)
	switch {
	case p.Amount == "":
		c.Add("amount", "amount is required when there are no allocations")
	case !aok || amount.Sign() <= 0:
		c.Add("amount", "amount must be a positive amount with at most 2 decimals")
	case allocated.Cmp(amount) > 0:
		c.Add("allocations", "the allocations (%s) exceed the amount (%s)", cents(allocated), cents(amount))
	}
	c.MaxLen("reference", p.Reference, 255)
	if len(c.Errors) > 0 {
		return c.Errors
	}
	p.Amount, p.Unallocated = cents(amount), cents(sub(amount, allocated))
	e.applyAllocations(&c, p.Allocations, false)
	return c.Errors
}

// --- credit notes -----------------------------------------------------------------

func (e *Emulator) validateCreditNote(cn *CreditNote, create bool) []sandboxapi.FieldError {
	e.posting.Lock()
	defer e.posting.Unlock()
	var c sandboxapi.Checker
	c.Required("direction", cn.Direction)
	c.OneOf("direction", cn.Direction, "sales", "purchase")
	p, ok := e.party(&c, "party_id", cn.PartyID)
	e.date(&c, "issued_on", &cn.IssuedOn)
	def := baseCurrency
	if ok {
		def = p.Currency
	}
	e.currency(&c, &cn.Currency, &cn.FXRate, def)
	subtotal, tax := e.documentLines(&c, cn.Lines, cn.Direction, nil, true)
	total := add(subtotal, tax)
	if total.Sign() <= 0 {
		c.Add("lines", "the total of a credit note must be positive")
	}
	cn.Subtotal, cn.TaxTotal, cn.Total = cents(subtotal), cents(tax), cents(total)
	e.creditNoteNumber(&c, cn)
	if cn.Status == "" {
		cn.Status = "draft"
	}
	c.OneOf("status", cn.Status, "draft", "awaiting_approval", "approved", "refunded", "voided", "applied")
	if cn.Status == "applied" {
		c.Add("status", "status applied follows the allocations of an approved credit note")
	}
	cn.Allocations = sandboxapi.NonNil(cn.Allocations)
	if len(cn.Allocations) > 0 && cn.Status != "approved" {
		c.Add("allocations", "only an approved credit note can be allocated; this one is %s", cn.Status)
	}
	allocated := e.checkAllocations(&c, cn.Allocations, cn.Direction, cn.PartyID, cn.Currency)
	if allocated.Cmp(total) > 0 {
		c.Add("allocations", "the allocations (%s) exceed the credit note's total (%s)", cents(allocated), cents(total))
	}
	c.MaxLen("memo", cn.Memo, 4000)
	if cn.Custom == nil {
		cn.Custom = map[string]any{}
	}
	if len(c.Errors) > 0 {
		return c.Errors
	}
	creditRemaining(cn, allocated)
	e.applyAllocations(&c, cn.Allocations, true)
	return c.Errors
}

// creditRemaining sets what is left of a credit note, and applied once
// nothing is.
func creditRemaining(cn *CreditNote, allocated *big.Rat) {
	remaining := sub(mustDec(cn.Total), allocated)
	if cn.Status == "refunded" || cn.Status == "voided" {
		remaining = new(big.Rat)
	}
	cn.Remaining = cents(remaining)
	if cn.Status == "approved" && remaining.Sign() == 0 {
		cn.Status = "applied"
	}
}

func (e *Emulator) creditNoteNumber(c *sandboxapi.Checker, cn *CreditNote) {
	prefix := "CN-"
	if cn.Direction == "purchase" {
		prefix = "SCN-"
	}
	var used []string
	for _, o := range e.CreditNotes.All() {
		if o.Direction == cn.Direction {
			used = append(used, o.Number)
			if o.Number == cn.Number && (cn.Direction == "sales" || o.PartyID == cn.PartyID) {
				c.Add("number", "number %s is already used by credit note %s", cn.Number, o.ID)
			}
		}
	}
	if cn.Number == "" {
		cn.Number = nextNumber(prefix, used)
	}
	c.MaxLen("number", cn.Number, 50)
}
