package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/unimesh/unimesh/pkg/webhook"
)

// runListen is a local webhook receiver for trying change events: it
// registers itself as an endpoint of the key's project, prints every
// delivery whose signature verifies (and refuses the rest), and deletes
// the endpoint when it stops. Stopped and started again, it takes the
// events queued meanwhile if started with --endpoint and --secret.
func runListen(ctx context.Context, args []string, stdout io.Writer, getenv func(string) string) error {
	fs := flag.NewFlagSet("listen", flag.ContinueOnError)
	api := fs.String("api", "http://localhost:8080", "the gateway's URL")
	key := fs.String("key", getenv("UNIMESH_API_KEY"), "an admin API key (UNIMESH_API_KEY)")
	addr := fs.String("addr", "127.0.0.1:9999", "where to listen")
	events := fs.String("events", "*", "comma-separated event types or patterns")
	endpoint := fs.String("endpoint", "", "reuse this endpoint (whe_...) instead of registering one; it is kept on exit")
	secret := fs.String("secret", getenv("UNIMESH_WEBHOOK_SECRET"), "the reused endpoint's signing secret (UNIMESH_WEBHOOK_SECRET)")
	keep := fs.Bool("keep", false, "keep the registered endpoint on exit, so events queue for the next run (with --endpoint and --secret)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *key == "" {
		return errors.New("listen needs an admin API key: --key or UNIMESH_API_KEY")
	}
	if (*endpoint == "") != (*secret == "") {
		return errors.New("--endpoint and --secret go together")
	}
	lis, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	defer lis.Close()
	url := "http://" + lis.Addr().String() + "/hooks"
	gw := &gatewayClient{base: strings.TrimSuffix(*api, "/"), key: *key}
	if *endpoint == "" {
		var created struct {
			Endpoint struct {
				ID string `json:"id"`
			} `json:"webhookEndpoint"`
			Secret string `json:"signingSecret"`
		}
		body := map[string]any{"url": url, "description": "unimesh listen", "eventTypes": strings.Split(*events, ",")}
		if err := gw.call(ctx, http.MethodPost, "/platform/v1/webhookEndpoints", body, &created); err != nil {
			return fmt.Errorf("register the endpoint: %w", err)
		}
		*endpoint, *secret = created.Endpoint.ID, created.Secret
		if *keep {
			fmt.Fprintf(stdout, "listening on %s as endpoint %s (signing secret %s); kept on exit:\n"+
				"  run again with --endpoint %s --secret %s to take what queued meanwhile\n", url, *endpoint, *secret, *endpoint, *secret)
		} else {
			defer func() {
				dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
				defer cancel()
				_ = gw.call(dctx, http.MethodDelete, "/platform/v1/webhookEndpoints/"+*endpoint, nil, nil)
			}()
			fmt.Fprintf(stdout, "listening on %s as endpoint %s (signing secret %s); Ctrl-C deletes it\n", url, *endpoint, *secret)
		}
	} else {
		fmt.Fprintf(stdout, "listening on %s for endpoint %s\n", url, *endpoint)
	}
	srv := &http.Server{ReadHeaderTimeout: 5 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(io.LimitReader(r.Body, 4<<20))
		if err != nil {
			http.Error(w, "cannot read", http.StatusBadRequest)
			return
		}
		if err := webhook.Verify(r.Header.Get(webhook.SignatureHeader), body, time.Now(), 0, *secret); err != nil {
			fmt.Fprintf(stdout, "refused a delivery: %v\n", err)
			http.Error(w, "bad signature", http.StatusUnauthorized)
			return
		}
		var pretty bytes.Buffer
		if json.Indent(&pretty, body, "", "  ") != nil {
			pretty.Write(body)
		}
		fmt.Fprintf(stdout, "%s %s (attempt %s, signature verified)\n%s\n", r.Header.Get(webhook.EventTypeHeader),
			r.Header.Get(webhook.EventIDHeader), r.Header.Get(webhook.AttemptHeader), pretty.String())
		w.WriteHeader(http.StatusNoContent)
	})}
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}()
	if err := srv.Serve(lis); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// gatewayClient calls the REST API with a key.
type gatewayClient struct{ base, key string }

func (g *gatewayClient) call(ctx context.Context, method, path string, in, out any) error {
	var rd io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, g.base+path, rd)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+g.key)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s %s: %d %s", method, path, resp.StatusCode, strings.TrimSpace(string(b)))
	}
	if out != nil {
		return json.Unmarshal(b, out)
	}
	return nil
}
