package store_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/unimesh/unimesh/pkg/store"
	"github.com/unimesh/unimesh/pkg/store/storetest"
)

var t0 = time.Date(2026, 1, 2, 3, 4, 5, 123456000, time.UTC)

func seedProject(t *testing.T, s *store.Store, id string) {
	t.Helper()
	if err := s.CreateProject(context.Background(), store.Project{ID: id, DisplayName: id, CreateTime: t0, UpdateTime: t0}); err != nil {
		t.Fatal(err)
	}
}

func TestMigrateIsIdempotent(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		if err := s.Migrate(ctx); err != nil {
			t.Fatalf("second Migrate: %v", err)
		}
		v, err := s.SchemaVersion(ctx)
		if err != nil || v < 1 {
			t.Fatalf("SchemaVersion = %d, %v", v, err)
		}
	})
}

func TestProjectsAndKeys(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		seedProject(t, s, "p1")
		if err := s.CreateProject(ctx, store.Project{ID: "p1", DisplayName: "again", CreateTime: t0, UpdateTime: t0}); !errors.Is(err, store.ErrConflict) {
			t.Fatalf("duplicate project: %v, want ErrConflict", err)
		}
		p, err := s.GetProject(ctx, "p1")
		if err != nil || p.DisplayName != "p1" || !p.CreateTime.Equal(t0) {
			t.Fatalf("GetProject = %+v, %v", p, err)
		}
		if _, err := s.GetProject(ctx, "nope"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("missing project: %v", err)
		}
		for i := range 5 {
			k := store.APIKey{ID: fmt.Sprintf("k%d", i), ProjectID: "p1", DisplayName: "key", SecretHash: []byte{byte(i)},
				Scopes: "read", CreateTime: t0.Add(time.Duration(i) * time.Second)}
			if err := s.CreateAPIKey(ctx, k); err != nil {
				t.Fatal(err)
			}
		}
		page, err := s.ListAPIKeys(ctx, "p1", nil, 2)
		if err != nil || len(page) != 2 || page[0].ID != "k4" || page[1].ID != "k3" {
			t.Fatalf("first page = %+v, %v", page, err)
		}
		page, err = s.ListAPIKeys(ctx, "p1", &store.Cursor{CreateTime: page[1].CreateTime, ID: page[1].ID}, 10)
		if err != nil || len(page) != 3 || page[0].ID != "k2" {
			t.Fatalf("second page = %+v, %v", page, err)
		}
		got, err := s.GetAPIKey(ctx, "k2")
		if err != nil || !bytes.Equal(got.SecretHash, []byte{2}) || !got.LastUsedTime.IsZero() {
			t.Fatalf("GetAPIKey = %+v, %v", got, err)
		}
		if err := s.TouchAPIKey(ctx, "k2", t0.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		// A second touch within the minute is not written.
		if err := s.TouchAPIKey(ctx, "k2", t0.Add(time.Hour+10*time.Second)); err != nil {
			t.Fatal(err)
		}
		got, _ = s.GetAPIKey(ctx, "k2")
		if !got.LastUsedTime.Equal(t0.Add(time.Hour)) {
			t.Fatalf("LastUsedTime = %v", got.LastUsedTime)
		}
		seedProject(t, s, "p2")
		if err := s.DeleteAPIKey(ctx, "p2", "k2"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("deleting another project's key: %v, want ErrNotFound", err)
		}
		if err := s.DeleteAPIKey(ctx, "p1", "k2"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.GetAPIKey(ctx, "k2"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("deleted key still there: %v", err)
		}
	})
}

func TestConnectionsAndCredentials(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		seedProject(t, s, "pa")
		seedProject(t, s, "pb")
		mk := func(id, project, integration string, at time.Time) {
			t.Helper()
			c := store.Connection{ID: id, ProjectID: project, Integration: integration, Status: 1, AuthType: 2,
				Config: map[string]string{"region": "eu"}, Scopes: []string{"a", "b"}, EndUserOriginID: "cust-" + id,
				CreateTime: at, UpdateTime: at}
			cred := store.Credential{ConnectionID: id, KeyID: "k1", Sealed: []byte("sealed-" + id), UpdateTime: at}
			if err := s.CreateConnection(ctx, c, cred); err != nil {
				t.Fatal(err)
			}
		}
		for i := range 4 {
			mk(fmt.Sprintf("c%d", i), "pa", []string{"x", "y"}[i%2], t0.Add(time.Duration(i)*time.Minute))
		}
		mk("cb", "pb", "x", t0)

		if _, err := s.GetConnection(ctx, "pb", "c1"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("cross-project get: %v, want ErrNotFound", err)
		}
		c, err := s.GetConnection(ctx, "pa", "c1")
		if err != nil || c.Config["region"] != "eu" || len(c.Scopes) != 2 || c.EndUserOriginID != "cust-c1" {
			t.Fatalf("GetConnection = %+v, %v", c, err)
		}
		all, err := s.ListConnections(ctx, "pa", store.ConnectionFilter{}, nil, 10)
		if err != nil || len(all) != 4 || all[0].ID != "c3" {
			t.Fatalf("list = %d rows, first %v, %v", len(all), all, err)
		}
		xs, err := s.ListConnections(ctx, "pa", store.ConnectionFilter{Integration: "x"}, nil, 10)
		if err != nil || len(xs) != 2 {
			t.Fatalf("filtered list = %+v, %v", xs, err)
		}
		page2, err := s.ListConnections(ctx, "pa", store.ConnectionFilter{}, &store.Cursor{CreateTime: all[1].CreateTime, ID: all[1].ID}, 10)
		if err != nil || len(page2) != 2 || page2[0].ID != "c1" {
			t.Fatalf("page 2 = %+v, %v", page2, err)
		}

		c.DisplayName, c.Status, c.StatusDetail = "renamed", 3, "disabled by test"
		c.UpdateTime = t0.Add(time.Hour)
		newCred := store.Credential{ConnectionID: "c1", KeyID: "k2", Sealed: []byte("new"), ExpireTime: t0.Add(2 * time.Hour), UpdateTime: c.UpdateTime}
		if err := s.UpdateConnection(ctx, c, &newCred); err != nil {
			t.Fatal(err)
		}
		got, _ := s.GetConnection(ctx, "pa", "c1")
		if got.DisplayName != "renamed" || got.Status != 3 || got.StatusDetail != "disabled by test" {
			t.Fatalf("after update = %+v", got)
		}
		cred, err := s.GetCredential(ctx, "c1")
		if err != nil || string(cred.Sealed) != "new" || cred.KeyID != "k2" || !cred.ExpireTime.Equal(t0.Add(2*time.Hour)) {
			t.Fatalf("credential = %+v, %v", cred, err)
		}
		c.ProjectID = "pb"
		if err := s.UpdateConnection(ctx, c, nil); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("cross-project update: %v", err)
		}

		todo, err := s.CredentialsNotUnderKey(ctx, "k2", 100)
		if err != nil || len(todo) != 4 {
			t.Fatalf("to rotate = %d, %v", len(todo), err)
		}
		ok, err := s.ResealCredential(ctx, "c0", "k1", "k2", []byte("resealed"))
		if err != nil || !ok {
			t.Fatalf("reseal = %v, %v", ok, err)
		}
		ok, _ = s.ResealCredential(ctx, "c0", "k1", "k2", []byte("again"))
		if ok {
			t.Fatal("reseal of a row no longer under the old key succeeded")
		}
		counts, _ := s.CountCredentialsByKey(ctx)
		if counts["k2"] != 2 || counts["k1"] != 3 {
			t.Fatalf("counts = %v", counts)
		}

		if err := s.SetConnectionStatus(ctx, "pa", "c2", 2, "provider said 401", t0); err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteConnection(ctx, "pb", "c2"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("cross-project delete: %v", err)
		}
		if err := s.DeleteConnection(ctx, "pa", "c2"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.GetCredential(ctx, "c2"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("credential survived its connection: %v", err)
		}
	})
}
