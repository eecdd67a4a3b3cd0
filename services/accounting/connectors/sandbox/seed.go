package sandbox

import (
	"fmt"
	"math/big"
	"strings"
	"time"

	"github.com/unimesh/unimesh/pkg/sandboxapi"
)

func ptr[T any](v T) *T { return &v }

// Tax rate ids of the organisation's setup.
const (
	taxStandard = "txr_1"
	taxReduced  = "txr_2"
	taxZero     = "txr_3"
)

// setUpOrganisation creates the company and its tax rates: they exist in
// every Sandbox Ledger organisation, seeded or not.
func (e *Emulator) setUpOrganisation() {
	created := time.Date(2019, 4, 1, 9, 0, 0, 0, time.UTC)
	e.Company.InsertAt(Company{
		LegalName: "Northwind Outfitters Limited", TradingName: "Northwind Outfitters", BaseCurrency: baseCurrency,
		FiscalYearEnd: "03-31", CompanyNumber: "11842093", VATNumber: "GB284551973",
		Addresses: []sandboxapi.Address{
			{Line1: "14 Baker Street", City: "London", Zip: "W1U 3BW", Country: "GB", Kind: "billing"},
			{Line1: "Unit 7, Riverside Trading Estate", City: "Manchester", Zip: "M17 1WA", Country: "GB", Kind: "shipping"},
		},
		Timezone: "Europe/London",
	}, created, time.Date(2024, 11, 18, 14, 30, 0, 0, time.UTC))
	for _, t := range []TaxRate{
		{Name: "Standard 20%", Code: "S", Rate: "0.2", Status: "active"},
		{Name: "Reduced 5%", Code: "R", Rate: "0.05", Status: "active"},
		{Name: "Zero rated", Code: "Z", Rate: "0", Status: "active"},
		{Name: "Standard 17.5% (to January 2011)", Code: "S175", Rate: "0.175", Status: "archived"},
	} {
		e.TaxRates.InsertAt(t, created, created)
	}
}

// world is what the seed has made so far, for the records that refer to it.
type world struct {
	accounts  map[string]LedgerAccount // by code
	items     []Item
	customers []Party
	suppliers []Party
}

func (w *world) account(code string) *int64 {
	a, ok := w.accounts[code]
	if !ok {
		panic("sandbox seed: no account " + code)
	}
	return ptr(a.ID)
}

// seed loads the demo data: the same records, ids and times on every start.
// Every document goes through the emulator's own checks and pricing, so the
// books add up; a seed that breaks a rule panics.
func (e *Emulator) seed() {
	s := sandboxapi.NewSeeder(4)
	w := &world{accounts: map[string]LedgerAccount{}}
	e.seedAccounts(s, w)
	e.seedItems(s, w)
	e.seedParties(s, w)
	e.seedInvoices(s, w)
	e.seedCreditNotes(s, w)
	e.seedJournals(s, w)
	e.seedExpenses(s, w)
}

func must(what string, errs []sandboxapi.FieldError) {
	if len(errs) > 0 {
		panic(fmt.Sprintf("sandbox seed: %s: %+v", what, errs))
	}
}

// --- accounts -------------------------------------------------------------------

var chart = []struct {
	code, name, kind, subtype, currency, parent string
	archived                                    bool
}{
	{"1100", "Accounts Receivable", "asset", "receivable", "", "", false},
	{"1200", "Business Current Account", "asset", "bank", "", "", false},
	{"1210", "Business Savings Account", "asset", "bank", "", "", false},
	{"1220", "Euro Account", "asset", "bank", "EUR", "", false},
	{"1230", "US Dollar Account", "asset", "bank", "USD", "", false},
	{"1240", "Petty Cash", "asset", "bank", "", "", false},
	{"1300", "Inventory", "asset", "inventory", "", "", false},
	{"1400", "Prepayments", "asset", "current_asset", "", "", false},
	{"1500", "Office Equipment", "asset", "fixed_asset", "", "", false},
	{"1510", "Office Equipment Depreciation", "asset", "fixed_asset", "", "1500", false},
	{"1600", "Computer Equipment", "asset", "fixed_asset", "", "", false},
	{"1610", "Computer Equipment Depreciation", "asset", "fixed_asset", "", "1600", false},
	{"2100", "Accounts Payable", "liability", "payable", "", "", false},
	{"2200", "VAT Control", "liability", "tax", "", "", false},
	{"2210", "PAYE and National Insurance", "liability", "tax", "", "", false},
	{"2250", "Company Credit Card", "liability", "credit_card", "", "", false},
	{"2300", "Accruals", "liability", "current_liability", "", "", false},
	{"2400", "Bank Loan", "liability", "long_term_liability", "", "", false},
	{"3000", "Share Capital", "equity", "capital", "", "", false},
	{"3100", "Retained Earnings", "equity", "retained_earnings", "", "", false},
	{"3200", "Directors' Drawings", "equity", "drawings", "", "", false},
	{"4000", "Sales — Products", "income", "sales", "", "", false},
	{"4010", "Sales — Services", "income", "sales", "", "", false},
	{"4020", "Membership Subscriptions", "income", "sales", "", "", false},
	{"4100", "Shipping Income", "income", "other_income", "", "", false},
	{"4200", "Interest Income", "income", "other_income", "", "", false},
	{"5000", "Cost of Goods Sold", "expense", "cost_of_sales", "", "", false},
	{"5100", "Freight and Packaging", "expense", "cost_of_sales", "", "", false},
	{"6000", "Rent", "expense", "overhead", "", "", false},
	{"6010", "Utilities", "expense", "overhead", "", "", false},
	{"6020", "Office Supplies", "expense", "overhead", "", "", false},
	{"6030", "Software Subscriptions", "expense", "overhead", "", "", false},
	{"6040", "Travel", "expense", "overhead", "", "", false},
	{"6050", "Meals and Entertainment", "expense", "overhead", "", "", false},
	{"6060", "Advertising", "expense", "overhead", "", "", false},
	{"6070", "Accountancy and Legal", "expense", "overhead", "", "", false},
	{"6080", "Insurance", "expense", "overhead", "", "", false},
	{"6090", "Bank Charges", "expense", "overhead", "", "", false},
	{"6100", "Wages and Salaries", "expense", "payroll", "", "", false},
	{"6200", "Depreciation", "expense", "depreciation", "", "", false},
	{"6300", "Trade Show Costs (old)", "expense", "overhead", "", "", true},
	{"9000", "Headcount", "memo", "statistical", "", "", false},
}

func (e *Emulator) seedAccounts(s *sandboxapi.Seeder, w *world) {
	t := s.Base.AddDate(0, -9, 0)
	for _, c := range chart {
		a := LedgerAccount{Code: c.code, Name: c.name, Kind: c.kind, Subtype: c.subtype, Currency: c.currency, Archived: c.archived}
		if c.parent != "" {
			a.ParentID = ptr(w.accounts[c.parent].ID)
		}
		if c.kind == "memo" {
			a.Description = "Statistical account: not part of the balance sheet."
		}
		must("account "+c.code, e.validateAccount(&a, true))
		updated := t
		if c.archived {
			updated = s.After(t, 200)
		}
		w.accounts[c.code] = e.Accounts.InsertAt(a, t, updated)
		t = t.Add(3 * time.Minute)
	}
}

// --- items ----------------------------------------------------------------------

var catalogue = []struct {
	sku, name, sale, purchase, income, expense string
	grams                                      int
}{
	{"BP-35", "Trail Backpack 35L", "89.00", "41.50", "4000", "5000", 1150},
	{"BP-55", "Summit Backpack 55L", "149.00", "68.00", "4000", "5000", 1720},
	{"TN-2P", "Ultralight Tent 2P", "329.00", "152.00", "4000", "5000", 1380},
	{"TN-6P", "Family Tent 6P", "549.00", "260.00", "4000", "5000", 14500},
	{"SB-D5", "Down Sleeping Bag -5°C", "219.00", "98.00", "4000", "5000", 990},
	{"SB-S0", "Synthetic Sleeping Bag 0°C", "119.00", "52.00", "4000", "5000", 1450},
	{"MT-SI", "Self-inflating Mat", "64.50", "27.80", "4000", "5000", 780},
	{"ST-01", "Camping Stove", "45.00", "19.25", "4000", "5000", 320},
	{"CK-TI", "Titanium Cookset", "79.00", "33.00", "4000", "5000", 210},
	{"TP-02", "Trekking Poles (pair)", "59.00", "24.00", "4000", "5000", 520},
	{"HL-400", "Headlamp 400lm", "34.99", "12.40", "4000", "5000", 95},
	{"JK-WP", "Waterproof Jacket", "189.00", "82.00", "4000", "5000", 430},
	{"FL-ML", "Fleece Midlayer", "69.00", "28.50", "4000", "5000", 380},
	{"BL-MR", "Merino Base Layer", "55.00", "21.75", "4000", "5000", 190},
	{"BT-HK", "Hiking Boots", "159.00", "71.00", "4000", "5000", 1240},
	{"SH-TR", "Trail Running Shoes", "119.00", "52.00", "4000", "5000", 610},
	{"SK-W3", "Wool Hiking Socks (3 pack)", "24.00", "8.90", "4000", "5000", 240},
	{"WF-01", "Water Filter", "39.95", "16.20", "4000", "5000", 85},
	{"BT-750", "Insulated Bottle 750ml", "27.50", "9.80", "4000", "5000", 360},
	{"FA-01", "First Aid Kit", "29.00", "11.00", "4000", "5000", 270},
	{"DB-20", "Dry Bag 20L", "18.50", "6.30", "4000", "5000", 110},
	{"CP-01", "Baseplate Compass", "22.00", "8.60", "4000", "5000", 40},
	{"GT-01", "Gaiters", "32.00", "13.00", "4000", "5000", 260},
	{"MC-01", "Map Case", "12.00", "4.10", "4000", "5000", 70},
	{"SV-REP", "Tent repair (per hour)", "45.00", "", "4010", "", 0},
	{"SV-HIKE", "Guided day hike (per person)", "85.00", "", "4010", "", 0},
	{"SV-RENT", "Gear rental (per day)", "25.00", "", "4010", "", 0},
	{"SV-NAV", "Navigation course", "120.00", "", "4010", "", 0},
	{"SUB-GC", "Gear Club membership (annual)", "49.00", "", "4020", "", 0},
	{"PK-100", "Packaging boxes (100)", "", "38.00", "", "5100", 0},
}

func (e *Emulator) seedItems(s *sandboxapi.Seeder, w *world) {
	for _, c := range catalogue {
		it := Item{SKU: c.sku, Name: c.name, Custom: map[string]any{}}
		if c.sale != "" {
			it.Sale = &ItemTerms{Price: c.sale, AccountID: w.account(c.income)}
		}
		if c.purchase != "" {
			it.Purchase = &ItemTerms{Price: c.purchase, AccountID: w.account(c.expense)}
		}
		if c.grams > 0 {
			it.Description = fmt.Sprintf("%s — %d g.", c.name, c.grams)
			it.Custom = map[string]any{"weight_g": float64(c.grams), "brand": sandboxapi.Pick(s, []string{"Northwind", "Northwind", "Alpenwerk", "Cascade"})}
		} else if it.Sale != nil {
			it.Description = c.name + ", booked at the Manchester store."
			it.Custom = map[string]any{"bookable": true}
		}
		if c.sku == "MC-01" {
			it.Status = "inactive" // discontinued
		}
		must("item "+c.sku, e.validateItem(&it, true))
		created := s.Time(20).AddDate(0, -6, 0)
		w.items = append(w.items, e.Items.InsertAt(it, created, s.After(created, 90)))
	}
}

// --- parties --------------------------------------------------------------------

var currencyOfCountry = map[string]string{
	"GB": "GBP", "US": "USD", "CA": "USD", "AU": "USD", "DE": "EUR", "FR": "EUR", "ES": "EUR", "NL": "EUR", "CH": "EUR",
}

var suppliers = []struct {
	name, domain, country, city, zip, currency string
	alsoCustomer                               bool
}{
	{"Cascade Gear Manufacturing Inc.", "cascadegear.example", "US", "Portland", "97205", "USD", false},
	{"Alpenwerk Outdoor GmbH", "alpenwerk.example", "DE", "Munich", "80331", "EUR", false},
	{"Fjordline Textiles BV", "fjordline.example", "NL", "Amsterdam", "1012 AB", "EUR", false},
	{"Peak Footwear Ltd", "peakfootwear.example", "GB", "Leicester", "LE1 5YA", "GBP", false},
	{"Lumen Lighting Co.", "lumenlighting.example", "US", "Denver", "80202", "USD", false},
	{"Summit Packaging Ltd", "summitpackaging.example", "GB", "Leeds", "LS1 4AP", "GBP", false},
	{"Riverside Estates Ltd", "riverside-estates.example", "GB", "Manchester", "M3 3EB", "GBP", false},
	{"Brightline Energy", "brightline.example", "GB", "Bristol", "BS1 6QH", "GBP", false},
	{"Hartley & Finch LLP", "hartleyfinch.example", "GB", "London", "EC2A 4NE", "GBP", false},
	{"Swift Couriers Ltd", "swiftcouriers.example", "GB", "Birmingham", "B1 1BB", "GBP", false},
	{"Pixel Harbour Design", "pixelharbour.example", "GB", "Brighton", "BN1 1AE", "GBP", false},
	{"Shield Insurance plc", "shieldinsurance.example", "GB", "London", "EC3M 7HA", "GBP", false},
	{"Glenmore Wool Co.", "glenmorewool.example", "GB", "Inverness", "IV1 1QY", "GBP", false},
	{"Kestrel Software Ltd", "kestrelsoftware.example", "GB", "Cambridge", "CB2 1TN", "GBP", false},
	{"Trailhead Co-operative", "trailhead.example", "GB", "Kendal", "LA9 4DL", "GBP", true},
	{"Ben Nevis Adventures Ltd", "bennevisadventures.example", "GB", "Fort William", "PH33 6AN", "GBP", true},
	{"Moorland Scouts Association", "moorlandscouts.example", "GB", "York", "YO1 7HH", "GBP", true},
	{"Coastal Kayak Centre", "coastalkayak.example", "GB", "Falmouth", "TR11 3DF", "GBP", true},
}

func (e *Emulator) seedParties(s *sandboxapi.Seeder, w *world) {
	for _, sp := range suppliers {
		p := Party{
			DisplayName: sp.name, LegalName: sp.name, Roles: Roles{Supplier: true, Customer: sp.alsoCustomer},
			Emails:    []sandboxapi.Email{{Address: "accounts@" + sp.domain, Label: "work"}},
			Addresses: []sandboxapi.Address{{Line1: fmt.Sprintf("%d %s", 1+s.R.IntN(200), sandboxapi.Pick(s, sandboxapi.Streets)), City: sp.city, Zip: sp.zip, Country: sp.country, Kind: "billing"}},
			VATNumber: vatNumber(s, sp.country), Currency: sp.currency, PaymentTermsDays: ptr(sandboxapi.Pick(s, []int{14, 30, 30, 45})),
			Custom: map[string]any{"supplier_category": sandboxapi.Pick(s, []string{"goods", "services", "premises"})},
		}
		w.suppliers = append(w.suppliers, e.insertParty(s, p))
		if sp.alsoCustomer {
			w.customers = append(w.customers, w.suppliers[len(w.suppliers)-1])
		}
	}
	used := map[string]bool{}
	for i := range 52 {
		name, domain := s.Company()
		for used[name] {
			name, domain = s.Company()
		}
		used[name] = true
		w.customers = append(w.customers, e.insertParty(s, customer(s, name, domain, i)))
	}
}

// customer makes a retailer, club or school buying from the company; a few
// are archived or blocked.
func customer(s *sandboxapi.Seeder, name, domain string, i int) Party {
	contact := s.Person()
	addr, city := s.Address("billing")
	p := Party{
		DisplayName: name, LegalName: name, Roles: Roles{Customer: true},
		Emails: []sandboxapi.Email{
			{Address: "accounts@" + domain, Label: "work"}, {Address: emailOf(contact, domain), Label: "work"},
		},
		Phones:    []sandboxapi.Phone{{Number: s.Phone(city), Label: "work"}},
		Addresses: []sandboxapi.Address{addr},
		VATNumber: vatNumber(s, addr.Country), Currency: currencyOfCountry[addr.Country],
		PaymentTermsDays: ptr(sandboxapi.Pick(s, []int{14, 30, 30, 30, 60})),
		Custom: map[string]any{
			"segment": sandboxapi.Pick(s, []string{"retail", "wholesale", "club", "education"}), "account_manager": s.Person().First,
		},
	}
	if s.R.IntN(3) == 0 {
		ship, _ := s.Address("shipping")
		p.Addresses = append(p.Addresses, ship)
	}
	switch i {
	case 7, 23:
		p.Status = "archived"
	case 41:
		p.Status = "blocked" // on stop for unpaid invoices
	}
	return p
}

func (e *Emulator) insertParty(s *sandboxapi.Seeder, p Party) Party {
	must("party "+p.DisplayName, e.validateParty(&p, true))
	created := s.Time(40).AddDate(0, -3, 0)
	updated := created
	if s.R.IntN(3) == 0 {
		updated = s.After(created, 200)
	}
	return e.Parties.InsertAt(p, created, updated)
}

// emailOf is the address of a person at domain. (sandboxapi.Seeder.Email
// keeps the space of names such as "van Rossum", which the dialect's own
// check refuses.)
func emailOf(p sandboxapi.Person, domain string) string {
	return strings.ToLower(strings.ReplaceAll(p.First+"."+p.Last, " ", "")) + "@" + domain
}

func vatNumber(s *sandboxapi.Seeder, country string) string {
	switch country {
	case "GB", "DE", "NL", "FR", "ES":
		return fmt.Sprintf("%s%09d", country, s.R.IntN(1_000_000_000))
	}
	return ""
}

// --- invoices and payments --------------------------------------------------------

// bank is the bank account payments in a currency go through.
func (w *world) bank(currency string) int64 {
	switch currency {
	case "EUR":
		return *w.account("1220")
	case "USD":
		return *w.account("1230")
	}
	return *w.account("1200")
}

func (e *Emulator) seedInvoices(s *sandboxapi.Seeder, w *world) {
	for i := range 120 {
		// One every two or three days, in office hours.
		created := s.Base.AddDate(0, 0, i*5/2).Add(time.Duration(s.R.IntN(8*60)) * time.Minute)
		var inv Invoice
		if i%3 == 2 {
			inv = w.bill(s, i)
		} else {
			inv = w.sale(s)
		}
		inv.IssuedOn = created.Format(time.DateOnly)
		inv.Status = invoiceStatusRoll(s, i, inv.Direction == "purchase")
		must("invoice", e.validateInvoice(&inv, true))
		updated := created
		if inv.Status != "draft" {
			updated = s.After(created, 2)
		}
		var payments []Payment
		var credits []CreditNote
		if inv.Status == "approved" || inv.Status == "sent" {
			payments, credits, updated = e.settleSeeded(s, &inv, w, created, updated, i)
		}
		stored := e.Invoices.InsertAt(inv, created, updated)
		for _, p := range payments {
			p.Allocations = []Allocation{{InvoiceID: stored.ID, Amount: p.Amount}}
			e.Payments.InsertAt(p, p.CreatedAt, p.CreatedAt)
		}
		for _, cn := range credits {
			cn.Allocations = []Allocation{{InvoiceID: stored.ID, Amount: cn.Total}}
			e.CreditNotes.InsertAt(cn, cn.CreatedAt, cn.CreatedAt)
		}
	}
}

// invoiceStatusRoll picks where an invoice stands; the latest ones are
// rarely settled yet.
func invoiceStatusRoll(s *sandboxapi.Seeder, i int, purchase bool) string {
	switch r := s.R.IntN(100); {
	case r < 8:
		return "draft"
	case r < 12:
		return "awaiting_approval"
	case r < 16:
		return "voided"
	case r < 19:
		return "disputed"
	case i%2 == 0 || purchase:
		return "approved"
	default:
		return "sent" // sales invoices only: bills are not sent
	}
}

// sale makes a sales invoice of one to four catalogue lines; customers
// abroad are zero rated (exports).
func (w *world) sale(s *sandboxapi.Seeder) Invoice {
	p := w.openParty(s, w.customers)
	tax := taxStandard
	if a := p.Addresses; len(a) > 0 && a[0].Country != "GB" {
		tax = taxZero
	}
	inv := Invoice{Direction: "sales", PartyID: p.ID, Memo: sandboxapi.Pick(s, []string{"Thank you for your business.", "", "Delivered to the shipping address on file."}),
		Custom: map[string]any{"po_number": fmt.Sprintf("PO-%05d", s.R.IntN(100000)), "sales_channel": sandboxapi.Pick(s, []string{"wholesale", "online", "store"})}}
	used := map[int64]bool{}
	for range 1 + s.R.IntN(4) {
		it := sandboxapi.Pick(s, w.items[:29])
		for it.Sale == nil || it.Status != "active" || used[it.ID] {
			it = sandboxapi.Pick(s, w.items[:29])
		}
		used[it.ID] = true
		qty := 1 + s.R.IntN(12)
		inv.Lines = append(inv.Lines, Line{ItemID: ptr(it.ID), Qty: fmt.Sprint(qty), TaxRateID: ptr(tax)})
	}
	if s.R.IntN(4) == 0 {
		inv.Lines = append(inv.Lines, Line{Description: "Delivery", Qty: "1", UnitPrice: "12.50", AccountID: w.account("4100"), TaxRateID: ptr(tax)})
	}
	return inv
}

// bill makes a supplier's bill: stock at cost, or a service (rent, energy,
// fees, couriers...) as one line priced in full.
func (w *world) bill(s *sandboxapi.Seeder, i int) Invoice {
	p := w.openParty(s, w.suppliers)
	inv := Invoice{Direction: "purchase", PartyID: p.ID, Number: fmt.Sprintf("%s-%d", initials(p.DisplayName), 40000+i*7),
		Custom: map[string]any{"approver": sandboxapi.Pick(s, []string{"Priya", "Lukas", "Mei"})}}
	switch p.DisplayName {
	case "Riverside Estates Ltd":
		inv.Lines = []Line{{Description: "Warehouse and shop rent, quarter", LineTotal: "7200.00", AccountID: w.account("6000"), TaxRateID: ptr(taxStandard)}}
	case "Brightline Energy":
		inv.Lines = []Line{{Description: "Electricity and gas", LineTotal: fmt.Sprintf("%d.%02d", 300+s.R.IntN(400), s.R.IntN(100)), AccountID: w.account("6010"), TaxRateID: ptr(taxReduced)}}
	case "Hartley & Finch LLP":
		inv.Lines = []Line{{Description: "Monthly bookkeeping and payroll", Qty: "1", UnitPrice: "650.00", AccountID: w.account("6070"), TaxRateID: ptr(taxStandard)}}
	case "Shield Insurance plc":
		inv.Lines = []Line{{Description: "Stock and public liability cover", LineTotal: "1840.00", AccountID: w.account("6080"), TaxRateID: ptr(taxZero)}}
	case "Swift Couriers Ltd", "Pixel Harbour Design", "Kestrel Software Ltd":
		accounts := map[string]string{"Swift Couriers Ltd": "5100", "Pixel Harbour Design": "6060", "Kestrel Software Ltd": "6030"}
		inv.Lines = []Line{{Description: "Services for the month", Qty: fmt.Sprint(1 + s.R.IntN(30)), UnitPrice: sandboxapi.Pick(s, []string{"8.75", "35.00", "95.00"}),
			AccountID: w.account(accounts[p.DisplayName]), TaxRateID: ptr(taxStandard)}}
	default:
		tax := taxStandard
		if p.Currency != baseCurrency {
			tax = taxZero // imports: VAT is paid at the border
		}
		used := map[int64]bool{}
		for range 1 + s.R.IntN(3) {
			it := sandboxapi.Pick(s, w.items[:23])
			for used[it.ID] {
				it = sandboxapi.Pick(s, w.items[:23])
			}
			used[it.ID] = true
			inv.Lines = append(inv.Lines, Line{ItemID: ptr(it.ID), Qty: fmt.Sprint(10 * (1 + s.R.IntN(5))), TaxRateID: ptr(tax)})
		}
	}
	return inv
}

func initials(name string) string {
	var b strings.Builder
	for _, word := range strings.Fields(name) {
		if r := word[0]; r >= 'A' && r <= 'Z' {
			b.WriteByte(r)
		}
	}
	return b.String()
}

// openParty picks a party that can be invoiced.
func (w *world) openParty(s *sandboxapi.Seeder, from []Party) Party {
	for {
		if p := sandboxapi.Pick(s, from); p.Status != "archived" {
			return p
		}
	}
}

// settleSeeded decides what happened to an approved invoice: paid in full,
// in part, credited for a returned line, or not yet paid. It settles the
// invoice in memory and returns the payments and credit notes to record
// (allocated to the invoice once it has its id) and its new update time.
func (e *Emulator) settleSeeded(s *sandboxapi.Seeder, inv *Invoice, w *world, created, updated time.Time, i int) ([]Payment, []CreditNote, time.Time) {
	if i >= 108 {
		return nil, nil, updated // the latest invoices are not due yet
	}
	at := s.After(created.AddDate(0, 0, 5), 35)
	total := mustDec(inv.Total)
	switch r := s.R.IntN(100); {
	case r < 55:
		return []Payment{w.payment(s, inv, total, at)}, nil, at
	case r < 68:
		half := roundCents(new(big.Rat).Quo(total, big.NewRat(2, 1)))
		return []Payment{w.payment(s, inv, half, at)}, nil, at
	case r < 74 && inv.Direction == "sales":
		return nil, []CreditNote{e.creditReturn(s, inv, at)}, at
	}
	return nil, nil, updated
}

func (w *world) payment(s *sandboxapi.Seeder, inv *Invoice, amount *big.Rat, at time.Time) Payment {
	settle(inv, amount, false, at)
	p := Payment{Direction: "incoming", PartyID: inv.PartyID, AccountID: w.bank(inv.Currency), Amount: cents(amount),
		Currency: inv.Currency, PaidOn: at.Format(time.DateOnly), Reference: "BACS " + inv.Number, Unallocated: "0.00", CreatedAt: at}
	if inv.Direction == "purchase" {
		p.Direction, p.Reference = "outgoing", sandboxapi.Pick(s, []string{"Faster Payment ", "CHAPS ", "SEPA "})+inv.Number
	}
	return p
}

// creditReturn issues a credit note for one unit of the invoice's first
// line (a return), to be allocated to the invoice.
func (e *Emulator) creditReturn(s *sandboxapi.Seeder, inv *Invoice, at time.Time) CreditNote {
	first := inv.Lines[0]
	cn := CreditNote{Direction: "sales", PartyID: inv.PartyID, IssuedOn: at.Format(time.DateOnly), Currency: inv.Currency, FXRate: inv.FXRate,
		Lines:  []Line{{Description: "Return: " + first.Description, Qty: "1", UnitPrice: first.UnitPrice, AccountID: first.AccountID, TaxRateID: first.TaxRateID}},
		Status: "approved", Memo: "Goods returned unused.", Custom: map[string]any{"rma": fmt.Sprintf("RMA-%04d", s.R.IntN(10000))}}
	e.priceCreditNote(&cn)
	settle(inv, mustDec(cn.Total), true, at)
	creditRemaining(&cn, mustDec(cn.Total))
	cn.CreatedAt = at
	return cn
}

// priceCreditNote numbers and prices a seeded credit note with the
// emulator's own rules, without allocating it.
func (e *Emulator) priceCreditNote(cn *CreditNote) {
	var c sandboxapi.Checker
	e.currency(&c, &cn.Currency, &cn.FXRate, baseCurrency)
	subtotal, tax := e.documentLines(&c, cn.Lines, cn.Direction, nil, true)
	e.creditNoteNumber(&c, cn)
	must("credit note", c.Errors)
	cn.Subtotal, cn.TaxTotal, cn.Total = cents(subtotal), cents(tax), cents(add(subtotal, tax))
	cn.Allocations = []Allocation{}
	cn.Remaining = cn.Total
}

// --- credit notes -----------------------------------------------------------------

// seedCreditNotes adds credit notes that are not allocated: drafts, ones
// waiting to be used, refunded and voided ones, and suppliers' credits.
func (e *Emulator) seedCreditNotes(s *sandboxapi.Seeder, w *world) {
	statuses := []string{"draft", "draft", "awaiting_approval", "approved", "approved", "refunded", "voided", "approved", "approved"}
	for i, status := range statuses {
		it := sandboxapi.Pick(s, w.items[:23])
		cn := CreditNote{Direction: "sales", Status: status, Memo: "Goodwill credit.", Custom: map[string]any{}}
		terms := it.Sale
		if i >= 7 {
			cn.Direction, terms, cn.Memo = "purchase", it.Purchase, "Supplier credit for damaged stock."
			cn.PartyID = w.openParty(s, w.suppliers[:6]).ID
		} else {
			cn.PartyID = w.openParty(s, w.customers).ID
		}
		cn.Lines = []Line{{Description: "Credit: " + it.Name, Qty: fmt.Sprint(1 + s.R.IntN(3)), UnitPrice: terms.Price, AccountID: terms.AccountID, TaxRateID: ptr(taxStandard)}}
		p, _, _ := e.Parties.Get(cn.PartyID)
		cn.Currency = p.Currency
		created := s.Time(280)
		cn.IssuedOn = created.Format(time.DateOnly)
		e.priceCreditNote(&cn)
		creditRemaining(&cn, new(big.Rat))
		e.CreditNotes.InsertAt(cn, created, s.After(created, 3))
	}
}

// --- journals -------------------------------------------------------------------

func (e *Emulator) seedJournals(s *sandboxapi.Seeder, w *world) {
	type l = JournalLine
	dr := func(code, amount string) l { return l{AccountID: *w.account(code), Side: "debit", Amount: amount} }
	cr := func(code, amount string) l { return l{AccountID: *w.account(code), Side: "credit", Amount: amount} }
	insert := func(on time.Time, narration string, lines ...l) {
		j := Journal{PostedOn: on.Format(time.DateOnly), Narration: narration, Lines: lines}
		must("journal "+narration, e.validateJournal(&j, true))
		at := on.Add(time.Duration(9+s.R.IntN(8)) * time.Hour)
		e.Journals.InsertAt(j, at, at)
	}
	base := s.Base.Truncate(24 * time.Hour)
	insert(base.AddDate(0, 0, -5), "Opening balances brought forward",
		dr("1200", "65000.00"), dr("1240", "500.00"), dr("1300", "18500.00"), dr("1500", "6200.00"), dr("1600", "9800.00"),
		cr("3000", "10000.00"), cr("3100", "72500.00"), cr("2400", "17500.00"))
	paye := 0 // of the month before, paid to HMRC with this month's payroll
	for m := range 6 {
		end := time.Date(2025, time.Month(m+2), 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, -1)
		insert(end, fmt.Sprintf("Depreciation for %s", end.Format("January 2006")),
			dr("6200", "375.55"), cr("1510", "103.33"), cr("1610", "272.22"))
		gross := 5800 + s.R.IntN(700)
		lines := []l{dr("6100", money(gross)), cr("1200", money(gross-gross*27/100)), cr("2210", money(gross*27/100))}
		if paye > 0 {
			lines = append(lines, dr("2210", money(paye)), cr("1200", money(paye)))
		}
		insert(end.AddDate(0, 0, -3), fmt.Sprintf("Payroll for %s", end.Format("January 2006")), lines...)
		paye = gross * 27 / 100
	}
	// The company mostly exports (zero rated) and buys with VAT: HMRC repays.
	insert(time.Date(2025, 5, 7, 0, 0, 0, 0, time.UTC), "VAT repayment, quarter to March", dr("1200", "2842.17"), cr("2200", "2842.17"))
	insert(time.Date(2025, 8, 7, 0, 0, 0, 0, time.UTC), "VAT repayment, quarter to June", dr("1200", "3315.40"), cr("2200", "3315.40"))
	accrual := cr("2300", "1250.00")
	accrual.PartyID = ptr(w.suppliers[8].ID)
	accrual.Description = "Year-end accounts fee, not yet billed"
	insert(time.Date(2025, 3, 31, 0, 0, 0, 0, time.UTC), "Accrue accountancy fees", dr("6070", "1250.00"), accrual)
	insert(time.Date(2025, 4, 1, 0, 0, 0, 0, time.UTC), "Reverse accrual of accountancy fees", dr("2300", "1250.00"), cr("6070", "1250.00"))
	insert(time.Date(2025, 6, 30, 0, 0, 0, 0, time.UTC), "Directors' drawings", dr("3200", "3000.00"), cr("1200", "3000.00"))
	insert(time.Date(2025, 7, 1, 0, 0, 0, 0, time.UTC), "Loan repayment", dr("2400", "1458.33"), dr("6090", "61.20"), cr("1200", "1519.53"))
	insert(time.Date(2025, 7, 15, 0, 0, 0, 0, time.UTC), "Reclassify design software from office supplies", dr("6030", "299.00"), cr("6020", "299.00"))
}

// money writes whole pounds.
func money(pounds int) string { return fmt.Sprintf("%d.00", pounds) }

// --- expenses -------------------------------------------------------------------

var spending = []struct {
	what, account, tax, payee string
	low, high                 int // in pounds
}{
	{"Train tickets to Manchester", "6040", taxZero, "", 40, 190},
	{"Team lunch", "6050", taxStandard, "", 30, 160},
	{"Printer paper and toner", "6020", taxStandard, "", 15, 120},
	{"Design software subscription", "6030", taxStandard, "Kestrel Software Ltd", 20, 60},
	{"Taxi from the airport", "6040", taxStandard, "", 25, 70},
	{"Hotel, trade show", "6040", taxStandard, "", 110, 420},
	{"Social media advertising", "6060", taxZero, "", 50, 600},
	{"Postage", "5100", taxZero, "", 5, 80},
	{"Coffee and milk for the shop", "6020", taxZero, "", 8, 35},
	{"Courier collection", "5100", taxStandard, "Swift Couriers Ltd", 12, 95},
	{"Bank transfer fees", "6090", "", "", 3, 25},
}

func (e *Emulator) seedExpenses(s *sandboxapi.Seeder, w *world) {
	payees := map[string]string{}
	for _, p := range w.suppliers {
		payees[p.DisplayName] = p.ID
	}
	from := []string{"2250", "2250", "1200", "1240"}
	for range 40 {
		sp := sandboxapi.Pick(s, spending)
		x := Expense{PaidFromAccountID: *w.account(sandboxapi.Pick(s, from)), Memo: sp.what, Currency: baseCurrency}
		if sp.payee != "" {
			x.PayeeID = ptr(payees[sp.payee])
		}
		if x.PaidFromAccountID == *w.account("1240") {
			x.PaymentMethod = "cash"
		}
		amount := fmt.Sprintf("%d.%02d", sp.low+s.R.IntN(sp.high-sp.low), s.R.IntN(100))
		line := ExpenseLine{Description: sp.what, Amount: amount, AccountID: w.account(sp.account)}
		if sp.tax != "" {
			line.TaxRateID = ptr(sp.tax)
		}
		x.Lines = []ExpenseLine{line}
		if sp.what == "Hotel, trade show" && s.R.IntN(2) == 0 {
			x.Currency, x.Memo = "EUR", "Hotel, outdoor trade show in Friedrichshafen"
			x.PaidFromAccountID = *w.account("2250")
		}
		created := s.Time(290)
		x.SpentOn = created.Format(time.DateOnly)
		must("expense", e.validateExpense(&x, true))
		e.Expenses.InsertAt(x, created, created)
	}
}
