package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Connection is a stored connection, without its secret.
type Connection struct {
	ID              string
	ProjectID       string
	Integration     string
	Status          int32 // platformv1.ConnectionStatus
	StatusDetail    string
	DisplayName     string
	EndUserOriginID string
	EndUserName     string
	EndUserEmail    string
	Config          map[string]string
	AuthType        int32 // platformv1.AuthType
	Scopes          []string
	CreateTime      time.Time
	UpdateTime      time.Time
	LastUsedTime    time.Time
}

// Credential is a connection's sealed secret.
type Credential struct {
	ConnectionID string
	KeyID        string
	Sealed       []byte
	ExpireTime   time.Time // zero: does not expire
	UpdateTime   time.Time
	// Refreshable says the secret holds an OAuth refresh token.
	Refreshable bool
	// Version grows with every write (read-only: the store sets it).
	Version int64
	// RefreshFailures counts refresh attempts that failed in a row (read-only).
	RefreshFailures int
}

// ConnectionFilter narrows ListConnections.
type ConnectionFilter struct {
	Integration     string
	Status          int32
	EndUserOriginID string
}

const connectionColumns = `id, project_id, integration, status, status_detail, display_name, end_user_origin_id,
	end_user_name, end_user_email, config, auth_type, scopes, create_time, update_time, last_used_time`

func scanConnection(row interface{ Scan(...any) error }) (Connection, error) {
	var (
		c              Connection
		config, scopes string
		ct, ut         int64
		lu             sql.NullInt64
	)
	if err := row.Scan(&c.ID, &c.ProjectID, &c.Integration, &c.Status, &c.StatusDetail, &c.DisplayName, &c.EndUserOriginID,
		&c.EndUserName, &c.EndUserEmail, &config, &c.AuthType, &scopes, &ct, &ut, &lu); err != nil {
		return Connection{}, err
	}
	if err := json.Unmarshal([]byte(config), &c.Config); err != nil {
		return Connection{}, fmt.Errorf("connection %s config: %w", c.ID, err)
	}
	if scopes != "" {
		c.Scopes = strings.Split(scopes, " ")
	}
	c.CreateTime, c.UpdateTime, c.LastUsedTime = fromMicros(ct), fromMicros(ut), fromNullMicros(lu)
	return c, nil
}

func encodeConfig(m map[string]string) (string, error) {
	if m == nil {
		m = map[string]string{}
	}
	b, err := json.Marshal(m)
	return string(b), err
}

// CreateConnection inserts a connection and its credential in one transaction.
func (s *Store) CreateConnection(ctx context.Context, c Connection, cred Credential) error {
	config, err := encodeConfig(c.Config)
	if err != nil {
		return fmt.Errorf("store: create connection: %w", err)
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: create connection: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	_, err = tx.ExecContext(ctx, s.q(`INSERT INTO connections (`+connectionColumns+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)`),
		c.ID, c.ProjectID, c.Integration, c.Status, c.StatusDetail, c.DisplayName, c.EndUserOriginID,
		c.EndUserName, c.EndUserEmail, config, c.AuthType, strings.Join(c.Scopes, " "),
		micros(c.CreateTime), micros(c.UpdateTime), nullMicros(c.LastUsedTime))
	if isUniqueViolation(err) {
		return ErrConflict
	}
	if err != nil {
		return fmt.Errorf("store: create connection: %w", err)
	}
	if err := s.putCredential(ctx, tx, cred); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: create connection: %w", err)
	}
	return nil
}

// GetConnection reads a connection of the project. A connection of another
// project is ErrNotFound, like one that does not exist.
func (s *Store) GetConnection(ctx context.Context, projectID, id string) (Connection, error) {
	c, err := scanConnection(s.db.QueryRowContext(ctx,
		s.q(`SELECT `+connectionColumns+` FROM connections WHERE project_id = $1 AND id = $2`), projectID, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Connection{}, ErrNotFound
	}
	if err != nil {
		return Connection{}, fmt.Errorf("store: get connection: %w", err)
	}
	return c, nil
}

// ListConnections lists a project's connections newest first.
func (s *Store) ListConnections(ctx context.Context, projectID string, f ConnectionFilter, after *Cursor, limit int) ([]Connection, error) {
	query := `SELECT ` + connectionColumns + ` FROM connections WHERE project_id = $1`
	args := []any{projectID}
	add := func(cond string, v any) {
		args = append(args, v)
		query += fmt.Sprintf(" AND "+cond, len(args))
	}
	if f.Integration != "" {
		add("integration = $%d", f.Integration)
	}
	if f.Status != 0 {
		add("status = $%d", f.Status)
	}
	if f.EndUserOriginID != "" {
		add("end_user_origin_id = $%d", f.EndUserOriginID)
	}
	if after != nil {
		args = append(args, micros(after.CreateTime), after.ID)
		query += fmt.Sprintf(" AND (create_time < $%d OR (create_time = $%d AND id < $%d))", len(args)-1, len(args)-1, len(args))
	}
	query += fmt.Sprintf(" ORDER BY create_time DESC, id DESC LIMIT %d", limit)
	rows, err := s.db.QueryContext(ctx, s.q(query), args...)
	if err != nil {
		return nil, fmt.Errorf("store: list connections: %w", err)
	}
	defer rows.Close()
	var out []Connection
	for rows.Next() {
		c, err := scanConnection(rows)
		if err != nil {
			return nil, fmt.Errorf("store: list connections: %w", err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// UpdateConnection writes the mutable fields of c (name, end user, config,
// status and its detail) and, when cred is not nil, replaces its credential,
// in one transaction.
func (s *Store) UpdateConnection(ctx context.Context, c Connection, cred *Credential) error {
	config, err := encodeConfig(c.Config)
	if err != nil {
		return fmt.Errorf("store: update connection: %w", err)
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: update connection: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	res, err := tx.ExecContext(ctx, s.q(`UPDATE connections SET status = $3, status_detail = $4, display_name = $5,
		end_user_origin_id = $6, end_user_name = $7, end_user_email = $8, config = $9, update_time = $10,
		auth_type = $11, scopes = $12
		WHERE project_id = $1 AND id = $2`),
		c.ProjectID, c.ID, c.Status, c.StatusDetail, c.DisplayName, c.EndUserOriginID, c.EndUserName, c.EndUserEmail,
		config, micros(c.UpdateTime), c.AuthType, strings.Join(c.Scopes, " "))
	if err != nil {
		return fmt.Errorf("store: update connection: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	if cred != nil {
		if err := s.putCredential(ctx, tx, *cred); err != nil {
			return err
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: update connection: %w", err)
	}
	return nil
}

// SetConnectionStatus changes a connection's status and detail.
func (s *Store) SetConnectionStatus(ctx context.Context, projectID, id string, status int32, detail string, at time.Time) error {
	res, err := s.db.ExecContext(ctx, s.q(`UPDATE connections SET status = $3, status_detail = $4, update_time = $5 WHERE project_id = $1 AND id = $2`),
		projectID, id, status, detail, micros(at))
	if err != nil {
		return fmt.Errorf("store: set connection status: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}

// TouchConnection records a use, at most once a minute.
func (s *Store) TouchConnection(ctx context.Context, id string, at time.Time) error {
	_, err := s.db.ExecContext(ctx, s.q(`UPDATE connections SET last_used_time = $2 WHERE id = $1 AND (last_used_time IS NULL OR last_used_time < $3)`),
		id, micros(at), micros(at.Add(-time.Minute)))
	if err != nil {
		return fmt.Errorf("store: touch connection: %w", err)
	}
	return nil
}

// DeleteConnection deletes a connection of the project and its credential.
func (s *Store) DeleteConnection(ctx context.Context, projectID, id string) error {
	res, err := s.db.ExecContext(ctx, s.q(`DELETE FROM connections WHERE project_id = $1 AND id = $2`), projectID, id)
	if err != nil {
		return fmt.Errorf("store: delete connection: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}

type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// putCredential writes a credential given by the project (a new
// connection, new credentials, a re-connect). It bumps the version, so that
// a refresh in flight for the old credential cannot overwrite it, and
// forgets the old one's refresh failures.
func (s *Store) putCredential(ctx context.Context, ex execer, c Credential) error {
	_, err := ex.ExecContext(ctx, s.q(`INSERT INTO credentials (connection_id, key_id, sealed, expire_time, update_time, refreshable)
		VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (connection_id) DO UPDATE SET key_id = excluded.key_id, sealed = excluded.sealed,
			expire_time = excluded.expire_time, update_time = excluded.update_time, refreshable = excluded.refreshable,
			version = credentials.version + 1, refresh_failures = 0, next_refresh_time = NULL`),
		c.ConnectionID, c.KeyID, c.Sealed, nullMicros(c.ExpireTime), micros(c.UpdateTime), boolInt(c.Refreshable))
	if err != nil {
		return fmt.Errorf("store: put credential: %w", err)
	}
	return nil
}

// GetCredential reads a connection's sealed credential.
func (s *Store) GetCredential(ctx context.Context, connectionID string) (Credential, error) {
	c, err := scanCredential(s.db.QueryRowContext(ctx, s.q(`SELECT `+credentialColumns+` FROM credentials WHERE connection_id = $1`), connectionID))
	if errors.Is(err, sql.ErrNoRows) {
		return Credential{}, ErrNotFound
	}
	if err != nil {
		return Credential{}, fmt.Errorf("store: get credential: %w", err)
	}
	return c, nil
}

const credentialColumns = `connection_id, key_id, sealed, expire_time, update_time, refreshable, version, refresh_failures`

func scanCredential(row interface{ Scan(...any) error }) (Credential, error) {
	var (
		c           Credential
		et          sql.NullInt64
		ut, refresh int64
	)
	if err := row.Scan(&c.ConnectionID, &c.KeyID, &c.Sealed, &et, &ut, &refresh, &c.Version, &c.RefreshFailures); err != nil {
		return Credential{}, err
	}
	c.ExpireTime, c.UpdateTime, c.Refreshable = fromNullMicros(et), fromMicros(ut), refresh != 0
	return c, nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// CredentialsNotUnderKey returns up to limit credentials sealed with a key
// other than keyID: the work list of a key rotation.
func (s *Store) CredentialsNotUnderKey(ctx context.Context, keyID string, limit int) ([]Credential, error) {
	rows, err := s.db.QueryContext(ctx, s.q(fmt.Sprintf(`SELECT `+credentialColumns+` FROM credentials
		WHERE key_id <> $1 ORDER BY connection_id LIMIT %d`, limit)), keyID)
	if err != nil {
		return nil, fmt.Errorf("store: credentials to rotate: %w", err)
	}
	defer rows.Close()
	var out []Credential
	for rows.Next() {
		c, err := scanCredential(rows)
		if err != nil {
			return nil, fmt.Errorf("store: credentials to rotate: %w", err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// ResealCredential replaces a credential's ciphertext if it is still sealed
// with oldKeyID, so that a rotation racing a credential update loses nothing.
// It reports whether the row was replaced.
func (s *Store) ResealCredential(ctx context.Context, connectionID, oldKeyID, newKeyID string, sealed []byte) (bool, error) {
	res, err := s.db.ExecContext(ctx, s.q(`UPDATE credentials SET key_id = $3, sealed = $4 WHERE connection_id = $1 AND key_id = $2`),
		connectionID, oldKeyID, newKeyID, sealed)
	if err != nil {
		return false, fmt.Errorf("store: reseal credential: %w", err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// CountCredentialsByKey counts credentials per key id.
func (s *Store) CountCredentialsByKey(ctx context.Context) (map[string]int, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT key_id, COUNT(*) FROM credentials GROUP BY key_id`)
	if err != nil {
		return nil, fmt.Errorf("store: count credentials: %w", err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var (
			k string
			n int
		)
		if err := rows.Scan(&k, &n); err != nil {
			return nil, err
		}
		out[k] = n
	}
	return out, rows.Err()
}
