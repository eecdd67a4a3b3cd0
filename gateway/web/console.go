package web

import (
	"context"
	"crypto/subtle"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/unimesh/unimesh/pkg/apierr"
	meshv1 "github.com/unimesh/unimesh/proto/unimesh/mesh/v1"
	platformv1 "github.com/unimesh/unimesh/proto/unimesh/platform/v1"
)

// consoleCookie holds the console session token. SameSite=Strict: no
// other site ever needs to send it, and forms also carry a CSRF token.
const consoleCookie = "um_console"

// session is the operator's console session on one request.
type session struct {
	token string
	info  *meshv1.ConsoleSession
	form  url.Values // the post's form, read and CSRF-checked
}

// consoleView is what the console's layout shows of the session.
type consoleView struct {
	ProjectName string
	CSRF        string
	APIKeyID    string
}

func (sess *session) view() *consoleView {
	return &consoleView{ProjectName: or(sess.info.GetProjectName(), sess.info.GetProjectId()), CSRF: sess.info.GetCsrfToken(),
		APIKeyID: sess.info.GetApiKeyId()}
}

// ctx authenticates platform calls as the operator: connect takes the
// console token like the admin key that logged in.
func (sess *session) ctx(r *http.Request) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithTimeout(r.Context(), rpcTimeout)
	return metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+sess.token), cancel
}

func (s *server) setConsoleCookie(w http.ResponseWriter, value string, maxAge int) {
	http.SetCookie(w, &http.Cookie{Name: consoleCookie, Value: value, Path: "/console", MaxAge: maxAge,
		HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteStrictMode})
}

func (s *server) toLogin(w http.ResponseWriter, r *http.Request) {
	s.setConsoleCookie(w, "", -1)
	http.Redirect(w, r, "/console/login", http.StatusSeeOther)
}

// sessionEnded reports errors that mean the console session is no more.
func sessionEnded(err error) bool {
	switch status.Code(err) {
	case codes.Unauthenticated, codes.InvalidArgument, codes.NotFound:
		return true
	}
	return false
}

// console wraps a handler that needs a logged-in operator. Posts must come
// from the console's own origin and carry the session's CSRF token.
func (s *server) console(h func(http.ResponseWriter, *http.Request, *session)) http.HandlerFunc {
	return s.consolePage(func(w http.ResponseWriter, r *http.Request) {
		c, err := r.Cookie(consoleCookie)
		if err != nil || c.Value == "" {
			s.toLogin(w, r)
			return
		}
		ctx, cancel := s.rpcContext(r)
		info, err := s.pages.GetConsoleSession(ctx, &meshv1.GetConsoleSessionRequest{Token: c.Value})
		cancel()
		if sessionEnded(err) {
			s.toLogin(w, r)
			return
		}
		if err != nil {
			s.consoleError(w, r, nil, s.classify(r.Context(), "GetConsoleSession", err))
			return
		}
		sess := &session{token: c.Value, info: info}
		if r.Method == http.MethodPost {
			if !s.sameOrigin(r) {
				s.consoleError(w, r, sess, failure{Status: http.StatusForbidden, Title: "This form came from another site",
					Detail: "The console only takes forms posted from its own pages.", Reason: reasonOrigin})
				return
			}
			values, ok := readForm(w, r)
			got := values.Get("csrf")
			if !ok || got == "" || subtle.ConstantTimeCompare([]byte(got), []byte(info.GetCsrfToken())) != 1 {
				s.consoleError(w, r, sess, failure{Status: http.StatusForbidden, Title: "This form has expired",
					Detail: "Reload the page and try again.", Reason: reasonCSRF})
				return
			}
			sess.form = values
		}
		h(w, r, sess)
	})
}

// consoleError renders an error page of the console; a platform call
// refused for an ended session goes to the login page instead.
func (s *server) consoleError(w http.ResponseWriter, r *http.Request, sess *session, f failure) {
	v := view{Kind: "console", Title: f.Title, Status: "error", Reason: f.Reason, Data: errorView{failure: f}}
	if sess != nil {
		v.Console = sess.view()
	}
	s.render(w, r, f.Status, "error", v)
}

// callFailed handles a failed platform call of a console page.
func (s *server) callFailed(w http.ResponseWriter, r *http.Request, sess *session, what string, err error) {
	if status.Code(err) == codes.Unauthenticated {
		s.toLogin(w, r)
		return
	}
	s.consoleError(w, r, sess, s.classify(r.Context(), what, err))
}

func (s *server) consolePageView(sess *session, nav, title string, data any) view {
	return view{Kind: "console", Title: title, Console: sess.view(), Nav: nav, Data: data}
}

// flashes are the confirmations a redirect asks a page to show; a fixed
// set, so that a crafted link cannot put words on the page.
var flashes = map[string]string{
	"disabled": "The connection is disabled: calls on it are refused until it is enabled again.",
	"enabled":  "The connection is enabled again.",
	"deleted":  "The connection was deleted.",
	"revoked":  "The API key was revoked.",
}

// --- login ---------------------------------------------------------------------

type loginView struct {
	Error  string
	Reason string
}

func (s *server) loginForm(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, "console_login", view{Kind: "console", Title: "Log in", Data: loginView{}})
}

func (s *server) loginFailed(w http.ResponseWriter, r *http.Request, status int, msg, reason string) {
	s.render(w, r, status, "console_login", view{Kind: "console", Title: "Log in", Status: "error", Reason: reason,
		Data: loginView{Error: msg, Reason: reason}})
}

func (s *server) login(w http.ResponseWriter, r *http.Request) {
	// No session yet, so no CSRF token: the Origin check keeps another
	// site from logging a browser into a console of its choosing.
	if !s.sameOrigin(r) {
		s.loginFailed(w, r, http.StatusForbidden, "This form came from another site. Open the console's login page and log in there.", reasonOrigin)
		return
	}
	values, ok := readForm(w, r)
	if !ok {
		s.loginFailed(w, r, http.StatusBadRequest, "The form could not be read. Try again.", apierr.ReasonInvalidArgument)
		return
	}
	key := strings.TrimSpace(values.Get("api_key"))
	if key == "" {
		s.loginFailed(w, r, http.StatusBadRequest, "Enter an API key with the admin scope.", reasonMissingFields)
		return
	}
	ctx, cancel := s.rpcContext(r)
	defer cancel()
	cs, err := s.pages.CreateConsoleSession(ctx, &meshv1.CreateConsoleSessionRequest{ApiKey: key})
	switch status.Code(err) {
	case codes.OK:
	case codes.Unauthenticated:
		s.loginFailed(w, r, http.StatusUnauthorized, "This API key is not valid. Check that you pasted the whole key.", apierr.Reason(err))
		return
	case codes.PermissionDenied:
		s.loginFailed(w, r, http.StatusForbidden, "This API key lacks the admin scope: the console needs an admin key.", apierr.Reason(err))
		return
	case codes.InvalidArgument:
		s.loginFailed(w, r, http.StatusBadRequest, "This is not an API key. Check that you pasted the whole key.", apierr.Reason(err))
		return
	default:
		f := s.classify(ctx, "CreateConsoleSession", err)
		s.loginFailed(w, r, f.Status, f.Title+". "+f.Detail, f.Reason)
		return
	}
	maxAge := int(cs.GetExpireTime().AsTime().Sub(s.now()).Seconds())
	if maxAge <= 0 {
		maxAge = 1
	}
	s.setConsoleCookie(w, cs.GetToken(), maxAge)
	http.Redirect(w, r, "/console/", http.StatusSeeOther)
}

func (s *server) logout(w http.ResponseWriter, r *http.Request, sess *session) {
	ctx, cancel := s.rpcContext(r)
	defer cancel()
	if _, err := s.pages.DeleteConsoleSession(ctx, &meshv1.DeleteConsoleSessionRequest{Token: sess.token}); err != nil {
		// The cookie still goes: a browser that logged out must not stay
		// logged in; but the operator must learn the token lives on.
		s.setConsoleCookie(w, "", -1)
		f := s.classify(ctx, "DeleteConsoleSession", err)
		f.Title = "You were logged out of this browser, but the session could not be ended everywhere"
		s.consoleError(w, r, nil, f)
		return
	}
	s.toLogin(w, r)
}

func (s *server) consoleNotFound(w http.ResponseWriter, r *http.Request) {
	s.consoleError(w, r, nil, failure{Status: http.StatusNotFound, Title: "Page not found",
		Detail: "There is no console page at this address.", Reason: reasonPageNotFound})
}

// --- connections -----------------------------------------------------------------

// catalog maps slugs to integrations, for names and logos; a failure
// leaves it empty and the pages show slugs.
func (s *server) catalog(ctx context.Context) map[string]*platformv1.Integration {
	out := map[string]*platformv1.Integration{}
	resp, err := s.ints.ListIntegrations(ctx, &platformv1.ListIntegrationsRequest{})
	if err != nil {
		s.logger.WarnContext(ctx, "web: list integrations", "error", err.Error())
		return out
	}
	for _, in := range resp.GetIntegrations() {
		out[in.GetSlug()] = in
	}
	return out
}

type connRow struct {
	ID, Href, Slug, IntegrationName, Logo, DisplayName string
	Status, StatusLabel                                string
	EndUserID, EndUserName                             string
	LastUsed                                           *timestamppb.Timestamp
	LastError                                          string
}

type connectionsView struct {
	Rows  []connRow
	Next  string
	First bool
}

func statusName(st platformv1.ConnectionStatus) string {
	if st == platformv1.ConnectionStatus_CONNECTION_STATUS_UNSPECIFIED {
		return "UNKNOWN"
	}
	return strings.TrimPrefix(st.String(), "CONNECTION_STATUS_")
}

func statusLabel(st platformv1.ConnectionStatus) string {
	switch st {
	case platformv1.ConnectionStatus_CONNECTION_STATUS_ACTIVE:
		return "Active"
	case platformv1.ConnectionStatus_CONNECTION_STATUS_NEEDS_REAUTH:
		return "Needs re-auth"
	case platformv1.ConnectionStatus_CONNECTION_STATUS_DISABLED:
		return "Disabled"
	}
	return "Unknown"
}

func (s *server) connectionsList(w http.ResponseWriter, r *http.Request, sess *session) {
	ctx, cancel := sess.ctx(r)
	defer cancel()
	pageToken := r.URL.Query().Get("page_token")
	resp, err := s.conns.ListConnections(ctx, &platformv1.ListConnectionsRequest{PageSize: 50, PageToken: pageToken})
	if err != nil {
		s.callFailed(w, r, sess, "ListConnections", err)
		return
	}
	cat := s.catalog(ctx)
	v := connectionsView{First: pageToken != ""}
	for _, c := range resp.GetConnections() {
		name := c.GetIntegration()
		if in, ok := cat[name]; ok {
			name = in.GetName()
		}
		v.Rows = append(v.Rows, connRow{ID: c.GetId(), Href: "/console/connections/" + url.PathEscape(c.GetId()), Slug: c.GetIntegration(),
			IntegrationName: name, Logo: s.logoURL(c.GetIntegration()), DisplayName: c.GetDisplayName(),
			Status: statusName(c.GetStatus()), StatusLabel: statusLabel(c.GetStatus()),
			EndUserID: c.GetEndUser().GetOriginId(), EndUserName: c.GetEndUser().GetName(),
			LastUsed: c.GetLastUsedTime(), LastError: c.GetStatusDetail()})
	}
	if t := resp.GetNextPageToken(); t != "" {
		v.Next = "/console/?" + url.Values{"page_token": {t}}.Encode()
	}
	pv := s.consolePageView(sess, "connections", "Connections", v)
	pv.Flash = flashes[r.URL.Query().Get("done")]
	s.render(w, r, http.StatusOK, "console_connections", pv)
}

type kv struct{ Key, Value string }

type connectionView struct {
	C               *platformv1.Connection
	IntegrationName string
	Logo            string
	Status          string
	StatusLabel     string
	AuthType        string
	Config          []kv
	Requests        []*platformv1.RequestLogEntry
	RequestsError   string
	// ReconnectURL is a new re-connect link, shown once.
	ReconnectURL    string
	ReconnectExpire *timestamppb.Timestamp
	Disabled        bool
}

// connectionData reads what the connection page shows.
func (s *server) connectionData(ctx context.Context, id string) (connectionView, error) {
	c, err := s.conns.GetConnection(ctx, &platformv1.GetConnectionRequest{Id: id})
	if err != nil {
		return connectionView{}, err
	}
	v := connectionView{C: c, IntegrationName: c.GetIntegration(), Logo: s.logoURL(c.GetIntegration()),
		Status: statusName(c.GetStatus()), StatusLabel: statusLabel(c.GetStatus()), AuthType: authLabel(c.GetAuthType()),
		Disabled: c.GetStatus() == platformv1.ConnectionStatus_CONNECTION_STATUS_DISABLED}
	if in, err := s.ints.GetIntegration(ctx, &platformv1.GetIntegrationRequest{Slug: c.GetIntegration()}); err == nil {
		v.IntegrationName = in.GetName()
	}
	for k, val := range c.GetConfig() {
		v.Config = append(v.Config, kv{k, val})
	}
	sort.Slice(v.Config, func(i, j int) bool { return v.Config[i].Key < v.Config[j].Key })
	reqs, err := s.conns.ListConnectionRequests(ctx, &platformv1.ListConnectionRequestsRequest{Connection: id, PageSize: 50})
	if err != nil {
		// The details are still worth showing without the log.
		v.RequestsError = s.classify(ctx, "ListConnectionRequests", err).Title
	} else {
		v.Requests = reqs.GetRequests()
	}
	return v, nil
}

func (s *server) connectionPage(w http.ResponseWriter, r *http.Request, sess *session) {
	ctx, cancel := sess.ctx(r)
	defer cancel()
	v, err := s.connectionData(ctx, r.PathValue("id"))
	if err != nil {
		s.callFailed(w, r, sess, "GetConnection", err)
		return
	}
	pv := s.consolePageView(sess, "connections", or(v.C.GetDisplayName(), v.C.GetId()), v)
	pv.Flash = flashes[r.URL.Query().Get("done")]
	s.render(w, r, http.StatusOK, "console_connection", pv)
}

// renderConnection shows the connection page after an action, with its
// error or its one-time link.
func (s *server) renderConnection(w http.ResponseWriter, r *http.Request, sess *session, status int, b *banner, edit func(*connectionView)) {
	ctx, cancel := sess.ctx(r)
	defer cancel()
	v, err := s.connectionData(ctx, r.PathValue("id"))
	if err != nil {
		s.callFailed(w, r, sess, "GetConnection", err)
		return
	}
	if edit != nil {
		edit(&v)
	}
	pv := s.consolePageView(sess, "connections", or(v.C.GetDisplayName(), v.C.GetId()), v)
	pv.Error = b
	s.render(w, r, status, "console_connection", pv)
}

func (s *server) actionFailed(w http.ResponseWriter, r *http.Request, sess *session, what string, err error) {
	if status.Code(err) == codes.Unauthenticated {
		s.toLogin(w, r)
		return
	}
	f := s.classify(r.Context(), what, err)
	if f.Status == http.StatusNotFound {
		s.consoleError(w, r, sess, f)
		return
	}
	s.renderConnection(w, r, sess, f.Status, &banner{Message: f.Detail, Reason: f.Reason}, nil)
}

func (s *server) connectionStatus(w http.ResponseWriter, r *http.Request, sess *session) {
	id := r.PathValue("id")
	var st platformv1.ConnectionStatus
	done := ""
	switch sess.form.Get("status") {
	case "DISABLED":
		st, done = platformv1.ConnectionStatus_CONNECTION_STATUS_DISABLED, "disabled"
	case "ACTIVE":
		st, done = platformv1.ConnectionStatus_CONNECTION_STATUS_ACTIVE, "enabled"
	default:
		s.renderConnection(w, r, sess, http.StatusBadRequest, &banner{Message: "Choose Disable or Enable.", Reason: apierr.ReasonInvalidArgument}, nil)
		return
	}
	ctx, cancel := sess.ctx(r)
	defer cancel()
	_, err := s.conns.UpdateConnection(ctx, &platformv1.UpdateConnectionRequest{
		Connection: &platformv1.Connection{Id: id, Status: st}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"status"}},
	})
	if err != nil {
		s.actionFailed(w, r, sess, "UpdateConnection", err)
		return
	}
	http.Redirect(w, r, "/console/connections/"+url.PathEscape(id)+"?done="+done, http.StatusSeeOther)
}

func (s *server) connectionDelete(w http.ResponseWriter, r *http.Request, sess *session) {
	if sess.form.Get("confirm") != "yes" {
		s.renderConnection(w, r, sess, http.StatusBadRequest,
			&banner{Message: "Tick the box to confirm that the connection and its credentials are to be deleted.", Reason: reasonMissingFields}, nil)
		return
	}
	ctx, cancel := sess.ctx(r)
	defer cancel()
	if _, err := s.conns.DeleteConnection(ctx, &platformv1.DeleteConnectionRequest{Id: r.PathValue("id")}); err != nil {
		s.actionFailed(w, r, sess, "DeleteConnection", err)
		return
	}
	http.Redirect(w, r, "/console/?done=deleted", http.StatusSeeOther)
}

func (s *server) connectionReconnect(w http.ResponseWriter, r *http.Request, sess *session) {
	ctx, cancel := sess.ctx(r)
	defer cancel()
	id := r.PathValue("id")
	c, err := s.conns.GetConnection(ctx, &platformv1.GetConnectionRequest{Id: id})
	if err != nil {
		s.callFailed(w, r, sess, "GetConnection", err)
		return
	}
	// A re-connect link must name the connection's own end user; one
	// made without an end user gets the console as its origin id.
	eu := &platformv1.EndUser{OriginId: "console"}
	if c.GetEndUser().GetOriginId() != "" {
		eu = &platformv1.EndUser{OriginId: c.GetEndUser().GetOriginId(), Name: c.GetEndUser().GetName(), Email: c.GetEndUser().GetEmail()}
	}
	cs, err := s.sessions.CreateConnectSession(ctx, &platformv1.CreateConnectSessionRequest{ConnectSession: &platformv1.ConnectSession{
		EndUser: eu, ReconnectConnectionId: id,
	}})
	if err != nil {
		s.actionFailed(w, r, sess, "CreateConnectSession", err)
		return
	}
	s.renderConnection(w, r, sess, http.StatusOK, nil, func(v *connectionView) {
		v.ReconnectURL, v.ReconnectExpire = cs.GetUrl(), cs.GetExpireTime()
	})
}

// --- integrations ------------------------------------------------------------------

type objectRow struct {
	Object, Category string
	Operations       []string
	Custom           []string
}

type integrationRow struct {
	Slug, Name, Logo, DocsURL string
	Categories, AuthTypes     []string
	Sandbox                   bool
	Objects                   []objectRow
}

func (s *server) integrationsPage(w http.ResponseWriter, r *http.Request, sess *session) {
	ctx, cancel := sess.ctx(r)
	defer cancel()
	resp, err := s.ints.ListIntegrations(ctx, &platformv1.ListIntegrationsRequest{})
	if err != nil {
		s.callFailed(w, r, sess, "ListIntegrations", err)
		return
	}
	var rows []integrationRow
	for _, in := range resp.GetIntegrations() {
		row := integrationRow{Slug: in.GetSlug(), Name: in.GetName(), Logo: s.logoURL(in.GetSlug()), DocsURL: in.GetDocsUrl(), Sandbox: in.GetSandbox()}
		for _, c := range in.GetCategories() {
			row.Categories = append(row.Categories, categoryLabel(c))
		}
		for _, a := range in.GetAuthTypes() {
			row.AuthTypes = append(row.AuthTypes, authLabel(a))
		}
		for _, o := range in.GetObjects() {
			obj := objectRow{Object: o.GetObject(), Category: categoryLabel(o.GetCategory()), Custom: o.GetCustomMethods()}
			for _, op := range o.GetOperations() {
				obj.Operations = append(obj.Operations, strings.ToLower(strings.TrimPrefix(op.String(), "OPERATION_")))
			}
			row.Objects = append(row.Objects, obj)
		}
		rows = append(rows, row)
	}
	s.render(w, r, http.StatusOK, "console_integrations", s.consolePageView(sess, "integrations", "Integrations", rows))
}

func categoryLabel(c platformv1.Category) string {
	switch c {
	case platformv1.Category_CATEGORY_CRM:
		return "CRM"
	case platformv1.Category_CATEGORY_TICKETING:
		return "Ticketing"
	case platformv1.Category_CATEGORY_HRIS:
		return "HRIS"
	case platformv1.Category_CATEGORY_ACCOUNTING:
		return "Accounting"
	case platformv1.Category_CATEGORY_ATS:
		return "ATS"
	}
	return "Other"
}

func authLabel(a platformv1.AuthType) string {
	switch a {
	case platformv1.AuthType_AUTH_TYPE_OAUTH2:
		return "OAuth 2.0"
	case platformv1.AuthType_AUTH_TYPE_API_KEY:
		return "API key"
	case platformv1.AuthType_AUTH_TYPE_BASIC:
		return "Basic"
	}
	return "—"
}

// --- API keys ----------------------------------------------------------------------

type keyRow struct {
	ID, Prefix, Name string
	Scopes           []string
	Created          *timestamppb.Timestamp
	LastUsed         *timestamppb.Timestamp
	Current          bool
}

type keysView struct {
	Keys []keyRow
	// The create form, again after an error.
	Name       string
	Scopes     map[string]bool
	NameError  string
	ScopeError string
}

var scopeNames = map[string]platformv1.Scope{
	"read": platformv1.Scope_SCOPE_READ, "write": platformv1.Scope_SCOPE_WRITE, "admin": platformv1.Scope_SCOPE_ADMIN,
}

func scopeLabel(sc platformv1.Scope) string {
	return strings.ToLower(strings.TrimPrefix(sc.String(), "SCOPE_"))
}

func (s *server) renderKeys(w http.ResponseWriter, r *http.Request, sess *session, status int, v keysView, b *banner) {
	ctx, cancel := sess.ctx(r)
	defer cancel()
	resp, err := s.projects.ListApiKeys(ctx, &platformv1.ListApiKeysRequest{PageSize: 200})
	if err != nil {
		s.callFailed(w, r, sess, "ListApiKeys", err)
		return
	}
	for _, k := range resp.GetApiKeys() {
		row := keyRow{ID: k.GetId(), Prefix: k.GetPrefix(), Name: k.GetDisplayName(), Created: k.GetCreateTime(),
			LastUsed: k.GetLastUsedTime(), Current: k.GetId() == sess.info.GetApiKeyId()}
		for _, sc := range k.GetScopes() {
			row.Scopes = append(row.Scopes, scopeLabel(sc))
		}
		v.Keys = append(v.Keys, row)
	}
	if v.Scopes == nil {
		v.Scopes = map[string]bool{"read": true}
	}
	pv := s.consolePageView(sess, "keys", "API keys", v)
	pv.Error = b
	pv.Flash = flashes[r.URL.Query().Get("done")]
	s.render(w, r, status, "console_keys", pv)
}

func (s *server) keysPage(w http.ResponseWriter, r *http.Request, sess *session) {
	s.renderKeys(w, r, sess, http.StatusOK, keysView{}, nil)
}

type keyCreatedView struct {
	Key    *platformv1.ApiKey
	Scopes []string
	Secret string
}

func (s *server) keyCreate(w http.ResponseWriter, r *http.Request, sess *session) {
	v := keysView{Name: strings.TrimSpace(sess.form.Get("name")), Scopes: map[string]bool{}}
	var scopes []platformv1.Scope
	for _, name := range sess.form["scope"] {
		if sc, ok := scopeNames[name]; ok && !v.Scopes[name] {
			v.Scopes[name] = true
			scopes = append(scopes, sc)
		}
	}
	slices.Sort(scopes)
	if v.Name == "" {
		v.NameError = "Enter a name, to tell the key apart from the others."
	}
	if len(scopes) == 0 {
		v.ScopeError = "Pick at least one scope."
	}
	if v.NameError != "" || v.ScopeError != "" {
		s.renderKeys(w, r, sess, http.StatusBadRequest, v, &banner{Message: "Fill in the fields marked below.", Reason: reasonMissingFields})
		return
	}
	ctx, cancel := sess.ctx(r)
	defer cancel()
	resp, err := s.projects.CreateApiKey(ctx, &platformv1.CreateApiKeyRequest{ApiKey: &platformv1.ApiKey{DisplayName: v.Name, Scopes: scopes}})
	if err != nil {
		if status.Code(err) == codes.Unauthenticated {
			s.toLogin(w, r)
			return
		}
		f := s.classify(ctx, "CreateApiKey", err)
		for _, fv := range apierr.Violations(err) {
			switch {
			case strings.Contains(fv.Field, "display_name"):
				v.NameError = fv.Description
			case strings.Contains(fv.Field, "scopes"):
				v.ScopeError = fv.Description
			}
		}
		s.renderKeys(w, r, sess, f.Status, v, &banner{Message: f.Detail, Reason: f.Reason})
		return
	}
	kv := keyCreatedView{Key: resp.GetApiKey(), Secret: resp.GetKey()}
	for _, sc := range resp.GetApiKey().GetScopes() {
		kv.Scopes = append(kv.Scopes, scopeLabel(sc))
	}
	s.render(w, r, http.StatusOK, "console_key_created", s.consolePageView(sess, "keys", "API key created", kv))
}

func (s *server) keyRevoke(w http.ResponseWriter, r *http.Request, sess *session) {
	id := r.PathValue("id")
	if id == sess.info.GetApiKeyId() {
		s.renderKeys(w, r, sess, http.StatusBadRequest, keysView{}, &banner{
			Message: "You are logged in with this key: revoking it would end this session. Log in with another admin key to revoke it.",
			Reason:  "API_KEY_IN_USE"})
		return
	}
	ctx, cancel := sess.ctx(r)
	defer cancel()
	if _, err := s.projects.DeleteApiKey(ctx, &platformv1.DeleteApiKeyRequest{Id: id}); err != nil {
		if status.Code(err) == codes.Unauthenticated {
			s.toLogin(w, r)
			return
		}
		f := s.classify(ctx, "DeleteApiKey", err)
		s.renderKeys(w, r, sess, f.Status, keysView{}, &banner{Message: f.Detail, Reason: f.Reason})
		return
	}
	http.Redirect(w, r, "/console/keys?done=revoked", http.StatusSeeOther)
}
