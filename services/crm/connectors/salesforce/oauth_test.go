package salesforce

import "testing"

func TestOAuthExtras(t *testing.T) {
	cases := []struct {
		name    string
		answer  map[string]any
		want    map[string]string
		wantErr bool
	}{
		{"instance and org", map[string]any{"instance_url": "https://acme.my.salesforce.com", "id": "https://login.salesforce.com/id/00D5g000004XyZaEAK/0055g00000A1b2CAAR"},
			map[string]string{"instance_url": "https://acme.my.salesforce.com", "organization_id": "00D5g000004XyZaEAK"}, false},
		{"no identity URL", map[string]any{"instance_url": "https://acme.my.salesforce.com"},
			map[string]string{"instance_url": "https://acme.my.salesforce.com"}, false},
		{"no instance", map[string]any{"id": "https://login.salesforce.com/id/00D/005"}, nil, true},
		{"instance off Salesforce's domains", map[string]any{"instance_url": "https://evil.example.com"}, nil, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := oauthExtras(func(k string) any { return c.answer[k] })
			if (err != nil) != c.wantErr {
				t.Fatalf("err = %v", err)
			}
			if len(got) != len(c.want) {
				t.Fatalf("got %v, want %v", got, c.want)
			}
			for k, v := range c.want {
				if got[k] != v {
					t.Fatalf("got %v, want %v", got, c.want)
				}
			}
		})
	}
}
