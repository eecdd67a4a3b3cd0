package connector

import (
	"fmt"
	"reflect"
	"slices"
	"sort"
	"strings"
	"unicode"

	"github.com/unimesh/unimesh/pkg/providerhttp"
	platformv1 "github.com/unimesh/unimesh/proto/unimesh/platform/v1"
)

// Descriptor says what an integration is: how to reach and authenticate to
// it, and what the catalog shows of it. It is plain data, shared by the
// category service that runs the connector and by connect, which lists the
// catalog and sends passthrough requests.
type Descriptor struct {
	// Slug identifies the integration: "hubspot", "sandbox-crm".
	Slug string
	// Name is the product's name.
	Name string
	// Category is the category this connector serves.
	Category platformv1.Category
	// AuthTypes are the credential kinds a connection may use.
	AuthTypes []platformv1.AuthType
	// Auth presents a connection's credentials to the provider.
	Auth providerhttp.Scheme
	// DefaultBaseURL is the provider's API root.
	DefaultBaseURL string
	// BaseURL, when set, computes the API root from a connection's config
	// (per-instance hosts, regional data centres). It must only build URLs
	// on the provider's own domains.
	BaseURL func(config map[string]string) (string, error)
	// ConfigFields are the config keys a connection takes.
	ConfigFields []*platformv1.ConfigField
	// Hooks adapt the HTTP client to the provider's rate-limit headers and error bodies.
	Hooks providerhttp.Hooks
	// NativeWebhooks says whether the provider pushes change events.
	NativeWebhooks bool
	// Webhooks subscribes to and reads the provider's change notifications,
	// when the connector implements them (the events service then polls
	// the objects they cover only to find deletions).
	Webhooks *Webhooks
	// RateLimitPolicy describes the provider's limits in words.
	RateLimitPolicy string
	// Sandbox marks Unimesh's own demo providers.
	Sandbox bool
	// DocsURL points at the provider's API reference.
	DocsURL string
	// OAuth describes the provider's OAuth 2.0 flow, when AuthTypes has OAUTH2.
	OAuth *OAuth
	// VerifyPath is a cheap GET, relative to the API root, that any valid
	// credential may make: the connect pages send it to check credentials
	// live before they save them.
	VerifyPath string
	// APIKeyLabel and UsernameLabel are what the provider calls the
	// credentials, for the connect pages' forms ("API token", "Email").
	APIKeyLabel, UsernameLabel string
}

// ResolveBaseURL returns the API root for a connection with config.
func (d *Descriptor) ResolveBaseURL(config map[string]string) (string, error) {
	if d.BaseURL != nil {
		return d.BaseURL(config)
	}
	if d.DefaultBaseURL == "" {
		return "", fmt.Errorf("%s has no base URL", d.Slug)
	}
	return d.DefaultBaseURL, nil
}

// At returns a copy of d whose API root is baseURL whatever a connection's
// config says. It is the operator's override, never a connection's: it
// points an integration at its emulator in `unimesh dev`, or at a vendor's
// staging host. A connection's config is still checked as the vendor's
// would be, so that what works against the emulator works against the vendor.
func (d *Descriptor) At(baseURL string) *Descriptor {
	c := *d
	c.DefaultBaseURL = baseURL
	check := d.BaseURL
	c.BaseURL = func(config map[string]string) (string, error) {
		if check != nil {
			if _, err := check(config); err != nil {
				return "", err
			}
		}
		return baseURL, nil
	}
	if d.OAuth != nil {
		c.OAuth = d.OAuth.at(baseURL)
	}
	return &c
}

// Capabilities reads the objects and operations an implementation supports
// off its struct: every exported field of type Object[T] is an object, named
// after the field in singular snake_case (Contacts → "contact",
// TimeOffRequests → "time_off_request"); every non-nil func field of it is an
// operation. Other non-nil func fields of the struct are custom methods of
// the object they name by prefix (ApplicationsMove → "move" on "application").
func Capabilities(category platformv1.Category, impl any) []*platformv1.ObjectSupport {
	v := reflect.ValueOf(impl)
	if v.Kind() == reflect.Pointer {
		v = v.Elem()
	}
	t := v.Type()
	byObject := map[string]*platformv1.ObjectSupport{}
	var order []string
	get := func(field string) *platformv1.ObjectSupport {
		name := ObjectName(field)
		if os, ok := byObject[name]; ok {
			return os
		}
		os := &platformv1.ObjectSupport{Category: category, Object: name}
		byObject[name] = os
		order = append(order, name)
		return os
	}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		fv := v.Field(i)
		switch {
		case f.Type.Kind() == reflect.Struct && strings.HasPrefix(f.Type.Name(), "Object["):
			os := get(f.Name)
			for op, name := range map[platformv1.Operation]string{
				platformv1.Operation_OPERATION_LIST:   "List",
				platformv1.Operation_OPERATION_GET:    "Get",
				platformv1.Operation_OPERATION_CREATE: "Create",
				platformv1.Operation_OPERATION_UPDATE: "Update",
				platformv1.Operation_OPERATION_DELETE: "Delete",
			} {
				if !fv.FieldByName(name).IsNil() {
					os.Operations = append(os.Operations, op)
				}
			}
			slices.Sort(os.Operations)
		case f.Type.Kind() == reflect.Func && !fv.IsNil():
			object, method := splitCustom(f.Name)
			os := get(object)
			os.CustomMethods = append(os.CustomMethods, method)
		}
	}
	out := make([]*platformv1.ObjectSupport, 0, len(order))
	for _, name := range order {
		if os := byObject[name]; len(os.Operations) > 0 || len(os.CustomMethods) > 0 {
			sort.Strings(os.CustomMethods)
			out = append(out, os)
		}
	}
	return out
}

// splitCustom splits "ApplicationsMove" into ("Applications", "move").
func splitCustom(field string) (object, method string) {
	for i := 1; i < len(field); i++ {
		if unicode.IsUpper(rune(field[i])) && field[i-1] == 's' {
			return field[:i], SnakeCase(field[i:])
		}
	}
	return field, "call"
}

// ObjectName turns a plural Go field name into the singular snake_case
// object name: "Contacts" → "contact", "Companies" → "company",
// "CompanyInfo" → "company_info", "Activities" → "activity".
func ObjectName(field string) string {
	s := SnakeCase(field)
	switch {
	case strings.HasSuffix(s, "ies"):
		return strings.TrimSuffix(s, "ies") + "y"
	case strings.HasSuffix(s, "sses"), strings.HasSuffix(s, "xes"):
		return s[:len(s)-2]
	case strings.HasSuffix(s, "s") && !strings.HasSuffix(s, "ss"):
		return strings.TrimSuffix(s, "s")
	}
	return s
}

// SnakeCase turns a Go or proto name into snake_case: "TimeOffRequest" → "time_off_request".
func SnakeCase(s string) string {
	var b strings.Builder
	for i, r := range s {
		if unicode.IsUpper(r) {
			if i > 0 {
				b.WriteByte('_')
			}
			r = unicode.ToLower(r)
		}
		b.WriteRune(r)
	}
	return b.String()
}
