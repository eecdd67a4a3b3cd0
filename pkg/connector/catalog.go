package connector

import (
	"fmt"
	"slices"
	"sort"

	"google.golang.org/protobuf/proto"

	platformv1 "github.com/unimesh/unimesh/proto/unimesh/platform/v1"
)

// Entry is one connector as the catalog sees it: its descriptor and the
// objects it supports.
type Entry struct {
	Descriptor *Descriptor
	Objects    []*platformv1.ObjectSupport
}

// Catalog is every integration a deployment can connect to. An integration
// that serves several categories (BambooHR: HRIS and ATS) has one connector
// per category; the catalog shows it once, with the union of their objects.
type Catalog struct {
	integrations map[string]*platformv1.Integration
	descriptors  map[string]*Descriptor
	slugs        []string
}

// NewCatalog builds the catalog. Two connectors of one slug must agree on
// how to reach and authenticate to the provider.
func NewCatalog(entries ...Entry) (*Catalog, error) {
	c := &Catalog{integrations: map[string]*platformv1.Integration{}, descriptors: map[string]*Descriptor{}}
	for _, e := range entries {
		d := e.Descriptor
		if d == nil || d.Slug == "" || d.Auth == nil {
			return nil, fmt.Errorf("catalog: a connector lacks a slug or an auth scheme")
		}
		in, seen := c.integrations[d.Slug]
		if !seen {
			in = &platformv1.Integration{
				Slug:            d.Slug,
				Name:            d.Name,
				AuthTypes:       d.AuthTypes,
				NativeWebhooks:  d.NativeWebhooks,
				RateLimitPolicy: d.RateLimitPolicy,
				ConfigFields:    d.ConfigFields,
				Sandbox:         d.Sandbox,
				DocsUrl:         d.DocsURL,
			}
			c.integrations[d.Slug] = in
			c.descriptors[d.Slug] = d
			c.slugs = append(c.slugs, d.Slug)
		} else if prev := c.descriptors[d.Slug]; prev.DefaultBaseURL != d.DefaultBaseURL || prev.Name != d.Name {
			return nil, fmt.Errorf("catalog: connectors of %s disagree on its name or base URL", d.Slug)
		}
		if slices.Contains(in.Categories, d.Category) {
			return nil, fmt.Errorf("catalog: %s has two %s connectors", d.Slug, d.Category)
		}
		in.Categories = append(in.Categories, d.Category)
		slices.Sort(in.Categories)
		in.Objects = append(in.Objects, e.Objects...)
	}
	sort.Strings(c.slugs)
	return c, nil
}

// Integration returns a copy of one integration.
func (c *Catalog) Integration(slug string) (*platformv1.Integration, bool) {
	in, ok := c.integrations[slug]
	if !ok {
		return nil, false
	}
	return proto.Clone(in).(*platformv1.Integration), true
}

// Descriptor returns how to reach an integration.
func (c *Catalog) Descriptor(slug string) (*Descriptor, bool) {
	d, ok := c.descriptors[slug]
	return d, ok
}

// List returns the integrations of a category (all when unspecified), by slug.
func (c *Catalog) List(category platformv1.Category) []*platformv1.Integration {
	var out []*platformv1.Integration
	for _, slug := range c.slugs {
		in := c.integrations[slug]
		if category == platformv1.Category_CATEGORY_UNSPECIFIED || slices.Contains(in.Categories, category) {
			out = append(out, proto.Clone(in).(*platformv1.Integration))
		}
	}
	return out
}
