package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// LoggedRequest is one unified API request on a connection: no payload,
// query or header, only what an operator needs to find it.
type LoggedRequest struct {
	ID           int64
	ConnectionID string
	Time         time.Time
	Transport    string
	Method       string
	Path         string
	Status       int32
	Code         string
	Reason       string
	Duration     time.Duration
	TraceID      string
}

// RequestLogKeep is how many requests the log keeps per connection.
const RequestLogKeep = 200

// AppendRequests records requests, drops those of connections that no
// longer exist, and trims each connection's log to RequestLogKeep entries
// and to those newer than cutoff.
func (s *Store) AppendRequests(ctx context.Context, reqs []LoggedRequest, cutoff time.Time) error {
	if len(reqs) == 0 {
		return nil
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: append requests: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	touched := map[string]bool{}
	for _, r := range reqs {
		// INSERT ... SELECT skips a connection deleted meanwhile instead of
		// failing the whole batch on the foreign key.
		_, err := tx.ExecContext(ctx, s.q(`INSERT INTO request_log (connection_id, time, transport, method, path, status, code, reason, duration_us, trace_id)
			SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10 WHERE EXISTS (SELECT 1 FROM connections WHERE id = $1)`),
			r.ConnectionID, micros(r.Time), r.Transport, r.Method, r.Path, r.Status, r.Code, r.Reason, r.Duration.Microseconds(), r.TraceID)
		if err != nil {
			return fmt.Errorf("store: append requests: %w", err)
		}
		touched[r.ConnectionID] = true
	}
	for id := range touched {
		_, err := tx.ExecContext(ctx, s.q(fmt.Sprintf(`DELETE FROM request_log WHERE connection_id = $1 AND (time < $2 OR id NOT IN
			(SELECT id FROM request_log WHERE connection_id = $1 ORDER BY time DESC, id DESC LIMIT %d))`, RequestLogKeep)), id, micros(cutoff))
		if err != nil {
			return fmt.Errorf("store: trim request log: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: append requests: %w", err)
	}
	return nil
}

// ListRequests lists a connection's logged requests newest first, after the
// entry with id before (0: from the newest).
func (s *Store) ListRequests(ctx context.Context, connectionID string, before int64, limit int) ([]LoggedRequest, error) {
	query := `SELECT id, connection_id, time, transport, method, path, status, code, reason, duration_us, trace_id
		FROM request_log WHERE connection_id = $1`
	args := []any{connectionID}
	if before > 0 {
		args = append(args, before)
		query += ` AND id < $2`
	}
	query += fmt.Sprintf(` ORDER BY id DESC LIMIT %d`, limit)
	rows, err := s.db.QueryContext(ctx, s.q(query), args...)
	if err != nil {
		return nil, fmt.Errorf("store: list requests: %w", err)
	}
	defer rows.Close()
	var out []LoggedRequest
	for rows.Next() {
		var (
			r      LoggedRequest
			t, dur int64
		)
		if err := rows.Scan(&r.ID, &r.ConnectionID, &t, &r.Transport, &r.Method, &r.Path, &r.Status, &r.Code, &r.Reason, &dur, &r.TraceID); err != nil {
			return nil, fmt.Errorf("store: list requests: %w", err)
		}
		r.Time, r.Duration = fromMicros(t), time.Duration(dur)*time.Microsecond
		out = append(out, r)
	}
	return out, rows.Err()
}

// PlatformEvent is an event about the platform itself, such as a
// connection that needs re-auth, waiting for the events service.
type PlatformEvent struct {
	ID           string
	ProjectID    string
	Type         string
	ConnectionID string
	OccurredTime time.Time
	Data         string // JSON, never a secret
}

// AppendPlatformEvent records an event.
func (s *Store) AppendPlatformEvent(ctx context.Context, e PlatformEvent) error {
	if e.Data == "" {
		e.Data = "{}"
	}
	_, err := s.db.ExecContext(ctx, s.q(`INSERT INTO platform_events (id, project_id, type, connection_id, occurred_time, data)
		VALUES ($1, $2, $3, $4, $5, $6)`), e.ID, e.ProjectID, e.Type, e.ConnectionID, micros(e.OccurredTime), e.Data)
	if err != nil {
		return fmt.Errorf("store: append platform event: %w", err)
	}
	return nil
}

// ListPlatformEvents lists a project's events oldest first, from since.
func (s *Store) ListPlatformEvents(ctx context.Context, projectID string, since time.Time, limit int) ([]PlatformEvent, error) {
	rows, err := s.db.QueryContext(ctx, s.q(fmt.Sprintf(`SELECT id, project_id, type, connection_id, occurred_time, data FROM platform_events
		WHERE project_id = $1 AND occurred_time >= $2 ORDER BY occurred_time, id LIMIT %d`, limit)), projectID, micros(since))
	if err != nil {
		return nil, fmt.Errorf("store: list platform events: %w", err)
	}
	return scanPlatformEvents(rows)
}

// scanPlatformEvents reads rows of id, project_id, type, connection_id,
// occurred_time, data, and closes them.
func scanPlatformEvents(rows *sql.Rows) ([]PlatformEvent, error) {
	defer rows.Close()
	var out []PlatformEvent
	for rows.Next() {
		var (
			e PlatformEvent
			t int64
		)
		if err := rows.Scan(&e.ID, &e.ProjectID, &e.Type, &e.ConnectionID, &t, &e.Data); err != nil {
			return nil, fmt.Errorf("store: platform events: %w", err)
		}
		e.OccurredTime = fromMicros(t)
		out = append(out, e)
	}
	return out, rows.Err()
}
