// Package ticketing is the ticketing service: unimesh.ticketing.v1.TicketingService, served live over
// its connectors. It keeps no records of its own; every call goes to the
// connection's provider through the connector registered for it.
package ticketing

import (
	"google.golang.org/grpc"

	"github.com/unimesh/unimesh/pkg/connector"
	platformv1 "github.com/unimesh/unimesh/proto/unimesh/platform/v1"
	ticketingv1 "github.com/unimesh/unimesh/proto/unimesh/ticketing/v1"
	"github.com/unimesh/unimesh/services/ticketing/connectors"
)

// Category is the category this service serves.
const Category = platformv1.Category_CATEGORY_TICKETING

// Server implements ticketingv1.TicketingServiceServer; its methods are generated in server_gen.go.
type Server struct {
	ticketingv1.UnimplementedTicketingServiceServer
	rt *connector.Runtime[connectors.Ticketing]
}

// NewServer returns the service over the runtime's connectors.
func NewServer(rt *connector.Runtime[connectors.Ticketing]) *Server {
	return &Server{rt: rt}
}

// Register adds the service to a gRPC server.
func (s *Server) Register(g *grpc.Server) {
	ticketingv1.RegisterTicketingServiceServer(g, s)
}
