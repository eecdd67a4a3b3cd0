package pipedriveemu

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/unimesh/unimesh/pkg/emulator"
	"github.com/unimesh/unimesh/pkg/emulator/oauthemu"
)

// Pipedrive's OAuth rules, from "OAuth authorization" and "OAuth status
// codes" (pipedrive.readme.io/docs/marketplace-oauth-authorization,
// .../marketplace-oauth-and-api-proxy-status-codes).
const (
	// OAuthAccessTTL is an access token's life; the token answer says
	// expires_in 3599.
	OAuthAccessTTL = 3599 * time.Second
	// OAuthCodeTTL: "More than 5 minutes passed after issue of provided
	// authorization_code and it became invalid".
	OAuthCodeTTL = 5 * time.Minute
	// OAuthRefreshIdleTTL: a refresh token expires when unused for 60
	// days; each use resets the count.
	OAuthRefreshIdleTTL = 60 * 24 * time.Hour
	// DefaultCompanyDomain is the company of the sandbox user, the dev
	// connection's company_domain.
	DefaultCompanyDomain = "sandbox"
	// oauthCompanyID is the emulated company's id, which Pipedrive's
	// refresh tokens start with.
	oauthCompanyID = 13452001
)

// OAuthScopes are the scopes a Pipedrive app can be registered with. The
// app's registration fixes them: the authorization request has no scope
// parameter.
var OAuthScopes = []string{"base", "deals:read", "deals:full", "mail:read", "mail:full", "activities:read",
	"activities:full", "contacts:read", "contacts:full", "products:read", "products:full", "projects:read",
	"projects:full", "users:read", "recents:read", "search:read", "admin", "leads:read", "leads:full",
	"phone-integration", "goals:read", "goals:full", "video-calls", "messengers-integration",
	"webhooks:read", "webhooks:full"}

// defaultAppScopes are what the emulated app is registered with: enough
// for everything the emulator serves.
var defaultAppScopes = []string{"base", "deals:full", "activities:full", "contacts:full", "leads:full", "users:read"}

// newOAuth builds Pipedrive's authorization server.
func (e *Emulator) newOAuth(opts Options) *oauthemu.Server {
	// Known before the server runs: Format runs under the server's lock,
	// where the store must not be entered.
	adminID := e.me()
	return oauthemu.New(oauthemu.Options{
		Clients:                opts.OAuthClients,
		Vendor:                 "Pipedrive",
		User:                   e.oauthUser,
		Scopes:                 OAuthScopes,
		DefaultScopes:          defaultAppScopes,
		ScopeSeparator:         "", // fixed by the app's registration
		CodeTTL:                OAuthCodeTTL,
		AccessTTL:              OAuthAccessTTL,
		RefreshIdleTTL:         OAuthRefreshIdleTTL,
		ReturnRefreshOnRefresh: true,
		RequireRedirectURI:     true,
		DenyError:              "user_denied",
		Now:                    opts.Now,
		Format: func(kind oauthemu.TokenKind, random string) string {
			switch kind {
			case oauthemu.KindAccess:
				return "v1u:" + random
			case oauthemu.KindRefresh:
				return fmt.Sprintf("%d:%d:%s", oauthCompanyID, adminID, random)
			}
			return random
		},
	})
}

// oauthUser is who consents: the company's admin, whose token the
// emulator's API calls act as.
func (e *Emulator) oauthUser() oauthemu.User {
	id := e.me()
	u, _, ok := e.Users.Get(strconv.FormatInt(id, 10))
	if !ok {
		return oauthemu.User{ID: "1", Name: "Sandbox Admin", Email: "admin@sandbox.example"}
	}
	return oauthemu.User{ID: strconv.FormatInt(id, 10), Name: u.Name, Email: u.Email}
}

// oauthRoutes mounts what oauth.pipedrive.com serves, and the emulator's
// controls, beside the API.
func (e *Emulator) oauthRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /oauth/authorize", e.OAuth.ServeAuthorize)
	mux.HandleFunc("POST /oauth/authorize", e.OAuth.ServeAuthorize)
	// The reference writes the path with and without the final slash.
	mux.HandleFunc("POST /oauth/token", e.oauthToken)
	mux.HandleFunc("POST /oauth/token/", e.oauthToken)
	mux.Handle(oauthemu.ControlPrefix, e.OAuth.ControlHandler())
}

// tokenAnswer is the answer of POST /oauth/token, for a code and for a refresh.
type tokenAnswer struct {
	AccessToken  string `json:"access_token"`
	TokenType    string `json:"token_type"`
	RefreshToken string `json:"refresh_token"`
	Scope        string `json:"scope"`
	ExpiresIn    int64  `json:"expires_in"`
	APIDomain    string `json:"api_domain"`
}

// oauthErrorBody is the emulator's rendering of a token error. Pipedrive
// documents the messages and statuses, not the body: the shape is a guess.
type oauthErrorBody struct {
	Success bool   `json:"success"`
	Message string `json:"message"`
	Error   string `json:"error"`
}

// oauthToken serves POST /oauth/token (client authentication by HTTP
// Basic, as Pipedrive asks; the body's client_id and client_secret are
// accepted too).
func (e *Emulator) oauthToken(w http.ResponseWriter, r *http.Request) {
	iss, err := e.OAuth.Exchange(r)
	oauthemu.NoStore(w)
	if err != nil {
		code := err.Code
		if err.Reason == oauthemu.ReasonRedirectMismatch {
			// Pipedrive words it as an invalid request, not a bad grant.
			code = oauthemu.ErrInvalidRequest
		}
		emulator.WriteJSON(w, err.Status, oauthErrorBody{Message: oauthMessage(err), Error: code})
		return
	}
	emulator.WriteJSON(w, http.StatusOK, tokenAnswer{AccessToken: iss.AccessToken, TokenType: "Bearer",
		RefreshToken: iss.RefreshToken, Scope: strings.Join(iss.Scopes, ","), ExpiresIn: int64(iss.ExpiresIn.Seconds()),
		APIDomain: "https://" + e.companyDomain + ".pipedrive.com"})
}

// oauthMessage words an error as "OAuth status codes" lists it.
func oauthMessage(err *oauthemu.Error) string {
	switch err.Reason {
	case oauthemu.ReasonMissingGrantType:
		return "Missing parameter: grant_type"
	case oauthemu.ReasonUnsupportedGrant:
		return "Unsupported grant type: grant_type is invalid"
	case oauthemu.ReasonMissingCode, oauthemu.ReasonUnknownCode, oauthemu.ReasonCodeReused, oauthemu.ReasonCodeClient:
		return "Invalid grant: authorization_code is invalid"
	case oauthemu.ReasonCodeExpired:
		return "Invalid grant: authorization_code has expired"
	case oauthemu.ReasonMissingRefresh, oauthemu.ReasonUnknownRefresh, oauthemu.ReasonRefreshExpired:
		return "Invalid grant: refresh_token is invalid"
	case oauthemu.ReasonNoClientAuth, oauthemu.ReasonMultipleAuth:
		return "Invalid client: cannot retrieve client credentials"
	case oauthemu.ReasonUnknownClient, oauthemu.ReasonBadSecret:
		return "Invalid client: client is invalid"
	case oauthemu.ReasonRedirectMissing:
		return "Invalid request: redirect_uri is not a valid URI"
	case oauthemu.ReasonRedirectMismatch:
		return "Invalid request: redirect_uri is invalid"
	case oauthemu.ReasonContentType:
		return "Invalid request: content must be application/x-www-form-urlencoded"
	case oauthemu.ReasonPKCEMissing, oauthemu.ReasonPKCEUnexpected, oauthemu.ReasonPKCEMismatch:
		// Not in Pipedrive's list: worded like its neighbours.
		return "Invalid grant: code_verifier is invalid"
	}
	return "Invalid request: " + err.Description
}
