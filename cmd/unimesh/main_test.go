package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/unimesh/unimesh/pkg/vault"
)

func runCLI(t *testing.T, env map[string]string, args ...string) (string, error) {
	t.Helper()
	var out, errb bytes.Buffer
	err := run(context.Background(), args, &out, &errb, func(k string) string { return env[k] })
	return out.String() + errb.String(), err
}

func TestAdminCommands(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{}
	out, err := runCLI(t, env, "migrate", "--data-dir", dir)
	if err != nil || !strings.Contains(out, "schema version 3") {
		t.Fatalf("migrate: %v\n%s", err, out)
	}
	out, err = runCLI(t, env, "admin", "create-project", "--data-dir", dir, "--name", "Acme")
	if err != nil {
		t.Fatalf("create-project: %v\n%s", err, out)
	}
	project := regexp.MustCompile(`project\s+(proj_\w+)`).FindStringSubmatch(out)
	key := regexp.MustCompile(`umk_[a-z2-7]{12}_[A-Za-z0-9_-]{43}`).FindString(out)
	if project == nil || key == "" {
		t.Fatalf("create-project printed:\n%s", out)
	}
	out, err = runCLI(t, env, "admin", "create-api-key", "--data-dir", dir, "--project", project[1], "--name", "ci", "--scopes", "read")
	if err != nil || !strings.Contains(out, "scopes read") {
		t.Fatalf("create-api-key: %v\n%s", err, out)
	}
	for _, bad := range [][]string{
		{"admin", "create-api-key", "--data-dir", dir, "--project", "proj_nope", "--name", "x"},
		{"admin", "create-api-key", "--data-dir", dir, "--project", project[1], "--name", "x", "--scopes", "root"},
		{"admin", "create-project", "--data-dir", dir},
		{"admin", "frobnicate", "--data-dir", dir},
		{"admin"},
		{"serve"},
		{"serve", "nonsense"},
		{"nonsense"},
		{},
	} {
		if _, err := runCLI(t, env, bad...); err == nil {
			t.Errorf("unimesh %v succeeded", bad)
		}
	}
	if out, err := runCLI(t, env, "version"); err != nil || !strings.HasPrefix(out, "unimesh ") {
		t.Fatalf("version: %v %q", err, out)
	}
}

func TestRotateKeyGenerate(t *testing.T) {
	dir := t.TempDir()
	// A dev installation: its key file and database.
	first, err := vault.LoadOrCreateFile(filepath.Join(dir, "master.key"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := runCLI(t, nil, "migrate", "--data-dir", dir); err != nil {
		t.Fatal(err)
	}
	out, err := runCLI(t, nil, "admin", "rotate-key", "--data-dir", dir, "--generate")
	if err != nil || !strings.Contains(out, "new primary key") || !strings.Contains(out, "re-sealed 0 credentials") {
		t.Fatalf("rotate-key --generate: %v\n%s", err, out)
	}
	after, err := vault.LoadOrCreateFile(filepath.Join(dir, "master.key"))
	if err != nil {
		t.Fatal(err)
	}
	ids := after.IDs()
	if len(ids) != 2 || ids[0] == first.PrimaryID() || ids[1] != first.PrimaryID() {
		t.Fatalf("key file after rotation: %v (old primary %s)", ids, first.PrimaryID())
	}
	if info, _ := os.Stat(filepath.Join(dir, "master.key")); info.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode %v", info.Mode().Perm())
	}
	if _, err := runCLI(t, map[string]string{"UNIMESH_MASTER_KEY": "k:" + strings.Repeat("A", 44)}, "admin", "rotate-key", "--data-dir", dir, "--generate"); err == nil {
		t.Fatal("--generate with an inline key succeeded")
	}
}
