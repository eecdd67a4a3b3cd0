package pipedrive

import (
	"encoding/json"
	"fmt"
	"math/big"
	"regexp"
	"sort"
	"strings"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/unimesh/unimesh/pkg/connector"
	"github.com/unimesh/unimesh/pkg/normalize"
	commonv1 "github.com/unimesh/unimesh/proto/unimesh/common/v1"
)

// Time layouts Pipedrive writes: API v2 and the leads API use RFC 3339
// (with or without milliseconds); the rest of API v1 "YYYY-MM-DD HH:MM:SS"
// in UTC.
const (
	v1Layout   = "2006-01-02 15:04:05"
	dateLayout = "2006-01-02"
)

// parseTime reads any of Pipedrive's time forms; the zero time for none
// (including v1's "0000-00-00 00:00:00").
func parseTime(s string) time.Time {
	s = strings.TrimSpace(s)
	if s == "" || strings.HasPrefix(s, "0000-00-00") {
		return time.Time{}
	}
	for _, layout := range []string{time.RFC3339Nano, v1Layout, dateLayout} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC()
		}
	}
	return time.Time{}
}

func ts(s string) *timestamppb.Timestamp { return normalize.Timestamp(parseTime(s)) }

// laterTS is the later of two times, as a timestamp.
func laterTS(a, b string) *timestamppb.Timestamp {
	ta, tb := parseTime(a), parseTime(b)
	if tb.After(ta) {
		ta = tb
	}
	return normalize.Timestamp(ta)
}

// --- emails and phones ---------------------------------------------------------

var emailTypes = map[string]commonv1.EmailType{
	"work": commonv1.EmailType_EMAIL_TYPE_WORK, "home": commonv1.EmailType_EMAIL_TYPE_PERSONAL,
	"other": commonv1.EmailType_EMAIL_TYPE_OTHER,
}

var emailLabels = map[commonv1.EmailType]string{
	commonv1.EmailType_EMAIL_TYPE_WORK: "work", commonv1.EmailType_EMAIL_TYPE_PERSONAL: "home",
	commonv1.EmailType_EMAIL_TYPE_OTHER: "other",
}

var phoneTypes = map[string]commonv1.PhoneType{
	"work": commonv1.PhoneType_PHONE_TYPE_WORK, "home": commonv1.PhoneType_PHONE_TYPE_HOME,
	"mobile": commonv1.PhoneType_PHONE_TYPE_MOBILE, "other": commonv1.PhoneType_PHONE_TYPE_OTHER,
}

var phoneLabels = map[commonv1.PhoneType]string{
	commonv1.PhoneType_PHONE_TYPE_WORK: "work", commonv1.PhoneType_PHONE_TYPE_HOME: "home",
	commonv1.PhoneType_PHONE_TYPE_MOBILE: "mobile", commonv1.PhoneType_PHONE_TYPE_OTHER: "other",
}

// primaryFirst orders values with the primary one first, else as sent.
func primaryFirst(in []labeledValue) []labeledValue {
	out := make([]labeledValue, 0, len(in))
	for _, v := range in {
		if strings.TrimSpace(v.Value) != "" {
			out = append(out, v)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return bool(out[i].Primary) && !bool(out[j].Primary) })
	return out
}

func emailsToProto(in []labeledValue) []*commonv1.Email {
	var out []*commonv1.Email
	for _, v := range primaryFirst(in) {
		t, ok := emailTypes[v.Label]
		if !ok && v.Label != "" {
			t = commonv1.EmailType_EMAIL_TYPE_OTHER
		}
		out = append(out, &commonv1.Email{Address: strings.TrimSpace(v.Value), Type: t})
	}
	return out
}

func phonesToProto(in []labeledValue) []*commonv1.Phone {
	var out []*commonv1.Phone
	for _, v := range primaryFirst(in) {
		t, ok := phoneTypes[v.Label]
		if !ok && v.Label != "" {
			t = commonv1.PhoneType_PHONE_TYPE_OTHER
		}
		out = append(out, normalize.Phone(strings.TrimSpace(v.Value), t))
	}
	return out
}

// emailsFromProto writes emails the first as primary; an unspecified type
// sends no label (Pipedrive's default is "work").
func emailsFromProto(field string, in []*commonv1.Email) ([]map[string]any, error) {
	out := make([]map[string]any, 0, len(in))
	for i, e := range in {
		if strings.TrimSpace(e.GetAddress()) == "" {
			return nil, connector.BadField(fmt.Sprintf("%s[%d].address", field, i), "an email needs an address")
		}
		v := map[string]any{"value": e.GetAddress(), "primary": i == 0}
		if l, ok := emailLabels[e.GetType()]; ok {
			v["label"] = l
		}
		out = append(out, v)
	}
	return out, nil
}

// phonesFromProto writes phones as the caller typed them (the raw form)
// when given, else the E.164 number. Pipedrive has no fax label.
func phonesFromProto(field string, in []*commonv1.Phone) ([]map[string]any, error) {
	out := make([]map[string]any, 0, len(in))
	for i, p := range in {
		num := normalize.PhoneForWrite(p)
		if num == "" {
			return nil, connector.BadField(fmt.Sprintf("%s[%d]", field, i), "a phone needs number or raw_number")
		}
		v := map[string]any{"value": num, "primary": i == 0}
		switch l, ok := phoneLabels[p.GetType()]; {
		case ok:
			v["label"] = l
		case p.GetType() != commonv1.PhoneType_PHONE_TYPE_UNSPECIFIED:
			return nil, connector.BadField(fmt.Sprintf("%s[%d].type", field, i), "Pipedrive labels phones work, home, mobile or other; it has no %s", p.GetType())
		}
		out = append(out, v)
	}
	return out, nil
}

// --- addresses -----------------------------------------------------------------

// addressToProto reads an address object. Pipedrive does not type
// addresses; an organization's is read as its work address.
func addressToProto(a *address) *commonv1.Address {
	if a == nil || strings.TrimSpace(a.Value+a.Route+a.Locality) == "" {
		return nil
	}
	street := strings.TrimSpace(strings.TrimSpace(a.StreetNumber) + " " + strings.TrimSpace(a.Route))
	out := &commonv1.Address{
		Street_1: street, Street_2: a.Subpremise, City: a.Locality, Region: a.AdminAreaLevel1,
		PostalCode: a.PostalCode, CountryCode: normalize.CountryCode(a.Country), Type: commonv1.AddressType_ADDRESS_TYPE_WORK,
	}
	if street == "" && a.Locality == "" {
		// Not geocoded: the address is only its text.
		out.Street_1 = strings.TrimSpace(a.Value)
	}
	return out
}

// addressFromProto writes one address: its text in value, its parts in
// the subfields Pipedrive fills when it geocodes.
func addressFromProto(field string, in []*commonv1.Address) (any, error) {
	switch {
	case len(in) == 0:
		return nil, nil
	case len(in) > 1:
		return nil, connector.BadField(field, "Pipedrive keeps one address per organization")
	}
	a := in[0]
	if t := a.GetType(); t != commonv1.AddressType_ADDRESS_TYPE_UNSPECIFIED && t != commonv1.AddressType_ADDRESS_TYPE_WORK {
		return nil, connector.BadField(field+"[0].type", "Pipedrive keeps an organization's (work) address only, not a %s one", t)
	}
	country := normalize.CountryName(a.GetCountryCode())
	cityLine := strings.TrimSpace(a.GetPostalCode() + " " + a.GetCity())
	var parts []string
	for _, p := range []string{a.GetStreet_1(), a.GetStreet_2(), cityLine, a.GetRegion(), country} {
		if strings.TrimSpace(p) != "" {
			parts = append(parts, strings.TrimSpace(p))
		}
	}
	if len(parts) == 0 {
		return nil, connector.BadField(field+"[0]", "an address needs at least a street, city or country")
	}
	nullable := func(s string) any {
		if s == "" {
			return nil
		}
		return s
	}
	return map[string]any{
		"value": strings.Join(parts, ", "), "route": nullable(a.GetStreet_1()), "subpremise": nullable(a.GetStreet_2()),
		"locality": nullable(a.GetCity()), "admin_area_level_1": nullable(a.GetRegion()),
		"postal_code": nullable(a.GetPostalCode()), "country": nullable(country),
	}, nil
}

// --- money ---------------------------------------------------------------------

var decimalRE = regexp.MustCompile(`^-?[0-9]{1,18}([.][0-9]{1,9})?$`)

// units writes Pipedrive's number as a unified decimal string, keeping its
// exact text whenever it is a plain decimal.
func units(n json.Number) string {
	s := n.String()
	if decimalRE.MatchString(s) {
		return s
	}
	f, _, err := big.ParseFloat(s, 10, 200, big.ToNearestEven)
	if err != nil {
		return ""
	}
	out := f.Text('f', 9)
	if strings.Contains(out, ".") {
		out = strings.TrimRight(strings.TrimRight(out, "0"), ".")
	}
	return out
}

func moneyToProto(value json.Number, currency string) *commonv1.Money {
	if value == "" {
		return nil
	}
	u := units(value)
	if u == "" {
		return nil
	}
	return &commonv1.Money{Units: u, CurrencyCode: currency}
}

// amount is an amount to send: the decimal's exact text as a JSON number.
func amount(field string, m *commonv1.Money) (json.Number, error) {
	if !decimalRE.MatchString(m.GetUnits()) {
		return "", connector.BadField(field+".units", "%q is not a decimal number such as 1234.50", m.GetUnits())
	}
	return json.Number(m.GetUnits()), nil
}
