package events

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"strconv"
	"sync"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/known/structpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/unimesh/unimesh/pkg/store"
	"github.com/unimesh/unimesh/pkg/store/storetest"
	commonv1 "github.com/unimesh/unimesh/proto/unimesh/common/v1"
	crmv1 "github.com/unimesh/unimesh/proto/unimesh/crm/v1"
	platformv1 "github.com/unimesh/unimesh/proto/unimesh/platform/v1"
)

// Benchmarks of virtual webhooks: fingerprinting a large connection polled
// in pages, on SQLite and PostgreSQL. They run only with -bench; the
// figures and the command are in BENCHMARKS.md ("Change events").
//
//	go test -run x -bench Poll -benchtime 1x -count 3 ./services/events   # 1,000,000 records
//	UNIMESH_BENCH_RECORDS=20000 go test -run x -bench Poll -benchtime 1x ./services/events
//	go test -run x -bench Fingerprint -count 6 ./services/events

// benchRecordsEnv sets how many records the polling benchmarks list.
const benchRecordsEnv = "UNIMESH_BENCH_RECORDS"

// benchNoAnalyzeEnv, when set, leaves PostgreSQL's planner without
// statistics of the fingerprints after the baseline. By default the
// benchmark runs ANALYZE there (outside the timer), as autovacuum would on
// a server that has it on: this machine's PostgreSQL runs with autovacuum
// off, and without statistics the planner reads all of a connection's
// fingerprints for every page of a sweep (see BENCHMARKS.md).
const benchNoAnalyzeEnv = "UNIMESH_BENCH_PG_NO_ANALYZE"

// benchPageSize is the poller's page size (objectPoll.list asks for 200).
const benchPageSize = 200

func benchRecords(b *testing.B) int {
	b.Helper()
	v := os.Getenv(benchRecordsEnv)
	if v == "" {
		return 1_000_000
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < benchPageSize {
		b.Fatalf("%s=%q: want a number of records of at least %d", benchRecordsEnv, v, benchPageSize)
	}
	return n
}

var (
	benchFirst = []string{"Ada", "Grace", "Alan", "Edsger", "Barbara", "Donald", "Margaret", "Ken", "Radia", "Leslie", "Frances", "John"}
	benchLast  = []string{"Lovelace", "Hopper", "Turing", "Dijkstra", "Liskov", "Knuth", "Hamilton", "Thompson", "Perlman", "Lamport", "Allen", "Backus"}
	benchCity  = []string{"London", "Berlin", "Lyon", "Austin", "Toronto", "Osaka", "Porto", "Dublin"}
	benchStage = []string{"lead", "qualified", "customer", "churned"}
)

// SyntheticContact is record i of a synthetic CRM as a provider would
// return it after normalization: names, one or two emails, phones, an
// address, owner and company, tags, ten custom fields and timestamps. rev
// is its revision: a higher one changes its title, a custom field and its
// update time, as an edit in the provider does. (Exported for the
// delivery benchmarks of package events_test.)
func SyntheticContact(i, rev int) *crmv1.Contact {
	first, last := benchFirst[i%len(benchFirst)], benchLast[(i/len(benchFirst))%len(benchLast)]
	id := fmt.Sprintf("%d", 100000000+i)
	created := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Minute)
	updated := created.Add(time.Duration(24*(rev+1)) * time.Hour)
	c := &crmv1.Contact{
		Id:        id,
		FirstName: first,
		LastName:  last,
		Name:      first + " " + last,
		Title:     fmt.Sprintf("Engineer, level %d", 1+(i+rev)%7),
		Emails: []*commonv1.Email{{Address: fmt.Sprintf("%s.%s.%d@example.com", first, last, i),
			Type: commonv1.EmailType_EMAIL_TYPE_WORK}},
		Phones: []*commonv1.Phone{{Number: fmt.Sprintf("+1415555%04d", i%10000), RawNumber: fmt.Sprintf("(415) 555-%04d", i%10000),
			Type: commonv1.PhoneType_PHONE_TYPE_WORK}},
		Addresses: []*commonv1.Address{{Street_1: fmt.Sprintf("%d Market Street", 1+i%2000), Street_2: "Suite 300",
			City: benchCity[i%len(benchCity)], Region: "CA", PostalCode: fmt.Sprintf("9%04d", i%10000), CountryCode: "US",
			Type: commonv1.AddressType_ADDRESS_TYPE_WORK}},
		CompanyId:  fmt.Sprintf("%d", 500000+i%5000),
		OwnerId:    fmt.Sprintf("%d", 1000+i%25),
		Tags:       []string{"imported", benchStage[i%len(benchStage)]},
		CreateTime: timestamppb.New(created),
		UpdateTime: timestamppb.New(updated),
		CustomFields: &structpb.Struct{Fields: map[string]*structpb.Value{
			"lifecycle_stage":  structpb.NewStringValue(benchStage[(i+rev)%len(benchStage)]),
			"lead_source":      structpb.NewStringValue("webinar"),
			"annual_revenue":   structpb.NewNumberValue(float64(10000 * (i % 900))),
			"employees":        structpb.NewNumberValue(float64(5 + i%5000)),
			"newsletter":       structpb.NewBoolValue(i%3 == 0),
			"linkedin_url":     structpb.NewStringValue("https://www.linkedin.com/in/" + id),
			"preferred_lang":   structpb.NewStringValue("en"),
			"score":            structpb.NewNumberValue(float64((i*7 + rev) % 100)),
			"last_campaign":    structpb.NewStringValue(fmt.Sprintf("2026-Q%d spring launch", 1+i%4)),
			"partner_referral": structpb.NewNullValue(),
		}},
	}
	if i%2 == 0 {
		c.Emails = append(c.Emails, &commonv1.Email{Address: fmt.Sprintf("%s%d@mail.example.org", last, i), Type: commonv1.EmailType_EMAIL_TYPE_PERSONAL})
	}
	if i%3 == 0 {
		c.Phones = append(c.Phones, &commonv1.Phone{Number: fmt.Sprintf("+1650555%04d", i%10000), Type: commonv1.PhoneType_PHONE_TYPE_MOBILE})
	}
	return c
}

// benchSeedProject and benchSeedConnection make the rows the fingerprints
// and events refer to (the harness's seedProject and seedConnection live in
// package events_test).
func benchSeedProject(b testing.TB, st *store.Store, projectID string) {
	b.Helper()
	now := time.Now()
	if err := st.CreateProject(context.Background(), store.Project{ID: projectID, DisplayName: "Bench", CreateTime: now, UpdateTime: now}); err != nil && err != store.ErrConflict {
		b.Fatal(err)
	}
}

func benchSeedConnection(b testing.TB, st *store.Store, projectID, id string) store.Connection {
	b.Helper()
	now := time.Now()
	c := store.Connection{ID: id, ProjectID: projectID, Integration: "sandbox-crm",
		Status: int32(platformv1.ConnectionStatus_CONNECTION_STATUS_ACTIVE), CreateTime: now, UpdateTime: now}
	err := st.CreateConnection(context.Background(), c, store.Credential{ConnectionID: id, KeyID: "k", Sealed: []byte("sealed"), UpdateTime: now})
	if err != nil && err != store.ErrConflict {
		b.Fatal(err)
	}
	return c
}

// benchStore opens a fresh, migrated store of a dialect. PostgreSQL is skipped when
// UNIMESH_TEST_POSTGRES_URL is unset, as in the tests.
func benchStore(b *testing.B, dialect string) *store.Store {
	b.Helper()
	ctx := context.Background()
	var url string
	switch dialect {
	case "sqlite":
		url = "sqlite:" + filepath.Join(b.TempDir(), "unimesh.db")
	case "postgres":
		if url = storetest.PostgresURL(b); url == "" {
			b.Skip(storetest.PostgresEnv + " is not set")
		}
	}
	st, err := store.Open(ctx, url)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = st.Close() })
	if err := st.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	return st
}

// heapPeak samples the Go heap in use (runtime.MemStats.HeapInuse, read
// through runtime/metrics so that sampling does not stop the world) every
// 5 ms until stopped, and returns the highest value seen.
func heapPeak() (stop func() uint64) {
	samples := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}, {Name: "/memory/classes/heap/unused:bytes"}}
	read := func() uint64 {
		metrics.Read(samples)
		return samples[0].Value.Uint64() + samples[1].Value.Uint64()
	}
	var (
		mu   sync.Mutex
		peak = read()
		done = make(chan struct{})
		wg   sync.WaitGroup
	)
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				v := read()
				mu.Lock()
				peak = max(peak, v)
				mu.Unlock()
			}
		}
	}()
	return func() uint64 {
		close(done)
		wg.Wait()
		mu.Lock()
		defer mu.Unlock()
		return max(peak, read())
	}
}

// benchPage is one page of a listing, rebuilt in place for each page as
// the list call would decode it.
type benchPage struct {
	contacts []*crmv1.Contact
	items    []protoreflect.Message
}

func (p *benchPage) fill(from, n int, rev func(i int) int) []protoreflect.Message {
	p.contacts, p.items = p.contacts[:0], p.items[:0]
	for i := from; i < from+n; i++ {
		c := SyntheticContact(i, rev(i))
		p.contacts = append(p.contacts, c)
		p.items = append(p.items, c.ProtoReflect())
	}
	return p.items
}

// pollBench is one connection being polled, with the state the phases
// hand on to each other.
type pollBench struct {
	st      *store.Store
	dialect string
	svc     *Service
	project string
	conns   int
	w       *objectPoll
	gen     int64
	n       int
	// changed counts the 1% re-sweeps done: sweep c changes the records
	// with i%100 == c%100 to revision c.
	changed int
}

// revision is record i's revision after the changed sweeps done so far.
func (p *pollBench) revision(i int) int {
	if p.changed == 0 {
		return 0
	}
	r := i % 100
	c := p.changed - ((p.changed-r)%100+100)%100
	if c < 1 {
		return 0
	}
	return c
}

func (p *pollBench) newConnection(b *testing.B) {
	b.Helper()
	p.conns++
	conn := benchSeedConnection(b, p.st, p.project, fmt.Sprintf("conn_bench_%d", p.conns))
	endpoints, err := p.svc.enabledEndpoints(context.Background(), p.project)
	if err != nil || len(endpoints) != 1 {
		b.Fatalf("endpoints: %v %v", endpoints, err)
	}
	lease := &leaseKeeper{s: p.svc, connectionID: conn.ID, last: time.Now().Add(time.Hour)}
	p.w = &objectPoll{s: p.svc, p: pollable{key: "crm.contact"}, conn: conn, endpoints: endpoints, lease: lease}
	p.gen, p.changed = 0, 0
}

// pass lists all n records in pages as one poll does (a baseline, or a
// sweep, which ends by looking for records it did not see), timing only
// the poller's work: building each page, as the list call's decoding
// would, is outside the timer. It returns the time the final look for
// deleted records took.
func (p *pollBench) pass(b *testing.B, baseline bool) time.Duration {
	b.Helper()
	ctx := context.Background()
	p.gen++
	var page benchPage
	for from := 0; from < p.n; from += benchPageSize {
		b.StopTimer()
		items := page.fill(from, min(benchPageSize, p.n-from), p.revision)
		b.StartTimer()
		if err := p.w.applyPage(ctx, items, p.gen, true, baseline); err != nil {
			b.Fatal(err)
		}
	}
	if baseline {
		return 0
	}
	start := time.Now()
	if err := p.w.sweepDeleted(ctx, p.gen); err != nil {
		b.Fatal(err)
	}
	return time.Since(start)
}

func (p *pollBench) count(b *testing.B, table string) int64 {
	b.Helper()
	var n int64
	if err := p.st.DB().QueryRowContext(context.Background(), "SELECT COUNT(*) FROM "+table).Scan(&n); err != nil {
		b.Fatal(err)
	}
	return n
}

// dbBytesPerRecord is the size of the fingerprints table with its
// primary-key index per stored fingerprint: SQLite's pages of both (from
// dbstat), or PostgreSQL's pg_total_relation_size (dead row versions
// included: this machine's server does not vacuum).
func (p *pollBench) dbBytesPerRecord(b *testing.B) float64 {
	b.Helper()
	ctx := context.Background()
	rows := float64(p.count(b, "record_fingerprints"))
	q := "SELECT pg_total_relation_size('record_fingerprints')"
	if p.dialect == "sqlite" {
		q = "SELECT SUM(pgsize) FROM dbstat WHERE name IN ('record_fingerprints', 'sqlite_autoindex_record_fingerprints_1')"
	}
	var size int64
	if err := p.st.DB().QueryRowContext(ctx, q).Scan(&size); err != nil {
		b.Fatal(err)
	}
	return float64(size) / rows
}

// BenchmarkPoll measures the poller on one connection of N records
// (UNIMESH_BENCH_RECORDS, 1,000,000 by default) listed in pages of 200:
//
//   - baseline: the first poll, which stores every record's fingerprint
//     silently (one multi-row upsert per page);
//   - unchanged: a full re-sweep in which nothing changed (a read of the
//     page's fingerprints and an update of their sweep generation per page,
//     then the look for unseen records);
//   - changed-1pct: a re-sweep in which 1% of the records changed, each
//     change applied in its own transaction with its event and delivery.
//
// Each reports records/s, the peak Go heap in use (MiB), and the database
// bytes per record; changed-1pct also the events made. Run with -benchtime
// 1x: each phase builds on the state the previous one left.
func BenchmarkPoll(b *testing.B) {
	for _, dialect := range []string{"sqlite", "postgres"} {
		b.Run(dialect, func(b *testing.B) {
			n := benchRecords(b)
			st := benchStore(b, dialect)
			p := &pollBench{st: st, dialect: dialect, project: "proj_bench", n: n}
			p.svc = New(Options{Store: st})
			benchSeedProject(b, st, p.project)
			now := time.Now().Add(-time.Hour)
			if err := st.CreateWebhookEndpoint(context.Background(), store.WebhookEndpoint{ID: "whe_bench", ProjectID: p.project,
				URL: "http://127.0.0.1:1/hook", KeyID: "k", SealedSecret: []byte("sealed"), CreateTime: now, UpdateTime: now}); err != nil {
				b.Fatal(err)
			}
			report := func(b *testing.B, records int, peak uint64) {
				b.ReportMetric(float64(records)/b.Elapsed().Seconds(), "records/s")
				b.ReportMetric(float64(peak)/(1<<20), "MiB-peak-heap")
			}
			b.Run("baseline", func(b *testing.B) {
				b.StopTimer()
				var peak uint64
				for i := 0; i < b.N; i++ {
					p.newConnection(b) // a fresh connection each time: a baseline is a first poll
					runtime.GC()
					stop := heapPeak()
					b.StartTimer()
					p.pass(b, true)
					b.StopTimer()
					peak = max(peak, stop())
				}
				report(b, n*b.N, peak)
				b.ReportMetric(p.dbBytesPerRecord(b), "DB-bytes/record")
			})
			b.Run("unchanged", func(b *testing.B) {
				if p.w == nil {
					b.Skip("needs the baseline")
				}
				b.StopTimer()
				if dialect == "postgres" && os.Getenv(benchNoAnalyzeEnv) == "" {
					if _, err := st.DB().ExecContext(context.Background(), "ANALYZE record_fingerprints"); err != nil {
						b.Fatal(err)
					}
				}
				var (
					peak   uint64
					unseen time.Duration
				)
				events := p.count(b, "events")
				for i := 0; i < b.N; i++ {
					runtime.GC()
					stop := heapPeak()
					b.StartTimer()
					unseen += p.pass(b, false)
					b.StopTimer()
					peak = max(peak, stop())
				}
				if made := p.count(b, "events") - events; made != 0 {
					b.Fatalf("a sweep of unchanged records made %d events", made)
				}
				report(b, n*b.N, peak)
				b.ReportMetric(unseen.Seconds()*1000/float64(b.N), "ms-unseen-query")
			})
			b.Run("changed-1pct", func(b *testing.B) {
				if p.w == nil {
					b.Skip("needs the baseline")
				}
				b.StopTimer()
				var peak uint64
				events := p.count(b, "events")
				for i := 0; i < b.N; i++ {
					p.changed++
					runtime.GC()
					stop := heapPeak()
					b.StartTimer()
					p.pass(b, false)
					b.StopTimer()
					peak = max(peak, stop())
				}
				made := p.count(b, "events") - events
				if want := int64(n / 100 * b.N); made < want*9/10 || made > want*11/10 {
					b.Fatalf("%d events for %d changed sweeps of %d records", made, b.N, n)
				}
				report(b, n*b.N, peak)
				b.ReportMetric(float64(made)/float64(b.N), "events/op")
				b.ReportMetric(float64(made)/b.Elapsed().Seconds(), "events/s")
				b.ReportMetric(p.dbBytesPerRecord(b), "DB-bytes/record")
			})
		})
	}
}

// BenchmarkFingerprint hashes one normalized contact (deterministic proto
// marshaling and SHA-256), as the poller does for every record it lists.
func BenchmarkFingerprint(b *testing.B) {
	recs := make([]*crmv1.Contact, 1000)
	size := 0
	for i := range recs {
		recs[i] = SyntheticContact(i, 0)
		size += proto.Size(recs[i])
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := Fingerprint(recs[i%len(recs)]); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
	b.ReportMetric(float64(size)/float64(len(recs)), "proto-bytes/record")
}
