package salesforceemu

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/unimesh/unimesh/pkg/emulator/oauthemu"
)

// Salesforce's OAuth rules, from the Salesforce Help pages "OAuth 2.0 Web
// Server Flow for Web App Integration", "OAuth 2.0 Refresh Token Flow for
// Renewed Sessions", "Revoke OAuth Tokens" and "OAuth Tokens and Scopes".
const (
	// DefaultInstanceURL is the org's My Domain, the token answer's
	// instance_url (the dev connection's instance_url).
	DefaultInstanceURL = "https://sandbox.my.salesforce.com"
	// DefaultOAuthAccessTTL is the default session timeout: access tokens
	// carry no expiry, yet die with the session.
	DefaultOAuthAccessTTL = 2 * time.Hour
	// OAuthCodeTTL: "The authorization code expires after 15 minutes."
	OAuthCodeTTL = 15 * time.Minute
	// identityHost serves the identity URLs (the token answer's id).
	identityHost = "https://login.salesforce.com"
)

// OAuthScopes are the connected-app scopes the emulator knows.
var OAuthScopes = []string{"api", "chatter_api", "custom_permissions", "id", "profile", "email", "address", "phone",
	"openid", "refresh_token", "offline_access", "full", "web", "visualforce", "wave_api", "eclair_api",
	"pardot_api", "lightning", "content", "interaction_api", "cdp_query_api", "sfap_api"}

// defaultScopes are what the emulated connected app is set up with, granted
// when the request names none.
var defaultScopes = []string{"api", "id", "refresh_token"}

// newOAuth builds the org's authorization server.
func (e *Emulator) newOAuth(opts Options) *oauthemu.Server {
	ttl := opts.OAuthAccessTTL
	if ttl <= 0 {
		ttl = DefaultOAuthAccessTTL
	}
	// The org's 15-character id starts every access token: "00D...!AQ...".
	org15 := e.org[:15]
	return oauthemu.New(oauthemu.Options{
		Clients: opts.OAuthClients,
		Vendor:  "Salesforce",
		User: func() oauthemu.User {
			u, _, _ := e.Collection("User").Get(e.apiUser)
			return oauthemu.User{ID: e.apiUser, Name: str(u, "Name"), Email: str(u, "Email")}
		},
		Scopes:         OAuthScopes,
		DefaultScopes:  defaultScopes,
		ScopeSeparator: " ",
		CodeTTL:        OAuthCodeTTL,
		AccessTTL:      ttl,
		// A refresh answers no refresh_token; the one held stays good.
		ReturnRefreshOnRefresh: false,
		// "refresh_token, offline_access: Allows a refresh token to be
		// returned"; without either there is none ("full" does not count).
		RefreshFor: func(scopes []string) bool {
			return slices.Contains(scopes, "refresh_token") || slices.Contains(scopes, "offline_access")
		},
		RequireResponseType: true,
		RequireRedirectURI:  true,
		// Salesforce documents code_challenge as the SHA-256 of the verifier.
		DefaultChallengeMethod: oauthemu.MethodS256,
		DenyDescription:        "end-user denied authorization",
		Now:                    opts.Now,
		Format: func(kind oauthemu.TokenKind, random string) string {
			random = strings.ReplaceAll(random, "-", ".")
			switch kind {
			case oauthemu.KindAccess:
				return org15 + "!AQ" + random
			case oauthemu.KindRefresh:
				return "5Aep861" + random
			}
			return "aPrx" + random + "=="
		},
	})
}

// oauthRoutes mounts the OAuth endpoints and the emulator's controls beside
// the REST API, outside its authentication and request allocation.
func (e *Emulator) oauthRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /services/oauth2/authorize", e.OAuth.ServeAuthorize)
	mux.HandleFunc("POST /services/oauth2/authorize", e.OAuth.ServeAuthorize)
	mux.HandleFunc("POST /services/oauth2/token", e.oauthToken)
	mux.HandleFunc("POST /services/oauth2/revoke", e.oauthRevoke)
	mux.HandleFunc("GET /services/oauth2/revoke", e.oauthRevoke)
	mux.Handle(oauthemu.ControlPrefix, e.OAuth.ControlHandler())
}

// tokenAnswer is the answer of POST /services/oauth2/token. It has no
// expires_in: a token lives as long as the session.
type tokenAnswer struct {
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token,omitempty"`
	Signature    string `json:"signature"`
	Scope        string `json:"scope"`
	InstanceURL  string `json:"instance_url"`
	ID           string `json:"id"`
	TokenType    string `json:"token_type"`
	IssuedAt     string `json:"issued_at"`
}

// oauthError is the OAuth endpoints' error body.
type oauthError struct {
	Error       string `json:"error"`
	Description string `json:"error_description"`
}

// oauthToken serves POST /services/oauth2/token.
func (e *Emulator) oauthToken(w http.ResponseWriter, r *http.Request) {
	iss, err := e.OAuth.Exchange(r)
	oauthemu.NoStore(w)
	if err != nil {
		code, desc := oauthErrorOf(err)
		writeRaw(w, http.StatusBadRequest, oauthError{Error: code, Description: desc})
		return
	}
	id := identityHost + "/id/" + e.org + "/" + iss.User.ID
	issuedAt := strconv.FormatInt(iss.IssuedAt.UnixMilli(), 10)
	// "signature: Base64-encoded HMAC-SHA256 signature signed with the
	// client_secret. The signature can include the concatenated ID and
	// issued_at value."
	c, _ := e.OAuth.Client(iss.ClientID)
	mac := hmac.New(sha256.New, []byte(c.Secret))
	mac.Write([]byte(id + issuedAt))
	writeRaw(w, http.StatusOK, tokenAnswer{AccessToken: iss.AccessToken, RefreshToken: iss.RefreshToken,
		Signature: base64.StdEncoding.EncodeToString(mac.Sum(nil)), Scope: strings.Join(iss.Scopes, " "),
		InstanceURL: e.instanceURL, ID: id, TokenType: "Bearer", IssuedAt: issuedAt})
}

// oauthErrorOf words a token error as Salesforce does; every one answers 400.
func oauthErrorOf(err *oauthemu.Error) (string, string) {
	switch err.Reason {
	case oauthemu.ReasonUnknownClient:
		return "invalid_client_id", "client identifier invalid"
	case oauthemu.ReasonNoClientAuth, oauthemu.ReasonBadSecret, oauthemu.ReasonMultipleAuth:
		return "invalid_client", "invalid client credentials"
	case oauthemu.ReasonMissingCode, oauthemu.ReasonUnknownCode, oauthemu.ReasonCodeReused, oauthemu.ReasonCodeClient:
		return "invalid_grant", "invalid authorization code"
	case oauthemu.ReasonCodeExpired:
		return "invalid_grant", "expired authorization code"
	case oauthemu.ReasonRedirectMissing, oauthemu.ReasonRedirectMismatch:
		return "redirect_uri_mismatch", "redirect_uri must match configuration"
	case oauthemu.ReasonPKCEMissing, oauthemu.ReasonPKCEUnexpected, oauthemu.ReasonPKCEMismatch:
		return "invalid_grant", "invalid code verifier"
	case oauthemu.ReasonMissingRefresh, oauthemu.ReasonUnknownRefresh, oauthemu.ReasonRefreshExpired:
		return "invalid_grant", "expired access/refresh token"
	case oauthemu.ReasonMissingGrantType, oauthemu.ReasonUnsupportedGrant:
		return "unsupported_grant_type", "grant type not supported"
	}
	return err.Code, err.Description
}

// oauthRevoke serves /services/oauth2/revoke: POST with token in the form
// body, or the "blind GET" with token in the query. A refresh token takes
// its access tokens along; an access token goes alone. 200 with no body,
// or 400 invalid_token.
func (e *Emulator) oauthRevoke(w http.ResponseWriter, r *http.Request) {
	tok := r.URL.Query().Get("token")
	if r.Method == http.MethodPost {
		r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
		if err := r.ParseForm(); err != nil {
			writeRaw(w, http.StatusBadRequest, oauthError{Error: "invalid_request", Description: "malformed request"})
			return
		}
		tok = r.PostForm.Get("token")
	}
	switch {
	case tok == "":
		writeRaw(w, http.StatusBadRequest, oauthError{Error: "invalid_request", Description: "token is required"})
	case e.OAuth.LookupRefresh(tok).Status != oauthemu.TokenUnknown:
		e.OAuth.Revoke(tok)
		w.WriteHeader(http.StatusOK)
	case e.OAuth.RevokeAccessToken(tok):
		w.WriteHeader(http.StatusOK)
	default:
		writeRaw(w, http.StatusBadRequest, oauthError{Error: "invalid_token", Description: "invalid token"})
	}
}
