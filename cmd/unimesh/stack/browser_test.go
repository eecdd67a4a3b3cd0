package stack_test

import (
	"context"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/unimesh/unimesh/cmd/unimesh/stack"
)

// RequireBrowserEnv makes the browser test fail, rather than skip, when no
// Chromium is installed: CI sets it after installing Debian's chromium.
const RequireBrowserEnv = "UNIMESH_REQUIRE_BROWSER"

// chromium finds Debian's Chromium (or UNIMESH_CHROMIUM). Nothing is
// downloaded: a test must not need the internet.
func chromium(t *testing.T) string {
	t.Helper()
	for _, p := range []string{os.Getenv("UNIMESH_CHROMIUM"), "/usr/bin/chromium", "/usr/bin/chromium-browser"} {
		if p == "" {
			continue
		}
		if path, err := exec.LookPath(p); err == nil {
			return path
		}
	}
	if os.Getenv(RequireBrowserEnv) != "" {
		t.Fatalf("no Chromium found and %s is set: install Debian's chromium (make browser)", RequireBrowserEnv)
	}
	t.Skipf("no Chromium found: install Debian's chromium (make browser), or set UNIMESH_CHROMIUM")
	return ""
}

// artifacts is where the browser test leaves its screenshots.
func artifacts(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("UNIMESH_TEST_ARTIFACTS")
	if dir == "" {
		dir = filepath.Join("..", "..", "..", ".artifacts")
	}
	dir = filepath.Join(dir, "browser")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// browser runs a headless Chromium with the window of a phone.
func browser(t *testing.T) context.Context {
	t.Helper()
	// Not t.TempDir: Chromium's helper processes may still write to the
	// profile for a moment after the browser is told to stop, and
	// t.TempDir's cleanup fails the test on a directory that is not empty.
	profile, err := os.MkdirTemp("", "unimesh-chromium-")
	if err != nil {
		t.Fatal(err)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium(t)),
		chromedp.NoSandbox, // the CI machine runs as root
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.UserDataDir(profile),
		chromedp.WindowSize(412, 915),
	)
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(alloc)
	ctx, cancelTimeout := context.WithTimeout(ctx, 90*time.Second)
	t.Cleanup(func() {
		cancelTimeout()
		cancelCtx()
		cancelAlloc()
		for range 50 {
			if os.RemoveAll(profile) == nil {
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
	})
	return ctx
}

func screenshot(t *testing.T, dir, name string) chromedp.Action {
	return chromedp.ActionFunc(func(ctx context.Context) error {
		var png []byte
		// Quality 100 makes a PNG; less, a JPEG.
		if err := chromedp.FullScreenshot(&png, 100).Do(ctx); err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644)
	})
}

// An end user opens a magic link in a real browser, picks the Pipedrive
// sandbox, consents at its OAuth page and lands on success; the operator
// sees the connection ACTIVE in the console; the spent link and an expired
// one show clear error pages.
func TestConnectLinkInABrowser(t *testing.T) {
	ctx := browser(t)
	h := startDev(t, func(c *stack.DevConfig) {
		c.Sandboxes.Vendors = true
		c.Gateway = stack.GatewayOptions{RatePerSecond: 1e6, Burst: 1 << 20}
	})
	shots := artifacts(t)
	r := h.do(http.MethodPost, "/platform/v1/connectSessions", map[string]any{
		"endUser": map[string]any{"originId": "acme-42", "name": "Acme Inc"}, "integrations": []string{"pipedrive", "hubspot", "sandbox-crm"}})
	h.expect(r, http.StatusOK, "")
	link := r.str("url")

	var connID string
	err := chromedp.Run(ctx,
		chromedp.Navigate(link),
		chromedp.WaitVisible(`a[data-integration="pipedrive"]`, chromedp.ByQuery),
		screenshot(t, shots, "01-connect-page"),
		chromedp.Click(`a[data-integration="pipedrive"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`#oauth-continue`, chromedp.ByQuery),
		screenshot(t, shots, "02-integration-page"),
		chromedp.Click(`#oauth-continue`, chromedp.ByQuery),
		chromedp.WaitVisible(`#allow`, chromedp.ByQuery),
		screenshot(t, shots, "03-provider-consent"),
		chromedp.Click(`#allow`, chromedp.ByQuery),
		chromedp.WaitVisible(`main[data-status="success"]`, chromedp.ByQuery),
		chromedp.AttributeValue(`main[data-status="success"]`, "data-connection-id", &connID, nil, chromedp.ByQuery),
		screenshot(t, shots, "04-connected"),
	)
	if err != nil {
		t.Fatalf("connect in the browser: %v\nlogs:\n%s", err, tail(h.logs.String(), 4000))
	}
	conn := h.do(http.MethodGet, "/platform/v1/connections/"+connID, nil)
	if conn.str("status") != "CONNECTION_STATUS_ACTIVE" || conn.str("integration") != "pipedrive" {
		t.Fatalf("connection %q: %s", connID, conn.raw)
	}
	h.expect(h.do(http.MethodGet, "/crm/v1/connections/"+connID+"/contacts?pageSize=3", nil), http.StatusOK, "")

	// The operator finds it ACTIVE in the console.
	var status string
	row := `tr[data-connection-id="` + connID + `"] [data-status]`
	err = chromedp.Run(ctx,
		chromedp.Navigate(h.dev.URL+"/console/login"),
		chromedp.WaitVisible(`input[type=password]`, chromedp.ByQuery),
		chromedp.SendKeys(`input[type=password]`, h.dev.APIKey, chromedp.ByQuery),
		chromedp.Submit(`input[type=password]`, chromedp.ByQuery),
		chromedp.WaitVisible(row, chromedp.ByQuery),
		chromedp.Text(row, &status, chromedp.ByQuery),
		screenshot(t, shots, "05-console-connections"),
	)
	if err != nil || !strings.Contains(strings.ToUpper(status), "ACTIVE") {
		t.Fatalf("console: status %q, %v", status, err)
	}

	// The spent link, and one that expired.
	var reason string
	err = chromedp.Run(ctx,
		chromedp.Navigate(link),
		chromedp.WaitVisible(`main[data-status="error"]`, chromedp.ByQuery),
		chromedp.AttributeValue(`main[data-status="error"]`, "data-reason", &reason, nil, chromedp.ByQuery),
		screenshot(t, shots, "06-link-used"),
	)
	if err != nil || reason != "CONNECT_SESSION_USED" {
		t.Fatalf("reused link: reason %q, %v", reason, err)
	}
	r = h.do(http.MethodPost, "/platform/v1/connectSessions", map[string]any{
		"endUser": map[string]any{"originId": "acme-43"}, "expireTime": time.Now().Add(1500 * time.Millisecond).UTC().Format(time.RFC3339Nano)})
	h.expect(r, http.StatusOK, "")
	time.Sleep(2 * time.Second)
	err = chromedp.Run(ctx,
		chromedp.Navigate(r.str("url")),
		chromedp.WaitVisible(`main[data-status="error"]`, chromedp.ByQuery),
		chromedp.AttributeValue(`main[data-status="error"]`, "data-reason", &reason, nil, chromedp.ByQuery),
		screenshot(t, shots, "07-link-expired"),
	)
	if err != nil || reason != "CONNECT_SESSION_EXPIRED" {
		t.Fatalf("expired link: reason %q, %v", reason, err)
	}
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}
