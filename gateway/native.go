package gateway

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	meshv1 "github.com/unimesh/unimesh/proto/unimesh/mesh/v1"
)

// maxNativeBody bounds a provider's webhook delivery.
const maxNativeBody = 1 << 20

// nativeWebhook takes a provider's native webhook delivery for one
// connection and hands it to the events service, which verifies it
// (basic auth or signature, with the subscription's secret) and answers
// the status the provider gets. No API key: the provider has none; the
// secret is the authentication.
func (g *Gateway) nativeWebhook(w http.ResponseWriter, r *http.Request) {
	body, headers, ok := readDelivery(w, r)
	if !ok {
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), 20*time.Second)
	defer cancel()
	resp, err := meshv1.NewEventsInternalServiceClient(g.opts.Backends.Events).ReceiveWebhook(ctx,
		&meshv1.ReceiveWebhookRequest{ConnectionId: r.PathValue("connection"), Headers: headers, Body: body})
	answerDelivery(w, resp, err)
}

// appWebhook takes a delivery of an app-level webhook (HubSpot's), for a
// project's app of an integration. The URL it passes on is the one the
// provider called, as signed: the public URL and the request's path.
func (g *Gateway) appWebhook(w http.ResponseWriter, r *http.Request) {
	body, headers, ok := readDelivery(w, r)
	if !ok {
		return
	}
	base := g.opts.PublicURL
	if base == "" {
		base = "http://" + r.Host
	}
	ctx, cancel := context.WithTimeout(r.Context(), 20*time.Second)
	defer cancel()
	resp, err := meshv1.NewEventsInternalServiceClient(g.opts.Backends.Events).ReceiveAppWebhook(ctx, &meshv1.ReceiveAppWebhookRequest{
		Integration: r.PathValue("integration"), ProjectId: r.PathValue("project"), Url: strings.TrimSuffix(base, "/") + r.URL.RequestURI(),
		Headers: headers, Body: body})
	answerDelivery(w, resp, err)
}

// readDelivery reads a delivery's body (bounded) and headers.
func readDelivery(w http.ResponseWriter, r *http.Request) ([]byte, []*meshv1.HttpHeader, bool) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxNativeBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			http.Error(w, "body too large", http.StatusRequestEntityTooLarge)
			return nil, nil, false
		}
		http.Error(w, "cannot read the body", http.StatusBadRequest)
		return nil, nil, false
	}
	var headers []*meshv1.HttpHeader
	for name, values := range r.Header {
		for _, v := range values {
			headers = append(headers, &meshv1.HttpHeader{Name: name, Value: v})
		}
	}
	return body, headers, true
}

// answerDelivery gives the provider the status the events service chose.
func answerDelivery(w http.ResponseWriter, resp *meshv1.ReceiveWebhookResponse, err error) {
	switch {
	case status.Code(err) == codes.InvalidArgument:
		http.Error(w, "bad delivery", http.StatusBadRequest)
	case err != nil:
		// The provider retries later.
		http.Error(w, "try again later", http.StatusServiceUnavailable)
	default:
		w.WriteHeader(int(resp.GetHttpStatus()))
	}
}
