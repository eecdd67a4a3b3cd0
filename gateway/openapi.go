package gateway

import (
	_ "embed"
	"encoding/json"
	"fmt"

	"github.com/unimesh/unimesh/pkg/telemetry"
)

//go:embed openapi/unimesh.swagger.json
var generatedOpenAPI []byte

// openAPIDocument is the merged document of every service, with what the
// generator cannot know: the title, the version and how to authenticate.
func openAPIDocument() ([]byte, error) {
	var doc map[string]any
	if err := json.Unmarshal(generatedOpenAPI, &doc); err != nil {
		return nil, fmt.Errorf("openapi document: %w", err)
	}
	doc["info"] = map[string]any{
		"title":       "Unimesh API",
		"version":     telemetry.Version,
		"description": "One normalized API over CRM, ticketing, HRIS & payroll, accounting and ATS providers. Authenticate with 'Authorization: Bearer <API key>'. Errors follow AIP-193: {\"error\": {code, message, status, details[ErrorInfo{reason}]}}.",
	}
	doc["securityDefinitions"] = map[string]any{
		"bearer": map[string]any{"type": "apiKey", "name": "Authorization", "in": "header", "description": "Bearer <API key>"},
	}
	doc["security"] = []any{map[string]any{"bearer": []any{}}}
	return json.MarshalIndent(doc, "", "  ")
}
