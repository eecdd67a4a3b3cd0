package pipedrive

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/unimesh/unimesh/pkg/connector"
	meshv1 "github.com/unimesh/unimesh/proto/unimesh/mesh/v1"
)

func TestReadWebhook(t *testing.T) {
	const secret = "s3cret-s3cret-s3cret"
	auth := func(user, pass string) http.Header {
		r, _ := http.NewRequest("POST", "/", nil)
		r.SetBasicAuth(user, pass)
		return r.Header
	}
	body := func(action, entity, id string) []byte {
		return []byte(`{"data":{},"previous":null,"meta":{"action":"` + action + `","entity":"` + entity + `","entity_id":` + id + `,"version":"2.0"}}`)
	}
	for _, c := range []struct {
		name    string
		h       http.Header
		body    []byte
		want    []connector.Notice
		refused bool
		bad     bool
	}{
		{"person changed", auth("unimesh", secret), body("change", "person", `"17"`), []connector.Notice{{Object: "contact", RecordID: "17", Kind: meshv1.ChangeKind_CHANGE_KIND_UPDATED}}, false, false},
		{"organization created", auth("unimesh", secret), body("create", "organization", `"3"`), []connector.Notice{{Object: "company", RecordID: "3", Kind: meshv1.ChangeKind_CHANGE_KIND_CREATED}}, false, false},
		{"deal deleted, numeric id", auth("unimesh", secret), body("delete", "deal", `42`), []connector.Notice{{Object: "deal", RecordID: "42", Kind: meshv1.ChangeKind_CHANGE_KIND_DELETED}}, false, false},
		{"lead uuid", auth("unimesh", secret), body("change", "lead", `"adf21080-0e10-11eb-879b-05d71fb426ec"`), []connector.Notice{{Object: "lead", RecordID: "adf21080-0e10-11eb-879b-05d71fb426ec", Kind: meshv1.ChangeKind_CHANGE_KIND_UPDATED}}, false, false},
		{"a note: no unified object", auth("unimesh", secret), body("change", "note", `"5"`), nil, false, false},
		{"a merge: left to polling", auth("unimesh", secret), body("merge", "person", `"5"`), nil, false, false},
		{"wrong password", auth("unimesh", "guess"), body("change", "person", `"17"`), nil, true, false},
		{"wrong user", auth("admin", secret), body("change", "person", `"17"`), nil, true, false},
		{"no auth", http.Header{}, body("change", "person", `"17"`), nil, true, false},
		{"not JSON", auth("unimesh", secret), []byte("<xml/>"), nil, false, true},
		{"no entity id", auth("unimesh", secret), body("change", "person", `null`), nil, false, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := readWebhook(context.Background(), nil, connector.Delivery{Method: "POST", Header: c.h, Body: c.body}, secret)
			switch {
			case c.refused:
				if !errors.Is(err, connector.ErrWebhookRefused) {
					t.Fatalf("got %v %v, want refused", got, err)
				}
			case c.bad:
				if err == nil || errors.Is(err, connector.ErrWebhookRefused) {
					t.Fatalf("got %v %v, want a read error", got, err)
				}
			default:
				if err != nil || len(got) != len(c.want) || (len(got) == 1 && got[0] != c.want[0]) {
					t.Fatalf("got %v %v, want %v", got, err, c.want)
				}
			}
		})
	}
}
