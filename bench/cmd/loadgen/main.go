// Command loadgen measures what Unimesh adds to a provider call. It starts
// the embedded stack in this process and drives the same list call three
// ways, side by side: at the sandbox emulator directly, through gRPC
// straight to the CRM service, and through REST at the gateway. Rounds of
// the three alternate, so that a noisy machine slows all of them alike, and
// the report gives medians over rounds.
//
//	go run ./bench/cmd/loadgen [-rounds 5] [-duration 3s] [-concurrency 8] [-page-size 50]
package main

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"runtime"
	"sort"
	"strings"
	"sync"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/unimesh/unimesh/cmd/unimesh/stack"
	"github.com/unimesh/unimesh/pkg/auth"
	"github.com/unimesh/unimesh/pkg/telemetry"
	crmv1 "github.com/unimesh/unimesh/proto/unimesh/crm/v1"
)

type target struct {
	name string
	call func(ctx context.Context) error
}

type result struct {
	rps      float64
	p50, p99 time.Duration
	errors   int
}

func main() {
	rounds := flag.Int("rounds", 5, "rounds of the three targets")
	duration := flag.Duration("duration", 3*time.Second, "length of one target's run in a round")
	concurrency := flag.Int("concurrency", 8, "concurrent clients")
	pageSize := flag.Int("page-size", 50, "records per list call")
	asJSON := flag.Bool("json", false, "print the medians as JSON")
	flag.Parse()
	if err := run(*rounds, *duration, *concurrency, *pageSize, *asJSON); err != nil {
		fmt.Fprintln(os.Stderr, "loadgen:", err)
		os.Exit(1)
	}
}

func run(rounds int, duration time.Duration, concurrency, pageSize int, asJSON bool) error {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "unimesh-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	dev, err := stack.StartDev(ctx, &stack.DevConfig{
		Common:   stack.Common{Logger: telemetry.NewLogger(io.Discard, slog.LevelError, "json")},
		DataDir:  dir,
		HTTPAddr: "127.0.0.1:0",
		// The edge's per-key limit would measure itself, not the path.
		Gateway:   stack.GatewayOptions{RatePerSecond: 1e9, Burst: 1 << 30},
		Sandboxes: stack.SandboxOptions{RatePerMinute: 1 << 30, Vendors: true},
	})
	if err != nil {
		return err
	}
	defer dev.Close(ctx)
	conn := dev.Connections["sandbox-crm"]
	secret, err := os.ReadFile(dir + "/sandbox.secret")
	if err != nil {
		return err
	}
	sandboxKey := stack.SandboxKey(mustHex(strings.TrimSpace(string(secret))), "sandbox-crm")

	httpClient := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: concurrency * 2}}
	get := func(ctx context.Context, url, key string) error {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		req.Header.Set("Authorization", "Bearer "+key)
		resp, err := httpClient.Do(req)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		if _, err := io.Copy(io.Discard, resp.Body); err != nil {
			return err
		}
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("status %d", resp.StatusCode)
		}
		return nil
	}
	gconn, err := grpc.NewClient(dev.Addrs["crm"], grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return err
	}
	defer gconn.Close()
	crm := crmv1.NewCrmServiceClient(gconn)
	emulatorURL := fmt.Sprintf("%s/sandbox-crm/v1/people?limit=%d", dev.Sandboxes.URL, min(pageSize, 100))
	restURL := fmt.Sprintf("%s/crm/v1/connections/%s/contacts?pageSize=%d", dev.URL, conn, pageSize)
	targets := []target{
		{"emulator alone (HTTP)", func(ctx context.Context) error { return get(ctx, emulatorURL, sandboxKey) }},
		{"unified, gRPC direct", func(ctx context.Context) error {
			_, err := crm.ListContacts(auth.ForwardAPIKey(ctx, dev.APIKey), &crmv1.ListContactsRequest{Connection: conn, PageSize: int32(pageSize)})
			return err
		}},
		{"unified, REST via gateway", func(ctx context.Context) error { return get(ctx, restURL, dev.APIKey) }},
	}
	// Warm up every path: connections, caches, JIT-less but cold code paths.
	for _, t := range targets {
		measure(t, 500*time.Millisecond, concurrency)
	}
	all := make([][]result, len(targets))
	for r := 0; r < rounds; r++ {
		for i, t := range targets {
			all[i] = append(all[i], measure(t, duration, concurrency))
		}
	}
	med := make([]result, len(targets))
	for i := range targets {
		med[i] = median(all[i])
	}
	if asJSON {
		out := map[string]any{}
		for i, t := range targets {
			out[t.name] = map[string]any{"rps": med[i].rps, "p50_ms": ms(med[i].p50), "p99_ms": ms(med[i].p99), "errors": med[i].errors}
		}
		return json.NewEncoder(os.Stdout).Encode(out)
	}
	fmt.Printf("list of %d contacts, %d clients, %d rounds of %s per target, medians over rounds\n", pageSize, concurrency, rounds, duration)
	fmt.Printf("machine: %s/%s, %d CPUs, %s\n\n", runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), runtime.Version())
	fmt.Printf("%-28s %10s %10s %10s %8s\n", "target", "req/s", "p50 ms", "p99 ms", "errors")
	for i, t := range targets {
		fmt.Printf("%-28s %10.0f %10.2f %10.2f %8d\n", t.name, med[i].rps, ms(med[i].p50), ms(med[i].p99), med[i].errors)
	}
	fmt.Printf("\noverhead per call at p50: gRPC +%.2f ms (%.1fx the emulator), REST +%.2f ms (%.1fx)\n",
		ms(med[1].p50-med[0].p50), float64(med[1].p50)/float64(med[0].p50),
		ms(med[2].p50-med[0].p50), float64(med[2].p50)/float64(med[0].p50))
	fmt.Printf("throughput: gRPC %.0f%% of the emulator's, REST %.0f%%\n", 100*med[1].rps/med[0].rps, 100*med[2].rps/med[0].rps)
	return nil
}

// measure runs concurrency clients against t for d.
func measure(t target, d time.Duration, concurrency int) result {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	var (
		mu        sync.Mutex
		latencies []time.Duration
		errs      int
		wg        sync.WaitGroup
	)
	start := time.Now()
	for range concurrency {
		wg.Go(func() {
			var local []time.Duration
			bad := 0
			for ctx.Err() == nil {
				s := time.Now()
				if err := t.call(context.Background()); err != nil {
					bad++
					continue
				}
				local = append(local, time.Since(s))
			}
			mu.Lock()
			latencies = append(latencies, local...)
			errs += bad
			mu.Unlock()
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	sort.Slice(latencies, func(i, j int) bool { return latencies[i] < latencies[j] })
	res := result{errors: errs, rps: float64(len(latencies)) / elapsed.Seconds()}
	if n := len(latencies); n > 0 {
		res.p50, res.p99 = latencies[n/2], latencies[min(n-1, n*99/100)]
	}
	return res
}

func median(rs []result) result {
	pick := func(get func(result) float64) float64 {
		v := make([]float64, len(rs))
		for i, r := range rs {
			v[i] = get(r)
		}
		sort.Float64s(v)
		return v[len(v)/2]
	}
	errs := 0
	for _, r := range rs {
		errs += r.errors
	}
	return result{
		rps:    pick(func(r result) float64 { return r.rps }),
		p50:    time.Duration(pick(func(r result) float64 { return float64(r.p50) })),
		p99:    time.Duration(pick(func(r result) float64 { return float64(r.p99) })),
		errors: errs,
	}
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func mustHex(s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		panic(fmt.Sprintf("sandbox secret is not hex: %v", err))
	}
	return b
}
