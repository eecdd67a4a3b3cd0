// Package oauthemu is the OAuth 2.0 authorization server of Unimesh's
// vendor emulators: a vendor-neutral, in-memory implementation of the
// authorization code grant, so that Unimesh's whole OAuth flow (consent,
// code exchange with PKCE, refresh, revocation) runs offline against an
// emulator in tests and in `unimesh dev`.
//
// It follows:
//   - RFC 6749 (The OAuth 2.0 Authorization Framework): the authorization
//     endpoint (4.1.1, 4.1.2) and its error handling, which shows an error
//     page instead of redirecting when the client or redirect URI cannot
//     be trusted (4.1.2.1); exact redirect URI matching (3.1.2); the token
//     endpoint (4.1.3, 6) with client authentication by HTTP Basic or by
//     client_id and client_secret in the body (2.3.1); error codes and
//     statuses (5.2); single-use codes whose replay revokes the tokens they
//     gave (4.1.2, 10.5).
//   - RFC 7636 (PKCE): S256 and plain code challenges, verifier syntax and
//     the check at the token endpoint (4.1 to 4.6).
//   - RFC 7009 (Token Revocation): revoking a refresh token revokes its
//     grant's access tokens; revoking an access token revokes it alone.
//
// A vendor emulator configures a Server with its vendor's rules (scopes,
// lifetimes, rotation, token shapes), mounts ServeAuthorize at its
// vendor's authorization path, calls Exchange from its token endpoint and
// renders the Issued tokens or the Error in its vendor's own body shape,
// and checks the bearer tokens of its API calls with Lookup.
//
// What it does not do: sign-in (the consent page's user is the sandbox
// user of Options.User), the implicit, password, client credentials and
// device grants, OpenID Connect, token introspection (RFC 7662), and
// persistence (grants live as long as the process).
package oauthemu
