package webhook_test

import (
	"strings"
	"testing"
	"time"

	"github.com/unimesh/unimesh/pkg/webhook"
)

func TestVerify(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	body := []byte(`{"id":"evt_1","type":"crm.contact.updated"}`)
	secret, other := webhook.NewSecret(), webhook.NewSecret()
	good := webhook.Sign(now, body, secret)
	both := webhook.Sign(now, body, other, secret)
	for _, c := range []struct {
		name    string
		header  string
		body    []byte
		now     time.Time
		secrets []string
		want    error
	}{
		{"good", good, body, now, []string{secret}, nil},
		{"one of two signatures", both, body, now, []string{secret}, nil},
		{"one of two secrets", good, body, now, []string{other, secret}, nil},
		{"within tolerance", good, body, now.Add(4 * time.Minute), []string{secret}, nil},
		{"replayed later", good, body, now.Add(6 * time.Minute), []string{secret}, webhook.ErrTooOld},
		{"from the future", good, body, now.Add(-6 * time.Minute), []string{secret}, webhook.ErrTooOld},
		{"body changed", good, []byte(`{"id":"evt_2"}`), now, []string{secret}, webhook.ErrNoMatch},
		{"wrong secret", good, body, now, []string{other}, webhook.ErrNoMatch},
		{"timestamp changed", strings.Replace(good, "t=1800000000", "t=1800000001", 1), body, now, []string{secret}, webhook.ErrNoMatch},
		{"no header", "", body, now, []string{secret}, webhook.ErrNoHeader},
		{"no secret", good, body, now, nil, webhook.ErrNoSecrets},
		{"no timestamp", "v1=" + strings.Repeat("0", 64), body, now, []string{secret}, webhook.ErrMalformed},
		{"two timestamps", "t=1,t=2," + good[strings.Index(good, "v1="):], body, now, []string{secret}, webhook.ErrMalformed},
		{"short signature", "t=1800000000,v1=abcd", body, now, []string{secret}, webhook.ErrMalformed},
		{"not hex", "t=1800000000,v1=" + strings.Repeat("z", 64), body, now, []string{secret}, webhook.ErrMalformed},
		{"garbage", "hello", body, now, []string{secret}, webhook.ErrMalformed},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := webhook.Verify(c.header, c.body, c.now, 0, c.secrets...)
			if (c.want == nil) != (err == nil) || (c.want != nil && err != c.want) {
				t.Fatalf("Verify = %v, want %v", err, c.want)
			}
		})
	}
	if !strings.HasPrefix(secret, webhook.SecretPrefix) || secret == other || len(secret) < 40 {
		t.Fatalf("secrets: %q %q", secret, other)
	}
	if a, b := webhook.Sign(now, body, secret), webhook.Sign(now, body, secret); a != b {
		t.Fatal("signing is not deterministic")
	}
}
