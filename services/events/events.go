// Package events is the events service: webhook endpoints, the event log,
// signed deliveries with retries, virtual webhooks (polling and fingerprint
// diffs) and native provider webhooks.
//
// For now it serves no API of its own: the service runs, answers gRPC
// health checks and authenticates callers like every other service, so
// that deployments, probes and the gateway treat it as a member of the
// mesh from the start. Its API comes with the change-events work.
package events

import "google.golang.org/grpc"

// Service is the events service.
type Service struct{}

// New returns the service.
func New() *Service { return &Service{} }

// Register adds the service's APIs to a gRPC server: none yet.
func (s *Service) Register(*grpc.Server) {}
