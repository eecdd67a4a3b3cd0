package oauthemu

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"time"
)

// Grant types of the token endpoint.
const (
	GrantAuthorizationCode = "authorization_code"
	GrantRefreshToken      = "refresh_token"
)

// PKCE code challenge methods (RFC 7636 section 4.2).
const (
	MethodS256  = "S256"
	MethodPlain = "plain"
)

// maxFormBytes bounds a token request's body: its parameters are a few
// hundred bytes.
const maxFormBytes = 64 << 10

// Issued is what a successful token request yields, for the vendor to
// render in its own answer.
type Issued struct {
	// GrantType is the request's grant_type.
	GrantType string
	// ClientID is the authenticated client.
	ClientID string
	// AccessToken is the new access token.
	AccessToken string
	// RefreshToken is the refresh token to return: empty when the grant
	// has none or the answer must not carry it (ReturnRefreshOnRefresh).
	RefreshToken string
	// Scopes are the access token's scopes.
	Scopes []string
	// IssuedAt is when the access token was issued; ExpiresIn its
	// lifetime, zero when it has none.
	IssuedAt  time.Time
	ExpiresIn time.Duration
	// User is the user who consented.
	User User
}

// Exchange runs the token endpoint (RFC 6749 sections 4.1.3 and 6): it
// authenticates the client by HTTP Basic or by client_id and client_secret
// in the body, then exchanges an authorization code (checking its
// redirect_uri and PKCE verifier) or a refresh token for tokens. It never
// writes an answer: each vendor shapes its own.
func (s *Server) Exchange(r *http.Request) (Issued, *Error) {
	form, ferr := readForm(r)
	grantType := form.Get("grant_type")
	var (
		iss Issued
		err = ferr
	)
	if err == nil {
		iss, err = s.exchange(r, form, grantType)
	}
	s.mu.Lock()
	switch {
	case err == nil && grantType == GrantAuthorizationCode:
		s.stats.CodeExchanges++
	case err == nil:
		s.stats.Refreshes++
	case ferr == nil && grantType == GrantAuthorizationCode:
		s.stats.FailedCodeExchanges++
	case ferr == nil && grantType == GrantRefreshToken:
		s.stats.FailedRefreshes++
	default:
		s.stats.OtherFailures++
	}
	s.mu.Unlock()
	return iss, err
}

// readForm reads the request's form body. Parameters sent more than once
// are refused (RFC 6749 section 3.2).
func readForm(r *http.Request) (url.Values, *Error) {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "application/x-www-form-urlencoded" {
		return url.Values{}, newError(ErrInvalidRequest, ReasonContentType, "content must be application/x-www-form-urlencoded")
	}
	if r.Body == nil {
		return url.Values{}, newError(ErrInvalidRequest, ReasonMalformed, "the request has no body")
	}
	r.Body = http.MaxBytesReader(nil, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		return url.Values{}, newError(ErrInvalidRequest, ReasonMalformed, "malformed request body")
	}
	for k, vs := range r.PostForm {
		if len(vs) > 1 {
			return r.PostForm, newError(ErrInvalidRequest, ReasonMalformed, fmt.Sprintf("parameter %s is repeated", k))
		}
	}
	return r.PostForm, nil
}

func (s *Server) exchange(r *http.Request, form url.Values, grantType string) (Issued, *Error) {
	switch grantType {
	case "":
		return Issued{}, newError(ErrInvalidRequest, ReasonMissingGrantType, "grant_type is required")
	case GrantAuthorizationCode, GrantRefreshToken:
	default:
		return Issued{}, newError(ErrUnsupportedGrantType, ReasonUnsupportedGrant, fmt.Sprintf("grant type %q is not supported", grantType))
	}
	c, err := s.authenticate(r, form)
	if err != nil {
		return Issued{}, err
	}
	if grantType == GrantAuthorizationCode {
		return s.exchangeCode(c, form)
	}
	return s.refreshGrant(c, form)
}

// authenticate checks the client's credentials: HTTP Basic (whose parts
// RFC 6749 section 2.3.1 form-encodes; raw parts are accepted too) or
// client_id and client_secret in the body, not both.
func (s *Server) authenticate(r *http.Request, form url.Values) (Client, *Error) {
	user, pass, basic := r.BasicAuth()
	bodyID, bodySecret := form.Get("client_id"), form.Get("client_secret")
	var ids, secrets []string
	switch {
	case basic && bodySecret != "":
		return Client{}, newError(ErrInvalidRequest, ReasonMultipleAuth, "use one client authentication method, not two")
	case basic:
		ids, secrets = decodedAndRaw(user), decodedAndRaw(pass)
		if bodyID != "" && !slices.Contains(ids, bodyID) {
			return Client{}, newError(ErrInvalidRequest, ReasonMultipleAuth, "client_id differs from the authenticated client")
		}
	case bodyID != "":
		ids, secrets = []string{bodyID}, []string{bodySecret}
	default:
		return Client{}, newError(ErrInvalidClient, ReasonNoClientAuth, "client credentials are missing")
	}
	s.mu.Lock()
	var (
		c     Client
		found bool
	)
	for _, id := range ids {
		if c, found = s.clients[id]; found {
			break
		}
	}
	s.mu.Unlock()
	if !found {
		return Client{}, newError(ErrInvalidClient, ReasonUnknownClient, "unknown client")
	}
	for _, secret := range secrets {
		if secret != "" && subtle.ConstantTimeCompare([]byte(secret), []byte(c.Secret)) == 1 {
			return c, nil
		}
	}
	return Client{}, newError(ErrInvalidClient, ReasonBadSecret, "client authentication failed")
}

func decodedAndRaw(s string) []string {
	if d, err := url.QueryUnescape(s); err == nil && d != s {
		return []string{d, s}
	}
	return []string{s}
}

// exchangeCode runs grant_type=authorization_code. Only a successful
// exchange uses the code up; a replay of a used code revokes the tokens it
// gave (RFC 6749 section 10.5).
func (s *Server) exchangeCode(c Client, form url.Values) (Issued, *Error) {
	code := form.Get("code")
	if code == "" {
		return Issued{}, newError(ErrInvalidRequest, ReasonMissingCode, "code is required")
	}
	now := s.opts.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	ac := s.codes[code]
	switch {
	case ac == nil:
		return Issued{}, newError(ErrInvalidGrant, ReasonUnknownCode, "authorization code is invalid")
	case ac.used:
		if ac.g != nil {
			s.revokeGrantLocked(ac.g)
		}
		return Issued{}, newError(ErrInvalidGrant, ReasonCodeReused, "authorization code was already used")
	case expired(ac.expires, now):
		return Issued{}, newError(ErrInvalidGrant, ReasonCodeExpired, "authorization code has expired")
	case ac.client != c.ID:
		return Issued{}, newError(ErrInvalidGrant, ReasonCodeClient, "authorization code was issued to another client")
	}
	redirect := form.Get("redirect_uri")
	switch {
	case redirect == "" && (ac.redirectGiven || s.opts.RequireRedirectURI):
		return Issued{}, newError(ErrInvalidRequest, ReasonRedirectMissing, "redirect_uri is required")
	case redirect != "" && redirect != ac.redirect:
		return Issued{}, newError(ErrInvalidGrant, ReasonRedirectMismatch, "redirect_uri does not match the authorization request")
	}
	if err := verifyPKCE(ac, form.Get("code_verifier")); err != nil {
		return Issued{}, err
	}
	ac.used = true
	withRefresh := s.opts.RefreshFor == nil || s.opts.RefreshFor(ac.scopes)
	g := s.newGrantLocked(c.ID, ac.scopes, ac.user, withRefresh, now)
	ac.g = g
	tok, _ := s.issueAccessLocked(g, g.scopes, now)
	return Issued{GrantType: GrantAuthorizationCode, ClientID: c.ID, AccessToken: tok, RefreshToken: g.refresh,
		Scopes: slices.Clone(g.scopes), IssuedAt: now, ExpiresIn: s.opts.AccessTTL, User: g.user}, nil
}

// verifyPKCE checks a code_verifier against the code's challenge (RFC 7636
// section 4.6). A verifier for a code without a challenge is refused too: it
// means the client believes it sent one.
func verifyPKCE(ac *authCode, verifier string) *Error {
	switch {
	case ac.challenge == "" && verifier == "":
		return nil
	case ac.challenge == "":
		return newError(ErrInvalidGrant, ReasonPKCEUnexpected, "code_verifier sent but the authorization request had no code_challenge")
	case verifier == "":
		return newError(ErrInvalidGrant, ReasonPKCEMissing, "code_verifier is required")
	case !validVerifier(verifier):
		return newError(ErrInvalidGrant, ReasonPKCEMismatch, "code_verifier is malformed")
	}
	want := verifier
	if ac.method == MethodS256 {
		sum := sha256.Sum256([]byte(verifier))
		want = base64.RawURLEncoding.EncodeToString(sum[:])
	}
	if subtle.ConstantTimeCompare([]byte(want), []byte(ac.challenge)) != 1 {
		return newError(ErrInvalidGrant, ReasonPKCEMismatch, "code_verifier does not match the code_challenge")
	}
	return nil
}

// validVerifier: 43 to 128 unreserved characters (RFC 7636 section 4.1).
func validVerifier(v string) bool {
	if len(v) < 43 || len(v) > 128 {
		return false
	}
	for i := 0; i < len(v); i++ {
		c := v[i]
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~') {
			return false
		}
	}
	return true
}

// refreshGrant runs grant_type=refresh_token (RFC 6749 section 6). Access
// tokens issued before stay valid until they expire, as the vendors'
// do; a scope parameter may narrow, never widen, the grant's scopes.
func (s *Server) refreshGrant(c Client, form url.Values) (Issued, *Error) {
	rt := form.Get("refresh_token")
	if rt == "" {
		return Issued{}, newError(ErrInvalidRequest, ReasonMissingRefresh, "refresh_token is required")
	}
	now := s.opts.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	g := s.refresh[rt]
	if g == nil || g.client != c.ID {
		return Issued{}, newError(ErrInvalidGrant, ReasonUnknownRefresh, "refresh token is invalid")
	}
	if ttl := s.opts.RefreshIdleTTL; ttl > 0 && expired(g.refreshUsed.Add(ttl), now) {
		delete(s.refresh, rt)
		g.refresh = ""
		s.dropIfEmptyLocked(g)
		return Issued{}, newError(ErrInvalidGrant, ReasonRefreshExpired, "refresh token has expired")
	}
	scopes := g.scopes
	if raw, asked := form["scope"]; asked && s.opts.ScopeSeparator != "" {
		want := s.splitScopes(raw[0])
		for _, sc := range want {
			if !slices.Contains(g.scopes, sc) {
				return Issued{}, newError(ErrInvalidScope, ReasonInvalidScope, fmt.Sprintf("scope %q was not granted", sc))
			}
		}
		if len(want) > 0 {
			scopes = want
		}
	}
	g.refreshUsed = now
	if s.opts.RotateRefresh {
		delete(s.refresh, rt)
		g.refresh = s.newTokenLocked(KindRefresh)
		s.refresh[g.refresh] = g
	}
	tok, _ := s.issueAccessLocked(g, scopes, now)
	iss := Issued{GrantType: GrantRefreshToken, ClientID: c.ID, AccessToken: tok, Scopes: slices.Clone(scopes),
		IssuedAt: now, ExpiresIn: s.opts.AccessTTL, User: g.user}
	if s.opts.ReturnRefreshOnRefresh {
		iss.RefreshToken = g.refresh
	}
	return iss, nil
}
