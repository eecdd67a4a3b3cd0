package oauthemu

import (
	"net/http"
	"strings"

	"github.com/unimesh/unimesh/pkg/emulator"
)

// TokenHandler is a plain RFC 6749 token endpoint: Exchange, answered as
// section 5.1 shows ({access_token, token_type, expires_in, refresh_token,
// scope}) and section 5.2 for errors. Vendor emulators render Exchange
// their own way; this one serves vendors that follow the RFC to the letter.
func (s *Server) TokenHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			WriteError(w, &Error{Code: ErrInvalidRequest, Description: "the token endpoint takes POST", Status: http.StatusMethodNotAllowed, Reason: ReasonMalformed})
			return
		}
		iss, err := s.Exchange(r)
		if err != nil {
			WriteError(w, err)
			return
		}
		body := map[string]any{"access_token": iss.AccessToken, "token_type": "Bearer"}
		if iss.ExpiresIn > 0 {
			body["expires_in"] = int64(iss.ExpiresIn.Seconds())
		}
		if iss.RefreshToken != "" {
			body["refresh_token"] = iss.RefreshToken
		}
		if len(iss.Scopes) > 0 {
			sep := s.opts.ScopeSeparator
			if sep == "" {
				sep = " "
			}
			body["scope"] = strings.Join(iss.Scopes, sep)
		}
		NoStore(w)
		emulator.WriteJSON(w, http.StatusOK, body)
	})
}

// RevokeHandler is an RFC 7009 revocation endpoint: the client
// authenticates as at the token endpoint and posts token (and optionally
// token_type_hint). A refresh token takes its grant's access tokens along;
// an access token goes alone. Unknown tokens and other clients' tokens
// answer 200 too, as section 2.2 requires.
func (s *Server) RevokeHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			WriteError(w, &Error{Code: ErrInvalidRequest, Description: "the revocation endpoint takes POST", Status: http.StatusMethodNotAllowed, Reason: ReasonMalformed})
			return
		}
		form, err := readForm(r)
		if err != nil {
			WriteError(w, err)
			return
		}
		c, err := s.authenticate(r, form)
		if err != nil {
			WriteError(w, err)
			return
		}
		tok := form.Get("token")
		if tok == "" {
			WriteError(w, newError(ErrInvalidRequest, ReasonMalformed, "token is required"))
			return
		}
		switch {
		case s.LookupRefresh(tok).ClientID == c.ID:
			s.Revoke(tok)
		case s.Lookup(tok).ClientID == c.ID:
			s.RevokeAccessToken(tok)
		}
		NoStore(w)
		w.WriteHeader(http.StatusOK)
	})
}

// ControlPrefix is where each vendor emulator mounts ControlHandler.
const ControlPrefix = "/_emulator/oauth/"

// ControlHandler serves the operators' controls under ControlPrefix. They
// belong to the emulator, not to any vendor's API, and need no
// credentials:
//
//	POST /_emulator/oauth/expire  every live access token expires now → {"expired": n}
//	POST /_emulator/oauth/revoke  every grant is revoked               → {"revoked": n}
//	GET  /_emulator/oauth/stats   the counts of Stats
func (s *Server) ControlHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST "+ControlPrefix+"expire", func(w http.ResponseWriter, r *http.Request) {
		emulator.WriteJSON(w, http.StatusOK, map[string]int{"expired": s.ExpireAccessTokens()})
	})
	mux.HandleFunc("POST "+ControlPrefix+"revoke", func(w http.ResponseWriter, r *http.Request) {
		emulator.WriteJSON(w, http.StatusOK, map[string]int{"revoked": s.RevokeAll()})
	})
	mux.HandleFunc("GET "+ControlPrefix+"stats", func(w http.ResponseWriter, r *http.Request) {
		emulator.WriteJSON(w, http.StatusOK, s.Stats())
	})
	mux.HandleFunc(ControlPrefix, func(w http.ResponseWriter, r *http.Request) {
		emulator.WriteJSON(w, http.StatusNotFound, map[string]string{"error": "no such emulator control: " + r.Method + " " + r.URL.Path})
	})
	return mux
}
