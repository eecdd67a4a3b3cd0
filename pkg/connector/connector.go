// Package connector is the contract between a category service and the
// connectors that translate one provider's API into the unified one.
//
// A category service (crm, ticketing, ...) defines a struct with one Object
// field per unified object; a connector fills in the operations its provider
// offers and leaves the rest nil. What is nil is what the provider does not
// support: the catalog's capability matrix is read off the struct, so it
// cannot drift from the code, and a call to a nil operation answers
// UNIMPLEMENTED with reason OPERATION_NOT_SUPPORTED_BY_PROVIDER.
package connector

import (
	"context"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/unimesh/unimesh/pkg/providerhttp"
)

// Conn is what a connector sees of one connection during one call.
type Conn struct {
	// ID is the connection's id.
	ID string
	// ProjectID is the project the connection belongs to.
	ProjectID string
	// Integration is the integration's slug.
	Integration string
	// Config is the connection's provider-specific configuration.
	Config map[string]string
	// HTTP calls the provider with the connection's credentials.
	HTTP *providerhttp.Client
}

// ListParams are the parameters of one List call, already validated.
type ListParams struct {
	// PageSize is between 1 and 200.
	PageSize int
	// Cursor is the provider cursor of the page to read; empty for the first page.
	Cursor string
	// ModifiedSince, when not zero, asks for records changed at or after it.
	ModifiedSince time.Time
	// IncludeRaw asks for each record's provider payload in its raw field.
	IncludeRaw bool
	// Filters are the object's own filters (such as "ticket_id"), by proto
	// field name; only those set are present.
	Filters map[string]string
}

// Page is one page of records.
type Page[T any] struct {
	Items []T
	// NextCursor is the provider cursor of the next page; empty on the last page.
	NextCursor string
}

// GetParams are the parameters of one Get call.
type GetParams struct {
	IncludeRaw bool
}

// Object is what a connector can do with one unified object. Every
// operation is optional.
type Object[T proto.Message] struct {
	List   func(ctx context.Context, c *Conn, p ListParams) (Page[T], error)
	Get    func(ctx context.Context, c *Conn, id string, p GetParams) (T, error)
	Create func(ctx context.Context, c *Conn, record T) (T, error)
	// Update changes the fields named in mask (top-level proto field names)
	// of the record whose id record carries, to the values in record.
	Update func(ctx context.Context, c *Conn, record T, mask []string) (T, error)
	Delete func(ctx context.Context, c *Conn, id string) error
}
