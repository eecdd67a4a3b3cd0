package connect

import (
	"context"
	"fmt"

	"github.com/unimesh/unimesh/pkg/store"
	"github.com/unimesh/unimesh/pkg/vault"
)

// RotateResult counts what a rotation did.
type RotateResult struct {
	Resealed int
	// Remaining counts credentials still under another key (written
	// concurrently); run again to finish.
	Remaining map[string]int
}

// Rotate re-seals every credential not sealed with the keyring's primary
// key, in batches. It is safe to run while the services run: a credential
// replaced meanwhile is left as it is (it is already under the primary key).
func Rotate(ctx context.Context, s *store.Store, kr *vault.Keyring) (RotateResult, error) {
	var res RotateResult
	primary := kr.PrimaryID()
	skipped := map[string]bool{}
	for {
		batch, err := s.CredentialsNotUnderKey(ctx, primary, 200+len(skipped))
		if err != nil {
			return res, err
		}
		progressed := false
		for _, c := range batch {
			if skipped[c.ConnectionID] {
				continue
			}
			plain, err := kr.Open(c.KeyID, c.Sealed, c.ConnectionID)
			if err != nil {
				return res, fmt.Errorf("connection %s: %w", c.ConnectionID, err)
			}
			keyID, sealed, err := kr.Seal(plain, c.ConnectionID)
			if err != nil {
				return res, err
			}
			ok, err := s.ResealCredential(ctx, c.ConnectionID, c.KeyID, keyID, sealed)
			if err != nil {
				return res, err
			}
			if ok {
				res.Resealed++
				progressed = true
			} else {
				skipped[c.ConnectionID] = true
			}
		}
		if !progressed {
			break
		}
	}
	counts, err := s.CountCredentialsByKey(ctx)
	if err != nil {
		return res, err
	}
	delete(counts, primary)
	res.Remaining = counts
	return res, nil
}
