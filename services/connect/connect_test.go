package connect

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/unimesh/unimesh/pkg/apierr"
	"github.com/unimesh/unimesh/pkg/store"
	"github.com/unimesh/unimesh/pkg/store/storetest"
	"github.com/unimesh/unimesh/pkg/vault"
	platformv1 "github.com/unimesh/unimesh/proto/unimesh/platform/v1"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

func key(t *testing.T) vault.Key {
	k, err := vault.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestRotateReSealsEveryCredential(t *testing.T) {
	storetest.Run(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		now := time.Now()
		oldKey, newKey := key(t), key(t)
		oldRing, _ := vault.NewKeyring(oldKey)
		svc := New(Options{Store: st, Keyring: oldRing, Logger: quiet})
		p, err := CreateProject(ctx, st, "p", now)
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]*platformv1.Credentials{}
		for i := range 450 { // more than one batch
			id := "conn_" + string(rune('a'+i%26)) + time.Duration(i).String()
			cred := &platformv1.Credentials{Kind: &platformv1.Credentials_ApiKey{ApiKey: &platformv1.ApiKeyCredentials{Key: "secret-" + id}}}
			sealed, err := svc.seal(id, cred)
			if err != nil {
				t.Fatal(err)
			}
			if err := st.CreateConnection(ctx, store.Connection{ID: id, ProjectID: p.ID, Integration: "x", Status: 1, AuthType: 2,
				CreateTime: now, UpdateTime: now}, sealed); err != nil {
				t.Fatal(err)
			}
			want[id] = cred
		}
		ring, _ := vault.NewKeyring(newKey, oldKey)
		res, err := Rotate(ctx, st, ring)
		if err != nil {
			t.Fatal(err)
		}
		if res.Resealed != 450 || len(res.Remaining) != 0 {
			t.Fatalf("rotation: %+v", res)
		}
		// Only the new key is needed now.
		newOnly, _ := vault.NewKeyring(newKey)
		svc = New(Options{Store: st, Keyring: newOnly, Logger: quiet})
		for id, cred := range want {
			_, got, sealed, err := svc.live(ctx, p.ID, id)
			if err != nil {
				t.Fatalf("%s after rotation: %v", id, err)
			}
			if sealed.KeyID != newKey.ID || !proto.Equal(got, cred) {
				t.Fatalf("%s: key %s, credential %v", id, sealed.KeyID, got)
			}
		}
		again, err := Rotate(ctx, st, ring)
		if err != nil || again.Resealed != 0 {
			t.Fatalf("second rotation: %+v, %v", again, err)
		}
		// A keyring without the key a value was sealed with cannot open it.
		oldOnly, _ := vault.NewKeyring(oldKey)
		svc = New(Options{Store: st, Keyring: oldOnly, Logger: quiet})
		for id := range want {
			if _, _, _, err := svc.live(ctx, p.ID, id); err == nil {
				t.Fatal("the old key alone opened a re-sealed credential")
			}
			break
		}
	})
}

func TestKeyVerifier(t *testing.T) {
	storetest.Run(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
		clock := now
		p, _ := CreateProject(ctx, st, "p", now)
		k, full, err := CreateAPIKey(ctx, st, p.ID, "k", []platformv1.Scope{platformv1.Scope_SCOPE_READ}, now)
		if err != nil {
			t.Fatal(err)
		}
		v := NewKeyVerifier(st, quiet, func() time.Time { return clock })
		got, err := v.Verify(ctx, full)
		if err != nil || got.ProjectID != p.ID || got.KeyID != k.ID || len(got.Scopes) != 1 {
			t.Fatalf("Verify = %+v, %v", got, err)
		}
		stored, _ := st.GetAPIKey(ctx, k.ID)
		if !stored.LastUsedTime.Equal(now) {
			t.Fatalf("last used = %v", stored.LastUsedTime)
		}
		clock = now.Add(10 * time.Second)
		_, _ = v.Verify(ctx, full)
		stored, _ = st.GetAPIKey(ctx, k.ID)
		if !stored.LastUsedTime.Equal(now) {
			t.Fatal("last used written twice within a minute")
		}
		flipped := full[:len(full)-1] + map[bool]string{true: "B", false: "A"}[full[len(full)-1] == 'A']
		for _, bad := range []string{"", "umk_", full + "x", flipped, "umk_zzzzzzzzzzzz_" + full[17:], "Bearer " + full} {
			if _, err := v.Verify(ctx, bad); apierr.Reason(err) != apierr.ReasonAPIKeyInvalid {
				t.Errorf("Verify(%.20q...) = %v", bad, err)
			}
		}
		if err := st.DeleteAPIKey(ctx, p.ID, k.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := v.Verify(ctx, full); apierr.Reason(err) != apierr.ReasonAPIKeyInvalid {
			t.Fatalf("revoked key: %v", err)
		}
	})
}

func TestEnsureAPIKeyRefusesAForeignSecret(t *testing.T) {
	st := storetest.SQLite(t)
	ctx := context.Background()
	p, _ := CreateProject(ctx, st, "p", time.Now())
	full := "umk_abcdefghijkl_" + "0123456789abcdefghijklmnopqrstuvwxyz"
	if err := EnsureAPIKey(ctx, st, p.ID, "dev", full, []platformv1.Scope{platformv1.Scope_SCOPE_ADMIN}, time.Now()); err != nil {
		t.Fatal(err)
	}
	if err := EnsureAPIKey(ctx, st, p.ID, "dev", full, nil, time.Now()); err != nil {
		t.Fatalf("second ensure: %v", err)
	}
	other := "umk_abcdefghijkl_" + "ZZZZ456789abcdefghijklmnopqrstuvwxyz"
	if err := EnsureAPIKey(ctx, st, p.ID, "dev", other, nil, time.Now()); err == nil {
		t.Fatal("a key id was reused with another secret")
	}
	if err := EnsureAPIKey(ctx, st, p.ID, "dev", "not-a-key", nil, time.Now()); err == nil {
		t.Fatal("a malformed key was stored")
	}
}
