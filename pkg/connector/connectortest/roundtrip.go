package connectortest

import (
	"context"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	"github.com/unimesh/unimesh/pkg/apierr"
	"github.com/unimesh/unimesh/pkg/connector"
)

// ListAll pages through a list with the given page size and returns every
// record, failing on a page larger than asked for or paging that never ends.
func ListAll[T proto.Message](t testing.TB, c *connector.Conn, o connector.Object[T], size int, since time.Time, filters map[string]string) []T {
	t.Helper()
	var out []T
	cursor := ""
	for pages := 0; ; pages++ {
		if pages > 1000 {
			t.Fatal("paging does not end")
		}
		p, err := o.List(context.Background(), c, connector.ListParams{PageSize: size, Cursor: cursor, ModifiedSince: since, Filters: filters})
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Items) > size {
			t.Fatalf("page of %d records for page size %d", len(p.Items), size)
		}
		out = append(out, p.Items...)
		if p.NextCursor == "" {
			return out
		}
		cursor = p.NextCursor
	}
}

// IDs returns the set of ids of records.
func IDs[T connector.Record](recs []T) map[string]bool {
	m := map[string]bool{}
	for _, r := range recs {
		m[r.GetId()] = true
	}
	return m
}

// RoundTrip is one object's round trip through a connector and its provider.
type RoundTrip[T connector.Record] struct {
	// Seeded is how many records the provider holds before the test (under Filters).
	Seeded int
	// Filters are the List filters to use (for objects listed per parent).
	Filters map[string]string
	// Create is the record to create.
	Create T
	// Mask and Change make the update: Change edits a copy of the created record.
	Mask   []string
	Change func(T)
	// Check inspects the updated record.
	Check func(t *testing.T, got T)
}

// Run does create → get → list (pages of 7) → modified-since → update (with
// the mask) → delete → get is NOT_FOUND, skipping what the object does not
// support.
func (rt RoundTrip[T]) Run(t *testing.T, c *connector.Conn, o connector.Object[T]) T {
	t.Helper()
	ctx := context.Background()
	before := time.Now().Add(-time.Second)
	created, err := o.Create(ctx, c, rt.Create)
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	id := created.GetId()
	if id == "" {
		t.Fatal("created record has no id")
	}
	got, err := o.Get(ctx, c, id, connector.GetParams{})
	if err != nil {
		t.Fatalf("get: %v", err)
	}
	if !proto.Equal(got, created) {
		t.Fatalf("get differs from create:\n%v\n%v", got, created)
	}
	all := ListAll(t, c, o, 7, time.Time{}, rt.Filters)
	if len(all) != rt.Seeded+1 || !IDs(all)[id] {
		t.Fatalf("list over pages of 7: %d records (want %d), the new one among them: %v", len(all), rt.Seeded+1, IDs(all)[id])
	}
	recent := ListAll(t, c, o, 50, before, rt.Filters)
	if len(recent) != 1 || recent[0].GetId() != id {
		t.Fatalf("modified since just before the create: %d records, want only the new one", len(recent))
	}
	if o.Update == nil {
		return created
	}
	upd := proto.Clone(created).(T)
	rt.Change(upd)
	updated, err := o.Update(ctx, c, upd, rt.Mask)
	if err != nil {
		t.Fatalf("update: %v", err)
	}
	if updated.GetId() != id {
		t.Fatalf("update changed the id: %s", updated.GetId())
	}
	rt.Check(t, updated)
	if o.Delete == nil {
		return updated
	}
	if err := o.Delete(ctx, c, id); err != nil {
		t.Fatalf("delete: %v", err)
	}
	if _, err := o.Get(ctx, c, id, connector.GetParams{}); status.Code(err) != codes.NotFound || apierr.Reason(err) != apierr.ReasonRecordNotFound {
		t.Fatalf("get after delete: %v", err)
	}
	return updated
}
