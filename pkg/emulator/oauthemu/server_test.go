package oauthemu

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestCodeFlowWithS256(t *testing.T) {
	e := newEnv(t, Options{AccessTTL: time.Hour, TokenPrefix: "emu_"})
	code := e.code(authQuery("scope", "read write"))
	if !strings.HasPrefix(code, "emu_c_") || len(code) < 40 {
		t.Errorf("code %q does not look unguessable", code)
	}
	a := e.token(codeForm(code), true)
	if a.status != http.StatusOK {
		t.Fatalf("token: %d %s", a.status, a.raw)
	}
	if a.str("token_type") != "Bearer" || a.json["expires_in"] != 3600.0 || a.str("scope") != "read write" ||
		!strings.HasPrefix(a.str("access_token"), "emu_at_") || !strings.HasPrefix(a.str("refresh_token"), "emu_rt_") {
		t.Errorf("token answer: %s", a.raw)
	}
	if a.header.Get("Cache-Control") != "no-store" || a.header.Get("Pragma") != "no-cache" {
		t.Errorf("token answer may be cached: %v", a.header)
	}
	st := e.s.Lookup(a.str("access_token"))
	if !st.Valid() || st.ClientID != appID || strings.Join(st.Scopes, " ") != "read write" || st.User.Name != "Sandbox User" ||
		!st.ExpiresAt.Equal(e.clock.Now().Add(time.Hour)) {
		t.Errorf("lookup: %+v", st)
	}
	if s := e.s.Stats(); s.Authorizations != 1 || s.CodeExchanges != 1 || s.ActiveGrants != 1 || s.LiveAccessTokens != 1 {
		t.Errorf("stats: %+v", s)
	}
}

func TestPKCE(t *testing.T) {
	other := strings.Repeat("x", 43)
	for _, tc := range []struct {
		name          string
		defaultMethod string
		auth          []string // changes to the authorization request
		tokenVerifier string   // "" sends none
		wantReason    Reason   // "" for success
	}{
		{"S256", "", nil, verifier, ""},
		{"S256 mismatch", "", nil, other, ReasonPKCEMismatch},
		{"plain", "", []string{"code_challenge", verifier, "code_challenge_method", "plain"}, verifier, ""},
		{"plain mismatch", "", []string{"code_challenge", verifier, "code_challenge_method", "plain"}, other, ReasonPKCEMismatch},
		{"no method means plain", "", []string{"code_challenge", verifier, "code_challenge_method", ""}, verifier, ""},
		{"no method means S256 where the vendor says so", MethodS256, []string{"code_challenge_method", ""}, verifier, ""},
		{"missing verifier", "", nil, "", ReasonPKCEMissing},
		{"verifier without challenge", "", []string{"code_challenge", "", "code_challenge_method", ""}, verifier, ReasonPKCEUnexpected},
		{"malformed verifier", "", nil, "short", ReasonPKCEMismatch},
		{"no PKCE at all", "", []string{"code_challenge", "", "code_challenge_method", ""}, "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, Options{DefaultChallengeMethod: tc.defaultMethod})
			code := e.code(authQuery(tc.auth...))
			form := codeForm(code, "code_verifier", tc.tokenVerifier)
			iss, err := e.s.Exchange(formRequest(form))
			if tc.wantReason == "" {
				if err != nil || iss.AccessToken == "" {
					t.Fatalf("exchange failed: %v", err)
				}
				return
			}
			if err == nil || err.Code != ErrInvalidGrant || err.Reason != tc.wantReason || err.Status != http.StatusBadRequest {
				t.Fatalf("got %+v, want invalid_grant %s", err, tc.wantReason)
			}
			// A failed verification does not use the code up.
			if _, again := e.s.Exchange(formRequest(form)); again == nil || again.Reason != tc.wantReason {
				t.Fatalf("second try: %+v", again)
			}
		})
	}
}

// formRequest is a token request authenticated in the body.
func formRequest(form url.Values) *http.Request {
	f := url.Values{"client_id": {appID}, "client_secret": {appSecret}}
	for k, v := range form {
		f[k] = v
	}
	r, _ := http.NewRequest(http.MethodPost, "http://emulator/token", strings.NewReader(f.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return r
}

func TestCodeReuseRevokesItsTokens(t *testing.T) {
	e := newEnv(t, Options{})
	code := e.code(authQuery())
	first := e.token(codeForm(code), true)
	if first.status != http.StatusOK {
		t.Fatalf("first exchange: %s", first.raw)
	}
	// The refreshed token belongs to the same grant: it goes too.
	refreshed := e.token(refreshForm(first.str("refresh_token")), false)
	again := e.token(codeForm(code), true)
	wantError(t, again, http.StatusBadRequest, ErrInvalidGrant)
	for _, tok := range []string{first.str("access_token"), refreshed.str("access_token")} {
		if st := e.s.Lookup(tok); st.Status != TokenUnknown {
			t.Errorf("access token of a replayed code: %v", st.Status)
		}
	}
	wantError(t, e.token(refreshForm(first.str("refresh_token")), false), http.StatusBadRequest, ErrInvalidGrant)
	if s := e.s.Stats(); s.CodeExchanges != 1 || s.FailedCodeExchanges != 1 || s.ActiveGrants != 0 || s.Revocations != 1 {
		t.Errorf("stats: %+v", s)
	}
}

func TestTokenRequestErrors(t *testing.T) {
	for _, tc := range []struct {
		name       string
		opts       Options
		req        func(e *env, code string) *http.Request
		status     int
		errCode    string
		wantReason Reason
	}{
		{"wrong redirect_uri", Options{}, func(e *env, code string) *http.Request {
			return e.tokenRequest(codeForm(code, "redirect_uri", "https://app.example/oauth/callback"), true)
		}, 400, ErrInvalidGrant, ReasonRedirectMismatch},
		{"redirect_uri missing though given at authorize", Options{}, func(e *env, code string) *http.Request {
			return e.tokenRequest(codeForm(code, "redirect_uri", ""), true)
		}, 400, ErrInvalidRequest, ReasonRedirectMissing},
		{"wrong secret (Basic)", Options{}, func(e *env, code string) *http.Request {
			r := e.tokenRequest(codeForm(code), false)
			r.SetBasicAuth(appID, "wrong")
			return r
		}, 401, ErrInvalidClient, ReasonBadSecret},
		{"wrong secret (body)", Options{}, func(e *env, code string) *http.Request {
			return e.tokenRequest(codeForm(code, "client_id", appID, "client_secret", "wrong"), false)
		}, 401, ErrInvalidClient, ReasonBadSecret},
		{"unknown client", Options{}, func(e *env, code string) *http.Request {
			return e.tokenRequest(codeForm(code, "client_id", "nobody", "client_secret", "x"), false)
		}, 401, ErrInvalidClient, ReasonUnknownClient},
		{"no client authentication", Options{}, func(e *env, code string) *http.Request {
			return e.tokenRequest(codeForm(code), false)
		}, 401, ErrInvalidClient, ReasonNoClientAuth},
		{"two client authentications", Options{}, func(e *env, code string) *http.Request {
			return e.tokenRequest(codeForm(code, "client_secret", appSecret), true)
		}, 400, ErrInvalidRequest, ReasonMultipleAuth},
		{"another client's code", Options{}, func(e *env, code string) *http.Request {
			return e.tokenRequest(codeForm(code, "client_id", "app-2", "client_secret", "other"), false)
		}, 400, ErrInvalidGrant, ReasonCodeClient},
		{"unknown code", Options{}, func(e *env, code string) *http.Request {
			return e.tokenRequest(codeForm("made-up"), true)
		}, 400, ErrInvalidGrant, ReasonUnknownCode},
		{"expired code", Options{CodeTTL: 5 * time.Minute}, func(e *env, code string) *http.Request {
			e.clock.Advance(5 * time.Minute)
			return e.tokenRequest(codeForm(code), true)
		}, 400, ErrInvalidGrant, ReasonCodeExpired},
		{"missing code", Options{}, func(e *env, code string) *http.Request {
			return e.tokenRequest(codeForm("", "code", ""), true)
		}, 400, ErrInvalidRequest, ReasonMissingCode},
		{"unsupported grant", Options{}, func(e *env, code string) *http.Request {
			return e.tokenRequest(url.Values{"grant_type": {"password"}, "username": {"u"}, "password": {"p"}}, true)
		}, 400, ErrUnsupportedGrantType, ReasonUnsupportedGrant},
		{"missing grant_type", Options{}, func(e *env, code string) *http.Request {
			return e.tokenRequest(codeForm(code, "grant_type", ""), true)
		}, 400, ErrInvalidRequest, ReasonMissingGrantType},
		{"JSON body", Options{}, func(e *env, code string) *http.Request {
			r, _ := http.NewRequest(http.MethodPost, e.url+"/token", strings.NewReader(`{"grant_type":"authorization_code"}`))
			r.Header.Set("Content-Type", "application/json")
			r.SetBasicAuth(appID, appSecret)
			return r
		}, 400, ErrInvalidRequest, ReasonContentType},
		{"repeated parameter", Options{}, func(e *env, code string) *http.Request {
			f := codeForm(code)
			f.Add("code", code)
			return e.tokenRequest(f, true)
		}, 400, ErrInvalidRequest, ReasonMalformed},
		{"redirect_uri required by the vendor", Options{RequireRedirectURI: true}, func(e *env, code string) *http.Request {
			return e.tokenRequest(codeForm(code, "redirect_uri", ""), true)
		}, 400, ErrInvalidRequest, ReasonRedirectMissing},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, tc.opts)
			code := e.code(authQuery())
			a := e.do(tc.req(e, code))
			wantError(t, a, tc.status, tc.errCode)
			if tc.status == 401 && a.header.Get("WWW-Authenticate") == "" {
				t.Error("401 without a WWW-Authenticate challenge")
			}
			// The same request through Exchange names its reason (the
			// failure did not use the code up).
			if _, err := e.s.Exchange(tc.req(e, code)); err == nil || err.Reason != tc.wantReason || err.Code != tc.errCode {
				t.Errorf("Exchange: %+v, want %s", err, tc.wantReason)
			}
			s := e.s.Stats()
			if s.CodeExchanges != 0 || s.FailedCodeExchanges+s.OtherFailures != 2 {
				t.Errorf("stats: %+v", s)
			}
		})
	}
}

func TestAuthorizeErrors(t *testing.T) {
	for _, tc := range []struct {
		name  string
		opts  Options
		query url.Values
		// page: an error page without redirect; else the redirect's error.
		page      bool
		wantError string
	}{
		{"unknown client", Options{}, authQuery("client_id", "evil"), true, ""},
		{"missing client", Options{}, authQuery("client_id", ""), true, ""},
		{"unregistered redirect_uri", Options{}, authQuery("redirect_uri", "https://evil.example/cb"), true, ""},
		{"redirect_uri prefix of a registered one", Options{}, authQuery("redirect_uri", "https://app.example/oauth/callback"), true, ""},
		{"no redirect_uri, several registered", Options{}, authQuery("client_id", "app-2", "redirect_uri", ""), true, ""},
		{"no redirect_uri where the vendor requires it", Options{RequireRedirectURI: true}, authQuery("redirect_uri", ""), true, ""},
		{"bad response_type", Options{}, authQuery("response_type", "token"), false, ErrUnsupportedResponseType},
		{"missing response_type where required", Options{RequireResponseType: true}, authQuery("response_type", ""), false, ErrInvalidRequest},
		{"unknown scope", Options{}, authQuery("scope", "read everything"), false, ErrInvalidScope},
		{"unsupported challenge method", Options{}, authQuery("code_challenge_method", "S512"), false, ErrInvalidRequest},
		{"malformed S256 challenge", Options{}, authQuery("code_challenge", "abc"), false, ErrInvalidRequest},
		{"method without challenge", Options{}, authQuery("code_challenge", ""), false, ErrInvalidRequest},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, tc.opts)
			a := e.authorize(tc.query)
			if tc.page {
				if a.status != http.StatusBadRequest || a.header.Get("Location") != "" ||
					!strings.HasPrefix(a.header.Get("Content-Type"), "text/html") || !strings.Contains(a.raw, "Authorization error") {
					t.Fatalf("want an error page, no redirect: %d %v %s", a.status, a.header, a.raw)
				}
				return
			}
			u := e.redirect(a)
			if got := u.Query().Get("error"); got != tc.wantError || u.Query().Get("state") != "st-42" {
				t.Fatalf("redirect %s, want error %s with the state", u, tc.wantError)
			}
			if !strings.HasPrefix(u.String(), "https://app.example/oauth/callback?") || u.Query().Get("tenant") != "t1" {
				t.Errorf("redirect %s lost the registered URI's query", u)
			}
		})
	}
}

func TestAuthorizeDefaultsToTheOnlyRedirectURI(t *testing.T) {
	e := newEnv(t, Options{})
	code := e.code(authQuery("redirect_uri", ""))
	// Not given at authorize: the token request may omit it too.
	if a := e.token(codeForm(code, "redirect_uri", ""), true); a.status != http.StatusOK {
		t.Fatalf("token: %s", a.raw)
	}
}

func TestConsentPage(t *testing.T) {
	e := newEnv(t, Options{Vendor: "Acme CRM", User: func() User {
		return User{ID: "7", Name: "Ada <Admin>", Email: "ada@example.com"}
	}})
	a := e.authorize(authQuery("scope", "read admin", "state", `"><script>alert(1)</script>`))
	if a.status != http.StatusOK {
		t.Fatalf("%d %s", a.status, a.raw)
	}
	for _, want := range []string{
		`<button type="submit" name="decision" value="allow" id="allow">Allow</button>`,
		`<button type="submit" name="decision" value="deny" id="deny">Deny</button>`,
		`<html lang="en">`, "Acme &lt;Sync&gt; wants to access your Acme CRM account",
		"Ada &lt;Admin&gt;", "ada@example.com", "<code>read</code>", "<code>admin</code>",
		`name="state" value="&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"`,
		`name="code_challenge_method" value="S256"`, `<form method="post">`,
	} {
		if !strings.Contains(a.raw, want) {
			t.Errorf("page lacks %s:\n%s", want, a.raw)
		}
	}
	if strings.Contains(a.raw, "<script>") {
		t.Error("the page carries unescaped markup")
	}
	if a.header.Get("X-Frame-Options") != "DENY" || !strings.Contains(a.header.Get("Content-Security-Policy"), "frame-ancestors 'none'") {
		t.Errorf("the page may be framed: %v", a.header)
	}
	// The state comes back unchanged, however odd.
	u := e.redirect(e.decide(authQuery("state", `"><script>alert(1)</script>`), "allow"))
	if u.Query().Get("state") != `"><script>alert(1)</script>` {
		t.Errorf("state came back as %q", u.Query().Get("state"))
	}
	// A post without a decision is refused.
	form := authQuery()
	req, _ := http.NewRequest(http.MethodPost, e.url+"/authorize", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if a := e.do(req); a.status != http.StatusBadRequest || a.header.Get("Location") != "" {
		t.Errorf("post without decision: %d", a.status)
	}
}

func TestDeny(t *testing.T) {
	for _, tc := range []struct {
		name, denyError, denyDesc string
	}{
		{"RFC", "", ""},
		{"vendor's own error", "user_denied", "end-user denied authorization"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, Options{DenyError: tc.denyError, DenyDescription: tc.denyDesc})
			u := e.redirect(e.decide(authQuery(), "deny"))
			q := u.Query()
			want := tc.denyError
			if want == "" {
				want = ErrAccessDenied
			}
			if q.Get("error") != want || q.Get("error_description") != tc.denyDesc || q.Get("state") != "st-42" || q.Has("code") {
				t.Fatalf("deny redirect: %s", u)
			}
			if s := e.s.Stats(); s.Denials != 1 || s.Authorizations != 0 {
				t.Errorf("stats: %+v", s)
			}
		})
	}
}

func TestRefresh(t *testing.T) {
	for _, tc := range []struct {
		name               string
		opts               Options
		wantRefreshInReply bool
		wantRotated        bool
	}{
		{"no rotation", Options{ReturnRefreshOnRefresh: true}, true, false},
		{"rotation", Options{RotateRefresh: true, ReturnRefreshOnRefresh: true}, true, true},
		{"no refresh token in the reply", Options{}, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.opts.AccessTTL = time.Hour
			e := newEnv(t, tc.opts)
			first := e.tokens()
			rt := first.str("refresh_token")
			e.clock.Advance(10 * time.Minute)
			a := e.token(refreshForm(rt), false)
			if a.status != http.StatusOK || a.str("access_token") == "" || a.str("access_token") == first.str("access_token") {
				t.Fatalf("refresh: %s", a.raw)
			}
			got := a.str("refresh_token")
			switch {
			case !tc.wantRefreshInReply && got != "":
				t.Errorf("reply carries a refresh token: %s", a.raw)
			case tc.wantRefreshInReply && tc.wantRotated == (got == rt):
				t.Errorf("refresh token %q after %q, rotated want %v", got, rt, tc.wantRotated)
			}
			// The old access token lives on until it expires.
			if !e.s.Lookup(first.str("access_token")).Valid() {
				t.Error("refresh killed the previous access token")
			}
			again := e.token(refreshForm(rt), false)
			if tc.wantRotated {
				wantError(t, again, http.StatusBadRequest, ErrInvalidGrant)
				again = e.token(refreshForm(got), false)
			}
			if again.status != http.StatusOK {
				t.Fatalf("second refresh: %s", again.raw)
			}
			if s := e.s.Stats(); s.Refreshes != 2 || s.ActiveGrants != 1 {
				t.Errorf("stats: %+v", s)
			}
		})
	}
}

func TestRefreshRules(t *testing.T) {
	t.Run("scope may narrow, not widen", func(t *testing.T) {
		e := newEnv(t, Options{})
		a := e.token(codeForm(e.code(authQuery("scope", "read write"))), true)
		f := refreshForm(a.str("refresh_token"))
		f.Set("scope", "read")
		if n := e.token(f, false); n.status != http.StatusOK || n.str("scope") != "read" {
			t.Fatalf("narrowing: %s", n.raw)
		}
		f.Set("scope", "read admin")
		wantError(t, e.token(f, false), http.StatusBadRequest, ErrInvalidScope)
	})
	t.Run("another client's refresh token", func(t *testing.T) {
		e := newEnv(t, Options{})
		rt := e.tokens().str("refresh_token")
		f := refreshForm(rt)
		f.Set("client_id", "app-2")
		f.Set("client_secret", "other")
		wantError(t, e.token(f, false), http.StatusBadRequest, ErrInvalidGrant)
	})
	t.Run("no refresh token without the vendor's scope", func(t *testing.T) {
		e := newEnv(t, Options{RefreshFor: func(scopes []string) bool { return strings.Contains(strings.Join(scopes, " "), "admin") }})
		if a := e.tokens(); a.str("refresh_token") != "" {
			t.Errorf("refresh token without the scope: %s", a.raw)
		}
		if a := e.token(codeForm(e.code(authQuery("scope", "admin"))), true); a.str("refresh_token") == "" {
			t.Errorf("no refresh token with the scope: %s", a.raw)
		}
	})
	t.Run("idle refresh token expires", func(t *testing.T) {
		e := newEnv(t, Options{RefreshIdleTTL: 60 * 24 * time.Hour})
		rt := e.tokens().str("refresh_token")
		e.clock.Advance(59 * 24 * time.Hour)
		if a := e.token(refreshForm(rt), false); a.status != http.StatusOK {
			t.Fatalf("refresh within the idle time: %s", a.raw)
		}
		e.clock.Advance(60 * 24 * time.Hour)
		wantError(t, e.token(refreshForm(rt), false), http.StatusBadRequest, ErrInvalidGrant)
		if s := e.s.Stats(); s.Refreshes != 1 || s.FailedRefreshes != 1 {
			t.Errorf("stats: %+v", s)
		}
	})
	t.Run("missing refresh_token", func(t *testing.T) {
		e := newEnv(t, Options{})
		wantError(t, e.token(refreshForm(""), false), http.StatusBadRequest, ErrInvalidRequest)
	})
}

func TestRevocation(t *testing.T) {
	for _, tc := range []struct {
		name string
		// revoke revokes something of a token answer.
		revoke          func(e *env, a answer) bool
		accessSurvives  bool // until it expires
		refreshSurvives bool
	}{
		{"grant by refresh token", func(e *env, a answer) bool { return e.s.Revoke(a.str("refresh_token")) }, false, false},
		{"grant by access token", func(e *env, a answer) bool { return e.s.Revoke(a.str("access_token")) }, false, false},
		{"refresh token alone", func(e *env, a answer) bool { return e.s.RevokeRefreshToken(a.str("refresh_token")) }, true, false},
		{"access token alone", func(e *env, a answer) bool { return e.s.RevokeAccessToken(a.str("access_token")) }, false, true},
		{"all", func(e *env, a answer) bool { return e.s.RevokeAll() == 1 }, false, false},
		{"RFC 7009 endpoint, refresh token", func(e *env, a answer) bool {
			return e.post("/revoke", url.Values{"token": {a.str("refresh_token")}}, true).status == http.StatusOK
		}, false, false},
		{"RFC 7009 endpoint, access token", func(e *env, a answer) bool {
			return e.post("/revoke", url.Values{"token": {a.str("access_token")}}, true).status == http.StatusOK
		}, false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, Options{AccessTTL: time.Hour})
			a := e.tokens()
			if !tc.revoke(e, a) {
				t.Fatal("nothing was revoked")
			}
			at := a.str("access_token")
			if got := e.s.Lookup(at).Valid(); got != tc.accessSurvives {
				t.Errorf("access token valid %v, want %v", got, tc.accessSurvives)
			}
			e.clock.Advance(time.Hour)
			if st := e.s.Lookup(at); st.Valid() {
				t.Errorf("access token still valid after its expiry: %+v", st)
			}
			r := e.token(refreshForm(a.str("refresh_token")), false)
			if tc.refreshSurvives {
				if r.status != http.StatusOK {
					t.Errorf("refresh after revoking the access token: %s", r.raw)
				}
				return
			}
			wantError(t, r, http.StatusBadRequest, ErrInvalidGrant)
		})
	}
	t.Run("unknown tokens", func(t *testing.T) {
		e := newEnv(t, Options{})
		if e.s.Revoke("nope") || e.s.RevokeRefreshToken("nope") || e.s.RevokeAccessToken("nope") {
			t.Error("revoked an unknown token")
		}
		// RFC 7009 section 2.2: 200 even so; and another client's token stays.
		a := e.tokens()
		f := url.Values{"token": {a.str("refresh_token")}, "client_id": {"app-2"}, "client_secret": {"other"}}
		if r := e.post("/revoke", f, false); r.status != http.StatusOK || !e.s.Lookup(a.str("access_token")).Valid() {
			t.Errorf("another client revoked the grant: %d", r.status)
		}
		if r := e.post("/revoke", url.Values{"token": {"nope"}}, true); r.status != http.StatusOK {
			t.Errorf("unknown token: %d", r.status)
		}
	})
}

func TestExpiryAndLookup(t *testing.T) {
	e := newEnv(t, Options{AccessTTL: 30 * time.Minute})
	a := e.tokens()
	at := a.str("access_token")
	if st := e.s.Lookup("never-issued"); st.Status != TokenUnknown || st.Valid() {
		t.Errorf("unknown token: %+v", st)
	}
	e.clock.Advance(29 * time.Minute)
	if !e.s.Lookup(at).Valid() {
		t.Fatal("expired early")
	}
	e.clock.Advance(time.Minute)
	st := e.s.Lookup(at)
	if st.Status != TokenExpired || !st.ExpiresAt.Equal(e.clock.Now()) {
		t.Fatalf("natural expiry: %+v", st)
	}
	// A fresh token, then the control: expired now, at this instant.
	fresh := e.token(refreshForm(a.str("refresh_token")), false).str("access_token")
	if n := e.s.ExpireAccessTokens(); n != 1 {
		t.Errorf("expired %d tokens, want the one live", n)
	}
	if st := e.s.Lookup(fresh); st.Status != TokenExpired || !st.ExpiresAt.Equal(e.clock.Now()) || st.Status.String() != "expired" {
		t.Errorf("after ExpireAccessTokens: %+v", st)
	}
	// Tokens without a lifetime expire by the control only.
	e2 := newEnv(t, Options{})
	at2 := e2.tokens().str("access_token")
	e2.clock.Advance(1000 * time.Hour)
	if !e2.s.Lookup(at2).Valid() {
		t.Fatal("a token without lifetime expired")
	}
	if !e2.s.ExpireAccessToken(at2) || e2.s.Lookup(at2).Status != TokenExpired || e2.s.ExpireAccessToken(at2) {
		t.Error("ExpireAccessToken")
	}
}

func TestExpiredTokensAreForgottenEventually(t *testing.T) {
	e := newEnv(t, Options{AccessTTL: time.Minute, CodeTTL: time.Minute})
	code := e.code(authQuery())
	a := e.token(codeForm(code), true)
	e.clock.Advance(25 * time.Hour)
	for i := 0; i < sweepEvery; i++ {
		e.s.issueCode(authRequest{client: Client{ID: appID}, redirect: appURI})
	}
	if st := e.s.Lookup(a.str("access_token")); st.Status != TokenUnknown {
		t.Errorf("a token expired a day ago is still held: %v", st.Status)
	}
	e.s.mu.Lock()
	_, held := e.s.codes[code]
	e.s.mu.Unlock()
	if held {
		t.Error("a code expired a day ago is still held")
	}
	// The grant's refresh token is untouched.
	if r := e.token(refreshForm(a.str("refresh_token")), false); r.status != http.StatusOK {
		t.Errorf("refresh after the sweep: %s", r.raw)
	}
}

func TestConcurrentRefreshesAreCountedExactly(t *testing.T) {
	const n = 40
	for _, tc := range []struct {
		name        string
		rotate      bool
		wantOK      int
		wantRefresh int64
	}{
		{"without rotation every refresh succeeds", false, n, n},
		{"with rotation exactly one wins", true, 1, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, Options{RotateRefresh: tc.rotate, ReturnRefreshOnRefresh: true, AccessTTL: time.Hour})
			rt := e.tokens().str("refresh_token")
			var (
				wg     sync.WaitGroup
				mu     sync.Mutex
				ok     int
				tokens = map[string]bool{}
			)
			for i := 0; i < n; i++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					a := e.token(refreshForm(rt), false)
					mu.Lock()
					defer mu.Unlock()
					if a.status == http.StatusOK {
						ok++
						tokens[a.str("access_token")] = true
					}
				}()
			}
			wg.Wait()
			s := e.s.Stats()
			if ok != tc.wantOK || len(tokens) != ok || s.Refreshes != tc.wantRefresh || s.FailedRefreshes != int64(n-tc.wantOK) {
				t.Fatalf("%d succeeded (%d distinct tokens), stats %+v", ok, len(tokens), s)
			}
			if s.LiveAccessTokens != ok+1 {
				t.Errorf("live access tokens %d, want %d", s.LiveAccessTokens, ok+1)
			}
		})
	}
}

func TestControlEndpoints(t *testing.T) {
	e := newEnv(t, Options{AccessTTL: time.Hour})
	a := e.tokens()
	e.tokens()
	call := func(method, path string) answer {
		req, _ := http.NewRequest(method, e.url+path, nil)
		return e.do(req)
	}
	st := call(http.MethodGet, "/_emulator/oauth/stats")
	var stats Stats
	if err := json.Unmarshal([]byte(st.raw), &stats); err != nil || st.status != 200 ||
		stats.Authorizations != 2 || stats.CodeExchanges != 2 || stats.ActiveGrants != 2 || stats.LiveAccessTokens != 2 {
		t.Fatalf("stats: %d %s", st.status, st.raw)
	}
	if !strings.Contains(st.raw, `"code_exchanges":2`) || !strings.Contains(st.raw, `"failed_refreshes":0`) {
		t.Errorf("stats names: %s", st.raw)
	}
	if x := call(http.MethodPost, "/_emulator/oauth/expire"); x.status != 200 || x.json["expired"] != 2.0 {
		t.Fatalf("expire: %d %s", x.status, x.raw)
	}
	if e.s.Lookup(a.str("access_token")).Status != TokenExpired {
		t.Error("expire left a token valid")
	}
	if x := call(http.MethodPost, "/_emulator/oauth/revoke"); x.status != 200 || x.json["revoked"] != 2.0 {
		t.Fatalf("revoke: %d %s", x.status, x.raw)
	}
	wantError(t, e.token(refreshForm(a.str("refresh_token")), false), http.StatusBadRequest, ErrInvalidGrant)
	if x := call(http.MethodPost, "/_emulator/oauth/revoke"); x.json["revoked"] != 0.0 {
		t.Errorf("second revoke: %s", x.raw)
	}
	if x := call(http.MethodPost, "/_emulator/oauth/nothing"); x.status != http.StatusNotFound {
		t.Errorf("unknown control: %d", x.status)
	}
	if x := call(http.MethodGet, "/_emulator/oauth/expire"); x.status == http.StatusOK {
		t.Errorf("GET expire: %d", x.status)
	}
}

func TestRegisterClientLate(t *testing.T) {
	e := newEnv(t, Options{})
	late := "http://127.0.0.1:4567/oauth/callback"
	q := authQuery("client_id", "dev", "redirect_uri", late)
	if a := e.authorize(q); a.status != http.StatusBadRequest {
		t.Fatalf("unregistered client: %d", a.status)
	}
	e.s.RegisterClient(Client{ID: "dev", Secret: "dev-secret", RedirectURIs: []string{late}})
	u := e.redirect(e.decide(q, "allow"))
	if !strings.HasPrefix(u.String(), late+"?") {
		t.Fatalf("redirect to %s", u)
	}
	f := codeForm(u.Query().Get("code"), "redirect_uri", late, "client_id", "dev", "client_secret", "dev-secret")
	if a := e.token(f, false); a.status != http.StatusOK {
		t.Fatalf("token: %s", a.raw)
	}
	if c, ok := e.s.Client("dev"); !ok || c.Secret != "dev-secret" {
		t.Error("Client")
	}
}

func TestScopesFixedByApp(t *testing.T) {
	// Pipedrive's way: the scope parameter is ignored, the app's scopes granted.
	e := newEnv(t, Options{Scopes: []string{}, DefaultScopes: []string{"base", "deals:full"}})
	a := e.token(codeForm(e.code(authQuery("scope", "anything at all"))), true)
	if a.status != http.StatusOK || a.str("scope") != "base deals:full" {
		t.Fatalf("token: %s", a.raw)
	}
}

func TestTokenFormat(t *testing.T) {
	e := newEnv(t, Options{Format: func(kind TokenKind, random string) string {
		return map[TokenKind]string{KindCode: "C-", KindAccess: "A-", KindRefresh: "R-"}[kind] + random
	}})
	a := e.tokens()
	if !strings.HasPrefix(a.str("access_token"), "A-") || !strings.HasPrefix(a.str("refresh_token"), "R-") || len(a.str("access_token")) != 45 {
		t.Errorf("formats: %s", a.raw)
	}
}

func TestExchangeWithoutBody(t *testing.T) {
	e := newEnv(t, Options{})
	r, _ := http.NewRequest(http.MethodPost, "http://emulator/token", nil)
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if _, err := e.s.Exchange(r); err == nil || err.Reason != ReasonMalformed {
		t.Fatalf("got %+v", err)
	}
	if s := e.s.Stats(); s.OtherFailures != 1 {
		t.Errorf("stats: %+v", s)
	}
}
