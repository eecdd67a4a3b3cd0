// Package crm is the CRM service: unimesh.crm.v1.CrmService, served live over
// its connectors. It keeps no records of its own; every call goes to the
// connection's provider through the connector registered for it.
package crm

import (
	"google.golang.org/grpc"

	"github.com/unimesh/unimesh/pkg/connector"
	crmv1 "github.com/unimesh/unimesh/proto/unimesh/crm/v1"
	platformv1 "github.com/unimesh/unimesh/proto/unimesh/platform/v1"
	"github.com/unimesh/unimesh/services/crm/connectors"
)

// Category is the category this service serves.
const Category = platformv1.Category_CATEGORY_CRM

// Server implements crmv1.CrmServiceServer; its methods are generated in server_gen.go.
type Server struct {
	crmv1.UnimplementedCrmServiceServer
	rt *connector.Runtime[connectors.CRM]
}

// NewServer returns the service over the runtime's connectors.
func NewServer(rt *connector.Runtime[connectors.CRM]) *Server {
	return &Server{rt: rt}
}

// Register adds the service to a gRPC server.
func (s *Server) Register(g *grpc.Server) {
	crmv1.RegisterCrmServiceServer(g, s)
}
