// Package auth holds what every service needs to know about callers: the API
// key format, the principal a key resolves to, which scope each method needs,
// and the gRPC interceptor that enforces it.
package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base32"
	"encoding/base64"
	"fmt"
	"slices"
	"strings"

	platformv1 "github.com/unimesh/unimesh/proto/unimesh/platform/v1"
)

// KeyPrefix starts every Unimesh API key, so that secret scanners and humans
// recognise one.
const KeyPrefix = "umk_"

var idEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// NewID returns a random lowercase id with the given prefix, such as
// "conn_k3j5...". 80 random bits: unguessable, and short enough for URLs.
func NewID(prefix string) string {
	var b [10]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(fmt.Sprintf("crypto/rand failed: %v", err)) // the OS has no entropy: nothing can be safe
	}
	return prefix + idEncoding.EncodeToString(b[:])
}

// GeneratedKey is a new API key. Full is shown to the user once; only Hash is stored.
type GeneratedKey struct {
	ID   string // public id, also the key's visible prefix
	Full string // "umk_<id>_<secret>"
	Hash []byte // SHA-256 of the secret
}

// GenerateKey makes a new API key with 256 random bits of secret. A fast hash
// is enough to store it: the secret is random, not a password, so there is
// nothing to brute-force.
func GenerateKey() GeneratedKey {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(fmt.Sprintf("crypto/rand failed: %v", err))
	}
	id := NewID("")[:12]
	secret := base64.RawURLEncoding.EncodeToString(b[:])
	return GeneratedKey{ID: id, Full: KeyPrefix + id + "_" + secret, Hash: HashSecret(secret)}
}

// KeyFromSecretMaterial builds a key with a chosen full text, for
// UNIMESH_DEV_API_KEY: the text must itself have the key format.
func KeyFromSecretMaterial(full string) (GeneratedKey, error) {
	id, secret, ok := ParseKey(full)
	if !ok {
		return GeneratedKey{}, fmt.Errorf("an API key has the form %s<12 letters or digits>_<at least 32 characters>", KeyPrefix)
	}
	return GeneratedKey{ID: id, Full: full, Hash: HashSecret(secret)}, nil
}

// ParseKey splits a full key into its id and secret.
func ParseKey(full string) (id, secret string, ok bool) {
	rest, found := strings.CutPrefix(full, KeyPrefix)
	if !found {
		return "", "", false
	}
	id, secret, found = strings.Cut(rest, "_")
	if !found || len(id) != 12 || len(secret) < 32 || len(secret) > 128 {
		return "", "", false
	}
	for _, r := range id {
		if !(r >= 'a' && r <= 'z' || r >= '2' && r <= '7') {
			return "", "", false
		}
	}
	return id, secret, true
}

// HashSecret is how a key's secret is stored.
func HashSecret(secret string) []byte {
	sum := sha256.Sum256([]byte(secret))
	return sum[:]
}

// SecretMatches compares in constant time.
func SecretMatches(hash []byte, secret string) bool {
	return subtle.ConstantTimeCompare(hash, HashSecret(secret)) == 1
}

// DisplayPrefix is the part of a key that may be shown again: "umk_<id>".
func DisplayPrefix(id string) string { return KeyPrefix + id }

// Principal is an authenticated caller.
type Principal struct {
	ProjectID string
	KeyID     string
	Scopes    []platformv1.Scope
	// Internal marks a Unimesh service acting for the project (the events
	// service polling providers), not a caller with a key.
	Internal bool
}

// Allows reports whether the principal holds required: ADMIN implies WRITE,
// and WRITE implies READ.
func (p *Principal) Allows(required platformv1.Scope) bool {
	if p == nil {
		return false
	}
	for _, s := range p.Scopes {
		if s == required || s == platformv1.Scope_SCOPE_ADMIN ||
			(s == platformv1.Scope_SCOPE_WRITE && required == platformv1.Scope_SCOPE_READ) {
			return true
		}
	}
	return false
}

// ParseScopes reads a comma-separated list such as "read,write".
func ParseScopes(s string) ([]platformv1.Scope, error) {
	var out []platformv1.Scope
	for part := range strings.SplitSeq(s, ",") {
		part = strings.TrimSpace(strings.ToLower(part))
		if part == "" {
			continue
		}
		v, ok := platformv1.Scope_value["SCOPE_"+strings.ToUpper(part)]
		if !ok || v == 0 {
			return nil, fmt.Errorf("unknown scope %q (read, write or admin)", part)
		}
		if !slices.Contains(out, platformv1.Scope(v)) {
			out = append(out, platformv1.Scope(v))
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no scope given (read, write or admin)")
	}
	return out, nil
}

// FormatScopes writes scopes as "read,write".
func FormatScopes(scopes []platformv1.Scope) string {
	parts := make([]string, 0, len(scopes))
	for _, s := range scopes {
		parts = append(parts, strings.ToLower(strings.TrimPrefix(s.String(), "SCOPE_")))
	}
	return strings.Join(parts, ",")
}
