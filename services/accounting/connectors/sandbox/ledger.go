package sandbox

import (
	"fmt"
	"math/big"
	"slices"

	"github.com/unimesh/unimesh/pkg/sandboxapi"
)

// --- journals -------------------------------------------------------------------

func (e *Emulator) validateJournal(j *Journal, create bool) []sandboxapi.FieldError {
	var c sandboxapi.Checker
	e.date(&c, "posted_on", &j.PostedOn)
	c.MaxLen("narration", j.Narration, 4000)
	e.currency(&c, &j.Currency, nil, baseCurrency)
	if len(j.Lines) < 2 {
		c.Add("lines", "a journal needs at least two lines")
	}
	debit, credit := new(big.Rat), new(big.Rat)
	for i := range j.Lines {
		l := &j.Lines[i]
		f := fmt.Sprintf("lines[%d]", i)
		e.account(&c, f+".account_id", l.AccountID)
		c.Required(f+".side", l.Side)
		c.OneOf(f+".side", l.Side, "debit", "credit")
		if l.PartyID != nil && *l.PartyID != "" {
			e.party(&c, f+".party_id", *l.PartyID)
		}
		c.MaxLen(f+".description", l.Description, 4000)
		amt, ok := parseDec(l.Amount, 2)
		if !ok || amt.Sign() <= 0 {
			c.Add(f+".amount", "amount must be a positive amount with at most 2 decimals")
			continue
		}
		l.Amount = cents(amt)
		if l.Side == "debit" {
			debit.Add(debit, amt)
		} else {
			credit.Add(credit, amt)
		}
	}
	if debit.Cmp(credit) != 0 {
		c.Add("lines", "debits (%s) and credits (%s) do not balance", cents(debit), cents(credit))
	}
	j.TotalDebit, j.TotalCredit = cents(debit), cents(credit)
	if create {
		var used []string
		for _, o := range e.Journals.All() {
			used = append(used, o.Number)
		}
		j.Number = nextNumber("MJ-", used)
	}
	return c.Errors
}

// --- expenses -------------------------------------------------------------------

func (e *Emulator) validateExpense(x *Expense, create bool) []sandboxapi.FieldError {
	var c sandboxapi.Checker
	e.date(&c, "spent_on", &x.SpentOn)
	acct, ok := e.moneyAccount(&c, "paid_from_account_id", x.PaidFromAccountID)
	if x.PayeeID != nil && *x.PayeeID != "" {
		e.party(&c, "payee_id", *x.PayeeID)
	}
	def := baseCurrency
	if ok {
		def = acct.Currency
	}
	e.currency(&c, &x.Currency, nil, def)
	if ok && acct.Currency != x.Currency && acct.Currency != baseCurrency {
		c.Add("paid_from_account_id", "account %s holds %s; it cannot pay in %s", acct.Code, acct.Currency, x.Currency)
	}
	if x.PaymentMethod == "" {
		x.PaymentMethod = "bank_transfer"
		if acct.Subtype == "credit_card" {
			x.PaymentMethod = "card"
		}
	}
	c.OneOf("payment_method", x.PaymentMethod, "card", "cash", "bank_transfer")
	if len(x.Lines) == 0 {
		c.Add("lines", "an expense needs at least one line")
	}
	total, tax := new(big.Rat), new(big.Rat)
	for i := range x.Lines {
		gross, t := e.expenseLine(&c, fmt.Sprintf("lines[%d]", i), &x.Lines[i])
		total.Add(total, gross)
		tax.Add(tax, t)
	}
	x.Total, x.TaxTotal = cents(total), cents(tax)
	c.MaxLen("memo", x.Memo, 4000)
	return c.Errors
}

// expenseLine checks a line and works out the tax its amount includes:
// amount × rate / (1 + rate), to the cent.
func (e *Emulator) expenseLine(c *sandboxapi.Checker, f string, l *ExpenseLine) (*big.Rat, *big.Rat) {
	c.MaxLen(f+".description", l.Description, 4000)
	e.postingAccount(c, f+".account_id", l.AccountID)
	rate := e.taxRate(c, f+".tax_rate_id", l.TaxRateID)
	gross, ok := parseDec(l.Amount, 2)
	if !ok || gross.Sign() <= 0 {
		c.Add(f+".amount", "amount must be a positive amount with at most 2 decimals")
		return new(big.Rat), new(big.Rat)
	}
	tax := roundCents(new(big.Rat).Quo(mul(gross, rate), add(big.NewRat(1, 1), rate)))
	l.Amount, l.TaxAmount = cents(gross), cents(tax)
	return gross, tax
}

// --- balances -------------------------------------------------------------------

// posting is one debit (positive) or credit (negative) of a document to an
// account, in the document's currency with its rate to GBP.
type posting struct {
	account  int64
	amount   *big.Rat
	currency string
	fx       *big.Rat
}

// postedInvoice and postedCredit are the statuses that post to the ledger.
var (
	postedInvoice = []string{"approved", "sent", "disputed", "partly_paid", "paid"}
	postedCredit  = []string{"approved", "applied", "refunded"}
)

// controls are the accounts documents post to besides their lines.
type controls struct{ receivable, payable, tax int64 }

func (e *Emulator) controls() controls {
	var k controls
	for _, a := range e.Accounts.All() {
		switch {
		case a.Subtype == "receivable" && k.receivable == 0:
			k.receivable = a.ID
		case a.Subtype == "payable" && k.payable == 0:
			k.payable = a.ID
		case a.Subtype == "tax" && k.tax == 0:
			k.tax = a.ID
		}
	}
	return k
}

// balance is an account's balance in its currency: debits less credits, or
// the other way round for accounts whose balance is normally a credit.
func (e *Emulator) balance(a LedgerAccount) *big.Rat {
	total := new(big.Rat)
	e.postings(func(p posting) {
		if p.account != a.ID {
			return
		}
		amount := p.amount
		if p.currency != a.Currency {
			amount = mul(amount, p.fx) // to GBP
			if a.Currency != baseCurrency {
				amount = new(big.Rat).Quo(amount, mustDec(fxToBase[a.Currency]))
			}
		}
		total.Add(total, amount)
	})
	if a.Kind == "liability" || a.Kind == "equity" || a.Kind == "income" {
		total.Neg(total)
	}
	return roundCents(total)
}

// postings visits the postings of every document.
func (e *Emulator) postings(visit func(posting)) {
	k := e.controls()
	for _, inv := range e.Invoices.All() {
		if slices.Contains(postedInvoice, inv.Status) {
			documentPostings(visit, k, inv.Direction, inv.Lines, inv.Total, inv.TaxTotal, inv.Currency, inv.FXRate, 1)
		}
	}
	for _, cn := range e.CreditNotes.All() {
		if slices.Contains(postedCredit, cn.Status) {
			documentPostings(visit, k, cn.Direction, cn.Lines, cn.Total, cn.TaxTotal, cn.Currency, cn.FXRate, -1)
		}
	}
	for _, p := range e.Payments.All() {
		fx, amt := mustDec(fxToBase[p.Currency]), mustDec(p.Amount)
		control := k.receivable
		if p.Direction == "outgoing" {
			control, amt = k.payable, new(big.Rat).Neg(amt)
		}
		visit(posting{p.AccountID, amt, p.Currency, fx})
		visit(posting{control, new(big.Rat).Neg(amt), p.Currency, fx})
	}
	for _, x := range e.Expenses.All() {
		fx := mustDec(fxToBase[x.Currency])
		for _, l := range x.Lines {
			if l.AccountID != nil {
				visit(posting{*l.AccountID, sub(mustDec(l.Amount), mustDec(l.TaxAmount)), x.Currency, fx})
			}
		}
		visit(posting{k.tax, mustDec(x.TaxTotal), x.Currency, fx})
		visit(posting{x.PaidFromAccountID, new(big.Rat).Neg(mustDec(x.Total)), x.Currency, fx})
	}
	for _, j := range e.Journals.All() {
		fx := mustDec(fxToBase[j.Currency])
		for _, l := range j.Lines {
			amt := mustDec(l.Amount)
			if l.Side == "credit" {
				amt.Neg(amt)
			}
			visit(posting{l.AccountID, amt, j.Currency, fx})
		}
	}
}

// documentPostings posts an invoice (sign 1) or credit note (sign -1): a
// sale debits receivables and credits income and tax; a purchase the reverse.
func documentPostings(visit func(posting), k controls, direction string, lines []Line, total, tax, currency, fxRate string, sign int64) {
	s := big.NewRat(sign, 1)
	control := k.receivable
	if direction == "purchase" {
		s.Neg(s)
		control = k.payable
	}
	fx := mustDec(fxRate)
	visit(posting{control, mul(s, mustDec(total)), currency, fx})
	visit(posting{k.tax, mul(new(big.Rat).Neg(s), mustDec(tax)), currency, fx})
	for _, l := range lines {
		if l.AccountID != nil {
			visit(posting{*l.AccountID, mul(new(big.Rat).Neg(s), mustDec(l.LineTotal)), currency, fx})
		}
	}
}
