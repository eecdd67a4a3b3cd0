package hubspotemu

import (
	"crypto/sha256"
	"encoding/hex"
	"hash/fnv"
	"net/http"
	"strconv"
	"time"

	"github.com/unimesh/unimesh/pkg/emulator"
	"github.com/unimesh/unimesh/pkg/emulator/oauthemu"
)

// HubSpot's OAuth rules, from "OAuth quickstart guide"
// (developers.hubspot.com/docs/api/oauth-quickstart-guide) and "Manage
// tokens" (developers.hubspot.com/docs/api/oauth/tokens, the OAuth v1
// reference).
const (
	// OAuthAccessTTL: access tokens answer expires_in 1800.
	OAuthAccessTTL = 30 * time.Minute
	// HubDomain is the emulated account's domain in token information.
	HubDomain = "northwind-demo.hubspot.com"
)

// OAuthScopes are the scopes the emulator knows: HubSpot's CRM scopes and
// a few common others.
var OAuthScopes = []string{"oauth", "crm.objects.contacts.read", "crm.objects.contacts.write",
	"crm.objects.companies.read", "crm.objects.companies.write", "crm.objects.deals.read", "crm.objects.deals.write",
	"crm.objects.leads.read", "crm.objects.leads.write", "crm.objects.owners.read", "crm.objects.users.read",
	"crm.schemas.contacts.read", "crm.schemas.companies.read", "crm.schemas.deals.read",
	"crm.objects.custom.read", "crm.objects.custom.write", "crm.lists.read", "crm.lists.write",
	"sales-email-read", "tickets", "e-commerce", "content", "forms", "automation", "settings.users.read",
	"account-info.security.read"}

// newOAuth builds the authorization server of app.hubspot.com and
// api.hubapi.com/oauth/v1.
func (e *Emulator) newOAuth(opts Options) *oauthemu.Server {
	return oauthemu.New(oauthemu.Options{
		Clients:       opts.OAuthClients,
		Vendor:        "HubSpot",
		User:          e.oauthUser,
		Scopes:        OAuthScopes,
		DefaultScopes: []string{"oauth"},
		// The install URL's scope is space-separated.
		ScopeSeparator: " ",
		AccessTTL:      OAuthAccessTTL,
		// Refresh tokens neither rotate nor expire; a refresh answers
		// the same one.
		ReturnRefreshOnRefresh: true,
		RequireRedirectURI:     true,
		Now:                    opts.Now,
		Format: func(kind oauthemu.TokenKind, random string) string {
			switch kind {
			case oauthemu.KindAccess:
				return "CN" + random
			case oauthemu.KindRefresh:
				// "na1-" and a UUID, as HubSpot's refresh tokens read.
				sum := sha256.Sum256([]byte(random))
				h := hex.EncodeToString(sum[:16])
				return "na1-" + h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
			}
			return random
		},
	})
}

// oauthUser is who installs the app: the account's first owner, its admin.
func (e *Emulator) oauthUser() oauthemu.User {
	if owners := e.owners.All(); len(owners) > 0 {
		o := owners[0]
		return oauthemu.User{ID: strconv.FormatInt(o.UserID, 10), Name: o.FirstName + " " + o.LastName, Email: o.Email}
	}
	return oauthemu.User{ID: "1", Name: "Sandbox Admin", Email: "admin@sandbox.example"}
}

// oauthRoutes mounts the OAuth endpoints and the emulator's controls
// beside the API, outside its authentication and rate limits.
func (e *Emulator) oauthRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /oauth/authorize", e.OAuth.ServeAuthorize)
	mux.HandleFunc("POST /oauth/authorize", e.OAuth.ServeAuthorize)
	mux.HandleFunc("POST /oauth/v1/token", e.oauthToken)
	mux.HandleFunc("GET /oauth/v1/access-tokens/{token}", e.accessTokenInfo)
	mux.HandleFunc("GET /oauth/v1/refresh-tokens/{token}", e.refreshTokenInfo)
	mux.HandleFunc("DELETE /oauth/v1/refresh-tokens/{token}", e.deleteRefreshToken)
	mux.Handle(oauthemu.ControlPrefix, e.OAuth.ControlHandler())
}

// tokenAnswer is the answer of POST /oauth/v1/token. hub_id and scopes
// joined it in August 2025 (developer changelog "Additional details
// returned when generating OAuth access tokens").
type tokenAnswer struct {
	TokenType    string   `json:"token_type"`
	RefreshToken string   `json:"refresh_token"`
	AccessToken  string   `json:"access_token"`
	ExpiresIn    int64    `json:"expires_in"`
	HubID        int64    `json:"hub_id"`
	Scopes       []string `json:"scopes"`
}

// oauthError is the OAuth v1 endpoints' error body.
type oauthError struct {
	Status        string `json:"status"`
	Message       string `json:"message"`
	CorrelationID string `json:"correlationId"`
}

func (e *Emulator) writeOAuthError(w http.ResponseWriter, status int, code, msg string) {
	oauthemu.NoStore(w)
	emulator.WriteJSON(w, status, oauthError{Status: code, Message: msg, CorrelationID: e.correlationID()})
}

// oauthToken serves POST /oauth/v1/token: client_id and client_secret in
// the form body (HTTP Basic is accepted too).
func (e *Emulator) oauthToken(w http.ResponseWriter, r *http.Request) {
	iss, err := e.OAuth.Exchange(r)
	if err != nil {
		code, msg := oauthStatus(err)
		e.writeOAuthError(w, http.StatusBadRequest, code, msg)
		return
	}
	oauthemu.NoStore(w)
	emulator.WriteJSON(w, http.StatusOK, tokenAnswer{TokenType: "bearer", RefreshToken: iss.RefreshToken,
		AccessToken: iss.AccessToken, ExpiresIn: int64(iss.ExpiresIn.Seconds()), HubID: PortalID, Scopes: iss.Scopes})
}

// oauthStatus words a token error as HubSpot does. BAD_REFRESH_TOKEN
// "missing or invalid refresh token", BAD_AUTH_CODE and EXPIRED_AUTH_CODE
// are HubSpot's; the other statuses and messages follow their pattern.
func oauthStatus(err *oauthemu.Error) (string, string) {
	switch err.Reason {
	case oauthemu.ReasonMissingRefresh, oauthemu.ReasonUnknownRefresh, oauthemu.ReasonRefreshExpired:
		return "BAD_REFRESH_TOKEN", "missing or invalid refresh token"
	case oauthemu.ReasonMissingCode, oauthemu.ReasonUnknownCode, oauthemu.ReasonCodeReused, oauthemu.ReasonCodeClient:
		return "BAD_AUTH_CODE", "missing or invalid auth code"
	case oauthemu.ReasonCodeExpired:
		return "EXPIRED_AUTH_CODE", "auth code is expired"
	case oauthemu.ReasonPKCEMissing, oauthemu.ReasonPKCEUnexpected, oauthemu.ReasonPKCEMismatch:
		return "BAD_AUTH_CODE", err.Description
	case oauthemu.ReasonNoClientAuth, oauthemu.ReasonUnknownClient, oauthemu.ReasonMultipleAuth:
		return "BAD_CLIENT_ID", "missing or invalid client id"
	case oauthemu.ReasonBadSecret:
		return "BAD_CLIENT_SECRET", "missing or invalid client secret"
	case oauthemu.ReasonRedirectMissing, oauthemu.ReasonRedirectMismatch:
		return "BAD_REDIRECT_URI", "redirect_uri does not match the one of the authorization request"
	case oauthemu.ReasonMissingGrantType, oauthemu.ReasonUnsupportedGrant:
		return "BAD_GRANT_TYPE", "grant_type must be authorization_code or refresh_token"
	case oauthemu.ReasonInvalidScope:
		return "BAD_SCOPE", err.Description
	}
	return "BAD_REQUEST", err.Description
}

// appID is a client's HubSpot app id: a stable number made from its client_id.
func appID(clientID string) int64 {
	h := fnv.New32a()
	_, _ = h.Write([]byte(clientID))
	return int64(h.Sum32()%9_000_000) + 1_000_000
}

// accessTokenInfo serves GET /oauth/v1/access-tokens/{token}: who and what
// a live access token is for. Unknown and expired tokens answer 404 (a
// guess: HubSpot documents only the success).
func (e *Emulator) accessTokenInfo(w http.ResponseWriter, r *http.Request) {
	tok := r.PathValue("token")
	st := e.OAuth.Lookup(tok)
	if !st.Valid() {
		e.writeOAuthError(w, http.StatusNotFound, "NOT_FOUND", "access token not found or expired")
		return
	}
	userID, _ := strconv.ParseInt(st.User.ID, 10, 64)
	expiresIn := int64(0)
	if !st.ExpiresAt.IsZero() {
		expiresIn = int64(st.ExpiresAt.Sub(e.OAuth.Now()).Seconds())
	}
	oauthemu.NoStore(w)
	emulator.WriteJSON(w, http.StatusOK, map[string]any{"token": tok, "user": st.User.Email, "hub_domain": HubDomain,
		"scopes": st.Scopes, "hub_id": PortalID, "app_id": appID(st.ClientID), "expires_in": expiresIn,
		"user_id": userID, "token_type": "access", "is_private_distribution": false})
}

// refreshTokenInfo serves GET /oauth/v1/refresh-tokens/{token}.
func (e *Emulator) refreshTokenInfo(w http.ResponseWriter, r *http.Request) {
	tok := r.PathValue("token")
	st := e.OAuth.LookupRefresh(tok)
	if !st.Valid() {
		e.writeOAuthError(w, http.StatusNotFound, "NOT_FOUND", "refresh token not found")
		return
	}
	userID, _ := strconv.ParseInt(st.User.ID, 10, 64)
	oauthemu.NoStore(w)
	emulator.WriteJSON(w, http.StatusOK, map[string]any{"token": tok, "user": st.User.Email, "hub_domain": HubDomain,
		"scopes": st.Scopes, "hub_id": PortalID, "client_id": st.ClientID, "user_id": userID, "token_type": "refresh"})
}

// deleteRefreshToken serves DELETE /oauth/v1/refresh-tokens/{token}: "This
// will only delete the refresh token. Access tokens generated with the
// refresh token will not be affected."
func (e *Emulator) deleteRefreshToken(w http.ResponseWriter, r *http.Request) {
	if !e.OAuth.RevokeRefreshToken(r.PathValue("token")) {
		e.writeOAuthError(w, http.StatusNotFound, "NOT_FOUND", "refresh token not found")
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
