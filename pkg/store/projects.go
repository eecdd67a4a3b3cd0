package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Project is a tenant.
type Project struct {
	ID          string
	DisplayName string
	CreateTime  time.Time
	UpdateTime  time.Time
}

// CreateProject inserts p.
func (s *Store) CreateProject(ctx context.Context, p Project) error {
	_, err := s.db.ExecContext(ctx, s.q(`INSERT INTO projects (id, display_name, create_time, update_time) VALUES ($1, $2, $3, $4)`),
		p.ID, p.DisplayName, micros(p.CreateTime), micros(p.UpdateTime))
	if isUniqueViolation(err) {
		return ErrConflict
	}
	if err != nil {
		return fmt.Errorf("store: create project: %w", err)
	}
	return nil
}

// GetProject reads one project.
func (s *Store) GetProject(ctx context.Context, id string) (Project, error) {
	var (
		p      Project
		ct, ut int64
	)
	err := s.db.QueryRowContext(ctx, s.q(`SELECT id, display_name, create_time, update_time FROM projects WHERE id = $1`), id).
		Scan(&p.ID, &p.DisplayName, &ct, &ut)
	if errors.Is(err, sql.ErrNoRows) {
		return Project{}, ErrNotFound
	}
	if err != nil {
		return Project{}, fmt.Errorf("store: get project: %w", err)
	}
	p.CreateTime, p.UpdateTime = fromMicros(ct), fromMicros(ut)
	return p, nil
}

// ListProjects returns every project, oldest first (operators' view; few rows).
func (s *Store) ListProjects(ctx context.Context) ([]Project, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, display_name, create_time, update_time FROM projects ORDER BY create_time, id`)
	if err != nil {
		return nil, fmt.Errorf("store: list projects: %w", err)
	}
	defer rows.Close()
	var out []Project
	for rows.Next() {
		var (
			p      Project
			ct, ut int64
		)
		if err := rows.Scan(&p.ID, &p.DisplayName, &ct, &ut); err != nil {
			return nil, fmt.Errorf("store: list projects: %w", err)
		}
		p.CreateTime, p.UpdateTime = fromMicros(ct), fromMicros(ut)
		out = append(out, p)
	}
	return out, rows.Err()
}
