package store_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/unimesh/unimesh/pkg/store"
	"github.com/unimesh/unimesh/pkg/store/storetest"
)

func seedConnection(t *testing.T, s *store.Store, project, id string, cred store.Credential) {
	t.Helper()
	c := store.Connection{ID: id, ProjectID: project, Integration: "hubspot", Status: 1, AuthType: 1, CreateTime: t0, UpdateTime: t0}
	cred.ConnectionID = id
	if err := s.CreateConnection(context.Background(), c, cred); err != nil {
		t.Fatal(err)
	}
}

// The lease lets exactly one of many contenders refresh a credential, and
// CompleteRefresh refuses a holder whose credential was replaced meanwhile.
func TestRefreshLease(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		seedProject(t, s, "p1")
		seedConnection(t, s, "p1", "c1", store.Credential{KeyID: "k", Sealed: []byte("v1"), ExpireTime: t0, UpdateTime: t0, Refreshable: true})
		cred, err := s.GetCredential(ctx, "c1")
		if err != nil || cred.Version != 1 || !cred.Refreshable {
			t.Fatalf("credential = %+v, %v", cred, err)
		}
		now := t0
		var won atomic.Int32
		var wg sync.WaitGroup
		for i := range 16 {
			wg.Go(func() {
				ok, err := s.TakeRefreshLease(ctx, "c1", cred.Version, fmt.Sprintf("owner-%d", i), now, now.Add(30*time.Second))
				if err != nil {
					t.Error(err)
				}
				if ok {
					won.Add(1)
				}
			})
		}
		wg.Wait()
		if won.Load() != 1 {
			t.Fatalf("%d contenders took the lease, want 1", won.Load())
		}
		// Another owner cannot complete; an expired lease can be taken over.
		next := cred
		next.Sealed = []byte("v2")
		if ok, err := s.CompleteRefresh(ctx, next, "intruder"); err != nil || ok {
			t.Fatalf("CompleteRefresh by a non-holder = %v, %v", ok, err)
		}
		later := now.Add(31 * time.Second)
		if ok, err := s.TakeRefreshLease(ctx, "c1", cred.Version, "late", later, later.Add(30*time.Second)); err != nil || !ok {
			t.Fatalf("expired lease not taken over: %v, %v", ok, err)
		}
		if ok, err := s.CompleteRefresh(ctx, next, "late"); err != nil || !ok {
			t.Fatalf("CompleteRefresh by the holder = %v, %v", ok, err)
		}
		got, _ := s.GetCredential(ctx, "c1")
		if string(got.Sealed) != "v2" || got.Version != 2 {
			t.Fatalf("after refresh: %+v", got)
		}
		// A lease on a stale version is refused.
		if ok, _ := s.TakeRefreshLease(ctx, "c1", 1, "stale", later, later.Add(time.Second)); ok {
			t.Fatal("lease taken on a stale version")
		}
		// A re-connect during a refresh wins: the refresh result is refused.
		if ok, _ := s.TakeRefreshLease(ctx, "c1", 2, "r", later, later.Add(time.Minute)); !ok {
			t.Fatal("lease not taken")
		}
		row, _ := s.GetConnection(ctx, "p1", "c1")
		if err := s.UpdateConnection(ctx, row, &store.Credential{ConnectionID: "c1", KeyID: "k", Sealed: []byte("user"), UpdateTime: later}); err != nil {
			t.Fatal(err)
		}
		stale := got
		stale.Sealed = []byte("refreshed")
		if ok, _ := s.CompleteRefresh(ctx, stale, "r"); ok {
			t.Fatal("a refresh overwrote credentials given meanwhile")
		}
		got, _ = s.GetCredential(ctx, "c1")
		if string(got.Sealed) != "user" || got.Version != 3 || got.Refreshable {
			t.Fatalf("after re-connect: %+v", got)
		}
	})
}

func TestCredentialsToRefresh(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		seedProject(t, s, "p1")
		seedConnection(t, s, "p1", "soon", store.Credential{KeyID: "k", Sealed: []byte("x"), ExpireTime: t0.Add(2 * time.Minute), UpdateTime: t0, Refreshable: true})
		seedConnection(t, s, "p1", "sooner", store.Credential{KeyID: "k", Sealed: []byte("x"), ExpireTime: t0.Add(time.Minute), UpdateTime: t0, Refreshable: true})
		seedConnection(t, s, "p1", "later", store.Credential{KeyID: "k", Sealed: []byte("x"), ExpireTime: t0.Add(time.Hour), UpdateTime: t0, Refreshable: true})
		seedConnection(t, s, "p1", "norefresh", store.Credential{KeyID: "k", Sealed: []byte("x"), ExpireTime: t0.Add(time.Minute), UpdateTime: t0})
		seedConnection(t, s, "p1", "forever", store.Credential{KeyID: "k", Sealed: []byte("x"), UpdateTime: t0, Refreshable: true})
		seedConnection(t, s, "p1", "disabled", store.Credential{KeyID: "k", Sealed: []byte("x"), ExpireTime: t0, UpdateTime: t0, Refreshable: true})
		if err := s.SetConnectionStatus(ctx, "p1", "disabled", 3, "", t0); err != nil {
			t.Fatal(err)
		}
		due, err := s.CredentialsToRefresh(ctx, t0.Add(10*time.Minute), t0, 10)
		if err != nil || len(due) != 2 || due[0].ConnectionID != "sooner" || due[1].ConnectionID != "soon" || due[0].ProjectID != "p1" {
			t.Fatalf("due = %+v, %v", due, err)
		}
		// A failure holds a credential off until its next time.
		cred, _ := s.GetCredential(ctx, "sooner")
		if ok, _ := s.TakeRefreshLease(ctx, "sooner", cred.Version, "o", t0, t0.Add(time.Minute)); !ok {
			t.Fatal("lease")
		}
		if err := s.ReleaseRefreshLease(ctx, "sooner", "o", t0.Add(5*time.Minute)); err != nil {
			t.Fatal(err)
		}
		due, _ = s.CredentialsToRefresh(ctx, t0.Add(10*time.Minute), t0.Add(time.Minute), 10)
		if len(due) != 1 || due[0].ConnectionID != "soon" {
			t.Fatalf("due while held off = %+v", due)
		}
		if got, _ := s.GetCredential(ctx, "sooner"); got.RefreshFailures != 1 {
			t.Fatalf("failures = %d", got.RefreshFailures)
		}
	})
}

func TestOAuthAppsAndStates(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		seedProject(t, s, "p1")
		app := store.OAuthApp{ProjectID: "p1", Integration: "hubspot", ClientID: "cid", KeyID: "k", SealedSecret: []byte("s"),
			Scopes: []string{"crm.objects.contacts.read", "oauth"}, CreateTime: t0, UpdateTime: t0}
		if err := s.CreateOAuthApp(ctx, app); err != nil {
			t.Fatal(err)
		}
		if err := s.CreateOAuthApp(ctx, app); !errors.Is(err, store.ErrConflict) {
			t.Fatalf("duplicate app: %v", err)
		}
		app.ClientID, app.Scopes = "cid2", nil
		if err := s.UpdateOAuthApp(ctx, app); err != nil {
			t.Fatal(err)
		}
		got, err := s.GetOAuthApp(ctx, "p1", "hubspot")
		if err != nil || got.ClientID != "cid2" || got.Scopes != nil {
			t.Fatalf("app = %+v, %v", got, err)
		}
		if _, err := s.GetOAuthApp(ctx, "p2", "hubspot"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("other project's app: %v", err)
		}
		if list, _ := s.ListOAuthApps(ctx, "p1"); len(list) != 1 {
			t.Fatalf("list = %+v", list)
		}
		if err := s.DeleteOAuthApp(ctx, "p1", "hubspot"); err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteOAuthApp(ctx, "p1", "hubspot"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("second delete: %v", err)
		}

		sess := store.ConnectSession{ID: "cs_1", ProjectID: "p1", TokenHash: []byte("hash"), EndUserOriginID: "u1",
			Integrations: []string{"hubspot", "pipedrive"}, State: 1, CreateTime: t0, ExpireTime: t0.Add(time.Hour)}
		if err := s.CreateConnectSession(ctx, sess); err != nil {
			t.Fatal(err)
		}
		st := store.OAuthState{ID: "st1", SessionID: "cs_1", Integration: "hubspot", Config: map[string]string{"a": "b"},
			RedirectURI: "http://x/oauth/callback", KeyID: "k", SealedVerifier: []byte("v"), BindingHash: []byte("b"),
			CreateTime: t0, ExpireTime: t0.Add(10 * time.Minute)}
		if err := s.CreateOAuthState(ctx, st); err != nil {
			t.Fatal(err)
		}
		// Of many callbacks with one state, exactly one uses it.
		var used, replayed atomic.Int32
		var wg sync.WaitGroup
		for range 8 {
			wg.Go(func() {
				got, err := s.UseOAuthState(ctx, "st1", t0.Add(time.Minute))
				switch {
				case err == nil && got.Config["a"] == "b" && got.SessionID == "cs_1":
					used.Add(1)
				case errors.Is(err, store.ErrConflict):
					replayed.Add(1)
				default:
					t.Errorf("UseOAuthState = %+v, %v", got, err)
				}
			})
		}
		wg.Wait()
		if used.Load() != 1 || replayed.Load() != 7 {
			t.Fatalf("used %d, replayed %d", used.Load(), replayed.Load())
		}
		if _, err := s.UseOAuthState(ctx, "nope", t0); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("unknown state: %v", err)
		}
		if n, err := s.DeleteExpiredOAuthStates(ctx, t0.Add(time.Hour)); err != nil || n != 1 {
			t.Fatalf("expired states deleted = %d, %v", n, err)
		}

		byToken, err := s.GetConnectSessionByToken(ctx, []byte("hash"))
		if err != nil || byToken.ID != "cs_1" || len(byToken.Integrations) != 2 {
			t.Fatalf("by token = %+v, %v", byToken, err)
		}
		if ok, _ := s.FinishConnectSession(ctx, "cs_1", 1, 2, "c1", t0); !ok {
			t.Fatal("finish")
		}
		if ok, _ := s.FinishConnectSession(ctx, "cs_1", 1, 2, "c2", t0); ok {
			t.Fatal("a session finished twice")
		}
		got2, _ := s.GetConnectSession(ctx, "p1", "cs_1")
		if got2.State != 2 || got2.ConnectionID != "c1" || !got2.CompleteTime.Equal(t0) {
			t.Fatalf("finished session = %+v", got2)
		}
		if _, err := s.GetConnectSession(ctx, "p2", "cs_1"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("other project's session: %v", err)
		}
	})
}

func TestRequestLogAndEvents(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		seedProject(t, s, "p1")
		seedConnection(t, s, "p1", "c1", store.Credential{KeyID: "k", Sealed: []byte("x"), UpdateTime: t0})
		var batch []store.LoggedRequest
		for i := range store.RequestLogKeep + 20 {
			batch = append(batch, store.LoggedRequest{ConnectionID: "c1", Time: t0.Add(time.Duration(i) * time.Second), Transport: "rest",
				Method: "GET", Path: fmt.Sprintf("/crm/v1/connections/c1/contacts/%d", i), Status: 200, Code: "OK", Duration: 1500 * time.Microsecond})
		}
		batch = append(batch, store.LoggedRequest{ConnectionID: "gone", Time: t0, Method: "GET", Path: "/x", Code: "OK"})
		if err := s.AppendRequests(ctx, batch, t0.Add(-time.Hour)); err != nil {
			t.Fatal(err)
		}
		page, err := s.ListRequests(ctx, "c1", 0, 5)
		if err != nil || len(page) != 5 || page[0].Path != fmt.Sprintf("/crm/v1/connections/c1/contacts/%d", store.RequestLogKeep+19) ||
			page[0].Duration != 1500*time.Microsecond {
			t.Fatalf("newest = %+v, %v", page, err)
		}
		all, _ := s.ListRequests(ctx, "c1", 0, 1000)
		if len(all) != store.RequestLogKeep {
			t.Fatalf("kept %d, want %d", len(all), store.RequestLogKeep)
		}
		next, _ := s.ListRequests(ctx, "c1", page[4].ID, 2)
		if len(next) != 2 || next[0].ID >= page[4].ID {
			t.Fatalf("next page = %+v", next)
		}
		if err := s.AppendPlatformEvent(ctx, store.PlatformEvent{ID: "ev1", ProjectID: "p1", Type: "connection.needs_reauth", ConnectionID: "c1", OccurredTime: t0}); err != nil {
			t.Fatal(err)
		}
		evs, err := s.ListPlatformEvents(ctx, "p1", t0, 10)
		if err != nil || len(evs) != 1 || evs[0].Type != "connection.needs_reauth" || evs[0].Data != "{}" {
			t.Fatalf("events = %+v, %v", evs, err)
		}
		// Deleting the connection deletes its log.
		if err := s.DeleteConnection(ctx, "p1", "c1"); err != nil {
			t.Fatal(err)
		}
		if rest, _ := s.ListRequests(ctx, "c1", 0, 10); len(rest) != 0 {
			t.Fatalf("log of a deleted connection: %d entries", len(rest))
		}
	})
}
