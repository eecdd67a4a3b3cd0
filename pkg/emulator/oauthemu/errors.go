package oauthemu

import (
	"net/http"

	"github.com/unimesh/unimesh/pkg/emulator"
)

// RFC 6749 error codes (sections 4.1.2.1 and 5.2).
const (
	ErrInvalidRequest          = "invalid_request"
	ErrInvalidClient           = "invalid_client"
	ErrInvalidGrant            = "invalid_grant"
	ErrUnauthorizedClient      = "unauthorized_client"
	ErrUnsupportedGrantType    = "unsupported_grant_type"
	ErrUnsupportedResponseType = "unsupported_response_type"
	ErrInvalidScope            = "invalid_scope"
	ErrAccessDenied            = "access_denied"
)

// Reason says precisely why a request failed, finer than the RFC error
// code: vendors word the same invalid_grant differently for an expired code
// and for a revoked refresh token, and each emulator picks its vendor's
// words from the Reason.
type Reason string

// The reasons a token request fails.
const (
	ReasonContentType      Reason = "content_type"       // the body is not application/x-www-form-urlencoded
	ReasonMalformed        Reason = "malformed"          // the body does not parse, or repeats a parameter
	ReasonMissingGrantType Reason = "missing_grant_type" // no grant_type
	ReasonUnsupportedGrant Reason = "unsupported_grant"  // a grant_type other than authorization_code and refresh_token
	ReasonNoClientAuth     Reason = "no_client_auth"     // neither HTTP Basic nor client_id/client_secret
	ReasonMultipleAuth     Reason = "multiple_auth"      // HTTP Basic and a client_secret in the body
	ReasonUnknownClient    Reason = "unknown_client"     // a client_id the server does not know
	ReasonBadSecret        Reason = "bad_secret"         // the client's secret is wrong
	ReasonMissingCode      Reason = "missing_code"       // authorization_code without code
	ReasonUnknownCode      Reason = "unknown_code"       // a code the server never issued
	ReasonCodeExpired      Reason = "code_expired"       // a code past its lifetime
	ReasonCodeReused       Reason = "code_reused"        // a code already exchanged (its tokens are revoked)
	ReasonCodeClient       Reason = "code_client"        // a code issued to another client
	ReasonRedirectMissing  Reason = "redirect_missing"   // no redirect_uri where one is required
	ReasonRedirectMismatch Reason = "redirect_mismatch"  // redirect_uri differs from the authorization request's
	ReasonPKCEMissing      Reason = "pkce_missing"       // the code has a challenge and no code_verifier came
	ReasonPKCEUnexpected   Reason = "pkce_unexpected"    // a code_verifier came for a code without a challenge
	ReasonPKCEMismatch     Reason = "pkce_mismatch"      // the code_verifier does not match the challenge
	ReasonMissingRefresh   Reason = "missing_refresh"    // refresh_token grant without refresh_token
	ReasonUnknownRefresh   Reason = "unknown_refresh"    // unknown, revoked, rotated away or another client's
	ReasonRefreshExpired   Reason = "refresh_expired"    // unused for longer than Options.RefreshIdleTTL
	ReasonInvalidScope     Reason = "invalid_scope"      // a refresh asks for more than the grant holds
)

// Error is an RFC 6749 error answer, kept vendor-neutral: each emulator
// renders it in its vendor's own body shape and status, from Code or
// Reason. Status is what RFC 6749 section 5.2 prescribes.
type Error struct {
	// Code is the RFC 6749 error code, such as "invalid_grant".
	Code string
	// Description is a human-readable explanation (error_description).
	Description string
	// Status is the HTTP status RFC 6749 gives the error: 401 for
	// invalid_client, 400 otherwise.
	Status int
	// Reason is why, more precisely than Code.
	Reason Reason
}

func (e *Error) Error() string { return e.Code + ": " + e.Description }

func newError(code string, reason Reason, desc string) *Error {
	status := http.StatusBadRequest
	if code == ErrInvalidClient {
		status = http.StatusUnauthorized
	}
	return &Error{Code: code, Description: desc, Status: status, Reason: reason}
}

// WriteError writes e as RFC 6749 section 5.2 prescribes: a JSON body
// {"error", "error_description"} with e.Status, never cached, and a
// WWW-Authenticate challenge on 401.
func WriteError(w http.ResponseWriter, e *Error) {
	NoStore(w)
	if e.Status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Basic realm="oauth"`)
	}
	emulator.WriteJSON(w, e.Status, map[string]string{"error": e.Code, "error_description": e.Description})
}

// NoStore marks an answer that carries tokens or token errors as not to be
// cached (RFC 6749 section 5.1).
func NoStore(w http.ResponseWriter) {
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Pragma", "no-cache")
}
