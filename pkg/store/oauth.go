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

// OAuthApp is a project's OAuth client at one provider, its secret sealed.
type OAuthApp struct {
	ProjectID    string
	Integration  string
	ClientID     string
	KeyID        string
	SealedSecret []byte
	Scopes       []string
	RedirectURI  string
	CreateTime   time.Time
	UpdateTime   time.Time
}

const oauthAppColumns = `project_id, integration, client_id, key_id, sealed_secret, scopes, redirect_uri, create_time, update_time`

func scanOAuthApp(row interface{ Scan(...any) error }) (OAuthApp, error) {
	var (
		a      OAuthApp
		scopes string
		ct, ut int64
	)
	if err := row.Scan(&a.ProjectID, &a.Integration, &a.ClientID, &a.KeyID, &a.SealedSecret, &scopes, &a.RedirectURI, &ct, &ut); err != nil {
		return OAuthApp{}, err
	}
	a.Scopes = splitSpaces(scopes)
	a.CreateTime, a.UpdateTime = fromMicros(ct), fromMicros(ut)
	return a, nil
}

func splitSpaces(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, " ")
}

// CreateOAuthApp inserts an app; ErrConflict when the project has one for
// the integration already.
func (s *Store) CreateOAuthApp(ctx context.Context, a OAuthApp) error {
	_, err := s.db.ExecContext(ctx, s.q(`INSERT INTO oauth_apps (`+oauthAppColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`),
		a.ProjectID, a.Integration, a.ClientID, a.KeyID, a.SealedSecret, strings.Join(a.Scopes, " "), a.RedirectURI,
		micros(a.CreateTime), micros(a.UpdateTime))
	if isUniqueViolation(err) {
		return ErrConflict
	}
	if err != nil {
		return fmt.Errorf("store: create oauth app: %w", err)
	}
	return nil
}

// OAuthAppOwner is the vault owner an OAuth app's client secret is sealed
// for: connect seals it, and the events service opens it to verify
// app-level webhooks signed with it.
func OAuthAppOwner(projectID, integration string) string {
	return "oauth-app:" + projectID + "/" + integration
}

// GetOAuthApp reads the project's app for an integration.
func (s *Store) GetOAuthApp(ctx context.Context, projectID, integration string) (OAuthApp, error) {
	a, err := scanOAuthApp(s.db.QueryRowContext(ctx, s.q(`SELECT `+oauthAppColumns+` FROM oauth_apps WHERE project_id = $1 AND integration = $2`),
		projectID, integration))
	if errors.Is(err, sql.ErrNoRows) {
		return OAuthApp{}, ErrNotFound
	}
	if err != nil {
		return OAuthApp{}, fmt.Errorf("store: get oauth app: %w", err)
	}
	return a, nil
}

// ListOAuthApps lists the project's apps by integration.
func (s *Store) ListOAuthApps(ctx context.Context, projectID string) ([]OAuthApp, error) {
	rows, err := s.db.QueryContext(ctx, s.q(`SELECT `+oauthAppColumns+` FROM oauth_apps WHERE project_id = $1 ORDER BY integration`), projectID)
	if err != nil {
		return nil, fmt.Errorf("store: list oauth apps: %w", err)
	}
	defer rows.Close()
	var out []OAuthApp
	for rows.Next() {
		a, err := scanOAuthApp(rows)
		if err != nil {
			return nil, fmt.Errorf("store: list oauth apps: %w", err)
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// UpdateOAuthApp replaces an app's mutable fields.
func (s *Store) UpdateOAuthApp(ctx context.Context, a OAuthApp) error {
	res, err := s.db.ExecContext(ctx, s.q(`UPDATE oauth_apps SET client_id = $3, key_id = $4, sealed_secret = $5, scopes = $6,
		redirect_uri = $7, update_time = $8 WHERE project_id = $1 AND integration = $2`),
		a.ProjectID, a.Integration, a.ClientID, a.KeyID, a.SealedSecret, strings.Join(a.Scopes, " "), a.RedirectURI, micros(a.UpdateTime))
	if err != nil {
		return fmt.Errorf("store: update oauth app: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}

// DeleteOAuthApp deletes the project's app for an integration.
func (s *Store) DeleteOAuthApp(ctx context.Context, projectID, integration string) error {
	res, err := s.db.ExecContext(ctx, s.q(`DELETE FROM oauth_apps WHERE project_id = $1 AND integration = $2`), projectID, integration)
	if err != nil {
		return fmt.Errorf("store: delete oauth app: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}

// OAuthState is one OAuth redirect in flight.
type OAuthState struct {
	ID             string
	SessionID      string
	Integration    string
	Config         map[string]string
	RedirectURI    string
	KeyID          string
	SealedVerifier []byte
	BindingHash    []byte
	CreateTime     time.Time
	ExpireTime     time.Time
	UsedTime       time.Time
}

// CreateOAuthState inserts a state.
func (s *Store) CreateOAuthState(ctx context.Context, st OAuthState) error {
	config, err := json.Marshal(st.Config)
	if err != nil {
		return fmt.Errorf("store: create oauth state: %w", err)
	}
	_, err = s.db.ExecContext(ctx, s.q(`INSERT INTO oauth_states (id, session_id, integration, config, redirect_uri, key_id,
		sealed_verifier, binding_hash, create_time, expire_time) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`),
		st.ID, st.SessionID, st.Integration, string(config), st.RedirectURI, st.KeyID, st.SealedVerifier, st.BindingHash,
		micros(st.CreateTime), micros(st.ExpireTime))
	if err != nil {
		return fmt.Errorf("store: create oauth state: %w", err)
	}
	return nil
}

// UseOAuthState marks a state used and returns it. A state used before is
// ErrConflict; one that does not exist, ErrNotFound. Marking and reading
// are one conditional UPDATE, so two callbacks with the same state cannot
// both succeed.
func (s *Store) UseOAuthState(ctx context.Context, id string, now time.Time) (OAuthState, error) {
	res, err := s.db.ExecContext(ctx, s.q(`UPDATE oauth_states SET used_time = $2 WHERE id = $1 AND used_time IS NULL`), id, micros(now))
	if err != nil {
		return OAuthState{}, fmt.Errorf("store: use oauth state: %w", err)
	}
	n, _ := res.RowsAffected()
	var (
		st     OAuthState
		config string
		ct, et int64
		used   sql.NullInt64
	)
	err = s.db.QueryRowContext(ctx, s.q(`SELECT id, session_id, integration, config, redirect_uri, key_id, sealed_verifier,
		binding_hash, create_time, expire_time, used_time FROM oauth_states WHERE id = $1`), id).
		Scan(&st.ID, &st.SessionID, &st.Integration, &config, &st.RedirectURI, &st.KeyID, &st.SealedVerifier,
			&st.BindingHash, &ct, &et, &used)
	if errors.Is(err, sql.ErrNoRows) {
		return OAuthState{}, ErrNotFound
	}
	if err != nil {
		return OAuthState{}, fmt.Errorf("store: read oauth state: %w", err)
	}
	if err := json.Unmarshal([]byte(config), &st.Config); err != nil {
		return OAuthState{}, fmt.Errorf("store: read oauth state: %w", err)
	}
	st.CreateTime, st.ExpireTime, st.UsedTime = fromMicros(ct), fromMicros(et), fromNullMicros(used)
	if n == 0 {
		return st, ErrConflict
	}
	return st, nil
}

// DeleteExpiredOAuthStates removes states that expired before cutoff.
func (s *Store) DeleteExpiredOAuthStates(ctx context.Context, cutoff time.Time) (int64, error) {
	res, err := s.db.ExecContext(ctx, s.q(`DELETE FROM oauth_states WHERE expire_time < $1`), micros(cutoff))
	if err != nil {
		return 0, fmt.Errorf("store: delete expired oauth states: %w", err)
	}
	n, _ := res.RowsAffected()
	return n, nil
}
