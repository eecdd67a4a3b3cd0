package stack_test

import (
	"net/url"
	"strconv"
	"testing"

	"github.com/unimesh/unimesh/cmd/unimesh/stack"
)

// firstID returns the id of the first listed record matching keep.
func (h *harness) firstID(path, field string, keep func(map[string]any) bool) string {
	h.t.Helper()
	token := ""
	for {
		r := h.do("GET", path+"?pageSize=200&pageToken="+url.QueryEscape(token), nil)
		h.expect(r, 200, "")
		for _, it := range r.list(field) {
			m := it.(map[string]any)
			if keep == nil || keep(m) {
				return m["id"].(string)
			}
		}
		if token = r.str("nextPageToken"); token == "" {
			h.t.Fatalf("no matching record in %s", path)
		}
	}
}

// countAll pages through a list with pages of size and counts the records,
// failing on a record seen twice.
func (h *harness) countAll(path, field string, size int) (records, pages int) {
	h.t.Helper()
	seen := map[string]bool{}
	token := ""
	for {
		r := h.do("GET", path+"?pageSize="+strconv.Itoa(size)+"&pageToken="+url.QueryEscape(token), nil)
		h.expect(r, 200, "")
		for _, it := range r.list(field) {
			id := it.(map[string]any)["id"].(string)
			if seen[id] {
				h.t.Fatalf("%s: record %s on two pages", path, id)
			}
			seen[id] = true
		}
		pages++
		if token = r.str("nextPageToken"); token == "" {
			return len(seen), pages
		}
	}
}

// TestEveryCategoryThroughREST: each category lists, pages, and creates,
// updates and (where the model offers it) deletes on its sandbox connection.
func TestEveryCategoryThroughREST(t *testing.T) {
	h := startDev(t, func(c *stack.DevConfig) { c.Gateway.RatePerSecond, c.Gateway.Burst = 1000, 1000 })
	type step struct {
		object, field string                           // path segment and list field
		create        func(base string) map[string]any // the body of a create
		update        map[string]any                   // a change, with its mask inferred
		check         func(t *testing.T, upd map[string]any)
		deletable     bool
	}
	cases := map[string][]step{
		"crm": {{
			object: "companies", field: "companies",
			create: func(string) map[string]any { return map[string]any{"name": "Babbage & Co"} },
			update: map[string]any{"industry": "Engines"},
			check: func(t *testing.T, u map[string]any) {
				if u["industry"] != "Engines" || u["name"] != "Babbage & Co" {
					t.Errorf("updated: %v", u)
				}
			},
			deletable: true,
		}},
		"ticketing": {{
			object: "tickets", field: "tickets",
			create: func(string) map[string]any {
				return map[string]any{"subject": "Printer on fire", "description": "Again."}
			},
			update: map[string]any{"status": "TICKET_STATUS_IN_PROGRESS"},
			check: func(t *testing.T, u map[string]any) {
				if u["status"] != "TICKET_STATUS_IN_PROGRESS" || u["subject"] != "Printer on fire" {
					t.Errorf("updated: %v", u)
				}
			},
			deletable: true,
		}},
		"hris": {{
			object: "employees", field: "employees",
			create: func(string) map[string]any {
				return map[string]any{"firstName": "Grace", "lastName": "Hopper", "workEmail": "grace.hopper@sandbox-hr.example", "startDate": "2026-01-05"}
			},
			update: map[string]any{"jobTitle": "Rear Admiral"},
			check: func(t *testing.T, u map[string]any) {
				if u["jobTitle"] != "Rear Admiral" || u["lastName"] != "Hopper" {
					t.Errorf("updated: %v", u)
				}
			},
		}, {
			object: "deductions", field: "deductions",
			create: func(base string) map[string]any {
				emp := h.firstID(base+"/employees", "employees", func(m map[string]any) bool { return m["employmentStatus"] == "EMPLOYMENT_STATUS_ACTIVE" })
				return map[string]any{"employeeId": emp, "name": "Earned wage advance", "type": "DEDUCTION_TYPE_POST_TAX",
					"frequency": "DEDUCTION_FREQUENCY_RECURRING", "amount": map[string]any{"units": "50.00", "currencyCode": "USD"}, "effectiveDate": "2026-02-01"}
			},
			update: map[string]any{"endDate": "2026-06-30"},
			check: func(t *testing.T, u map[string]any) {
				if u["endDate"] != "2026-06-30" {
					t.Errorf("updated: %v", u)
				}
			},
			deletable: true,
		}},
		"accounting": {{
			object: "invoices", field: "invoices",
			create: func(base string) map[string]any {
				contact := h.firstID(base+"/contacts", "contacts", func(m map[string]any) bool { return m["isCustomer"] == true && m["status"] == "CONTACT_STATUS_ACTIVE" })
				account := h.firstID(base+"/accounts", "accounts", func(m map[string]any) bool {
					return m["classification"] == "ACCOUNT_CLASSIFICATION_REVENUE" && m["status"] == "ACCOUNT_STATUS_ACTIVE"
				})
				return map[string]any{"contactId": contact, "lineItems": []any{map[string]any{
					"description": "Consulting", "quantity": "3", "unitPrice": "150.00", "accountId": account}}}
			},
			update: map[string]any{"memo": "Thanks for your business"},
			check: func(t *testing.T, u map[string]any) {
				if u["memo"] != "Thanks for your business" || u["subTotal"] != "450.00" {
					t.Errorf("updated: %v", u)
				}
			},
			deletable: true,
		}},
		"ats": {{
			object: "candidates", field: "candidates",
			create: func(string) map[string]any {
				return map[string]any{"firstName": "Alan", "lastName": "Turing", "emails": []any{map[string]any{"address": "alan@bletchley.example"}}}
			},
			update: map[string]any{"title": "Cryptanalyst"},
			check: func(t *testing.T, u map[string]any) {
				if u["title"] != "Cryptanalyst" || u["lastName"] != "Turing" {
					t.Errorf("updated: %v", u)
				}
			},
		}},
	}
	slugs := map[string]string{"crm": "sandbox-crm", "ticketing": "sandbox-ticketing", "hris": "sandbox-hris", "accounting": "sandbox-accounting", "ats": "sandbox-ats"}
	for cat, steps := range cases {
		t.Run(cat, func(t *testing.T) {
			h.t = t
			conn := h.dev.Connections[slugs[cat]]
			if conn == "" {
				t.Fatalf("no %s connection", slugs[cat])
			}
			base := "/" + cat + "/v1/connections/" + conn
			for _, s := range steps {
				path := base + "/" + s.object
				total, _ := h.countAll(path, s.field, 200)
				def := h.do("GET", path, nil)
				h.expect(def, 200, "")
				if want := min(total, 50); len(def.list(s.field)) != want || (total > 50) != (def.str("nextPageToken") != "") {
					t.Fatalf("%s: the default page has %d of %d records", s.object, len(def.list(s.field)), total)
				}
				if n, pages := h.countAll(path, s.field, total/3+1); n != total || pages != 3 {
					t.Fatalf("%s: %d records over %d pages of %d, want %d over 3", s.object, n, pages, total/3+1, total)
				}
				created := h.do("POST", path, s.create(base))
				h.expect(created, 200, "")
				id := created.str("id")
				upd := h.do("PATCH", path+"/"+url.PathEscape(id), s.update)
				h.expect(upd, 200, "")
				s.check(t, upd.body)
				got := h.do("GET", path+"/"+url.PathEscape(id), nil)
				h.expect(got, 200, "")
				s.check(t, got.body)
				if after, _ := h.countAll(path, s.field, 200); after != total+1 {
					t.Fatalf("%s: %d records after a create, want %d", s.object, after, total+1)
				}
				if s.deletable {
					h.expect(h.do("DELETE", path+"/"+url.PathEscape(id), nil), 200, "")
					h.expect(h.do("GET", path+"/"+url.PathEscape(id), nil), 404, "RECORD_NOT_FOUND")
				} else {
					h.expect(h.do("DELETE", path+"/"+url.PathEscape(id), nil), 501, "METHOD_NOT_ALLOWED")
				}
			}
		})
	}
}
