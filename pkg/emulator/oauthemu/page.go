package oauthemu

import (
	"bytes"
	"html/template"
	"net/http"
)

// The pages share one look; html/template escapes every value in its
// context (text, attribute, URL).
var pages = template.Must(template.New("layout").Parse(`{{define "head"}}<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.}}</title>
<style>
body{font-family:system-ui,sans-serif;max-width:34rem;margin:3rem auto;padding:0 1rem;color:#1b1b1b;line-height:1.5}
button{font:inherit;padding:.5rem 1.5rem;margin:0 .5rem .5rem 0;border-radius:4px;cursor:pointer}
#allow{background:#0b57d0;color:#fff;border:1px solid #0b57d0}
#deny{background:#fff;color:#1b1b1b;border:1px solid #5f6368}
button:focus-visible{outline:3px solid #f9ab00;outline-offset:2px}
.note{color:#4a4a4a;font-size:.9rem}
</style>
</head>
<body>
<main>
{{end}}{{define "foot"}}</main>
</body>
</html>
{{end}}{{define "consent"}}{{template "head" .Title}}<h1>{{.App}} wants to access your {{.Vendor}} account</h1>
<p>You are signed in as <strong>{{.User.Name}}</strong>{{with .User.Email}} ({{.}}){{end}}.</p>
<h2 id="scopes">{{.App}} asks for</h2>
{{if .Scopes}}<ul aria-labelledby="scopes">{{range .Scopes}}
<li><code>{{.}}</code></li>{{end}}
</ul>{{else}}<p>No particular permission.</p>{{end}}
<form method="post">
{{range .Hidden}}<input type="hidden" name="{{.Name}}" value="{{.Value}}">
{{end}}<button type="submit" name="decision" value="allow" id="allow">Allow</button>
<button type="submit" name="decision" value="deny" id="deny">Deny</button>
</form>
<p class="note">Either way you return to {{.Redirect}}.</p>
<p class="note">This is an emulator of {{.Vendor}}'s authorization page, run by Unimesh: no real {{.Vendor}} account is involved.</p>
{{template "foot"}}{{end}}{{define "error"}}{{template "head" "Authorization error"}}<h1>Authorization error</h1>
<p role="alert">{{.}}</p>
<p class="note">The application's request was not sent back to it, because it could not be trusted.</p>
{{template "foot"}}{{end}}`))

type consentData struct {
	Title, App, Vendor string
	User               User
	Scopes             []string
	Redirect           string
	Hidden             []hiddenField
}

// consentPage shows the consent form, which posts back to the same path
// with the request's parameters and the user's decision. The form has no
// action: it posts to the page's own URL, whatever prefix the emulator is
// mounted under (unimesh dev serves it below /<slug>/).
func (s *Server) consentPage(w http.ResponseWriter, r *http.Request, req authRequest) {
	app := req.client.Name
	if app == "" {
		app = req.client.ID
	}
	vendor := s.opts.Vendor
	if vendor == "" {
		vendor = "the emulated vendor's"
	}
	s.render(w, http.StatusOK, "consent", consentData{Title: "Authorize " + app, App: app, Vendor: vendor,
		User: s.opts.User(), Scopes: req.scopes, Redirect: req.redirect, Hidden: req.hidden})
}

// errorPage answers an authorization request that must not be redirected.
func (s *Server) errorPage(w http.ResponseWriter, status int, msg string) {
	s.render(w, status, "error", msg)
}

func (s *Server) render(w http.ResponseWriter, status int, name string, data any) {
	var b bytes.Buffer
	if err := pages.ExecuteTemplate(&b, name, data); err != nil {
		http.Error(w, "oauthemu: render "+name+": "+err.Error(), http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	// The page must not be framed (clickjacking) nor load anything. No
	// form-action: browsers apply it to the redirect that follows the post.
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer")
	w.WriteHeader(status)
	_, _ = w.Write(b.Bytes())
}
