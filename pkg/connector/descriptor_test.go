package connector

import (
	"errors"
	"testing"
)

func TestAtKeepsTheConfigCheck(t *testing.T) {
	d := &Descriptor{Slug: "v", BaseURL: func(config map[string]string) (string, error) {
		if config["domain"] != "acme" {
			return "", errors.New("domain must be acme")
		}
		return "https://acme.vendor.example", nil
	}}
	at := d.At("http://127.0.0.1:9/v")
	if u, err := at.ResolveBaseURL(map[string]string{"domain": "acme"}); err != nil || u != "http://127.0.0.1:9/v" {
		t.Fatalf("override: %q %v", u, err)
	}
	if _, err := at.ResolveBaseURL(map[string]string{"domain": "evil"}); err == nil {
		t.Fatal("a config the vendor refuses passed the override")
	}
	if u, _ := d.ResolveBaseURL(map[string]string{"domain": "acme"}); u != "https://acme.vendor.example" {
		t.Fatalf("the original changed: %q", u)
	}
}
