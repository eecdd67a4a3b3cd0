// Package ats is the applicant tracking service: unimesh.ats.v1.AtsService, served live over
// its connectors. It keeps no records of its own; every call goes to the
// connection's provider through the connector registered for it.
package ats

import (
	"google.golang.org/grpc"

	"github.com/unimesh/unimesh/pkg/connector"
	atsv1 "github.com/unimesh/unimesh/proto/unimesh/ats/v1"
	platformv1 "github.com/unimesh/unimesh/proto/unimesh/platform/v1"
	"github.com/unimesh/unimesh/services/ats/connectors"
)

// Category is the category this service serves.
const Category = platformv1.Category_CATEGORY_ATS

// Server implements atsv1.AtsServiceServer; its methods are generated in server_gen.go.
type Server struct {
	atsv1.UnimplementedAtsServiceServer
	rt *connector.Runtime[connectors.ATS]
}

// NewServer returns the service over the runtime's connectors.
func NewServer(rt *connector.Runtime[connectors.ATS]) *Server {
	return &Server{rt: rt}
}

// Register adds the service to a gRPC server.
func (s *Server) Register(g *grpc.Server) {
	atsv1.RegisterAtsServiceServer(g, s)
}
