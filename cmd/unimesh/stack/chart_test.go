package stack_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/unimesh/unimesh/cmd/unimesh/stack"
)

type manifest struct {
	Kind     string `yaml:"kind"`
	Metadata struct {
		Name string `yaml:"name"`
	} `yaml:"metadata"`
	Spec struct {
		Replicas int              `yaml:"replicas"`
		Selector map[string]any   `yaml:"selector"`
		Type     string           `yaml:"type"`
		Ports    []map[string]any `yaml:"ports"`
		Template struct {
			Metadata struct {
				Labels map[string]string `yaml:"labels"`
			} `yaml:"metadata"`
			Spec struct {
				Containers []struct {
					Args           []string         `yaml:"args"`
					Env            []map[string]any `yaml:"env"`
					ReadinessProbe map[string]any   `yaml:"readinessProbe"`
					LivenessProbe  map[string]any   `yaml:"livenessProbe"`
				} `yaml:"containers"`
			} `yaml:"spec"`
		} `yaml:"template"`
	} `yaml:"spec"`
}

func helmBin(t *testing.T) string {
	h := os.Getenv("HELM")
	if h == "" {
		t.Skip("HELM is not set (make test builds helm into .tools/bin and sets it)")
	}
	return h
}

func chartDir() string { return filepath.Join("..", "..", "..", "deploy", "k8s", "unimesh") }

func render(t *testing.T, args ...string) ([]manifest, string, error) {
	t.Helper()
	cmd := exec.Command(helmBin(t), append([]string{"template", "rel", chartDir()}, args...)...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return nil, errb.String(), err
	}
	var docs []manifest
	dec := yaml.NewDecoder(&out)
	for {
		var m manifest
		if err := dec.Decode(&m); err != nil {
			break
		}
		if m.Kind != "" {
			docs = append(docs, m)
		}
	}
	return docs, "", nil
}

// TestChartRunsEveryServiceWithTheEnvironmentItNeeds renders the chart and
// checks each Deployment against what `unimesh serve` reads.
func TestChartRunsEveryServiceWithTheEnvironmentItNeeds(t *testing.T) {
	docs, stderr, err := render(t, "--set", "secrets.existingSecret=unimesh", "--set", "sandbox.enabled=true",
		"--set", "publicURL=https://unimesh.example.com")
	if err != nil {
		t.Fatalf("helm template: %v\n%s", err, stderr)
	}
	deployments, services := map[string]manifest{}, map[string]manifest{}
	for _, d := range docs {
		switch d.Kind {
		case "Deployment":
			deployments[strings.TrimPrefix(d.Metadata.Name, "rel-")] = d
		case "Service":
			services[strings.TrimPrefix(d.Metadata.Name, "rel-")] = d
		}
	}
	for _, name := range stack.Services {
		d, ok := deployments[name]
		if !ok {
			t.Errorf("no Deployment for %s", name)
			continue
		}
		if _, ok := services[name]; !ok {
			t.Errorf("no Service for %s", name)
		}
		c := d.Spec.Template.Spec.Containers[0]
		if !slices.Equal(c.Args, []string{"serve", name}) {
			t.Errorf("%s runs %v", name, c.Args)
		}
		env := map[string]string{}
		for _, e := range c.Env {
			v, _ := e["value"].(string)
			if e["valueFrom"] != nil {
				v = "<secret>"
			}
			env[e["name"].(string)] = v
		}
		need := map[string][]string{
			"connect": {"UNIMESH_DATABASE_URL", "UNIMESH_MASTER_KEY", "UNIMESH_INTERNAL_TOKEN", "UNIMESH_GRPC_ADDR", "UNIMESH_EVENTS_ADDR"},
			"gateway": {"UNIMESH_HTTP_ADDR", "UNIMESH_INTERNAL_TOKEN", "UNIMESH_CONNECT_ADDR", "UNIMESH_CRM_ADDR", "UNIMESH_TICKETING_ADDR",
				"UNIMESH_HRIS_ADDR", "UNIMESH_ACCOUNTING_ADDR", "UNIMESH_ATS_ADDR", "UNIMESH_EVENTS_ADDR"},
			"sandbox": {"UNIMESH_HTTP_ADDR", "UNIMESH_SANDBOX_SECRET", "UNIMESH_VENDOR_SANDBOXES"},
			// events keeps its state in the database, seals signing secrets, and polls through the category services.
			"events": {"UNIMESH_DATABASE_URL", "UNIMESH_MASTER_KEY", "UNIMESH_CONNECT_ADDR", "UNIMESH_INTERNAL_TOKEN", "UNIMESH_GRPC_ADDR",
				"UNIMESH_CRM_ADDR", "UNIMESH_TICKETING_ADDR", "UNIMESH_HRIS_ADDR", "UNIMESH_ACCOUNTING_ADDR", "UNIMESH_ATS_ADDR",
				"UNIMESH_POLL_INTERVAL", "UNIMESH_EMIT_BACKFILL", "UNIMESH_SANDBOX_URL"},
		}[name]
		if need == nil {
			// The category services; they tell events of writes.
			need = []string{"UNIMESH_CONNECT_ADDR", "UNIMESH_INTERNAL_TOKEN", "UNIMESH_GRPC_ADDR", "UNIMESH_SANDBOX_URL", "UNIMESH_VENDOR_SANDBOXES",
				"UNIMESH_EVENTS_ADDR"}
		}
		for _, k := range need {
			if _, ok := env[k]; !ok {
				t.Errorf("%s lacks %s", name, k)
			}
		}
		// Connect builds connect links and OAuth redirects on the public
		// URL, and the gateway serves them there.
		// Events subscribes providers' native webhooks to <public URL>/webhooks/native/...
		if wantURL := name == "connect" || name == "gateway" || name == "events"; wantURL != (env["UNIMESH_PUBLIC_URL"] == "https://unimesh.example.com") {
			t.Errorf("%s: UNIMESH_PUBLIC_URL = %q", name, env["UNIMESH_PUBLIC_URL"])
		}
		if a := env["UNIMESH_CONNECT_ADDR"]; a != "" && a != "rel-connect:9090" {
			t.Errorf("%s finds connect at %s", name, a)
		}
		if c.ReadinessProbe == nil || c.LivenessProbe == nil {
			t.Errorf("%s has no probes", name)
		}
		if d.Spec.Replicas < 1 {
			t.Errorf("%s has %d replicas", name, d.Spec.Replicas)
		}
		if d.Spec.Template.Metadata.Labels["app.kubernetes.io/component"] != name {
			t.Errorf("%s pods are labelled %v", name, d.Spec.Template.Metadata.Labels)
		}
	}
	if _, stderr, err := render(t); err == nil || !strings.Contains(stderr, "secrets.existingSecret") {
		t.Fatalf("a chart without secrets rendered: %v %s", err, stderr)
	}
	docs, _, err = render(t, "--set", "secrets.existingSecret=unimesh")
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range docs {
		if strings.HasSuffix(d.Metadata.Name, "-sandbox") {
			t.Fatal("the sandbox is deployed while disabled")
		}
	}
}
