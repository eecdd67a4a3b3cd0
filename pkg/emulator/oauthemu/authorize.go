package oauthemu

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// authRequest is a validated authorization request.
type authRequest struct {
	client        Client
	redirect      string // the effective redirect URI
	redirectGiven bool
	scopes        []string
	state         string
	challenge     string
	method        string
	// hidden are the request's own parameters, carried through the
	// consent form unchanged.
	hidden []hiddenField
}

type hiddenField struct{ Name, Value string }

// authParams are the parameters of an authorization request, in the order
// the consent form carries them.
var authParams = []string{"response_type", "client_id", "redirect_uri", "scope", "state", "code_challenge", "code_challenge_method"}

// ServeAuthorize is the authorization endpoint (RFC 6749 section 4.1.1).
// GET validates the request and shows the consent page; POST takes the
// user's decision from that page's form and redirects to the client with
// a code, or with the deny error. A request naming an unknown client or a
// redirect_uri that is not registered gets an error page and no redirect
// (RFC 6749 section 4.1.2.1); other errors go back to the client.
func (s *Server) ServeAuthorize(w http.ResponseWriter, r *http.Request) {
	var params url.Values
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		params = r.URL.Query()
	case http.MethodPost:
		r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
		if err := r.ParseForm(); err != nil {
			s.errorPage(w, http.StatusBadRequest, "The authorization form could not be read.")
			return
		}
		params = r.PostForm
	default:
		w.Header().Set("Allow", "GET, HEAD, POST")
		s.errorPage(w, http.StatusMethodNotAllowed, "This page only answers GET and POST.")
		return
	}
	req, page, redirErr := s.parseAuthorize(params)
	switch {
	case page != "":
		s.errorPage(w, http.StatusBadRequest, page)
		return
	case redirErr != nil:
		redirectTo(w, req.redirect, errorParams(redirErr.Code, redirErr.Description, req.state))
		return
	case r.Method != http.MethodPost:
		s.consentPage(w, r, req)
		return
	}
	switch params.Get("decision") {
	case "allow":
		code := s.issueCode(req)
		q := url.Values{"code": {code}}
		if req.state != "" {
			q.Set("state", req.state)
		}
		redirectTo(w, req.redirect, q)
	case "deny":
		s.mu.Lock()
		s.stats.Denials++
		s.mu.Unlock()
		redirectTo(w, req.redirect, errorParams(s.opts.DenyError, s.opts.DenyDescription, req.state))
	default:
		s.errorPage(w, http.StatusBadRequest, "Choose Allow or Deny.")
	}
}

// parseAuthorize validates an authorization request. page is the message
// of an error to show without redirecting; redirErr one to send back to
// the client's redirect URI.
func (s *Server) parseAuthorize(p url.Values) (req authRequest, page string, redirErr *Error) {
	for _, k := range []string{"client_id", "redirect_uri"} {
		if len(p[k]) > 1 {
			return req, fmt.Sprintf("The request repeats %s.", k), nil
		}
	}
	clientID := p.Get("client_id")
	if clientID == "" {
		return req, "The request names no application (client_id is missing).", nil
	}
	c, ok := s.Client(clientID)
	if !ok {
		return req, "The application asking for access is not registered (unknown client_id).", nil
	}
	req.client = c
	req.redirect, req.redirectGiven = p.Get("redirect_uri"), p.Has("redirect_uri")
	switch {
	case req.redirectGiven && !slices.Contains(c.RedirectURIs, req.redirect):
		return req, "The redirect_uri is not one the application registered.", nil
	case !req.redirectGiven && s.opts.RequireRedirectURI:
		return req, "The request names no redirect_uri.", nil
	case !req.redirectGiven && len(c.RedirectURIs) != 1:
		return req, "The request names no redirect_uri, and the application registered more than one.", nil
	case !req.redirectGiven:
		req.redirect = c.RedirectURIs[0]
	}
	if u, err := url.Parse(req.redirect); err != nil || !u.IsAbs() || u.Fragment != "" {
		return req, "The application's redirect URI is not an absolute URI without a fragment.", nil
	}
	for _, k := range authParams {
		if vs, ok := p[k]; ok {
			req.hidden = append(req.hidden, hiddenField{k, vs[0]})
		}
	}
	// From here on, errors go back to the client, with its state.
	req.state = p.Get("state")
	for k, vs := range p {
		if len(vs) > 1 && slices.Contains(authParams, k) {
			return req, "", newError(ErrInvalidRequest, ReasonMalformed, fmt.Sprintf("parameter %s is repeated", k))
		}
	}
	switch rt := p.Get("response_type"); {
	case rt == "" && s.opts.RequireResponseType:
		return req, "", newError(ErrInvalidRequest, ReasonMalformed, "response_type is required")
	case rt != "" && rt != "code":
		return req, "", newError(ErrUnsupportedResponseType, ReasonMalformed, "only response_type=code is supported")
	}
	scopes, err := s.grantedScopes(p.Get("scope"))
	if err != nil {
		return req, "", err
	}
	req.scopes = scopes
	req.challenge, req.method = p.Get("code_challenge"), p.Get("code_challenge_method")
	switch {
	case req.challenge == "" && req.method != "":
		return req, "", newError(ErrInvalidRequest, ReasonMalformed, "code_challenge_method without code_challenge")
	case req.challenge == "":
	case req.method == "":
		req.method = s.opts.DefaultChallengeMethod
	}
	if req.challenge != "" {
		if req.method != MethodS256 && req.method != MethodPlain {
			return req, "", newError(ErrInvalidRequest, ReasonMalformed, "transform algorithm not supported")
		}
		// An S256 challenge is a base64url SHA-256: 43 characters; a plain
		// one is the verifier itself (RFC 7636 sections 4.1 and 4.2).
		if !validVerifier(req.challenge) || req.method == MethodS256 && len(req.challenge) != 43 {
			return req, "", newError(ErrInvalidRequest, ReasonMalformed, "code_challenge is malformed")
		}
	}
	return req, "", nil
}

// grantedScopes are the scopes a request gets: the ones it names, known to
// the vendor, or the defaults.
func (s *Server) grantedScopes(raw string) ([]string, *Error) {
	if s.opts.ScopeSeparator == "" {
		return slices.Clone(s.opts.DefaultScopes), nil
	}
	asked := s.splitScopes(raw)
	if len(asked) == 0 {
		return slices.Clone(s.opts.DefaultScopes), nil
	}
	for _, sc := range asked {
		if len(s.opts.Scopes) > 0 && !slices.Contains(s.opts.Scopes, sc) {
			return nil, newError(ErrInvalidScope, ReasonInvalidScope, fmt.Sprintf("scope %q is unknown", sc))
		}
	}
	return asked, nil
}

// splitScopes splits a scope parameter, tolerating repeated separators,
// without duplicates.
func (s *Server) splitScopes(raw string) []string {
	var out []string
	for _, sc := range strings.Split(raw, s.opts.ScopeSeparator) {
		if sc = strings.TrimSpace(sc); sc != "" && !slices.Contains(out, sc) {
			out = append(out, sc)
		}
	}
	return out
}

// issueCode records the consent and returns its authorization code.
func (s *Server) issueCode(req authRequest) string {
	user := s.opts.User()
	now := s.opts.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	code := s.newTokenLocked(KindCode)
	s.codes[code] = &authCode{client: req.client.ID, redirect: req.redirect, redirectGiven: req.redirectGiven,
		scopes: req.scopes, challenge: req.challenge, method: req.method, user: user, expires: now.Add(s.opts.CodeTTL)}
	s.stats.Authorizations++
	return code
}

func errorParams(code, desc, state string) url.Values {
	q := url.Values{"error": {code}}
	if desc != "" {
		q.Set("error_description", desc)
	}
	if state != "" {
		q.Set("state", state)
	}
	return q
}

// redirectTo sends the browser to a redirect URI with params added to the
// query it may already have (RFC 6749 section 3.1.2 keeps it).
func redirectTo(w http.ResponseWriter, redirect string, params url.Values) {
	u, err := url.Parse(redirect)
	if err != nil {
		http.Error(w, "invalid redirect URI", http.StatusInternalServerError)
		return
	}
	q := u.Query()
	for k, vs := range params {
		q[k] = vs
	}
	u.RawQuery = q.Encode()
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Location", u.String())
	w.WriteHeader(http.StatusFound)
}
