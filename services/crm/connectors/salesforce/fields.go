package salesforce

import (
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"

	"google.golang.org/protobuf/types/known/structpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/unimesh/unimesh/pkg/connector"
	"github.com/unimesh/unimesh/pkg/normalize"
	commonv1 "github.com/unimesh/unimesh/proto/unimesh/common/v1"
)

// --- numbers ------------------------------------------------------------------

var jsonNumberRe = regexp.MustCompile(`^(-?)([0-9]+)(?:\.([0-9]+))?(?:[eE]([+-]?[0-9]+))?$`)

// plainDecimal writes a JSON number (Salesforce writes 1.5E7 for fifteen
// million) as a plain decimal with at least scale decimals, digit for
// digit: no float on the way.
func plainDecimal(n string, scale int) (string, bool) {
	m := jsonNumberRe.FindStringSubmatch(n)
	if m == nil {
		return "", false
	}
	digits, point := m[2]+m[3], len(m[2])
	if m[4] != "" {
		exp, err := strconv.Atoi(m[4])
		if err != nil || exp > 400 || exp < -400 {
			return "", false
		}
		point += exp
	}
	for point <= 0 {
		digits, point = "0"+digits, point+1
	}
	for point > len(digits) {
		digits += "0"
	}
	ip, fp := strings.TrimLeft(digits[:point], "0"), strings.TrimRight(digits[point:], "0")
	if ip == "" {
		ip = "0"
	}
	for len(fp) < scale {
		fp += "0"
	}
	out := ip
	if fp != "" {
		out += "." + fp
	}
	if m[1] == "-" && strings.Trim(ip+fp, "0") != "" {
		out = "-" + out
	}
	return out, true
}

func numberFloat(n string) (float64, bool) {
	if n == "" {
		return 0, false
	}
	f, err := strconv.ParseFloat(n, 64)
	return f, err == nil
}

func numberInt(n string) (int, bool) {
	f, ok := numberFloat(n)
	if !ok || f != math.Trunc(f) || math.Abs(f) > math.MaxInt32 {
		return 0, false
	}
	return int(f), true
}

// --- money --------------------------------------------------------------------

var unitsRe = regexp.MustCompile(`^-?[0-9]{1,18}(\.[0-9]{1,9})?$`)

// moneyOf reads a currency field: the exact decimal at the field's scale,
// in the record's currency (multi-currency orgs) or the org's.
func moneyOf(r record, field string, x *env) *commonv1.Money {
	n := r.num(field)
	if n == "" {
		return nil
	}
	scale := 0
	if f := x.d.field(field); f != nil {
		scale = f.Scale
	}
	units, ok := plainDecimal(n, scale)
	if !ok {
		return nil
	}
	cur := ""
	if x.org != nil {
		cur = x.org.Currency
	}
	if c := r.str("CurrencyIsoCode"); c != "" {
		cur = c
	}
	return &commonv1.Money{Units: units, CurrencyCode: cur}
}

// writeMoney writes a currency field. Salesforce keeps the field's scale
// and, in a single-currency org, the org's currency: an amount that does
// not fit is refused rather than rounded or relabelled.
func writeMoney(x *env, b map[string]any, key, field string, m *commonv1.Money) error {
	if m == nil {
		b[key] = nil
		return nil
	}
	units := m.GetUnits()
	if !unitsRe.MatchString(units) {
		return connector.BadField(field+".units", "%q is not a decimal number such as 1234.50", units)
	}
	if f := x.d.field(key); f != nil {
		_, frac, _ := strings.Cut(units, ".")
		if frac = strings.TrimRight(frac, "0"); len(frac) > f.Scale {
			return connector.BadField(field+".units", "Salesforce keeps %d decimals in %s; %s has %d", f.Scale, key, units, len(frac))
		}
	}
	code := m.GetCurrencyCode()
	switch {
	case x.d.multiCurrency():
		if code != "" {
			b["CurrencyIsoCode"] = code
		}
	case code != "":
		org, err := x.loadOrg()
		if err != nil {
			return err
		}
		if org.Currency != "" && code != org.Currency {
			return connector.BadField(field+".currency_code", "this Salesforce org keeps every amount in %s (it is not multi-currency); %s cannot be stored",
				org.Currency, code)
		}
	}
	b[key] = json.Number(units)
	return nil
}

// --- dates --------------------------------------------------------------------

func timestampOf(r record, k string) *timestamppb.Timestamp { return normalize.Timestamp(r.time(k)) }

// dateTimestamp reads a date field as midnight UTC.
func dateTimestamp(r record, k string) *timestamppb.Timestamp {
	t, err := time.Parse("2006-01-02", r.str(k))
	if err != nil {
		return nil
	}
	return timestamppb.New(t)
}

func timeValue(ts *timestamppb.Timestamp) any {
	if ts == nil {
		return nil
	}
	return formatTime(ts.AsTime())
}

// --- strings ------------------------------------------------------------------

// text is a string field's value to write: "" clears it (null).
func text(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// --- emails -------------------------------------------------------------------

// emailsOf reads the one Email field. Salesforce gives it no type; it is
// the business address.
func emailsOf(r record) []*commonv1.Email {
	if e := r.str("Email"); e != "" {
		return []*commonv1.Email{{Address: e, Type: commonv1.EmailType_EMAIL_TYPE_WORK}}
	}
	return nil
}

func writeEmail(b map[string]any, emails []*commonv1.Email, object string) error {
	switch len(emails) {
	case 0:
		b["Email"] = nil
	case 1:
		b["Email"] = emails[0].GetAddress()
	default:
		return connector.BadField("emails", "a Salesforce %s has one email address; %d were given", object, len(emails))
	}
	return nil
}

// --- phones -------------------------------------------------------------------

// phoneSlot is one phone field of an object and the types it holds; the
// first type is the one it reads as.
type phoneSlot struct {
	field string
	types []commonv1.PhoneType
}

var (
	unspecifiedPhone = commonv1.PhoneType_PHONE_TYPE_UNSPECIFIED
	contactPhones    = []phoneSlot{
		{"Phone", []commonv1.PhoneType{commonv1.PhoneType_PHONE_TYPE_WORK, unspecifiedPhone}},
		{"MobilePhone", []commonv1.PhoneType{commonv1.PhoneType_PHONE_TYPE_MOBILE}},
		{"HomePhone", []commonv1.PhoneType{commonv1.PhoneType_PHONE_TYPE_HOME}},
		{"OtherPhone", []commonv1.PhoneType{commonv1.PhoneType_PHONE_TYPE_OTHER, unspecifiedPhone}},
		{"Fax", []commonv1.PhoneType{commonv1.PhoneType_PHONE_TYPE_FAX}},
	}
	accountPhones = []phoneSlot{
		{"Phone", []commonv1.PhoneType{commonv1.PhoneType_PHONE_TYPE_WORK, unspecifiedPhone}},
		{"Fax", []commonv1.PhoneType{commonv1.PhoneType_PHONE_TYPE_FAX}},
	}
	leadPhones = []phoneSlot{
		{"Phone", []commonv1.PhoneType{commonv1.PhoneType_PHONE_TYPE_WORK, unspecifiedPhone}},
		{"MobilePhone", []commonv1.PhoneType{commonv1.PhoneType_PHONE_TYPE_MOBILE}},
		{"Fax", []commonv1.PhoneType{commonv1.PhoneType_PHONE_TYPE_FAX}},
	}
)

func phonesOf(r record, slots []phoneSlot) []*commonv1.Phone {
	var out []*commonv1.Phone
	for _, s := range slots {
		if v := r.str(s.field); v != "" {
			out = append(out, normalize.Phone(v, s.types[0]))
		}
	}
	return out
}

// writePhones writes the phones into the object's phone fields: each
// phone goes to the first free field of its type, the others are cleared.
// A phone with no free field is refused.
func writePhones(b map[string]any, phones []*commonv1.Phone, slots []phoneSlot, object string) error {
	used := map[string]bool{}
	for _, s := range slots {
		b[s.field] = nil
	}
	for i, p := range phones {
		placed := false
		for _, s := range slots {
			for _, t := range s.types {
				if t == p.GetType() && !used[s.field] {
					used[s.field], placed = true, true
					b[s.field] = normalize.PhoneForWrite(p)
					break
				}
			}
			if placed {
				break
			}
		}
		if !placed {
			var names []string
			for _, s := range slots {
				names = append(names, s.field)
			}
			return connector.BadField(fmt.Sprintf("phones[%d].type", i), "a Salesforce %s has no free phone field for a %s number (its phone fields: %s)",
				object, strings.TrimPrefix(p.GetType().String(), "PHONE_TYPE_"), strings.Join(names, ", "))
		}
	}
	return nil
}

// --- addresses ----------------------------------------------------------------

// addressSlot is one address of an object: the prefix of its fields and
// the types it holds; the first type is the one it reads as.
type addressSlot struct {
	prefix string
	types  []commonv1.AddressType
}

var (
	unspecifiedAddress = commonv1.AddressType_ADDRESS_TYPE_UNSPECIFIED
	contactAddresses   = []addressSlot{
		{"Mailing", []commonv1.AddressType{commonv1.AddressType_ADDRESS_TYPE_WORK, unspecifiedAddress}},
		{"Other", []commonv1.AddressType{commonv1.AddressType_ADDRESS_TYPE_OTHER, unspecifiedAddress}},
	}
	accountAddresses = []addressSlot{
		{"Billing", []commonv1.AddressType{commonv1.AddressType_ADDRESS_TYPE_BILLING, unspecifiedAddress}},
		{"Shipping", []commonv1.AddressType{commonv1.AddressType_ADDRESS_TYPE_SHIPPING, unspecifiedAddress}},
	}
	leadAddresses = []addressSlot{{"", []commonv1.AddressType{commonv1.AddressType_ADDRESS_TYPE_WORK, unspecifiedAddress}}}
)

// addressFields are the fields of an address slot to select.
func addressFields(slots []addressSlot) []string {
	var out []string
	for _, s := range slots {
		for _, f := range []string{"Street", "City", "State", "PostalCode", "Country", "CountryCode", "StateCode"} {
			out = append(out, s.prefix+f)
		}
	}
	return out
}

func addressesOf(r record, slots []addressSlot) []*commonv1.Address {
	var out []*commonv1.Address
	for _, s := range slots {
		p := s.prefix
		street := r.str(p + "Street")
		a := &commonv1.Address{City: r.str(p + "City"), Region: r.str(p + "State"), PostalCode: r.str(p + "PostalCode"), Type: s.types[0]}
		// A street is a text area: its first line is street_1, the rest street_2.
		a.Street_1, a.Street_2, _ = strings.Cut(street, "\n")
		a.Street_1, a.Street_2 = strings.TrimSpace(a.Street_1), strings.TrimSpace(strings.ReplaceAll(a.Street_2, "\n", ", "))
		a.CountryCode = r.str(p + "CountryCode")
		if a.CountryCode == "" {
			a.CountryCode = normalize.CountryCode(r.str(p + "Country"))
		}
		if street == "" && a.City == "" && a.Region == "" && a.PostalCode == "" && r.str(p+"Country") == "" && a.CountryCode == "" {
			continue
		}
		out = append(out, a)
	}
	return out
}

// writeAddresses writes addresses into the object's address slots; the
// slots not given are cleared. Country codes go to <prefix>CountryCode
// when the org has State and Country Picklists, else to <prefix>Country.
func writeAddresses(x *env, b map[string]any, addrs []*commonv1.Address, slots []addressSlot, object string) error {
	used := map[string]bool{}
	clear := func(p string) {
		for _, f := range []string{"Street", "City", "State", "PostalCode", "Country"} {
			b[p+f] = nil
		}
		if x.d.has(p + "CountryCode") {
			b[p+"CountryCode"] = nil
			delete(b, p+"Country")
		}
	}
	for _, s := range slots {
		clear(s.prefix)
	}
	for i, a := range addrs {
		var slot *addressSlot
		for j := range slots {
			for _, t := range slots[j].types {
				if t == a.GetType() && !used[slots[j].prefix] && slot == nil {
					slot = &slots[j]
				}
			}
		}
		if slot == nil {
			return connector.BadField(fmt.Sprintf("addresses[%d].type", i), "a Salesforce %s has no free address for a %s address",
				object, strings.TrimPrefix(a.GetType().String(), "ADDRESS_TYPE_"))
		}
		used[slot.prefix] = true
		p := slot.prefix
		street := a.GetStreet_1()
		if a.GetStreet_2() != "" {
			street += "\n" + a.GetStreet_2()
		}
		b[p+"Street"], b[p+"City"], b[p+"State"], b[p+"PostalCode"] = text(street), text(a.GetCity()), text(a.GetRegion()), text(a.GetPostalCode())
		if x.d.has(p + "CountryCode") {
			b[p+"CountryCode"] = text(a.GetCountryCode())
		} else {
			b[p+"Country"] = text(a.GetCountryCode())
		}
	}
	return nil
}

// --- custom fields ------------------------------------------------------------

// customFieldsOf reads the updateable custom fields that have a value.
func customFieldsOf(r record, x *env) *structpb.Struct {
	m := map[string]any{}
	for _, f := range x.d.customFields() {
		if !f.Updateable {
			continue
		}
		v, ok := r.fields[f.Name]
		if !ok || string(v) == "null" {
			continue
		}
		var val any
		if err := json.Unmarshal(v, &val); err == nil {
			m[f.Name] = val
		}
	}
	return normalize.Struct(m)
}

// writeCustomFields writes custom fields by API name. A name that is not a
// custom field of the object, or one Salesforce will not let this write
// set, is refused.
func writeCustomFields(x *env, b map[string]any, s *structpb.Struct) error {
	for name, v := range s.GetFields() {
		f := x.d.field(name)
		switch {
		case f == nil || !f.Custom:
			return connector.BadField("custom_fields."+name, "%s has no custom field %s (custom fields end in __c; the object's describe lists them)", x.sobject, name)
		case x.create && !f.Createable || !x.create && !f.Updateable:
			return connector.BadField("custom_fields."+name, "%s.%s is read only (a formula, roll-up or auto-number field)", x.sobject, f.Name)
		}
		switch k := v.GetKind().(type) {
		case *structpb.Value_NullValue:
			b[f.Name] = nil
		case *structpb.Value_NumberValue:
			b[f.Name] = json.Number(strconv.FormatFloat(k.NumberValue, 'f', -1, 64))
		case *structpb.Value_StringValue:
			b[f.Name] = k.StringValue
		case *structpb.Value_BoolValue:
			b[f.Name] = k.BoolValue
		default:
			return connector.BadField("custom_fields."+name, "Salesforce fields hold a string, number or boolean (multi-select picklists are \"a;b\")")
		}
	}
	return nil
}

// --- references ---------------------------------------------------------------

// setRef writes a lookup; "" clears it.
func setRef(b map[string]any, key, field, id string, prefixes ...string) error {
	n, err := refID(field, id, prefixes...)
	if err != nil {
		return err
	}
	b[key] = text(n)
	return nil
}

// setOwner writes OwnerId, which Salesforce always holds.
func setOwner(b map[string]any, id, object string) error {
	if id == "" {
		return connector.BadField("owner_id", "a Salesforce %s always has an owner; set owner_id to a user's id", object)
	}
	return setRef(b, "OwnerId", "owner_id", id, prefixUser)
}

func refOf(r record, k string) string {
	n, _ := normalizeID(r.str(k))
	return n
}
