package connector

import (
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/unimesh/unimesh/pkg/apierr"
	crmv1 "github.com/unimesh/unimesh/proto/unimesh/crm/v1"
)

var dealStates = Enum[crmv1.DealStatus]{
	Provider: "Acme",
	Read: map[string]crmv1.DealStatus{
		"open": crmv1.DealStatus_DEAL_STATUS_OPEN, "stalled": crmv1.DealStatus_DEAL_STATUS_OPEN,
		"won": crmv1.DealStatus_DEAL_STATUS_WON, "lost": crmv1.DealStatus_DEAL_STATUS_LOST,
	},
	Write: map[crmv1.DealStatus]string{
		crmv1.DealStatus_DEAL_STATUS_OPEN: "open", crmv1.DealStatus_DEAL_STATUS_WON: "won", crmv1.DealStatus_DEAL_STATUS_LOST: "lost",
	},
	Other: crmv1.DealStatus_DEAL_STATUS_OTHER,
}

func TestEnumBothWays(t *testing.T) {
	for in, want := range map[string]crmv1.DealStatus{
		"open": crmv1.DealStatus_DEAL_STATUS_OPEN, "stalled": crmv1.DealStatus_DEAL_STATUS_OPEN,
		"abandoned": crmv1.DealStatus_DEAL_STATUS_OTHER, "": crmv1.DealStatus_DEAL_STATUS_UNSPECIFIED,
	} {
		if got := dealStates.ToProto(in); got != want {
			t.Errorf("ToProto(%q) = %v, want %v", in, got, want)
		}
	}
	cases := []struct {
		e      crmv1.DealStatus
		remote string
		want   string
		bad    bool
	}{
		{crmv1.DealStatus_DEAL_STATUS_WON, "", "won", false},
		{crmv1.DealStatus_DEAL_STATUS_OPEN, "stalled", "stalled", false}, // read back and written: kept
		{crmv1.DealStatus_DEAL_STATUS_OPEN, "won", "open", false},        // a stale remote value does not win
		{crmv1.DealStatus_DEAL_STATUS_OTHER, "abandoned", "abandoned", false},
		{crmv1.DealStatus_DEAL_STATUS_UNSPECIFIED, "abandoned", "abandoned", false},
		{crmv1.DealStatus_DEAL_STATUS_UNSPECIFIED, "", "", false},
		{crmv1.DealStatus_DEAL_STATUS_OTHER, "", "", true},
	}
	for _, c := range cases {
		got, err := dealStates.ToProvider("status", c.e, c.remote)
		if got != c.want || (err != nil) != c.bad {
			t.Errorf("ToProvider(%v, %q) = %q, %v", c.e, c.remote, got, err)
		}
	}
}

func TestEnumWritersInEveryOrder(t *testing.T) {
	enum, remote := EnumWriters(dealStates, "state", "status", func(d *crmv1.Deal) (crmv1.DealStatus, string) {
		return d.GetStatus(), d.GetRemoteStatus()
	})
	fields := Fields[*crmv1.Deal]{"status": enum, "remote_status": remote}
	cases := []struct {
		deal *crmv1.Deal
		mask []string
		want any
	}{
		{&crmv1.Deal{Status: crmv1.DealStatus_DEAL_STATUS_WON, RemoteStatus: "abandoned"}, []string{"remote_status", "status"}, "won"},
		{&crmv1.Deal{Status: crmv1.DealStatus_DEAL_STATUS_WON, RemoteStatus: "abandoned"}, []string{"status", "remote_status"}, "won"},
		{&crmv1.Deal{Status: crmv1.DealStatus_DEAL_STATUS_OPEN, RemoteStatus: "abandoned"}, []string{"remote_status"}, "abandoned"},
		{&crmv1.Deal{Status: crmv1.DealStatus_DEAL_STATUS_OTHER, RemoteStatus: "abandoned"}, nil, "abandoned"},
	}
	for _, c := range cases {
		body, err := fields.Body(c.deal, c.mask, "deal", "acme")
		if err != nil || body["state"] != c.want || len(body) != 1 {
			t.Errorf("Body(%v, %v) = %v, %v; want state %v and nothing else", c.deal, c.mask, body, err, c.want)
		}
	}
	_, err := fields.Body(&crmv1.Deal{Status: crmv1.DealStatus_DEAL_STATUS_OTHER}, []string{"status"}, "deal", "acme")
	if status.Code(err) != codes.InvalidArgument || apierr.Violations(err)[0].Field != "deal.status" {
		t.Fatalf("OTHER without a remote value: %v", err)
	}
	// Unsetting both in an update clears the value...
	for _, mask := range [][]string{{"status"}, {"remote_status"}, {"remote_status", "status"}} {
		body, err := fields.Body(&crmv1.Deal{}, mask, "deal", "acme")
		if err != nil || body["state"] != "" || len(body) != 1 {
			t.Errorf("clearing with mask %v: %v, %v", mask, body, err)
		}
	}
	// ...unless the provider always holds one: then it is refused, not dropped.
	required := dealStates
	required.Required = true
	enum, remote = EnumWriters(required, "state", "status", func(d *crmv1.Deal) (crmv1.DealStatus, string) {
		return d.GetStatus(), d.GetRemoteStatus()
	})
	fields = Fields[*crmv1.Deal]{"status": enum, "remote_status": remote}
	for _, mask := range [][]string{{"status"}, {"remote_status"}} {
		_, err := fields.Body(&crmv1.Deal{}, mask, "deal", "acme")
		if vs := apierr.Violations(err); len(vs) != 1 || vs[0].Field != "deal.status" {
			t.Errorf("clearing a required enum with mask %v: %v", mask, err)
		}
	}
	// A stale enum with a cleared remote value changes nothing.
	body, err := fields.Body(&crmv1.Deal{Status: crmv1.DealStatus_DEAL_STATUS_WON}, []string{"remote_status"}, "deal", "acme")
	if err != nil || len(body) != 0 {
		t.Fatalf("clearing only remote_status of a won deal: %v, %v", body, err)
	}
}

func TestAStaleRemoteValueDoesNotStandInForAnUnwritableOne(t *testing.T) {
	leads := Enum[crmv1.LeadStatus]{
		Provider: "Acme",
		Read:     map[string]crmv1.LeadStatus{"unseen": crmv1.LeadStatus_LEAD_STATUS_NEW, "converted": crmv1.LeadStatus_LEAD_STATUS_CONVERTED},
		Write:    map[crmv1.LeadStatus]string{crmv1.LeadStatus_LEAD_STATUS_NEW: "unseen"},
		Other:    crmv1.LeadStatus_LEAD_STATUS_OTHER,
	}
	// The client read an unseen lead and set it CONVERTED, which Acme cannot write.
	if got, err := leads.ToProvider("status", crmv1.LeadStatus_LEAD_STATUS_CONVERTED, "unseen"); err == nil {
		t.Fatalf("wrote %q for CONVERTED", got)
	}
	// The remote value that reads as the asked value is still written as it is.
	if got, err := leads.ToProvider("status", crmv1.LeadStatus_LEAD_STATUS_CONVERTED, "converted"); err != nil || got != "converted" {
		t.Fatalf("converted: %q %v", got, err)
	}
}
