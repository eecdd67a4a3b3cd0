// Package web is the gateway's browser side: the hosted connect pages that
// an end user reaches through a connect link (a "magic link"), the OAuth
// callback, and the operators' admin console.
//
// The pages are rendered on the server with html/template and need no
// JavaScript, save one tiny inline script (allowed by a per-response CSP
// nonce) that tells an opener or parent window how connecting ended. Every
// asset is embedded; nothing is loaded from another origin.
//
// The package keeps no state and no secret of its own: connect holds the
// sessions, the OAuth states and the credentials, and answers the pages'
// RPCs (meshv1.ConnectPagesService). The console's platform calls are
// made with the operator's console session token as the bearer, so connect
// authorizes them exactly like calls made with the admin key that logged in.
package web

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"html/template"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"path"
	"strings"
	"time"

	"google.golang.org/grpc"

	meshv1 "github.com/unimesh/unimesh/proto/unimesh/mesh/v1"
	platformv1 "github.com/unimesh/unimesh/proto/unimesh/platform/v1"
)

//go:embed assets templates
var files embed.FS

// Options configure the pages.
type Options struct {
	// Pages is connect's page RPCs, on a connection that carries the
	// mesh's internal token (they are mesh-internal methods).
	Pages meshv1.ConnectPagesServiceClient
	// Connect is the connection to connect for the console's platform
	// calls, which authenticate as the logged-in operator.
	Connect grpc.ClientConnInterface
	// PublicURL is the gateway as browsers reach it, such as
	// https://unimesh.example.com. An https URL makes every cookie Secure;
	// its origin is the one form posts must come from. When empty, the
	// origin of each request's own Host is used and cookies are not Secure.
	PublicURL string
	// Logger receives failures of connect that the pages hide from users.
	Logger *slog.Logger
	// Now is the clock (time.Now when nil).
	Now func() time.Time
}

// Paths are the routes the gateway must send here, ahead of its API-key
// check: browsers reach them without an API key.
var Paths = []string{"/connect/", "/oauth/callback", "/console", "/console/", assetsPrefix}

const (
	assetsPrefix = "/assets/"
	// maxFormBytes bounds a form post: the largest holds a few config
	// values and a credential.
	maxFormBytes = 64 << 10
	// rpcTimeout bounds a page's calls to connect; an OAuth code exchange
	// or a live credential check waits on the provider.
	rpcTimeout = 30 * time.Second
)

type server struct {
	opts     Options
	pages    meshv1.ConnectPagesServiceClient
	conns    platformv1.ConnectionServiceClient
	ints     platformv1.IntegrationServiceClient
	projects platformv1.ProjectServiceClient
	sessions platformv1.ConnectSessionServiceClient
	logger   *slog.Logger
	now      func() time.Time

	secure bool   // cookies get the Secure attribute
	origin string // the public origin, "" to use the request's

	tmpl    map[string]*template.Template
	assets  fs.FS
	logos   map[string]bool
	cssHref string
	mux     *http.ServeMux
}

// New returns the handler of every route in Paths.
func New(opts Options) (http.Handler, error) {
	if opts.Pages == nil || opts.Connect == nil {
		return nil, errors.New("web: Pages and Connect are required")
	}
	s := &server{
		opts: opts, pages: opts.Pages,
		conns:    platformv1.NewConnectionServiceClient(opts.Connect),
		ints:     platformv1.NewIntegrationServiceClient(opts.Connect),
		projects: platformv1.NewProjectServiceClient(opts.Connect),
		sessions: platformv1.NewConnectSessionServiceClient(opts.Connect),
		logger:   opts.Logger, now: opts.Now,
	}
	if s.logger == nil {
		s.logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if s.now == nil {
		s.now = time.Now
	}
	if opts.PublicURL != "" {
		u, err := url.Parse(opts.PublicURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, errors.New("web: PublicURL must be an absolute http(s) URL")
		}
		s.secure = u.Scheme == "https"
		s.origin = u.Scheme + "://" + u.Host
	}
	var err error
	if s.assets, err = fs.Sub(files, "assets"); err != nil {
		return nil, err
	}
	if err := s.loadAssets(); err != nil {
		return nil, err
	}
	if s.tmpl, err = parseTemplates(s.funcs()); err != nil {
		return nil, err
	}
	s.routes()
	return s, nil
}

func (s *server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

func (s *server) routes() {
	m := http.NewServeMux()
	m.HandleFunc("GET "+assetsPrefix+"{file...}", s.serveAsset)

	m.HandleFunc("GET /connect/{token}", s.connectPage(s.connectIndex))
	m.HandleFunc("GET /connect/{token}/{slug}", s.connectPage(s.connectIntegration))
	m.HandleFunc("POST /connect/{token}/{slug}/oauth", s.connectPage(s.connectStartOAuth))
	m.HandleFunc("POST /connect/{token}/{slug}/credentials", s.connectPage(s.connectCredentials))
	m.HandleFunc("GET /oauth/callback", s.connectPage(s.oauthCallback))
	m.HandleFunc("/connect/", s.connectPage(s.connectNotFound))

	m.HandleFunc("GET /console", func(w http.ResponseWriter, r *http.Request) {
		s.headers(w, kindConsole, "")
		http.Redirect(w, r, "/console/", http.StatusSeeOther)
	})
	m.HandleFunc("GET /console/login", s.consolePage(s.loginForm))
	m.HandleFunc("POST /console/login", s.consolePage(s.login))
	m.HandleFunc("POST /console/logout", s.console(s.logout))
	m.HandleFunc("GET /console/{$}", s.console(s.connectionsList))
	m.HandleFunc("GET /console/connections/{id}", s.console(s.connectionPage))
	m.HandleFunc("POST /console/connections/{id}/status", s.console(s.connectionStatus))
	m.HandleFunc("POST /console/connections/{id}/delete", s.console(s.connectionDelete))
	m.HandleFunc("POST /console/connections/{id}/reconnect", s.console(s.connectionReconnect))
	m.HandleFunc("GET /console/integrations", s.console(s.integrationsPage))
	m.HandleFunc("GET /console/keys", s.console(s.keysPage))
	m.HandleFunc("POST /console/keys", s.console(s.keyCreate))
	m.HandleFunc("POST /console/keys/{id}/revoke", s.console(s.keyRevoke))
	m.HandleFunc("/console/", s.consolePage(s.consoleNotFound))
	s.mux = m
}

// --- headers -------------------------------------------------------------

type pageKind int

const (
	kindConnect pageKind = iota + 1
	kindConsole
)

type nonceKey struct{}

// newNonce makes a CSP nonce: 128 random bits, fresh for every response.
func newNonce() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("web: crypto/rand failed: " + err.Error()) // no entropy: nothing can be safe
	}
	return base64.StdEncoding.EncodeToString(b[:])
}

// csp is the Content-Security-Policy of a page. Connect pages may be
// framed by the project's own app; the console never. formAction, when
// set, replaces 'self' as the form-action sources (see oauthFormAction).
func csp(kind pageKind, nonce, formAction string) string {
	if formAction == "" {
		formAction = "'self'"
	}
	ancestors := "*"
	if kind == kindConsole {
		ancestors = "'none'"
	}
	return "default-src 'none'; style-src 'self'; img-src 'self' data:; script-src 'nonce-" + nonce +
		"'; form-action " + formAction + "; base-uri 'none'; frame-ancestors " + ancestors
}

// headers sets what every page and redirect answers with. The connect
// link's secret is in the URL, hence no referrer and no caching anywhere.
func (s *server) headers(w http.ResponseWriter, kind pageKind, nonce string) {
	h := w.Header()
	if nonce == "" {
		nonce = newNonce()
	}
	h.Set("Content-Security-Policy", csp(kind, nonce, ""))
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	if kind == kindConsole {
		h.Set("X-Frame-Options", "DENY") // for browsers without frame-ancestors
	}
}

// connectPage wraps a handler of the connect pages with their headers.
func (s *server) connectPage(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		nonce := newNonce()
		s.headers(w, kindConnect, nonce)
		h(w, r.WithContext(context.WithValue(r.Context(), nonceKey{}, nonce)))
	}
}

// consolePage wraps a console handler that needs no session.
func (s *server) consolePage(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		nonce := newNonce()
		s.headers(w, kindConsole, nonce)
		h(w, r.WithContext(context.WithValue(r.Context(), nonceKey{}, nonce)))
	}
}

func nonceOf(r *http.Request) string {
	n, _ := r.Context().Value(nonceKey{}).(string)
	return n
}

// expectedOrigin is the origin form posts must come from.
func (s *server) expectedOrigin(r *http.Request) string {
	if s.origin != "" {
		return s.origin
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// sameOrigin refuses a post from another site: one whose Origin header
// names another origin, or whose Sec-Fetch-Site says it is not same-origin.
//
// Origin alone does not do: under our Referrer-Policy no-referrer,
// browsers send "Origin: null" even with a same-origin form (Fetch,
// "serialize a request origin"), and so does any other page that sets
// that policy. A null origin is taken only when Sec-Fetch-Site, which no
// page can choose, says same-origin. A post with neither header comes
// from a non-browser client, which cross-site forgery is no threat from.
func (s *server) sameOrigin(r *http.Request) bool {
	site := r.Header.Get("Sec-Fetch-Site")
	if site != "" && site != "same-origin" {
		return false
	}
	switch o := r.Header.Get("Origin"); o {
	case "":
		return true
	case "null":
		return site == "same-origin"
	default:
		return strings.EqualFold(o, s.expectedOrigin(r))
	}
}

// --- rendering -------------------------------------------------------------

// view is what every template gets.
type view struct {
	Kind  string // "connect" or "console"
	Nonce string
	Title string
	CSS   string
	// Project is who asks, in a connect page's header.
	Project string
	// Status, ConnectionID and Reason become data- attributes of <main>,
	// for tests and for embedding apps that read the page.
	Status       string
	ConnectionID string
	Reason       string
	// Result, when set, is posted to the opener and parent windows.
	Result *result
	// Console is the operator's session, on console pages after login.
	Console *consoleView
	Nav     string
	Flash   string
	Error   *banner
	Data    any
}

// banner is an error message shown above a page's content.
type banner struct {
	Message string
	Reason  string
}

// result is the message a result page posts to its opener and parent
// windows: no secret, so "*" is an acceptable target when the project
// named no return URL.
type result struct {
	Message map[string]string
	Origin  string
	// Close makes a popup close itself once it posted.
	Close bool
}

func (s *server) render(w http.ResponseWriter, r *http.Request, status int, name string, v view) {
	t, ok := s.tmpl[name]
	if !ok {
		s.logger.ErrorContext(r.Context(), "web: no template", "template", name)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	v.Nonce = nonceOf(r)
	v.CSS = s.cssHref
	if v.Kind == "" {
		v.Kind = "connect"
	}
	var b bytes.Buffer
	if err := t.ExecuteTemplate(&b, "layout", v); err != nil {
		s.logger.ErrorContext(r.Context(), "web: render", "template", name, "error", err.Error())
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(b.Bytes())
}

// parseTemplates parses each page with the shared layout.
func parseTemplates(funcs template.FuncMap) (map[string]*template.Template, error) {
	base, err := template.New("base").Funcs(funcs).ParseFS(files, "templates/layout.html")
	if err != nil {
		return nil, err
	}
	pages, err := fs.Glob(files, "templates/*.html")
	if err != nil {
		return nil, err
	}
	out := map[string]*template.Template{}
	for _, p := range pages {
		name := strings.TrimSuffix(path.Base(p), ".html")
		if name == "layout" {
			continue
		}
		t, err := template.Must(base.Clone()).ParseFS(files, p)
		if err != nil {
			return nil, err
		}
		out[name] = t
	}
	return out, nil
}

// --- assets ---------------------------------------------------------------

func (s *server) loadAssets() error {
	css, err := fs.ReadFile(s.assets, "style.css")
	if err != nil {
		return err
	}
	sum := sha256.Sum256(css)
	// The digest in the URL lets browsers cache the stylesheet for long
	// and still see a new one at once after an upgrade.
	s.cssHref = assetsPrefix + "style.css?v=" + hex.EncodeToString(sum[:6])
	entries, err := fs.ReadDir(s.assets, "logos")
	if err != nil {
		return err
	}
	s.logos = map[string]bool{}
	for _, e := range entries {
		s.logos[strings.TrimSuffix(e.Name(), ".svg")] = true
	}
	return nil
}

// logoURL is the badge of an integration: its own, the sandboxes' shared
// one, or a generic one.
func (s *server) logoURL(slug string) string {
	switch {
	case slug != "generic" && slug != "sandbox" && s.logos[slug]:
		return assetsPrefix + "logos/" + slug + ".svg"
	case strings.HasPrefix(slug, "sandbox-"):
		return assetsPrefix + "logos/sandbox.svg"
	}
	return assetsPrefix + "logos/generic.svg"
}

func (s *server) serveAsset(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("file")
	h := w.Header()
	h.Set("X-Content-Type-Options", "nosniff")
	// An SVG opened on its own is a document: it may run nothing.
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
	b, err := fs.ReadFile(s.assets, name)
	if err != nil || !fs.ValidPath(name) {
		h.Set("Cache-Control", "no-store")
		http.NotFound(w, r)
		return
	}
	switch path.Ext(name) {
	case ".css":
		h.Set("Content-Type", "text/css; charset=utf-8")
	case ".svg":
		h.Set("Content-Type", "image/svg+xml")
	default:
		h.Set("Content-Type", "application/octet-stream")
	}
	h.Set("Cache-Control", "public, max-age=86400")
	_, _ = w.Write(b)
}

// RedactPath hides the connect link's secret in a path of these pages, for
// logs and traces: "/connect/<secret>/pipedrive" becomes
// "/connect/{token}/pipedrive". Other paths are returned as they are.
func RedactPath(p string) string {
	rest, ok := strings.CutPrefix(p, "/connect/")
	if !ok || rest == "" {
		return p
	}
	_, tail, found := strings.Cut(rest, "/")
	if !found {
		return "/connect/{token}"
	}
	return "/connect/{token}/" + tail
}
