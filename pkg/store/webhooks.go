package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"
)

// WebhookEndpoint is a receiver of a project's events. Its signing secret
// is sealed by the vault; during a rotation the previous one signs too.
type WebhookEndpoint struct {
	ID             string
	ProjectID      string
	URL            string
	Description    string
	EventTypes     []string
	Connections    []string
	Fields         []string
	Disabled       bool
	DisabledReason string
	KeyID          string
	SealedSecret   []byte
	// The previous secret, until PrevExpire.
	PrevKeyID        string
	PrevSealedSecret []byte
	PrevExpire       time.Time
	// FailingSince is when the receiver last started failing; zero after a success.
	FailingSince time.Time
	CreateTime   time.Time
	UpdateTime   time.Time
}

const endpointColumns = `id, project_id, url, description, event_types, connections, fields, disabled, disabled_reason,
	key_id, sealed_secret, previous_key_id, previous_sealed_secret, previous_secret_expire_time, failing_since, create_time, update_time`

// joinList stores a list of plain tokens (event types, ids, field names),
// none of which may hold a comma.
func joinList(l []string) string { return strings.Join(l, ",") }

func splitList(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}

func scanEndpoint(row interface{ Scan(...any) error }) (WebhookEndpoint, error) {
	var (
		e                                 WebhookEndpoint
		types, conns, fields              string
		disabled                          int
		prevExpire, failing               sql.NullInt64
		created, updated                  int64
		prevSealed                        []byte
		reason, prevKey, description, url string
	)
	err := row.Scan(&e.ID, &e.ProjectID, &url, &description, &types, &conns, &fields, &disabled, &reason,
		&e.KeyID, &e.SealedSecret, &prevKey, &prevSealed, &prevExpire, &failing, &created, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return e, ErrNotFound
	}
	if err != nil {
		return e, fmt.Errorf("store: scan webhook endpoint: %w", err)
	}
	e.URL, e.Description, e.DisabledReason, e.PrevKeyID, e.PrevSealedSecret = url, description, reason, prevKey, prevSealed
	e.EventTypes, e.Connections, e.Fields = splitList(types), splitList(conns), splitList(fields)
	e.Disabled = disabled != 0
	e.PrevExpire, e.FailingSince = fromNullMicros(prevExpire), fromNullMicros(failing)
	e.CreateTime, e.UpdateTime = fromMicros(created), fromMicros(updated)
	return e, nil
}

// CreateWebhookEndpoint stores a new endpoint.
func (s *Store) CreateWebhookEndpoint(ctx context.Context, e WebhookEndpoint) error {
	_, err := s.db.ExecContext(ctx, s.q(`INSERT INTO webhook_endpoints (`+endpointColumns+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)`),
		e.ID, e.ProjectID, e.URL, e.Description, joinList(e.EventTypes), joinList(e.Connections), joinList(e.Fields),
		boolInt(e.Disabled), e.DisabledReason, e.KeyID, e.SealedSecret, e.PrevKeyID, e.PrevSealedSecret,
		nullMicros(e.PrevExpire), nullMicros(e.FailingSince), micros(e.CreateTime), micros(e.UpdateTime))
	if err != nil {
		return fmt.Errorf("store: create webhook endpoint: %w", err)
	}
	return nil
}

// GetWebhookEndpoint returns a project's endpoint; an empty projectID
// finds it in any project (the delivery workers serve every project).
func (s *Store) GetWebhookEndpoint(ctx context.Context, projectID, id string) (WebhookEndpoint, error) {
	if projectID == "" {
		return scanEndpoint(s.db.QueryRowContext(ctx, s.q(`SELECT `+endpointColumns+` FROM webhook_endpoints WHERE id = $1`), id))
	}
	return scanEndpoint(s.db.QueryRowContext(ctx, s.q(`SELECT `+endpointColumns+` FROM webhook_endpoints
		WHERE project_id = $1 AND id = $2`), projectID, id))
}

// ListWebhookEndpoints lists a project's endpoints, oldest first.
func (s *Store) ListWebhookEndpoints(ctx context.Context, projectID string) ([]WebhookEndpoint, error) {
	rows, err := s.db.QueryContext(ctx, s.q(`SELECT `+endpointColumns+` FROM webhook_endpoints
		WHERE project_id = $1 ORDER BY create_time, id`), projectID)
	if err != nil {
		return nil, fmt.Errorf("store: list webhook endpoints: %w", err)
	}
	defer rows.Close()
	var out []WebhookEndpoint
	for rows.Next() {
		e, err := scanEndpoint(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// ProjectsWithEndpoints lists the projects that have an enabled endpoint:
// the only ones whose connections are worth polling.
func (s *Store) ProjectsWithEndpoints(ctx context.Context) ([]string, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT DISTINCT project_id FROM webhook_endpoints WHERE disabled = 0`)
	if err != nil {
		return nil, fmt.Errorf("store: projects with endpoints: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// UpdateWebhookEndpoint writes every mutable field of an endpoint. It
// cancels the pending deliveries of an endpoint that is now disabled.
func (s *Store) UpdateWebhookEndpoint(ctx context.Context, e WebhookEndpoint) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: update webhook endpoint: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	res, err := tx.ExecContext(ctx, s.q(`UPDATE webhook_endpoints SET url = $3, description = $4, event_types = $5,
		connections = $6, fields = $7, disabled = $8, disabled_reason = $9, key_id = $10, sealed_secret = $11,
		previous_key_id = $12, previous_sealed_secret = $13, previous_secret_expire_time = $14, failing_since = $15,
		update_time = $16 WHERE project_id = $1 AND id = $2`),
		e.ProjectID, e.ID, e.URL, e.Description, joinList(e.EventTypes), joinList(e.Connections), joinList(e.Fields),
		boolInt(e.Disabled), e.DisabledReason, e.KeyID, e.SealedSecret, e.PrevKeyID, e.PrevSealedSecret,
		nullMicros(e.PrevExpire), nullMicros(e.FailingSince), micros(e.UpdateTime))
	if err != nil {
		return fmt.Errorf("store: update webhook endpoint: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	if e.Disabled {
		if err := cancelPending(ctx, s, tx, e.ID, e.UpdateTime); err != nil {
			return err
		}
	}
	return tx.Commit()
}

func cancelPending(ctx context.Context, s *Store, ex execer, endpointID string, at time.Time) error {
	_, err := ex.ExecContext(ctx, s.q(`UPDATE webhook_deliveries SET state = $2, complete_time = $3, lease_token = ''
		WHERE endpoint_id = $1 AND state = $4`), endpointID, DeliveryCancelled, micros(at), DeliveryPending)
	if err != nil {
		return fmt.Errorf("store: cancel deliveries: %w", err)
	}
	return nil
}

// DeleteWebhookEndpoint deletes an endpoint and its deliveries.
func (s *Store) DeleteWebhookEndpoint(ctx context.Context, projectID, id string) error {
	res, err := s.db.ExecContext(ctx, s.q(`DELETE FROM webhook_endpoints WHERE project_id = $1 AND id = $2`), projectID, id)
	if err != nil {
		return fmt.Errorf("store: delete webhook endpoint: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}

// DisableWebhookEndpoint turns an endpoint off for reason and cancels its
// pending deliveries. It reports false when the endpoint was off already.
func (s *Store) DisableWebhookEndpoint(ctx context.Context, id, reason string, at time.Time) (bool, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return false, fmt.Errorf("store: disable webhook endpoint: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	res, err := tx.ExecContext(ctx, s.q(`UPDATE webhook_endpoints SET disabled = 1, disabled_reason = $2, update_time = $3
		WHERE id = $1 AND disabled = 0`), id, reason, micros(at))
	if err != nil {
		return false, fmt.Errorf("store: disable webhook endpoint: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return false, nil
	}
	if err := cancelPending(ctx, s, tx, id, at); err != nil {
		return false, err
	}
	return true, tx.Commit()
}

// MarkEndpointHealth records an attempt's outcome on its endpoint: a
// success clears failing_since; a failure sets it unless already set. It
// returns failing_since after the change.
func (s *Store) MarkEndpointHealth(ctx context.Context, id string, ok bool, at time.Time) (time.Time, error) {
	if ok {
		_, err := s.db.ExecContext(ctx, s.q(`UPDATE webhook_endpoints SET failing_since = NULL WHERE id = $1 AND failing_since IS NOT NULL`), id)
		if err != nil {
			return time.Time{}, fmt.Errorf("store: mark endpoint health: %w", err)
		}
		return time.Time{}, nil
	}
	if _, err := s.db.ExecContext(ctx, s.q(`UPDATE webhook_endpoints SET failing_since = $2 WHERE id = $1 AND failing_since IS NULL`), id, micros(at)); err != nil {
		return time.Time{}, fmt.Errorf("store: mark endpoint health: %w", err)
	}
	var since sql.NullInt64
	if err := s.db.QueryRowContext(ctx, s.q(`SELECT failing_since FROM webhook_endpoints WHERE id = $1`), id).Scan(&since); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return time.Time{}, ErrNotFound
		}
		return time.Time{}, fmt.Errorf("store: mark endpoint health: %w", err)
	}
	return fromNullMicros(since), nil
}

// Event is one change event with its JSON payload.
type Event struct {
	ID           string
	ProjectID    string
	Type         string
	ConnectionID string
	Integration  string
	Source       int32
	OccurredTime time.Time
	CreateTime   time.Time
	Data         string // JSON
}

// Delivery states (the values of platform.v1.DeliveryState).
const (
	DeliveryPending   = 1
	DeliverySucceeded = 2
	DeliveryFailed    = 3
	DeliveryCancelled = 4
)

// Delivery is one event on its way to one endpoint.
type Delivery struct {
	ID              string
	ProjectID       string
	EndpointID      string
	EventID         string
	EventType       string
	State           int32
	Attempts        int
	NextAttemptTime time.Time
	CreateTime      time.Time
	CompleteTime    time.Time
	AttemptLog      []Attempt
}

// Attempt is one POST of a delivery.
type Attempt struct {
	Attempt    int
	Time       time.Time
	HTTPStatus int
	Latency    time.Duration
	Error      string
}

const eventColumns = `id, project_id, type, connection_id, integration, source, occurred_time, create_time, data`

func scanEvent(row interface{ Scan(...any) error }) (Event, error) {
	var (
		e             Event
		occurred, cre int64
	)
	err := row.Scan(&e.ID, &e.ProjectID, &e.Type, &e.ConnectionID, &e.Integration, &e.Source, &occurred, &cre, &e.Data)
	if errors.Is(err, sql.ErrNoRows) {
		return e, ErrNotFound
	}
	if err != nil {
		return e, fmt.Errorf("store: scan event: %w", err)
	}
	e.OccurredTime, e.CreateTime = fromMicros(occurred), fromMicros(cre)
	return e, nil
}

// insertEvent adds an event and a pending delivery to each endpoint. An
// event whose id exists already is left alone and reported false, so that
// an event read twice (the platform events' reader after a restart) goes
// out once.
func (s *Store) insertEvent(ctx context.Context, tx *sql.Tx, e Event, deliveries []Delivery) (bool, error) {
	res, err := tx.ExecContext(ctx, s.q(`INSERT INTO events (`+eventColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
		ON CONFLICT (id) DO NOTHING`),
		e.ID, e.ProjectID, e.Type, e.ConnectionID, e.Integration, e.Source, micros(e.OccurredTime), micros(e.CreateTime), e.Data)
	if err != nil {
		return false, fmt.Errorf("store: insert event: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return false, nil
	}
	return true, s.insertDeliveries(ctx, tx, deliveries)
}

func (s *Store) insertDeliveries(ctx context.Context, ex execer, deliveries []Delivery) error {
	for _, d := range deliveries {
		_, err := ex.ExecContext(ctx, s.q(`INSERT INTO webhook_deliveries (id, project_id, endpoint_id, event_id, event_type, state,
			next_attempt_time, create_time) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`),
			d.ID, d.ProjectID, d.EndpointID, d.EventID, d.EventType, DeliveryPending, micros(d.NextAttemptTime), micros(d.CreateTime))
		if err != nil {
			return fmt.Errorf("store: insert delivery: %w", err)
		}
	}
	return nil
}

// AppendEvent records an event and its deliveries in one transaction. It
// reports false, and changes nothing, when the event id exists already.
func (s *Store) AppendEvent(ctx context.Context, e Event, deliveries []Delivery) (bool, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return false, fmt.Errorf("store: append event: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	ok, err := s.insertEvent(ctx, tx, e, deliveries)
	if err != nil || !ok {
		return false, err
	}
	return true, tx.Commit()
}

// AddDeliveries makes more deliveries of existing events (a replay).
func (s *Store) AddDeliveries(ctx context.Context, deliveries []Delivery) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: add deliveries: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	if err := s.insertDeliveries(ctx, tx, deliveries); err != nil {
		return err
	}
	return tx.Commit()
}

// GetEvent returns an event; an empty projectID finds it in any project.
func (s *Store) GetEvent(ctx context.Context, projectID, id string) (Event, error) {
	if projectID == "" {
		return scanEvent(s.db.QueryRowContext(ctx, s.q(`SELECT `+eventColumns+` FROM events WHERE id = $1`), id))
	}
	return scanEvent(s.db.QueryRowContext(ctx, s.q(`SELECT `+eventColumns+` FROM events WHERE project_id = $1 AND id = $2`), projectID, id))
}

// EventFilter narrows ListEvents.
type EventFilter struct {
	// TypePrefix keeps types starting with it ("crm.contact." for "crm.contact.*").
	TypePrefix string
	// Type keeps one exact type.
	Type         string
	ConnectionID string
	Since        time.Time
}

// ListEvents lists a project's events newest first, before the cursor.
func (s *Store) ListEvents(ctx context.Context, projectID string, f EventFilter, before *Cursor, limit int) ([]Event, error) {
	where := []string{"project_id = $1"}
	args := []any{projectID}
	add := func(cond string, v any) {
		args = append(args, v)
		where = append(where, strings.ReplaceAll(cond, "?", fmt.Sprintf("$%d", len(args))))
	}
	if f.Type != "" {
		add("type = ?", f.Type)
	}
	if f.TypePrefix != "" {
		// The prefix is made of letters, '_' and '.': no LIKE wildcard
		// except '_', which is escaped.
		add(`type LIKE ? ESCAPE '\'`, strings.ReplaceAll(f.TypePrefix, "_", `\_`)+"%")
	}
	if f.ConnectionID != "" {
		add("connection_id = ?", f.ConnectionID)
	}
	if !f.Since.IsZero() {
		add("create_time >= ?", micros(f.Since))
	}
	if before != nil {
		args = append(args, micros(before.CreateTime), before.ID)
		n := len(args)
		where = append(where, fmt.Sprintf("(create_time < $%d OR (create_time = $%d AND id < $%d))", n-1, n-1, n))
	}
	rows, err := s.db.QueryContext(ctx, s.q(fmt.Sprintf(`SELECT `+eventColumns+` FROM events WHERE %s
		ORDER BY create_time DESC, id DESC LIMIT %d`, strings.Join(where, " AND "), limit)), args...)
	if err != nil {
		return nil, fmt.Errorf("store: list events: %w", err)
	}
	defer rows.Close()
	var out []Event
	for rows.Next() {
		e, err := scanEvent(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// PruneEvents deletes events made before cutoff, with their deliveries.
func (s *Store) PruneEvents(ctx context.Context, cutoff time.Time) (int64, error) {
	res, err := s.db.ExecContext(ctx, s.q(`DELETE FROM events WHERE create_time < $1`), micros(cutoff))
	if err != nil {
		return 0, fmt.Errorf("store: prune events: %w", err)
	}
	n, _ := res.RowsAffected()
	return n, nil
}

// ClaimedDelivery is a delivery a worker holds until it reports the attempt.
type ClaimedDelivery struct {
	ID         string
	EndpointID string
	EventID    string
	Attempts   int
	CreateTime time.Time
	Token      string
}

// ClaimDeliveries takes up to limit due deliveries for one worker: a plain
// read finds the candidates, and a conditional UPDATE per candidate claims
// it if still due, by moving its next attempt to leaseUntil under the
// worker's token. The UPDATE checks state and time again on its row, so
// when two replicas pick the same candidates each delivery goes to one of
// them; a worker that dies leaves its deliveries to fall due again.
//
// Measured on PostgreSQL (BENCHMARKS.md, "Change events"), the form that
// sends the most: one UPDATE for the whole batch (an IN list or a FOR
// UPDATE SKIP LOCKED subquery) was planned on the due index instead of the
// primary key without fresh statistics, and the per-row UPDATEs in one
// transaction sent half as many deliveries per second as these autocommits.
func (s *Store) ClaimDeliveries(ctx context.Context, now, leaseUntil time.Time, limit int, token string) ([]ClaimedDelivery, error) {
	// Replicas read the same oldest rows: each tries a shuffled sample of
	// four times what it wants, so that they mostly claim different ones
	// instead of queueing on each other's row locks.
	rows, err := s.db.QueryContext(ctx, s.q(fmt.Sprintf(`SELECT id, endpoint_id, event_id, attempts, create_time FROM webhook_deliveries
		WHERE state = $1 AND next_attempt_time <= $2 ORDER BY next_attempt_time LIMIT %d`, 4*limit)), DeliveryPending, micros(now))
	if err != nil {
		return nil, fmt.Errorf("store: due deliveries: %w", err)
	}
	var due []ClaimedDelivery
	for rows.Next() {
		d := ClaimedDelivery{Token: token}
		var ct int64
		if err := rows.Scan(&d.ID, &d.EndpointID, &d.EventID, &d.Attempts, &ct); err != nil {
			rows.Close()
			return nil, fmt.Errorf("store: due deliveries: %w", err)
		}
		d.CreateTime = fromMicros(ct)
		due = append(due, d)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: due deliveries: %w", err)
	}
	if len(due) == 0 {
		return nil, nil
	}
	rand.Shuffle(len(due), func(i, j int) { due[i], due[j] = due[j], due[i] })
	claimed := due[:0]
	for _, d := range due {
		if len(claimed) == limit {
			break
		}
		res, err := s.db.ExecContext(ctx, s.q(`UPDATE webhook_deliveries SET next_attempt_time = $3, lease_token = $4
			WHERE id = $1 AND state = $2 AND next_attempt_time <= $5`), d.ID, DeliveryPending, micros(leaseUntil), token, micros(now))
		if err != nil {
			return nil, fmt.Errorf("store: claim delivery: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 1 {
			claimed = append(claimed, d)
		}
	}
	return claimed, nil
}

// FinishAttempt records an attempt of a claimed delivery and its new state:
// PENDING with the next attempt's time, or a final state. It reports false
// when the claim was lost (the lease ran out and another worker took it, or
// the endpoint was disabled meanwhile); nothing is written then.
func (s *Store) FinishAttempt(ctx context.Context, d ClaimedDelivery, a Attempt, state int32, next time.Time) (bool, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return false, fmt.Errorf("store: finish attempt: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	var complete sql.NullInt64
	if state != DeliveryPending {
		complete = sql.NullInt64{Int64: micros(a.Time), Valid: true}
		next = a.Time
	}
	res, err := tx.ExecContext(ctx, s.q(`UPDATE webhook_deliveries SET state = $3, attempts = attempts + 1, next_attempt_time = $4,
		complete_time = $5, lease_token = '' WHERE id = $1 AND lease_token = $2 AND state = $6`),
		d.ID, d.Token, state, micros(next), complete, DeliveryPending)
	if err != nil {
		return false, fmt.Errorf("store: finish attempt: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return false, nil
	}
	if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO webhook_attempts (delivery_id, attempt, attempt_time, http_status, latency_us, error)
		VALUES ($1, $2, $3, $4, $5, $6)`), d.ID, a.Attempt, micros(a.Time), a.HTTPStatus, a.Latency.Microseconds(), a.Error); err != nil {
		return false, fmt.Errorf("store: record attempt: %w", err)
	}
	return true, tx.Commit()
}

// DeliveryFilter narrows ListDeliveries.
type DeliveryFilter struct {
	State   int32
	EventID string
}

// ListDeliveries lists an endpoint's deliveries newest first, with their attempts.
func (s *Store) ListDeliveries(ctx context.Context, projectID, endpointID string, f DeliveryFilter, before *Cursor, limit int) ([]Delivery, error) {
	where := []string{"project_id = $1", "endpoint_id = $2"}
	args := []any{projectID, endpointID}
	if f.State != 0 {
		args = append(args, f.State)
		where = append(where, fmt.Sprintf("state = $%d", len(args)))
	}
	if f.EventID != "" {
		args = append(args, f.EventID)
		where = append(where, fmt.Sprintf("event_id = $%d", len(args)))
	}
	if before != nil {
		args = append(args, micros(before.CreateTime), before.ID)
		n := len(args)
		where = append(where, fmt.Sprintf("(create_time < $%d OR (create_time = $%d AND id < $%d))", n-1, n-1, n))
	}
	rows, err := s.db.QueryContext(ctx, s.q(fmt.Sprintf(`SELECT id, project_id, endpoint_id, event_id, event_type, state, attempts,
		next_attempt_time, create_time, complete_time FROM webhook_deliveries WHERE %s ORDER BY create_time DESC, id DESC LIMIT %d`,
		strings.Join(where, " AND "), limit)), args...)
	if err != nil {
		return nil, fmt.Errorf("store: list deliveries: %w", err)
	}
	var out []Delivery
	for rows.Next() {
		var (
			d             Delivery
			next, created int64
			complete      sql.NullInt64
		)
		if err := rows.Scan(&d.ID, &d.ProjectID, &d.EndpointID, &d.EventID, &d.EventType, &d.State, &d.Attempts,
			&next, &created, &complete); err != nil {
			rows.Close()
			return nil, fmt.Errorf("store: list deliveries: %w", err)
		}
		d.NextAttemptTime, d.CreateTime, d.CompleteTime = fromMicros(next), fromMicros(created), fromNullMicros(complete)
		out = append(out, d)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: list deliveries: %w", err)
	}
	for i := range out {
		log, err := s.attempts(ctx, out[i].ID)
		if err != nil {
			return nil, err
		}
		out[i].AttemptLog = log
	}
	return out, nil
}

func (s *Store) attempts(ctx context.Context, deliveryID string) ([]Attempt, error) {
	rows, err := s.db.QueryContext(ctx, s.q(`SELECT attempt, attempt_time, http_status, latency_us, error FROM webhook_attempts
		WHERE delivery_id = $1 ORDER BY attempt`), deliveryID)
	if err != nil {
		return nil, fmt.Errorf("store: list attempts: %w", err)
	}
	defer rows.Close()
	var out []Attempt
	for rows.Next() {
		var (
			a       Attempt
			t, lat  int64
			errText string
		)
		if err := rows.Scan(&a.Attempt, &t, &a.HTTPStatus, &lat, &errText); err != nil {
			return nil, fmt.Errorf("store: list attempts: %w", err)
		}
		a.Time, a.Latency, a.Error = fromMicros(t), time.Duration(lat)*time.Microsecond, errText
		out = append(out, a)
	}
	return out, rows.Err()
}

// CursorLease is a named reader position held by one replica at a time.
type CursorLease struct {
	Position int64
	Held     bool
}

// ClaimCursor takes the named reader's lease for owner until the given
// time, unless another owner holds it, and returns the position.
func (s *Store) ClaimCursor(ctx context.Context, name, owner string, now, until time.Time) (CursorLease, error) {
	if _, err := s.db.ExecContext(ctx, s.q(`INSERT INTO event_cursors (name) VALUES ($1) ON CONFLICT (name) DO NOTHING`), name); err != nil {
		return CursorLease{}, fmt.Errorf("store: claim cursor: %w", err)
	}
	res, err := s.db.ExecContext(ctx, s.q(`UPDATE event_cursors SET lease_owner = $2, lease_until = $3
		WHERE name = $1 AND (lease_owner = $2 OR lease_until < $4)`), name, owner, micros(until), micros(now))
	if err != nil {
		return CursorLease{}, fmt.Errorf("store: claim cursor: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return CursorLease{}, nil
	}
	var pos int64
	if err := s.db.QueryRowContext(ctx, s.q(`SELECT position FROM event_cursors WHERE name = $1`), name).Scan(&pos); err != nil {
		return CursorLease{}, fmt.Errorf("store: claim cursor: %w", err)
	}
	return CursorLease{Position: pos, Held: true}, nil
}

// AdvanceCursor moves the named reader's position, if owner still holds it.
func (s *Store) AdvanceCursor(ctx context.Context, name, owner string, position int64) error {
	_, err := s.db.ExecContext(ctx, s.q(`UPDATE event_cursors SET position = $3 WHERE name = $1 AND lease_owner = $2`), name, owner, position)
	if err != nil {
		return fmt.Errorf("store: advance cursor: %w", err)
	}
	return nil
}

// PlatformEventsAfter lists every project's platform events that occurred
// at or after a time, oldest first.
func (s *Store) PlatformEventsAfter(ctx context.Context, after time.Time, limit int) ([]PlatformEvent, error) {
	rows, err := s.db.QueryContext(ctx, s.q(fmt.Sprintf(`SELECT id, project_id, type, connection_id, occurred_time, data FROM platform_events
		WHERE occurred_time >= $1 ORDER BY occurred_time, id LIMIT %d`, limit)), micros(after))
	if err != nil {
		return nil, fmt.Errorf("store: platform events: %w", err)
	}
	return scanPlatformEvents(rows)
}
