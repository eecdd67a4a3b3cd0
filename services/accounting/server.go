// Package accounting is the accounting service: unimesh.accounting.v1.AccountingService, served live over
// its connectors. It keeps no records of its own; every call goes to the
// connection's provider through the connector registered for it.
package accounting

import (
	"google.golang.org/grpc"

	"github.com/unimesh/unimesh/pkg/connector"
	accountingv1 "github.com/unimesh/unimesh/proto/unimesh/accounting/v1"
	platformv1 "github.com/unimesh/unimesh/proto/unimesh/platform/v1"
	"github.com/unimesh/unimesh/services/accounting/connectors"
)

// Category is the category this service serves.
const Category = platformv1.Category_CATEGORY_ACCOUNTING

// Server implements accountingv1.AccountingServiceServer; its methods are generated in server_gen.go.
type Server struct {
	accountingv1.UnimplementedAccountingServiceServer
	rt *connector.Runtime[connectors.Accounting]
}

// NewServer returns the service over the runtime's connectors.
func NewServer(rt *connector.Runtime[connectors.Accounting]) *Server {
	return &Server{rt: rt}
}

// Register adds the service to a gRPC server.
func (s *Server) Register(g *grpc.Server) {
	accountingv1.RegisterAccountingServiceServer(g, s)
}
