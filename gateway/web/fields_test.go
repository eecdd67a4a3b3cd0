package web

import "testing"

func TestViolationField(t *testing.T) {
	for _, c := range []struct {
		field string
		basic bool
		want  string
	}{
		{"credentials", false, "api_key"},
		{"credentials", true, "password"},
		{"credentials.api_key.key", false, "api_key"},
		{"credentials.basic.username", true, "username"},
		{"credentials.basic.password", true, "password"},
		{"connection.config.instance", false, "config.instance"},
		{"config.instance", false, "config.instance"},
		{`config["instance"]`, false, "config.instance"},
		{"connection.config", false, ""},
		{"integration", false, ""},
	} {
		if got := violationField(c.field, c.basic); got != c.want {
			t.Errorf("violationField(%q, %v) = %q, want %q", c.field, c.basic, got, c.want)
		}
	}
}
