// Package vault encrypts connection credentials at rest with AES-256-GCM.
//
// Every value gets a fresh random 96-bit nonce and is sealed with the
// keyring's primary key; the key's id is stored beside the ciphertext, so that
// after a new primary key is added, old values still open with the key they
// were sealed with until `unimesh admin rotate-key` re-seals them. The
// additional data binds a ciphertext to its owner (a connection id): a value
// copied onto another row does not open.
package vault

import (
	"bufio"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"regexp"
	"strings"
)

// KeySize is the size of an AES-256 key.
const KeySize = 32

var keyIDPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,32}$`)

// ErrUnknownKey means a ciphertext was sealed with a key this keyring lacks.
var ErrUnknownKey = errors.New("vault: ciphertext sealed with a key that is not in the keyring")

// ErrOpen means a ciphertext failed authentication: wrong key, wrong owner or tampering.
var ErrOpen = errors.New("vault: ciphertext does not open")

// Keyring holds the master keys: one primary to seal, all to open.
type Keyring struct {
	primary string
	order   []string
	aeads   map[string]cipher.AEAD
	macKeys map[string][]byte
}

// Key is one master key with its id.
type Key struct {
	ID  string
	Raw []byte
}

// NewKeyring builds a keyring whose first key is the primary.
func NewKeyring(keys ...Key) (*Keyring, error) {
	if len(keys) == 0 {
		return nil, errors.New("vault: no master key")
	}
	k := &Keyring{aeads: make(map[string]cipher.AEAD, len(keys)), macKeys: make(map[string][]byte, len(keys))}
	for _, key := range keys {
		if len(key.Raw) != KeySize {
			return nil, fmt.Errorf("vault: key %q has %d bytes, want %d", key.ID, len(key.Raw), KeySize)
		}
		if !keyIDPattern.MatchString(key.ID) {
			return nil, fmt.Errorf("vault: key id %q: use 1 to 32 letters, digits, '_' or '-'", key.ID)
		}
		if _, dup := k.aeads[key.ID]; dup {
			return nil, fmt.Errorf("vault: key id %q appears twice", key.ID)
		}
		block, err := aes.NewCipher(key.Raw)
		if err != nil {
			return nil, fmt.Errorf("vault: key %q: %w", key.ID, err)
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, fmt.Errorf("vault: key %q: %w", key.ID, err)
		}
		k.aeads[key.ID] = aead
		// MAC keys are derived, never the sealing key itself: one key,
		// one use.
		d := hmac.New(sha256.New, key.Raw)
		d.Write([]byte("unimesh mac key"))
		k.macKeys[key.ID] = d.Sum(nil)
		k.order = append(k.order, key.ID)
	}
	k.primary = keys[0].ID
	return k, nil
}

// PrimaryID is the id of the key new values are sealed with.
func (k *Keyring) PrimaryID() string { return k.primary }

// IDs lists the key ids, primary first.
func (k *Keyring) IDs() []string { return append([]string(nil), k.order...) }

// Seal encrypts plaintext for owner with the primary key. The result is
// nonce || ciphertext || tag.
func (k *Keyring) Seal(plaintext []byte, owner string) (keyID string, sealed []byte, err error) {
	aead := k.aeads[k.primary]
	nonce := make([]byte, aead.NonceSize(), aead.NonceSize()+len(plaintext)+aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return "", nil, fmt.Errorf("vault: nonce: %w", err)
	}
	return k.primary, aead.Seal(nonce, nonce, plaintext, []byte(owner)), nil
}

// Open decrypts a value sealed for owner with the key keyID.
func (k *Keyring) Open(keyID string, sealed []byte, owner string) ([]byte, error) {
	aead, ok := k.aeads[keyID]
	if !ok {
		return nil, fmt.Errorf("%w (key id %q)", ErrUnknownKey, keyID)
	}
	if len(sealed) < aead.NonceSize()+aead.Overhead() {
		return nil, ErrOpen
	}
	nonce, body := sealed[:aead.NonceSize()], sealed[aead.NonceSize():]
	out, err := aead.Open(nil, nonce, body, []byte(owner))
	if err != nil {
		return nil, ErrOpen
	}
	return out, nil
}

// Sign returns a MAC of msg for purpose (such as "oauth-state") with the
// primary key, as "<key id>.<base64url MAC>". Values signed for one purpose
// do not verify for another.
func (k *Keyring) Sign(purpose string, msg []byte) string {
	return k.primary + "." + base64.RawURLEncoding.EncodeToString(k.mac(k.primary, purpose, msg))
}

// Verify checks a signature from Sign with whichever key made it.
func (k *Keyring) Verify(purpose string, msg []byte, sig string) bool {
	id, b64, ok := strings.Cut(sig, ".")
	if !ok {
		return false
	}
	if _, known := k.macKeys[id]; !known {
		return false
	}
	// Strict: a MAC has one spelling. The lenient decoder ignores the
	// unused bits of the last character, so four spellings of one MAC
	// would verify.
	got, err := base64.RawURLEncoding.Strict().DecodeString(b64)
	if err != nil {
		return false
	}
	return hmac.Equal(got, k.mac(id, purpose, msg))
}

func (k *Keyring) mac(id, purpose string, msg []byte) []byte {
	m := hmac.New(sha256.New, k.macKeys[id])
	m.Write([]byte(purpose))
	m.Write([]byte{0})
	m.Write(msg)
	return m.Sum(nil)
}

// GenerateKey returns a new random key with an id derived from it.
func GenerateKey() (Key, error) {
	raw := make([]byte, KeySize)
	if _, err := rand.Read(raw); err != nil {
		return Key{}, fmt.Errorf("vault: generate key: %w", err)
	}
	return Key{ID: DeriveID(raw), Raw: raw}, nil
}

// DeriveID names a key by a fingerprint of it, for keys given without an id.
func DeriveID(raw []byte) string {
	sum := sha256.Sum256(raw)
	return "k" + hex.EncodeToString(sum[:6])
}

// ParseKeys reads a keyring spec: keys separated by commas or newlines, each
// "id:base64" or a bare base64 key (its id is then derived from it). The first
// key is the primary. Blank lines and lines starting with '#' are skipped.
func ParseKeys(spec string) ([]Key, error) {
	var keys []Key
	sc := bufio.NewScanner(strings.NewReader(spec))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		for item := range strings.SplitSeq(line, ",") {
			key, err := parseKey(strings.TrimSpace(item), len(keys)+1)
			if err != nil {
				return nil, err
			}
			keys = append(keys, key)
		}
	}
	return keys, nil
}

func parseKey(item string, n int) (Key, error) {
	id, b64, hasID := strings.Cut(item, ":")
	if !hasID {
		b64, id = id, ""
	}
	b64 = strings.TrimSpace(b64)
	raw, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		raw, err = base64.RawURLEncoding.DecodeString(b64)
	}
	if err != nil {
		// Never echo the value: it is a secret, however malformed.
		return Key{}, fmt.Errorf("vault: master key %d is not base64", n)
	}
	if id == "" {
		id = DeriveID(raw)
	}
	return Key{ID: strings.TrimSpace(id), Raw: raw}, nil
}

// FormatKeys writes keys in the form ParseKeys reads, one per line.
func FormatKeys(keys []Key) string {
	var b strings.Builder
	b.WriteString("# Unimesh master keys: the first one seals, all of them open. Keep this file secret.\n")
	for _, k := range keys {
		b.WriteString(k.ID + ":" + base64.StdEncoding.EncodeToString(k.Raw) + "\n")
	}
	return b.String()
}

// Source says where the master keys come from.
type Source struct {
	// Inline is a keyring spec, from UNIMESH_MASTER_KEY.
	Inline string
	// File is a path to a keyring spec, from UNIMESH_MASTER_KEY_FILE.
	File string
}

// Load reads the keyring from the source. It fails when neither is set:
// the caller decides whether to create one (dev mode) or refuse to start (mesh mode).
func (s Source) Load() (*Keyring, error) {
	var spec string
	switch {
	case s.Inline != "":
		spec = s.Inline
	case s.File != "":
		b, err := os.ReadFile(s.File)
		if err != nil {
			return nil, fmt.Errorf("vault: read master key file: %w", err)
		}
		spec = string(b)
	default:
		return nil, errors.New("vault: no master key: set UNIMESH_MASTER_KEY or UNIMESH_MASTER_KEY_FILE")
	}
	keys, err := ParseKeys(spec)
	if err != nil {
		return nil, err
	}
	return NewKeyring(keys...)
}

// LoadOrCreateFile reads the keyring in path, creating it with one new key
// (mode 0600) when the file does not exist. For the embedded dev mode only.
func LoadOrCreateFile(path string) (*Keyring, error) {
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		key, err := GenerateKey()
		if err != nil {
			return nil, err
		}
		if err := os.WriteFile(path, []byte(FormatKeys([]Key{key})), 0o600); err != nil {
			return nil, fmt.Errorf("vault: write master key file: %w", err)
		}
	}
	return Source{File: path}.Load()
}
