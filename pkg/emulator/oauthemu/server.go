package oauthemu

import (
	"crypto/rand"
	"encoding/base64"
	"slices"
	"sync"
	"time"
)

// Client is an application registered with the vendor: a Pipedrive app, a
// HubSpot app, a Salesforce connected app.
type Client struct {
	// ID and Secret are the client credentials (client_id, client_secret).
	ID     string
	Secret string
	// Name is the application's name on the consent page.
	Name string
	// RedirectURIs are the callback URLs registered for the application.
	// A redirect_uri must equal one of them exactly (no prefix or pattern
	// matching), as RFC 6749 section 3.1.2 and every vendor demand.
	RedirectURIs []string
}

// User is the sandbox user who signs in and consents on the authorization
// page; the grants it makes are this user's.
type User struct {
	ID    string
	Name  string
	Email string
}

// TokenKind says what a new token is for, so that a vendor can shape it.
type TokenKind int

// The kinds of token the server issues.
const (
	KindCode TokenKind = iota + 1
	KindAccess
	KindRefresh
)

// Options configure a Server with one vendor's rules.
type Options struct {
	// Clients are registered from the start; RegisterClient adds more.
	Clients []Client
	// Vendor is the vendor's name on the consent page ("HubSpot").
	Vendor string
	// User is the sandbox user the consent page shows and the grants
	// belong to, asked at each authorization (the emulator's data may
	// change). A fixed "Sandbox User" when nil.
	User func() User

	// Scopes are the scopes the vendor knows: a request for any other
	// answers invalid_scope. Empty: any scope is accepted.
	Scopes []string
	// DefaultScopes are granted when a request names none, or always when
	// ScopeSeparator is empty.
	DefaultScopes []string
	// ScopeSeparator splits the scope parameter: " " per RFC 6749 section
	// 3.3 (Salesforce, HubSpot). Empty: the vendor fixes scopes per app
	// (Pipedrive) and the scope parameter is ignored.
	ScopeSeparator string

	// CodeTTL is how long an authorization code lives; 10 minutes, the
	// longest RFC 6749 section 4.1.2 recommends, when zero.
	CodeTTL time.Duration
	// AccessTTL is the lifetime of access tokens. Zero: they never expire
	// on their own (ExpireAccessTokens still ends them).
	AccessTTL time.Duration
	// RefreshIdleTTL ends a refresh token that went unused that long
	// (Pipedrive: 60 days). Zero: refresh tokens live until revoked.
	RefreshIdleTTL time.Duration
	// RotateRefresh makes every refresh return a new refresh token and
	// invalidate the old one.
	RotateRefresh bool
	// ReturnRefreshOnRefresh puts the (possibly rotated) refresh token in
	// the answer to a refresh (Salesforce does not).
	ReturnRefreshOnRefresh bool
	// RefreshFor decides from the granted scopes whether a code exchange
	// yields a refresh token (Salesforce only gives one for the
	// refresh_token or offline_access scope). Always, when nil.
	RefreshFor func(scopes []string) bool

	// RequireResponseType refuses an authorization request without
	// response_type=code. HubSpot's and Pipedrive's install URLs carry
	// none, so by default it is optional (and must be "code" when given).
	RequireResponseType bool
	// RequireRedirectURI refuses an authorization or token request
	// without redirect_uri, even for a client with a single registered
	// URI (RFC 6749 lets such a request omit it; the vendors do not).
	RequireRedirectURI bool
	// DefaultChallengeMethod is the PKCE method of a code_challenge sent
	// without code_challenge_method: "plain" per RFC 7636 section 4.3
	// when empty; Salesforce documents only S256.
	DefaultChallengeMethod string
	// DenyError is the error a denied consent redirects with:
	// "access_denied" (RFC 6749 section 4.1.2.1) when empty; Pipedrive
	// sends "user_denied". DenyDescription is its error_description,
	// none when empty.
	DenyError       string
	DenyDescription string

	// Now is the clock (time.Now when nil).
	Now func() time.Time
	// TokenPrefix starts every code and token, so that they look like the
	// vendor's; Format, when set, shapes them instead.
	TokenPrefix string
	// Format makes a token of kind from random, 43 unguessable URL-safe
	// characters, such as Salesforce's "00D...!AQ..." access tokens.
	Format func(kind TokenKind, random string) string
}

// Server is an OAuth 2.0 authorization server (RFC 6749 authorization
// code grant with RFC 7636 PKCE, refresh and RFC 7009 revocation), kept in
// memory. It is safe for concurrent use.
type Server struct {
	opts Options

	mu      sync.Mutex
	clients map[string]Client
	codes   map[string]*authCode
	access  map[string]*accessToken
	refresh map[string]*grant
	grants  map[int64]*grant
	seq     int64
	issued  int // tokens and codes issued since the last sweep
	stats   Stats
}

// A grant is what one consent (one code exchange) gave a client: a
// refresh token, when there is one, and the access tokens issued under it.
type grant struct {
	id          int64
	client      string
	scopes      []string
	user        User
	refresh     string    // "" when none is (any longer) valid
	refreshUsed time.Time // last issued or used, for RefreshIdleTTL
	access      map[string]struct{}
	revoked     bool
}

type accessToken struct {
	g       *grant
	scopes  []string
	issued  time.Time
	expires time.Time // zero: no expiry
}

type authCode struct {
	client        string
	redirect      string // the effective redirect URI
	redirectGiven bool   // whether the request named it (RFC 6749 4.1.3)
	scopes        []string
	challenge     string
	method        string
	user          User
	expires       time.Time
	used          bool
	g             *grant // the grant it was exchanged for
}

// Stats counts what the server did, for tests and for the operators'
// control endpoint.
type Stats struct {
	// Authorizations counts consents given (codes issued); Denials the refused ones.
	Authorizations int64 `json:"authorizations"`
	Denials        int64 `json:"denials"`
	// CodeExchanges counts codes exchanged for tokens; FailedCodeExchanges
	// the authorization_code requests refused.
	CodeExchanges       int64 `json:"code_exchanges"`
	FailedCodeExchanges int64 `json:"failed_code_exchanges"`
	// Refreshes counts access tokens issued for a refresh token;
	// FailedRefreshes the refresh_token requests refused.
	Refreshes       int64 `json:"refreshes"`
	FailedRefreshes int64 `json:"failed_refreshes"`
	// OtherFailures counts token requests refused before their grant type
	// was known or for an unsupported one.
	OtherFailures int64 `json:"other_failures"`
	// Revocations counts grants, refresh and access tokens revoked.
	Revocations int64 `json:"revocations"`
	// ActiveGrants and LiveAccessTokens are the grants and unexpired
	// access tokens held now.
	ActiveGrants     int `json:"active_grants"`
	LiveAccessTokens int `json:"live_access_tokens"`
}

// expiredRetention is how long an expired access token is remembered, so
// that the APIs can tell "expired" from "unknown" (vendors word the two
// differently) without the server growing forever.
const expiredRetention = 24 * time.Hour

// New returns a server with opts' rules and clients.
func New(opts Options) *Server {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.CodeTTL <= 0 {
		opts.CodeTTL = 10 * time.Minute
	}
	if opts.DenyError == "" {
		opts.DenyError = ErrAccessDenied
	}
	if opts.DefaultChallengeMethod == "" {
		opts.DefaultChallengeMethod = MethodPlain
	}
	if opts.User == nil {
		opts.User = func() User { return User{ID: "1", Name: "Sandbox User", Email: "sandbox@example.com"} }
	}
	opts.Scopes = slices.Clone(opts.Scopes)
	opts.DefaultScopes = slices.Clone(opts.DefaultScopes)
	s := &Server{
		opts:    opts,
		clients: map[string]Client{},
		codes:   map[string]*authCode{},
		access:  map[string]*accessToken{},
		refresh: map[string]*grant{},
		grants:  map[int64]*grant{},
	}
	for _, c := range opts.Clients {
		s.RegisterClient(c)
	}
	s.opts.Clients = nil
	return s
}

// RegisterClient adds a client, or replaces the one with the same ID (the
// grants it holds stay valid): `unimesh dev` learns its callback URL only
// once it listens.
func (s *Server) RegisterClient(c Client) {
	c.RedirectURIs = slices.Clone(c.RedirectURIs)
	s.mu.Lock()
	s.clients[c.ID] = c
	s.mu.Unlock()
}

// Client returns a registered client (a vendor signs its answers with the
// client's secret).
func (s *Server) Client(id string) (Client, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.clients[id]
	c.RedirectURIs = slices.Clone(c.RedirectURIs)
	return c, ok
}

// Now is the server's clock.
func (s *Server) Now() time.Time { return s.opts.Now() }

// TokenStatus is what Lookup knows of a token.
type TokenStatus int

// The states of a token.
const (
	// TokenUnknown: never issued, revoked, or expired so long ago that it
	// was forgotten.
	TokenUnknown TokenStatus = iota
	// TokenValid: the token may be used.
	TokenValid
	// TokenExpired: the token was issued and has expired (at ExpiresAt).
	TokenExpired
)

func (t TokenStatus) String() string {
	switch t {
	case TokenValid:
		return "valid"
	case TokenExpired:
		return "expired"
	}
	return "unknown"
}

// TokenState describes a token, for an API that checks it or a vendor's
// token-information endpoint.
type TokenState struct {
	Status   TokenStatus
	ClientID string
	Scopes   []string
	User     User
	IssuedAt time.Time
	// ExpiresAt is when the token expires or expired; zero when it has
	// no expiry.
	ExpiresAt time.Time
}

// Valid reports whether the token may be used.
func (t TokenState) Valid() bool { return t.Status == TokenValid }

// Lookup says whether an access token is valid, expired (and since when)
// or unknown. A revoked token is unknown.
func (s *Server) Lookup(accessToken string) TokenState {
	now := s.opts.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.access[accessToken]
	if !ok {
		return TokenState{}
	}
	st := TokenState{Status: TokenValid, ClientID: a.g.client, Scopes: slices.Clone(a.scopes), User: a.g.user,
		IssuedAt: a.issued, ExpiresAt: a.expires}
	if expired(a.expires, now) {
		st.Status = TokenExpired
	}
	return st
}

// LookupRefresh describes a refresh token: valid, expired from disuse
// (RefreshIdleTTL) or unknown. IssuedAt is its last use.
func (s *Server) LookupRefresh(refreshToken string) TokenState {
	now := s.opts.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	g, ok := s.refresh[refreshToken]
	if !ok {
		return TokenState{}
	}
	st := TokenState{Status: TokenValid, ClientID: g.client, Scopes: slices.Clone(g.scopes), User: g.user, IssuedAt: g.refreshUsed}
	if s.opts.RefreshIdleTTL > 0 {
		st.ExpiresAt = g.refreshUsed.Add(s.opts.RefreshIdleTTL)
		if expired(st.ExpiresAt, now) {
			st.Status = TokenExpired
		}
	}
	return st
}

func expired(at, now time.Time) bool { return !at.IsZero() && !now.Before(at) }

// Revoke revokes the grant that issued token, a refresh or an access
// token: its refresh token and every access token issued under it stop
// working at once (an app uninstalled, a user's access withdrawn). It
// reports whether the token was known.
func (s *Server) Revoke(token string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	g := s.refresh[token]
	if g == nil {
		if a := s.access[token]; a != nil {
			g = a.g
		}
	}
	if g == nil {
		return false
	}
	s.revokeGrantLocked(g)
	return true
}

// RevokeRefreshToken revokes a refresh token alone: the access tokens
// already issued under it stay valid until they expire, as HubSpot's
// DELETE /oauth/v1/refresh-tokens/{token} documents.
func (s *Server) RevokeRefreshToken(token string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	g := s.refresh[token]
	if g == nil {
		return false
	}
	delete(s.refresh, token)
	g.refresh = ""
	s.stats.Revocations++
	s.dropIfEmptyLocked(g)
	return true
}

// RevokeAccessToken revokes one access token, leaving its grant's refresh
// token usable (RFC 7009 section 2.1, Salesforce's revoke of an access token).
func (s *Server) RevokeAccessToken(token string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.access[token]
	if a == nil {
		return false
	}
	delete(s.access, token)
	delete(a.g.access, token)
	s.stats.Revocations++
	s.dropIfEmptyLocked(a.g)
	return true
}

// RevokeAll revokes every grant, as if every user uninstalled the app, and
// returns how many there were.
func (s *Server) RevokeAll() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, g := range s.grants {
		s.revokeGrantLocked(g)
		n++
	}
	return n
}

// ExpireAccessTokens makes every live access token expire now, so that
// tests and `unimesh dev` can exercise a refresh without waiting, and
// returns how many there were.
func (s *Server) ExpireAccessTokens() int {
	now := s.opts.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, a := range s.access {
		if !expired(a.expires, now) {
			a.expires = now
			n++
		}
	}
	return n
}

// ExpireAccessToken makes one access token expire now; it reports whether
// the token was live.
func (s *Server) ExpireAccessToken(token string) bool {
	now := s.opts.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.access[token]
	if a == nil || expired(a.expires, now) {
		return false
	}
	a.expires = now
	return true
}

// Stats returns the counts so far.
func (s *Server) Stats() Stats {
	now := s.opts.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.stats
	st.ActiveGrants = len(s.grants)
	for _, a := range s.access {
		if !expired(a.expires, now) {
			st.LiveAccessTokens++
		}
	}
	return st
}

func (s *Server) revokeGrantLocked(g *grant) {
	if g.revoked {
		return
	}
	g.revoked = true
	for tok := range g.access {
		delete(s.access, tok)
	}
	g.access = map[string]struct{}{}
	if g.refresh != "" {
		delete(s.refresh, g.refresh)
		g.refresh = ""
	}
	delete(s.grants, g.id)
	s.stats.Revocations++
}

// dropIfEmptyLocked forgets a grant left with no token: nothing can use
// or revoke it any more.
func (s *Server) dropIfEmptyLocked(g *grant) {
	if g.refresh == "" && len(g.access) == 0 {
		g.revoked = true
		delete(s.grants, g.id)
	}
}

// newGrantLocked records what a code exchange grants.
func (s *Server) newGrantLocked(client string, scopes []string, user User, withRefresh bool, now time.Time) *grant {
	s.seq++
	g := &grant{id: s.seq, client: client, scopes: scopes, user: user, refreshUsed: now, access: map[string]struct{}{}}
	if withRefresh {
		g.refresh = s.newTokenLocked(KindRefresh)
		s.refresh[g.refresh] = g
	}
	s.grants[g.id] = g
	return g
}

// issueAccessLocked makes an access token under g.
func (s *Server) issueAccessLocked(g *grant, scopes []string, now time.Time) (string, *accessToken) {
	tok := s.newTokenLocked(KindAccess)
	a := &accessToken{g: g, scopes: scopes, issued: now}
	if s.opts.AccessTTL > 0 {
		a.expires = now.Add(s.opts.AccessTTL)
	}
	s.access[tok] = a
	g.access[tok] = struct{}{}
	return tok, a
}

// sweepEvery is how many issued tokens and codes trigger a sweep of the
// dead ones: often enough to bound memory, rarely enough to cost nothing.
const sweepEvery = 256

// newTokenLocked makes an unguessable token (256 bits from crypto/rand)
// that no live code or token already uses.
func (s *Server) newTokenLocked(kind TokenKind) string {
	s.issued++
	if s.issued >= sweepEvery {
		s.issued = 0
		s.sweepLocked(s.opts.Now())
	}
	for {
		var b [32]byte
		// crypto/rand.Read never fails on the platforms Go supports (it
		// panics rather than return short, since Go 1.24).
		_, _ = rand.Read(b[:])
		random := base64.RawURLEncoding.EncodeToString(b[:])
		var tok string
		if s.opts.Format != nil {
			tok = s.opts.Format(kind, random)
		} else {
			tok = s.opts.TokenPrefix + map[TokenKind]string{KindCode: "c_", KindAccess: "at_", KindRefresh: "rt_"}[kind] + random
		}
		_, c := s.codes[tok]
		_, a := s.access[tok]
		_, r := s.refresh[tok]
		if !c && !a && !r {
			return tok
		}
	}
}

// sweepLocked forgets codes past their lifetime (twice over, so that a
// late replay of a used code is still caught for a while) and access
// tokens expired longer than expiredRetention ago.
func (s *Server) sweepLocked(now time.Time) {
	for c, ac := range s.codes {
		if now.Sub(ac.expires) > s.opts.CodeTTL {
			delete(s.codes, c)
		}
	}
	for tok, a := range s.access {
		if !a.expires.IsZero() && now.Sub(a.expires) > expiredRetention {
			delete(s.access, tok)
			delete(a.g.access, tok)
			s.dropIfEmptyLocked(a.g)
		}
	}
}
