package stack_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.26.0"
	"go.opentelemetry.io/otel/trace"

	"github.com/unimesh/unimesh/cmd/unimesh/stack"
)

// TestOneRESTCallIsOneTrace follows a list call on a connection no service
// has cached yet: gateway HTTP span → gateway gRPC client span → crm server
// span → crm's call to connect for credentials (client and server spans) and
// crm's provider HTTP span, all in one trace.
func TestOneRESTCallIsOneTrace(t *testing.T) {
	h := startDev(t)
	conn := h.do("POST", "/platform/v1/connections", map[string]any{
		"connection":  map[string]any{"integration": "sandbox-crm"},
		"credentials": map[string]any{"apiKey": map[string]any{"key": stack.SandboxKey(h.sandboxSecret(), "sandbox-crm")}},
	})
	h.expect(conn, 200, "")
	r := h.do("GET", "/crm/v1/connections/"+conn.str("id")+"/contacts?pageSize=2", nil)
	h.expect(r, 200, "")
	traceID := r.header.Get("X-Trace-Id")
	if traceID == "" {
		t.Fatal("no X-Trace-Id on the response")
	}
	// A server span ends after its answer is on the wire, so the caller can
	// have the answer before the span is recorded: wait for the 8 spans of
	// the call (gateway HTTP server and gRPC client; crm server; its client
	// and connect's server for the key and for the credentials; the provider
	// call), briefly.
	var spans []sdktrace.ReadOnlySpan
	for deadline := time.Now().Add(3 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		spans = spans[:0]
		for _, s := range h.spans.Ended() {
			if s.SpanContext().TraceID().String() == traceID {
				spans = append(spans, s)
			}
		}
		if len(spans) >= 8 || time.Now().After(deadline) {
			break
		}
	}
	byID := map[trace.SpanID]sdktrace.ReadOnlySpan{}
	for _, s := range spans {
		byID[s.SpanContext().SpanID()] = s
	}
	service := func(s sdktrace.ReadOnlySpan) string {
		for _, kv := range s.Resource().Attributes() {
			if kv.Key == semconv.ServiceNameKey {
				return kv.Value.AsString()
			}
		}
		return ""
	}
	find := func(svc, name string, kind trace.SpanKind, parent sdktrace.ReadOnlySpan) sdktrace.ReadOnlySpan {
		t.Helper()
		for _, s := range spans {
			if service(s) == svc && s.Name() == name && s.SpanKind() == kind &&
				(parent == nil && !s.Parent().IsValid() || parent != nil && s.Parent().SpanID() == parent.SpanContext().SpanID()) {
				return s
			}
		}
		var all []string
		for _, s := range spans {
			p := "root"
			if ps, ok := byID[s.Parent().SpanID()]; ok {
				p = ps.Name()
			}
			all = append(all, fmt.Sprintf("%s %q %s (parent %q)", service(s), s.Name(), s.SpanKind(), p))
		}
		t.Fatalf("no %s span %q (%s) under %v; the trace has:\n%s", svc, name, kind, parentName(parent), strings.Join(all, "\n"))
		return nil
	}
	root := find("unimesh-gateway", "HTTP GET", trace.SpanKindServer, nil)
	gwClient := find("unimesh-gateway", "unimesh.crm.v1.CrmService/ListContacts", trace.SpanKindClient, root)
	crmServer := find("unimesh-crm", "unimesh.crm.v1.CrmService/ListContacts", trace.SpanKindServer, gwClient)
	credClient := find("unimesh-crm", "unimesh.mesh.v1.ConnectInternalService/GetConnectionCredentials", trace.SpanKindClient, crmServer)
	find("unimesh-connect", "unimesh.mesh.v1.ConnectInternalService/GetConnectionCredentials", trace.SpanKindServer, credClient)
	provider := find("unimesh-crm", "provider sandbox-crm GET", trace.SpanKindClient, crmServer)
	for _, kv := range provider.Attributes() {
		if kv.Key == "http.response.status_code" && kv.Value.AsInt64() != 200 {
			t.Errorf("provider span status %d", kv.Value.AsInt64())
		}
	}
}

func parentName(s sdktrace.ReadOnlySpan) string {
	if s == nil {
		return "nothing (a root span)"
	}
	return s.Name()
}
