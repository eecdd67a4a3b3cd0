package web_test

import (
	"context"
	"io"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"go.opentelemetry.io/otel/trace/noop"
	"golang.org/x/net/html"
	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/unimesh/unimesh/gateway/web"
	"github.com/unimesh/unimesh/pkg/auth"
	"github.com/unimesh/unimesh/pkg/connector"
	"github.com/unimesh/unimesh/pkg/emulator/oauthemu"
	"github.com/unimesh/unimesh/pkg/providerhttp"
	"github.com/unimesh/unimesh/pkg/server"
	"github.com/unimesh/unimesh/pkg/store/storetest"
	"github.com/unimesh/unimesh/pkg/vault"
	meshv1 "github.com/unimesh/unimesh/proto/unimesh/mesh/v1"
	platformv1 "github.com/unimesh/unimesh/proto/unimesh/platform/v1"
	"github.com/unimesh/unimesh/services/connect"
	crmconnectors "github.com/unimesh/unimesh/services/crm/connectors"
	"github.com/unimesh/unimesh/services/crm/connectors/pipedrive"
	"github.com/unimesh/unimesh/services/crm/connectors/pipedrive/pipedriveemu"
	"github.com/unimesh/unimesh/services/crm/connectors/salesforce"
	crmsandbox "github.com/unimesh/unimesh/services/crm/connectors/sandbox"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

const (
	sandboxKey     = "sbx_live_secret_9f8e7d6c5b4a"
	oauthClientID  = "unimesh-test-app"
	oauthSecret    = "unimesh-test-app-secret"
	internalSecret = "mesh-internal-token-for-tests"
)

// stack is a real connect service behind a real gRPC listener, the vendor
// emulators it talks to, and the pages served at PublicURL.
type stack struct {
	t         *testing.T
	URL       string // the pages' public URL
	handler   http.Handler
	conn      *grpc.ClientConn
	pages     meshv1.ConnectPagesServiceClient
	project   string
	adminKey  string
	adminID   string
	readKey   string
	offset    atomic.Int64 // added to the wall clock: connect's and the pages' now
	pipedrive *pipedriveemu.Emulator
	pdURL     string
}

func (s *stack) now() time.Time { return time.Now().Add(time.Duration(s.offset.Load())) }

func newStack(t *testing.T) *stack {
	t.Helper()
	ctx := context.Background()
	s := &stack{t: t}

	sbx := httptest.NewServer(crmsandbox.NewEmulator(crmsandbox.Options{APIKey: sandboxKey}))
	t.Cleanup(sbx.Close)
	s.pipedrive = pipedriveemu.New(pipedriveemu.Options{Token: "pd-api-token", Seed: true})
	pd := httptest.NewServer(s.pipedrive)
	t.Cleanup(pd.Close)
	s.pdURL = pd.URL

	// The pages' URL must be known before connect is built (links and the
	// OAuth redirect URI are made of it), and the handler after.
	var h atomic.Pointer[http.Handler]
	pagesSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { (*h.Load()).ServeHTTP(w, r) }))
	t.Cleanup(pagesSrv.Close)
	s.URL = pagesSrv.URL
	s.pipedrive.OAuth.RegisterClient(oauthemu.Client{ID: oauthClientID, Secret: oauthSecret, Name: "Unimesh tests",
		RedirectURIs: []string{s.URL + "/oauth/callback"}})

	catalog, err := connector.NewCatalog(connector.Entries(platformv1.Category_CATEGORY_CRM,
		connector.Registered[crmconnectors.CRM]{Descriptor: crmsandbox.Descriptor(sbx.URL), Impl: crmsandbox.Connector()},
		connector.Registered[crmconnectors.CRM]{Descriptor: pipedrive.Descriptor().At(pd.URL), Impl: pipedrive.Connector()},
		// OAuth only, and no OAuth app for it: it cannot be connected. No
		// call ever reaches its (closed) address.
		connector.Registered[crmconnectors.CRM]{Descriptor: salesforce.Descriptor().At("http://127.0.0.1:9"), Impl: salesforce.Connector()},
	)...)
	if err != nil {
		t.Fatal(err)
	}
	st := storetest.SQLite(t)
	key, err := vault.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	ring, err := vault.NewKeyring(key)
	if err != nil {
		t.Fatal(err)
	}
	tp := noop.NewTracerProvider()
	svc := connect.New(connect.Options{
		Store: st, Keyring: ring, Catalog: catalog, Logger: quiet, Now: s.now, PublicURL: s.URL,
		HTTP:             providerhttp.NewFactory(providerhttp.FactoryOptions{TracerProvider: tp, AllowPrivateNetworks: true}),
		DefaultOAuthApps: map[string]connect.OAuthClient{pipedrive.Slug: {ClientID: oauthClientID, ClientSecret: oauthSecret}},
	})
	srv, err := server.New(server.Config{Name: "connect", Logger: quiet, TracerProvider: tp,
		Auth: &auth.Policy{Verifier: svc.Verifier(), InternalToken: internalSecret}})
	if err != nil {
		t.Fatal(err)
	}
	svc.Register(srv.GRPC())
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	sctx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { _ = srv.Serve(sctx, lis); close(done) }()
	t.Cleanup(func() { stop(); <-done })
	s.conn, err = server.Dial(lis.Addr().String(), tp, grpc.WithPerRPCCredentials(auth.InternalToken(internalSecret)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.conn.Close() })
	s.pages = meshv1.NewConnectPagesServiceClient(s.conn)

	handler, err := web.New(web.Options{Pages: s.pages, Connect: s.conn, PublicURL: s.URL, Logger: quiet, Now: s.now})
	if err != nil {
		t.Fatal(err)
	}
	s.handler = handler
	h.Store(&handler)

	p, err := connect.CreateProject(ctx, st, "Acme Analytics", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	s.project = p.ID
	admin, full, err := connect.CreateAPIKey(ctx, st, p.ID, "admin", []platformv1.Scope{platformv1.Scope_SCOPE_ADMIN}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	s.adminKey, s.adminID = full, admin.ID
	if _, s.readKey, err = connect.CreateAPIKey(ctx, st, p.ID, "reader", []platformv1.Scope{platformv1.Scope_SCOPE_READ}, time.Now()); err != nil {
		t.Fatal(err)
	}
	return s
}

// as is a context that calls the platform API with an API key.
func as(key string) context.Context {
	return metadata.AppendToOutgoingContext(context.Background(), "authorization", "Bearer "+key)
}

// session creates a connect session with the admin key and returns its link.
func (s *stack) session(cs *platformv1.ConnectSession) string {
	s.t.Helper()
	link, _ := s.sessionWithID(cs)
	return link
}

func (s *stack) sessionWithID(cs *platformv1.ConnectSession) (link, id string) {
	s.t.Helper()
	if cs.EndUser == nil {
		cs.EndUser = &platformv1.EndUser{OriginId: "cust-42", Name: "Jo Doe"}
	}
	out, err := platformv1.NewConnectSessionServiceClient(s.conn).CreateConnectSession(as(s.adminKey),
		&platformv1.CreateConnectSessionRequest{ConnectSession: cs})
	if err != nil {
		s.t.Fatalf("CreateConnectSession: %v", err)
	}
	if !strings.HasPrefix(out.GetUrl(), s.URL+"/connect/cst_") {
		s.t.Fatalf("link %q is not under the pages' URL", out.GetUrl())
	}
	return out.GetUrl(), out.GetId()
}

func (s *stack) connection(id string) (*platformv1.Connection, error) {
	return platformv1.NewConnectionServiceClient(s.conn).GetConnection(as(s.adminKey), &platformv1.GetConnectionRequest{Id: id})
}

func expireIn(d time.Duration) *timestamppb.Timestamp { return timestamppb.New(time.Now().Add(d)) }

// --- a browser -------------------------------------------------------------------

// browser keeps cookies and stops at every redirect, so that each step of
// a flow can be looked at.
type browser struct {
	t *testing.T
	c *http.Client
}

func newBrowser(t *testing.T) *browser {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &browser{t: t, c: &http.Client{Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// page is one answer.
type page struct {
	*http.Response
	Body string
	Doc  *html.Node
}

func (b *browser) do(req *http.Request) *page {
	b.t.Helper()
	resp, err := b.c.Do(req)
	if err != nil {
		b.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer func() { _ = resp.Body.Close() }()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		b.t.Fatal(err)
	}
	p := &page{Response: resp, Body: string(raw)}
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		if p.Doc, err = html.Parse(strings.NewReader(p.Body)); err != nil {
			b.t.Fatal(err)
		}
	}
	return p
}

func (b *browser) get(u string) *page {
	b.t.Helper()
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		b.t.Fatal(err)
	}
	return b.do(req)
}

// post sends a form; headers are pairs of name and value.
func (b *browser) post(u string, form url.Values, headers ...string) *page {
	b.t.Helper()
	req, err := http.NewRequest(http.MethodPost, u, strings.NewReader(form.Encode()))
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for i := 0; i+1 < len(headers); i += 2 {
		if headers[i+1] != "" {
			req.Header.Set(headers[i], headers[i+1])
		}
	}
	return b.do(req)
}

func (b *browser) cookie(u, name string) *http.Cookie {
	pu, _ := url.Parse(u)
	for _, c := range b.c.Jar.Cookies(pu) {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// --- reading pages -----------------------------------------------------------------

func (p *page) find(pred func(*html.Node) bool) []*html.Node {
	var out []*html.Node
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode && pred(n) {
			out = append(out, n)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	if p.Doc != nil {
		walk(p.Doc)
	}
	return out
}

// all finds elements by tag ("" for any) and attribute (value "" for any).
func (p *page) all(tag, key, value string) []*html.Node {
	return p.find(func(n *html.Node) bool {
		if tag != "" && n.Data != tag {
			return false
		}
		if key == "" {
			return true
		}
		v, ok := attr(n, key)
		return ok && (value == "" || v == value)
	})
}

func (p *page) byID(id string) *html.Node {
	if ns := p.all("", "id", id); len(ns) == 1 {
		return ns[0]
	}
	return nil
}

func attr(n *html.Node, key string) (string, bool) {
	if n == nil {
		return "", false
	}
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val, true
		}
	}
	return "", false
}

func text(n *html.Node) string {
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	if n != nil {
		walk(n)
	}
	return strings.Join(strings.Fields(b.String()), " ")
}

// main is the page's <main>: data-status, data-reason and data-connection-id.
func (p *page) main() (status, reason, connectionID string) {
	ms := p.all("main", "", "")
	if len(ms) != 1 {
		return "", "", ""
	}
	status, _ = attr(ms[0], "data-status")
	reason, _ = attr(ms[0], "data-reason")
	connectionID, _ = attr(ms[0], "data-connection-id")
	return status, reason, connectionID
}

// wantError checks an error page: its status, reason and words.
func (p *page) wantError(t *testing.T, code int, reason, words string) {
	t.Helper()
	st, r, _ := p.main()
	if p.StatusCode != code || st != "error" || r != reason || !strings.Contains(p.Body, words) {
		t.Fatalf("want %d %s %q; got %d data-status=%q data-reason=%q:\n%s", code, reason, words, p.StatusCode, st, r, p.Body)
	}
	// The reason is shown for support; nothing from inside is.
	if !strings.Contains(text(p.byID("main")), reason) || strings.Contains(p.Body, "goroutine") || strings.Contains(p.Body, ".go:") {
		t.Fatalf("error page shows no reason code, or internals:\n%s", p.Body)
	}
}

var nonceRE = regexp.MustCompile(`script-src 'nonce-([A-Za-z0-9+/=]+)'`)

// wantPageHeaders checks the headers every page answers with; formAction
// is the page's form-action sources ("'self'" when empty).
func (p *page) wantPageHeaders(t *testing.T, console bool, formAction ...string) {
	t.Helper()
	h := p.Header
	csp := h.Get("Content-Security-Policy")
	m := nonceRE.FindStringSubmatch(csp)
	if m == nil {
		t.Fatalf("CSP %q has no nonce", csp)
	}
	want := map[string]string{
		"default-src": "'none'", "style-src": "'self'", "img-src": "'self' data:", "script-src": "'nonce-" + m[1] + "'",
		"form-action": "'self'", "base-uri": "'none'", "frame-ancestors": "*",
	}
	if len(formAction) > 0 {
		want["form-action"] = formAction[0]
	}
	if console {
		want["frame-ancestors"] = "'none'"
	}
	got := map[string]string{}
	for _, d := range strings.Split(csp, ";") {
		name, value, _ := strings.Cut(strings.TrimSpace(d), " ")
		got[name] = value
	}
	if !maps.Equal(got, want) {
		t.Fatalf("CSP %q, want %v", csp, want)
	}
	if h.Get("Referrer-Policy") != "no-referrer" || h.Get("Cache-Control") != "no-store" || h.Get("X-Content-Type-Options") != "nosniff" {
		t.Fatalf("headers: %v", h)
	}
}
