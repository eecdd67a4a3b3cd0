package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/unimesh/unimesh/cmd/unimesh/stack"
)

// lockedBuffer is an io.Writer safe for the listener's goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// `unimesh listen` registers itself, prints a verified delivery of a
// change, and deletes its endpoint when it stops.
func TestListen(t *testing.T) {
	dev, err := stack.StartDev(context.Background(), &stack.DevConfig{
		Common:   stack.Common{Logger: slog.New(slog.DiscardHandler)},
		DataDir:  t.TempDir(),
		HTTPAddr: "127.0.0.1:0",
		Events:   stack.EventsConfig{Tick: 50 * time.Millisecond},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer dev.Close(context.Background())
	out := &lockedBuffer{}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- runListen(ctx, []string{"--api", dev.URL, "--key", dev.APIKey, "--addr", "127.0.0.1:0", "--events", "crm.contact.updated"},
			out, func(string) string { return "" })
	}()
	api := func(method, path, body string) []byte {
		req, _ := http.NewRequest(method, dev.URL+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+dev.APIKey)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 {
			t.Fatalf("%s %s: %d %s", method, path, resp.StatusCode, b)
		}
		return b
	}
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(out.String(), "listening on") && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	crm := dev.Connections["sandbox-crm"]
	var list struct {
		Contacts []struct {
			ID string `json:"id"`
		} `json:"contacts"`
	}
	_ = json.Unmarshal(api("GET", "/crm/v1/connections/"+crm+"/contacts?pageSize=1", ""), &list)
	api("PATCH", "/crm/v1/connections/"+crm+"/contacts/"+list.Contacts[0].ID+"?updateMask=lastName", `{"lastName":"Listened"}`)
	for !strings.Contains(out.String(), "signature verified") && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if !strings.Contains(out.String(), "crm.contact.updated evt_") || !strings.Contains(out.String(), `"lastName": "Listened"`) {
		t.Fatalf("listen printed:\n%s", out.String())
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	var eps struct {
		Endpoints []any `json:"webhookEndpoints"`
	}
	_ = json.Unmarshal(api("GET", "/platform/v1/webhookEndpoints", ""), &eps)
	if len(eps.Endpoints) != 0 {
		t.Fatalf("the endpoint outlived listen: %v", eps.Endpoints)
	}
	// Without a key it refuses to start.
	if err := runListen(context.Background(), nil, io.Discard, func(string) string { return "" }); err == nil {
		t.Fatal("listen started without a key")
	}
}
