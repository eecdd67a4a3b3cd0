package store

import (
	"context"
	"fmt"
	"time"
)

// The refresh lease is how replicas agree on who refreshes a connection's
// OAuth tokens: a conditional UPDATE of the credential's row takes it only
// when no live lease is held and the credential is still the version the
// caller read. It is a database lock, not a process one, so it holds across
// every replica of connect; it expires, so a replica that dies holding it
// blocks nobody for long.

// TakeRefreshLease takes the refresh lease of a connection's credential for
// owner until until, if the credential is still at version and no other
// lease is live at now. It reports whether owner holds the lease.
func (s *Store) TakeRefreshLease(ctx context.Context, connectionID string, version int64, owner string, now, until time.Time) (bool, error) {
	res, err := s.db.ExecContext(ctx, s.q(`UPDATE credentials SET refresh_lease_owner = $3, refresh_lease_until = $4
		WHERE connection_id = $1 AND version = $2 AND (refresh_lease_until IS NULL OR refresh_lease_until < $5 OR refresh_lease_owner = $3)`),
		connectionID, version, owner, micros(until), micros(now))
	if err != nil {
		return false, fmt.Errorf("store: take refresh lease: %w", err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// CompleteRefresh stores refreshed tokens and releases the lease, if owner
// still holds it and the credential is still at c.Version. It reports
// whether the tokens were stored; false means the lease was lost or the
// credential replaced meanwhile, and the tokens must not be used.
func (s *Store) CompleteRefresh(ctx context.Context, c Credential, owner string) (bool, error) {
	res, err := s.db.ExecContext(ctx, s.q(`UPDATE credentials SET key_id = $3, sealed = $4, expire_time = $5, update_time = $6,
			refreshable = $7, version = version + 1, refresh_lease_owner = '', refresh_lease_until = NULL,
			refresh_failures = 0, next_refresh_time = NULL
		WHERE connection_id = $1 AND refresh_lease_owner = $2 AND version = $8`),
		c.ConnectionID, owner, c.KeyID, c.Sealed, nullMicros(c.ExpireTime), micros(c.UpdateTime), boolInt(c.Refreshable), c.Version)
	if err != nil {
		return false, fmt.Errorf("store: complete refresh: %w", err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// ReleaseRefreshLease gives the lease up after a failed refresh, counting
// the failure and holding the background refresher off until next.
func (s *Store) ReleaseRefreshLease(ctx context.Context, connectionID, owner string, next time.Time) error {
	_, err := s.db.ExecContext(ctx, s.q(`UPDATE credentials SET refresh_lease_owner = '', refresh_lease_until = NULL,
			refresh_failures = refresh_failures + 1, next_refresh_time = $3
		WHERE connection_id = $1 AND refresh_lease_owner = $2`),
		connectionID, owner, nullMicros(next))
	if err != nil {
		return fmt.Errorf("store: release refresh lease: %w", err)
	}
	return nil
}

// RefreshDue is a credential the background refresher should refresh.
type RefreshDue struct {
	ConnectionID string
	ProjectID    string
}

// CredentialsToRefresh lists up to limit credentials of ACTIVE connections
// (status 1) that hold a refresh token and expire before horizon, whose
// last failure does not hold them off at now. Soonest expiry first.
func (s *Store) CredentialsToRefresh(ctx context.Context, horizon, now time.Time, limit int) ([]RefreshDue, error) {
	rows, err := s.db.QueryContext(ctx, s.q(fmt.Sprintf(`SELECT c.connection_id, n.project_id FROM credentials c
		JOIN connections n ON n.id = c.connection_id
		WHERE c.refreshable = 1 AND c.expire_time IS NOT NULL AND c.expire_time < $1
			AND (c.next_refresh_time IS NULL OR c.next_refresh_time <= $2)
			AND (c.refresh_lease_until IS NULL OR c.refresh_lease_until < $2)
			AND n.status = 1
		ORDER BY c.expire_time LIMIT %d`, limit)), micros(horizon), micros(now))
	if err != nil {
		return nil, fmt.Errorf("store: credentials to refresh: %w", err)
	}
	defer rows.Close()
	var out []RefreshDue
	for rows.Next() {
		var d RefreshDue
		if err := rows.Scan(&d.ConnectionID, &d.ProjectID); err != nil {
			return nil, fmt.Errorf("store: credentials to refresh: %w", err)
		}
		out = append(out, d)
	}
	return out, rows.Err()
}
