package sandboxapi

import (
	"fmt"
	"net/mail"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

var (
	decimalRe  = regexp.MustCompile(`^-?[0-9]{1,15}(\.[0-9]{1,6})?$`)
	currencyRe = regexp.MustCompile(`^[A-Z]{3}$`)
	countryRe  = regexp.MustCompile(`^[A-Z]{2}$`)
)

// Checker collects field errors.
type Checker struct{ Errors []FieldError }

// Add records an error.
func (c *Checker) Add(field, format string, args ...any) {
	c.Errors = append(c.Errors, FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
}

// Required refuses an empty string.
func (c *Checker) Required(field, v string) {
	if strings.TrimSpace(v) == "" {
		c.Add(field, "%s is required", field)
	}
}

// MaxLen refuses strings longer than n characters.
func (c *Checker) MaxLen(field, v string, n int) {
	if len([]rune(v)) > n {
		c.Add(field, "%s must be at most %d characters", field, n)
	}
}

// OneOf refuses a value outside allowed (empty passes unless required).
func (c *Checker) OneOf(field, v string, allowed ...string) {
	if v != "" && !slices.Contains(allowed, v) {
		c.Add(field, "%s must be one of %s", field, strings.Join(allowed, ", "))
	}
}

// Date refuses a non-empty value that is not a real YYYY-MM-DD date.
func (c *Checker) Date(field, v string) {
	if v == "" {
		return
	}
	if _, err := time.Parse("2006-01-02", v); err != nil {
		c.Add(field, "%s must be a date YYYY-MM-DD", field)
	}
}

// Decimal refuses a non-empty value that is not a decimal number.
func (c *Checker) Decimal(field, v string) {
	if v != "" && !decimalRe.MatchString(v) {
		c.Add(field, "%s must be a decimal number", field)
	}
}

// Ref refuses an id that does not name a record.
func (c *Checker) Ref(field string, id *int64, exists func(string) bool) {
	if id != nil && !exists(strconv.FormatInt(*id, 10)) {
		c.Add(field, "%s %d does not exist", field, *id)
	}
}

// Refs refuses ids that do not name records.
func (c *Checker) Refs(field string, ids []int64, exists func(string) bool) {
	for i, id := range ids {
		if !exists(strconv.FormatInt(id, 10)) {
			c.Add(fmt.Sprintf("%s[%d]", field, i), "%s %d does not exist", field, id)
		}
	}
}

// StrRef refuses a non-empty string id that does not name a record.
func (c *Checker) StrRef(field, id string, exists func(string) bool) {
	if id != "" && !exists(id) {
		c.Add(field, "%s %s does not exist", field, id)
	}
}

// Emails checks addresses and labels.
func (c *Checker) Emails(field string, es []Email) {
	for i, e := range es {
		f := fmt.Sprintf("%s[%d]", field, i)
		if a, err := mail.ParseAddress(e.Address); err != nil || a.Address != e.Address {
			c.Add(f+".address", "%q is not an email address", e.Address)
		}
		c.OneOf(f+".label", e.Label, "work", "personal", "other")
	}
}

// Phones checks numbers and labels.
func (c *Checker) Phones(field string, ps []Phone) {
	for i, p := range ps {
		f := fmt.Sprintf("%s[%d]", field, i)
		if strings.TrimSpace(p.Number) == "" {
			c.Add(f+".number", "a phone needs a number")
		}
		c.MaxLen(f+".number", p.Number, 40)
		c.OneOf(f+".label", p.Label, "work", "home", "mobile", "fax", "other")
	}
}

// Addresses checks countries and kinds.
func (c *Checker) Addresses(field string, as []Address) {
	for i, a := range as {
		c.Address(fmt.Sprintf("%s[%d]", field, i), &a)
	}
}

// Address checks one address.
func (c *Checker) Address(field string, a *Address) {
	if a == nil {
		return
	}
	if a.Country != "" && !countryRe.MatchString(a.Country) {
		c.Add(field+".country", "country must be an ISO 3166-1 alpha-2 code")
	}
	c.OneOf(field+".kind", a.Kind, "billing", "shipping", "home", "work", "other")
}

// Money checks an amount.
func (c *Checker) Money(field string, m *Money) {
	if m == nil {
		return
	}
	if !decimalRe.MatchString(m.Amount) {
		c.Add(field+".amount", "amount must be a decimal number")
	}
	if !currencyRe.MatchString(m.Currency) {
		c.Add(field+".currency", "currency must be an ISO 4217 code")
	}
}
