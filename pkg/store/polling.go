package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// PollConnection is the polling schedule of one connection.
type PollConnection struct {
	ConnectionID string
	ProjectID    string
	// Interval is the connection's own interval; zero means the default.
	Interval     time.Duration
	Disabled     bool
	NextPollTime time.Time
}

// EnsurePollConnection schedules a connection's polling unless it is
// scheduled already or no longer exists.
func (s *Store) EnsurePollConnection(ctx context.Context, connectionID, projectID string, next time.Time) error {
	// A connection deleted meanwhile is not scheduled (nor refused by the
	// foreign key): reading an old connection.created is no error.
	_, err := s.db.ExecContext(ctx, s.q(`INSERT INTO poll_connections (connection_id, project_id, next_poll_time)
		SELECT id, project_id, $3 FROM connections WHERE id = $1 AND project_id = $2
		ON CONFLICT (connection_id) DO NOTHING`), connectionID, projectID, micros(next))
	if err != nil {
		return fmt.Errorf("store: schedule polling: %w", err)
	}
	return nil
}

// GetPollConnection returns a connection's polling schedule.
func (s *Store) GetPollConnection(ctx context.Context, connectionID string) (PollConnection, error) {
	var (
		p             PollConnection
		interval, nxt int64
		disabled      int
	)
	err := s.db.QueryRowContext(ctx, s.q(`SELECT connection_id, project_id, interval_us, disabled, next_poll_time FROM poll_connections
		WHERE connection_id = $1`), connectionID).Scan(&p.ConnectionID, &p.ProjectID, &interval, &disabled, &nxt)
	if errors.Is(err, sql.ErrNoRows) {
		return p, ErrNotFound
	}
	if err != nil {
		return p, fmt.Errorf("store: get polling: %w", err)
	}
	p.Interval, p.Disabled, p.NextPollTime = time.Duration(interval)*time.Microsecond, disabled != 0, fromMicros(nxt)
	return p, nil
}

// SetPollSettings changes a connection's interval and whether it is polled,
// and when it is next due.
func (s *Store) SetPollSettings(ctx context.Context, connectionID string, interval time.Duration, disabled bool, next time.Time) error {
	res, err := s.db.ExecContext(ctx, s.q(`UPDATE poll_connections SET interval_us = $2, disabled = $3, next_poll_time = $4
		WHERE connection_id = $1`), connectionID, interval.Microseconds(), boolInt(disabled), micros(next))
	if err != nil {
		return fmt.Errorf("store: set polling: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}

// DuePollConnections lists connections whose poll is due and whose lease
// is free, soonest first.
func (s *Store) DuePollConnections(ctx context.Context, now time.Time, limit int) ([]PollConnection, error) {
	rows, err := s.db.QueryContext(ctx, s.q(fmt.Sprintf(`SELECT connection_id, project_id, interval_us, next_poll_time FROM poll_connections
		WHERE disabled = 0 AND next_poll_time <= $1 AND lease_until < $1 ORDER BY next_poll_time LIMIT %d`, limit)), micros(now))
	if err != nil {
		return nil, fmt.Errorf("store: due polls: %w", err)
	}
	defer rows.Close()
	var out []PollConnection
	for rows.Next() {
		var (
			p             PollConnection
			interval, nxt int64
		)
		if err := rows.Scan(&p.ConnectionID, &p.ProjectID, &interval, &nxt); err != nil {
			return nil, fmt.Errorf("store: due polls: %w", err)
		}
		p.Interval, p.NextPollTime = time.Duration(interval)*time.Microsecond, fromMicros(nxt)
		out = append(out, p)
	}
	return out, rows.Err()
}

// ClaimPoll takes a connection's poll lease for owner until the given time.
// Only one owner holds it: the claim is one conditional UPDATE.
func (s *Store) ClaimPoll(ctx context.Context, connectionID, owner string, now, until time.Time) (bool, error) {
	res, err := s.db.ExecContext(ctx, s.q(`UPDATE poll_connections SET lease_owner = $2, lease_until = $3
		WHERE connection_id = $1 AND disabled = 0 AND next_poll_time <= $4 AND lease_until < $4`),
		connectionID, owner, micros(until), micros(now))
	if err != nil {
		return false, fmt.Errorf("store: claim poll: %w", err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// ExtendPoll moves the end of a held poll lease (a long first listing).
func (s *Store) ExtendPoll(ctx context.Context, connectionID, owner string, until time.Time) (bool, error) {
	res, err := s.db.ExecContext(ctx, s.q(`UPDATE poll_connections SET lease_until = $3 WHERE connection_id = $1 AND lease_owner = $2`),
		connectionID, owner, micros(until))
	if err != nil {
		return false, fmt.Errorf("store: extend poll: %w", err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// FinishPoll releases a poll lease and schedules the next poll.
func (s *Store) FinishPoll(ctx context.Context, connectionID, owner string, next time.Time) error {
	_, err := s.db.ExecContext(ctx, s.q(`UPDATE poll_connections SET lease_owner = '', lease_until = 0, next_poll_time = $3
		WHERE connection_id = $1 AND lease_owner = $2`), connectionID, owner, micros(next))
	if err != nil {
		return fmt.Errorf("store: finish poll: %w", err)
	}
	return nil
}

// PollObject is the poll state of one object of a connection.
type PollObject struct {
	ConnectionID string
	Object       string
	BaselineDone bool
	// Cursor is the modified-since time of the next poll.
	Cursor        time.Time
	LastPollTime  time.Time
	LastSweepTime time.Time
	// SweepGen numbers full listings: a record not seen by the latest one
	// was deleted.
	SweepGen    int64
	Unsupported bool
	LastError   string
}

// PollObjects returns a connection's object states.
func (s *Store) PollObjects(ctx context.Context, connectionID string) ([]PollObject, error) {
	rows, err := s.db.QueryContext(ctx, s.q(`SELECT connection_id, object, baseline_done, cursor_time, last_poll_time, last_sweep_time,
		sweep_gen, unsupported, last_error FROM poll_objects WHERE connection_id = $1 ORDER BY object`), connectionID)
	if err != nil {
		return nil, fmt.Errorf("store: poll objects: %w", err)
	}
	defer rows.Close()
	var out []PollObject
	for rows.Next() {
		var (
			p                   PollObject
			base, unsup         int
			cursor, poll, sweep int64
		)
		if err := rows.Scan(&p.ConnectionID, &p.Object, &base, &cursor, &poll, &sweep, &p.SweepGen, &unsup, &p.LastError); err != nil {
			return nil, fmt.Errorf("store: poll objects: %w", err)
		}
		p.BaselineDone, p.Unsupported = base != 0, unsup != 0
		p.Cursor, p.LastPollTime, p.LastSweepTime = fromMicros(cursor), fromMicros(poll), fromMicros(sweep)
		out = append(out, p)
	}
	return out, rows.Err()
}

// PutPollObject writes an object's state.
func (s *Store) PutPollObject(ctx context.Context, p PollObject) error {
	_, err := s.db.ExecContext(ctx, s.q(`INSERT INTO poll_objects (connection_id, object, baseline_done, cursor_time, last_poll_time,
		last_sweep_time, sweep_gen, unsupported, last_error) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
		ON CONFLICT (connection_id, object) DO UPDATE SET baseline_done = excluded.baseline_done, cursor_time = excluded.cursor_time,
		last_poll_time = excluded.last_poll_time, last_sweep_time = excluded.last_sweep_time, sweep_gen = excluded.sweep_gen,
		unsupported = excluded.unsupported, last_error = excluded.last_error`),
		p.ConnectionID, p.Object, boolInt(p.BaselineDone), micros(p.Cursor), micros(p.LastPollTime), micros(p.LastSweepTime),
		p.SweepGen, boolInt(p.Unsupported), p.LastError)
	if err != nil {
		return fmt.Errorf("store: put poll object: %w", err)
	}
	return nil
}

// ForgetConnection drops a connection's poll state and fingerprints (its
// connection row may be gone already, so the cascade cannot be relied on).
func (s *Store) ForgetConnection(ctx context.Context, connectionID string) error {
	for _, table := range []string{"record_fingerprints", "poll_objects", "poll_connections", "native_subscriptions"} {
		if _, err := s.db.ExecContext(ctx, s.q(`DELETE FROM `+table+` WHERE connection_id = $1`), connectionID); err != nil {
			return fmt.Errorf("store: forget connection: %w", err)
		}
	}
	return nil
}

// Fingerprint is a record's id and the hash of its normalized form.
type Fingerprint struct {
	RecordID string
	Hash     []byte
}

// placeholders returns "$from, $from+1, ..." for n values.
func placeholders(from, n int) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "$%d", from+i)
	}
	return b.String()
}

// KnownFingerprints returns the stored hashes of the given records, by id.
func (s *Store) KnownFingerprints(ctx context.Context, connectionID, object string, ids []string) (map[string][]byte, error) {
	out := make(map[string][]byte, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	args := make([]any, 0, len(ids)+2)
	args = append(args, connectionID, object)
	for _, id := range ids {
		args = append(args, id)
	}
	rows, err := s.db.QueryContext(ctx, s.q(`SELECT record_id, fingerprint FROM record_fingerprints
		WHERE connection_id = $1 AND object = $2 AND record_id IN (`+placeholders(3, len(ids))+`)`), args...)
	if err != nil {
		return nil, fmt.Errorf("store: known fingerprints: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			id string
			h  []byte
		)
		if err := rows.Scan(&id, &h); err != nil {
			return nil, fmt.Errorf("store: known fingerprints: %w", err)
		}
		out[id] = h
	}
	return out, rows.Err()
}

// PutFingerprints stores hashes without emitting anything (the baseline),
// marking them seen by sweep gen. One statement per page.
func (s *Store) PutFingerprints(ctx context.Context, connectionID, object string, fps []Fingerprint, gen int64) error {
	if len(fps) == 0 {
		return nil
	}
	var b strings.Builder
	args := make([]any, 0, len(fps)*5)
	for i, f := range fps {
		if i > 0 {
			b.WriteString(", ")
		}
		n := len(args)
		fmt.Fprintf(&b, "($%d, $%d, $%d, $%d, $%d)", n+1, n+2, n+3, n+4, n+5)
		args = append(args, connectionID, object, f.RecordID, f.Hash, gen)
	}
	_, err := s.db.ExecContext(ctx, s.q(`INSERT INTO record_fingerprints (connection_id, object, record_id, fingerprint, sweep_gen)
		VALUES `+b.String()+` ON CONFLICT (connection_id, object, record_id) DO UPDATE SET fingerprint = excluded.fingerprint,
		sweep_gen = excluded.sweep_gen`), args...)
	if err != nil {
		return fmt.Errorf("store: put fingerprints: %w", err)
	}
	return nil
}

// MarkSeen records that a sweep saw unchanged records.
func (s *Store) MarkSeen(ctx context.Context, connectionID, object string, ids []string, gen int64) error {
	if len(ids) == 0 {
		return nil
	}
	args := make([]any, 0, len(ids)+3)
	args = append(args, connectionID, object, gen)
	for _, id := range ids {
		args = append(args, id)
	}
	_, err := s.db.ExecContext(ctx, s.q(`UPDATE record_fingerprints SET sweep_gen = $3
		WHERE connection_id = $1 AND object = $2 AND record_id IN (`+placeholders(4, len(ids))+`)`), args...)
	if err != nil {
		return fmt.Errorf("store: mark seen: %w", err)
	}
	return nil
}

// Unseen lists records a sweep of generation gen did not see.
func (s *Store) Unseen(ctx context.Context, connectionID, object string, gen int64, limit int) ([]string, error) {
	rows, err := s.db.QueryContext(ctx, s.q(fmt.Sprintf(`SELECT record_id FROM record_fingerprints
		WHERE connection_id = $1 AND object = $2 AND sweep_gen < $3 LIMIT %d`, limit)), connectionID, object, gen)
	if err != nil {
		return nil, fmt.Errorf("store: unseen records: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("store: unseen records: %w", err)
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// CountFingerprints counts the records known of a connection's object.
func (s *Store) CountFingerprints(ctx context.Context, connectionID, object string) (int64, error) {
	var n int64
	err := s.db.QueryRowContext(ctx, s.q(`SELECT COUNT(*) FROM record_fingerprints WHERE connection_id = $1 AND object = $2`),
		connectionID, object).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("store: count fingerprints: %w", err)
	}
	return n, nil
}

// Change kinds a fingerprint update can find.
const (
	ChangeNone    = 0
	ChangeCreated = 1
	ChangeUpdated = 2
	ChangeDeleted = 3
)

// RecordChange is one record's new state: its hash, or nil when it is gone.
type RecordChange struct {
	ConnectionID string
	Object       string
	RecordID     string
	Hash         []byte // nil: deleted
	SweepGen     int64  // for a hash: the sweep that saw it; -1 keeps the stored one
}

// ApplyChange stores a record's new state and, in the same transaction,
// the event build makes for the kind of change the store found. The
// compare is a conditional write, so when a poll, a native webhook and a
// write through Unimesh report the same change at once exactly one of them
// finds it and makes the event. build returning ok=false stores the state
// without an event (a baseline).
func (s *Store) ApplyChange(ctx context.Context, c RecordChange, build func(kind int) (Event, []Delivery, bool)) (int, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return ChangeNone, fmt.Errorf("store: apply change: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	kind := ChangeNone
	if c.Hash == nil {
		res, err := tx.ExecContext(ctx, s.q(`DELETE FROM record_fingerprints WHERE connection_id = $1 AND object = $2 AND record_id = $3`),
			c.ConnectionID, c.Object, c.RecordID)
		if err != nil {
			return ChangeNone, fmt.Errorf("store: apply change: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 1 {
			kind = ChangeDeleted
		}
	} else {
		gen := c.SweepGen
		if gen < 0 {
			gen = 0
		}
		res, err := tx.ExecContext(ctx, s.q(`INSERT INTO record_fingerprints (connection_id, object, record_id, fingerprint, sweep_gen)
			VALUES ($1, $2, $3, $4, $5) ON CONFLICT (connection_id, object, record_id) DO NOTHING`),
			c.ConnectionID, c.Object, c.RecordID, c.Hash, gen)
		if err != nil {
			return ChangeNone, fmt.Errorf("store: apply change: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 1 {
			kind = ChangeCreated
		} else {
			q := `UPDATE record_fingerprints SET fingerprint = $4 WHERE connection_id = $1 AND object = $2 AND record_id = $3 AND fingerprint <> $4`
			args := []any{c.ConnectionID, c.Object, c.RecordID, c.Hash}
			if c.SweepGen >= 0 {
				q = `UPDATE record_fingerprints SET fingerprint = $4, sweep_gen = $5 WHERE connection_id = $1 AND object = $2 AND record_id = $3 AND fingerprint <> $4`
				args = append(args, c.SweepGen)
			}
			res, err := tx.ExecContext(ctx, s.q(q), args...)
			if err != nil {
				return ChangeNone, fmt.Errorf("store: apply change: %w", err)
			}
			if n, _ := res.RowsAffected(); n == 1 {
				kind = ChangeUpdated
			}
		}
	}
	if kind == ChangeNone {
		return ChangeNone, nil
	}
	if ev, deliveries, ok := build(kind); ok {
		if _, err := s.insertEvent(ctx, tx, ev, deliveries); err != nil {
			return ChangeNone, err
		}
	}
	if err := tx.Commit(); err != nil {
		return ChangeNone, fmt.Errorf("store: apply change: %w", err)
	}
	return kind, nil
}

// Native subscription states.
const (
	NativeActive      = 1
	NativeUnsupported = 2
	NativeFailed      = 3
)

// NativeSubscription is a connection's native webhook subscription.
type NativeSubscription struct {
	ConnectionID string
	ProjectID    string
	Status       int
	KeyID        string
	SealedSecret []byte
	State        string
	Objects      []string
	LastError    string
	UpdateTime   time.Time
}

// GetNativeSubscription returns a connection's subscription.
func (s *Store) GetNativeSubscription(ctx context.Context, connectionID string) (NativeSubscription, error) {
	var (
		n       NativeSubscription
		objects string
		updated int64
	)
	err := s.db.QueryRowContext(ctx, s.q(`SELECT connection_id, project_id, status, key_id, sealed_secret, state, objects, last_error, update_time
		FROM native_subscriptions WHERE connection_id = $1`), connectionID).Scan(&n.ConnectionID, &n.ProjectID, &n.Status, &n.KeyID,
		&n.SealedSecret, &n.State, &objects, &n.LastError, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return n, ErrNotFound
	}
	if err != nil {
		return n, fmt.Errorf("store: get native subscription: %w", err)
	}
	n.Objects, n.UpdateTime = splitList(objects), fromMicros(updated)
	return n, nil
}

// PutNativeSubscription writes a connection's subscription.
func (s *Store) PutNativeSubscription(ctx context.Context, n NativeSubscription) error {
	_, err := s.db.ExecContext(ctx, s.q(`INSERT INTO native_subscriptions (connection_id, project_id, status, key_id, sealed_secret, state,
		objects, last_error, update_time) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
		ON CONFLICT (connection_id) DO UPDATE SET project_id = excluded.project_id, status = excluded.status, key_id = excluded.key_id,
		sealed_secret = excluded.sealed_secret, state = excluded.state, objects = excluded.objects, last_error = excluded.last_error,
		update_time = excluded.update_time`),
		n.ConnectionID, n.ProjectID, n.Status, n.KeyID, n.SealedSecret, n.State, joinList(n.Objects), n.LastError, micros(n.UpdateTime))
	if err != nil {
		return fmt.Errorf("store: put native subscription: %w", err)
	}
	return nil
}

// DeleteNativeSubscription forgets a connection's subscription.
func (s *Store) DeleteNativeSubscription(ctx context.Context, connectionID string) error {
	_, err := s.db.ExecContext(ctx, s.q(`DELETE FROM native_subscriptions WHERE connection_id = $1`), connectionID)
	if err != nil {
		return fmt.Errorf("store: delete native subscription: %w", err)
	}
	return nil
}

// AnalyzeFingerprints refreshes PostgreSQL's statistics of the fingerprints
// after a large baseline. Without them the planner takes a connection for
// one row and reads all of its fingerprints for every page of a sweep, so a
// sweep grows quadratically (measured: 4× the records, 17× the time) until
// autovacuum gets to the table. SQLite plans by its index regardless.
func (s *Store) AnalyzeFingerprints(ctx context.Context) error {
	if s.dialect != Postgres {
		return nil
	}
	if _, err := s.db.ExecContext(ctx, `ANALYZE record_fingerprints`); err != nil {
		return fmt.Errorf("store: analyze fingerprints: %w", err)
	}
	return nil
}
