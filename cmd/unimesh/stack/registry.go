// Package stack assembles Unimesh's services: the connectors each category
// serves, the catalog, the sandbox providers, every gRPC server and the
// gateway — all in one process for `unimesh dev`, or one service per process
// for `unimesh serve <service>`.
package stack

import (
	"log/slog"

	"google.golang.org/grpc"

	"github.com/unimesh/unimesh/pkg/connector"
	"github.com/unimesh/unimesh/pkg/providerhttp"
	platformv1 "github.com/unimesh/unimesh/proto/unimesh/platform/v1"
	"github.com/unimesh/unimesh/services/accounting"
	accountingconnectors "github.com/unimesh/unimesh/services/accounting/connectors"
	accountingsandbox "github.com/unimesh/unimesh/services/accounting/connectors/sandbox"
	"github.com/unimesh/unimesh/services/ats"
	atsconnectors "github.com/unimesh/unimesh/services/ats/connectors"
	atssandbox "github.com/unimesh/unimesh/services/ats/connectors/sandbox"
	"github.com/unimesh/unimesh/services/crm"
	crmconnectors "github.com/unimesh/unimesh/services/crm/connectors"
	crmsandbox "github.com/unimesh/unimesh/services/crm/connectors/sandbox"
	"github.com/unimesh/unimesh/services/hris"
	hrisconnectors "github.com/unimesh/unimesh/services/hris/connectors"
	hrissandbox "github.com/unimesh/unimesh/services/hris/connectors/sandbox"
	"github.com/unimesh/unimesh/services/ticketing"
	ticketingconnectors "github.com/unimesh/unimesh/services/ticketing/connectors"
	ticketingsandbox "github.com/unimesh/unimesh/services/ticketing/connectors/sandbox"
)

// Category is one category service, ready to be built.
type Category struct {
	// Name is the service's name: "crm", "ticketing", ...
	Name string
	// Entries describe its connectors for the catalog.
	Entries []connector.Entry
	// NewServer builds the service over the resolver; changes, when not
	// nil, is told of every write.
	NewServer func(resolver *connector.Resolver, f *providerhttp.Factory, logger *slog.Logger, changes connector.ChangeSink) (Registrar, error)
}

// Registrar is a service that adds itself to a gRPC server.
type Registrar interface{ Register(*grpc.Server) }

// registrars registers several services on one server: a category's
// unified API and its internal one for the events service.
type registrars []Registrar

func (rs registrars) Register(g *grpc.Server) {
	for _, r := range rs {
		r.Register(g)
	}
}

func category[C any, S Registrar](name string, cat platformv1.Category, regs []connector.Registered[C], newServer func(*connector.Runtime[C]) S) Category {
	return Category{
		Name:    name,
		Entries: connector.Entries(cat, regs...),
		NewServer: func(resolver *connector.Resolver, f *providerhttp.Factory, logger *slog.Logger, changes connector.ChangeSink) (Registrar, error) {
			rt, err := connector.NewRuntime(cat, resolver, f, logger.With("service", name), regs...)
			if err != nil {
				return nil, err
			}
			if changes != nil {
				rt.SetChanges(changes)
			}
			return registrars{newServer(rt), connector.NewWebhookServer(rt)}, nil
		},
	}
}

// Connectors says which connectors to register.
type Connectors struct {
	// SandboxURL is the root of the sandbox providers (each under /<slug>);
	// empty leaves the sandbox integrations out of the catalog.
	SandboxURL string
	// VendorSandboxes points the vendor integrations that have an emulator
	// (pipedrive, hubspot, salesforce) at it, under SandboxURL, instead of
	// at the vendor: a demo or test installation, never a production one.
	VendorSandboxes bool
}

func (c Connectors) sandbox(slug string) string { return c.SandboxURL + "/" + slug }

// Categories returns every category service with its connectors.
func Categories(c Connectors) []Category {
	var (
		crmRegs        = crmVendors(c)
		ticketingRegs  []connector.Registered[ticketingconnectors.Ticketing]
		hrisRegs       []connector.Registered[hrisconnectors.HRIS]
		accountingRegs []connector.Registered[accountingconnectors.Accounting]
		atsRegs        []connector.Registered[atsconnectors.ATS]
	)
	if c.SandboxURL != "" {
		crmRegs = append(crmRegs, connector.Registered[crmconnectors.CRM]{Descriptor: crmsandbox.Descriptor(c.sandbox(crmsandbox.Slug)), Impl: crmsandbox.Connector()})
		ticketingRegs = append(ticketingRegs, connector.Registered[ticketingconnectors.Ticketing]{
			Descriptor: ticketingsandbox.Descriptor(c.sandbox(ticketingsandbox.Slug)), Impl: ticketingsandbox.Connector()})
		hrisRegs = append(hrisRegs, connector.Registered[hrisconnectors.HRIS]{
			Descriptor: hrissandbox.Descriptor(c.sandbox(hrissandbox.Slug)), Impl: hrissandbox.Connector()})
		accountingRegs = append(accountingRegs, connector.Registered[accountingconnectors.Accounting]{
			Descriptor: accountingsandbox.Descriptor(c.sandbox(accountingsandbox.Slug)), Impl: accountingsandbox.Connector()})
		atsRegs = append(atsRegs, connector.Registered[atsconnectors.ATS]{
			Descriptor: atssandbox.Descriptor(c.sandbox(atssandbox.Slug)), Impl: atssandbox.Connector()})
	}
	return []Category{
		category("crm", crm.Category, crmRegs, crm.NewServer),
		category("ticketing", ticketing.Category, ticketingRegs, ticketing.NewServer),
		category("hris", hris.Category, hrisRegs, hris.NewServer),
		category("accounting", accounting.Category, accountingRegs, accounting.NewServer),
		category("ats", ats.Category, atsRegs, ats.NewServer),
	}
}

// Catalog builds the integration catalog of the categories.
func Catalog(cats []Category) (*connector.Catalog, error) {
	var entries []connector.Entry
	for _, c := range cats {
		entries = append(entries, c.Entries...)
	}
	return connector.NewCatalog(entries...)
}

// CategoryOf returns a function naming the category each integration of
// the catalog serves ("crm", "ticketing", ...).
func CategoryOf(cats []Category) func(integration string) string {
	m := map[string]string{}
	for _, c := range cats {
		for _, e := range c.Entries {
			m[e.Descriptor.Slug] = c.Name
		}
	}
	return func(integration string) string { return m[integration] }
}
