package sandbox

import (
	"context"
	"encoding/json"
	"math/big"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/testing/protocmp"
	"google.golang.org/protobuf/types/known/structpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/unimesh/unimesh/pkg/apierr"
	"github.com/unimesh/unimesh/pkg/connector"
	"github.com/unimesh/unimesh/pkg/connector/connectortest"
	"github.com/unimesh/unimesh/pkg/sandboxapi"
	accountingv1 "github.com/unimesh/unimesh/proto/unimesh/accounting/v1"
	commonv1 "github.com/unimesh/unimesh/proto/unimesh/common/v1"
	platformv1 "github.com/unimesh/unimesh/proto/unimesh/platform/v1"
)

const testKey = "sk_test_ledger"

func start(t *testing.T) (*Emulator, *connector.Conn) {
	t.Helper()
	emu := NewEmulator(Options{APIKey: testKey, Seed: true})
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

func mustStruct(m map[string]any) *structpb.Struct {
	s, err := structpb.NewStruct(m)
	if err != nil {
		panic(err)
	}
	return s
}

// accountID is the id of the seeded account with code.
func accountID(t *testing.T, emu *Emulator, code string) string {
	t.Helper()
	for _, a := range emu.Accounts.All() {
		if a.Code == code {
			return ledgerAccountToAccount(a).GetId()
		}
	}
	t.Fatalf("no account %s", code)
	return ""
}

// customerID is the id of an active seeded customer billed in currency.
func customerID(t *testing.T, emu *Emulator, currency string) string {
	t.Helper()
	for _, p := range emu.Parties.All() {
		if p.Roles.Customer && p.Status == "active" && p.Currency == currency {
			return p.ID
		}
	}
	t.Fatalf("no %s customer", currency)
	return ""
}

func ctxb() context.Context { return context.Background() }

// --- normalization ------------------------------------------------------------------

func TestReadNormalization(t *testing.T) {
	created, updated := ts("2025-02-03T04:05:06Z"), ts("2025-03-04T05:06:07Z")
	paidAt := ts("2025-03-01T10:30:00Z")
	cases := []struct {
		name      string
		got, want proto.Message
	}{
		{
			name: "income sub-account, archived, with its balance",
			got: ledgerAccountToAccount(LedgerAccount{ID: 300023, Code: "4010", Name: "Sales — Services", Description: "Repairs and courses",
				Kind: "income", Subtype: "sales", Archived: true, Currency: "GBP", ParentID: ptr(int64(300022)), Balance: "11530.15",
				CreatedAt: created, UpdatedAt: updated}),
			want: &accountingv1.Account{Id: "300023", Code: "4010", Name: "Sales — Services", Description: "Repairs and courses",
				Classification: accountingv1.AccountClassification_ACCOUNT_CLASSIFICATION_REVENUE, RemoteClassification: "income",
				Type: "sales", Status: accountingv1.AccountStatus_ACCOUNT_STATUS_ARCHIVED, RemoteStatus: "archived", CurrencyCode: "GBP",
				CurrentBalance: "11530.15", ParentAccountId: "300022", CreateTime: timestamppb.New(created), UpdateTime: timestamppb.New(updated)},
		},
		{
			name: "memo account is OTHER, its kind kept",
			got: ledgerAccountToAccount(LedgerAccount{ID: 300042, Code: "9000", Name: "Headcount", Kind: "memo", Subtype: "statistical",
				Currency: "GBP", Balance: "0.00", CreatedAt: created, UpdatedAt: updated}),
			want: &accountingv1.Account{Id: "300042", Code: "9000", Name: "Headcount",
				Classification: accountingv1.AccountClassification_ACCOUNT_CLASSIFICATION_OTHER, RemoteClassification: "memo",
				Type: "statistical", Status: accountingv1.AccountStatus_ACCOUNT_STATUS_ACTIVE, RemoteStatus: "active", CurrencyCode: "GBP",
				CurrentBalance: "0.00", CreateTime: timestamppb.New(created), UpdateTime: timestamppb.New(updated)},
		},
		{
			name: "blocked customer and supplier: roles become flags, status OTHER, custom fields",
			got: partyToContact(Party{ID: "pty_000015", DisplayName: "Trailhead Co-operative", Roles: Roles{Customer: true, Supplier: true},
				Emails:    []sandboxapi.Email{{Address: "accounts@trailhead.example", Label: "work"}},
				Phones:    []sandboxapi.Phone{{Number: "+44 1539 720000", Label: "work"}},
				Addresses: []sandboxapi.Address{{Line1: "3 Stricklandgate", City: "Kendal", Zip: "LA9 4DL", Country: "GB", Kind: "billing"}},
				VATNumber: "GB123456789", Currency: "GBP", Status: "blocked", Custom: map[string]any{"segment": "club"},
				CreatedAt: created, UpdatedAt: updated}),
			want: &accountingv1.Contact{Id: "pty_000015", Name: "Trailhead Co-operative", IsCustomer: true, IsSupplier: true,
				Emails:    []*commonv1.Email{{Address: "accounts@trailhead.example", Type: commonv1.EmailType_EMAIL_TYPE_WORK}},
				Phones:    []*commonv1.Phone{{Number: "+441539720000", RawNumber: "+44 1539 720000", Type: commonv1.PhoneType_PHONE_TYPE_WORK}},
				Addresses: []*commonv1.Address{{Street_1: "3 Stricklandgate", City: "Kendal", PostalCode: "LA9 4DL", CountryCode: "GB", Type: commonv1.AddressType_ADDRESS_TYPE_BILLING}},
				TaxNumber: "GB123456789", CurrencyCode: "GBP", Status: accountingv1.ContactStatus_CONTACT_STATUS_OTHER, RemoteStatus: "blocked",
				CustomFields: mustStruct(map[string]any{"segment": "club"}), CreateTime: timestamppb.New(created), UpdateTime: timestamppb.New(updated)},
		},
		{
			name: "sent EUR sales invoice: AUTHORISED with its status kept, lines, totals, rate, custom fields",
			got: invoiceToInvoice(Invoice{ID: "dff913fc-60d4-5416-8ae4-4ae4b18ddd47", Direction: "sales", Number: "INV-0042", PartyID: "pty_000031",
				IssuedOn: "2025-02-01", DueOn: "2025-03-03", Currency: "EUR", FXRate: "0.8547",
				Lines: []Line{
					{ID: "ln_1", Description: "Trail Backpack 35L", Qty: "2", UnitPrice: "89.00", LineTotal: "178.00", TaxAmount: "35.60",
						ItemID: ptr(int64(501)), AccountID: ptr(int64(300022)), TaxRateID: ptr("txr_1")},
					{ID: "ln_2", Description: "Delivery", LineTotal: "12.50", TaxAmount: "0.00", AccountID: ptr(int64(300025))},
				},
				Subtotal: "190.50", TaxTotal: "35.60", Total: "226.10", AmountPaid: "100.00", AmountCredited: "0.00", AmountDue: "126.10",
				Status: "sent", Memo: "PO 4471", Custom: map[string]any{"po_number": "PO-4471"}, CreatedAt: created, UpdatedAt: updated}),
			want: &accountingv1.Invoice{Id: "dff913fc-60d4-5416-8ae4-4ae4b18ddd47", Type: accountingv1.InvoiceType_INVOICE_TYPE_ACCOUNTS_RECEIVABLE,
				Number: "INV-0042", ContactId: "pty_000031", IssueDate: "2025-02-01", DueDate: "2025-03-03", CurrencyCode: "EUR", ExchangeRate: "0.8547",
				LineItems: []*accountingv1.LineItem{
					{Id: "ln_1", Description: "Trail Backpack 35L", Quantity: "2", UnitPrice: "89.00", Total: "178.00", ItemId: "501", AccountId: "300022", TaxRateId: "txr_1"},
					{Id: "ln_2", Description: "Delivery", Total: "12.50", AccountId: "300025"},
				},
				SubTotal: "190.50", TotalTax: "35.60", Total: "226.10", AmountDue: "126.10",
				Status: accountingv1.InvoiceStatus_INVOICE_STATUS_AUTHORISED, RemoteStatus: "sent", Memo: "PO 4471",
				CustomFields: mustStruct(map[string]any{"po_number": "PO-4471"}), CreateTime: timestamppb.New(created), UpdateTime: timestamppb.New(updated)},
		},
		{
			name: "paid bill: ACCOUNTS_PAYABLE, paid time",
			got: invoiceToInvoice(Invoice{ID: "0b5e", Direction: "purchase", Number: "CGMI-40014", PartyID: "pty_000001", IssuedOn: "2025-01-10",
				DueOn: "2025-02-09", Currency: "GBP", FXRate: "1", Lines: []Line{}, Subtotal: "10.00", TaxTotal: "2.00", Total: "12.00",
				AmountPaid: "12.00", AmountCredited: "0.00", AmountDue: "0.00", Status: "paid", PaidAt: &paidAt, CreatedAt: created, UpdatedAt: updated}),
			want: &accountingv1.Invoice{Id: "0b5e", Type: accountingv1.InvoiceType_INVOICE_TYPE_ACCOUNTS_PAYABLE, Number: "CGMI-40014",
				ContactId: "pty_000001", IssueDate: "2025-01-10", DueDate: "2025-02-09", PaidTime: timestamppb.New(paidAt), CurrencyCode: "GBP",
				ExchangeRate: "1", LineItems: []*accountingv1.LineItem{}, SubTotal: "10.00", TotalTax: "2.00", Total: "12.00", AmountDue: "0.00",
				Status: accountingv1.InvoiceStatus_INVOICE_STATUS_PAID, RemoteStatus: "paid", CreateTime: timestamppb.New(created), UpdateTime: timestamppb.New(updated)},
		},
		{
			name: "outgoing payment: PAYABLE, amount is the total, allocations",
			got: paymentToPayment(Payment{ID: "pay_000007", Direction: "outgoing", PartyID: "pty_000002", AccountID: 300004, Amount: "500.00",
				Currency: "EUR", PaidOn: "2025-04-02", Reference: "SEPA AOG-40021",
				Allocations: []Allocation{{InvoiceID: "6f1c", Amount: "450.00"}}, Unallocated: "50.00", CreatedAt: created, UpdatedAt: updated}),
			want: &accountingv1.Payment{Id: "pay_000007", ContactId: "pty_000002", AccountId: "300004",
				InvoiceAllocations: []*accountingv1.InvoiceAllocation{{InvoiceId: "6f1c", Amount: "450.00"}}, Total: "500.00", CurrencyCode: "EUR",
				PaymentDate: "2025-04-02", Type: accountingv1.PaymentType_PAYMENT_TYPE_PAYABLE, Reference: "SEPA AOG-40021",
				CreateTime: timestamppb.New(created), UpdateTime: timestamppb.New(updated)},
		},
		{
			name: "refunded supplier credit note: PAID with its status kept",
			got: creditNoteToCreditNote(CreditNote{ID: "c1", Direction: "purchase", Number: "SCN-0002", PartyID: "pty_000003", IssuedOn: "2025-05-05",
				Currency: "EUR", FXRate: "0.8547", Lines: []Line{{ID: "ln_1", Description: "Damaged", Qty: "1", UnitPrice: "41.50", LineTotal: "41.50",
					TaxAmount: "8.30", AccountID: ptr(int64(300027)), TaxRateID: ptr("txr_1")}},
				Subtotal: "41.50", TaxTotal: "8.30", Total: "49.80", Remaining: "0.00", Status: "refunded", Custom: map[string]any{}, CreatedAt: created, UpdatedAt: updated}),
			want: &accountingv1.CreditNote{Id: "c1", Type: accountingv1.CreditNoteType_CREDIT_NOTE_TYPE_ACCOUNTS_PAYABLE, Number: "SCN-0002",
				ContactId: "pty_000003", IssueDate: "2025-05-05", CurrencyCode: "EUR",
				LineItems: []*accountingv1.LineItem{{Id: "ln_1", Description: "Damaged", Quantity: "1", UnitPrice: "41.50", Total: "41.50", AccountId: "300027", TaxRateId: "txr_1"}},
				Total:     "49.80", Remaining: "0.00", Status: accountingv1.CreditNoteStatus_CREDIT_NOTE_STATUS_PAID, RemoteStatus: "refunded",
				CreateTime: timestamppb.New(created), UpdateTime: timestamppb.New(updated)},
		},
		{
			name: "inactive item: sale and purchase terms flattened, ARCHIVED",
			got: itemToItem(Item{ID: 524, SKU: "MC-01", Name: "Map Case", Sale: &ItemTerms{Price: "12.00", AccountID: ptr(int64(300022))},
				Purchase: &ItemTerms{Price: "4.10", AccountID: ptr(int64(300027))}, Status: "inactive", Custom: map[string]any{"weight_g": 70.0},
				CreatedAt: created, UpdatedAt: updated}),
			want: &accountingv1.Item{Id: "524", Code: "MC-01", Name: "Map Case", UnitPrice: "12.00", IncomeAccountId: "300022",
				PurchasePrice: "4.10", ExpenseAccountId: "300027", Status: accountingv1.ItemStatus_ITEM_STATUS_ARCHIVED, RemoteStatus: "inactive",
				CustomFields: mustStruct(map[string]any{"weight_g": 70.0}), CreateTime: timestamppb.New(created), UpdateTime: timestamppb.New(updated)},
		},
		{
			name: "service item without purchase terms",
			got:  itemToItem(Item{ID: 525, SKU: "SV-REP", Name: "Tent repair", Sale: &ItemTerms{Price: "45.00"}, Status: "active", CreatedAt: created, UpdatedAt: updated}),
			want: &accountingv1.Item{Id: "525", Code: "SV-REP", Name: "Tent repair", UnitPrice: "45.00",
				Status: accountingv1.ItemStatus_ITEM_STATUS_ACTIVE, RemoteStatus: "active", CreateTime: timestamppb.New(created), UpdateTime: timestamppb.New(updated)},
		},
		{
			name: "journal: sides and amounts become debits and credits",
			got: journalToJournalEntry(Journal{ID: "jnl_000003", Number: "MJ-0003", PostedOn: "2025-03-31", Narration: "Accrue fees", Currency: "GBP",
				Lines: []JournalLine{
					{AccountID: 300036, Side: "debit", Amount: "1250.00"},
					{AccountID: 300017, Side: "credit", Amount: "1250.00", PartyID: ptr("pty_000009"), Description: "Not yet billed"},
				}, TotalDebit: "1250.00", TotalCredit: "1250.00", CreatedAt: created, UpdatedAt: updated}),
			want: &accountingv1.JournalEntry{Id: "jnl_000003", Number: "MJ-0003", Date: "2025-03-31", Memo: "Accrue fees", CurrencyCode: "GBP",
				Lines: []*accountingv1.JournalLine{
					{AccountId: "300036", Debit: "1250.00"},
					{AccountId: "300017", Credit: "1250.00", ContactId: "pty_000009", Description: "Not yet billed"},
				}, CreateTime: timestamppb.New(created), UpdateTime: timestamppb.New(updated)},
		},
		{
			name: "archived tax rate: the fraction becomes a percentage",
			got:  taxRateToTaxRate(TaxRate{ID: "txr_4", Name: "Standard 17.5%", Code: "S175", Rate: "0.175", Status: "archived", CreatedAt: created, UpdatedAt: updated}),
			want: &accountingv1.TaxRate{Id: "txr_4", Name: "Standard 17.5%", RatePercent: "17.5", Status: accountingv1.TaxRateStatus_TAX_RATE_STATUS_ARCHIVED,
				RemoteStatus: "archived", CreateTime: timestamppb.New(created), UpdateTime: timestamppb.New(updated)},
		},
		{
			name: "expense: payee and paying account",
			got: expenseToExpense(Expense{ID: 80007, SpentOn: "2025-06-12", PayeeID: ptr("pty_000014"), PaidFromAccountID: 300016, PaymentMethod: "card",
				Currency: "GBP", Lines: []ExpenseLine{{Description: "Design software", Amount: "48.00", AccountID: ptr(int64(300032)), TaxRateID: ptr("txr_1"), TaxAmount: "8.00"}},
				Total: "48.00", TaxTotal: "8.00", Memo: "Monthly plan", CreatedAt: created, UpdatedAt: updated}),
			want: &accountingv1.Expense{Id: "80007", Date: "2025-06-12", ContactId: "pty_000014", AccountId: "300016",
				Lines: []*accountingv1.ExpenseLine{{Description: "Design software", Amount: "48.00", AccountId: "300032", TaxRateId: "txr_1"}},
				Total: "48.00", CurrencyCode: "GBP", Memo: "Monthly plan", CreateTime: timestamppb.New(created), UpdateTime: timestamppb.New(updated)},
		},
		{
			name: "company: fiscal year end month from MM-DD, trading name",
			got: companyToCompanyInfo(Company{ID: companyID, LegalName: "Northwind Outfitters Limited", TradingName: "Northwind Outfitters",
				BaseCurrency: "GBP", FiscalYearEnd: "03-31", VATNumber: "GB284551973",
				Addresses: []sandboxapi.Address{{Line1: "14 Baker Street", City: "London", Zip: "W1U 3BW", Country: "GB", Kind: "billing"}},
				CreatedAt: created, UpdatedAt: updated}),
			want: &accountingv1.CompanyInfo{Id: companyID, LegalName: "Northwind Outfitters Limited", Name: "Northwind Outfitters", CurrencyCode: "GBP",
				FiscalYearEndMonth: 3, TaxNumber: "GB284551973",
				Addresses:  []*commonv1.Address{{Street_1: "14 Baker Street", City: "London", PostalCode: "W1U 3BW", CountryCode: "GB", Type: commonv1.AddressType_ADDRESS_TYPE_BILLING}},
				CreateTime: timestamppb.New(created), UpdateTime: timestamppb.New(updated)},
		},
		{
			name: "company without trading name or fiscal year end",
			got:  companyToCompanyInfo(Company{ID: "org_1", LegalName: "Solo Ltd", BaseCurrency: "EUR", FiscalYearEnd: "n/a", CreatedAt: created, UpdatedAt: updated}),
			want: &accountingv1.CompanyInfo{Id: "org_1", LegalName: "Solo Ltd", Name: "Solo Ltd", CurrencyCode: "EUR", Addresses: []*commonv1.Address{},
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

// TestEnumMappings reads every value of every ledger enum: the unified
// value, and the ledger's own kept in remote_*.
func TestEnumMappings(t *testing.T) {
	type enumCase struct {
		remote, want string
	}
	objects := []struct {
		object string
		read   func(remote string) (unified fmtStringer, remoteOut string)
		cases  []enumCase
	}{
		{"account classification", func(r string) (fmtStringer, string) {
			a := ledgerAccountToAccount(LedgerAccount{Kind: r})
			return a.GetClassification(), a.GetRemoteClassification()
		}, []enumCase{{"asset", "ACCOUNT_CLASSIFICATION_ASSET"}, {"liability", "ACCOUNT_CLASSIFICATION_LIABILITY"},
			{"equity", "ACCOUNT_CLASSIFICATION_EQUITY"}, {"income", "ACCOUNT_CLASSIFICATION_REVENUE"},
			{"expense", "ACCOUNT_CLASSIFICATION_EXPENSE"}, {"memo", "ACCOUNT_CLASSIFICATION_OTHER"}}},
		{"contact status", func(r string) (fmtStringer, string) {
			c := partyToContact(Party{Status: r})
			return c.GetStatus(), c.GetRemoteStatus()
		}, []enumCase{{"active", "CONTACT_STATUS_ACTIVE"}, {"archived", "CONTACT_STATUS_ARCHIVED"}, {"blocked", "CONTACT_STATUS_OTHER"}}},
		{"invoice status", func(r string) (fmtStringer, string) {
			i := invoiceToInvoice(Invoice{Status: r})
			return i.GetStatus(), i.GetRemoteStatus()
		}, []enumCase{{"draft", "INVOICE_STATUS_DRAFT"}, {"awaiting_approval", "INVOICE_STATUS_SUBMITTED"},
			{"approved", "INVOICE_STATUS_AUTHORISED"}, {"sent", "INVOICE_STATUS_AUTHORISED"}, {"partly_paid", "INVOICE_STATUS_PARTIALLY_PAID"},
			{"paid", "INVOICE_STATUS_PAID"}, {"voided", "INVOICE_STATUS_VOID"}, {"disputed", "INVOICE_STATUS_OTHER"}}},
		{"invoice type", func(r string) (fmtStringer, string) {
			return invoiceToInvoice(Invoice{Direction: r}).GetType(), r
		}, []enumCase{{"sales", "INVOICE_TYPE_ACCOUNTS_RECEIVABLE"}, {"purchase", "INVOICE_TYPE_ACCOUNTS_PAYABLE"}}},
		{"payment type", func(r string) (fmtStringer, string) {
			return paymentToPayment(Payment{Direction: r}).GetType(), r
		}, []enumCase{{"incoming", "PAYMENT_TYPE_RECEIVABLE"}, {"outgoing", "PAYMENT_TYPE_PAYABLE"}}},
		{"credit note type", func(r string) (fmtStringer, string) {
			return creditNoteToCreditNote(CreditNote{Direction: r}).GetType(), r
		}, []enumCase{{"sales", "CREDIT_NOTE_TYPE_ACCOUNTS_RECEIVABLE"}, {"purchase", "CREDIT_NOTE_TYPE_ACCOUNTS_PAYABLE"}}},
		{"credit note status", func(r string) (fmtStringer, string) {
			n := creditNoteToCreditNote(CreditNote{Status: r})
			return n.GetStatus(), n.GetRemoteStatus()
		}, []enumCase{{"draft", "CREDIT_NOTE_STATUS_DRAFT"}, {"awaiting_approval", "CREDIT_NOTE_STATUS_SUBMITTED"},
			{"approved", "CREDIT_NOTE_STATUS_AUTHORISED"}, {"applied", "CREDIT_NOTE_STATUS_PAID"}, {"refunded", "CREDIT_NOTE_STATUS_PAID"},
			{"voided", "CREDIT_NOTE_STATUS_VOID"}, {"on_hold", "CREDIT_NOTE_STATUS_OTHER"}}},
		{"item status", func(r string) (fmtStringer, string) {
			i := itemToItem(Item{Status: r})
			return i.GetStatus(), i.GetRemoteStatus()
		}, []enumCase{{"active", "ITEM_STATUS_ACTIVE"}, {"inactive", "ITEM_STATUS_ARCHIVED"}, {"discontinued", "ITEM_STATUS_OTHER"}}},
		{"tax rate status", func(r string) (fmtStringer, string) {
			x := taxRateToTaxRate(TaxRate{Status: r, Rate: "0"})
			return x.GetStatus(), x.GetRemoteStatus()
		}, []enumCase{{"active", "TAX_RATE_STATUS_ACTIVE"}, {"archived", "TAX_RATE_STATUS_ARCHIVED"}, {"pending", "TAX_RATE_STATUS_OTHER"}}},
	}
	for _, o := range objects {
		for _, c := range o.cases {
			t.Run(o.object+"/"+c.remote, func(t *testing.T) {
				got, remote := o.read(c.remote)
				if got.String() != c.want || remote != c.remote {
					t.Errorf("%s %q → %s (remote %q), want %s (remote %q)", o.object, c.remote, got, remote, c.want, c.remote)
				}
			})
		}
	}
	// The account status is the ledger's flag archived.
	for archived, want := range map[bool]string{false: "ACCOUNT_STATUS_ACTIVE", true: "ACCOUNT_STATUS_ARCHIVED"} {
		if a := ledgerAccountToAccount(LedgerAccount{Archived: archived}); a.GetStatus().String() != want {
			t.Errorf("archived %v → %s, want %s", archived, a.GetStatus(), want)
		}
	}
}

type fmtStringer interface{ String() string }

func TestTaxRatePercentages(t *testing.T) {
	for fraction, want := range map[string]string{"0.2": "20", "0.05": "5", "0": "0", "0.175": "17.5", "0.0725": "7.25", "1": "100", "bad": ""} {
		if got := taxRateToTaxRate(TaxRate{Rate: fraction}).GetRatePercent(); got != want {
			t.Errorf("rate %s → %q, want %q", fraction, got, want)
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
			name: "account: REVENUE is income, type is the subtype, ARCHIVED is the flag, parent as a number",
			body: func() (map[string]any, error) {
				return accountFields.Body(&accountingv1.Account{Name: "Workshops", Code: "4030", Classification: accountingv1.AccountClassification_ACCOUNT_CLASSIFICATION_REVENUE,
					Type: "sales", Status: accountingv1.AccountStatus_ACCOUNT_STATUS_ARCHIVED, CurrencyCode: "GBP", ParentAccountId: "300023"}, nil, "account", Slug)
			},
			want: `{"archived":true,"code":"4030","currency":"GBP","kind":"income","name":"Workshops","parent_id":300023,"subtype":"sales"}`,
		},
		{
			name: "account: OTHER sends the remote kind",
			body: func() (map[string]any, error) {
				return accountFields.Body(&accountingv1.Account{Name: "Stock units", Code: "9100", Classification: accountingv1.AccountClassification_ACCOUNT_CLASSIFICATION_OTHER,
					RemoteClassification: "memo", Status: accountingv1.AccountStatus_ACCOUNT_STATUS_ACTIVE}, nil, "account", Slug)
			},
			want: `{"archived":false,"code":"9100","kind":"memo","name":"Stock units"}`,
		},
		{
			name: "account: the status wins over a stale remote status in either order, as the flag",
			body: func() (map[string]any, error) {
				return accountFields.Body(&accountingv1.Account{Status: accountingv1.AccountStatus_ACCOUNT_STATUS_ACTIVE, RemoteStatus: "archived"},
					[]string{"remote_status", "status"}, "account", Slug)
			},
			want: `{"archived":false}`,
		},
		{
			name: "contact: flags become roles, blocked kept as OTHER's remote status, custom fields",
			body: func() (map[string]any, error) {
				return contactFields.Body(&accountingv1.Contact{Name: "Glenmore Wool Co.", IsCustomer: true, IsSupplier: true, TaxNumber: "GB999",
					Status: accountingv1.ContactStatus_CONTACT_STATUS_OTHER, RemoteStatus: "blocked",
					Emails:       []*commonv1.Email{{Address: "ap@glenmore.example", Type: commonv1.EmailType_EMAIL_TYPE_WORK}},
					CustomFields: mustStruct(map[string]any{"segment": "wholesale"})}, nil, "contact", Slug)
			},
			want: `{"custom":{"segment":"wholesale"},"display_name":"Glenmore Wool Co.","emails":[{"address":"ap@glenmore.example","label":"work"}],` +
				`"roles":{"customer":true,"supplier":true},"status":"blocked","vat_number":"GB999"}`,
		},
		{
			name: "contact update of one role: only that key of the roles object",
			body: func() (map[string]any, error) {
				return contactFields.Body(&accountingv1.Contact{Id: "pty_000020", IsSupplier: true}, []string{"is_supplier"}, "contact", Slug)
			},
			want: `{"roles":{"supplier":true}}`,
		},
		{
			name: "invoice: AR is sales, lines as the ledger's (total only without qty and price), ids by kind",
			body: func() (map[string]any, error) {
				return invoiceFields.Body(&accountingv1.Invoice{Type: accountingv1.InvoiceType_INVOICE_TYPE_ACCOUNTS_RECEIVABLE, ContactId: "pty_000031",
					IssueDate: "2025-06-01", DueDate: "2025-07-01", CurrencyCode: "EUR", ExchangeRate: "0.85", Memo: "Thanks",
					LineItems: []*accountingv1.LineItem{
						{Description: "Backpack", Quantity: "2", UnitPrice: "89.00", Total: "178.00", ItemId: "501", AccountId: "300022", TaxRateId: "txr_1"},
						{Id: "ln_2", Description: "Delivery", Total: "12.50", AccountId: "300025"},
					},
					CustomFields: mustStruct(map[string]any{"po_number": "PO-1"})}, nil, "invoice", Slug)
			},
			want: `{"currency":"EUR","custom":{"po_number":"PO-1"},"direction":"sales","due_on":"2025-07-01","fx_rate":"0.85","issued_on":"2025-06-01",` +
				`"lines":[{"description":"Backpack","qty":"2","unit_price":"89.00","item_id":501,"account_id":300022,"tax_rate_id":"txr_1"},` +
				`{"id":"ln_2","description":"Delivery","line_total":"12.50","item_id":null,"account_id":300025,"tax_rate_id":null}],"memo":"Thanks","party_id":"pty_000031"}`,
		},
		{
			name: "invoice status: AUTHORISED keeps the remote sent it refines",
			body: func() (map[string]any, error) {
				return invoiceFields.Body(&accountingv1.Invoice{Status: accountingv1.InvoiceStatus_INVOICE_STATUS_AUTHORISED, RemoteStatus: "sent"},
					[]string{"remote_status", "status"}, "invoice", Slug)
			},
			want: `{"status":"sent"}`,
		},
		{
			name: "invoice status: AUTHORISED of a draft is approved",
			body: func() (map[string]any, error) {
				return invoiceFields.Body(&accountingv1.Invoice{Status: accountingv1.InvoiceStatus_INVOICE_STATUS_AUTHORISED, RemoteStatus: "draft"},
					[]string{"status"}, "invoice", Slug)
			},
			want: `{"status":"approved"}`,
		},
		{
			name: "invoice status: SUBMITTED and VOID",
			body: func() (map[string]any, error) {
				return invoiceFields.Body(&accountingv1.Invoice{Status: accountingv1.InvoiceStatus_INVOICE_STATUS_VOID}, []string{"status"}, "invoice", Slug)
			},
			want: `{"status":"voided"}`,
		},
		{
			name: "invoice status: OTHER sends the remote status",
			body: func() (map[string]any, error) {
				return invoiceFields.Body(&accountingv1.Invoice{Status: accountingv1.InvoiceStatus_INVOICE_STATUS_OTHER, RemoteStatus: "disputed"},
					[]string{"remote_status", "status"}, "invoice", Slug)
			},
			want: `{"status":"disputed"}`,
		},
		{
			name: "invoice status: remote_status alone is sent as is, whatever the (stale) status says",
			body: func() (map[string]any, error) {
				return invoiceFields.Body(&accountingv1.Invoice{Status: accountingv1.InvoiceStatus_INVOICE_STATUS_AUTHORISED, RemoteStatus: "disputed"},
					[]string{"remote_status"}, "invoice", Slug)
			},
			want: `{"status":"disputed"}`,
		},
		{
			name: "bill: AP is purchase",
			body: func() (map[string]any, error) {
				return invoiceFields.Body(&accountingv1.Invoice{Type: accountingv1.InvoiceType_INVOICE_TYPE_ACCOUNTS_PAYABLE, Number: "A-1"}, nil, "invoice", Slug)
			},
			want: `{"direction":"purchase","number":"A-1"}`,
		},
		{
			name: "payment: PAYABLE is outgoing, total is the amount, allocations",
			body: func() (map[string]any, error) {
				return paymentFields.Body(&accountingv1.Payment{ContactId: "pty_000002", AccountId: "300004", Total: "500.00", CurrencyCode: "EUR",
					PaymentDate: "2025-04-02", Type: accountingv1.PaymentType_PAYMENT_TYPE_PAYABLE, Reference: "SEPA 1",
					InvoiceAllocations: []*accountingv1.InvoiceAllocation{{InvoiceId: "dff913fc-60d4-5416-8ae4-4ae4b18ddd47", Amount: "450.00"}}}, nil, "payment", Slug)
			},
			want: `{"account_id":300004,"allocations":[{"invoice_id":"dff913fc-60d4-5416-8ae4-4ae4b18ddd47","amount":"450.00"}],"amount":"500.00",` +
				`"currency":"EUR","direction":"outgoing","paid_on":"2025-04-02","party_id":"pty_000002","reference":"SEPA 1"}`,
		},
		{
			name: "credit note: PAID is recorded as refunded, AP is purchase",
			body: func() (map[string]any, error) {
				return creditNoteFields.Body(&accountingv1.CreditNote{Type: accountingv1.CreditNoteType_CREDIT_NOTE_TYPE_ACCOUNTS_PAYABLE, ContactId: "pty_000003",
					Status: accountingv1.CreditNoteStatus_CREDIT_NOTE_STATUS_PAID, IssueDate: "2025-05-05"}, nil, "credit_note", Slug)
			},
			want: `{"direction":"purchase","issued_on":"2025-05-05","party_id":"pty_000003","status":"refunded"}`,
		},
		{
			name: "credit note: SUBMITTED is awaiting_approval",
			body: func() (map[string]any, error) {
				return creditNoteFields.Body(&accountingv1.CreditNote{Status: accountingv1.CreditNoteStatus_CREDIT_NOTE_STATUS_SUBMITTED}, nil, "credit_note", Slug)
			},
			want: `{"status":"awaiting_approval"}`,
		},
		{
			name: "item: prices and accounts into the sale and purchase objects, ARCHIVED is inactive",
			body: func() (map[string]any, error) {
				return itemFields.Body(&accountingv1.Item{Name: "Bivvy Bag", Code: "BV-01", UnitPrice: "79.00", IncomeAccountId: "300022",
					PurchasePrice: "31.25", ExpenseAccountId: "300027", Status: accountingv1.ItemStatus_ITEM_STATUS_ARCHIVED}, nil, "item", Slug)
			},
			want: `{"name":"Bivvy Bag","purchase":{"account_id":300027,"price":"31.25"},"sale":{"account_id":300022,"price":"79.00"},"sku":"BV-01","status":"inactive"}`,
		},
		{
			name: "item update: one price alone; clearing an account sends null",
			body: func() (map[string]any, error) {
				return itemFields.Body(&accountingv1.Item{Id: "501", PurchasePrice: "40.00"}, []string{"income_account_id", "purchase_price"}, "item", Slug)
			},
			want: `{"purchase":{"price":"40.00"},"sale":{"account_id":null}}`,
		},
		{
			name: "journal: debits and credits become sides and amounts; contact is the party",
			body: func() (map[string]any, error) {
				return journalFields.Body(&accountingv1.JournalEntry{Date: "2025-06-30", Memo: "Drawings", CurrencyCode: "GBP", Lines: []*accountingv1.JournalLine{
					{AccountId: "300021", Debit: "3000.00"},
					{AccountId: "300002", Credit: "3000.00", ContactId: "pty_000009", Description: "Transfer"},
				}}, nil, "journal_entry", Slug)
			},
			want: `{"currency":"GBP","lines":[{"account_id":300021,"amount":"3000.00","description":"","party_id":null,"side":"debit"},` +
				`{"account_id":300002,"amount":"3000.00","description":"Transfer","party_id":"pty_000009","side":"credit"}],"narration":"Drawings","posted_on":"2025-06-30"}`,
		},
		{
			name: "expense: contact is the payee, account the one paid from",
			body: func() (map[string]any, error) {
				return expenseFields.Body(&accountingv1.Expense{Date: "2025-06-12", ContactId: "pty_000014", AccountId: "300016", Memo: "Plan",
					Lines: []*accountingv1.ExpenseLine{{Description: "Design software", Amount: "48.00", AccountId: "300032", TaxRateId: "txr_1"}}}, nil, "expense", Slug)
			},
			want: `{"lines":[{"account_id":300032,"amount":"48.00","description":"Design software","tax_rate_id":"txr_1"}],"memo":"Plan",` +
				`"paid_from_account_id":300016,"payee_id":"pty_000014","spent_on":"2025-06-12"}`,
		},
		{
			name: "expense update: clearing the payee sends null",
			body: func() (map[string]any, error) {
				return expenseFields.Body(&accountingv1.Expense{Id: "80001"}, []string{"contact_id"}, "expense", Slug)
			},
			want: `{"payee_id":null}`,
		},
		{name: "account status the ledger cannot keep", violation: "account.remote_status", body: func() (map[string]any, error) {
			return accountFields.Body(&accountingv1.Account{Status: accountingv1.AccountStatus_ACCOUNT_STATUS_OTHER, RemoteStatus: "locked"}, nil, "account", Slug)
		}},
		{name: "account classification OTHER without remote value", violation: "account.classification", body: func() (map[string]any, error) {
			return accountFields.Body(&accountingv1.Account{Classification: accountingv1.AccountClassification_ACCOUNT_CLASSIFICATION_OTHER}, nil, "account", Slug)
		}},
		{name: "invoice status OTHER without remote value", violation: "invoice.status", body: func() (map[string]any, error) {
			return invoiceFields.Body(&accountingv1.Invoice{Status: accountingv1.InvoiceStatus_INVOICE_STATUS_OTHER}, []string{"status"}, "invoice", Slug)
		}},
		{name: "contact status OTHER without remote value", violation: "contact.status", body: func() (map[string]any, error) {
			return contactFields.Body(&accountingv1.Contact{Status: accountingv1.ContactStatus_CONTACT_STATUS_OTHER}, nil, "contact", Slug)
		}},
		{name: "invoice contact that is not a party id", violation: "invoice.contact_id", body: func() (map[string]any, error) {
			return invoiceFields.Body(&accountingv1.Invoice{ContactId: "12345"}, nil, "invoice", Slug)
		}},
		{name: "line account that is not a ledger id", violation: "invoice.line_items[0].account_id", body: func() (map[string]any, error) {
			return invoiceFields.Body(&accountingv1.Invoice{LineItems: []*accountingv1.LineItem{{AccountId: "sales"}}}, nil, "invoice", Slug)
		}},
		{name: "line tax rate that is not a tax rate id", violation: "credit_note.line_items[1].tax_rate_id", body: func() (map[string]any, error) {
			return creditNoteFields.Body(&accountingv1.CreditNote{LineItems: []*accountingv1.LineItem{{}, {TaxRateId: "20%"}}}, nil, "credit_note", Slug)
		}},
		{name: "allocation to an invoice number, not an id", violation: "payment.invoice_allocations[0].invoice_id", body: func() (map[string]any, error) {
			return paymentFields.Body(&accountingv1.Payment{InvoiceAllocations: []*accountingv1.InvoiceAllocation{{InvoiceId: "INV-0001", Amount: "1"}}}, nil, "payment", Slug)
		}},
		{name: "journal line with both a debit and a credit", violation: "journal_entry.lines[0]", body: func() (map[string]any, error) {
			return journalFields.Body(&accountingv1.JournalEntry{Lines: []*accountingv1.JournalLine{{AccountId: "300002", Debit: "1", Credit: "1"}}}, nil, "journal_entry", Slug)
		}},
		{name: "journal number: the ledger numbers journals itself", violation: "journal_entry.number", body: func() (map[string]any, error) {
			return journalFields.Body(&accountingv1.JournalEntry{Number: "JE-7"}, nil, "journal_entry", Slug)
		}},
		{name: "expense payee that is not a party id", violation: "expense.contact_id", body: func() (map[string]any, error) {
			return expenseFields.Body(&accountingv1.Expense{ContactId: "acme"}, nil, "expense", Slug)
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			body, err := tc.body()
			if tc.violation != "" {
				vs := apierr.Violations(err)
				if status.Code(err) != codes.InvalidArgument || len(vs) == 0 || vs[0].Field != tc.violation {
					t.Fatalf("err = %v, violations %+v; want a violation of %s", err, vs, tc.violation)
				}
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

func TestLedgerFieldNamesBecomeUnified(t *testing.T) {
	cases := []struct {
		wire  map[string]string
		field string
		want  string
	}{
		{invoiceWire, "lines[2].qty", "line_items[2].quantity"},
		{invoiceWire, "lines[0].line_total", "line_items[0].total"},
		{invoiceWire, "lines[1].colour", "line_items[1].colour"},
		{invoiceWire, "lines", "line_items"},
		{invoiceWire, "party_id", "contact_id"},
		{paymentWire, "allocations[3].amount", "invoice_allocations[3].amount"},
		{itemWire, "sale.account_id", "income_account_id"},
		{journalWire, "lines[1].side", "lines[1]"},
		{contactWire, "emails[0].address", "emails[0].address"},
	}
	for _, c := range cases {
		if got, ok := unifiedField(c.wire, c.field); !ok || got != c.want {
			t.Errorf("%s → %q (%v), want %q", c.field, got, ok, c.want)
		}
	}
	if got, ok := unifiedField(invoiceWire, "payment_terms"); ok {
		t.Errorf("an unmapped field mapped to %q", got)
	}
}

// --- against the emulator -------------------------------------------------------------

func TestCapabilities(t *testing.T) {
	got := map[string][]platformv1.Operation{}
	for _, os := range connector.Capabilities(platformv1.Category_CATEGORY_ACCOUNTING, Connector()) {
		got[os.GetObject()] = os.GetOperations()
	}
	const (
		l = platformv1.Operation_OPERATION_LIST
		g = platformv1.Operation_OPERATION_GET
		c = platformv1.Operation_OPERATION_CREATE
		u = platformv1.Operation_OPERATION_UPDATE
		d = platformv1.Operation_OPERATION_DELETE
	)
	want := map[string][]platformv1.Operation{
		"account": {l, g, c}, "contact": {l, g, c, u}, "invoice": {l, g, c, u, d}, "payment": {l, g, c}, "credit_note": {l, g, c},
		"item": {l, g, c, u}, "journal_entry": {l, g, c}, "tax_rate": {l}, "expense": {l, g, c}, "company_info": {g},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("operations (-want +got):\n%s", diff)
	}
}

func TestRoundTrips(t *testing.T) {
	conn := Connector()

	t.Run("account", func(t *testing.T) {
		emu, c := start(t)
		got := connectortest.RoundTrip[*accountingv1.Account]{
			Seeded: emu.Accounts.Len(),
			Create: &accountingv1.Account{Name: "Trade Show Costs", Code: "6310", Classification: accountingv1.AccountClassification_ACCOUNT_CLASSIFICATION_EXPENSE,
				ParentAccountId: accountID(t, emu, "6300")},
		}.Run(t, c, conn.Accounts)
		if got.GetType() != "overhead" || got.GetCurrencyCode() != "GBP" || got.GetCurrentBalance() != "0.00" || got.GetStatus() != accountingv1.AccountStatus_ACCOUNT_STATUS_ACTIVE {
			t.Errorf("ledger defaults: %v", got)
		}
	})
	t.Run("contact", func(t *testing.T) {
		emu, c := start(t)
		connectortest.RoundTrip[*accountingv1.Contact]{
			Seeded: emu.Parties.Len(),
			Create: &accountingv1.Contact{Name: "Cairngorm Climbing Club", IsCustomer: true, CurrencyCode: "GBP",
				Emails:       []*commonv1.Email{{Address: "treasurer@cairngormclimbing.example", Type: commonv1.EmailType_EMAIL_TYPE_WORK}},
				Addresses:    []*commonv1.Address{{Street_1: "Main Street", City: "Aviemore", PostalCode: "PH22 1RH", CountryCode: "GB", Type: commonv1.AddressType_ADDRESS_TYPE_BILLING}},
				CustomFields: mustStruct(map[string]any{"segment": "club"})},
			Mask: []string{"is_supplier", "status"},
			Change: func(c *accountingv1.Contact) {
				c.IsSupplier, c.Status, c.IsCustomer = true, accountingv1.ContactStatus_CONTACT_STATUS_ARCHIVED, false // is_customer is not in the mask
			},
			Check: func(t *testing.T, got *accountingv1.Contact) {
				if !got.GetIsSupplier() || !got.GetIsCustomer() || got.GetStatus() != accountingv1.ContactStatus_CONTACT_STATUS_ARCHIVED || got.GetRemoteStatus() != "archived" {
					t.Errorf("after update: %v", got)
				}
				if got.GetName() != "Cairngorm Climbing Club" || len(got.GetEmails()) != 1 || got.GetCustomFields().AsMap()["segment"] != "club" {
					t.Errorf("fields lost: %v", got)
				}
			},
		}.Run(t, c, conn.Contacts)
	})
	t.Run("invoice", func(t *testing.T) {
		emu, c := start(t)
		connectortest.RoundTrip[*accountingv1.Invoice]{
			Seeded: emu.Invoices.Len(),
			Create: &accountingv1.Invoice{ContactId: customerID(t, emu, "GBP"), IssueDate: "2025-11-03",
				LineItems:    []*accountingv1.LineItem{{ItemId: "501", Quantity: "3", TaxRateId: taxStandard}},
				CustomFields: mustStruct(map[string]any{"po_number": "PO-9"})},
			Mask: []string{"line_items", "memo"},
			Change: func(i *accountingv1.Invoice) {
				i.Memo = "Two more lines"
				i.LineItems = append(i.LineItems,
					&accountingv1.LineItem{Description: "Delivery", Quantity: "1", UnitPrice: "12.50", AccountId: accountID(t, emu, "4100"), TaxRateId: taxStandard},
					&accountingv1.LineItem{Description: "Loyalty discount", Quantity: "1", UnitPrice: "-10.00", AccountId: accountID(t, emu, "4000"), TaxRateId: taxStandard})
			},
			Check: func(t *testing.T, got *accountingv1.Invoice) {
				lines := got.GetLineItems()
				if len(lines) != 3 || lines[0].GetId() != "ln_1" || lines[1].GetId() != "ln_2" || lines[2].GetId() != "ln_3" {
					t.Fatalf("lines: %v", lines)
				}
				// 3 × 89.00 + 12.50 − 10.00 = 269.50; VAT 53.40 + 2.50 − 2.00 = 53.90.
				if got.GetSubTotal() != "269.50" || got.GetTotalTax() != "53.90" || got.GetTotal() != "323.40" || got.GetAmountDue() != "323.40" {
					t.Errorf("totals after update: %s + %s = %s, due %s", got.GetSubTotal(), got.GetTotalTax(), got.GetTotal(), got.GetAmountDue())
				}
				if got.GetMemo() != "Two more lines" || got.GetStatus() != accountingv1.InvoiceStatus_INVOICE_STATUS_DRAFT || got.GetCustomFields().AsMap()["po_number"] != "PO-9" {
					t.Errorf("after update: %v", got)
				}
			},
		}.Run(t, c, conn.Invoices)
	})
	t.Run("payment", func(t *testing.T) {
		emu, c := start(t)
		inv := approvedInvoice(t, emu, c, "100.00")
		got := connectortest.RoundTrip[*accountingv1.Payment]{
			Seeded: emu.Payments.Len(),
			Create: &accountingv1.Payment{ContactId: inv.GetContactId(), AccountId: accountID(t, emu, "1200"), PaymentDate: "2025-11-20", Reference: "BACS 1",
				InvoiceAllocations: []*accountingv1.InvoiceAllocation{{InvoiceId: inv.GetId(), Amount: "50.00"}}},
		}.Run(t, c, conn.Payments)
		if got.GetTotal() != "50.00" || got.GetType() != accountingv1.PaymentType_PAYMENT_TYPE_RECEIVABLE || got.GetCurrencyCode() != "GBP" {
			t.Errorf("payment defaults: %v", got)
		}
	})
	t.Run("credit note", func(t *testing.T) {
		emu, c := start(t)
		got := connectortest.RoundTrip[*accountingv1.CreditNote]{
			Seeded: emu.CreditNotes.Len(),
			Create: &accountingv1.CreditNote{ContactId: customerID(t, emu, "EUR"), Status: accountingv1.CreditNoteStatus_CREDIT_NOTE_STATUS_AUTHORISED,
				LineItems: []*accountingv1.LineItem{{Description: "Goodwill", Total: "25.00", AccountId: accountID(t, emu, "4000"), TaxRateId: taxZero}}},
		}.Run(t, c, conn.CreditNotes)
		if got.GetType() != accountingv1.CreditNoteType_CREDIT_NOTE_TYPE_ACCOUNTS_RECEIVABLE || got.GetTotal() != "25.00" || got.GetRemaining() != "25.00" ||
			got.GetCurrencyCode() != "EUR" || !strings.HasPrefix(got.GetNumber(), "CN-") {
			t.Errorf("credit note: %v", got)
		}
	})
	t.Run("item", func(t *testing.T) {
		emu, c := start(t)
		connectortest.RoundTrip[*accountingv1.Item]{
			Seeded: emu.Items.Len(),
			Create: &accountingv1.Item{Name: "Bivvy Bag", Code: "BV-01", UnitPrice: "79", IncomeAccountId: accountID(t, emu, "4000"),
				PurchasePrice: "31.25", ExpenseAccountId: accountID(t, emu, "5000"), CustomFields: mustStruct(map[string]any{"weight_g": 350.0})},
			Mask: []string{"purchase_price", "status"},
			Change: func(i *accountingv1.Item) {
				i.PurchasePrice, i.Status, i.UnitPrice = "29.90", accountingv1.ItemStatus_ITEM_STATUS_ARCHIVED, "1"
			},
			Check: func(t *testing.T, got *accountingv1.Item) {
				if got.GetPurchasePrice() != "29.90" || got.GetUnitPrice() != "79.00" || got.GetExpenseAccountId() == "" || got.GetIncomeAccountId() == "" ||
					got.GetStatus() != accountingv1.ItemStatus_ITEM_STATUS_ARCHIVED || got.GetRemoteStatus() != "inactive" {
					t.Errorf("after update: %v", got)
				}
			},
		}.Run(t, c, conn.Items)
	})
	t.Run("journal entry", func(t *testing.T) {
		emu, c := start(t)
		got := connectortest.RoundTrip[*accountingv1.JournalEntry]{
			Seeded: emu.Journals.Len(),
			Create: &accountingv1.JournalEntry{Date: "2025-09-30", Memo: "Prepaid insurance", Lines: []*accountingv1.JournalLine{
				{AccountId: accountID(t, emu, "1400"), Debit: "920.00"},
				{AccountId: accountID(t, emu, "6080"), Credit: "920.00", Description: "Half of the annual premium"},
			}},
		}.Run(t, c, conn.JournalEntries)
		if got.GetNumber() != "MJ-0021" || got.GetCurrencyCode() != "GBP" || got.GetLines()[1].GetCredit() != "920.00" {
			t.Errorf("journal: %v", got)
		}
	})
	t.Run("expense", func(t *testing.T) {
		emu, c := start(t)
		got := connectortest.RoundTrip[*accountingv1.Expense]{
			Seeded: emu.Expenses.Len(),
			Create: &accountingv1.Expense{Date: "2025-10-02", AccountId: accountID(t, emu, "2250"), Memo: "Team lunch", Lines: []*accountingv1.ExpenseLine{
				{Description: "Lunch", Amount: "60.00", AccountId: accountID(t, emu, "6050"), TaxRateId: taxStandard},
				{Description: "Tip", Amount: "6.00", AccountId: accountID(t, emu, "6050")},
			}},
		}.Run(t, c, conn.Expenses)
		if got.GetTotal() != "66.00" || got.GetCurrencyCode() != "GBP" {
			t.Errorf("expense: %v", got)
		}
	})
}

// approvedInvoice creates an approved GBP sales invoice of one line of net,
// without tax.
func approvedInvoice(t *testing.T, emu *Emulator, c *connector.Conn, net string) *accountingv1.Invoice {
	t.Helper()
	inv, err := Connector().Invoices.Create(ctxb(), c, &accountingv1.Invoice{ContactId: customerID(t, emu, "GBP"),
		Status:    accountingv1.InvoiceStatus_INVOICE_STATUS_AUTHORISED,
		LineItems: []*accountingv1.LineItem{{Description: "Guided hike", Quantity: "1", UnitPrice: net, AccountId: accountID(t, emu, "4010")}}})
	if err != nil {
		t.Fatal(err)
	}
	return inv
}

func TestMinimalInvoiceComesBackWithTotals(t *testing.T) {
	emu, c := start(t)
	contact := customerID(t, emu, "USD")
	got, err := Connector().Invoices.Create(ctxb(), c, &accountingv1.Invoice{ContactId: contact, LineItems: []*accountingv1.LineItem{
		{Description: "Navigation course", Quantity: "2", UnitPrice: "120.00", AccountId: accountID(t, emu, "4010")},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if got.GetType() != accountingv1.InvoiceType_INVOICE_TYPE_ACCOUNTS_RECEIVABLE || got.GetStatus() != accountingv1.InvoiceStatus_INVOICE_STATUS_DRAFT {
		t.Errorf("defaults: %v", got)
	}
	if got.GetSubTotal() != "240.00" || got.GetTotalTax() != "0.00" || got.GetTotal() != "240.00" || got.GetAmountDue() != "240.00" {
		t.Errorf("totals: %s + %s = %s, due %s", got.GetSubTotal(), got.GetTotalTax(), got.GetTotal(), got.GetAmountDue())
	}
	// The currency is the customer's, at the ledger's rate; the number and
	// dates are the ledger's.
	if got.GetCurrencyCode() != "USD" || got.GetExchangeRate() != "0.7862" || got.GetIssueDate() == "" || got.GetDueDate() < got.GetIssueDate() ||
		!strings.HasPrefix(got.GetNumber(), "INV-") || got.GetLineItems()[0].GetTotal() != "240.00" {
		t.Errorf("ledger defaults: %v", got)
	}
}

func TestInvoiceTotals(t *testing.T) {
	emu, c := start(t)
	sales, delivery := accountID(t, emu, "4000"), accountID(t, emu, "4100")
	line := func(qty, price, tax string) *accountingv1.LineItem {
		return &accountingv1.LineItem{Description: "x", Quantity: qty, UnitPrice: price, AccountId: sales, TaxRateId: tax}
	}
	cases := []struct {
		name                 string
		lines                []*accountingv1.LineItem
		subtotal, tax, total string
	}{
		{"one line at 20%", []*accountingv1.LineItem{line("2", "10.00", taxStandard)}, "20.00", "4.00", "24.00"},
		{"no tax rate", []*accountingv1.LineItem{line("3", "7.50", "")}, "22.50", "0.00", "22.50"},
		{"mixed rates", []*accountingv1.LineItem{line("1", "99.99", taxStandard), line("1", "10.00", taxReduced), line("1", "5.00", taxZero)},
			"114.99", "20.50", "135.49"},
		{"fractional quantity and 4-decimal price, rounded half away from zero", []*accountingv1.LineItem{line("3", "0.3333", taxStandard), line("0.5", "0.25", "")},
			"1.13", "0.20", "1.33"},
		{"line total alone", []*accountingv1.LineItem{{Description: "Shipping", Total: "150.00", AccountId: delivery, TaxRateId: taxStandard}}, "150.00", "30.00", "180.00"},
		{"discount line", []*accountingv1.LineItem{line("1", "100.00", taxStandard), line("1", "-10.00", taxStandard)}, "90.00", "18.00", "108.00"},
		{"an item's price and account", []*accountingv1.LineItem{{ItemId: "501", Quantity: "2", TaxRateId: taxStandard}}, "178.00", "35.60", "213.60"},
		{"half a penny of tax", []*accountingv1.LineItem{line("1", "0.125", taxStandard)}, "0.13", "0.03", "0.16"},
		// 2.6p of tax on each line is 3p; on the sum (5.2p) it would be 5p.
		{"tax rounded per line, not on the sum", []*accountingv1.LineItem{line("1", "0.13", taxStandard), line("1", "0.13", taxStandard)}, "0.26", "0.06", "0.32"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Connector().Invoices.Create(ctxb(), c, &accountingv1.Invoice{ContactId: customerID(t, emu, "GBP"), LineItems: tc.lines})
			if err != nil {
				t.Fatal(err)
			}
			if got.GetSubTotal() != tc.subtotal || got.GetTotalTax() != tc.tax || got.GetTotal() != tc.total {
				t.Errorf("%s + %s = %s, want %s + %s = %s", got.GetSubTotal(), got.GetTotalTax(), got.GetTotal(), tc.subtotal, tc.tax, tc.total)
			}
		})
	}
}

func TestPaymentsSettleInvoices(t *testing.T) {
	emu, c := start(t)
	conn := Connector()
	inv := approvedInvoice(t, emu, c, "120.00")
	pay := func(amount string) error {
		_, err := conn.Payments.Create(ctxb(), c, &accountingv1.Payment{ContactId: inv.GetContactId(), AccountId: accountID(t, emu, "1200"),
			InvoiceAllocations: []*accountingv1.InvoiceAllocation{{InvoiceId: inv.GetId(), Amount: amount}}})
		return err
	}
	if err := pay("50.00"); err != nil {
		t.Fatal(err)
	}
	got, err := conn.Invoices.Get(ctxb(), c, inv.GetId(), connector.GetParams{})
	if err != nil || got.GetStatus() != accountingv1.InvoiceStatus_INVOICE_STATUS_PARTIALLY_PAID || got.GetAmountDue() != "70.00" || got.GetPaidTime() != nil {
		t.Fatalf("after paying 50 of 120: %v %v", got, err)
	}
	err = pay("70.01")
	if vs := apierr.Violations(err); len(vs) == 0 || vs[0].Field != "payment.invoice_allocations[0].amount" {
		t.Fatalf("overpaying: %v", err)
	}
	if err := pay("70.00"); err != nil {
		t.Fatal(err)
	}
	got, _ = conn.Invoices.Get(ctxb(), c, inv.GetId(), connector.GetParams{})
	if got.GetStatus() != accountingv1.InvoiceStatus_INVOICE_STATUS_PAID || got.GetAmountDue() != "0.00" || got.GetPaidTime() == nil {
		t.Fatalf("after paying the rest: %v", got)
	}
	err = pay("1.00")
	if vs := apierr.Violations(err); len(vs) == 0 || vs[0].Field != "payment.invoice_allocations[0].invoice_id" || !strings.Contains(vs[0].Description, "is paid") {
		t.Fatalf("paying a paid invoice: %v", err)
	}
	_, err = conn.Invoices.Update(ctxb(), c, &accountingv1.Invoice{Id: inv.GetId(), Memo: "x", LineItems: []*accountingv1.LineItem{
		{Description: "more", Quantity: "1", UnitPrice: "1", AccountId: accountID(t, emu, "4010")}}}, []string{"line_items"})
	if vs := apierr.Violations(err); len(vs) == 0 || vs[0].Field != "invoice.line_items" {
		t.Fatalf("changing the lines of a paid invoice: %v", err)
	}
}

func TestUnbalancedJournalIsRefused(t *testing.T) {
	emu, c := start(t)
	before := emu.Journals.Len()
	_, err := Connector().JournalEntries.Create(ctxb(), c, &accountingv1.JournalEntry{Lines: []*accountingv1.JournalLine{
		{AccountId: accountID(t, emu, "6200"), Debit: "100.00"},
		{AccountId: accountID(t, emu, "1510"), Credit: "90.00"},
	}})
	vs := apierr.Violations(err)
	if status.Code(err) != codes.InvalidArgument || len(vs) != 1 || vs[0].Field != "journal_entry.lines" || !strings.Contains(vs[0].Description, "do not balance") {
		t.Fatalf("unbalanced: %v %+v", err, vs)
	}
	if emu.Journals.Len() != before {
		t.Fatal("the unbalanced journal was stored")
	}
	_, err = Connector().JournalEntries.Create(ctxb(), c, &accountingv1.JournalEntry{Lines: []*accountingv1.JournalLine{
		{AccountId: accountID(t, emu, "6200"), Debit: "-5.00"}, {AccountId: "999999", Credit: "5.00"},
	}})
	vs = apierr.Violations(err)
	fields := []string{}
	for _, v := range vs {
		fields = append(fields, v.Field)
	}
	if !slices.Contains(fields, "journal_entry.lines[0]") || !slices.Contains(fields, "journal_entry.lines[1].account_id") {
		t.Fatalf("bad lines: %v", fields)
	}
}

func TestDeletingAnInvoiceThatIsNotADraftIsRefused(t *testing.T) {
	emu, c := start(t)
	inv := approvedInvoice(t, emu, c, "80.00")
	err := Connector().Invoices.Delete(ctxb(), c, inv.GetId())
	if status.Code(err) != codes.FailedPrecondition || apierr.Reason(err) != apierr.ReasonProviderRejected ||
		!strings.Contains(err.Error(), "only draft invoices can be deleted") || !strings.Contains(err.Error(), inv.GetNumber()) {
		t.Fatalf("deleting an approved invoice: %v", err)
	}
	if _, err := Connector().Invoices.Get(ctxb(), c, inv.GetId(), connector.GetParams{}); err != nil {
		t.Fatalf("the invoice is gone: %v", err)
	}
}

func TestInvoiceStatusRules(t *testing.T) {
	emu, c := start(t)
	conn := Connector()
	inv := approvedInvoice(t, emu, c, "10.00")
	update := func(s accountingv1.InvoiceStatus, remote string) (*accountingv1.Invoice, error) {
		return conn.Invoices.Update(ctxb(), c, &accountingv1.Invoice{Id: inv.GetId(), Status: s, RemoteStatus: remote}, []string{"remote_status", "status"})
	}
	got, err := update(accountingv1.InvoiceStatus_INVOICE_STATUS_OTHER, "sent")
	if err != nil || got.GetStatus() != accountingv1.InvoiceStatus_INVOICE_STATUS_AUTHORISED || got.GetRemoteStatus() != "sent" {
		t.Fatalf("sending: %v %v", got, err)
	}
	// Sent back as read (AUTHORISED, remote sent), the invoice stays sent.
	if got, err = update(got.GetStatus(), got.GetRemoteStatus()); err != nil || got.GetRemoteStatus() != "sent" {
		t.Fatalf("unchanged: %v %v", got, err)
	}
	for _, s := range []accountingv1.InvoiceStatus{accountingv1.InvoiceStatus_INVOICE_STATUS_DRAFT, accountingv1.InvoiceStatus_INVOICE_STATUS_PAID} {
		_, err := update(s, "")
		if vs := apierr.Violations(err); len(vs) == 0 || vs[0].Field != "invoice.status" {
			t.Errorf("to %v: %v", s, err)
		}
	}
	if got, err = update(accountingv1.InvoiceStatus_INVOICE_STATUS_VOID, ""); err != nil || got.GetAmountDue() != "0.00" {
		t.Fatalf("voiding: %v %v", got, err)
	}
	_, err = conn.Invoices.Update(ctxb(), c, &accountingv1.Invoice{Id: inv.GetId(), Memo: "too late"}, []string{"memo"})
	if vs := apierr.Violations(err); len(vs) == 0 || !strings.Contains(vs[0].Description, "voided") {
		t.Fatalf("changing a voided invoice: %v", err)
	}
}

// TestUpdatedLinesAreReplacedWhole guards against a line inheriting the
// item or tax rate of the line it replaces.
func TestUpdatedLinesAreReplacedWhole(t *testing.T) {
	emu, c := start(t)
	conn := Connector()
	inv, err := conn.Invoices.Create(ctxb(), c, &accountingv1.Invoice{ContactId: customerID(t, emu, "GBP"),
		LineItems: []*accountingv1.LineItem{{ItemId: "501", Quantity: "1", TaxRateId: taxStandard}}})
	if err != nil {
		t.Fatal(err)
	}
	got, err := conn.Invoices.Update(ctxb(), c, &accountingv1.Invoice{Id: inv.GetId(), LineItems: []*accountingv1.LineItem{
		{Id: "ln_1", Description: "Custom order", Quantity: "1", UnitPrice: "50.00", AccountId: accountID(t, emu, "4000")},
	}}, []string{"line_items"})
	if err != nil {
		t.Fatal(err)
	}
	l := got.GetLineItems()[0]
	if l.GetId() != "ln_1" || l.GetItemId() != "" || l.GetTaxRateId() != "" || got.GetTotal() != "50.00" {
		t.Fatalf("line after update: %v, total %s", l, got.GetTotal())
	}
	_, err = conn.Invoices.Update(ctxb(), c, &accountingv1.Invoice{Id: inv.GetId(), LineItems: []*accountingv1.LineItem{
		{Id: "ln_9", Description: "x", Total: "1.00", AccountId: accountID(t, emu, "4000")},
	}}, []string{"line_items"})
	if vs := apierr.Violations(err); len(vs) == 0 || vs[0].Field != "invoice.line_items[0].id" {
		t.Fatalf("a line id of another invoice: %v", err)
	}
}

func TestReadOnlyObjectsAndPaging(t *testing.T) {
	emu, c := start(t)
	conn := Connector()
	rates := connectortest.ListAll(t, c, conn.TaxRates, 3, time.Time{}, nil)
	if len(rates) != 4 || rates[0].GetRatePercent() != "20" || rates[3].GetRatePercent() != "17.5" ||
		rates[3].GetStatus() != accountingv1.TaxRateStatus_TAX_RATE_STATUS_ARCHIVED {
		t.Fatalf("tax rates: %v", rates)
	}
	info, err := conn.CompanyInfo.Get(ctxb(), c, "", connector.GetParams{})
	if err != nil || info.GetName() != "Northwind Outfitters" || info.GetCurrencyCode() != "GBP" || info.GetFiscalYearEndMonth() != 3 ||
		info.GetTaxNumber() != "GB284551973" || len(info.GetAddresses()) != 2 {
		t.Fatalf("company: %v %v", info, err)
	}
	if again, err := conn.CompanyInfo.Get(ctxb(), c, info.GetId(), connector.GetParams{}); err != nil || again.GetId() != info.GetId() {
		t.Fatalf("company by its id: %v", err)
	}
	// The unified default page of 50 pages through the 120 seeded invoices.
	first, err := conn.Invoices.List(ctxb(), c, connector.ListParams{PageSize: connector.DefaultPageSize})
	if err != nil || len(first.Items) != 50 || first.NextCursor == "" {
		t.Fatalf("first page: %d %v", len(first.Items), err)
	}
	for name, n := range map[string]int{
		"accounts": len(connectortest.ListAll(t, c, conn.Accounts, 7, time.Time{}, nil)), "contacts": len(connectortest.ListAll(t, c, conn.Contacts, 50, time.Time{}, nil)),
		"invoices": len(connectortest.ListAll(t, c, conn.Invoices, 50, time.Time{}, nil)), "payments": len(connectortest.ListAll(t, c, conn.Payments, 50, time.Time{}, nil)),
		"items": len(connectortest.ListAll(t, c, conn.Items, 50, time.Time{}, nil)), "expenses": len(connectortest.ListAll(t, c, conn.Expenses, 50, time.Time{}, nil)),
	} {
		want := map[string]int{"accounts": emu.Accounts.Len(), "contacts": emu.Parties.Len(), "invoices": emu.Invoices.Len(),
			"payments": emu.Payments.Len(), "items": emu.Items.Len(), "expenses": emu.Expenses.Len()}[name]
		if n != want || n == 0 {
			t.Errorf("%s: listed %d of %d", name, n, want)
		}
	}
}

func TestUnknownIDsAreNotFound(t *testing.T) {
	_, c := start(t)
	conn := Connector()
	gets := map[string]func() error{
		"account": func() error { _, err := conn.Accounts.Get(ctxb(), c, "999999", connector.GetParams{}); return err },
		"contact": func() error { _, err := conn.Contacts.Get(ctxb(), c, "pty_999999", connector.GetParams{}); return err },
		"invoice": func() error {
			_, err := conn.Invoices.Get(ctxb(), c, "00000000-0000-5000-8000-000000000000", connector.GetParams{})
			return err
		},
		"payment": func() error { _, err := conn.Payments.Get(ctxb(), c, "pay_999999", connector.GetParams{}); return err },
		"credit note": func() error {
			_, err := conn.CreditNotes.Get(ctxb(), c, "no-such-note", connector.GetParams{})
			return err
		},
		"item": func() error { _, err := conn.Items.Get(ctxb(), c, "424242", connector.GetParams{}); return err },
		"journal": func() error {
			_, err := conn.JournalEntries.Get(ctxb(), c, "jnl_999999", connector.GetParams{})
			return err
		},
		"expense": func() error { _, err := conn.Expenses.Get(ctxb(), c, "1", connector.GetParams{}); return err },
		"company": func() error {
			_, err := conn.CompanyInfo.Get(ctxb(), c, "org_other", connector.GetParams{})
			return err
		},
		"invoice delete": func() error {
			return conn.Invoices.Delete(ctxb(), c, "00000000-0000-5000-8000-000000000000")
		},
	}
	for name, get := range gets {
		if err := get(); status.Code(err) != codes.NotFound || apierr.Reason(err) != apierr.ReasonRecordNotFound {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestProviderValidationBecomesFieldViolations(t *testing.T) {
	emu, c := start(t)
	conn := Connector()
	gbp := customerID(t, emu, "GBP")
	sales := accountID(t, emu, "4000")
	cases := []struct {
		name  string
		call  func() error
		field string
	}{
		{"unknown contact", func() error {
			_, err := conn.Invoices.Create(ctxb(), c, &accountingv1.Invoice{ContactId: "pty_999999",
				LineItems: []*accountingv1.LineItem{{Description: "x", Quantity: "1", UnitPrice: "1", AccountId: sales}}})
			return err
		}, "invoice.contact_id"},
		{"negative quantity, in the unified name of a line's field", func() error {
			_, err := conn.Invoices.Create(ctxb(), c, &accountingv1.Invoice{ContactId: gbp,
				LineItems: []*accountingv1.LineItem{{Description: "x", Quantity: "-1", UnitPrice: "1", AccountId: sales}}})
			return err
		}, "invoice.line_items[0].quantity"},
		{"line posting to a bank account", func() error {
			_, err := conn.Invoices.Create(ctxb(), c, &accountingv1.Invoice{ContactId: gbp,
				LineItems: []*accountingv1.LineItem{{Description: "x", Quantity: "1", UnitPrice: "1", AccountId: accountID(t, emu, "1200")}}})
			return err
		}, "invoice.line_items[0].account_id"},
		{"invoice without lines", func() error {
			_, err := conn.Invoices.Create(ctxb(), c, &accountingv1.Invoice{ContactId: gbp})
			return err
		}, "invoice.line_items"},
		{"item income account that is an expense account", func() error {
			_, err := conn.Items.Create(ctxb(), c, &accountingv1.Item{Name: "x", UnitPrice: "1", IncomeAccountId: accountID(t, emu, "6000")})
			return err
		}, "item.income_account_id"},
		{"contact with a bad email", func() error {
			_, err := conn.Contacts.Create(ctxb(), c, &accountingv1.Contact{Name: "x", Emails: []*commonv1.Email{{Address: "not an email"}}})
			return err
		}, "contact.emails[0].address"},
		{"duplicate account code", func() error {
			_, err := conn.Accounts.Create(ctxb(), c, &accountingv1.Account{Name: "x", Code: "4000", Classification: accountingv1.AccountClassification_ACCOUNT_CLASSIFICATION_REVENUE})
			return err
		}, "account.code"},
		{"payment without an account", func() error {
			_, err := conn.Payments.Create(ctxb(), c, &accountingv1.Payment{ContactId: gbp, Total: "10.00"})
			return err
		}, "payment.account_id"},
		{"expense with an archived tax rate", func() error {
			_, err := conn.Expenses.Create(ctxb(), c, &accountingv1.Expense{AccountId: accountID(t, emu, "2250"),
				Lines: []*accountingv1.ExpenseLine{{Amount: "10.00", AccountId: accountID(t, emu, "6020"), TaxRateId: "txr_4"}}})
			return err
		}, "expense.lines[0].tax_rate_id"},
		{"currency the organisation has not enabled", func() error {
			_, err := conn.CreditNotes.Create(ctxb(), c, &accountingv1.CreditNote{ContactId: gbp, CurrencyCode: "JPY",
				LineItems: []*accountingv1.LineItem{{Description: "x", Total: "1.00", AccountId: sales}}})
			return err
		}, "credit_note.currency_code"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.call()
			vs := apierr.Violations(err)
			if status.Code(err) != codes.InvalidArgument || len(vs) == 0 || vs[0].Field != tc.field || vs[0].Reason != apierr.ReasonProviderRejected {
				t.Fatalf("err = %v, violations %+v; want a violation of %s", err, vs, tc.field)
			}
		})
	}
}

func TestIncludeRaw(t *testing.T) {
	emu, c := start(t)
	conn := Connector()
	inv := emu.Invoices.All()[0]
	got, err := conn.Invoices.Get(ctxb(), c, inv.ID, connector.GetParams{IncludeRaw: true})
	if err != nil {
		t.Fatal(err)
	}
	raw := got.GetRaw().AsMap()
	if raw["number"] != got.GetNumber() || raw["direction"] == nil || raw["amount_paid"] == nil || raw["lines"] == nil {
		t.Fatalf("raw = %v", raw)
	}
	page, err := conn.Payments.List(ctxb(), c, connector.ListParams{PageSize: 3, IncludeRaw: true})
	if err != nil || len(page.Items) != 3 || page.Items[2].GetRaw().AsMap()["unallocated"] == nil {
		t.Fatalf("list with raw: %v, %v", page.Items, err)
	}
	info, err := conn.CompanyInfo.Get(ctxb(), c, "", connector.GetParams{IncludeRaw: true})
	if err != nil || info.GetRaw().AsMap()["fiscal_year_end"] != "03-31" {
		t.Fatalf("company raw: %v %v", info.GetRaw(), err)
	}
	plain, _ := conn.Invoices.Get(ctxb(), c, inv.ID, connector.GetParams{})
	if plain.GetRaw() != nil {
		t.Fatal("raw without include_raw")
	}
}

func TestProviderFaults(t *testing.T) {
	emu, c := start(t)
	conn := Connector()
	invoice := &accountingv1.Invoice{ContactId: customerID(t, emu, "GBP"),
		LineItems: []*accountingv1.LineItem{{Description: "x", Total: "1.00", AccountId: accountID(t, emu, "4000")}}}
	invoices := emu.Invoices.Len()
	connectortest.Faults{
		Faults: emu.Faults, Limiter: emu.Limiter,
		Read: func() error {
			_, err := conn.Invoices.List(ctxb(), c, connector.ListParams{PageSize: 5})
			return err
		},
		ReadPath: "/v1/invoices",
		Write: func() error {
			_, err := conn.Invoices.Create(ctxb(), c, invoice)
			return err
		},
		WritePath: "/v1/invoices",
	}.Run(t)
	if n := emu.Invoices.Len(); n != invoices {
		t.Fatalf("%d invoices after a failed create, %d before", n, invoices)
	}
}

func TestBadCredentials(t *testing.T) {
	emu := NewEmulator(Options{APIKey: testKey, Seed: true})
	srv := httptest.NewServer(emu)
	defer srv.Close()
	c := connectortest.Conn(t, Descriptor(srv.URL), "", connectortest.APIKey("sk_wrong_key"), nil)
	connectortest.BadCredentials(t, func() error {
		_, err := Connector().CompanyInfo.Get(ctxb(), c, "", connector.GetParams{})
		return err
	}, "sk_wrong_key", "invalid API key")
}

// --- the emulator's books -------------------------------------------------------------

func TestSeedIsDeterministic(t *testing.T) {
	a, b := NewEmulator(Options{Seed: true}), NewEmulator(Options{Seed: true})
	for name, pair := range map[string][2]any{
		"invoices": {a.Invoices.All(), b.Invoices.All()}, "payments": {a.Payments.All(), b.Payments.All()},
		"parties": {a.Parties.All(), b.Parties.All()}, "journals": {a.Journals.All(), b.Journals.All()},
		"expenses": {a.Expenses.All(), b.Expenses.All()}, "credit notes": {a.CreditNotes.All(), b.CreditNotes.All()},
	} {
		x, _ := json.Marshal(pair[0])
		y, _ := json.Marshal(pair[1])
		if string(x) != string(y) {
			t.Errorf("%s differ between two starts", name)
		}
	}
}

// TestSeededBooksAddUp checks the demo data the way an accountant would:
// every invoice's amount due is its total less what was allocated to it,
// and the ledger balances.
func TestSeededBooksAddUp(t *testing.T) {
	emu := NewEmulator(Options{Seed: true})
	allocated := map[string]*big.Rat{}
	allocate := func(id, amount string) {
		if allocated[id] == nil {
			allocated[id] = new(big.Rat)
		}
		allocated[id].Add(allocated[id], mustDec(amount))
	}
	for _, p := range emu.Payments.All() {
		for _, a := range p.Allocations {
			allocate(a.InvoiceID, a.Amount)
		}
	}
	for _, n := range emu.CreditNotes.All() {
		for _, a := range n.Allocations {
			allocate(a.InvoiceID, a.Amount)
		}
	}
	statuses := map[string]int{}
	for _, inv := range emu.Invoices.All() {
		statuses[inv.Status]++
		got := allocated[inv.ID]
		if got == nil {
			got = new(big.Rat)
		}
		if inv.Status == "voided" {
			continue
		}
		if due := sub(mustDec(inv.Total), got); cents(due) != inv.AmountDue {
			t.Errorf("invoice %s (%s): due %s, but total %s less allocations %s is %s", inv.Number, inv.Status, inv.AmountDue, inv.Total, cents(got), cents(due))
		}
		if (inv.Status == "paid") != (inv.AmountDue == "0.00") || (inv.Status == "paid") != (inv.PaidAt != nil) {
			t.Errorf("invoice %s is %s with %s due, paid at %v", inv.Number, inv.Status, inv.AmountDue, inv.PaidAt)
		}
	}
	for _, s := range []string{"draft", "awaiting_approval", "approved", "sent", "partly_paid", "paid", "voided", "disputed"} {
		if statuses[s] == 0 {
			t.Errorf("no seeded invoice is %s", s)
		}
	}
	trial := new(big.Rat)
	emu.postings(func(p posting) { trial.Add(trial, mul(p.amount, p.fx)) })
	if trial.Sign() != 0 {
		t.Errorf("the trial balance is off by %s", trial.FloatString(6))
	}
}
