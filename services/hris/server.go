// Package hris is the HR and payroll service: unimesh.hris.v1.HrisService, served live over
// its connectors. It keeps no records of its own; every call goes to the
// connection's provider through the connector registered for it.
package hris

import (
	"google.golang.org/grpc"

	"github.com/unimesh/unimesh/pkg/connector"
	hrisv1 "github.com/unimesh/unimesh/proto/unimesh/hris/v1"
	platformv1 "github.com/unimesh/unimesh/proto/unimesh/platform/v1"
	"github.com/unimesh/unimesh/services/hris/connectors"
)

// Category is the category this service serves.
const Category = platformv1.Category_CATEGORY_HRIS

// Server implements hrisv1.HrisServiceServer; its methods are generated in server_gen.go.
type Server struct {
	hrisv1.UnimplementedHrisServiceServer
	rt *connector.Runtime[connectors.HRIS]
}

// NewServer returns the service over the runtime's connectors.
func NewServer(rt *connector.Runtime[connectors.HRIS]) *Server {
	return &Server{rt: rt}
}

// Register adds the service to a gRPC server.
func (s *Server) Register(g *grpc.Server) {
	hrisv1.RegisterHrisServiceServer(g, s)
}
