package gateway

import (
	"context"
	"errors"
	"io"
	"net/http"
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
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxNativeBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			http.Error(w, "body too large", http.StatusRequestEntityTooLarge)
			return
		}
		http.Error(w, "cannot read the body", http.StatusBadRequest)
		return
	}
	req := &meshv1.ReceiveWebhookRequest{ConnectionId: r.PathValue("connection"), Body: body}
	for name, values := range r.Header {
		for _, v := range values {
			req.Headers = append(req.Headers, &meshv1.HttpHeader{Name: name, Value: v})
		}
	}
	ctx, cancel := context.WithTimeout(r.Context(), 20*time.Second)
	defer cancel()
	resp, err := meshv1.NewEventsInternalServiceClient(g.opts.Backends.Events).ReceiveWebhook(ctx, req)
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
