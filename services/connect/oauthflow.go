package connect

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"golang.org/x/oauth2"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/unimesh/unimesh/pkg/apierr"
	"github.com/unimesh/unimesh/pkg/connector"
	"github.com/unimesh/unimesh/pkg/providerhttp"
	"github.com/unimesh/unimesh/pkg/store"
	meshv1 "github.com/unimesh/unimesh/proto/unimesh/mesh/v1"
	platformv1 "github.com/unimesh/unimesh/proto/unimesh/platform/v1"
)

// stateTTL bounds how long an end user may spend at the provider's consent page.
const stateTTL = 10 * time.Minute

// CallbackPath is where the gateway receives providers' OAuth redirects.
const CallbackPath = "/oauth/callback"

// OAuthClient is an OAuth app's client credentials.
type OAuthClient struct {
	ClientID     string
	ClientSecret string
	// Scopes to ask for; the integration's defaults when empty.
	Scopes []string
}

// oauthApp is the app a flow of the project at an integration runs with.
type oauthApp struct {
	client      OAuthClient
	redirectURI string
}

// findOAuthApp returns the project's own app for slug or, failing that,
// the operator's default one (the sandboxes' dev client in `unimesh dev`).
func (s *Service) findOAuthApp(ctx context.Context, projectID, slug string) (oauthApp, bool, error) {
	row, err := s.store.GetOAuthApp(ctx, projectID, slug)
	switch {
	case err == nil:
		secret, err := s.keyring.Open(row.KeyID, row.SealedSecret, oauthAppOwner(projectID, slug))
		if err != nil {
			return oauthApp{}, false, fmt.Errorf("open oauth app secret: %w", err)
		}
		return oauthApp{client: OAuthClient{ClientID: row.ClientID, ClientSecret: string(secret), Scopes: row.Scopes},
			redirectURI: row.RedirectURI}, true, nil
	case !errors.Is(err, store.ErrNotFound):
		return oauthApp{}, false, err
	}
	if c, ok := s.devApps[slug]; ok {
		return oauthApp{client: c}, true, nil
	}
	return oauthApp{}, false, nil
}

func (s *Service) hasOAuthApp(ctx context.Context, projectID, slug string) bool {
	_, ok, err := s.findOAuthApp(ctx, projectID, slug)
	if err != nil {
		s.logger.WarnContext(ctx, "read oauth app", "integration", slug, "error", err.Error())
	}
	return ok
}

func oauthAppOwner(projectID, slug string) string { return store.OAuthAppOwner(projectID, slug) }

// oauthConfig is the x/oauth2 configuration of a flow.
func (s *Service) oauthConfig(d *connector.Descriptor, app oauthApp, config map[string]string) (*oauth2.Config, error) {
	authURL, tokenURL, err := d.OAuth.ResolveEndpoints(config)
	if err != nil {
		return nil, err
	}
	style := oauth2.AuthStyleInHeader
	if d.OAuth.ClientSecretInBody {
		style = oauth2.AuthStyleInParams
	}
	scopes := app.client.Scopes
	if len(scopes) == 0 {
		scopes = d.OAuth.DefaultScopes
	}
	redirect := app.redirectURI
	if redirect == "" {
		redirect = s.publicURL + CallbackPath
	}
	return &oauth2.Config{
		ClientID: app.client.ClientID, ClientSecret: app.client.ClientSecret, RedirectURL: redirect,
		Endpoint: oauth2.Endpoint{AuthURL: authURL, TokenURL: tokenURL, AuthStyle: style},
		// x/oauth2 joins scopes with spaces; a provider with another
		// separator gets them pre-joined.
		Scopes: joinScopes(scopes, d.OAuth.Separator()),
	}, nil
}

func joinScopes(scopes []string, sep string) []string {
	if sep == " " || len(scopes) == 0 {
		return scopes
	}
	return []string{strings.Join(scopes, sep)}
}

// tokenContext makes x/oauth2 use the provider HTTP client: traced, with
// the private-address guard of the mesh.
func (s *Service) tokenContext(ctx context.Context, slug string) context.Context {
	return context.WithValue(providerhttp.ForIntegration(ctx, slug), oauth2.HTTPClient, s.http.HTTPClient())
}

func randomID(prefix string, n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(fmt.Sprintf("crypto/rand failed: %v", err))
	}
	return prefix + base64.RawURLEncoding.EncodeToString(b)
}

// StartOAuth implements meshv1.ConnectPagesServiceServer.
func (s *Service) StartOAuth(ctx context.Context, req *meshv1.StartOAuthRequest) (*meshv1.StartOAuthResponse, error) {
	row, err := s.openSession(ctx, req.GetToken())
	if err != nil {
		return nil, err
	}
	if err := s.offeredIntegration(row, req.GetIntegration()); err != nil {
		return nil, err
	}
	d, in, err := s.integration(req.GetIntegration())
	if err != nil {
		return nil, err
	}
	if d.OAuth == nil || !slices.Contains(in.GetAuthTypes(), platformv1.AuthType_AUTH_TYPE_OAUTH2) {
		return nil, apierr.New(codes.FailedPrecondition, apierr.ReasonOAuthNotSupported, in.GetName()+" does not connect through OAuth")
	}
	app, ok, err := s.findOAuthApp(ctx, row.ProjectID, d.Slug)
	if err != nil {
		return nil, s.internal(ctx, "read oauth app", err)
	}
	if !ok {
		return nil, apierr.New(codes.FailedPrecondition, apierr.ReasonOAuthAppNotFound,
			fmt.Sprintf("%s is not set up yet: the project has no OAuth app for it", in.GetName()), "integration", d.Slug)
	}
	config := map[string]string{}
	for k, v := range req.GetConfig() {
		if !slices.Contains(d.OAuth.PreConfig, k) {
			return nil, invalidField("config."+k, fmt.Sprintf("%s takes no %q before connecting", in.GetName(), k))
		}
		config[k] = strings.TrimSpace(v)
	}
	for _, k := range d.OAuth.PreConfig {
		if config[k] == "" {
			return nil, invalidField("config."+k, fmt.Sprintf("%s needs %s first", in.GetName(), k))
		}
	}
	conf, err := s.oauthConfig(d, app, config)
	if err != nil {
		return nil, invalidField("config", err.Error())
	}
	now := s.now().UTC()
	stateID := randomID("st_", 18)
	verifier := oauth2.GenerateVerifier()
	binding := randomID("", 24)
	keyID, sealed, err := s.keyring.Seal([]byte(verifier), stateID)
	if err != nil {
		return nil, s.internal(ctx, "seal verifier", err)
	}
	expire := now.Add(stateTTL)
	if err := s.store.CreateOAuthState(ctx, store.OAuthState{
		ID: stateID, SessionID: row.ID, Integration: d.Slug, Config: config, RedirectURI: conf.RedirectURL,
		KeyID: keyID, SealedVerifier: sealed, BindingHash: hashToken(binding), CreateTime: now, ExpireTime: expire,
	}); err != nil {
		return nil, s.internal(ctx, "save oauth state", err)
	}
	var opts []oauth2.AuthCodeOption
	if !d.OAuth.NoPKCE {
		opts = append(opts, oauth2.S256ChallengeOption(verifier))
	}
	for k, v := range d.OAuth.AuthParams {
		opts = append(opts, oauth2.SetAuthURLParam(k, v))
	}
	s.logger.InfoContext(ctx, "oauth started", "connect_session", row.ID, "integration", d.Slug)
	return &meshv1.StartOAuthResponse{
		AuthorizationUrl: conf.AuthCodeURL(s.signState(stateID, expire), opts...),
		BrowserBinding:   binding,
	}, nil
}

// signState makes the state parameter: "<id>.<expiry>.<MAC>". The MAC
// lets a forged or altered state be refused before the store is asked.
func (s *Service) signState(id string, expire time.Time) string {
	payload := id + "." + strconv.FormatInt(expire.Unix(), 10)
	return payload + "." + s.keyring.Sign("oauth-state", []byte(payload))
}

// checkState verifies a state's MAC and expiry and returns its id.
func (s *Service) checkState(state string) (string, error) {
	parts := strings.SplitN(state, ".", 3)
	bad := apierr.InvalidArgument(apierr.ReasonOAuthStateInvalid, "the sign-in answer does not belong to a sign-in Unimesh started",
		apierr.FieldViolation{Field: "state", Description: "not a state Unimesh signed", Reason: apierr.ReasonOAuthStateInvalid})
	if len(parts) != 3 {
		return "", bad
	}
	if !s.keyring.Verify("oauth-state", []byte(parts[0]+"."+parts[1]), parts[2]) {
		return "", bad
	}
	exp, err := strconv.ParseInt(parts[1], 10, 64)
	if err != nil {
		return "", bad
	}
	if !s.now().Before(time.Unix(exp, 0)) {
		return "", apierr.New(codes.FailedPrecondition, apierr.ReasonOAuthStateExpired,
			"the sign-in took too long and expired: start again from the connect link")
	}
	return parts[0], nil
}

// CompleteOAuth implements meshv1.ConnectPagesServiceServer.
func (s *Service) CompleteOAuth(ctx context.Context, req *meshv1.CompleteOAuthRequest) (*meshv1.ConnectResult, error) {
	id, err := s.checkState(req.GetState())
	if err != nil {
		return nil, err
	}
	st, err := s.store.UseOAuthState(ctx, id, s.now().UTC())
	switch {
	case errors.Is(err, store.ErrNotFound):
		return nil, apierr.InvalidArgument(apierr.ReasonOAuthStateInvalid, "the sign-in answer does not belong to a sign-in Unimesh started")
	case errors.Is(err, store.ErrConflict):
		return nil, apierr.New(codes.FailedPrecondition, apierr.ReasonOAuthStateUsed,
			"this sign-in answer was used already: start again from the connect link")
	case err != nil:
		return nil, s.internal(ctx, "use oauth state", err)
	}
	if subtle.ConstantTimeCompare(hashToken(req.GetBrowserBinding()), st.BindingHash) != 1 {
		return nil, apierr.New(codes.PermissionDenied, apierr.ReasonOAuthBrowserMismatch,
			"the sign-in was started in another browser: open the connect link again in this one")
	}
	row, err := s.store.GetConnectSessionByID(ctx, st.SessionID)
	if err != nil {
		return nil, s.internal(ctx, "read connect session", err)
	}
	if err := s.sessionUsable(row); err != nil {
		return nil, err
	}
	d, in, err := s.integration(st.Integration)
	if err != nil || d.OAuth == nil {
		return nil, apierr.New(codes.FailedPrecondition, apierr.ReasonOAuthNotSupported, "the integration no longer connects through OAuth")
	}
	if e := req.GetError(); e != "" {
		msg := fmt.Sprintf("%s did not grant access (%s)", in.GetName(), clip(e, 64))
		if desc := req.GetErrorDescription(); desc != "" {
			msg += ": " + clip(desc, 200)
		}
		return nil, apierr.New(codes.FailedPrecondition, apierr.ReasonOAuthDenied, msg, "integration", d.Slug)
	}
	if req.GetCode() == "" {
		return nil, invalidField("code", "the sign-in answer carries no authorization code")
	}
	app, ok, err := s.findOAuthApp(ctx, row.ProjectID, d.Slug)
	if err != nil {
		return nil, s.internal(ctx, "read oauth app", err)
	}
	if !ok {
		return nil, apierr.New(codes.FailedPrecondition, apierr.ReasonOAuthAppNotFound, "the project's OAuth app was removed during the sign-in")
	}
	conf, err := s.oauthConfig(d, app, st.Config)
	if err != nil {
		return nil, s.internal(ctx, "oauth config", err)
	}
	// The token request must repeat the redirect URI of the authorization
	// request (RFC 6749 4.1.3), even if the app changed meanwhile.
	conf.RedirectURL = st.RedirectURI
	verifier, err := s.keyring.Open(st.KeyID, st.SealedVerifier, st.ID)
	if err != nil {
		return nil, s.internal(ctx, "open verifier", err)
	}
	var opts []oauth2.AuthCodeOption
	if !d.OAuth.NoPKCE {
		opts = append(opts, oauth2.VerifierOption(string(verifier)))
	}
	tok, err := conf.Exchange(s.tokenContext(ctx, d.Slug), req.GetCode(), opts...)
	if err != nil {
		return nil, s.tokenError(ctx, in, err)
	}
	config := map[string]string{}
	for k, v := range st.Config {
		config[k] = v
	}
	if d.OAuth.Extras != nil {
		extra, err := d.OAuth.Extras(tok.Extra)
		if err != nil {
			return nil, apierr.New(codes.FailedPrecondition, apierr.ReasonOAuthExchangeFailed, err.Error(), "integration", d.Slug)
		}
		for k, v := range extra {
			config[k] = v
		}
	}
	cred := tokenCredentials(tok, nil, conf.Scopes, d.OAuth.Separator(), s.now())
	return s.connectForSession(ctx, row, d.Slug, cred, config)
}

// tokenCredentials turns a token answer into stored credentials. A
// refresh answer without a refresh token keeps the old one (prev), and
// one without scopes keeps the scopes asked for.
func tokenCredentials(tok *oauth2.Token, prev *platformv1.OAuth2Credentials, asked []string, sep string, now time.Time) *platformv1.Credentials {
	o := &platformv1.OAuth2Credentials{AccessToken: tok.AccessToken, RefreshToken: tok.RefreshToken}
	if o.RefreshToken == "" && prev != nil {
		o.RefreshToken = prev.GetRefreshToken()
	}
	// The expiry is counted from the service's clock (x/oauth2 counts from
	// the wall clock), so that every decision about it uses one clock.
	if secs := tok.ExpiresIn; secs > 0 {
		o.ExpireTime = timestamppb.New(now.Add(time.Duration(secs) * time.Second))
	} else if !tok.Expiry.IsZero() {
		o.ExpireTime = timestamppb.New(tok.Expiry)
	}
	switch granted, _ := tok.Extra("scope").(string); {
	case granted != "":
		for sc := range strings.FieldsFuncSeq(granted, func(r rune) bool { return r == ' ' || r == ',' || strings.ContainsRune(sep, r) }) {
			o.Scopes = append(o.Scopes, sc)
		}
	case prev != nil:
		o.Scopes = prev.GetScopes()
	default:
		for _, a := range asked {
			o.Scopes = append(o.Scopes, strings.Fields(a)...)
		}
	}
	return &platformv1.Credentials{Kind: &platformv1.Credentials_Oauth2{Oauth2: o}}
}

// tokenError maps a failed code exchange; the provider's error code and
// words are kept, its raw body is not (it could echo what was sent).
func (s *Service) tokenError(ctx context.Context, in *platformv1.Integration, err error) error {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		code := re.ErrorCode
		if code == "" && re.Response != nil {
			code = strconv.Itoa(re.Response.StatusCode)
		}
		msg := fmt.Sprintf("%s refused the sign-in (%s)", in.GetName(), clip(code, 64))
		if re.ErrorDescription != "" {
			msg += ": " + clip(re.ErrorDescription, 200)
		}
		return apierr.New(codes.FailedPrecondition, apierr.ReasonOAuthExchangeFailed, msg, "integration", in.GetSlug())
	}
	if ctx.Err() != nil {
		return apierr.New(codes.DeadlineExceeded, apierr.ReasonProviderUnavailable, "the sign-in timed out")
	}
	s.logger.WarnContext(ctx, "oauth token request failed", "integration", in.GetSlug(), "error", err.Error())
	return apierr.New(codes.Unavailable, apierr.ReasonProviderUnavailable, in.GetName()+" could not be reached to finish the sign-in")
}

func clip(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}
