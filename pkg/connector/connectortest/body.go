package connectortest

import (
	"encoding/json"
	"reflect"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/unimesh/unimesh/pkg/apierr"
)

// WriteBody checks a provider request body a connector built from a
// unified record (body, err): with violation set, that the build was
// refused as INVALID_ARGUMENT whose first field violation is violation;
// otherwise that the body is, as JSON, the same as want. It returns the
// body's JSON for further checks (nil after a refusal).
func WriteBody(t *testing.T, body map[string]any, err error, want, violation string) []byte {
	t.Helper()
	if violation != "" {
		vs := apierr.Violations(err)
		if status.Code(err) != codes.InvalidArgument || len(vs) == 0 || vs[0].Field != violation {
			t.Fatalf("err = %v, violations %+v; want a violation of %s", err, vs, violation)
		}
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	got, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("the wanted body is not JSON: %v", err)
	}
	if !reflect.DeepEqual(g, w) {
		t.Errorf("body:\n got %s\nwant %s", got, want)
	}
	return got
}
