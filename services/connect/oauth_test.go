package connect

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/unimesh/unimesh/pkg/apierr"
	"github.com/unimesh/unimesh/pkg/auth"
	"github.com/unimesh/unimesh/pkg/connector"
	"github.com/unimesh/unimesh/pkg/emulator/oauthemu"
	"github.com/unimesh/unimesh/pkg/providerhttp"
	"github.com/unimesh/unimesh/pkg/store"
	"github.com/unimesh/unimesh/pkg/store/storetest"
	"github.com/unimesh/unimesh/pkg/vault"
	meshv1 "github.com/unimesh/unimesh/proto/unimesh/mesh/v1"
	platformv1 "github.com/unimesh/unimesh/proto/unimesh/platform/v1"
)

// provider is a real OAuth authorization server and a one-route API over
// HTTP: what a vendor looks like to connect.
type provider struct {
	srv  *httptest.Server
	auth *oauthemu.Server
	// tokenFaults answers the next n token requests 503.
	tokenFaults atomic.Int32
	tokenCalls  atomic.Int32
}

const (
	clientID     = "acme-client"
	clientSecret = "acme-secret-123"
	publicURL    = "https://unimesh.test"
)

func newProvider(t *testing.T, opts oauthemu.Options) *provider {
	t.Helper()
	p := &provider{}
	opts.Clients = []oauthemu.Client{{ID: clientID, Secret: clientSecret, Name: "Acme test app", RedirectURIs: []string{publicURL + CallbackPath}}}
	p.auth = oauthemu.New(opts)
	mux := http.NewServeMux()
	mux.HandleFunc("/authorize", p.auth.ServeAuthorize)
	token := p.auth.TokenHandler()
	mux.HandleFunc("POST /token", func(w http.ResponseWriter, r *http.Request) {
		p.tokenCalls.Add(1)
		if p.tokenFaults.Load() > 0 {
			p.tokenFaults.Add(-1)
			http.Error(w, `{"error":"temporarily_unavailable"}`, http.StatusServiceUnavailable)
			return
		}
		token.ServeHTTP(w, r)
	})
	mux.HandleFunc("GET /api/me", func(w http.ResponseWriter, r *http.Request) {
		tok, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if tok != "static-key" && !p.auth.Lookup(tok).Valid() {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		w.Write([]byte(`{"ok":true}`))
	})
	p.srv = httptest.NewServer(mux)
	t.Cleanup(p.srv.Close)
	return p
}

func (p *provider) descriptor() *connector.Descriptor {
	return &connector.Descriptor{
		Slug: "acme", Name: "Acme CRM", Category: platformv1.Category_CATEGORY_CRM,
		AuthTypes:      []platformv1.AuthType{platformv1.AuthType_AUTH_TYPE_OAUTH2, platformv1.AuthType_AUTH_TYPE_API_KEY},
		Auth:           providerhttp.AnyOf(providerhttp.OAuthBearer(), providerhttp.BearerAPIKey()),
		DefaultBaseURL: p.srv.URL + "/api",
		ConfigFields:   []*platformv1.ConfigField{{Key: "region", Description: "the account's region"}},
		OAuth: &connector.OAuth{
			AuthorizeURL: p.srv.URL + "/authorize", TokenURL: p.srv.URL + "/token", DefaultScopes: []string{"read", "write"},
			Extras: func(field func(string) any) (map[string]string, error) {
				return map[string]string{"region": "eu"}, nil
			},
		},
		VerifyPath: "/me",
	}
}

type flowEnv struct {
	prov      *provider
	replicas  []*Service
	stores    []*store.Store
	projectID string
	ctx       context.Context // the project's admin caller
	now       atomic.Pointer[time.Time]
}

// newFlowEnv builds two connect replicas over two connections to one
// database, like two pods of the mesh.
func newFlowEnv(t *testing.T, stores []*store.Store, opts oauthemu.Options) *flowEnv {
	t.Helper()
	e := &flowEnv{prov: newProvider(t, opts), stores: stores}
	start := time.Now()
	e.now.Store(&start)
	catalog, err := connector.NewCatalog(connector.Entry{Descriptor: e.prov.descriptor()})
	if err != nil {
		t.Fatal(err)
	}
	k := key(t)
	ring, _ := vault.NewKeyring(k)
	factory := providerhttp.NewFactory(providerhttp.FactoryOptions{AllowPrivateNetworks: true})
	for _, st := range stores {
		e.replicas = append(e.replicas, New(Options{Store: st, Keyring: ring, Catalog: catalog, HTTP: factory, Logger: quiet,
			Now: func() time.Time { return *e.now.Load() }, PublicURL: publicURL,
			DefaultOAuthApps: map[string]OAuthClient{"acme": {ClientID: clientID, ClientSecret: clientSecret}}}))
	}
	p, err := CreateProject(context.Background(), stores[0], "Acme project", start)
	if err != nil {
		t.Fatal(err)
	}
	e.projectID = p.ID
	e.ctx = auth.NewContext(context.Background(), &auth.Principal{ProjectID: p.ID, KeyID: "k", Scopes: []platformv1.Scope{platformv1.Scope_SCOPE_ADMIN}})
	return e
}

func (e *flowEnv) advance(d time.Duration) {
	t := e.now.Load().Add(d)
	e.now.Store(&t)
}

// sameDatabase opens two stores on one database: storetest's fresh
// SQLite file or PostgreSQL schema, twice.
func sameDatabase(t *testing.T, dialect string) []*store.Store {
	t.Helper()
	var url string
	switch dialect {
	case "sqlite":
		url = "sqlite:" + t.TempDir() + "/unimesh.db"
	default:
		if url = storetest.PostgresURL(t); url == "" {
			t.Skip(storetest.PostgresEnv + " is not set")
		}
	}
	var out []*store.Store
	for range 2 {
		st, err := store.Open(context.Background(), url)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = st.Close() })
		if err := st.Migrate(context.Background()); err != nil {
			t.Fatal(err)
		}
		out = append(out, st)
	}
	return out
}

func bothDatabases(t *testing.T, fn func(t *testing.T, stores []*store.Store)) {
	for _, d := range []string{"sqlite", "postgres"} {
		t.Run(d, func(t *testing.T) { fn(t, sameDatabase(t, d)) })
	}
}

func (e *flowEnv) session(t *testing.T, cs *platformv1.ConnectSession) (token string) {
	t.Helper()
	if cs == nil {
		cs = &platformv1.ConnectSession{EndUser: &platformv1.EndUser{OriginId: "customer-1", Name: "Customer One"}}
	}
	out, err := e.replicas[0].CreateConnectSession(e.ctx, &platformv1.CreateConnectSessionRequest{ConnectSession: cs})
	if err != nil {
		t.Fatal(err)
	}
	tok, ok := strings.CutPrefix(out.GetUrl(), publicURL+"/connect/")
	if !ok || tok == "" {
		t.Fatalf("url = %q", out.GetUrl())
	}
	return tok
}

// consent follows an authorization URL at the provider as an end user
// who clicks Allow (or Deny), and returns the callback's parameters.
func (e *flowEnv) consent(t *testing.T, authURL, decision string) url.Values {
	t.Helper()
	u, err := url.Parse(authURL)
	if err != nil {
		t.Fatal(err)
	}
	form := u.Query()
	form.Set("decision", decision)
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.PostForm(e.prov.srv.URL+"/authorize", form)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, err := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusFound || err != nil || !strings.HasPrefix(loc.String(), publicURL+CallbackPath) {
		t.Fatalf("consent answered %d, Location %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	return loc.Query()
}

func (e *flowEnv) start(t *testing.T, token string) *meshv1.StartOAuthResponse {
	t.Helper()
	resp, err := e.replicas[0].StartOAuth(context.Background(), &meshv1.StartOAuthRequest{Token: token, Integration: "acme"})
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

func reasonOf(t *testing.T, err error, want string) {
	t.Helper()
	if apierr.Reason(err) != want {
		t.Fatalf("err = %v, want reason %s", err, want)
	}
}

func TestOAuthFlowConnectsAndRefusesForgeries(t *testing.T) {
	bothDatabases(t, func(t *testing.T, stores []*store.Store) {
		e := newFlowEnv(t, stores, oauthemu.Options{AccessTTL: time.Hour, ScopeSeparator: " ", RequireRedirectURI: true})
		ctx := context.Background()
		token := e.session(t, nil)

		start := e.start(t, token)
		au, _ := url.Parse(start.GetAuthorizationUrl())
		q := au.Query()
		if q.Get("client_id") != clientID || q.Get("redirect_uri") != publicURL+CallbackPath || q.Get("code_challenge_method") != "S256" ||
			len(q.Get("code_challenge")) != 43 || q.Get("scope") != "read write" || strings.Contains(au.String(), clientSecret) {
			t.Fatalf("authorization URL %s", au)
		}
		cb := e.consent(t, start.GetAuthorizationUrl(), "allow")
		state, code := cb.Get("state"), cb.Get("code")

		// Forgeries of the callback are refused before any exchange.
		tampered := state[:len(state)-3] + "xyz"
		_, err := e.replicas[1].CompleteOAuth(ctx, &meshv1.CompleteOAuthRequest{State: tampered, Code: code, BrowserBinding: start.GetBrowserBinding()})
		reasonOf(t, err, apierr.ReasonOAuthStateInvalid)
		parts := strings.SplitN(state, ".", 3)
		longer := parts[0] + "." + "9999999999" + "." + parts[2]
		_, err = e.replicas[1].CompleteOAuth(ctx, &meshv1.CompleteOAuthRequest{State: longer, Code: code, BrowserBinding: start.GetBrowserBinding()})
		reasonOf(t, err, apierr.ReasonOAuthStateInvalid)
		if got := e.prov.auth.Stats().CodeExchanges + e.prov.auth.Stats().FailedCodeExchanges; got != 0 {
			t.Fatalf("%d code exchanges for forged states", got)
		}

		// The real callback, on the other replica.
		res, err := e.replicas[1].CompleteOAuth(ctx, &meshv1.CompleteOAuthRequest{State: state, Code: code, BrowserBinding: start.GetBrowserBinding()})
		if err != nil {
			t.Fatal(err)
		}
		conn, err := e.replicas[0].GetConnection(e.ctx, &platformv1.GetConnectionRequest{Id: res.GetConnectionId()})
		if err != nil || conn.GetStatus() != platformv1.ConnectionStatus_CONNECTION_STATUS_ACTIVE || conn.GetAuthType() != platformv1.AuthType_AUTH_TYPE_OAUTH2 ||
			strings.Join(conn.GetScopes(), " ") != "read write" || conn.GetConfig()["region"] != "eu" || conn.GetEndUser().GetOriginId() != "customer-1" {
			t.Fatalf("connection = %v, %v", conn, err)
		}
		sealed, _ := stores[0].GetCredential(ctx, res.GetConnectionId())
		if !sealed.Refreshable || sealed.ExpireTime.IsZero() {
			t.Fatalf("credential bookkeeping: %+v", sealed)
		}
		// The tokens work at the provider.
		creds, err := e.replicas[0].GetConnectionCredentials(ctx, &meshv1.GetConnectionCredentialsRequest{ProjectId: e.projectID, ConnectionId: res.GetConnectionId()})
		if err != nil || !e.prov.auth.Lookup(creds.GetCredentials().GetOauth2().GetAccessToken()).Valid() || !creds.GetRefreshable() ||
			creds.GetCredentials().GetOauth2().GetRefreshToken() != "" {
			t.Fatalf("credentials = %v, %v (the refresh token must stay in connect)", creds, err)
		}

		// A replayed callback is refused, and the link is spent.
		_, err = e.replicas[0].CompleteOAuth(ctx, &meshv1.CompleteOAuthRequest{State: state, Code: code, BrowserBinding: start.GetBrowserBinding()})
		reasonOf(t, err, apierr.ReasonOAuthStateUsed)
		_, err = e.replicas[0].OpenConnectSession(ctx, &meshv1.OpenConnectSessionRequest{Token: token})
		reasonOf(t, err, apierr.ReasonConnectSessionUsed)
		if events, _ := stores[0].ListPlatformEvents(ctx, e.projectID, time.Time{}, 10); len(events) != 1 || events[0].Type != "connection.created" {
			t.Fatalf("events = %+v", events)
		}
	})
}

func TestOAuthCallbackRefusals(t *testing.T) {
	storetest.Run(t, func(t *testing.T, st *store.Store) {
		e := newFlowEnv(t, []*store.Store{st}, oauthemu.Options{AccessTTL: time.Hour, ScopeSeparator: " "})
		ctx := context.Background()
		svc := e.replicas[0]

		t.Run("another browser", func(t *testing.T) {
			start := e.start(t, e.session(t, nil))
			cb := e.consent(t, start.GetAuthorizationUrl(), "allow")
			_, err := svc.CompleteOAuth(ctx, &meshv1.CompleteOAuthRequest{State: cb.Get("state"), Code: cb.Get("code"), BrowserBinding: "someone-else"})
			reasonOf(t, err, apierr.ReasonOAuthBrowserMismatch)
		})
		t.Run("PKCE mismatch: a code from another flow", func(t *testing.T) {
			a := e.start(t, e.session(t, nil))
			b := e.start(t, e.session(t, nil))
			cbA := e.consent(t, a.GetAuthorizationUrl(), "allow")
			e.consent(t, b.GetAuthorizationUrl(), "allow")
			bState := mustParse(t, b.GetAuthorizationUrl()).Query().Get("state")
			before := e.prov.auth.Stats().FailedCodeExchanges
			_, err := svc.CompleteOAuth(ctx, &meshv1.CompleteOAuthRequest{State: bState, Code: cbA.Get("code"), BrowserBinding: b.GetBrowserBinding()})
			reasonOf(t, err, apierr.ReasonOAuthExchangeFailed)
			if !strings.Contains(err.Error(), "invalid_grant") || e.prov.auth.Stats().FailedCodeExchanges != before+1 {
				t.Fatalf("err = %v; the provider must have refused the verifier", err)
			}
		})
		t.Run("a redirect URI the provider does not know", func(t *testing.T) {
			start := e.start(t, e.session(t, nil))
			u := mustParse(t, start.GetAuthorizationUrl())
			q := u.Query()
			q.Set("redirect_uri", "https://attacker.example/oauth/callback")
			u.RawQuery = q.Encode()
			resp, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Get(u.String())
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusBadRequest || resp.Header.Get("Location") != "" {
				t.Fatalf("authorize with a foreign redirect answered %d, Location %q", resp.StatusCode, resp.Header.Get("Location"))
			}
			// And a project cannot register a redirect that is not a callback.
			_, err = svc.CreateOAuthApp(e.ctx, &platformv1.CreateOAuthAppRequest{OauthApp: &platformv1.OAuthApp{
				Integration: "acme", ClientId: "c", ClientSecret: "s", RedirectUri: "https://attacker.example/steal"}})
			reasonOf(t, err, apierr.ReasonInvalidArgument)
		})
		t.Run("declined at the provider", func(t *testing.T) {
			token := e.session(t, nil)
			start := e.start(t, token)
			cb := e.consent(t, start.GetAuthorizationUrl(), "deny")
			_, err := svc.CompleteOAuth(ctx, &meshv1.CompleteOAuthRequest{State: cb.Get("state"), Error: cb.Get("error"), BrowserBinding: start.GetBrowserBinding()})
			reasonOf(t, err, apierr.ReasonOAuthDenied)
			// The link still works: the end user may try again.
			if _, err := svc.OpenConnectSession(ctx, &meshv1.OpenConnectSessionRequest{Token: token}); err != nil {
				t.Fatalf("link after a decline: %v", err)
			}
		})
		t.Run("too slow", func(t *testing.T) {
			start := e.start(t, e.session(t, nil))
			cb := e.consent(t, start.GetAuthorizationUrl(), "allow")
			e.advance(stateTTL + time.Second)
			_, err := svc.CompleteOAuth(ctx, &meshv1.CompleteOAuthRequest{State: cb.Get("state"), Code: cb.Get("code"), BrowserBinding: start.GetBrowserBinding()})
			reasonOf(t, err, apierr.ReasonOAuthStateExpired)
		})
		t.Run("links", func(t *testing.T) {
			_, err := svc.OpenConnectSession(ctx, &meshv1.OpenConnectSessionRequest{Token: "cst_nope"})
			reasonOf(t, err, apierr.ReasonConnectSessionNotFound)
			soon := e.session(t, &platformv1.ConnectSession{EndUser: &platformv1.EndUser{OriginId: "u"},
				ExpireTime: timestamppb.New(e.now.Load().Add(time.Minute))})
			e.advance(2 * time.Minute)
			_, err = svc.OpenConnectSession(ctx, &meshv1.OpenConnectSessionRequest{Token: soon})
			reasonOf(t, err, apierr.ReasonConnectSessionExpired)
			_, err = svc.StartOAuth(ctx, &meshv1.StartOAuthRequest{Token: soon, Integration: "acme"})
			reasonOf(t, err, apierr.ReasonConnectSessionExpired)
			for _, bad := range []*platformv1.ConnectSession{
				{EndUser: &platformv1.EndUser{OriginId: "u"}, Integrations: []string{"nope"}},
				{EndUser: &platformv1.EndUser{OriginId: "u"}, ReturnUrl: "javascript:alert(1)"},
				{EndUser: &platformv1.EndUser{OriginId: "u"}, ExpireTime: timestamppb.New(e.now.Load().Add(8 * 24 * time.Hour))},
				{EndUser: &platformv1.EndUser{OriginId: "u"}, ReconnectConnectionId: "conn_missing"},
			} {
				_, err := svc.CreateConnectSession(e.ctx, &platformv1.CreateConnectSessionRequest{ConnectSession: bad})
				if status.Code(err) != codes.InvalidArgument || len(apierr.Violations(err)) == 0 {
					t.Errorf("session %v: err = %v, want INVALID_ARGUMENT naming the field", bad, err)
				}
			}
		})
		t.Run("API key checked live", func(t *testing.T) {
			token := e.session(t, nil)
			apiKey := func(k string) *platformv1.Credentials {
				return &platformv1.Credentials{Kind: &platformv1.Credentials_ApiKey{ApiKey: &platformv1.ApiKeyCredentials{Key: k}}}
			}
			_, err := svc.SubmitCredentials(ctx, &meshv1.SubmitCredentialsRequest{Token: token, Integration: "acme", Credentials: apiKey("wrong-key")})
			reasonOf(t, err, apierr.ReasonCredentialsRejected)
			if strings.Contains(err.Error(), "wrong-key") {
				t.Fatal("the error echoes the key")
			}
			res, err := svc.SubmitCredentials(ctx, &meshv1.SubmitCredentialsRequest{Token: token, Integration: "acme", Credentials: apiKey("static-key")})
			if err != nil || res.GetConnectionId() == "" {
				t.Fatalf("good key: %v, %v", res, err)
			}
			_, err = svc.SubmitCredentials(ctx, &meshv1.SubmitCredentialsRequest{Token: token, Integration: "acme", Credentials: apiKey("static-key")})
			reasonOf(t, err, apierr.ReasonConnectSessionUsed)
		})
	})
}

func mustParse(t *testing.T, raw string) *url.URL {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// connectOAuth makes an OAuth connection through the whole flow.
func (e *flowEnv) connectOAuth(t *testing.T) string {
	t.Helper()
	start := e.start(t, e.session(t, nil))
	cb := e.consent(t, start.GetAuthorizationUrl(), "allow")
	res, err := e.replicas[0].CompleteOAuth(context.Background(), &meshv1.CompleteOAuthRequest{State: cb.Get("state"), Code: cb.Get("code"), BrowserBinding: start.GetBrowserBinding()})
	if err != nil {
		t.Fatal(err)
	}
	return res.GetConnectionId()
}

// Many concurrent calls on a connection whose token expired, spread over
// two replicas, cause exactly one refresh at the provider, and all of
// them get the one new token.
func TestExpiredTokenIsRefreshedOnceAcrossReplicas(t *testing.T) {
	bothDatabases(t, func(t *testing.T, stores []*store.Store) {
		e := newFlowEnv(t, stores, oauthemu.Options{AccessTTL: time.Hour, ScopeSeparator: " ", RotateRefresh: true, ReturnRefreshOnRefresh: true})
		ctx := context.Background()
		id := e.connectOAuth(t)
		first, _ := e.replicas[0].GetConnectionCredentials(ctx, &meshv1.GetConnectionCredentialsRequest{ProjectId: e.projectID, ConnectionId: id})
		old := first.GetCredentials().GetOauth2().GetAccessToken()

		// The token's hour passes.
		e.advance(time.Hour)
		e.prov.auth.ExpireAccessTokens()
		const calls = 40
		got := make([]string, calls)
		var wg sync.WaitGroup
		for i := range calls {
			wg.Go(func() {
				resp, err := e.replicas[i%2].GetConnectionCredentials(ctx, &meshv1.GetConnectionCredentialsRequest{ProjectId: e.projectID, ConnectionId: id})
				if err != nil {
					t.Errorf("call %d: %v", i, err)
					return
				}
				got[i] = resp.GetCredentials().GetOauth2().GetAccessToken()
			})
		}
		wg.Wait()
		if n := e.prov.auth.Stats().Refreshes; n != 1 {
			t.Fatalf("%d refreshes at the provider, want exactly 1", n)
		}
		for i, tok := range got {
			if tok == old || tok != got[0] || !e.prov.auth.Lookup(tok).Valid() {
				t.Fatalf("call %d got a stale or different token", i)
			}
		}

		// A 401 reported by many calls at once: one more refresh.
		e.prov.auth.ExpireAccessTokens()
		refused := tokenSHA(got[0])
		for i := range calls {
			wg.Go(func() {
				resp, err := e.replicas[i%2].RefreshConnectionCredentials(ctx, &meshv1.RefreshConnectionCredentialsRequest{
					ProjectId: e.projectID, ConnectionId: id, RefusedTokenSha256: refused})
				if err != nil || resp.GetCredentials().GetOauth2().GetAccessToken() == got[0] {
					t.Errorf("call %d after a 401: %v", i, err)
				}
			})
		}
		wg.Wait()
		if n := e.prov.auth.Stats().Refreshes; n != 2 {
			t.Fatalf("%d refreshes after the 401s, want 2 in all", n)
		}
	})
}

func TestRefreshKeepsOldRefreshTokenRetriesAndGivesUpOnInvalidGrant(t *testing.T) {
	storetest.Run(t, func(t *testing.T, st *store.Store) {
		// Like Salesforce: refresh answers carry no refresh token.
		e := newFlowEnv(t, []*store.Store{st}, oauthemu.Options{AccessTTL: time.Hour, ScopeSeparator: " "})
		ctx := context.Background()
		svc := e.replicas[0]
		id := e.connectOAuth(t)
		before, _ := st.GetCredential(ctx, id)
		beforeCred, _ := svc.open(before)

		// Two passing failures of the token endpoint, then success.
		e.prov.tokenFaults.Store(2)
		calls := e.prov.tokenCalls.Load()
		e.advance(56 * time.Minute) // within the refresh skew
		if _, err := svc.GetConnectionCredentials(ctx, &meshv1.GetConnectionCredentialsRequest{ProjectId: e.projectID, ConnectionId: id}); err != nil {
			t.Fatal(err)
		}
		if n := e.prov.tokenCalls.Load() - calls; n != 3 {
			t.Fatalf("%d token requests, want 2 failures and 1 success", n)
		}
		after, _ := st.GetCredential(ctx, id)
		afterCred, _ := svc.open(after)
		if after.Version != before.Version+1 || afterCred.GetOauth2().GetRefreshToken() != beforeCred.GetOauth2().GetRefreshToken() ||
			afterCred.GetOauth2().GetAccessToken() == beforeCred.GetOauth2().GetAccessToken() {
			t.Fatal("the refresh must store a new access token and keep the old refresh token")
		}

		// The background refresher renews tokens before they expire.
		e.advance(50 * time.Minute)
		if n := svc.RefreshDue(ctx); n != 1 {
			t.Fatalf("background refresher refreshed %d connections, want 1", n)
		}

		// The end user revokes the app at the provider: the next refresh
		// is refused for good and the connection needs re-auth.
		e.prov.auth.RevokeAll()
		e.advance(time.Hour)
		_, err := svc.GetConnectionCredentials(ctx, &meshv1.GetConnectionCredentialsRequest{ProjectId: e.projectID, ConnectionId: id})
		reasonOf(t, err, apierr.ReasonConnectionNeedsReauth)
		conn, _ := st.GetConnection(ctx, e.projectID, id)
		if conn.Status != int32(platformv1.ConnectionStatus_CONNECTION_STATUS_NEEDS_REAUTH) || !strings.Contains(conn.StatusDetail, "refresh token") {
			t.Fatalf("connection after invalid_grant: %+v", conn)
		}
		events, _ := st.ListPlatformEvents(ctx, e.projectID, time.Time{}, 10)
		if last := events[len(events)-1]; last.Type != "connection.needs_reauth" || last.ConnectionID != id {
			t.Fatalf("events = %+v", events)
		}

		// A re-connect link fixes it in place.
		token := e.session(t, &platformv1.ConnectSession{EndUser: &platformv1.EndUser{OriginId: "customer-1"}, ReconnectConnectionId: id})
		start := e.start(t, token)
		cb := e.consent(t, start.GetAuthorizationUrl(), "allow")
		res, err := svc.CompleteOAuth(ctx, &meshv1.CompleteOAuthRequest{State: cb.Get("state"), Code: cb.Get("code"), BrowserBinding: start.GetBrowserBinding()})
		if err != nil || res.GetConnectionId() != id || !res.GetReconnected() {
			t.Fatalf("re-connect: %v, %v", res, err)
		}
		conn, _ = st.GetConnection(ctx, e.projectID, id)
		if conn.Status != int32(platformv1.ConnectionStatus_CONNECTION_STATUS_ACTIVE) || conn.StatusDetail != "" {
			t.Fatalf("connection after re-connect: %+v", conn)
		}
	})
}
