package telemetry

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"go.opentelemetry.io/otel/trace"
)

// TestExportIsOffByDefaultAndOnWithTheStandardVariables runs a local OTLP
// HTTP collector and checks that spans reach it only when OTEL_* asks.
func TestExportIsOffByDefaultAndOnWithTheStandardVariables(t *testing.T) {
	var (
		mu       sync.Mutex
		requests []string
	)
	collector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		requests = append(requests, r.URL.Path+" "+r.Header.Get("Content-Type")+" "+string(body))
		mu.Unlock()
		w.WriteHeader(http.StatusOK)
	}))
	defer collector.Close()
	emit := func(env map[string]string) {
		t.Helper()
		tr, err := NewTracing(context.Background(), "crm", Options{Getenv: func(k string) string { return env[k] }})
		if err != nil {
			t.Fatal(err)
		}
		_, span := tr.Provider.Tracer("test").Start(context.Background(), "unit-of-work")
		if !span.SpanContext().IsValid() {
			t.Fatal("no span made: trace ids would not reach the logs")
		}
		span.End()
		if err := tr.Shutdown(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	emit(map[string]string{})
	emit(map[string]string{"OTEL_TRACES_EXPORTER": "none", "OTEL_EXPORTER_OTLP_ENDPOINT": collector.URL})
	mu.Lock()
	if len(requests) != 0 {
		t.Fatalf("spans exported while export is off: %v", requests)
	}
	mu.Unlock()
	emit(map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": collector.URL})
	mu.Lock()
	defer mu.Unlock()
	if len(requests) != 1 || !strings.HasPrefix(requests[0], "/v1/traces application/x-protobuf") ||
		!strings.Contains(requests[0], "unit-of-work") || !strings.Contains(requests[0], "unimesh-crm") {
		t.Fatalf("collector got %d requests: %q", len(requests), requests)
	}
	if _, err := NewTracing(context.Background(), "crm", Options{Getenv: func(k string) string {
		return map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": collector.URL, "OTEL_EXPORTER_OTLP_PROTOCOL": "carrier-pigeon"}[k]
	}}); err == nil {
		t.Fatal("an unknown protocol was accepted")
	}
}

func TestLogLinesCarryTraceIDs(t *testing.T) {
	var buf bytes.Buffer
	logger := NewLogger(&buf, ParseLevel("info"), "json")
	tr, _ := NewTracing(context.Background(), "x", Options{Getenv: func(string) string { return "" }})
	ctx, span := tr.Provider.Tracer("t").Start(context.Background(), "op")
	logger.InfoContext(ctx, "hello")
	span.End()
	want := trace.SpanContextFromContext(ctx).TraceID().String()
	if !strings.Contains(buf.String(), `"trace_id":"`+want+`"`) {
		t.Fatalf("log line %s lacks trace id %s", buf.String(), want)
	}
}
