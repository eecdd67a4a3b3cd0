package sandboxapi

import (
	commonv1 "github.com/unimesh/unimesh/proto/unimesh/common/v1"

	"github.com/unimesh/unimesh/pkg/normalize"
)

// Email is the dialect's email address: label is work, personal or other.
type Email struct {
	Address string `json:"address"`
	Label   string `json:"label,omitempty"`
}

// Phone is the dialect's phone number, as the user typed it: label is
// work, home, mobile, fax or other.
type Phone struct {
	Number string `json:"number"`
	Label  string `json:"label,omitempty"`
}

// Address is the dialect's postal address: kind is billing, shipping, home,
// work or other; country is ISO 3166-1 alpha-2.
type Address struct {
	Line1   string `json:"line1,omitempty"`
	Line2   string `json:"line2,omitempty"`
	City    string `json:"city,omitempty"`
	State   string `json:"state,omitempty"`
	Zip     string `json:"zip,omitempty"`
	Country string `json:"country,omitempty"`
	Kind    string `json:"kind,omitempty"`
}

// Money is the dialect's amount: a decimal string and an ISO 4217 code.
type Money struct {
	Amount   string `json:"amount"`
	Currency string `json:"currency"`
}

var emailLabels = map[string]commonv1.EmailType{
	"work": commonv1.EmailType_EMAIL_TYPE_WORK, "personal": commonv1.EmailType_EMAIL_TYPE_PERSONAL, "other": commonv1.EmailType_EMAIL_TYPE_OTHER,
}

var phoneLabels = map[string]commonv1.PhoneType{
	"work": commonv1.PhoneType_PHONE_TYPE_WORK, "home": commonv1.PhoneType_PHONE_TYPE_HOME, "mobile": commonv1.PhoneType_PHONE_TYPE_MOBILE,
	"fax": commonv1.PhoneType_PHONE_TYPE_FAX, "other": commonv1.PhoneType_PHONE_TYPE_OTHER,
}

var addressKinds = map[string]commonv1.AddressType{
	"billing": commonv1.AddressType_ADDRESS_TYPE_BILLING, "shipping": commonv1.AddressType_ADDRESS_TYPE_SHIPPING,
	"home": commonv1.AddressType_ADDRESS_TYPE_HOME, "work": commonv1.AddressType_ADDRESS_TYPE_WORK, "other": commonv1.AddressType_ADDRESS_TYPE_OTHER,
}

func reverse[K comparable, V comparable](m map[K]V) map[V]K {
	out := make(map[V]K, len(m))
	for k, v := range m {
		out[v] = k
	}
	return out
}

var (
	emailLabelOf  = reverse(emailLabels)
	phoneLabelOf  = reverse(phoneLabels)
	addressKindOf = reverse(addressKinds)
)

// EmailsToProto converts the dialect's emails.
func EmailsToProto(in []Email) []*commonv1.Email {
	out := make([]*commonv1.Email, 0, len(in))
	for _, e := range in {
		typ, ok := emailLabels[e.Label]
		if !ok && e.Label != "" {
			typ = commonv1.EmailType_EMAIL_TYPE_OTHER
		}
		out = append(out, &commonv1.Email{Address: e.Address, Type: typ})
	}
	return out
}

// EmailsFromProto converts unified emails to the dialect's.
func EmailsFromProto(in []*commonv1.Email) []Email {
	out := make([]Email, 0, len(in))
	for _, e := range in {
		out = append(out, Email{Address: e.GetAddress(), Label: emailLabelOf[e.GetType()]})
	}
	return out
}

// PhonesToProto converts the dialect's phones, normalizing numbers to E.164.
func PhonesToProto(in []Phone) []*commonv1.Phone {
	out := make([]*commonv1.Phone, 0, len(in))
	for _, p := range in {
		typ, ok := phoneLabels[p.Label]
		if !ok && p.Label != "" {
			typ = commonv1.PhoneType_PHONE_TYPE_OTHER
		}
		out = append(out, normalize.Phone(p.Number, typ))
	}
	return out
}

// PhonesFromProto converts unified phones to the dialect's.
func PhonesFromProto(in []*commonv1.Phone) []Phone {
	out := make([]Phone, 0, len(in))
	for _, p := range in {
		out = append(out, Phone{Number: normalize.PhoneForWrite(p), Label: phoneLabelOf[p.GetType()]})
	}
	return out
}

// AddressToProto converts one address.
func AddressToProto(a Address) *commonv1.Address {
	typ, ok := addressKinds[a.Kind]
	if !ok && a.Kind != "" {
		typ = commonv1.AddressType_ADDRESS_TYPE_OTHER
	}
	return &commonv1.Address{Street_1: a.Line1, Street_2: a.Line2, City: a.City, Region: a.State,
		PostalCode: a.Zip, CountryCode: a.Country, Type: typ}
}

// AddressFromProto converts one unified address.
func AddressFromProto(a *commonv1.Address) Address {
	return Address{Line1: a.GetStreet_1(), Line2: a.GetStreet_2(), City: a.GetCity(), State: a.GetRegion(),
		Zip: a.GetPostalCode(), Country: a.GetCountryCode(), Kind: addressKindOf[a.GetType()]}
}

// AddressesToProto converts addresses.
func AddressesToProto(in []Address) []*commonv1.Address {
	out := make([]*commonv1.Address, 0, len(in))
	for _, a := range in {
		out = append(out, AddressToProto(a))
	}
	return out
}

// AddressesFromProto converts unified addresses.
func AddressesFromProto(in []*commonv1.Address) []Address {
	out := make([]Address, 0, len(in))
	for _, a := range in {
		out = append(out, AddressFromProto(a))
	}
	return out
}

// MoneyToProto converts an amount; nil stays nil.
func MoneyToProto(m *Money) *commonv1.Money {
	if m == nil {
		return nil
	}
	return &commonv1.Money{Units: m.Amount, CurrencyCode: m.Currency}
}

// MoneyFromProto converts a unified amount; nil stays nil.
func MoneyFromProto(m *commonv1.Money) *Money {
	if m == nil {
		return nil
	}
	return &Money{Amount: m.GetUnits(), Currency: m.GetCurrencyCode()}
}
