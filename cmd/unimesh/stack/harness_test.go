package stack_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/unimesh/unimesh/cmd/unimesh/stack"
	"github.com/unimesh/unimesh/pkg/telemetry"
)

// syncBuffer collects every log line of the stack.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

type harness struct {
	t       *testing.T
	dev     *stack.Dev
	logs    *syncBuffer
	spans   *tracetest.SpanRecorder
	dataDir string
	// seen collects every response body, for the leak checks.
	seen *syncBuffer
}

// startDev runs the embedded stack on loopback listeners, with a span
// recorder and a log buffer.
func startDev(t *testing.T, tune ...func(*stack.DevConfig)) *harness {
	t.Helper()
	h := &harness{t: t, logs: &syncBuffer{}, seen: &syncBuffer{}, spans: tracetest.NewSpanRecorder(), dataDir: t.TempDir()}
	cfg := &stack.DevConfig{
		Common: stack.Common{
			Logger:    telemetry.NewLogger(h.logs, telemetry.ParseLevel("debug"), "json"),
			Telemetry: telemetry.Options{Processors: []sdktrace.SpanProcessor{h.spans}, Getenv: func(string) string { return "" }},
		},
		DataDir:  h.dataDir,
		HTTPAddr: "127.0.0.1:0",
	}
	for _, f := range tune {
		f(cfg)
	}
	dev, err := stack.StartDev(context.Background(), cfg)
	if err != nil {
		t.Fatalf("start: %v\nlogs:\n%s", err, h.logs.String())
	}
	h.dev = dev
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		dev.Close(ctx)
	})
	return h
}

type response struct {
	status int
	header http.Header
	raw    []byte
	body   map[string]any
}

// do sends a REST call with the dev key (key "" sends none; use h.as for another).
func (h *harness) do(method, path string, body any) response {
	return h.as(h.dev.APIKey, method, path, body)
}

func (h *harness) as(key, method, path string, body any) response {
	h.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			h.t.Fatal(err)
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, h.dev.URL+path, rd)
	if err != nil {
		h.t.Fatal(err)
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	_, _ = h.seen.Write(raw)
	out := response{status: resp.StatusCode, header: resp.Header, raw: raw}
	_ = json.Unmarshal(raw, &out.body)
	return out
}

// reason is the ErrorInfo reason of an error response.
func (r response) reason() string {
	e, _ := r.body["error"].(map[string]any)
	details, _ := e["details"].([]any)
	for _, d := range details {
		m, _ := d.(map[string]any)
		if strings.HasSuffix(m["@type"].(string), "ErrorInfo") {
			s, _ := m["reason"].(string)
			return s
		}
	}
	return ""
}

// violations are the field paths of a BadRequest.
func (r response) violations() []string {
	e, _ := r.body["error"].(map[string]any)
	details, _ := e["details"].([]any)
	var out []string
	for _, d := range details {
		m, _ := d.(map[string]any)
		if strings.HasSuffix(m["@type"].(string), "BadRequest") {
			for _, v := range m["fieldViolations"].([]any) {
				out = append(out, v.(map[string]any)["field"].(string))
			}
		}
	}
	return out
}

func (r response) list(field string) []any {
	l, _ := r.body[field].([]any)
	return l
}

func (r response) str(field string) string {
	s, _ := r.body[field].(string)
	return s
}

func (h *harness) expect(r response, status int, reason string) {
	h.t.Helper()
	if r.status != status || (reason != "" && r.reason() != reason) {
		h.t.Fatalf("got %d %s, want %d %s: %s", r.status, r.reason(), status, reason, r.raw)
	}
}

// sandboxSecret is the installation's sandbox secret (for leak checks).
func (h *harness) sandboxSecret() []byte {
	b, err := os.ReadFile(filepath.Join(h.dataDir, "sandbox.secret"))
	if err != nil {
		h.t.Fatal(err)
	}
	return decodeHex(h.t, strings.TrimSpace(string(b)))
}
