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
	"net/url"
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

// startStack runs the embedded stack, rate limits lifted, and returns it
// with its sandbox secret (which the emulators' keys derive from).
func startStack(b *testing.B) (*stack.Dev, []byte) {
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
	return dev, secret
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
	dev, secret := startStack(b)
	sandboxKey := stack.SandboxKey(secret, "sandbox-crm")
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

// vendorList is the one provider request a connector makes for a page of
// 25 contacts once its per-connection caches (custom-field definitions) are
// warm: what the vendor alone would cost.
type vendorList struct {
	slug   string
	path   string
	header http.Header
	// auth is how the vendor takes its token.
	auth func(h http.Header, token string)
}

func bearer(h http.Header, token string) { h.Set("Authorization", "Bearer "+token) }

var vendorLists = []vendorList{
	{slug: "pipedrive", path: "/api/v2/persons?limit=25", auth: func(h http.Header, t string) { h.Set("X-Api-Token", t) }},
	{slug: "hubspot", auth: bearer, path: "/crm/v3/objects/contacts?associations=companies%2Cdeals&limit=25&properties=" +
		"firstname%2Clastname%2Cemail%2Chs_additional_emails%2Cphone%2Cmobilephone%2Cfax%2Cjobtitle%2Ccompany%2Caddress%2Ccity%2C" +
		"state%2Czip%2Ccountry%2Chubspot_owner_id%2Clifecyclestage%2Ccreatedate%2Clastmodifieddate%2Cnewsletter_opt_in%2Cnps_score%2Cpreferred_language"},
	{slug: "salesforce", auth: bearer, header: http.Header{"Sforce-Query-Options": {"batchSize=200"}},
		path: "/services/data/v60.0/query?q=" + url.QueryEscape("SELECT Id, FirstName, LastName, Name, Title, Email, Phone, MobilePhone, "+
			"HomePhone, OtherPhone, Fax, AccountId, OwnerId, MailingStreet, MailingCity, MailingState, MailingPostalCode, MailingCountry, "+
			"OtherStreet, OtherCity, OtherState, OtherPostalCode, OtherCountry, CreatedDate, LastModifiedDate, Preferred_Language__c, "+
			"Lead_Score__c, Newsletter_Opt_In__c FROM Contact ORDER BY Id ASC LIMIT 26")},
}

// BenchmarkListContactsPerVendor lists 25 contacts through each vendor
// connector, against its emulator: the emulator called directly with the
// request the connector sends, then the unified API over gRPC, side by
// side in one run.
func BenchmarkListContactsPerVendor(b *testing.B) {
	dev, secret := startStack(b)
	client := &http.Client{}
	gc, err := grpc.NewClient(dev.Addrs["crm"], grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		b.Fatal(err)
	}
	defer gc.Close()
	crm := crmv1.NewCrmServiceClient(gc)
	ctx := auth.ForwardAPIKey(context.Background(), dev.APIKey)
	for _, v := range vendorLists {
		b.Run(v.slug+"/emulator", func(b *testing.B) {
			req, _ := http.NewRequest(http.MethodGet, dev.Sandboxes.URL+"/"+v.slug+v.path, nil)
			for k, vs := range v.header {
				req.Header[k] = vs
			}
			v.auth(req.Header, stack.SandboxKey(secret, v.slug))
			b.ReportAllocs()
			for b.Loop() {
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
		})
		b.Run(v.slug+"/grpc", func(b *testing.B) {
			conn := dev.Connections[v.slug]
			b.ReportAllocs()
			for b.Loop() {
				resp, err := crm.ListContacts(ctx, &crmv1.ListContactsRequest{Connection: conn, PageSize: 25})
				if err != nil || len(resp.GetContacts()) != 25 {
					b.Fatalf("%v: %d contacts", err, len(resp.GetContacts()))
				}
			}
		})
	}
}
