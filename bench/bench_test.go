// Package bench holds the side-by-side benchmarks of a sandbox list call:
// the emulator alone, the unified API over gRPC, and over REST. The load
// tool in cmd/loadgen drives the same paths with concurrent clients.
package bench

import (
	"context"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/unimesh/unimesh/cmd/unimesh/stack"
	"github.com/unimesh/unimesh/pkg/auth"
	"github.com/unimesh/unimesh/pkg/telemetry"
	crmv1 "github.com/unimesh/unimesh/proto/unimesh/crm/v1"
)

func startStack(b *testing.B) (*stack.Dev, string) {
	b.Helper()
	dir := b.TempDir()
	dev, err := stack.StartDev(context.Background(), &stack.DevConfig{
		Common:    stack.Common{Logger: telemetry.NewLogger(io.Discard, slog.LevelError, "json")},
		DataDir:   dir,
		HTTPAddr:  "127.0.0.1:0",
		Gateway:   stack.GatewayOptions{RatePerSecond: 1e9, Burst: 1 << 30},
		Sandboxes: stack.SandboxOptions{RatePerMinute: 1 << 30, Vendors: true},
	})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { dev.Close(context.Background()) })
	raw, err := os.ReadFile(filepath.Join(dir, "sandbox.secret"))
	if err != nil {
		b.Fatal(err)
	}
	secret, err := hex.DecodeString(strings.TrimSpace(string(raw)))
	if err != nil {
		b.Fatal(err)
	}
	return dev, stack.SandboxKey(secret, "sandbox-crm")
}

func get(b *testing.B, client *http.Client, url, key string) {
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := client.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b.Fatalf("status %d", resp.StatusCode)
	}
}

// BenchmarkListFiftyContacts lists 50 contacts three ways, one after the
// other in one run: compare the sub-benchmarks, not machines.
func BenchmarkListFiftyContacts(b *testing.B) {
	dev, sandboxKey := startStack(b)
	conn := dev.Connections["sandbox-crm"]
	client := &http.Client{}
	b.Run("emulator", func(b *testing.B) {
		url := dev.Sandboxes.URL + "/sandbox-crm/v1/people?limit=50"
		b.ReportAllocs()
		for b.Loop() {
			get(b, client, url, sandboxKey)
		}
	})
	b.Run("grpc", func(b *testing.B) {
		gc, err := grpc.NewClient(dev.Addrs["crm"], grpc.WithTransportCredentials(insecure.NewCredentials()))
		if err != nil {
			b.Fatal(err)
		}
		defer gc.Close()
		crm := crmv1.NewCrmServiceClient(gc)
		ctx := auth.ForwardAPIKey(context.Background(), dev.APIKey)
		b.ReportAllocs()
		for b.Loop() {
			resp, err := crm.ListContacts(ctx, &crmv1.ListContactsRequest{Connection: conn, PageSize: 50})
			if err != nil || len(resp.GetContacts()) != 50 {
				b.Fatal(err)
			}
		}
	})
	b.Run("rest", func(b *testing.B) {
		url := fmt.Sprintf("%s/crm/v1/connections/%s/contacts?pageSize=50", dev.URL, conn)
		b.ReportAllocs()
		for b.Loop() {
			get(b, client, url, dev.APIKey)
		}
	})
}
