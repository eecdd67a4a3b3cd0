// Package webhook signs Unimesh's webhook deliveries and verifies them, for
// receivers written in Go. A delivery carries
//
//	Unimesh-Signature: t=<Unix seconds>,v1=<hex HMAC-SHA256>[,v1=<hex>]
//
// where each v1 is HMAC-SHA256, keyed with a signing secret (the whole
// "whsec_..." string), of "<t>.<raw body>". While a rotated secret's overlap
// lasts, there is one v1 per secret. Binding the timestamp into the MAC lets
// a receiver refuse replays of old deliveries: Verify refuses a timestamp
// further than the tolerance from its clock.
package webhook

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Header names of a delivery.
const (
	SignatureHeader = "Unimesh-Signature"
	EventIDHeader   = "Unimesh-Event-Id"
	EventTypeHeader = "Unimesh-Event-Type"
	DeliveryHeader  = "Unimesh-Delivery-Id"
	AttemptHeader   = "Unimesh-Delivery-Attempt"
)

// SecretPrefix starts every signing secret.
const SecretPrefix = "whsec_"

// DefaultTolerance is how far a delivery's timestamp may be from the
// receiver's clock.
const DefaultTolerance = 5 * time.Minute

// NewSecret makes a signing secret with 256 random bits.
func NewSecret() string {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(fmt.Sprintf("crypto/rand failed: %v", err)) // no entropy: nothing can be safe
	}
	return SecretPrefix + base64.RawURLEncoding.EncodeToString(b[:])
}

func mac(secret string, t int64, body []byte) []byte {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(strconv.FormatInt(t, 10)))
	m.Write([]byte{'.'})
	m.Write(body)
	return m.Sum(nil)
}

// Sign returns the signature header's value for body at time t, with one
// signature per secret.
func Sign(t time.Time, body []byte, secrets ...string) string {
	ts := t.Unix()
	var b strings.Builder
	b.WriteString("t=")
	b.WriteString(strconv.FormatInt(ts, 10))
	for _, s := range secrets {
		b.WriteString(",v1=")
		b.WriteString(hex.EncodeToString(mac(s, ts, body)))
	}
	return b.String()
}

// Errors of Verify.
var (
	ErrMalformed  = errors.New("webhook: malformed signature header")
	ErrTooOld     = errors.New("webhook: timestamp outside the tolerance")
	ErrNoMatch    = errors.New("webhook: no signature matches")
	ErrNoSecrets  = errors.New("webhook: no signing secret to verify with")
	ErrNoHeader   = errors.New("webhook: no signature header")
	errBadVersion = errors.New("webhook: no v1 signature")
)

// Verify checks a delivery's signature header against its raw body: a v1
// signature must match one of the secrets, and the timestamp must lie
// within tolerance of now (DefaultTolerance when zero).
func Verify(header string, body []byte, now time.Time, tolerance time.Duration, secrets ...string) error {
	if len(secrets) == 0 {
		return ErrNoSecrets
	}
	if header == "" {
		return ErrNoHeader
	}
	if tolerance == 0 {
		tolerance = DefaultTolerance
	}
	var (
		ts    int64
		haveT bool
		sigs  [][]byte
	)
	for _, part := range strings.Split(header, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return ErrMalformed
		}
		switch k {
		case "t":
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || haveT {
				return ErrMalformed
			}
			ts, haveT = n, true
		case "v1":
			sig, err := hex.DecodeString(v)
			if err != nil || len(sig) != sha256.Size {
				return ErrMalformed
			}
			sigs = append(sigs, sig)
		}
	}
	if !haveT {
		return ErrMalformed
	}
	if len(sigs) == 0 {
		return errBadVersion
	}
	if d := now.Sub(time.Unix(ts, 0)); d > tolerance || d < -tolerance {
		return ErrTooOld
	}
	for _, s := range secrets {
		want := mac(s, ts, body)
		for _, sig := range sigs {
			if hmac.Equal(sig, want) {
				return nil
			}
		}
	}
	return ErrNoMatch
}
