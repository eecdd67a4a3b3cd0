package stack_test

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/unimesh/unimesh/cmd/unimesh/stack"
	"github.com/unimesh/unimesh/pkg/store"
	"github.com/unimesh/unimesh/pkg/store/storetest"
	"github.com/unimesh/unimesh/pkg/telemetry"
	platformv1 "github.com/unimesh/unimesh/proto/unimesh/platform/v1"
	"github.com/unimesh/unimesh/services/connect"
)

func freePort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

func waitListening(t *testing.T, addr string) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		c, err := net.Dial("tcp", addr)
		if err == nil {
			c.Close()
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("nothing listens on %s", addr)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestMeshMode runs every service as `unimesh serve <name>` would — each on
// its own port, configured by its environment alone — on PostgreSQL, and
// calls the API through the gateway.
func TestMeshMode(t *testing.T) {
	dbURL := storetest.PostgresURL(t)
	if dbURL == "" {
		t.Skip(storetest.PostgresEnv + " is not set")
	}
	raw := make([]byte, 32)
	_, _ = rand.Read(raw)
	secret := make([]byte, 32)
	_, _ = rand.Read(secret)
	addrs := map[string]string{}
	for _, s := range stack.Services {
		addrs[s] = freePort(t)
	}
	common := map[string]string{
		"UNIMESH_INTERNAL_TOKEN":         "internal-" + hex.EncodeToString(raw[:8]),
		"UNIMESH_SANDBOX_URL":            "http://" + addrs["sandbox"],
		"UNIMESH_ALLOW_PRIVATE_NETWORKS": "true",
		"UNIMESH_CONNECT_ADDR":           addrs["connect"],
	}
	envFor := func(name string) stack.MeshEnv {
		env := map[string]string{}
		for k, v := range common {
			env[k] = v
		}
		switch name {
		case "connect":
			env["UNIMESH_DATABASE_URL"] = dbURL
			env["UNIMESH_MASTER_KEY"] = "k1:" + base64.StdEncoding.EncodeToString(raw)
			env["UNIMESH_EVENTS_ADDR"] = addrs["events"]
		case "events":
			env["UNIMESH_DATABASE_URL"] = dbURL
			env["UNIMESH_MASTER_KEY"] = "k1:" + base64.StdEncoding.EncodeToString(raw)
			env["UNIMESH_POLL_INTERVAL"] = "1s"
			for _, s := range []string{"crm", "ticketing", "hris", "accounting", "ats"} {
				env["UNIMESH_"+strings.ToUpper(s)+"_ADDR"] = addrs[s]
			}
		case "crm", "ticketing", "hris", "accounting", "ats":
			env["UNIMESH_EVENTS_ADDR"] = addrs["events"]
		case "gateway":
			for s, a := range addrs {
				env["UNIMESH_"+strings.ToUpper(s)+"_ADDR"] = a
			}
			env["UNIMESH_HTTP_ADDR"] = addrs["gateway"]
		case "sandbox":
			env = map[string]string{"UNIMESH_SANDBOX_SECRET": hex.EncodeToString(secret), "UNIMESH_HTTP_ADDR": addrs["sandbox"]}
		}
		if name != "gateway" && name != "sandbox" {
			env["UNIMESH_GRPC_ADDR"] = addrs[name]
		}
		return func(k string) string { return env[k] }
	}
	logs := &syncBuffer{}
	logger := telemetry.NewLogger(logs, telemetry.ParseLevel("info"), "json")
	ctx, cancel := context.WithCancel(context.Background())
	done := map[string]chan error{}
	start := func(name string) {
		ch := make(chan error, 1)
		done[name] = ch
		go func() { ch <- stack.Serve(ctx, name, envFor(name), logger.With("service", name)) }()
		waitListening(t, addrs[name])
	}
	// Refusals first: connect without master keys, a service without the token.
	noKey := func(k string) string {
		if k == "UNIMESH_MASTER_KEY" {
			return ""
		}
		return envFor("connect")(k)
	}
	if err := stack.Serve(ctx, "connect", noKey, logger); err == nil || !strings.Contains(err.Error(), "master key") {
		t.Fatalf("connect without a master key: %v", err)
	}
	if err := stack.Serve(ctx, "crm", func(k string) string { return "" }, logger); err == nil || !strings.Contains(err.Error(), "UNIMESH_INTERNAL_TOKEN") {
		t.Fatalf("crm without a token: %v", err)
	}
	for _, name := range []string{"sandbox", "connect", "crm", "ticketing", "hris", "accounting", "ats", "events", "gateway"} {
		start(name)
	}
	defer func() {
		cancel()
		for name, ch := range done {
			select {
			case err := <-ch:
				if err != nil {
					t.Errorf("%s stopped with %v", name, err)
				}
			case <-time.After(15 * time.Second):
				t.Errorf("%s did not stop", name)
			}
		}
	}()

	// An operator makes a project, as `unimesh admin create-project` does.
	st, err := store.Open(context.Background(), dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	p, err := connect.CreateProject(context.Background(), st, "Mesh", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	_, key, err := connect.CreateAPIKey(context.Background(), st, p.ID, "admin", []platformv1.Scope{platformv1.Scope_SCOPE_ADMIN}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{t: t, seen: &syncBuffer{}, dev: &stack.Dev{URL: "http://" + addrs["gateway"], APIKey: key}}
	h.expect(h.as("", "GET", "/healthz", nil), 200, "")
	c := h.do("POST", "/platform/v1/connections", map[string]any{
		"connection":  map[string]any{"integration": "sandbox-crm"},
		"credentials": map[string]any{"apiKey": map[string]any{"key": stack.SandboxKey(secret, "sandbox-crm")}},
	})
	h.expect(c, 200, "")
	r := h.do("GET", "/crm/v1/connections/"+c.str("id")+"/contacts?pageSize=5", nil)
	h.expect(r, 200, "")
	if len(r.list("contacts")) != 5 {
		t.Fatalf("contacts: %s", r.raw)
	}
	h.expect(h.as("", "GET", "/crm/v1/connections/"+c.str("id")+"/contacts", nil), 401, "UNAUTHENTICATED")

	// Change events across the mesh: crm tells events of a write over
	// gRPC, and events signs and delivers it from PostgreSQL.
	var (
		signing   string
		signingMu sync.Mutex
	)
	rcv := newReceiver(t, func() string {
		signingMu.Lock()
		defer signingMu.Unlock()
		return signing
	})
	ep := h.do("POST", "/platform/v1/webhookEndpoints", map[string]any{"url": rcv.url, "eventTypes": []string{"crm.contact.updated"}})
	h.expect(ep, 200, "")
	signingMu.Lock()
	signing = ep.str("signingSecret")
	signingMu.Unlock()
	contact := r.list("contacts")[0].(map[string]any)["id"].(string)
	h.expect(h.do("PATCH", "/crm/v1/connections/"+c.str("id")+"/contacts/"+contact+"?updateMask=lastName", map[string]any{"lastName": "Mesh"}), 200, "")
	ev := rcv.await(20*time.Second, "the mesh's crm.contact.updated", recordEvent("crm.contact.updated", c.str("id"), contact))
	if eventRecord(ev)["lastName"] != "Mesh" || ev["source"] != "EVENT_SOURCE_UNIMESH" {
		t.Fatalf("mesh event: %v", ev)
	}
	if strings.Contains(logs.String(), key[17:]) {
		t.Fatal("the API key is in the logs")
	}
}
