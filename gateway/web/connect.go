package web

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"

	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/unimesh/unimesh/pkg/apierr"
	meshv1 "github.com/unimesh/unimesh/proto/unimesh/mesh/v1"
	platformv1 "github.com/unimesh/unimesh/proto/unimesh/platform/v1"
)

// bindingCookie carries StartOAuth's browser binding to the callback, so
// that connect refuses a callback opened in another browser. SameSite=Lax:
// it must come back on the provider's top-level redirect.
const (
	bindingCookie = "um_oauth_binding"
	callbackPath  = "/oauth/callback"
	bindingMaxAge = 600 // connect's OAuth states live 10 minutes
)

var (
	// tokenRE is the shape of a link's secret: anything else is not a link
	// connect made, and is not worth a call.
	tokenRE = regexp.MustCompile(`^[A-Za-z0-9_-]{1,128}$`)
	slugRE  = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)
)

func errLinkNotValid() error {
	return apierr.NotFound(apierr.ReasonConnectSessionNotFound, "this connect link is not valid")
}

func (s *server) rpcContext(r *http.Request) (context.Context, context.CancelFunc) {
	return context.WithTimeout(r.Context(), rpcTimeout)
}

func (s *server) openSession(ctx context.Context, token string) (*meshv1.ConnectPage, error) {
	if !tokenRE.MatchString(token) {
		return nil, errLinkNotValid()
	}
	return s.pages.OpenConnectSession(ctx, &meshv1.OpenConnectSessionRequest{Token: token})
}

// openIntegration opens the session and finds one integration it offers.
func (s *server) openIntegration(ctx context.Context, token, slug string) (*meshv1.ConnectPage, *meshv1.PageIntegration, error) {
	page, err := s.openSession(ctx, token)
	if err != nil {
		return nil, nil, err
	}
	if slugRE.MatchString(slug) {
		for _, in := range page.GetIntegrations() {
			if in.GetSlug() == slug {
				return page, in, nil
			}
		}
	}
	return page, nil, apierr.NotFound(apierr.ReasonIntegrationNotOffered, "this link does not offer that app")
}

func linkBase(token string) string { return "/connect/" + token }

func hasAuth(in *meshv1.PageIntegration, a platformv1.AuthType) bool {
	return slices.Contains(in.GetAuthTypes(), a)
}

// connectError renders the error page of the connect pages, which also
// tells an opener or parent window how connecting ended.
func (s *server) connectError(w http.ResponseWriter, r *http.Request, f failure, project, back string) {
	s.render(w, r, f.Status, "error", view{
		Kind: "connect", Title: f.Title, Status: "error", Reason: f.Reason, Project: project,
		Result: &result{Message: map[string]string{"type": "unimesh:connect", "status": "error", "reason": f.Reason}, Origin: "*"},
		Data:   errorView{failure: f, Back: back},
	})
}

type errorView struct {
	failure
	Back string
}

// --- the list of integrations ----------------------------------------------

type indexItem struct {
	Slug, Name, Href, Logo string
	Sandbox                bool
}

type indexView struct {
	Project   string
	EndUser   string
	Reconnect bool
	Items     []indexItem
	Expires   *timestamppb.Timestamp
}

func (s *server) connectIndex(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := s.rpcContext(r)
	defer cancel()
	token := r.PathValue("token")
	page, err := s.openSession(ctx, token)
	if err != nil {
		s.connectError(w, r, s.connectFailure(ctx, "OpenConnectSession", err), "", "")
		return
	}
	v := indexView{Project: projectName(page), EndUser: page.GetEndUser().GetName(), Reconnect: page.GetReconnectConnectionId() != "",
		Expires: page.GetExpireTime()}
	for _, in := range page.GetIntegrations() {
		v.Items = append(v.Items, indexItem{Slug: in.GetSlug(), Name: in.GetName(), Href: linkBase(token) + "/" + in.GetSlug(),
			Logo: s.logoURL(in.GetSlug()), Sandbox: in.GetSandbox()})
	}
	title := "Connect an account"
	if v.Reconnect {
		title = "Reconnect your account"
	}
	s.render(w, r, http.StatusOK, "connect_index", view{Title: title, Project: v.Project, Data: v})
}

func projectName(p *meshv1.ConnectPage) string {
	if n := p.GetProjectName(); n != "" {
		return n
	}
	return "This app"
}

// --- one integration's forms -------------------------------------------------

// field is one input of a form. Secrets never get a Value.
type field struct {
	ID, Name, Label, Type, Help, Error, Value, Autocomplete string
	Required                                                bool
}

// DescribedBy is the ids of the field's help and error texts, for
// aria-describedby.
func (f field) DescribedBy() string {
	var ids []string
	if f.Help != "" {
		ids = append(ids, f.ID+"-help")
	}
	if f.Error != "" {
		ids = append(ids, f.ID+"-error")
	}
	return strings.Join(ids, " ")
}

type form struct {
	Action string
	Fields []field
}

type integrationView struct {
	Project string
	Name    string
	Slug    string
	Logo    string
	Sandbox bool
	// Back links to the list when the link offers more than this one.
	Back        string
	OAuth       *form
	Credentials *form
	// Basic says the credentials form asks for a username and password.
	Basic bool
}

// formState is what a re-rendered form shows again: the values typed in
// (never secrets) and the errors by field name.
type formState struct {
	which  string // "oauth" or "credentials"
	values map[string]string
	errors map[string]string
}

func (st formState) of(which string) formState {
	if st.which != which {
		return formState{}
	}
	return st
}

func (s *server) integrationView(token string, page *meshv1.ConnectPage, in *meshv1.PageIntegration, st formState) integrationView {
	base := linkBase(token) + "/" + in.GetSlug()
	v := integrationView{Project: projectName(page), Name: in.GetName(), Slug: in.GetSlug(), Logo: s.logoURL(in.GetSlug()), Sandbox: in.GetSandbox()}
	if len(page.GetIntegrations()) > 1 {
		v.Back = linkBase(token)
	}
	help := map[string]string{}
	for _, c := range in.GetConfigFields() {
		help[c.GetKey()] = c.GetDescription()
	}
	if hasAuth(in, platformv1.AuthType_AUTH_TYPE_OAUTH2) {
		fs := st.of("oauth")
		f := &form{Action: base + "/oauth"}
		for _, k := range in.GetOauthConfigKeys() {
			name := "config." + k
			f.Fields = append(f.Fields, field{ID: "oauth-config-" + k, Name: name, Label: k, Type: "text", Help: help[k],
				Required: true, Value: fs.values[name], Error: fs.errors[name], Autocomplete: "off"})
		}
		v.OAuth = f
	}
	apiKey, basic := hasAuth(in, platformv1.AuthType_AUTH_TYPE_API_KEY), hasAuth(in, platformv1.AuthType_AUTH_TYPE_BASIC)
	if apiKey || basic {
		fs := st.of("credentials")
		f := &form{Action: base + "/credentials"}
		if apiKey {
			f.Fields = append(f.Fields, field{ID: "api_key", Name: "api_key", Label: or(in.GetApiKeyLabel(), "API key"), Type: "password",
				Required: true, Error: fs.errors["api_key"], Autocomplete: "off"})
		} else {
			v.Basic = true
			f.Fields = append(f.Fields,
				field{ID: "username", Name: "username", Label: or(in.GetUsernameLabel(), "Username"), Type: "text",
					Required: true, Value: fs.values["username"], Error: fs.errors["username"], Autocomplete: "off"},
				field{ID: "password", Name: "password", Label: "Password", Type: "password",
					Required: true, Error: fs.errors["password"], Autocomplete: "off"})
		}
		for _, c := range in.GetConfigFields() {
			name := "config." + c.GetKey()
			f.Fields = append(f.Fields, field{ID: "config-" + c.GetKey(), Name: name, Label: c.GetKey(), Type: "text", Help: c.GetDescription(),
				Required: c.GetRequired(), Value: fs.values[name], Error: fs.errors[name], Autocomplete: "off"})
		}
		v.Credentials = f
	}
	return v
}

func or(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// oauthFormAction is the form-action of a page with an OAuth form.
// Browsers apply form-action to the redirects that follow a form post
// (w3c/webappsec-csp#8), so 'self' alone would block the 303 to the
// provider's authorization page. That page's origin is not known before
// the post (it can depend on config, like a ServiceNow instance), so any
// web origin is allowed; html/template keeps injected forms out anyway.
func (s *server) oauthFormAction() string {
	if s.secure {
		return "'self' https:"
	}
	// A plain-http deployment is a dev or test one, whose provider
	// emulators are plain http too.
	return "'self' https: http:"
}

func (s *server) renderIntegration(w http.ResponseWriter, r *http.Request, status int, v integrationView, b *banner) {
	if v.OAuth != nil {
		w.Header().Set("Content-Security-Policy", csp(kindConnect, nonceOf(r), s.oauthFormAction()))
	}
	s.render(w, r, status, "connect_integration", view{Title: "Connect " + v.Name, Project: v.Project, Error: b, Data: v})
}

func (s *server) connectIntegration(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := s.rpcContext(r)
	defer cancel()
	token, slug := r.PathValue("token"), r.PathValue("slug")
	page, in, err := s.openIntegration(ctx, token, slug)
	if err != nil {
		s.integrationError(w, r, ctx, err, page, token)
		return
	}
	s.renderIntegration(w, r, http.StatusOK, s.integrationView(token, page, in, formState{}), nil)
}

// integrationError shows why an integration's page cannot be shown.
func (s *server) integrationError(w http.ResponseWriter, r *http.Request, ctx context.Context, err error, page *meshv1.ConnectPage, token string) {
	f := s.connectFailure(ctx, "OpenConnectSession", err)
	back, project := "", ""
	if page != nil {
		back, project = linkBase(token), projectName(page)
	}
	s.connectError(w, r, f, project, back)
}

func readForm(w http.ResponseWriter, r *http.Request) (url.Values, bool) {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		return nil, false
	}
	return r.PostForm, true
}

func (s *server) badForm(w http.ResponseWriter, r *http.Request) {
	s.connectError(w, r, failure{Status: http.StatusBadRequest, Title: "The form could not be read",
		Detail: "Go back and try again.", Reason: apierr.ReasonInvalidArgument}, "", "")
}

// violationField maps a field of connect's error to the form input it is
// about: "credentials.api_key.key" → "api_key", "connection.config.region"
// and `config["region"]` → "config.region".
func violationField(f string, basic bool) string {
	f = strings.TrimPrefix(f, "connection.")
	switch {
	case f == "credentials":
		if basic {
			return "password"
		}
		return "api_key"
	case strings.HasPrefix(f, "credentials.api_key"):
		return "api_key"
	case f == "credentials.basic.username":
		return "username"
	case strings.HasPrefix(f, "credentials.basic"):
		return "password"
	case strings.HasPrefix(f, "config."):
		return f
	case strings.HasPrefix(f, `config["`):
		key, _, _ := strings.Cut(strings.TrimPrefix(f, `config["`), `"`)
		return "config." + key
	}
	return ""
}

// failed re-renders an integration's page after connect refused a form,
// with its message above the forms and each violation next to its field.
func (s *server) failed(w http.ResponseWriter, r *http.Request, ctx context.Context, what string, err error,
	token string, page *meshv1.ConnectPage, in *meshv1.PageIntegration, st formState,
) {
	f := s.connectFailure(ctx, what, err)
	if sessionGone(f.Reason) {
		s.connectError(w, r, f, projectName(page), "")
		return
	}
	basic := !hasAuth(in, platformv1.AuthType_AUTH_TYPE_API_KEY)
	for _, v := range apierr.Violations(err) {
		if name := violationField(v.Field, basic); name != "" && st.errors[name] == "" {
			st.errors[name] = v.Description
		}
	}
	msg := f.Detail
	if f.Status >= 500 {
		msg = f.Title + ". " + f.Detail
	}
	s.renderIntegration(w, r, f.Status, s.integrationView(token, page, in, st), &banner{Message: msg, Reason: f.Reason})
}

// missing re-renders a form whose required fields were left empty,
// without a call to connect.
func (s *server) missing(w http.ResponseWriter, r *http.Request, token string, page *meshv1.ConnectPage, in *meshv1.PageIntegration, st formState) {
	s.renderIntegration(w, r, http.StatusBadRequest, s.integrationView(token, page, in, st),
		&banner{Message: "Fill in the fields marked below.", Reason: reasonMissingFields})
}

func (s *server) connectStartOAuth(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := s.rpcContext(r)
	defer cancel()
	token, slug := r.PathValue("token"), r.PathValue("slug")
	values, ok := readForm(w, r)
	if !ok {
		s.badForm(w, r)
		return
	}
	page, in, err := s.openIntegration(ctx, token, slug)
	if err != nil {
		s.integrationError(w, r, ctx, err, page, token)
		return
	}
	st := formState{which: "oauth", values: map[string]string{}, errors: map[string]string{}}
	config := map[string]string{}
	for _, k := range in.GetOauthConfigKeys() {
		name := "config." + k
		v := strings.TrimSpace(values.Get(name))
		st.values[name] = v
		if v == "" {
			st.errors[name] = "Enter " + k + "."
			continue
		}
		config[k] = v
	}
	if len(st.errors) > 0 {
		s.missing(w, r, token, page, in, st)
		return
	}
	resp, err := s.pages.StartOAuth(ctx, &meshv1.StartOAuthRequest{Token: token, Integration: slug, Config: config})
	if err != nil {
		s.failed(w, r, ctx, "StartOAuth", err, token, page, in, st)
		return
	}
	target, err := url.Parse(resp.GetAuthorizationUrl())
	if err != nil || (target.Scheme != "https" && target.Scheme != "http") || target.Host == "" {
		s.logger.ErrorContext(ctx, "web: StartOAuth answered an authorization URL that is not http(s)", "integration", slug)
		s.failed(w, r, ctx, "StartOAuth", apierr.Internal("bad authorization URL"), token, page, in, st)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: bindingCookie, Value: resp.GetBrowserBinding(), Path: callbackPath, MaxAge: bindingMaxAge,
		HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteLaxMode})
	http.Redirect(w, r, target.String(), http.StatusSeeOther)
}

func (s *server) connectCredentials(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := s.rpcContext(r)
	defer cancel()
	token, slug := r.PathValue("token"), r.PathValue("slug")
	values, ok := readForm(w, r)
	if !ok {
		s.badForm(w, r)
		return
	}
	page, in, err := s.openIntegration(ctx, token, slug)
	if err != nil {
		s.integrationError(w, r, ctx, err, page, token)
		return
	}
	st := formState{which: "credentials", values: map[string]string{}, errors: map[string]string{}}
	// The form's kind is the integration's, not whatever fields were posted.
	cred := &platformv1.Credentials{}
	switch {
	case hasAuth(in, platformv1.AuthType_AUTH_TYPE_API_KEY):
		key := strings.TrimSpace(values.Get("api_key"))
		if key == "" {
			st.errors["api_key"] = "Enter the " + strings.ToLower(or(in.GetApiKeyLabel(), "API key")) + "."
		}
		cred.Kind = &platformv1.Credentials_ApiKey{ApiKey: &platformv1.ApiKeyCredentials{Key: key}}
	case hasAuth(in, platformv1.AuthType_AUTH_TYPE_BASIC):
		user := strings.TrimSpace(values.Get("username"))
		// A password is taken as typed: spaces may be part of it.
		pass := values.Get("password")
		st.values["username"] = user
		if user == "" {
			st.errors["username"] = "Enter the " + strings.ToLower(or(in.GetUsernameLabel(), "username")) + "."
		}
		if pass == "" {
			st.errors["password"] = "Enter the password."
		}
		cred.Kind = &platformv1.Credentials_Basic{Basic: &platformv1.BasicCredentials{Username: user, Password: pass}}
	default:
		s.renderIntegration(w, r, http.StatusBadRequest, s.integrationView(token, page, in, formState{}),
			&banner{Message: in.GetName() + " does not connect with typed-in credentials.", Reason: apierr.ReasonCredentialsMismatch})
		return
	}
	config := map[string]string{}
	for _, c := range in.GetConfigFields() {
		name := "config." + c.GetKey()
		v := strings.TrimSpace(values.Get(name))
		st.values[name] = v
		switch {
		case v != "":
			config[c.GetKey()] = v
		case c.GetRequired():
			st.errors[name] = "Enter " + c.GetKey() + "."
		}
	}
	if len(st.errors) > 0 {
		s.missing(w, r, token, page, in, st)
		return
	}
	res, err := s.pages.SubmitCredentials(ctx, &meshv1.SubmitCredentialsRequest{Token: token, Integration: slug, Credentials: cred, Config: config})
	if err != nil {
		s.failed(w, r, ctx, "SubmitCredentials", err, token, page, in, st)
		return
	}
	s.success(w, r, res, projectName(page))
}

// --- the OAuth callback ------------------------------------------------------

func (s *server) oauthCallback(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := s.rpcContext(r)
	defer cancel()
	q := r.URL.Query()
	binding := ""
	if c, err := r.Cookie(bindingCookie); err == nil {
		binding = c.Value
	}
	// The binding serves one callback, whatever its outcome.
	http.SetCookie(w, &http.Cookie{Name: bindingCookie, Value: "", Path: callbackPath, MaxAge: -1,
		HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteLaxMode})
	extras := map[string]string{}
	for k, vs := range q {
		switch k {
		case "code", "state", "error", "error_description":
			continue
		}
		if len(extras) < 32 && len(vs) > 0 {
			extras[k] = vs[0]
		}
	}
	res, err := s.pages.CompleteOAuth(ctx, &meshv1.CompleteOAuthRequest{
		State: q.Get("state"), Code: q.Get("code"), Error: q.Get("error"), ErrorDescription: q.Get("error_description"),
		BrowserBinding: binding, Extras: extras,
	})
	if err != nil {
		s.connectError(w, r, s.connectFailure(ctx, "CompleteOAuth", err), "", "")
		return
	}
	s.success(w, r, res, "")
}

// --- success -----------------------------------------------------------------

type successView struct {
	Name, Slug, Logo, ConnectionID string
	Reconnected                    bool
	Continue                       string
}

// success shows that connecting worked, sends the end user on to the
// project's return URL, and tells an opener or parent window.
func (s *server) success(w http.ResponseWriter, r *http.Request, res *meshv1.ConnectResult, project string) {
	v := successView{Name: or(res.GetIntegrationName(), res.GetIntegration()), Slug: res.GetIntegration(), Logo: s.logoURL(res.GetIntegration()),
		ConnectionID: res.GetConnectionId(), Reconnected: res.GetReconnected()}
	origin := "*"
	if u, err := url.Parse(res.GetReturnUrl()); err == nil && res.GetReturnUrl() != "" && (u.Scheme == "https" || u.Scheme == "http") && u.Host != "" {
		origin = u.Scheme + "://" + u.Host
		v.Continue = withResult(u, res.GetConnectionId())
	}
	s.render(w, r, http.StatusOK, "connect_success", view{
		Title: v.Name + " is connected", Status: "success", ConnectionID: v.ConnectionID, Project: project,
		Result: &result{Message: map[string]string{"type": "unimesh:connect", "status": "success", "connectionId": v.ConnectionID,
			"integration": v.Slug}, Origin: origin, Close: true},
		Data: v,
	})
}

// withResult appends connection_id and status to a return URL, keeping
// its own query exactly as the project wrote it.
func withResult(u *url.URL, connectionID string) string {
	c := *u
	add := url.Values{"connection_id": {connectionID}, "status": {"success"}}.Encode()
	if c.RawQuery != "" {
		c.RawQuery += "&" + add
	} else {
		c.RawQuery = add
	}
	return c.String()
}

func (s *server) connectNotFound(w http.ResponseWriter, r *http.Request) {
	s.connectError(w, r, failure{Status: http.StatusNotFound, Title: "This link is not valid",
		Detail: "Check that you opened the whole link, or ask whoever sent it for a new one.", Reason: apierr.ReasonConnectSessionNotFound}, "", "")
}
