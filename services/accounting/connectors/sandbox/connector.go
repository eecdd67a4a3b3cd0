package sandbox

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/unimesh/unimesh/pkg/apierr"
	"github.com/unimesh/unimesh/pkg/connector"
	"github.com/unimesh/unimesh/pkg/normalize"
	"github.com/unimesh/unimesh/pkg/sandboxapi"
	accountingv1 "github.com/unimesh/unimesh/proto/unimesh/accounting/v1"
	platformv1 "github.com/unimesh/unimesh/proto/unimesh/platform/v1"
	"github.com/unimesh/unimesh/services/accounting/connectors"
)

// Slug is the integration's slug.
const Slug = "sandbox-accounting"

// Descriptor describes Sandbox Ledger served at baseURL (the emulator's root).
func Descriptor(baseURL string) *connector.Descriptor {
	return sandboxapi.Descriptor(Slug, "Sandbox Ledger", platformv1.Category_CATEGORY_ACCOUNTING, baseURL)
}

// Connector returns the accounting connector of Sandbox Ledger: every
// object and operation of the unified accounting API.
func Connector() connectors.Accounting {
	return connectors.Accounting{
		Accounts: resource[LedgerAccount, *accountingv1.Account]{
			path: "/v1/ledger-accounts", object: "account", ops: "LGC", read: ledgerAccountToAccount, write: accountFields, wire: accountWire,
		}.build(),
		Contacts: resource[Party, *accountingv1.Contact]{
			path: "/v1/parties", object: "contact", ops: "LGCU", read: partyToContact, write: contactFields, wire: contactWire,
		}.build(),
		Invoices: resource[Invoice, *accountingv1.Invoice]{
			path: "/v1/invoices", object: "invoice", ops: "LGCUD", read: invoiceToInvoice, write: invoiceFields, wire: invoiceWire,
			defaults: func(i *accountingv1.Invoice) {
				if i.Type == accountingv1.InvoiceType_INVOICE_TYPE_UNSPECIFIED {
					i.Type = accountingv1.InvoiceType_INVOICE_TYPE_ACCOUNTS_RECEIVABLE
				}
			},
		}.build(),
		Payments: resource[Payment, *accountingv1.Payment]{
			path: "/v1/payments", object: "payment", ops: "LGC", read: paymentToPayment, write: paymentFields, wire: paymentWire,
			defaults: func(p *accountingv1.Payment) {
				if p.Type == accountingv1.PaymentType_PAYMENT_TYPE_UNSPECIFIED {
					p.Type = accountingv1.PaymentType_PAYMENT_TYPE_RECEIVABLE
				}
			},
		}.build(),
		CreditNotes: resource[CreditNote, *accountingv1.CreditNote]{
			path: "/v1/credit-notes", object: "credit_note", ops: "LGC", read: creditNoteToCreditNote, write: creditNoteFields, wire: creditNoteWire,
			defaults: func(n *accountingv1.CreditNote) {
				if n.Type == accountingv1.CreditNoteType_CREDIT_NOTE_TYPE_UNSPECIFIED {
					n.Type = accountingv1.CreditNoteType_CREDIT_NOTE_TYPE_ACCOUNTS_RECEIVABLE
				}
			},
		}.build(),
		Items: resource[Item, *accountingv1.Item]{
			path: "/v1/items", object: "item", ops: "LGCU", read: itemToItem, write: itemFields, wire: itemWire,
		}.build(),
		JournalEntries: resource[Journal, *accountingv1.JournalEntry]{
			path: "/v1/journals", object: "journal_entry", ops: "LGC", read: journalToJournalEntry, write: journalFields, wire: journalWire,
		}.build(),
		TaxRates: resource[TaxRate, *accountingv1.TaxRate]{path: "/v1/tax-rates", object: "tax_rate", ops: "L", read: taxRateToTaxRate}.build(),
		Expenses: resource[Expense, *accountingv1.Expense]{
			path: "/v1/expenses", object: "expense", ops: "LGC", read: expenseToExpense, write: expenseFields, wire: expenseWire,
		}.build(),
		CompanyInfo: connector.Object[*accountingv1.CompanyInfo]{Get: getCompanyInfo},
	}
}

// --- accounts -------------------------------------------------------------------

var accountKinds = connector.Enum[accountingv1.AccountClassification]{
	Provider: "Sandbox Ledger",
	Required: true,
	Read: map[string]accountingv1.AccountClassification{
		"asset": accountingv1.AccountClassification_ACCOUNT_CLASSIFICATION_ASSET, "liability": accountingv1.AccountClassification_ACCOUNT_CLASSIFICATION_LIABILITY,
		"equity": accountingv1.AccountClassification_ACCOUNT_CLASSIFICATION_EQUITY, "income": accountingv1.AccountClassification_ACCOUNT_CLASSIFICATION_REVENUE,
		"expense": accountingv1.AccountClassification_ACCOUNT_CLASSIFICATION_EXPENSE,
	},
	Write: map[accountingv1.AccountClassification]string{
		accountingv1.AccountClassification_ACCOUNT_CLASSIFICATION_ASSET: "asset", accountingv1.AccountClassification_ACCOUNT_CLASSIFICATION_LIABILITY: "liability",
		accountingv1.AccountClassification_ACCOUNT_CLASSIFICATION_EQUITY: "equity", accountingv1.AccountClassification_ACCOUNT_CLASSIFICATION_REVENUE: "income",
		accountingv1.AccountClassification_ACCOUNT_CLASSIFICATION_EXPENSE: "expense",
	},
	Other: accountingv1.AccountClassification_ACCOUNT_CLASSIFICATION_OTHER,
}

var accountClassificationWriter, accountRemoteClassificationWriter = connector.EnumWriters(accountKinds, "kind", "classification",
	func(a *accountingv1.Account) (accountingv1.AccountClassification, string) {
		return a.GetClassification(), a.GetRemoteClassification()
	})

// Sandbox Ledger keeps an account's status as the flag archived; its
// remote_status reads "active" or "archived".
var accountStatuses = connector.Enum[accountingv1.AccountStatus]{
	Provider: "Sandbox Ledger",
	Required: true,
	Read: map[string]accountingv1.AccountStatus{
		"active": accountingv1.AccountStatus_ACCOUNT_STATUS_ACTIVE, "archived": accountingv1.AccountStatus_ACCOUNT_STATUS_ARCHIVED,
	},
	Write: map[accountingv1.AccountStatus]string{
		accountingv1.AccountStatus_ACCOUNT_STATUS_ACTIVE: "active", accountingv1.AccountStatus_ACCOUNT_STATUS_ARCHIVED: "archived",
	},
	Other: accountingv1.AccountStatus_ACCOUNT_STATUS_OTHER,
}

func ledgerAccountToAccount(a LedgerAccount) *accountingv1.Account {
	status := "active"
	if a.Archived {
		status = "archived"
	}
	return &accountingv1.Account{
		Id:                   strconv.FormatInt(a.ID, 10),
		Name:                 a.Name,
		Code:                 a.Code,
		Description:          a.Description,
		Classification:       accountKinds.ToProto(a.Kind),
		RemoteClassification: a.Kind,
		Type:                 a.Subtype,
		Status:               accountStatuses.ToProto(status),
		RemoteStatus:         status,
		CurrencyCode:         a.Currency,
		CurrentBalance:       a.Balance,
		ParentAccountId:      connector.FormatID(a.ParentID),
		CreateTime:           normalize.Timestamp(a.CreatedAt),
		UpdateTime:           normalize.Timestamp(a.UpdatedAt),
	}
}

var accountWire = map[string]string{
	"code": "code", "name": "name", "description": "description", "kind": "classification", "subtype": "type",
	"archived": "status", "currency": "currency_code", "parent_id": "parent_account_id",
}

// The account's status is written as the ledger's value ("active",
// "archived" or remote_status as is) under the flag's key, which
// archivedFlag then turns into the flag.
var accountStatusWriter, accountRemoteStatusWriter = connector.EnumWriters(accountStatuses, "archived", "status",
	func(a *accountingv1.Account) (accountingv1.AccountStatus, string) {
		return a.GetStatus(), a.GetRemoteStatus()
	})

// archivedFlag wraps the writer w of field: Sandbox Ledger keeps an
// account's status as the flag archived, so the value w writes becomes the
// flag, and a status the ledger cannot keep is refused.
func archivedFlag(field string, w func(*accountingv1.Account, map[string]any) error) func(*accountingv1.Account, map[string]any) error {
	return func(a *accountingv1.Account, b map[string]any) error {
		if err := w(a, b); err != nil {
			return err
		}
		status, ok := b["archived"].(string)
		if !ok {
			return nil // nothing written, or the flag already
		}
		switch status {
		case "active", "archived":
			b["archived"] = status == "archived"
			return nil
		}
		delete(b, "archived")
		return connector.BadField(field, "Sandbox Ledger accounts are active or archived, not %q", status)
	}
}

var accountFields = connector.Fields[*accountingv1.Account]{
	"name": func(a *accountingv1.Account, b map[string]any) error { b["name"] = a.GetName(); return nil },
	"code": func(a *accountingv1.Account, b map[string]any) error { b["code"] = a.GetCode(); return nil },
	"description": func(a *accountingv1.Account, b map[string]any) error {
		b["description"] = a.GetDescription()
		return nil
	},
	"classification":        accountClassificationWriter,
	"remote_classification": accountRemoteClassificationWriter,
	"type":                  func(a *accountingv1.Account, b map[string]any) error { b["subtype"] = a.GetType(); return nil },
	"status":                archivedFlag("status", accountStatusWriter),
	"remote_status":         archivedFlag("remote_status", accountRemoteStatusWriter),
	"currency_code":         func(a *accountingv1.Account, b map[string]any) error { b["currency"] = a.GetCurrencyCode(); return nil },
	"parent_account_id": func(a *accountingv1.Account, b map[string]any) error {
		return sandboxapi.SetID(b, "parent_id", "parent_account_id", a.GetParentAccountId())
	},
}

// --- contacts -------------------------------------------------------------------

var partyStatuses = connector.Enum[accountingv1.ContactStatus]{
	Provider: "Sandbox Ledger",
	Required: true,
	Read: map[string]accountingv1.ContactStatus{
		"active": accountingv1.ContactStatus_CONTACT_STATUS_ACTIVE, "archived": accountingv1.ContactStatus_CONTACT_STATUS_ARCHIVED,
	},
	Write: map[accountingv1.ContactStatus]string{
		accountingv1.ContactStatus_CONTACT_STATUS_ACTIVE: "active", accountingv1.ContactStatus_CONTACT_STATUS_ARCHIVED: "archived",
	},
	Other: accountingv1.ContactStatus_CONTACT_STATUS_OTHER,
}

var contactStatusWriter, contactRemoteStatusWriter = connector.EnumWriters(partyStatuses, "status", "status",
	func(c *accountingv1.Contact) (accountingv1.ContactStatus, string) {
		return c.GetStatus(), c.GetRemoteStatus()
	})

func partyToContact(p Party) *accountingv1.Contact {
	return &accountingv1.Contact{
		Id:           p.ID,
		Name:         p.DisplayName,
		IsCustomer:   p.Roles.Customer,
		IsSupplier:   p.Roles.Supplier,
		Emails:       sandboxapi.EmailsToProto(p.Emails),
		Phones:       sandboxapi.PhonesToProto(p.Phones),
		Addresses:    sandboxapi.AddressesToProto(p.Addresses),
		TaxNumber:    p.VATNumber,
		CurrencyCode: p.Currency,
		Status:       partyStatuses.ToProto(p.Status),
		RemoteStatus: p.Status,
		CustomFields: normalize.Struct(p.Custom),
		CreateTime:   normalize.Timestamp(p.CreatedAt),
		UpdateTime:   normalize.Timestamp(p.UpdatedAt),
	}
}

var contactWire = map[string]string{
	"display_name": "name", "roles.customer": "is_customer", "roles.supplier": "is_supplier", "emails": "emails", "phones": "phones",
	"addresses": "addresses", "vat_number": "tax_number", "currency": "currency_code", "status": "status", "custom": "custom_fields",
}

var contactFields = connector.Fields[*accountingv1.Contact]{
	"name": func(c *accountingv1.Contact, b map[string]any) error { b["display_name"] = c.GetName(); return nil },
	// The roles are one object, merged key by key on an update: each flag
	// can change alone.
	"is_customer": func(c *accountingv1.Contact, b map[string]any) error {
		within(b, "roles")["customer"] = c.GetIsCustomer()
		return nil
	},
	"is_supplier": func(c *accountingv1.Contact, b map[string]any) error {
		within(b, "roles")["supplier"] = c.GetIsSupplier()
		return nil
	},
	"emails": func(c *accountingv1.Contact, b map[string]any) error {
		b["emails"] = sandboxapi.EmailsFromProto(c.GetEmails())
		return nil
	},
	"phones": func(c *accountingv1.Contact, b map[string]any) error {
		b["phones"] = sandboxapi.PhonesFromProto(c.GetPhones())
		return nil
	},
	"addresses": func(c *accountingv1.Contact, b map[string]any) error {
		b["addresses"] = sandboxapi.AddressesFromProto(c.GetAddresses())
		return nil
	},
	"tax_number":    func(c *accountingv1.Contact, b map[string]any) error { b["vat_number"] = c.GetTaxNumber(); return nil },
	"currency_code": func(c *accountingv1.Contact, b map[string]any) error { b["currency"] = c.GetCurrencyCode(); return nil },
	"status":        contactStatusWriter,
	"remote_status": contactRemoteStatusWriter,
	"custom_fields": func(c *accountingv1.Contact, b map[string]any) error {
		b["custom"] = sandboxapi.Custom(c.GetCustomFields())
		return nil
	},
}

// --- lines of invoices and credit notes ---------------------------------------------

func linesToProto(lines []Line) []*accountingv1.LineItem {
	out := make([]*accountingv1.LineItem, 0, len(lines))
	for _, l := range lines {
		out = append(out, &accountingv1.LineItem{
			Id:          l.ID,
			Description: l.Description,
			Quantity:    l.Qty,
			UnitPrice:   l.UnitPrice,
			Total:       l.LineTotal,
			ItemId:      connector.FormatID(l.ItemID),
			AccountId:   connector.FormatID(l.AccountID),
			TaxRateId:   deref(l.TaxRateID),
		})
	}
	return out
}

// lineBodies writes unified lines as the ledger's. A line's total is sent
// only without quantity and unit price: the ledger computes it from them.
func lineBodies(field string, items []*accountingv1.LineItem) ([]map[string]any, error) {
	out := make([]map[string]any, 0, len(items))
	for i, li := range items {
		f := fmt.Sprintf("%s[%d]", field, i)
		l := map[string]any{}
		putSet(l, "id", li.GetId())
		putSet(l, "description", li.GetDescription())
		putSet(l, "qty", li.GetQuantity())
		putSet(l, "unit_price", li.GetUnitPrice())
		if li.GetQuantity() == "" && li.GetUnitPrice() == "" {
			putSet(l, "line_total", li.GetTotal())
		}
		item, err := connector.IntID(f+".item_id", li.GetItemId())
		if err != nil {
			return nil, err
		}
		account, err := connector.IntID(f+".account_id", li.GetAccountId())
		if err != nil {
			return nil, err
		}
		tax, err := taxRateIDs.ref(f+".tax_rate_id", li.GetTaxRateId())
		if err != nil {
			return nil, err
		}
		l["item_id"], l["account_id"], l["tax_rate_id"] = item, account, tax
		out = append(out, l)
	}
	return out, nil
}

// lineWire maps the fields of a ledger line to those of a unified line.
var lineWire = map[string]string{
	"id": "id", "description": "description", "qty": "quantity", "unit_price": "unit_price", "line_total": "total",
	"item_id": "item_id", "account_id": "account_id", "tax_rate_id": "tax_rate_id",
}

// --- invoices -------------------------------------------------------------------

var invoiceDirections = map[string]accountingv1.InvoiceType{
	"sales": accountingv1.InvoiceType_INVOICE_TYPE_ACCOUNTS_RECEIVABLE, "purchase": accountingv1.InvoiceType_INVOICE_TYPE_ACCOUNTS_PAYABLE,
}

// Both "approved" and "sent" (approved and emailed) are AUTHORISED; a
// disputed invoice is OTHER. AUTHORISED is written as approved, but an
// invoice read as sent and written back stays sent.
var invoiceStatuses = connector.Enum[accountingv1.InvoiceStatus]{
	Provider: "Sandbox Ledger",
	Required: true,
	Read: map[string]accountingv1.InvoiceStatus{
		"draft": accountingv1.InvoiceStatus_INVOICE_STATUS_DRAFT, "awaiting_approval": accountingv1.InvoiceStatus_INVOICE_STATUS_SUBMITTED,
		"approved": accountingv1.InvoiceStatus_INVOICE_STATUS_AUTHORISED, "sent": accountingv1.InvoiceStatus_INVOICE_STATUS_AUTHORISED,
		"partly_paid": accountingv1.InvoiceStatus_INVOICE_STATUS_PARTIALLY_PAID, "paid": accountingv1.InvoiceStatus_INVOICE_STATUS_PAID,
		"voided": accountingv1.InvoiceStatus_INVOICE_STATUS_VOID,
	},
	Write: map[accountingv1.InvoiceStatus]string{
		accountingv1.InvoiceStatus_INVOICE_STATUS_DRAFT: "draft", accountingv1.InvoiceStatus_INVOICE_STATUS_SUBMITTED: "awaiting_approval",
		accountingv1.InvoiceStatus_INVOICE_STATUS_AUTHORISED: "approved", accountingv1.InvoiceStatus_INVOICE_STATUS_PARTIALLY_PAID: "partly_paid",
		accountingv1.InvoiceStatus_INVOICE_STATUS_PAID: "paid", accountingv1.InvoiceStatus_INVOICE_STATUS_VOID: "voided",
	},
	Other: accountingv1.InvoiceStatus_INVOICE_STATUS_OTHER,
}

var invoiceStatusWriter, invoiceRemoteStatusWriter = connector.EnumWriters(invoiceStatuses, "status", "status",
	func(i *accountingv1.Invoice) (accountingv1.InvoiceStatus, string) {
		return i.GetStatus(), i.GetRemoteStatus()
	})

func invoiceToInvoice(inv Invoice) *accountingv1.Invoice {
	return &accountingv1.Invoice{
		Id:           inv.ID,
		Type:         invoiceDirections[inv.Direction],
		Number:       inv.Number,
		ContactId:    inv.PartyID,
		IssueDate:    inv.IssuedOn,
		DueDate:      inv.DueOn,
		PaidTime:     normalize.TimestampPtr(inv.PaidAt),
		CurrencyCode: inv.Currency,
		ExchangeRate: inv.FXRate,
		LineItems:    linesToProto(inv.Lines),
		SubTotal:     inv.Subtotal,
		TotalTax:     inv.TaxTotal,
		Total:        inv.Total,
		AmountDue:    inv.AmountDue,
		Status:       invoiceStatuses.ToProto(inv.Status),
		RemoteStatus: inv.Status,
		Memo:         inv.Memo,
		CustomFields: normalize.Struct(inv.Custom),
		CreateTime:   normalize.Timestamp(inv.CreatedAt),
		UpdateTime:   normalize.Timestamp(inv.UpdatedAt),
	}
}

var invoiceWire = nest(map[string]string{
	"direction": "type", "number": "number", "party_id": "contact_id", "issued_on": "issue_date", "due_on": "due_date",
	"currency": "currency_code", "fx_rate": "exchange_rate", "lines": "line_items", "status": "status", "memo": "memo", "custom": "custom_fields",
}, "lines[]", "line_items[]", lineWire)

// setDirection writes the sales or purchase side of a document.
func setDirection(b map[string]any, field string, receivable, payable bool) error {
	switch {
	case receivable:
		b["direction"] = "sales"
	case payable:
		b["direction"] = "purchase"
	default:
		return connector.BadField(field, "set %s: ACCOUNTS_RECEIVABLE or ACCOUNTS_PAYABLE", field)
	}
	return nil
}

var invoiceFields = connector.Fields[*accountingv1.Invoice]{
	"type": func(i *accountingv1.Invoice, b map[string]any) error {
		return setDirection(b, "type", i.GetType() == accountingv1.InvoiceType_INVOICE_TYPE_ACCOUNTS_RECEIVABLE,
			i.GetType() == accountingv1.InvoiceType_INVOICE_TYPE_ACCOUNTS_PAYABLE)
	},
	"number": func(i *accountingv1.Invoice, b map[string]any) error { b["number"] = i.GetNumber(); return nil },
	"contact_id": func(i *accountingv1.Invoice, b map[string]any) error {
		return partyIDs.setRequired(b, "party_id", "contact_id", i.GetContactId())
	},
	"issue_date":    func(i *accountingv1.Invoice, b map[string]any) error { b["issued_on"] = i.GetIssueDate(); return nil },
	"due_date":      func(i *accountingv1.Invoice, b map[string]any) error { b["due_on"] = i.GetDueDate(); return nil },
	"currency_code": func(i *accountingv1.Invoice, b map[string]any) error { b["currency"] = i.GetCurrencyCode(); return nil },
	"exchange_rate": func(i *accountingv1.Invoice, b map[string]any) error { b["fx_rate"] = i.GetExchangeRate(); return nil },
	"line_items": func(i *accountingv1.Invoice, b map[string]any) error {
		lines, err := lineBodies("line_items", i.GetLineItems())
		b["lines"] = lines
		return err
	},
	"status":        invoiceStatusWriter,
	"remote_status": invoiceRemoteStatusWriter,
	"memo":          func(i *accountingv1.Invoice, b map[string]any) error { b["memo"] = i.GetMemo(); return nil },
	"custom_fields": func(i *accountingv1.Invoice, b map[string]any) error {
		b["custom"] = sandboxapi.Custom(i.GetCustomFields())
		return nil
	},
}

// --- payments -------------------------------------------------------------------

var paymentDirections = map[string]accountingv1.PaymentType{
	"incoming": accountingv1.PaymentType_PAYMENT_TYPE_RECEIVABLE, "outgoing": accountingv1.PaymentType_PAYMENT_TYPE_PAYABLE,
}

func paymentToPayment(p Payment) *accountingv1.Payment {
	allocs := make([]*accountingv1.InvoiceAllocation, 0, len(p.Allocations))
	for _, a := range p.Allocations {
		allocs = append(allocs, &accountingv1.InvoiceAllocation{InvoiceId: a.InvoiceID, Amount: a.Amount})
	}
	return &accountingv1.Payment{
		Id:                 p.ID,
		ContactId:          p.PartyID,
		AccountId:          connector.FormatID(&p.AccountID),
		InvoiceAllocations: allocs,
		Total:              p.Amount,
		CurrencyCode:       p.Currency,
		PaymentDate:        p.PaidOn,
		Type:               paymentDirections[p.Direction],
		Reference:          p.Reference,
		CreateTime:         normalize.Timestamp(p.CreatedAt),
		UpdateTime:         normalize.Timestamp(p.UpdatedAt),
	}
}

var paymentWire = nest(map[string]string{
	"direction": "type", "party_id": "contact_id", "account_id": "account_id", "amount": "total", "currency": "currency_code",
	"paid_on": "payment_date", "reference": "reference", "allocations": "invoice_allocations",
}, "allocations[]", "invoice_allocations[]", map[string]string{"invoice_id": "invoice_id", "amount": "amount"})

var paymentFields = connector.Fields[*accountingv1.Payment]{
	"contact_id": func(p *accountingv1.Payment, b map[string]any) error {
		return partyIDs.setRequired(b, "party_id", "contact_id", p.GetContactId())
	},
	"account_id": func(p *accountingv1.Payment, b map[string]any) error {
		return setNumber(b, "account_id", "account_id", p.GetAccountId())
	},
	"invoice_allocations": func(p *accountingv1.Payment, b map[string]any) error {
		allocs := make([]Allocation, 0, len(p.GetInvoiceAllocations()))
		for i, a := range p.GetInvoiceAllocations() {
			if _, err := invoiceIDs.ref(fmt.Sprintf("invoice_allocations[%d].invoice_id", i), a.GetInvoiceId()); err != nil {
				return err
			}
			allocs = append(allocs, Allocation{InvoiceID: a.GetInvoiceId(), Amount: a.GetAmount()})
		}
		b["allocations"] = allocs
		return nil
	},
	"total":         func(p *accountingv1.Payment, b map[string]any) error { b["amount"] = p.GetTotal(); return nil },
	"currency_code": func(p *accountingv1.Payment, b map[string]any) error { b["currency"] = p.GetCurrencyCode(); return nil },
	"payment_date":  func(p *accountingv1.Payment, b map[string]any) error { b["paid_on"] = p.GetPaymentDate(); return nil },
	"type": func(p *accountingv1.Payment, b map[string]any) error {
		switch p.GetType() {
		case accountingv1.PaymentType_PAYMENT_TYPE_RECEIVABLE:
			b["direction"] = "incoming"
		case accountingv1.PaymentType_PAYMENT_TYPE_PAYABLE:
			b["direction"] = "outgoing"
		default:
			return connector.BadField("type", "set type: RECEIVABLE or PAYABLE")
		}
		return nil
	},
	"reference": func(p *accountingv1.Payment, b map[string]any) error { b["reference"] = p.GetReference(); return nil },
}

// --- credit notes -----------------------------------------------------------------

var creditNoteDirections = map[string]accountingv1.CreditNoteType{
	"sales": accountingv1.CreditNoteType_CREDIT_NOTE_TYPE_ACCOUNTS_RECEIVABLE, "purchase": accountingv1.CreditNoteType_CREDIT_NOTE_TYPE_ACCOUNTS_PAYABLE,
}

// Fully allocated ("applied") and "refunded" credit notes are both PAID. A
// credit note created as PAID is recorded as refunded: the ledger reaches
// applied only through allocations.
var creditNoteStatuses = connector.Enum[accountingv1.CreditNoteStatus]{
	Provider: "Sandbox Ledger",
	Required: true,
	Read: map[string]accountingv1.CreditNoteStatus{
		"draft": accountingv1.CreditNoteStatus_CREDIT_NOTE_STATUS_DRAFT, "awaiting_approval": accountingv1.CreditNoteStatus_CREDIT_NOTE_STATUS_SUBMITTED,
		"approved": accountingv1.CreditNoteStatus_CREDIT_NOTE_STATUS_AUTHORISED, "applied": accountingv1.CreditNoteStatus_CREDIT_NOTE_STATUS_PAID,
		"refunded": accountingv1.CreditNoteStatus_CREDIT_NOTE_STATUS_PAID, "voided": accountingv1.CreditNoteStatus_CREDIT_NOTE_STATUS_VOID,
	},
	Write: map[accountingv1.CreditNoteStatus]string{
		accountingv1.CreditNoteStatus_CREDIT_NOTE_STATUS_DRAFT: "draft", accountingv1.CreditNoteStatus_CREDIT_NOTE_STATUS_SUBMITTED: "awaiting_approval",
		accountingv1.CreditNoteStatus_CREDIT_NOTE_STATUS_AUTHORISED: "approved", accountingv1.CreditNoteStatus_CREDIT_NOTE_STATUS_PAID: "refunded",
		accountingv1.CreditNoteStatus_CREDIT_NOTE_STATUS_VOID: "voided",
	},
	Other: accountingv1.CreditNoteStatus_CREDIT_NOTE_STATUS_OTHER,
}

var creditNoteStatusWriter, creditNoteRemoteStatusWriter = connector.EnumWriters(creditNoteStatuses, "status", "status",
	func(n *accountingv1.CreditNote) (accountingv1.CreditNoteStatus, string) {
		return n.GetStatus(), n.GetRemoteStatus()
	})

func creditNoteToCreditNote(n CreditNote) *accountingv1.CreditNote {
	return &accountingv1.CreditNote{
		Id:           n.ID,
		Type:         creditNoteDirections[n.Direction],
		ContactId:    n.PartyID,
		Number:       n.Number,
		IssueDate:    n.IssuedOn,
		LineItems:    linesToProto(n.Lines),
		Total:        n.Total,
		Remaining:    n.Remaining,
		CurrencyCode: n.Currency,
		Status:       creditNoteStatuses.ToProto(n.Status),
		RemoteStatus: n.Status,
		CustomFields: normalize.Struct(n.Custom),
		CreateTime:   normalize.Timestamp(n.CreatedAt),
		UpdateTime:   normalize.Timestamp(n.UpdatedAt),
	}
}

var creditNoteWire = nest(map[string]string{
	"direction": "type", "party_id": "contact_id", "number": "number", "issued_on": "issue_date", "lines": "line_items",
	"currency": "currency_code", "status": "status", "custom": "custom_fields",
}, "lines[]", "line_items[]", lineWire)

var creditNoteFields = connector.Fields[*accountingv1.CreditNote]{
	"type": func(n *accountingv1.CreditNote, b map[string]any) error {
		return setDirection(b, "type", n.GetType() == accountingv1.CreditNoteType_CREDIT_NOTE_TYPE_ACCOUNTS_RECEIVABLE,
			n.GetType() == accountingv1.CreditNoteType_CREDIT_NOTE_TYPE_ACCOUNTS_PAYABLE)
	},
	"contact_id": func(n *accountingv1.CreditNote, b map[string]any) error {
		return partyIDs.setRequired(b, "party_id", "contact_id", n.GetContactId())
	},
	"number": func(n *accountingv1.CreditNote, b map[string]any) error { b["number"] = n.GetNumber(); return nil },
	"issue_date": func(n *accountingv1.CreditNote, b map[string]any) error {
		b["issued_on"] = n.GetIssueDate()
		return nil
	},
	"line_items": func(n *accountingv1.CreditNote, b map[string]any) error {
		lines, err := lineBodies("line_items", n.GetLineItems())
		b["lines"] = lines
		return err
	},
	"currency_code": func(n *accountingv1.CreditNote, b map[string]any) error {
		b["currency"] = n.GetCurrencyCode()
		return nil
	},
	"status":        creditNoteStatusWriter,
	"remote_status": creditNoteRemoteStatusWriter,
	"custom_fields": func(n *accountingv1.CreditNote, b map[string]any) error {
		b["custom"] = sandboxapi.Custom(n.GetCustomFields())
		return nil
	},
}

// --- items ----------------------------------------------------------------------

var itemStatuses = connector.Enum[accountingv1.ItemStatus]{
	Provider: "Sandbox Ledger",
	Required: true,
	Read: map[string]accountingv1.ItemStatus{
		"active": accountingv1.ItemStatus_ITEM_STATUS_ACTIVE, "inactive": accountingv1.ItemStatus_ITEM_STATUS_ARCHIVED,
	},
	Write: map[accountingv1.ItemStatus]string{
		accountingv1.ItemStatus_ITEM_STATUS_ACTIVE: "active", accountingv1.ItemStatus_ITEM_STATUS_ARCHIVED: "inactive",
	},
	Other: accountingv1.ItemStatus_ITEM_STATUS_OTHER,
}

var itemStatusWriter, itemRemoteStatusWriter = connector.EnumWriters(itemStatuses, "status", "status",
	func(it *accountingv1.Item) (accountingv1.ItemStatus, string) {
		return it.GetStatus(), it.GetRemoteStatus()
	})

func itemToItem(it Item) *accountingv1.Item {
	out := &accountingv1.Item{
		Id:           strconv.FormatInt(it.ID, 10),
		Name:         it.Name,
		Code:         it.SKU,
		Description:  it.Description,
		Status:       itemStatuses.ToProto(it.Status),
		RemoteStatus: it.Status,
		CustomFields: normalize.Struct(it.Custom),
		CreateTime:   normalize.Timestamp(it.CreatedAt),
		UpdateTime:   normalize.Timestamp(it.UpdatedAt),
	}
	if s := it.Sale; s != nil {
		out.UnitPrice, out.IncomeAccountId = s.Price, connector.FormatID(s.AccountID)
	}
	if p := it.Purchase; p != nil {
		out.PurchasePrice, out.ExpenseAccountId = p.Price, connector.FormatID(p.AccountID)
	}
	return out
}

var itemWire = map[string]string{
	"sku": "code", "name": "name", "description": "description", "sale.price": "unit_price", "sale.account_id": "income_account_id",
	"purchase.price": "purchase_price", "purchase.account_id": "expense_account_id", "status": "status", "custom": "custom_fields",
}

// The sale and purchase terms are objects merged key by key on an update,
// so a price and its account can change apart.
var itemFields = connector.Fields[*accountingv1.Item]{
	"name": func(it *accountingv1.Item, b map[string]any) error { b["name"] = it.GetName(); return nil },
	"code": func(it *accountingv1.Item, b map[string]any) error { b["sku"] = it.GetCode(); return nil },
	"description": func(it *accountingv1.Item, b map[string]any) error {
		b["description"] = it.GetDescription()
		return nil
	},
	"unit_price": func(it *accountingv1.Item, b map[string]any) error {
		within(b, "sale")["price"] = it.GetUnitPrice()
		return nil
	},
	"purchase_price": func(it *accountingv1.Item, b map[string]any) error {
		within(b, "purchase")["price"] = it.GetPurchasePrice()
		return nil
	},
	"income_account_id": func(it *accountingv1.Item, b map[string]any) error {
		return sandboxapi.SetID(within(b, "sale"), "account_id", "income_account_id", it.GetIncomeAccountId())
	},
	"expense_account_id": func(it *accountingv1.Item, b map[string]any) error {
		return sandboxapi.SetID(within(b, "purchase"), "account_id", "expense_account_id", it.GetExpenseAccountId())
	},
	"status":        itemStatusWriter,
	"remote_status": itemRemoteStatusWriter,
	"custom_fields": func(it *accountingv1.Item, b map[string]any) error {
		b["custom"] = sandboxapi.Custom(it.GetCustomFields())
		return nil
	},
}

// --- journal entries ------------------------------------------------------------

func journalToJournalEntry(j Journal) *accountingv1.JournalEntry {
	lines := make([]*accountingv1.JournalLine, 0, len(j.Lines))
	for _, l := range j.Lines {
		line := &accountingv1.JournalLine{
			AccountId: strconv.FormatInt(l.AccountID, 10), ContactId: deref(l.PartyID), Description: l.Description,
		}
		if l.Side == "credit" {
			line.Credit = l.Amount
		} else {
			line.Debit = l.Amount
		}
		lines = append(lines, line)
	}
	return &accountingv1.JournalEntry{
		Id:           j.ID,
		Date:         j.PostedOn,
		Memo:         j.Narration,
		Number:       j.Number,
		Lines:        lines,
		CurrencyCode: j.Currency,
		CreateTime:   normalize.Timestamp(j.CreatedAt),
		UpdateTime:   normalize.Timestamp(j.UpdatedAt),
	}
}

// A line's side and amount map back to its debit or credit, so the ledger's
// errors about either name the line itself.
var journalWire = map[string]string{
	"posted_on": "date", "narration": "memo", "currency": "currency_code", "lines": "lines",
	"lines[].account_id": "lines[].account_id", "lines[].party_id": "lines[].contact_id", "lines[].description": "lines[].description",
	"lines[].side": "lines[]", "lines[].amount": "lines[]",
}

// journalLine writes one unified line: a debit or a credit, exactly one.
func journalLine(f string, l *accountingv1.JournalLine) (map[string]any, error) {
	out := map[string]any{"description": l.GetDescription()}
	switch {
	case (l.GetDebit() == "") == (l.GetCredit() == ""):
		return nil, connector.BadField(f, "a journal line has a debit or a credit, exactly one")
	case l.GetDebit() != "":
		out["side"], out["amount"] = "debit", l.GetDebit()
	default:
		out["side"], out["amount"] = "credit", l.GetCredit()
	}
	if err := setNumber(out, "account_id", f+".account_id", l.GetAccountId()); err != nil {
		return nil, err
	}
	if err := partyIDs.set(out, "party_id", f+".contact_id", l.GetContactId()); err != nil {
		return nil, err
	}
	return out, nil
}

// Sandbox Ledger numbers journals itself: a journal entry's number cannot
// be written (it has no writer below, so a number sent is refused).
var journalFields = connector.Fields[*accountingv1.JournalEntry]{
	"date": func(j *accountingv1.JournalEntry, b map[string]any) error { b["posted_on"] = j.GetDate(); return nil },
	"memo": func(j *accountingv1.JournalEntry, b map[string]any) error { b["narration"] = j.GetMemo(); return nil },
	"lines": func(j *accountingv1.JournalEntry, b map[string]any) error {
		lines := make([]map[string]any, 0, len(j.GetLines()))
		for i, l := range j.GetLines() {
			line, err := journalLine(fmt.Sprintf("lines[%d]", i), l)
			if err != nil {
				return err
			}
			lines = append(lines, line)
		}
		b["lines"] = lines
		return nil
	},
	"currency_code": func(j *accountingv1.JournalEntry, b map[string]any) error {
		b["currency"] = j.GetCurrencyCode()
		return nil
	},
}

// --- tax rates ------------------------------------------------------------------

var taxRateStatuses = connector.Enum[accountingv1.TaxRateStatus]{
	Provider: "Sandbox Ledger",
	Read: map[string]accountingv1.TaxRateStatus{
		"active": accountingv1.TaxRateStatus_TAX_RATE_STATUS_ACTIVE, "archived": accountingv1.TaxRateStatus_TAX_RATE_STATUS_ARCHIVED,
	},
	Other: accountingv1.TaxRateStatus_TAX_RATE_STATUS_OTHER,
}

func taxRateToTaxRate(t TaxRate) *accountingv1.TaxRate {
	pct, _ := percentOf(t.Rate) // "" when the ledger sends no decimal
	return &accountingv1.TaxRate{
		Id:           t.ID,
		Name:         t.Name,
		RatePercent:  pct,
		Status:       taxRateStatuses.ToProto(t.Status),
		RemoteStatus: t.Status,
		CreateTime:   normalize.Timestamp(t.CreatedAt),
		UpdateTime:   normalize.Timestamp(t.UpdatedAt),
	}
}

// --- expenses -------------------------------------------------------------------

func expenseToExpense(x Expense) *accountingv1.Expense {
	lines := make([]*accountingv1.ExpenseLine, 0, len(x.Lines))
	for _, l := range x.Lines {
		lines = append(lines, &accountingv1.ExpenseLine{
			Description: l.Description, Amount: l.Amount, AccountId: connector.FormatID(l.AccountID), TaxRateId: deref(l.TaxRateID),
		})
	}
	return &accountingv1.Expense{
		Id:           strconv.FormatInt(x.ID, 10),
		Date:         x.SpentOn,
		ContactId:    deref(x.PayeeID),
		AccountId:    connector.FormatID(&x.PaidFromAccountID),
		Lines:        lines,
		Total:        x.Total,
		CurrencyCode: x.Currency,
		Memo:         x.Memo,
		CreateTime:   normalize.Timestamp(x.CreatedAt),
		UpdateTime:   normalize.Timestamp(x.UpdatedAt),
	}
}

var expenseWire = nest(map[string]string{
	"spent_on": "date", "payee_id": "contact_id", "paid_from_account_id": "account_id", "lines": "lines",
	"currency": "currency_code", "memo": "memo",
}, "lines[]", "lines[]", map[string]string{
	"description": "description", "amount": "amount", "account_id": "account_id", "tax_rate_id": "tax_rate_id",
})

var expenseFields = connector.Fields[*accountingv1.Expense]{
	"date": func(x *accountingv1.Expense, b map[string]any) error { b["spent_on"] = x.GetDate(); return nil },
	"contact_id": func(x *accountingv1.Expense, b map[string]any) error {
		return partyIDs.set(b, "payee_id", "contact_id", x.GetContactId())
	},
	"account_id": func(x *accountingv1.Expense, b map[string]any) error {
		return setNumber(b, "paid_from_account_id", "account_id", x.GetAccountId())
	},
	"lines": func(x *accountingv1.Expense, b map[string]any) error {
		lines := make([]map[string]any, 0, len(x.GetLines()))
		for i, l := range x.GetLines() {
			f := fmt.Sprintf("lines[%d]", i)
			line := map[string]any{"description": l.GetDescription(), "amount": l.GetAmount()}
			if err := sandboxapi.SetID(line, "account_id", f+".account_id", l.GetAccountId()); err != nil {
				return err
			}
			if err := taxRateIDs.set(line, "tax_rate_id", f+".tax_rate_id", l.GetTaxRateId()); err != nil {
				return err
			}
			lines = append(lines, line)
		}
		b["lines"] = lines
		return nil
	},
	"currency_code": func(x *accountingv1.Expense, b map[string]any) error { b["currency"] = x.GetCurrencyCode(); return nil },
	"memo":          func(x *accountingv1.Expense, b map[string]any) error { b["memo"] = x.GetMemo(); return nil },
}

// --- company --------------------------------------------------------------------

func companyToCompanyInfo(c Company) *accountingv1.CompanyInfo {
	name := c.TradingName
	if name == "" {
		name = c.LegalName
	}
	return &accountingv1.CompanyInfo{
		Id:                 c.ID,
		LegalName:          c.LegalName,
		Name:               name,
		CurrencyCode:       c.BaseCurrency,
		FiscalYearEndMonth: fiscalYearEndMonth(c.FiscalYearEnd),
		Addresses:          sandboxapi.AddressesToProto(c.Addresses),
		TaxNumber:          c.VATNumber,
		CreateTime:         normalize.Timestamp(c.CreatedAt),
		UpdateTime:         normalize.Timestamp(c.UpdatedAt),
	}
}

// fiscalYearEndMonth reads the month of the ledger's "MM-DD"; 0 when it is
// not one.
func fiscalYearEndMonth(mmdd string) int32 {
	mm, _, ok := strings.Cut(mmdd, "-")
	n, err := strconv.Atoi(mm)
	if !ok || err != nil || n < 1 || n > 12 {
		return 0
	}
	return int32(n)
}

// getCompanyInfo reads the one company of the connection. The runtime asks
// with no id; an id other than the company's is not found.
func getCompanyInfo(ctx context.Context, c *connector.Conn, id string, p connector.GetParams) (*accountingv1.CompanyInfo, error) {
	info, err := getSingleton(ctx, c, "/v1/company", p, companyToCompanyInfo)
	if err != nil {
		return nil, err
	}
	if id != "" && id != info.GetId() {
		return nil, apierr.NotFound(apierr.ReasonRecordNotFound, fmt.Sprintf("%s has no company %s", Slug, id), "integration", Slug)
	}
	return info, nil
}
