package connector

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
)

// OAuth describes a provider's OAuth 2.0 authorization-code flow: where
// its endpoints are, what it grants, and what its token answers carry
// beside the tokens.
type OAuth struct {
	// AuthorizeURL and TokenURL are the provider's endpoints.
	AuthorizeURL string
	TokenURL     string
	// Endpoints, when set, computes both from the config known before the
	// redirect, for providers whose endpoints live on a per-instance or
	// per-region host (ServiceNow, Zoho). It must only build URLs on the
	// provider's own domains.
	Endpoints func(config map[string]string) (authorize, token string, err error)
	// PreConfig lists the config keys the end user gives before the
	// redirect (an instance name); every other key comes from Extras.
	PreConfig []string
	// DefaultScopes are asked for when the project's app names none.
	DefaultScopes []string
	// ScopeSeparator joins scopes in the authorize URL: " " unless set.
	ScopeSeparator string
	// ClientSecretInBody sends the client credentials as form fields at the
	// token endpoint; otherwise they go as HTTP Basic (RFC 6749 2.3.1's
	// preferred way).
	ClientSecretInBody bool
	// NoPKCE stops sending a PKCE challenge, for providers that refuse one.
	NoPKCE bool
	// AuthParams are extra parameters of the authorize URL.
	AuthParams map[string]string
	// Extras reads what the connection's config needs from a token answer,
	// such as Salesforce's instance_url; field returns a field of the
	// answer's JSON (nil when absent).
	Extras func(field func(name string) any) (map[string]string, error)
	// GrantDead says whether a failed token answer means the grant is gone
	// for good (the end user must connect again) rather than a passing
	// failure. Nil means RFC 6749's error "invalid_grant".
	GrantDead func(status int, body []byte) bool
}

// ResolveEndpoints returns the authorize and token URLs for config.
func (o *OAuth) ResolveEndpoints(config map[string]string) (authorize, token string, err error) {
	if o.Endpoints != nil {
		return o.Endpoints(config)
	}
	if o.AuthorizeURL == "" || o.TokenURL == "" {
		return "", "", fmt.Errorf("no OAuth endpoints")
	}
	return o.AuthorizeURL, o.TokenURL, nil
}

// IsGrantDead applies GrantDead or its default.
func (o *OAuth) IsGrantDead(status int, body []byte) bool {
	if o.GrantDead != nil {
		return o.GrantDead(status, body)
	}
	var e struct {
		Error string `json:"error"`
	}
	if status >= 400 && status < 500 && json.Unmarshal(body, &e) == nil {
		return e.Error == "invalid_grant"
	}
	return false
}

// Separator is the scope separator.
func (o *OAuth) Separator() string {
	if o.ScopeSeparator == "" {
		return " "
	}
	return o.ScopeSeparator
}

// at returns a copy of o whose endpoints keep their paths but live under
// base: an emulator serves a vendor's OAuth paths from its own root.
func (o *OAuth) at(base string) *OAuth {
	c := *o
	inner := o.ResolveEndpoints
	c.Endpoints = func(config map[string]string) (string, string, error) {
		authorize, token, err := inner(config)
		if err != nil {
			return "", "", err
		}
		authorize, err = rebase(base, authorize)
		if err != nil {
			return "", "", err
		}
		token, err = rebase(base, token)
		return authorize, token, err
	}
	return &c
}

// rebase moves endpoint's path (and query) under base.
func rebase(base, endpoint string) (string, error) {
	b, err := url.Parse(base)
	if err != nil {
		return "", fmt.Errorf("base URL %q: %w", base, err)
	}
	e, err := url.Parse(endpoint)
	if err != nil {
		return "", fmt.Errorf("endpoint %q: %w", endpoint, err)
	}
	b.Path = strings.TrimSuffix(b.Path, "/") + e.Path
	b.RawPath = ""
	b.RawQuery = e.RawQuery
	return b.String(), nil
}
