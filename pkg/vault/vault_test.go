package vault

import (
	"bytes"
	"errors"
	"path/filepath"
	"strings"
	"testing"
)

func mustKey(t *testing.T) Key {
	t.Helper()
	k, err := GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestSealOpenRoundTrip(t *testing.T) {
	kr, err := NewKeyring(mustKey(t))
	if err != nil {
		t.Fatal(err)
	}
	id, sealed, err := kr.Seal([]byte("s3cret-token"), "conn_a")
	if err != nil {
		t.Fatal(err)
	}
	if id != kr.PrimaryID() {
		t.Fatalf("sealed with %q, want primary %q", id, kr.PrimaryID())
	}
	if bytes.Contains(sealed, []byte("s3cret")) {
		t.Fatal("plaintext visible in ciphertext")
	}
	got, err := kr.Open(id, sealed, "conn_a")
	if err != nil || string(got) != "s3cret-token" {
		t.Fatalf("Open = %q, %v", got, err)
	}
}

func TestFreshNoncePerValue(t *testing.T) {
	kr, _ := NewKeyring(mustKey(t))
	seen := map[string]bool{}
	for range 100 {
		_, sealed, err := kr.Seal([]byte("same"), "conn_a")
		if err != nil {
			t.Fatal(err)
		}
		nonce := string(sealed[:12])
		if seen[nonce] {
			t.Fatal("nonce reused")
		}
		seen[nonce] = true
	}
}

func TestOpenRefusesWrongOwnerTamperingAndUnknownKey(t *testing.T) {
	kr, _ := NewKeyring(mustKey(t))
	id, sealed, _ := kr.Seal([]byte("v"), "conn_a")
	if _, err := kr.Open(id, sealed, "conn_b"); !errors.Is(err, ErrOpen) {
		t.Fatalf("other owner: err = %v, want ErrOpen", err)
	}
	bad := bytes.Clone(sealed)
	bad[len(bad)-1] ^= 1
	if _, err := kr.Open(id, bad, "conn_a"); !errors.Is(err, ErrOpen) {
		t.Fatalf("tampered: err = %v, want ErrOpen", err)
	}
	if _, err := kr.Open("nope", sealed, "conn_a"); !errors.Is(err, ErrUnknownKey) {
		t.Fatalf("unknown key: err = %v, want ErrUnknownKey", err)
	}
	if _, err := kr.Open(id, sealed[:5], "conn_a"); !errors.Is(err, ErrOpen) {
		t.Fatalf("short: err = %v, want ErrOpen", err)
	}
}

func TestRotationKeepsOldValuesReadable(t *testing.T) {
	oldKey, newKey := mustKey(t), mustKey(t)
	oldRing, _ := NewKeyring(oldKey)
	oldID, sealed, _ := oldRing.Seal([]byte("v"), "c")
	ring, err := NewKeyring(newKey, oldKey)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := ring.Open(oldID, sealed, "c"); err != nil || string(got) != "v" {
		t.Fatalf("old value after adding a key: %q, %v", got, err)
	}
	newID, _, _ := ring.Seal([]byte("v"), "c")
	if newID != newKey.ID {
		t.Fatalf("new values sealed with %q, want the new primary %q", newID, newKey.ID)
	}
}

func TestParseKeys(t *testing.T) {
	k1, k2 := mustKey(t), mustKey(t)
	spec := FormatKeys([]Key{k1, k2})
	keys, err := ParseKeys(spec)
	if err != nil || len(keys) != 2 || keys[0].ID != k1.ID || !bytes.Equal(keys[1].Raw, k2.Raw) {
		t.Fatalf("ParseKeys(FormatKeys) = %v, %v", keys, err)
	}
	for _, bad := range []string{"not base64!!", "a:" + strings.Repeat("A", 8)} {
		keys, err := ParseKeys(bad)
		if err == nil {
			if _, err = NewKeyring(keys...); err == nil {
				t.Errorf("spec %q accepted", bad)
			}
		}
	}
	if _, err := (Source{}).Load(); err == nil {
		t.Error("an empty source loaded")
	}
}

func TestLoadOrCreateFileIsStable(t *testing.T) {
	path := filepath.Join(t.TempDir(), "master.key")
	a, err := LoadOrCreateFile(path)
	if err != nil {
		t.Fatal(err)
	}
	b, err := LoadOrCreateFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if a.PrimaryID() != b.PrimaryID() {
		t.Fatal("second load made a new key")
	}
	id, sealed, _ := a.Seal([]byte("x"), "o")
	if _, err := b.Open(id, sealed, "o"); err != nil {
		t.Fatal(err)
	}
}

func TestSignAndVerify(t *testing.T) {
	a, _ := GenerateKey()
	b, _ := GenerateKey()
	old, err := NewKeyring(a)
	if err != nil {
		t.Fatal(err)
	}
	sig := old.Sign("oauth-state", []byte("st1.1700000000"))
	rotated, _ := NewKeyring(b, a)
	cases := []struct {
		name    string
		ring    *Keyring
		purpose string
		msg     string
		sig     string
		want    bool
	}{
		{"same keyring", old, "oauth-state", "st1.1700000000", sig, true},
		{"after rotation, by the old key", rotated, "oauth-state", "st1.1700000000", sig, true},
		{"other message", old, "oauth-state", "st2.1700000000", sig, false},
		{"other purpose", old, "console", "st1.1700000000", sig, false},
		{"key dropped", func() *Keyring { r, _ := NewKeyring(b); return r }(), "oauth-state", "st1.1700000000", sig, false},
		{"tampered", old, "oauth-state", "st1.1700000000", sig[:len(sig)-2] + "AA", false},
		{"garbage", old, "oauth-state", "st1.1700000000", "nodot", false},
		{"another spelling of the last character", old, "oauth-state", "st1.1700000000", respell(sig), false},
	}
	for _, c := range cases {
		if got := c.ring.Verify(c.purpose, []byte(c.msg), c.sig); got != c.want {
			t.Errorf("%s: Verify = %v, want %v", c.name, got, c.want)
		}
	}
	if s2 := rotated.Sign("oauth-state", []byte("x")); !strings.HasPrefix(s2, b.ID+".") {
		t.Errorf("a new signature names key %q: %s", b.ID, s2)
	}
}

// respell changes the unused low bits of a raw base64 string's last
// character (43 characters carry 256 bits and 2 spare).
func respell(sig string) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	last := strings.IndexByte(alphabet, sig[len(sig)-1])
	return sig[:len(sig)-1] + string(alphabet[last^1])
}
