package salesforce

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// instanceDomains are the domains an org's instance URL lives on: My
// Domain hosts (acme.my.salesforce.com, sandboxes
// acme--dev.sandbox.my.salesforce.com), classic instances (na1.salesforce.com)
// and Visualforce/Experience hosts.
var instanceDomains = []string{".salesforce.com", ".force.com", ".cloudforce.com"}

// loginHosts authenticate; they serve no org's data.
var loginHosts = map[string]bool{"login.salesforce.com": true, "test.salesforce.com": true}

// instanceBaseURL is the API root of a connection: its org's instance URL,
// as the OAuth token response named it. It must be an https URL with a
// bare host on Salesforce's own domains, so that the connection's token
// goes nowhere else.
func instanceBaseURL(config map[string]string) (string, error) {
	raw := strings.TrimSpace(config["instance_url"])
	if raw == "" {
		return "", errors.New("instance_url is required: the org's instance URL, such as https://acme.my.salesforce.com")
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "", fmt.Errorf("instance_url %q is not a URL", raw)
	}
	switch {
	case u.Scheme != "https":
		return "", fmt.Errorf("instance_url %q must be an https URL", raw)
	case u.User != nil || u.Port() != "" || u.RawQuery != "" || u.Fragment != "" || u.Opaque != "":
		return "", fmt.Errorf("instance_url %q must be a bare https://host, without credentials, port, query or fragment", raw)
	case u.Path != "" && u.Path != "/":
		return "", fmt.Errorf("instance_url %q must have no path: the API path is the connector's", raw)
	}
	host := strings.ToLower(u.Hostname())
	if !validHost(host) {
		return "", fmt.Errorf("instance_url %q is not a host name", raw)
	}
	if loginHosts[host] {
		return "", fmt.Errorf("instance_url %q is Salesforce's login host; use the org's instance URL from the token response", raw)
	}
	for _, d := range instanceDomains {
		if strings.HasSuffix(host, d) {
			return "https://" + host, nil
		}
	}
	return "", fmt.Errorf("instance_url %q is not on Salesforce's domains (%s)", raw, strings.Join(instanceDomains, ", "))
}

// validHost accepts DNS names of letters, digits and hyphens (Salesforce
// sandboxes use "--" inside a label).
func validHost(h string) bool {
	if len(h) > 253 || !strings.Contains(h, ".") {
		return false
	}
	for _, label := range strings.Split(h, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for _, c := range label {
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
				return false
			}
		}
	}
	return true
}
