// Package pagetoken wraps a provider's pagination cursor (a cursor, an
// offset, a next-URL, ...) in the opaque page_token of the unified API.
//
// A token is bound to the request it came from — the connection, the method
// and its filters — so that a token replayed with other parameters is refused
// (AIP-158) instead of silently paging the wrong list. Tokens are not
// encrypted: the cursor inside is the caller's own provider's, useless
// without the connection's credentials.
package pagetoken

import (
	"crypto/sha256"
	"encoding/base64"
	"strings"

	"github.com/unimesh/unimesh/pkg/apierr"
)

const version = 1

// Encode returns the token for cursor, bound to scope. An empty cursor (the
// last page) gives an empty token.
func Encode(scope, cursor string) string {
	if cursor == "" {
		return ""
	}
	sum := sha256.Sum256([]byte(scope))
	buf := make([]byte, 0, 9+len(cursor))
	buf = append(buf, version)
	buf = append(buf, sum[:8]...)
	buf = append(buf, cursor...)
	return base64.RawURLEncoding.EncodeToString(buf)
}

// Decode returns the cursor of token, which must have been made for scope.
// An empty token is the first page: an empty cursor.
func Decode(scope, token string) (string, error) {
	if token == "" {
		return "", nil
	}
	buf, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil || len(buf) < 10 || buf[0] != version {
		return "", invalid("page_token is not a token this API issued")
	}
	sum := sha256.Sum256([]byte(scope))
	if string(buf[1:9]) != string(sum[:8]) {
		return "", invalid("page_token was issued for a different request: keep the other parameters the same from page to page")
	}
	return string(buf[9:]), nil
}

// Scope builds a scope from the parts a token must be bound to.
func Scope(parts ...string) string { return strings.Join(parts, "\x00") }

func invalid(msg string) error {
	return apierr.InvalidArgument(apierr.ReasonInvalidPageToken, msg,
		apierr.FieldViolation{Field: "page_token", Description: msg, Reason: apierr.ReasonInvalidPageToken})
}
