package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// APIKey is a stored API key: its hash, never the key.
type APIKey struct {
	ID           string
	ProjectID    string
	DisplayName  string
	SecretHash   []byte
	Scopes       string // "read,write"
	CreateTime   time.Time
	LastUsedTime time.Time // zero: never used
}

// Cursor is a position in a list ordered newest first.
type Cursor struct {
	CreateTime time.Time
	ID         string
}

const apiKeyColumns = `id, project_id, display_name, secret_hash, scopes, create_time, last_used_time`

func scanAPIKey(row interface{ Scan(...any) error }) (APIKey, error) {
	var (
		k  APIKey
		ct int64
		lu sql.NullInt64
	)
	if err := row.Scan(&k.ID, &k.ProjectID, &k.DisplayName, &k.SecretHash, &k.Scopes, &ct, &lu); err != nil {
		return APIKey{}, err
	}
	k.CreateTime, k.LastUsedTime = fromMicros(ct), fromNullMicros(lu)
	return k, nil
}

// CreateAPIKey inserts k.
func (s *Store) CreateAPIKey(ctx context.Context, k APIKey) error {
	_, err := s.db.ExecContext(ctx, s.q(`INSERT INTO api_keys (`+apiKeyColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7)`),
		k.ID, k.ProjectID, k.DisplayName, k.SecretHash, k.Scopes, micros(k.CreateTime), nullMicros(k.LastUsedTime))
	if isUniqueViolation(err) {
		return ErrConflict
	}
	if err != nil {
		return fmt.Errorf("store: create api key: %w", err)
	}
	return nil
}

// GetAPIKey reads a key by id, whatever its project: authentication looks a
// key up before it knows the project.
func (s *Store) GetAPIKey(ctx context.Context, id string) (APIKey, error) {
	k, err := scanAPIKey(s.db.QueryRowContext(ctx, s.q(`SELECT `+apiKeyColumns+` FROM api_keys WHERE id = $1`), id))
	if errors.Is(err, sql.ErrNoRows) {
		return APIKey{}, ErrNotFound
	}
	if err != nil {
		return APIKey{}, fmt.Errorf("store: get api key: %w", err)
	}
	return k, nil
}

// ListAPIKeys lists a project's keys newest first, limit at a time, after the cursor.
func (s *Store) ListAPIKeys(ctx context.Context, projectID string, after *Cursor, limit int) ([]APIKey, error) {
	query := `SELECT ` + apiKeyColumns + ` FROM api_keys WHERE project_id = $1`
	args := []any{projectID}
	if after != nil {
		query += ` AND (create_time < $2 OR (create_time = $2 AND id < $3))`
		args = append(args, micros(after.CreateTime), after.ID)
	}
	query += fmt.Sprintf(` ORDER BY create_time DESC, id DESC LIMIT %d`, limit)
	rows, err := s.db.QueryContext(ctx, s.q(query), args...)
	if err != nil {
		return nil, fmt.Errorf("store: list api keys: %w", err)
	}
	defer rows.Close()
	var out []APIKey
	for rows.Next() {
		k, err := scanAPIKey(rows)
		if err != nil {
			return nil, fmt.Errorf("store: list api keys: %w", err)
		}
		out = append(out, k)
	}
	return out, rows.Err()
}

// DeleteAPIKey revokes a key of the project.
func (s *Store) DeleteAPIKey(ctx context.Context, projectID, id string) error {
	res, err := s.db.ExecContext(ctx, s.q(`DELETE FROM api_keys WHERE project_id = $1 AND id = $2`), projectID, id)
	if err != nil {
		return fmt.Errorf("store: delete api key: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}

// TouchAPIKey records a use of the key, at most once a minute, so that a busy
// key does not turn every request into a write.
func (s *Store) TouchAPIKey(ctx context.Context, id string, at time.Time) error {
	_, err := s.db.ExecContext(ctx, s.q(`UPDATE api_keys SET last_used_time = $2 WHERE id = $1 AND (last_used_time IS NULL OR last_used_time < $3)`),
		id, micros(at), micros(at.Add(-time.Minute)))
	if err != nil {
		return fmt.Errorf("store: touch api key: %w", err)
	}
	return nil
}
