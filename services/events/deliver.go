package events

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"syscall"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/unimesh/unimesh/pkg/auth"
	"github.com/unimesh/unimesh/pkg/store"
	"github.com/unimesh/unimesh/pkg/telemetry"
	"github.com/unimesh/unimesh/pkg/webhook"
)

// Backoff is the delay before retry n (1 for the first retry): base
// doubled per attempt, capped, with ±20% jitter so that the retries of a
// receiver's backlog do not arrive in lockstep.
func Backoff(n int, base, ceiling time.Duration) time.Duration {
	d := ceiling
	if n < 40 {
		if b := base << (n - 1); b > 0 && b < ceiling {
			d = b
		}
	}
	return time.Duration(float64(d) * (0.8 + 0.4*rand.Float64()))
}

// runDeliveries claims due deliveries and sends them, DeliveryWorkers at a
// time, until ctx ends; then it waits for the sends under way.
func (s *Service) runDeliveries(ctx context.Context) {
	done := make(chan struct{})
	running := 0
	defer func() {
		for ; running > 0; running-- {
			<-done
		}
	}()
	for {
		// Collect the sends that finished, to know the free slots.
	drain:
		for {
			select {
			case <-done:
				running--
			default:
				break drain
			}
		}
		free := s.opts.DeliveryWorkers - running
		var claimed []store.ClaimedDelivery
		if free > 0 {
			now := s.now()
			var err error
			// The claim outlasts a send, timeout included, twice over; a
			// worker that dies leaves the delivery due again when it ends.
			claimed, err = s.store.ClaimDeliveries(ctx, now, now.Add(2*s.opts.DeliveryTimeout+time.Second), free, auth.NewID(""))
			if err != nil && ctx.Err() == nil {
				s.logger.WarnContext(ctx, "claim deliveries", "error", err.Error())
			}
		}
		for _, d := range claimed {
			running++
			go func() {
				defer func() { done <- struct{}{} }()
				s.deliver(context.WithoutCancel(ctx), d)
			}()
		}
		if len(claimed) == free && free > 0 {
			continue // there may be more due
		}
		select {
		case <-ctx.Done():
			return
		case <-s.wake:
		case <-done:
			running--
		case <-time.After(s.opts.Tick):
		}
	}
}

// deliver makes one attempt of a claimed delivery and records it.
func (s *Service) deliver(ctx context.Context, d store.ClaimedDelivery) {
	ctx, span := s.tracer.Start(ctx, "webhook.deliver")
	defer span.End()
	span.SetAttributes(attribute.String("unimesh.delivery", d.ID), attribute.String("unimesh.event", d.EventID),
		attribute.String("unimesh.webhook_endpoint", d.EndpointID), attribute.Int("unimesh.attempt", d.Attempts+1))
	ep, err := s.store.GetWebhookEndpoint(ctx, "", d.EndpointID)
	if errors.Is(err, store.ErrNotFound) {
		return // deleted with its deliveries
	}
	if err != nil {
		s.logger.WarnContext(ctx, "delivery: read endpoint", "delivery", d.ID, "error", err.Error())
		return // the claim runs out and the delivery falls due again
	}
	if ep.Disabled {
		return // disabling cancelled it; the claim cannot finish
	}
	ev, err := s.store.GetEvent(ctx, "", d.EventID)
	if err != nil {
		s.logger.WarnContext(ctx, "delivery: read event", "delivery", d.ID, "error", err.Error())
		return
	}
	body, err := s.deliveryBody(ev, ep.Fields)
	if err != nil {
		s.logger.ErrorContext(ctx, "delivery: render event", "delivery", d.ID, "error", err.Error())
		return
	}
	secrets, err := s.signingSecrets(ep)
	if err != nil {
		s.logger.ErrorContext(ctx, "delivery: open signing secret", "endpoint", ep.ID, "error", err.Error())
		return
	}
	attempt := d.Attempts + 1
	start := s.now()
	status, sendErr := s.post(ctx, ep.URL, body, secrets, ev, d.ID, attempt)
	a := store.Attempt{Attempt: attempt, Time: start.UTC(), HTTPStatus: status, Latency: time.Since(start), Error: sendErr}
	span.SetAttributes(attribute.Int("http.response.status_code", status))

	state, next, gaveUp := int32(store.DeliveryPending), time.Time{}, false
	switch {
	case status >= 200 && status < 300:
		state = store.DeliverySucceeded
	case status == http.StatusGone:
		state = store.DeliveryFailed
	default:
		next = s.now().Add(Backoff(attempt, s.opts.RetryBase, s.opts.RetryCap))
		if next.Sub(d.CreateTime) > s.opts.GiveUpAfter {
			state, gaveUp = store.DeliveryFailed, true
		}
	}
	if state != store.DeliverySucceeded {
		span.SetStatus(codes.Error, "receiver failed")
	}
	ok, err := s.store.FinishAttempt(ctx, d, a, state, next)
	if err != nil {
		s.logger.WarnContext(ctx, "delivery: record attempt", "delivery", d.ID, "error", err.Error())
		return
	}
	if !ok {
		return // the claim was lost: another worker owns the delivery now
	}
	s.afterAttempt(ctx, ep, state == store.DeliverySucceeded, status, gaveUp, d.CreateTime)
}

// afterAttempt keeps the endpoint's health: a 410 disables it, and so does
// failing without a success for GiveUpAfter — either measured directly, or
// when a delivery was given up and nothing succeeded since it was made.
func (s *Service) afterAttempt(ctx context.Context, ep store.WebhookEndpoint, ok bool, status int, gaveUp bool, made time.Time) {
	now := s.now().UTC()
	if status == http.StatusGone {
		s.disable(ctx, ep, "the receiver answered 410 Gone", now)
		return
	}
	// A success on an endpoint that was not failing (as read for this
	// delivery) changes nothing: no write on the common path. Any later
	// success clears a failure another worker recorded meanwhile.
	if ok && ep.FailingSince.IsZero() {
		return
	}
	// A failing endpoint is failing since the event it did not take was
	// made: the window is the receiver's, whatever the retry schedule.
	since, err := s.store.MarkEndpointHealth(ctx, ep.ID, ok, made)
	if err != nil {
		s.logger.WarnContext(ctx, "endpoint health", "endpoint", ep.ID, "error", err.Error())
		return
	}
	if !ok && !since.IsZero() && (now.Sub(since) >= s.opts.GiveUpAfter || (gaveUp && !since.After(made))) {
		s.disable(ctx, ep, "every delivery failed since "+since.Format(time.RFC3339), now)
	}
}

// disable turns an endpoint off and records an operator event.
func (s *Service) disable(ctx context.Context, ep store.WebhookEndpoint, reason string, now time.Time) {
	changed, err := s.store.DisableWebhookEndpoint(ctx, ep.ID, reason, now)
	if err != nil {
		s.logger.WarnContext(ctx, "disable endpoint", "endpoint", ep.ID, "error", err.Error())
		return
	}
	if !changed {
		return
	}
	s.logger.WarnContext(ctx, "webhook endpoint disabled", "endpoint", ep.ID, "project", ep.ProjectID, "reason", reason)
	data, _ := json.Marshal(map[string]string{"endpoint": ep.ID, "reason": reason})
	if err := s.store.AppendPlatformEvent(ctx, store.PlatformEvent{ID: auth.NewID("evt_"), ProjectID: ep.ProjectID,
		Type: "webhook_endpoint.disabled", OccurredTime: now, Data: string(data)}); err != nil {
		s.logger.WarnContext(ctx, "record platform event", "error", err.Error())
	}
}

// deliveryBody is the JSON a receiver gets: the event as GetEvent returns it.
func (s *Service) deliveryBody(ev store.Event, fields []string) ([]byte, error) {
	p, err := eventProto(ev, fields)
	if err != nil {
		return nil, err
	}
	return protojson.Marshal(p)
}

func secretOwner(endpointID string) string { return "webhook_endpoint:" + endpointID }

// signingSecrets opens the endpoint's secret and, during an overlap, the
// previous one.
func (s *Service) signingSecrets(ep store.WebhookEndpoint) ([]string, error) {
	cur, err := s.keyring.Open(ep.KeyID, ep.SealedSecret, secretOwner(ep.ID))
	if err != nil {
		return nil, err
	}
	out := []string{string(cur)}
	if len(ep.PrevSealedSecret) > 0 && s.now().Before(ep.PrevExpire) {
		prev, err := s.keyring.Open(ep.PrevKeyID, ep.PrevSealedSecret, secretOwner(ep.ID))
		if err != nil {
			return nil, err
		}
		out = append(out, string(prev))
	}
	return out, nil
}

// post sends one attempt; it returns the receiver's status (0 when none
// came) and a description of a failure that names no URL, header or body.
func (s *Service) post(ctx context.Context, url string, body []byte, secrets []string, ev store.Event, deliveryID string, attempt int) (int, string) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return 0, "the endpoint URL is not usable"
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Unimesh-Webhooks/"+telemetry.Version)
	req.Header.Set(webhook.SignatureHeader, webhook.Sign(s.now(), body, secrets...))
	req.Header.Set(webhook.EventIDHeader, ev.ID)
	req.Header.Set(webhook.EventTypeHeader, ev.Type)
	req.Header.Set(webhook.DeliveryHeader, deliveryID)
	req.Header.Set(webhook.AttemptHeader, strconv.Itoa(attempt))
	resp, err := s.http.Do(req)
	if err != nil {
		return 0, describeSendError(err, s.opts.DeliveryTimeout)
	}
	defer resp.Body.Close()
	// The answer's body is not kept; reading a little lets the connection be reused.
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode >= 300 && resp.StatusCode < 400 {
		return resp.StatusCode, "the receiver redirected; redirects are not followed"
	}
	if resp.StatusCode < 200 || resp.StatusCode >= 300 {
		return resp.StatusCode, fmt.Sprintf("the receiver answered %d", resp.StatusCode)
	}
	return resp.StatusCode, ""
}

// describeSendError names the kind of network failure without the URL,
// which may carry credentials of the receiver's.
func describeSendError(err error, timeout time.Duration) string {
	var netErr net.Error
	switch {
	case errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &netErr) && netErr.Timeout()):
		return fmt.Sprintf("no answer within %s", timeout)
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused"
	case errors.Is(err, syscall.ECONNRESET):
		return "connection reset"
	}
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		return "the endpoint's host name does not resolve"
	}
	var opErr *net.OpError
	if errors.As(err, &opErr) && opErr.Op == "dial" {
		return "could not connect (private addresses are refused outside dev)"
	}
	return "the request failed before an answer came"
}
