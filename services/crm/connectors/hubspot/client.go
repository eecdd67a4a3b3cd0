package hubspot

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"google.golang.org/grpc/codes"

	"github.com/unimesh/unimesh/pkg/apierr"
	"github.com/unimesh/unimesh/pkg/connector"
	"github.com/unimesh/unimesh/pkg/providerhttp"
)

// Page sizes HubSpot allows: a list call takes at most 100 records, a
// search 200, and a search pages through at most 10,000 results.
const (
	maxListLimit   = 100
	maxSearchLimit = 200
	searchCap      = 10000
)

func objectPath(typ string) string { return "/crm/v3/objects/" + typ }

func objectIDPath(typ, id string) string { return objectPath(typ) + "/" + url.PathEscape(id) }

// decode reads a JSON answer.
func decode(c *connector.Conn, body []byte, out any) error {
	if err := json.Unmarshal(body, out); err != nil {
		return apierr.New(codes.Unavailable, apierr.ReasonProviderError,
			fmt.Sprintf("%s answered a body that is not the JSON expected", c.Integration), "integration", c.Integration)
	}
	return nil
}

// decodeObject reads a record, keeping its JSON for include_raw.
func decodeObject(c *connector.Conn, raw json.RawMessage) (object, error) {
	var o object
	if err := decode(c, raw, &o); err != nil {
		return object{}, err
	}
	o.raw = raw
	o.links = v3Links(o.Associations)
	return o, nil
}

func decodePage(c *connector.Conn, body []byte) ([]object, *page, error) {
	var pg page
	if err := decode(c, body, &pg); err != nil {
		return nil, nil, err
	}
	out := make([]object, 0, len(pg.Results))
	for _, raw := range pg.Results {
		o, err := decodeObject(c, raw)
		if err != nil {
			return nil, nil, err
		}
		out = append(out, o)
	}
	return out, &pg, nil
}

func readQuery(props, assocs []string) url.Values {
	q := url.Values{}
	if len(props) > 0 {
		q.Set("properties", strings.Join(props, ","))
	}
	if len(assocs) > 0 {
		q.Set("associations", strings.Join(assocs, ","))
	}
	return q
}

// getObject reads one record with the given properties and associations.
func getObject(ctx context.Context, c *connector.Conn, typ, id string, props, assocs []string) (object, error) {
	resp, err := c.HTTP.Do(ctx, providerhttp.Request{Method: http.MethodGet, Path: objectIDPath(typ, id), Query: readQuery(props, assocs)})
	if err != nil {
		return object{}, err
	}
	return decodeObject(c, resp.Body)
}

// listObjects reads one page of records, oldest first, with HubSpot's
// `after` cursor.
func listObjects(ctx context.Context, c *connector.Conn, typ string, limit int, after string, props, assocs []string) ([]object, string, error) {
	q := readQuery(props, assocs)
	q.Set("limit", fmt.Sprint(min(max(limit, 1), maxListLimit)))
	if after != "" {
		q.Set("after", after)
	}
	resp, err := c.HTTP.Do(ctx, providerhttp.Request{Method: http.MethodGet, Path: objectPath(typ), Query: q})
	if err != nil {
		return nil, "", err
	}
	objs, pg, err := decodePage(c, resp.Body)
	if err != nil {
		return nil, "", err
	}
	return objs, pg.Paging.after(), nil
}

// searchObjects runs a search. It changes nothing, so it is sent as a read
// (retried on 5xx and 429) although it is a POST.
func searchObjects(ctx context.Context, c *connector.Conn, typ string, req searchRequest) ([]object, *page, error) {
	b, err := json.Marshal(req)
	if err != nil {
		return nil, nil, fmt.Errorf("encode hubspot search: %w", err)
	}
	resp, err := c.HTTP.Do(ctx, providerhttp.Request{Method: http.MethodPost, Path: objectPath(typ) + "/search", Body: b, Read: true})
	if err != nil {
		return nil, nil, err
	}
	return decodePage(c, resp.Body)
}

// batchReadObjects reads records by id; ids HubSpot cannot find are left
// out (it answers 207 for them).
func batchReadObjects(ctx context.Context, c *connector.Conn, typ string, ids, props []string) (map[string]object, error) {
	out := map[string]object{}
	for start := 0; start < len(ids); start += 100 {
		inputs := []assocTo{}
		for _, id := range ids[start:min(len(ids), start+100)] {
			inputs = append(inputs, assocTo{ID: id})
		}
		b, err := json.Marshal(map[string]any{"properties": props, "inputs": inputs, "propertiesWithHistory": []string{}})
		if err != nil {
			return nil, fmt.Errorf("encode hubspot batch read: %w", err)
		}
		resp, err := c.HTTP.Do(ctx, providerhttp.Request{Method: http.MethodPost, Path: objectPath(typ) + "/batch/read", Body: b, Read: true})
		if err != nil {
			return nil, err
		}
		objs, _, err := decodePage(c, resp.Body)
		if err != nil {
			return nil, err
		}
		for _, o := range objs {
			out[o.ID] = o
		}
	}
	return out, nil
}

// createObject creates a record (201) with its associations.
func createObject(ctx context.Context, c *connector.Conn, typ string, props map[string]string, assocs []assocInput) (object, error) {
	if assocs == nil {
		assocs = []assocInput{}
	}
	b, err := json.Marshal(map[string]any{"properties": props, "associations": assocs})
	if err != nil {
		return object{}, fmt.Errorf("encode hubspot create: %w", err)
	}
	resp, err := c.HTTP.Do(ctx, providerhttp.Request{Method: http.MethodPost, Path: objectPath(typ), Body: b})
	if err != nil {
		return object{}, err
	}
	return decodeObject(c, resp.Body)
}

// patchObject overwrites the given properties; "" clears one.
func patchObject(ctx context.Context, c *connector.Conn, typ, id string, props map[string]string) error {
	b, err := json.Marshal(map[string]any{"properties": props})
	if err != nil {
		return fmt.Errorf("encode hubspot update: %w", err)
	}
	_, err = c.HTTP.Do(ctx, providerhttp.Request{Method: http.MethodPatch, Path: objectIDPath(typ, id), Body: b})
	return err
}

// archiveObject deletes a record: HubSpot archives it (a read afterwards
// answers 404).
func archiveObject(ctx context.Context, c *connector.Conn, typ, id string) error {
	_, err := c.HTTP.Do(ctx, providerhttp.Request{Method: http.MethodDelete, Path: objectIDPath(typ, id)})
	return err
}

// batchReadAssociations reads the associations of records to one object
// type with v4 (the search endpoint returns none); records without any are
// absent from the map (HubSpot answers 207 for them).
func batchReadAssociations(ctx context.Context, c *connector.Conn, from, to string, ids []string) (map[string][]assocLink, error) {
	out := map[string][]assocLink{}
	for start := 0; start < len(ids); start += 1000 {
		inputs := []assocTo{}
		for _, id := range ids[start:min(len(ids), start+1000)] {
			inputs = append(inputs, assocTo{ID: id})
		}
		b, err := json.Marshal(map[string]any{"inputs": inputs})
		if err != nil {
			return nil, fmt.Errorf("encode hubspot association read: %w", err)
		}
		resp, err := c.HTTP.Do(ctx, providerhttp.Request{Method: http.MethodPost,
			Path: "/crm/v4/associations/" + from + "/" + to + "/batch/read", Body: b, Read: true})
		if err != nil {
			return nil, err
		}
		var batch v4BatchAssociations
		if err := decode(c, resp.Body, &batch); err != nil {
			return nil, err
		}
		for _, r := range batch.Results {
			for _, t := range r.To {
				l := assocLink{ID: string(t.ToObjectID)}
				for _, at := range t.AssociationTypes {
					if primaryTypeIDs[at.TypeID] || (at.Label != nil && *at.Label == "Primary") {
						l.Primary = true
					}
				}
				out[string(r.From.ID)] = mergeLink(out[string(r.From.ID)], l)
			}
		}
	}
	return out, nil
}

// associate sets a HubSpot-defined association type (such as a Primary
// label) between two records.
func associate(ctx context.Context, c *connector.Conn, from, id, to, toID string, typeID int) error {
	b, err := json.Marshal([]assocSpec{{AssociationCategory: "HUBSPOT_DEFINED", AssociationTypeID: typeID}})
	if err != nil {
		return fmt.Errorf("encode hubspot association: %w", err)
	}
	_, err = c.HTTP.Do(ctx, providerhttp.Request{Method: http.MethodPut, Body: b,
		Path: "/crm/v4/objects/" + from + "/" + url.PathEscape(id) + "/associations/" + to + "/" + url.PathEscape(toID)})
	return err
}

// associateDefault sets the default (unlabeled) association.
func associateDefault(ctx context.Context, c *connector.Conn, from, id, to, toID string) error {
	_, err := c.HTTP.Do(ctx, providerhttp.Request{Method: http.MethodPut,
		Path: "/crm/v4/objects/" + from + "/" + url.PathEscape(id) + "/associations/default/" + to + "/" + url.PathEscape(toID)})
	return err
}

// dissociate removes every association between two records.
func dissociate(ctx context.Context, c *connector.Conn, from, id, to, toID string) error {
	_, err := c.HTTP.Do(ctx, providerhttp.Request{Method: http.MethodDelete,
		Path: "/crm/v4/objects/" + from + "/" + url.PathEscape(id) + "/associations/" + to + "/" + url.PathEscape(toID)})
	return err
}
