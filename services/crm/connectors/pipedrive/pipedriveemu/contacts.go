package pipedriveemu

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
)

var (
	emailLabels = []string{"work", "home", "other"}
	phoneLabels = []string{"work", "home", "mobile", "other"}
)

func (e *Emulator) userExists(id int64) bool { return e.Users.Exists(strconv.FormatInt(id, 10)) }

func (e *Emulator) personExists(id int64) bool {
	p, _, ok := e.Persons.Get(strconv.FormatInt(id, 10))
	return ok && !p.IsDeleted
}

func (e *Emulator) orgExists(id int64) bool {
	o, _, ok := e.Organizations.Get(strconv.FormatInt(id, 10))
	return ok && !o.IsDeleted
}

func (e *Emulator) dealExists(id int64) bool {
	d, _, ok := e.Deals.Get(strconv.FormatInt(id, 10))
	return ok && !d.IsDeleted
}

// owner reads owner_id (a user); on create it defaults to the token's user.
func (e *Emulator) owner(b *body, dst *int64, create bool) {
	var id *int64
	if b.integer("owner_id", &id) {
		switch {
		case id == nil:
			b.add("owner_id", "cannot be empty")
		case !e.userExists(*id):
			b.add("owner_id", fmt.Sprintf("user %d does not exist", *id))
		default:
			*dst = *id
		}
	} else if create {
		*dst = e.me()
	}
}

func (e *Emulator) ref(b *body, key string, dst **int64, exists func(int64) bool, what string) {
	var id *int64
	if b.integer(key, &id) {
		if id != nil && !exists(*id) {
			b.add(key, fmt.Sprintf("%s %d does not exist", what, *id))
			return
		}
		*dst = id
	}
}

func visibleTo(b *body, dst *int) {
	var n *int64
	if b.integer("visible_to", &n) {
		if n == nil || (*n != 1 && *n != 3 && *n != 5 && *n != 7) {
			b.add("visible_to", "must be one of 1, 3, 5, 7")
			return
		}
		*dst = int(*n)
	}
}

// splitName splits a person's name the way Pipedrive does: the first word
// is the first name, the rest the last name.
func splitName(name string) (string, string) {
	first, last, _ := strings.Cut(strings.TrimSpace(name), " ")
	return strings.TrimSpace(first), strings.TrimSpace(last)
}

func (e *Emulator) personsAPI() *v2API[Person] {
	a := &v2API[Person]{
		e: e, coll: e.Persons, notFound: "Person not found", entity: "person",
		id:      func(p *Person) int64 { return p.ID },
		deleted: func(p *Person) bool { return p.IsDeleted },
		remove:  func(p *Person, _ *validation) { p.IsDeleted = true },
		present: func(p Person) any {
			p.CustomFields = e.presentCustomV2("person", p.CustomFields)
			return p
		},
	}
	a.filter = func(q url.Values, v *validation) func(*Person) bool {
		org, owner := queryInt(q, "org_id", v), queryInt(q, "owner_id", v)
		return a.live(func(p *Person) bool {
			return eqPtr(p.OrgID, org) && (owner == nil || p.OwnerID == *owner)
		})
	}
	a.apply = func(p *Person, b *body, old *Person) {
		create := old == nil
		if create {
			p.VisibleTo, p.LabelIDs, p.Emails, p.Phones = 3, []int64{}, []LabeledValue{}, []LabeledValue{}
		}
		var name, first, last string
		hasName := b.str("name", &name)
		hasFirst, hasLast := b.str("first_name", &first), b.str("last_name", &last)
		switch {
		case hasName:
			if strings.TrimSpace(name) == "" {
				b.add("name", "cannot be empty")
			}
			p.Name = strings.TrimSpace(name)
			p.FirstName, p.LastName = splitName(name)
		case hasFirst && hasLast:
			if strings.TrimSpace(first+last) == "" {
				b.add("first_name", "first_name and last_name cannot both be empty")
			}
			p.FirstName, p.LastName = strings.TrimSpace(first), strings.TrimSpace(last)
			p.Name = strings.TrimSpace(p.FirstName + " " + p.LastName)
		case hasFirst || hasLast:
			b.add("name", "either name or both first_name and last_name must be provided")
		case create:
			b.add("name", "is required")
		}
		e.owner(b, &p.OwnerID, create)
		e.ref(b, "org_id", &p.OrgID, e.orgExists, "organization")
		b.labeled("emails", emailLabels, &p.Emails)
		b.labeled("phones", phoneLabels, &p.Phones)
		visibleTo(b, &p.VisibleTo)
		if b.integers("label_ids", &p.LabelIDs) {
			e.checkLabels("person", b, p.LabelIDs)
		}
		var ms string
		if b.str("marketing_status", &ms) && ms != "" && ms != "no_consent" && ms != "unsubscribed" && ms != "subscribed" && ms != "archived" {
			b.add("marketing_status", "must be one of no_consent, unsubscribed, subscribed, archived")
		}
		// add_time and update_time may be sent (imports); the store keeps its own.
		b.has("add_time")
		b.has("update_time")
		p.CustomFields = e.applyCustomV2("person", b, p.CustomFields)
	}
	return a
}

func (e *Emulator) organizationsAPI() *v2API[Organization] {
	a := &v2API[Organization]{
		e: e, coll: e.Organizations, notFound: "Organization not found", entity: "organization",
		id:      func(o *Organization) int64 { return o.ID },
		deleted: func(o *Organization) bool { return o.IsDeleted },
		remove:  func(o *Organization, _ *validation) { o.IsDeleted = true },
		present: func(o Organization) any {
			o.CustomFields = e.presentCustomV2("organization", o.CustomFields)
			return o
		},
	}
	a.filter = func(q url.Values, v *validation) func(*Organization) bool {
		owner := queryInt(q, "owner_id", v)
		return a.live(func(o *Organization) bool { return owner == nil || o.OwnerID == *owner })
	}
	a.apply = func(o *Organization, b *body, old *Organization) {
		create := old == nil
		if create {
			o.VisibleTo, o.LabelIDs = 3, []int64{}
		}
		var name string
		if b.str("name", &name) || create {
			if strings.TrimSpace(name) == "" {
				b.add("name", "is required")
			}
			o.Name = strings.TrimSpace(name)
		}
		e.owner(b, &o.OwnerID, create)
		b.address("address", &o.Address)
		visibleTo(b, &o.VisibleTo)
		if b.integers("label_ids", &o.LabelIDs) {
			e.checkLabels("organization", b, o.LabelIDs)
		}
		b.has("add_time")
		b.has("update_time")
		o.CustomFields = e.applyCustomV2("organization", b, o.CustomFields)
	}
	return a
}
