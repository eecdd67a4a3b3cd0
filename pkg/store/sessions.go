package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// ConnectSession is a stored connect session; its link's secret is kept
// only as a hash.
type ConnectSession struct {
	ID                    string
	ProjectID             string
	TokenHash             []byte
	EndUserOriginID       string
	EndUserName           string
	EndUserEmail          string
	Integrations          []string
	ReconnectConnectionID string
	ReturnURL             string
	State                 int32 // platformv1.ConnectSessionState
	ConnectionID          string
	CreateTime            time.Time
	ExpireTime            time.Time
	CompleteTime          time.Time
}

const connectSessionColumns = `id, project_id, token_hash, end_user_origin_id, end_user_name, end_user_email, integrations,
	reconnect_connection_id, return_url, state, connection_id, create_time, expire_time, complete_time`

func scanConnectSession(row interface{ Scan(...any) error }) (ConnectSession, error) {
	var (
		c        ConnectSession
		integ    string
		ct, et   int64
		complete sql.NullInt64
	)
	if err := row.Scan(&c.ID, &c.ProjectID, &c.TokenHash, &c.EndUserOriginID, &c.EndUserName, &c.EndUserEmail, &integ,
		&c.ReconnectConnectionID, &c.ReturnURL, &c.State, &c.ConnectionID, &ct, &et, &complete); err != nil {
		return ConnectSession{}, err
	}
	c.Integrations = splitSpaces(integ)
	c.CreateTime, c.ExpireTime, c.CompleteTime = fromMicros(ct), fromMicros(et), fromNullMicros(complete)
	return c, nil
}

// CreateConnectSession inserts a session.
func (s *Store) CreateConnectSession(ctx context.Context, c ConnectSession) error {
	_, err := s.db.ExecContext(ctx, s.q(`INSERT INTO connect_sessions (`+connectSessionColumns+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`),
		c.ID, c.ProjectID, c.TokenHash, c.EndUserOriginID, c.EndUserName, c.EndUserEmail, strings.Join(c.Integrations, " "),
		c.ReconnectConnectionID, c.ReturnURL, c.State, c.ConnectionID, micros(c.CreateTime), micros(c.ExpireTime), nullMicros(c.CompleteTime))
	if isUniqueViolation(err) {
		return ErrConflict
	}
	if err != nil {
		return fmt.Errorf("store: create connect session: %w", err)
	}
	return nil
}

// GetConnectSession reads a session of the project.
func (s *Store) GetConnectSession(ctx context.Context, projectID, id string) (ConnectSession, error) {
	return s.getConnectSession(ctx, `project_id = $1 AND id = $2`, projectID, id)
}

// GetConnectSessionByID reads a session whatever its project, for the
// connect pages (which learn the project from the session).
func (s *Store) GetConnectSessionByID(ctx context.Context, id string) (ConnectSession, error) {
	return s.getConnectSession(ctx, `id = $1`, id)
}

// GetConnectSessionByToken reads the session a link's secret hashes to.
func (s *Store) GetConnectSessionByToken(ctx context.Context, tokenHash []byte) (ConnectSession, error) {
	return s.getConnectSession(ctx, `token_hash = $1`, tokenHash)
}

func (s *Store) getConnectSession(ctx context.Context, where string, args ...any) (ConnectSession, error) {
	c, err := scanConnectSession(s.db.QueryRowContext(ctx, s.q(`SELECT `+connectSessionColumns+` FROM connect_sessions WHERE `+where), args...))
	if errors.Is(err, sql.ErrNoRows) {
		return ConnectSession{}, ErrNotFound
	}
	if err != nil {
		return ConnectSession{}, fmt.Errorf("store: get connect session: %w", err)
	}
	return c, nil
}

// ListConnectSessions lists a project's sessions newest first.
func (s *Store) ListConnectSessions(ctx context.Context, projectID, endUserOriginID string, after *Cursor, limit int) ([]ConnectSession, error) {
	query := `SELECT ` + connectSessionColumns + ` FROM connect_sessions WHERE project_id = $1`
	args := []any{projectID}
	if endUserOriginID != "" {
		args = append(args, endUserOriginID)
		query += fmt.Sprintf(" AND end_user_origin_id = $%d", len(args))
	}
	if after != nil {
		args = append(args, micros(after.CreateTime), after.ID)
		query += fmt.Sprintf(" AND (create_time < $%d OR (create_time = $%d AND id < $%d))", len(args)-1, len(args)-1, len(args))
	}
	query += fmt.Sprintf(" ORDER BY create_time DESC, id DESC LIMIT %d", limit)
	rows, err := s.db.QueryContext(ctx, s.q(query), args...)
	if err != nil {
		return nil, fmt.Errorf("store: list connect sessions: %w", err)
	}
	defer rows.Close()
	var out []ConnectSession
	for rows.Next() {
		c, err := scanConnectSession(rows)
		if err != nil {
			return nil, fmt.Errorf("store: list connect sessions: %w", err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// FinishConnectSession moves a session from state from to state to,
// recording the connection made. It reports false when the session was not
// in state from any more (another request finished it first).
func (s *Store) FinishConnectSession(ctx context.Context, id string, from, to int32, connectionID string, at time.Time) (bool, error) {
	res, err := s.db.ExecContext(ctx, s.q(`UPDATE connect_sessions SET state = $3, connection_id = $4, complete_time = $5
		WHERE id = $1 AND state = $2`), id, from, to, connectionID, micros(at))
	if err != nil {
		return false, fmt.Errorf("store: finish connect session: %w", err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// ConsoleSession is an operator's login to the console, known by the hash
// of its token.
type ConsoleSession struct {
	TokenHash  []byte
	ProjectID  string
	APIKeyID   string
	CSRFToken  string
	CreateTime time.Time
	ExpireTime time.Time
}

// CreateConsoleSession inserts a console session.
func (s *Store) CreateConsoleSession(ctx context.Context, c ConsoleSession) error {
	_, err := s.db.ExecContext(ctx, s.q(`INSERT INTO console_sessions (token_hash, project_id, api_key_id, csrf_token, create_time, expire_time)
		VALUES ($1, $2, $3, $4, $5, $6)`), c.TokenHash, c.ProjectID, c.APIKeyID, c.CSRFToken, micros(c.CreateTime), micros(c.ExpireTime))
	if err != nil {
		return fmt.Errorf("store: create console session: %w", err)
	}
	return nil
}

// GetConsoleSession reads a console session by its token's hash. Sessions
// of a deleted API key are gone with it (ON DELETE CASCADE).
func (s *Store) GetConsoleSession(ctx context.Context, tokenHash []byte) (ConsoleSession, error) {
	var (
		c      ConsoleSession
		ct, et int64
	)
	err := s.db.QueryRowContext(ctx, s.q(`SELECT token_hash, project_id, api_key_id, csrf_token, create_time, expire_time
		FROM console_sessions WHERE token_hash = $1`), tokenHash).Scan(&c.TokenHash, &c.ProjectID, &c.APIKeyID, &c.CSRFToken, &ct, &et)
	if errors.Is(err, sql.ErrNoRows) {
		return ConsoleSession{}, ErrNotFound
	}
	if err != nil {
		return ConsoleSession{}, fmt.Errorf("store: get console session: %w", err)
	}
	c.CreateTime, c.ExpireTime = fromMicros(ct), fromMicros(et)
	return c, nil
}

// DeleteConsoleSession deletes a console session, and those that expired before cutoff.
func (s *Store) DeleteConsoleSession(ctx context.Context, tokenHash []byte, cutoff time.Time) error {
	_, err := s.db.ExecContext(ctx, s.q(`DELETE FROM console_sessions WHERE token_hash = $1 OR expire_time < $2`), tokenHash, micros(cutoff))
	if err != nil {
		return fmt.Errorf("store: delete console session: %w", err)
	}
	return nil
}
